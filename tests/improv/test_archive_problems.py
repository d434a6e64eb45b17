"""Review 29 (research path): a session that cannot be read, or whose recordings are damaged,
stops no export and is never "current"; the export names the dialogue's own tempo curve apart
and records the versions; CSV floats keep their type."""

from __future__ import annotations

import os
import time

import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")


def _duet(store, *, client: str, started=None) -> str:
    """A MIDI duet of 12 s: the therapist answers the client 0.4 s later."""
    players = ("client", "therapist")
    w = store.create_session(client=client, players=list(players), started=started)
    for i, player in enumerate(players):
        w.add_midi_input(f"keys{i}", player=player)
        for k in range(16):
            t = 0.5 + k * 0.7 + i * 0.4
            pitch = 60 + (k * 5) % 12
            w.midi(t, player=player, port=f"keys{i}", data=bytes([0x90, pitch, 70 + k]))
            w.midi(t + 0.3, player=player, port=f"keys{i}", data=bytes([0x80, pitch, 0]))
    return w.finalize(duration_s=12.0)["id"]


@pytest.fixture
def three(run_cli, store):
    """Three analysed duets of clients C01, C02, C03 (with their dialogue): their IDs."""
    ids = [_duet(store, client=c) for c in ("C01", "C02", "C03")]
    for sid in ids:
        assert run_cli("analyze", sid, "--dialogue", "--json").exit_code == 0
    return ids


def _damage_midi(store, sid: str) -> None:
    path = store.folder(sid) / "midi.tsv"
    lines = path.read_text().splitlines(keepends=True)
    lines[-1] = lines[-1].replace("\t", "\t9", 1)
    path.write_text("".join(lines))


def test_one_unreadable_session_stops_no_export(run_cli, store, three, tmp_path):
    """A truncated session.json and a session folder gone (the catalog still lists it) used
    to stop the export with nothing written; now both are listed (problem 'unreadable'), the
    others are exported with their measures, the command exits 1 (as analyze --all with a
    failed session) and the warning names no client."""
    bad, good, gone = three
    p = store.folder(bad) / "session.json"
    p.write_text(p.read_text()[: len(p.read_text()) // 2])
    import shutil

    shutil.rmtree(store.folder(gone))
    to = tmp_path / "ds"
    r = run_cli("export-dataset", "--to", str(to), "--json")
    assert r.exit_code == 1, r.stderr
    out = r.json()
    assert [(p["code"], p["session_id"], p["problem"]) for p in out["problems"]] == [
        ("C01-001", bad, "unreadable"), ("C03-001", gone, "unreadable")]
    assert "not valid JSON" in out["problems"][0]["error"]
    assert out["not_analysed"] == []
    assert "2 sessions could not be exported with measures" in r.stderr
    assert not any(c in r.stderr for c in ("C01", "C02", "C03"))
    sessions = pd.read_parquet(to / "sessions.parquet").set_index("session")
    assert list(sessions.index) == ["C01-001", "C02-001", "C03-001"]
    assert list(sessions.problem.fillna("")) == ["unreadable", "", "unreadable"]
    assert list(sessions.analysed) == [False, True, False]
    assert sessions.date["C01-001"] == sessions.date["C02-001"]  # from the catalog
    summaries = pd.read_parquet(to / "summaries.parquet")
    assert set(summaries.session) == {"C02-001"}

    # the human output lists them by session ID, as analyze --all lists its failures
    r = run_cli("export-dataset", "--to", str(tmp_path / "ds2"))
    assert r.exit_code == 1
    assert "NOT EXPORTED" in r.stdout and bad in r.stdout and gone in r.stdout


def test_a_damaged_recording_is_never_current_and_is_flagged_in_the_export(
        run_cli, store, three, tmp_path):
    """A midi.tsv changed after its analysis: the next analyze --all listed the session as
    "skipped as current" and the export gave its old measures as analysed. Now the plan lists
    it as failed (force or not) and the export marks it damaged, without measures."""
    from improv.archive.batch import plan_batch

    damaged, good, _ = three
    _damage_midi(store, damaged)
    for force in (False, True):
        plan = plan_batch(store, dialogue=True, force=force)
        assert [f["session_id"] for f in plan["failed"]] == [damaged]
        assert "midi.tsv" in plan["failed"][0]["error"]
        assert "does not match its checksum" in plan["failed"][0]["error"]
        assert damaged not in plan["skipped"] and damaged not in [r["id"] for r in plan["todo"]]
    assert good in plan_batch(store, dialogue=True)["skipped"]

    r = run_cli("export-dataset", "--to", str(tmp_path / "ds"), "--format", "csv", "--json")
    assert r.exit_code == 1
    assert [(p["code"], p["problem"]) for p in r.json()["problems"]] == [
        ("C01-001", "damaged")]
    sessions = pd.read_csv(tmp_path / "ds" / "sessions.csv").set_index("session")
    assert sessions.problem["C01-001"] == "damaged" and not sessions.analysed["C01-001"]
    assert pd.isna(sessions.problem["C02-001"]) and sessions.analysed["C02-001"]
    assert "C01-001" not in set(pd.read_csv(tmp_path / "ds" / "summaries.csv").session)
    assert "C01-001" not in set(pd.read_csv(tmp_path / "ds" / "dialogue.csv").session)


def test_a_midi_log_deleted_after_its_analysis_is_never_current(store, three):
    """A session whose midi.tsv was deleted after it was analysed: analyze --all skipped it
    as current (only a midi.tsv still there was checked: review 33, F8). Now it is listed as
    failed, saying the file is missing, not that it does not match."""
    from improv.archive.batch import plan_batch

    gone, good, _ = three
    (store.folder(gone) / "midi.tsv").unlink()
    plan = plan_batch(store, dialogue=True)
    assert [f["session_id"] for f in plan["failed"]] == [gone]
    assert plan["failed"][0]["error"] == (
        f"midi.tsv of session {gone} is missing (moved or deleted): see 'improv sessions "
        f"verify {gone}'")
    assert gone not in plan["skipped"] and good in plan["skipped"]


def test_an_audio_file_changed_after_the_manifest_is_checked(store):
    """Audio is checked against its checksum only when it changed after the manifest was
    written (hours of audio are not read on every run): a truncated WAV is found, an
    untouched one is not read."""
    from improv.analyze import checked
    from improv.archive.batch import damaged_files
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=10.0)["id"]
    session = store.session(sid)
    wav = session.folder / session.manifest["audio"][0]["file"]
    assert damaged_files(session) == []
    calls = []
    real = checked.file_sha256

    def spy(path):
        calls.append(path.name)
        return real(path)

    checked.file_sha256 = spy
    try:
        damaged_files(session)
    finally:
        checked.file_sha256 = real
    assert calls == ["midi.tsv"]  # the WAV was not read
    data = wav.read_bytes()
    wav.write_bytes(data[:1000])
    later = time.time() + 5
    os.utime(wav, (later, later))
    assert damaged_files(store.session(sid)) == [session.manifest["audio"][0]["file"]]


def test_the_dialogues_tempo_is_named_apart_and_versions_are_recorded(run_cli, three, tmp_path):
    """Two different per-window tempos were both ``tempo_bpm`` (the player's in curves, the
    synchrony analysis's own estimate in dialogue_curves); the latter is
    ``synchrony_tempo_bpm``, defined as what it is. The analysis and dialogue versions are
    columns of dialogue (one each) and in every Parquet file's metadata."""
    import pyarrow.parquet as pq

    import analysis
    from analysis.dialogue import DIALOGUE_VERSION
    from improv import __version__

    to = tmp_path / "ds"
    assert run_cli("export-dataset", "--to", str(to)).exit_code == 0
    dc = pd.read_parquet(to / "dialogue_curves.parquet")
    assert "tempo_bpm" not in set(dc.measure)
    tempo = dc[dc.measure == "synchrony_tempo_bpm"]
    assert set(tempo.player) == {"client", "therapist"} and set(tempo.unit) == {"BPM"}
    readme = (to / "README.md").read_text()
    row = next(x for x in readme.splitlines() if x.startswith("| synchrony_tempo_bpm |"))
    assert "NOT the player's tempo_bpm curve in table curves" in row
    assert "tempo_coupling_r" in row and "chord" in row
    dlg = pd.read_parquet(to / "dialogue.parquet")
    assert set(dlg.analysis_version) == {analysis.ANALYSIS_VERSION}
    assert set(dlg.dialogue_version) == {DIALOGUE_VERSION}
    for name in ("sessions", "curves", "dialogue_curves"):
        meta = pq.read_schema(to / f"{name}.parquet").metadata
        assert meta[b"improv.dataset_format"] == b"3"
        assert meta[b"improv.analysis_version"] == analysis.ANALYSIS_VERSION.encode()
        assert meta[b"improv.dialogue_version"] == DIALOGUE_VERSION.encode()
        assert meta[b"improv.version"] == __version__.encode()


def test_csv_floats_keep_their_type_and_not_applicable_is_null(run_cli, three, tmp_path):
    """pyarrow wrote 3.0 as ``3``, so DuckDB's read_csv_auto (the README's loader) read ``t``
    and ``not_recorded_s`` as integers; the status rows' source was '' where the dialogue's
    pair measures have null."""
    duckdb = pytest.importorskip("duckdb")
    to = tmp_path / "ds"
    assert run_cli("export-dataset", "--to", str(to), "--format", "csv").exit_code == 0
    types = {(t, c): typ for t in ("dialogue_curves", "sessions", "curves") for c, typ, *_ in
             duckdb.sql(f"describe select * from read_csv_auto('{to}/{t}.csv')").fetchall()}
    assert types[("dialogue_curves", "t")] == "DOUBLE"
    assert types[("sessions", "not_recorded_s")] == "DOUBLE"
    assert types[("sessions", "duration_s")] == "DOUBLE"
    assert types[("curves", "t")] == "DOUBLE"
    first = (to / "sessions.csv").read_text().splitlines()[1]
    assert ',"12.0",' in first  # pyarrow quotes text; readers still take it as a number
    assert pd.read_csv(to / "dialogue_curves.csv").t.dtype == "float64"
    summ = duckdb.sql(f"select source from read_csv_auto('{to}/summaries.csv') "
                      "where measure = 'status'").fetchall()
    assert (None,) in summ and ("",) not in summ
    pq = tmp_path / "pq"
    assert run_cli("export-dataset", "--to", str(pq)).exit_code == 0
    s = pd.read_parquet(pq / "summaries.parquet")
    assert s[s.measure == "status"].source.isna().any() and not (s.source == "").any()


def test_the_dictionary_matches_the_data_on_short_clips_leader_basis_and_alpha_bounds():
    """Review 29: a clip shorter than one window has a tempo although its pulse is 'too
    short'; leader_basis can be 'none'; alpha's bounds can be empty beside a fitted alpha. The
    definitions the export's dictionary prints said none of it."""
    from analysis.features import describe
    from improv.archive.measures import dialogue_definition

    assert "pulse too short, tempo_source clip" in describe("tempo_bpm")[1]
    assert "whose tempo is the clip's" in describe("pulse")[1]
    assert "or none" in dialogue_definition("leader_basis")[1]
    for bound in ("alpha_lo", "alpha_hi"):
        assert "empty where the bootstrap gave no interval" in dialogue_definition(bound)[1]


def test_the_batch_summary_gives_hours_of_sessions_beside_hours_of_audio(capsys):
    """Review 29: two 1:43 MIDI sessions read 'analysed 2 sessions (0.00 h of audio)'."""
    from improv.archive.batch import _session_hours
    from improv.cli.archive import _human_summary

    rows = [{"duration_s": 103.0, "audio_inputs": 0}] * 2
    s = {"done": [{"session_id": "a"}, {"session_id": "b"}], "skipped": [], "failed": [],
         "interrupted": False, "audio_hours": 0.0, "elapsed_s": 9.2, "workers": 2,
         "demos_left_out": 0, "session_hours": sum(_session_hours(r) for r in rows)}
    _human_summary(s)
    assert capsys.readouterr().out.startswith(
        "analysed 2 sessions (0.06 h of sessions, 0.00 h of audio) in 9.2 s on 2 workers")


def test_the_dictionary_says_pause_windows_are_empty_and_how_goals_name_players():
    """Review 29: the pulse_clarity curve was 0.0 in windows without notes (the session value
    leaves them out; empty since analysis 1.18.0), and a goal's non-role player reads
    'player', not player<k>: neither was in the dictionary."""
    from improv.archive.dictionary import TABLES
    from improv.archive.measures import curve_definition

    assert "empty in a window in which the player does not play" in curve_definition(
        "pulse_clarity")[1]
    assert "reads 'player'" in TABLES["goals"]["indicators"][1]


def test_hours_of_audio_are_the_inputs_own_lengths(store, tmp_path):
    """Review 30 docs, finding 7: a 17.5 s recording in a 2:36 session counted as 2:36 of
    audio (the session's length once per audio input). Now: each input's frames / sr."""
    from improv.archive.batch import _audio_hours, _collect, analysis_versions, plan_batch
    from sessions.importer import import_files
    from tests.improv.test_archive_batch import _Done
    from tests.sessions.helpers import write_audio, write_midi

    keys = write_midi(tmp_path / "keys.mid", tracks={"keys": [(0.0, 0, 60, 80),
                                                              (20.0, 0, 62, 80)]})
    write_audio(tmp_path / "mic.wav", seconds=2.5)
    write_audio(tmp_path / "room.wav", seconds=1.5, channels=1)
    sid = import_files(store, [keys, tmp_path / "mic.wav", tmp_path / "room.wav"],
                       client="C07")["id"]
    (row,) = plan_batch(store, include_demo=True)["todo"]
    assert row["duration_s"] > 20 and row["audio_inputs"] == 2
    assert row["audio_s"] == pytest.approx(4.0)  # 2.5 s + 1.5 s, not 2 × the session
    summary = {"done": [], "failed": []}
    _collect(None, _Done({"ok": True, "computed": {}, "versions": analysis_versions()}), row,
             summary, lambda store, computed: None)
    (done,) = summary["done"]
    assert done["session_id"] == sid
    assert done["audio_hours"] == pytest.approx(4.0 / 3600, abs=1e-6) == _audio_hours(row)
    assert done["session_hours"] == pytest.approx(row["duration_s"] / 3600, abs=1e-6)

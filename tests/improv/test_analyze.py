"""``improv analyze`` and :mod:`improv.analyze`: real files through the real store and catalog.

Sessions are imported from generated MIDI and WAV files with a known tempo and density, or
written through the session writer (empty player, silence, 3-second session), or are the
demo duet, or were recovered after SIGKILL. Summaries are checked for sanity and against
direct calls of :mod:`analysis` on the same data.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

import analysis
from improv.analyze import accept_roles, analyze_session, cache_key, role_runs
from tests.cli_status import Usage, exit_status
from tests.sessions.helpers import write_midi

SR = 22050
DURATION = 24.0


def _clicks(*, bpm: float, seconds: float, sr: int = SR, rng=None, amp: float = 0.5) -> np.ndarray:
    """Decaying noise bursts (20 ms) at ``bpm``, jittered by up to 5 ms."""
    rng = rng or np.random.default_rng(1)
    y = np.zeros(int(seconds * sr), np.float32)
    n = int(0.02 * sr)
    env = np.exp(-np.arange(n) / (0.004 * sr))
    for t in np.arange(0.25, seconds - 0.1, 60.0 / bpm):
        i = int((t + rng.uniform(-0.005, 0.005)) * sr)
        y[i:i + n] += (amp * rng.standard_normal(n) * env)[: len(y) - i].astype(np.float32)
    return y


def _notes(*, bpm: float, seconds: float, pitches, velocity: int,
           rng) -> list[tuple[float, int, int, int]]:
    ts = np.arange(0.1, seconds - 0.5, 60.0 / bpm)
    ts = ts + rng.uniform(-0.01, 0.01, ts.size)
    return [(float(t), 0, int(pitches[i % len(pitches)]), velocity) for i, t in enumerate(ts)]


@pytest.fixture
def duet(tmp_path, store, rng):
    """An imported session: client MIDI at 120 BPM, therapist MIDI at 90 BPM, drums WAV at 120."""
    client = _notes(bpm=120, seconds=DURATION, pitches=[60, 64, 67], velocity=90, rng=rng)
    therapist = _notes(bpm=90, seconds=DURATION, pitches=[40], velocity=70, rng=rng)
    mid = write_midi(tmp_path / "duet.mid", tracks={"client": client, "therapist": therapist})
    y = _clicks(bpm=120, seconds=DURATION, rng=rng)
    sf.write(tmp_path / "clicks.wav", y, SR, subtype="FLOAT")
    m = import_files_(store, [mid, tmp_path / "clicks.wav"],
                      players=["client=duet.mid:2", "therapist=duet.mid:3", "drums=clicks.wav"])
    return {"id": m["id"], "client": client, "therapist": therapist, "clicks": y}


def import_files_(store, files, *, players, offset=0.0):
    from sessions.importer import import_files

    return import_files(store, files, client="C01", players=players, offset=offset)


def _note_table(notes):
    a = np.array([(t, p, v) for t, _, p, v in notes])
    return analysis.NoteTable.from_arrays(a[:, 0], a[:, 0] + 0.1, a[:, 1], a[:, 2])


# ----------------------------------------------------------------------------- library
def test_summaries_are_sane_and_match_direct_analysis(store, duet):
    res = analyze_session(store, duet["id"])
    assert list(res["players"]) == ["client", "therapist", "drums"]
    duration = res["duration_s"]
    assert duration == pytest.approx(DURATION, abs=0.5)

    client = res["players"]["client"]
    assert client["status"] == "ok" and list(client["sources"]) == ["midi"]
    s = client["sources"]["midi"]["summary"]
    assert s["tempo_bpm"] == pytest.approx(120, rel=0.05)
    assert s["notes_per_s"] == pytest.approx(2.0, rel=0.1)
    direct = analysis.analyze_midi(_note_table(duet["client"]), duration=duration).summary
    assert s["n_notes"] == direct["n_notes"] == len(duet["client"])
    assert s["velocity_mean"] == direct["velocity_mean"] == 90
    assert s["pitch_mean"] == pytest.approx(direct["pitch_mean"])
    assert s["tempo_bpm"] == pytest.approx(direct["tempo_bpm"], rel=0.01)  # SMF ticks: ~1 ms
    therapist = res["players"]["therapist"]
    assert therapist["sources"]["midi"]["summary"]["tempo_bpm"] == pytest.approx(90, rel=0.05)

    drums = res["players"]["drums"]
    assert list(drums["sources"]) == ["audio"]
    a = drums["sources"]["audio"]["summary"]
    assert a["status"] == "ok"
    assert a["tempo_bpm"] == pytest.approx(120, rel=0.05)
    direct = analysis.analyze_audio(duet["clicks"], sr=SR, duration=duration).summary
    for k in ("tempo_bpm", "n_onsets", "level_dbfs_mean", "loudness_lufs_integrated",
              "silence_share"):
        assert a[k] == pytest.approx(direct[k], rel=1e-6, abs=1e-9), k
    # curves on the session's window grid
    t = drums["sources"]["audio"]["curves"]["tempo_bpm"]["times"]
    assert t == client["sources"]["midi"]["curves"]["tempo_bpm"]["times"]
    assert t[0] == pytest.approx(3.0)


def test_audio_is_put_on_the_session_clock(tmp_path, store, rng):
    """An audio file that starts 2 s into the session: onsets shift by t0 = 2 s."""
    y = _clicks(bpm=100, seconds=12.0, rng=rng)
    sf.write(tmp_path / "late.wav", y, SR, subtype="FLOAT")
    mid = write_midi(tmp_path / "k.mid", tracks={"client": [(0.5, 0, 60, 80), (13.5, 0, 62, 80)]})
    m = import_files_(store, [mid, tmp_path / "late.wav"],
                      players=["client=k.mid:2", "drums=late.wav"], offset={"late.wav": 2.0})
    s = store.session(m["id"])
    (inp,) = s.audio_inputs()
    assert inp.t0 == pytest.approx(2.0)
    res = analyze_session(store, m["id"], players=["drums"], window=2.0, hop=1.0)
    key = res["players"]["drums"]["analysis_key"]
    cached = json.loads((s.folder / "cache" / f"analysis-{key}.json").read_text())
    onsets = np.array(cached["entry"]["sources"]["audio"]["onsets"])
    direct = analysis.analyze_audio(y, sr=SR, window=2.0, hop=1.0).onsets
    assert onsets.size == direct.size > 10
    # 2 s of padding is not a whole number of 23.2 ms onset frames: equal within one frame
    np.testing.assert_allclose(onsets, direct + 2.0, atol=512 / 22050 + 1e-3)
    assert np.median(onsets - direct) == pytest.approx(2.0, abs=0.005)
    curve = res["players"]["drums"]["sources"]["audio"]["curves"]["onsets_per_s"]
    assert curve["times"][0] == pytest.approx(1.0)  # window [0, 2): before the file starts
    # no value there since analysis 1.19.0 (0.0 before: the time before the file read as no
    # onsets); the rate is over the recorded time
    assert curve["values"][0] is None and curve["values"][2] > 0


def test_a_drifting_input_has_every_time_on_the_session_clock(tmp_path, store, rng):
    """The analysis runs on the input's own sample clock; onsets, curve times and crescendi
    are all mapped to the session clock with the input's drift (before session 6 only the
    onsets were: at 100 ppm the curves ended 0.36 s off after an hour)."""
    y = _clicks(bpm=100, seconds=20.0, rng=rng)
    sf.write(tmp_path / "drums.wav", y, SR, subtype="FLOAT")
    m = import_files_(store, [tmp_path / "drums.wav"], players=["drums=drums.wav"],
                      offset={"drums.wav": 1.0})
    plain = analyze_session(store, m["id"])["players"]["drums"]["sources"]["audio"]
    manifest = store.folder(m["id"]) / "session.json"
    doc = json.loads(manifest.read_text())
    doc["audio"][0]["drift_ppm"] = 2000.0  # large, to be seen in a 20 s test
    manifest.write_text(json.dumps(doc))
    drifted = analyze_session(store, m["id"])["players"]["drums"]
    assert not drifted["cached"]  # the input's clock is part of the cache key
    drifted = drifted["sources"]["audio"]

    def on_session_clock(t):
        return 1.0 + (np.asarray(t) - 1.0) / 1.002

    np.testing.assert_allclose(drifted["onsets"], on_session_clock(plain["onsets"]), atol=1e-5)
    for name, c in plain["curves"].items():
        np.testing.assert_allclose(drifted["curves"][name]["times"],
                                   on_session_clock(c["times"]), atol=1e-5, err_msg=name)
        assert drifted["curves"][name]["values"] == c["values"]


def test_stereo_player_is_one_source_and_block_size_does_not_matter(tmp_path, store, rng,
                                                                    monkeypatch):
    """A player on two channels is one source: its onsets and tempo from the channels' mean,
    its level and loudness from both channels' power (analysis 1.19.0; before, all from the
    mean); small read blocks change nothing."""
    import improv.analyze.sources as ia

    left = _clicks(bpm=120, seconds=12.0, rng=rng)
    right = 0.5 * _clicks(bpm=120, seconds=12.0, rng=rng)
    sf.write(tmp_path / "st.wav", np.stack([left, right], axis=1), SR, subtype="FLOAT")
    sid = import_files_(store, [tmp_path / "st.wav"], players=["drums=st.wav"])["id"]
    assert store.session(sid).player_audio("drums")[0][1] == [0, 1]
    big = analyze_session(store, sid, catalog=False)["players"]["drums"]["sources"]["audio"]
    monkeypatch.setattr(ia, "BLOCK_FRAMES", 3001)
    small = analyze_session(store, sid, use_cache=False, catalog=False)["players"]["drums"]
    small = small["sources"]["audio"]
    direct = analysis.analyze_audio(np.stack([left, right], axis=1), sr=SR,
                                    duration=12.0).summary
    mean = analysis.analyze_audio((left + right) / 2, sr=SR, duration=12.0).summary
    for k in ("n_onsets", "tempo_bpm", "level_dbfs_mean", "loudness_lufs_integrated"):
        assert big["summary"][k] == pytest.approx(direct[k], rel=1e-5), k
        assert small["summary"][k] == pytest.approx(big["summary"][k], rel=1e-5), k
        if k in ("n_onsets", "tempo_bpm"):
            assert big["summary"][k] == pytest.approx(mean[k], rel=1e-5), k
    np.testing.assert_allclose(np.array(small["curves"]["level_dbfs"]["values"], float),
                               np.array(big["curves"]["level_dbfs"]["values"], float), atol=1e-4)


def test_cache_hit_and_new_key_for_new_parameters(store, duet):
    first = analyze_session(store, duet["id"], players=["client", "drums"])
    key = first["players"]["drums"]["analysis_key"]
    cache = store.session(duet["id"]).folder / "cache"
    assert (cache / f"analysis-{key}.json").is_file()
    assert (cache / f"analysis-{key}.json").stat().st_mode & 0o077 == 0
    assert not first["players"]["drums"]["cached"]
    second = analyze_session(store, duet["id"], players=["client", "drums"])
    assert second["players"]["drums"]["cached"] and second["players"]["client"]["cached"]
    assert second["players"]["drums"]["sources"] == first["players"]["drums"]["sources"]
    other = analyze_session(store, duet["id"], players=["drums"], window=4.0)
    assert other["players"]["drums"]["analysis_key"] != key
    assert not other["players"]["drums"]["cached"]
    assert (cache / f"analysis-{other['players']['drums']['analysis_key']}.json").is_file()
    again = analyze_session(store, duet["id"], players=["drums"], use_cache=False)
    assert (again["players"]["drums"]["analysis_key"] == key
            and not again["players"]["drums"]["cached"])


def test_cache_key_depends_on_every_part():
    base = dict(kind="player", window=6.0, hop=1.0, players=["client"],
                checksums={"midi.tsv": "ab"})
    k = cache_key(**base)
    assert k == cache_key(**base) and len(k) == 16
    for change in ({"window": 5.0}, {"hop": 0.5}, {"players": ["therapist"]},
                   {"checksums": {"midi.tsv": "ac"}}, {"kind": "dialogue"}):
        assert cache_key(**{**base, **change}) != k, change


def test_annotations_do_not_invalidate_the_cache(store, duet):
    from sessions.annotation_edits import add_annotation

    k1 = analyze_session(store, duet["id"], players=["client"])["players"]["client"]["analysis_key"]
    add_annotation(store, duet["id"], t=1.0, tags=["marker"], text="x")  # rewrites session.mid
    again = analyze_session(store, duet["id"], players=["client"])["players"]["client"]
    assert again["analysis_key"] == k1 and again["cached"]


def _damage(path):
    """Change one character inside the file (a sample, or a digit of a MIDI event time), so
    that it still reads as before, only with other data."""
    data = bytearray(path.read_bytes())
    if path.suffix == ".wav":
        data[-1] ^= 0xFF
    else:
        i = data.index(b"\n0.") + 3  # the first event's time: 0.0968.. becomes 0.1968..
        data[i] = ord("1") if data[i] != ord("1") else ord("2")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damaged, players", [
    ("audio", "drums"), ("midi.tsv", "client"), ("midi.tsv", "client,therapist --dialogue"),
])
def test_a_recording_changed_since_recording_is_not_analysed(run_cli, store, duet, damaged,
                                                              players):
    from tests.sessions.helpers import tree_snapshot

    sid = duet["id"]
    folder = store.session(sid).folder
    cached = analyze_session(store, sid, players=["client"])  # before the damage
    rel = next((folder / "audio").glob("*.wav")) if damaged == "audio" else folder / "midi.tsv"
    _damage(rel)
    rel = rel.relative_to(folder).as_posix()
    assert store.session(sid).midi_events().t.size  # still readable: only the checksum tells
    before = tree_snapshot(store.root)
    r = run_cli("analyze", sid, "--players", *players.split(), "--json")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    error = json.loads(r.stderr)  # under --json the error is one JSON object too
    assert error["kind"] == "SessionFormatError" and error["exit_code"] == 1
    assert error["message"].startswith(f"{rel} of session {sid} does not match its checksum")
    assert f"see 'improv sessions verify {sid}'" in error["message"] and r.stdout == ""
    assert tree_snapshot(store.root) == before  # no cache file, no catalog row
    if damaged == "audio":  # results computed before the damage are still served
        again = analyze_session(store, sid, players=["client"])
        assert again["players"]["client"]["cached"]
        assert again["players"]["client"]["sources"] == cached["players"]["client"]["sources"]


def test_summaries_go_into_the_catalog(store, duet):
    res = analyze_session(store, duet["id"])
    rows = store.catalog.features(session_id=duet["id"])
    by = {(r["player"], r["name"]): r for r in rows}
    assert by[("client", "midi.tempo_bpm")]["value"] == pytest.approx(120, rel=0.05)
    assert (by[("client", "midi.tempo_bpm")]["analysis_key"]
            == res["players"]["client"]["analysis_key"])
    assert by[("drums", "audio.tempo_bpm")]["value"] == pytest.approx(120, rel=0.05)
    assert by[("drums", "status")]["text"] == "ok"
    assert {r["client"] for r in rows} == {"C01"}
    # cross-session query by client
    assert len(store.catalog.features(client="C01")) == len(rows)


# ----------------------------------------------------------------------------- CLI
def test_cli_table_json_csv_and_plot(run_cli, store, duet, tmp_path):
    r = run_cli("analyze", duet["id"], "--players", "client,drums")
    assert r.exit_code == 0, r.stderr
    assert "\nclient\n" in r.stdout and "\ndrums\n" in r.stdout and "Tempo (BPM)" in r.stdout
    assert "therapist" not in r.stdout and "tempo_bpm" not in r.stdout
    r = run_cli("analyze", duet["id"], "--players", "client", "--raw")
    assert r.exit_code == 0 and "tempo_bpm" in r.stdout and "Tempo (BPM)" not in r.stdout

    r = run_cli("analyze", duet["id"], "--players", "client", "--json")
    assert r.exit_code == 0, r.stderr
    data = r.json()
    assert data["players"]["client"]["cached"] is True
    summary = data["players"]["client"]["sources"]["midi"]["summary"]
    assert summary["tempo_bpm"] == pytest.approx(120, rel=0.05)
    assert "tempo_bpm" in data["players"]["client"]["sources"]["midi"]["curves"]

    r = run_cli("analyze", duet["id"], "--players", "client,drums", "--csv")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "session_id,analysis_version,dialogue_version,player,curve,t,value,unit"
    rows = [ln.split(",") for ln in lines[1:]]
    assert {(s, ver, dv) for s, ver, dv, *_ in rows} == {(duet["id"], analysis.ANALYSIS_VERSION,
                                                          "")}
    assert {(p, c, u) for _, _, _, p, c, _, _, u in rows} >= {
        ("client", "midi.tempo_bpm", "BPM"), ("drums", "audio.level_dbfs", "dBFS")}
    tempo = [float(v) for *_, c, _, v, _ in rows if c == "midi.tempo_bpm" and v]
    assert np.median(tempo) == pytest.approx(120, rel=0.05)

    png, csv_file = tmp_path / "curves.png", tmp_path / "curves.csv"
    r = run_cli("analyze", duet["id"], "--json", "--plot", png, "--curves", csv_file)
    assert r.exit_code == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert csv_file.read_text().startswith(
        "session_id,analysis_version,dialogue_version,player,curve,t,value,unit\n")
    assert r.json()["players"]["therapist"]["status"] == "ok"


@pytest.mark.parametrize("args, match", [
    (["--window", "-1"], ("window must be a number of seconds > 0", "(option --window)")),
    (["--hop", "0"], ("hop must be a number of seconds > 0", "(option --hop)")),
    (["--window", "2", "--hop", "3"], ("hop must not exceed window", "(option --hop)")),
    (["--window", "nan"], Usage("--window must be a number of seconds, e.g. 6, got 'nan'")),
    (["--window", "abc"], Usage("--window must be a number of seconds, e.g. 6, got 'abc'")),
    (["--players", "nobody"], "has no player 'nobody' (players: client, therapist, drums)"),
    (["--players", ","], ("players must name at least one player", "(option --players)")),
    (["--json", "--csv"], "exclude each other"),
    (["--accept-roles"], "need --dialogue"),
    (["--dialogue", "--pair", "client"],
     ("pair must name two different players", "(option --pair)")),
    (["--plot", "out.jpg"], "--plot must end in .png or .svg or .pdf"),
    (["--plot", "{tmp}/no/such/folder/p.png"], "--plot: folder {tmp}/no/such/folder does not"),
    (["--curves", "{tmp}/no/such/folder/c.csv"],
     "--curves: folder {tmp}/no/such/folder does not exist"),
    # nothing a user made is overwritten
    (["--plot", "{tmp}/mine.png"], "--plot: {tmp}/mine.png exists already; choose another name"),
    (["--curves", "{tmp}/mine.png"], "--curves: {tmp}/mine.png exists already"),
    (["--curves", "{tmp}/c.png", "--plot", "{tmp}/c.png"], "--curves and --plot name the same"),
    (["--dialogue", "--accept-roles", "--min-confidence", "2"],
     Usage("--min-confidence must be between 0 and 1, got 2")),
])
def test_cli_bad_parameters(run_cli, store, duet, tmp_path, args, match):
    """Refused before any analysis: no cache file, no catalog row, no annotation written."""
    from tests.sessions.helpers import tree_snapshot

    (tmp_path / "mine.png").write_bytes(b"a figure of mine")
    before = tree_snapshot(store.root)
    r = run_cli("analyze", duet["id"], *[a.format(tmp=tmp_path) for a in args])
    assert r.exit_code == exit_status(match)
    lines = r.stderr.strip().splitlines()
    if "--json" in args:  # the error is one JSON object then
        assert json.loads(r.stderr)["kind"] == "ParameterError"
        lines = [f"error: {json.loads(r.stderr)['message']}"]
    parts = [m.format(tmp=tmp_path) for m in ((match,) if isinstance(match, str) else match)]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert all(m in lines[0] for m in parts), r.stderr
    assert r.stdout == ""
    assert tree_snapshot(store.root) == before
    assert (tmp_path / "mine.png").read_bytes() == b"a figure of mine"
    assert not (tmp_path / "c.png").exists()


def test_cli_unknown_session(run_cli, store):
    r = run_cli("analyze", "20990101-000000-abcd")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: no session 20990101-000000-abcd in ")
    assert "(see 'improv sessions list')" in r.stderr


# ----------------------------------------------------------------------------- edge cases
def _written_session(store, *, duration: float, client_notes=(), audio=None, players=None):
    """A session through the writer: client MIDI, therapist MIDI port with no events,
    optional audio for ``mic``, and an ``observer`` with no input at all."""
    players = players or ["client", "therapist", "mic", "observer"]
    w = store.create_session(client="C02", players=players)
    w.add_midi_input("keys", player="client")
    w.add_midi_input("pads", player="therapist")
    if audio is not None:
        inp = w.add_audio_input("room", sr=SR, channels=1, players={"mic": [1]}, t0=0.0)
        for i in range(0, len(audio), 8192):
            inp.write(audio[i:i + 8192, None].copy())
    for t, pitch in client_notes:
        w.midi(t, player="client", port="keys", data=bytes([0x90, pitch, 80]))
        w.midi(t + 0.2, player="client", port="keys", data=bytes([0x80, pitch, 0]))
    return w.finalize(duration_s=duration)["id"]


def test_empty_player_silence_and_no_input_give_statuses(run_cli, store):
    notes = [(0.5 + 0.5 * i, 60) for i in range(30)]
    sid = _written_session(store, duration=20.0, client_notes=notes,
                           audio=np.zeros(int(20.0 * SR), np.float32))
    r = run_cli("analyze", sid, "--json")
    assert r.exit_code == 0, r.stderr
    from improv.archive import JSON_VERSION

    assert next(iter(r.json())) == "json_version"  # as analyze --all and compare give it
    assert r.json()["json_version"] == JSON_VERSION == 2
    p = r.json()["players"]
    assert p["client"]["status"] == "ok"
    assert p["therapist"]["status"] == "empty"
    th = p["therapist"]["sources"]["midi"]
    assert th["summary"]["n_notes"] == 0 and th["summary"]["tempo_bpm"] is None
    assert all(v in (0.0, None, 1.0) for v in th["curves"]["notes_per_s"]["values"])
    assert p["mic"]["status"] == "silent"
    assert p["mic"]["sources"]["audio"]["summary"]["n_onsets"] == 0
    assert p["observer"] == {**p["observer"], "status": "no input", "sources": {}}
    r = run_cli("analyze", sid)  # the human table says so too
    assert r.exit_code == 0, r.stderr
    assert "therapist: empty" in r.stdout and "mic: silent" in r.stdout
    assert "observer: no input" in r.stdout
    rows = {(x["player"], x["name"]): x for x in store.catalog.features(session_id=sid)}
    assert rows[("observer", "status")]["text"] == "no input"


def test_three_second_session(run_cli, store, tmp_path):
    y = _clicks(bpm=120, seconds=3.0)
    sid = _written_session(store, duration=3.0, client_notes=[(0.5, 60), (1.0, 62)], audio=y)
    r = run_cli("analyze", sid, "--json", "--dialogue", "--pair", "client,mic",
                "--plot", tmp_path / "short.png")
    assert r.exit_code == 0, r.stderr
    data = r.json()
    for player in ("client", "mic"):
        (src,) = data["players"][player]["sources"].values()
        assert src["summary"]["status"] == "too short"
        assert src["curves"]["tempo_bpm"]["times"] == []
    (d,) = data["dialogue"]
    assert d["summary"]["status"] == "too short" and d["roles"] == [] and d["role_runs"] == []
    assert (tmp_path / "short.png").read_bytes()[:4] == b"\x89PNG"
    r = run_cli("analyze", sid, "--csv")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == ("session_id,analysis_version,dialogue_version,player,"
                                        "curve,t,value,unit")


# ----------------------------------------------------------------------------- dialogue
def test_role_runs_merge_consecutive_windows():
    roles = [{"t": float(k), "end": k + 6.0, "player": "a",
              "role": "leader" if k < 3 else "partner",
              "confidence": 0.4 + 0.1 * k} for k in range(5)]
    roles += [{"t": float(k), "end": k + 6.0, "player": "b", "role": "follower", "confidence": 0.6}
              for k in range(5)]
    runs = role_runs(roles, window=6.0, hop=1.0, duration=10.0)
    assert [(r["player"], r["role"], r["t"], r["end"], r["windows"]) for r in runs] == [
        ("a", "leader", 2.5, 5.5, 3), ("b", "follower", 2.5, 7.5, 5), ("a", "partner", 5.5, 7.5, 2)]
    assert runs[0]["confidence"] == pytest.approx(0.5)


@pytest.mark.slow
def test_demo_dialogue_roles_and_accept_once(run_cli, store, tmp_path):
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=40.0)["id"]
    png = tmp_path / "dialogue.png"
    r = run_cli("analyze", sid, "--dialogue", "--json", "--plot", png)
    assert r.exit_code == 0, r.stderr
    (d,) = r.json()["dialogue"]
    assert d["pair"] == ["client", "therapist"] and d["summary"]["status"] == "ok"
    assert d["sources"] == {"client": "midi", "therapist": "midi"}
    assert d["roles"] and {x["status"] for x in d["roles"]} == {"suggested"}
    assert {x["role"] for x in d["roles"]} <= set(analysis.dialogue.ROLES)
    assert png.read_bytes()[:4] == b"\x89PNG"
    # counts read as whole numbers, computed or from the cache
    again = run_cli("analyze", sid, "--dialogue", "--json").json()
    for got in (r.json(), again):
        summary = got["dialogue"][0]["summary"]
        assert {type(summary[k]) for k in ("n_pairs", "gap_count", "client_turns")} == {int}
        assert type(got["players"]["client"]["sources"]["midi"]["summary"]["n_notes"]) is int
    rows = {x["name"]: x for x in store.catalog.features(session_id=sid)
            if x["player"] == "client|therapist"}
    assert rows["status"]["text"] == "ok" and "phase_locking" in rows
    # "resister" is never written at the default threshold (0.5): the measures cannot tell
    # ignoring from opposing (the demo has such stretches: 14 of 38 were written before)
    resist = [x for x in d["role_runs"] if x["role"] == "resister"]
    assert resist and max(x["confidence"] for x in resist) < 0.5

    r = run_cli("analyze", sid, "--dialogue", "--accept-roles", "--min-confidence", "0.3")
    assert r.exit_code == 0, r.stderr
    anns = [a for a in store.session(sid).annotations() if a["source"] == "suggestion"]
    eligible = [x for x in d["role_runs"] if x["confidence"] >= 0.3]
    assert len(anns) == len(eligible) > 0
    for a in anns:
        assert "suggestion" in a["tags"] and a["player"] in ("client", "therapist")
        assert any(t.startswith("autonomy:") or t in ("solo", "silence") for t in a["tags"])
    assert "wrote %d role suggestion" % len(anns) in r.stderr
    r = run_cli("analyze", sid, "--dialogue", "--accept-roles", "--min-confidence", "0.3")
    assert r.exit_code == 0 and "wrote 0 role suggestion" in r.stderr
    assert len([a for a in store.session(sid).annotations()
                if a["source"] == "suggestion"]) == len(anns)


def test_accept_roles_skips_deleted_and_confirmed(store, duet):
    from sessions.annotation_edits import delete_annotation, edit_annotation

    runs = [{"t": 1.0, "end": 4.0, "player": "client", "role": "leader", "confidence": 0.8},
            {"t": 4.0, "end": 6.0, "player": "therapist", "role": "silence", "confidence": 0.9},
            {"t": 6.0, "end": 9.0, "player": "client", "role": "partner", "confidence": 0.2}]
    written = accept_roles(store, duet["id"], runs, min_confidence=0.5)
    assert [a["tags"] for a in written] == [["suggestion", "autonomy:leader"],
                                            ["suggestion", "silence"]]
    assert all(a["source"] == "suggestion" for a in written)
    delete_annotation(store, duet["id"], written[0]["id"])
    edit_annotation(store, duet["id"], written[1]["id"], tags=["silence"])  # confirmed
    assert accept_roles(store, duet["id"], runs, min_confidence=0.5) == []
    with pytest.raises(ValueError, match="min_confidence must be a number in 0..1") as e:
        accept_roles(store, duet["id"], runs, min_confidence=1.5)
    assert e.value.parameter == "min_confidence"


# ----------------------------------------------------------------------------- recovery
@pytest.mark.slow
def test_session_recovered_after_sigkill_analyses_like_any_other(store_path, run_cli):
    from sessions.store import Store
    from tests.sessions.test_recovery import _kill_at_random

    sid, _, _ = _kill_at_random(store_path, 1.5)
    with Store(store_path) as st:
        (report,) = st.recover()
        assert report["ok"] and report["id"] == sid
        assert st.session(sid).manifest["status"] == "recovered"
    r = run_cli("analyze", sid, "--json", "--window", "0.5", "--hop", "0.25", "--dialogue")
    assert r.exit_code == 0, r.stderr
    data = r.json()
    assert set(data["players"]) == {"client", "therapist"}
    client = data["players"]["client"]
    assert set(client["sources"]) == {"midi", "audio"}
    assert client["sources"]["midi"]["summary"]["n_notes"] > 0
    assert client["sources"]["audio"]["summary"]["status"] in ("ok", "too short")
    assert data["players"]["therapist"]["sources"]["audio"]["curves"]["level_dbfs"]["times"]
    assert data["dialogue"][0]["summary"]["status"] in ("ok", "one player", "too short")
    r2 = run_cli("analyze", sid, "--json", "--window", "0.5", "--hop", "0.25")
    assert r2.json()["players"]["client"]["cached"] is True


# ----------------------------------------------------------------------------- numba cache
@pytest.mark.slow
def test_numba_code_is_compiled_once_per_machine(tmp_path, store, rng):
    """The first run fills <user cache>/improv/numba; the second run adds nothing to it."""
    import os
    import subprocess
    import sys

    y = _clicks(bpm=120, seconds=8.0, rng=rng)
    sf.write(tmp_path / "c.wav", y, SR, subtype="FLOAT")
    sid = import_files_(store, [tmp_path / "c.wav"], players=["drums=c.wav"])["id"]
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), IMPROV_STORE=str(store.root))
    cmd = [sys.executable, "-m", "improv", "analyze", sid, "--no-cache", "--json"]
    numba_dir = tmp_path / "xdg" / "improv" / "numba"

    def snapshot():
        return {str(p): p.stat().st_mtime_ns for p in numba_dir.rglob("*") if p.is_file()}

    first = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    files = snapshot()
    assert any(p.endswith(".nbi") for p in files), files
    second = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert snapshot() == files
    assert json.loads(second.stdout)["players"]["drums"]["status"] == "ok"


def test_audio_players_bring_their_dynamics_to_the_dialogue(run_cli, store, rng):
    """Two microphones, the same rate; b's loudness follows a's contour 1 s later."""
    seconds = 40.0
    y = np.zeros((int(seconds * SR), 2), np.float32)
    n = int(0.03 * SR)
    burst = np.exp(-np.arange(n) / (0.006 * SR))

    def gain(t):  # a slow loudness contour, 8 s period, 24 dB deep
        return 10 ** ((-18.0 + 12.0 * np.sin(2 * np.pi * t / 8.0)) / 20.0)

    for t in np.arange(0.5, seconds - 1.0, 0.5):
        for ch, (at, g) in enumerate(((t, gain(t)), (t + 0.25, gain(t - 1.0)))):
            i = int(at * SR)
            y[i:i + n, ch] += (g * rng.standard_normal(n) * burst).astype(np.float32)
    w = store.create_session(client="C02", players=["a", "b"])
    inp = w.add_audio_input("room", sr=SR, channels=2, players={"a": [1], "b": [2]}, t0=0.0)
    for i in range(0, len(y), 8192):
        inp.write(y[i:i + 8192].copy())
    sid = w.finalize(duration_s=seconds)["id"]
    r = run_cli("analyze", sid, "--json", "--dialogue", "--pair", "a,b")
    assert r.exit_code == 0, r.stderr
    data = r.json()
    src = data["players"]["a"]["sources"]["audio"]
    assert len(src["onset_levels_dbfs"]) == len(src["onsets"]) > 60
    # the onset levels follow the contour that was played
    expected = 20 * np.log10(gain(np.asarray(src["onsets"])))
    assert np.corrcoef(src["onset_levels_dbfs"], expected)[0, 1] > 0.9
    (d,) = data["dialogue"]
    assert d["summary"]["lead_lag_dynamics_s"] == pytest.approx(1.0, abs=0.3)  # b follows a


def test_plot_leaves_pulse_less_windows_as_gaps(tmp_path):
    """A tempo of 0 BPM means no clear pulse: the plotted line has a gap there, while a
    density of 0 is a real value and is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from improv.reports.plots import _draw

    times = [3.0, 4.0, 5.0, 6.0, 7.0]
    curves = {"tempo_bpm": {"times": times, "values": [100.0, 0.0, 0.0, 104.0, None]},
              "notes_per_s": {"times": times, "values": [2.0, 0.0, 0.0, 1.0, 3.0]}}
    fig, (a, b) = plt.subplots(1, 2)
    try:
        assert _draw(a, curves, ("tempo_bpm",), "BPM", "tempo")
        assert _draw(b, curves, ("notes_per_s",), "notes/s", "density")
        tempo = np.asarray(a.lines[0].get_ydata(), dtype=float)
        assert np.array_equal(np.isnan(tempo), [False, True, True, False, True])
        assert tempo[0] == 100.0 and tempo[3] == 104.0
        assert list(b.lines[0].get_ydata()) == [2.0, 0.0, 0.0, 1.0, 3.0]
    finally:
        plt.close(fig)


def test_an_analysis_that_ends_after_its_session_was_deleted_leaves_nothing(store, duet,
                                                                           monkeypatch):
    """The analysis writes its cache at the end: a session deleted meanwhile must not come
    back as a folder holding only ``cache/`` (which no command could verify or delete).
    ``improv sessions delete`` waits for the analysis since review 31 (it takes the session's
    locks, tests/sessions/test_delete_locks.py); a folder removed by other means (a file
    manager, another program) still must not come back."""
    import shutil

    import improv.analyze as az

    sid = duet["id"]
    real = az._analyze_players

    def delete_then_finish(store_, session, *args, **kwargs):
        shutil.rmtree(store.folder(sid))  # removed while the analysis runs
        return real(store_, session, *args, **kwargs)

    monkeypatch.setattr(az, "_analyze_players", delete_then_finish)
    analyze_session(store, sid, players=["client"])
    assert not store.folder(sid).exists() and sid not in store.session_ids()


def test_an_analysis_waits_for_a_compression_run_in_progress(store, duet):
    """compress holds the session's audio folder while it replaces WAVs by FLACs: an analysis
    started meanwhile waits and then reads the manifest as compress left it (it failed with
    "cannot be read" or a checksum mismatch when it read the manifest before)."""
    import threading

    from sessions.compress import compress_session
    from sessions.locks import folder_lock

    sid = duet["id"]
    audio = store.folder(sid) / "audio"
    out = {}

    def run():
        out["res"] = analyze_session(store, sid, players=["drums"], use_cache=False)

    with folder_lock(audio):  # a compression run holds it
        t = threading.Thread(target=run)
        t.start()
        t.join(1.0)
        assert t.is_alive()  # waiting, not reading
    t.join(60)
    assert out["res"]["players"]["drums"]["status"] == "ok"
    compress_session(store, sid)  # and the other way round works as well
    again = analyze_session(store, sid, players=["drums"], use_cache=False)
    assert again["players"]["drums"]["status"] == "ok"


def test_csv_leaves_a_window_without_a_pulse_empty():
    """A window without a clear pulse is NaN in the analysis (1.8): empty in CSV, like None."""
    import io

    from improv.cli.analyze import _write_csv

    res = {"session_id": "S", "analysis_version": "1.8.0",
           "players": {"p": {"sources": {"midi": {"curves": {"tempo_bpm": {
               "times": [3.0, 4.0, 5.0], "values": [120.0, float("nan"), None]}}}}}}}
    buf = io.StringIO()
    assert _write_csv(res, buf) == 3
    rows = buf.getvalue().splitlines()
    assert rows[1] == "S,1.8.0,,p,midi.tempo_bpm,3.0,120.0,BPM"
    assert rows[2].endswith(",4.0,,BPM") and rows[3].endswith(",5.0,,BPM")


def test_analyze_json_and_csv_name_the_dialogue_version(run_cli, store):
    """Review 29: dialogue rows of --csv carried only the analysis version, and --json had no
    dialogue version: a change of DIALOGUE_VERSION alone (1.3 -> 1.7) could not be told apart.
    """
    import analysis
    from analysis.dialogue import DIALOGUE_VERSION
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=10.0)["id"]
    r = run_cli("analyze", sid, "--dialogue", "--json")
    assert r.exit_code == 0, r.stderr
    data = r.json()
    assert (data["analysis_version"], data["dialogue_version"]) == (
        analysis.ANALYSIS_VERSION, DIALOGUE_VERSION)
    assert "dialogue_version" not in run_cli("analyze", sid, "--json").json()
    rows = [ln.split(",") for ln in run_cli("analyze", sid, "--dialogue",
                                            "--csv").stdout.splitlines()[1:]]
    dialogue = {(ver, dv) for _, ver, dv, _, curve, *_ in rows if curve.startswith("dialogue.")}
    players = {dv for _, _, dv, _, curve, *_ in rows if not curve.startswith("dialogue.")}
    assert dialogue == {(analysis.ANALYSIS_VERSION, DIALOGUE_VERSION)} and players <= {""}

import hashlib
import json
import zipfile

import pytest

from tests.cli_status import Usage, exit_status
from tests.sessions.helpers import write_audio, write_midi


@pytest.fixture
def two_sessions(run_cli, tmp_path):
    a = write_midi(tmp_path / "a.mid", tracks={"keys": [(0.0, 0, 60, 80), (1.0, 0, 62, 80)]})
    write_audio(tmp_path / "mic.wav", seconds=0.5)
    r1 = run_cli("sessions", "import", a, tmp_path / "mic.wav", "--client", "C07",
                 "--player", "client=a.mid", "--player", "therapist=mic.wav",
                 "--started", "2026-03-02T10:00:00+01:00", "--json")
    r2 = run_cli("sessions", "import", a, "--client", "C08", "--json")
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.stderr + r2.stderr
    return r1.json()["id"], r2.json()["id"]


def test_list_show_and_filter(run_cli, two_sessions):
    first, second = two_sessions
    rows = run_cli("sessions", "list", "--json").json()
    assert [r["id"] for r in rows] == [second, first]  # newest first
    only = run_cli("sessions", "list", "--client", "C07", "--json").json()
    assert [r["id"] for r in only] == [first]
    assert only[0]["started_utc"].startswith("2026-03-02T09:00:00")
    assert {p["name"]: p["kinds"] for p in only[0]["players"]} == {
        "client": ["midi"], "therapist": ["audio"]}
    human = run_cli("sessions", "list")
    assert first in human.stdout and "C07" in human.stdout
    # the inputs as the web app names them (MIDI, not midi)
    assert "client (MIDI), therapist (audio)" in human.stdout and "(midi)" not in human.stdout
    shown = run_cli("sessions", "show", first)
    assert "therapist" in shown.stdout and "audio:mic:1,2" in shown.stdout
    assert run_cli("sessions", "show", first, "--json").json()["id"] == first


def test_list_shows_when_a_session_started_in_local_time(run_cli, two_sessions, monkeypatch):
    """As the web app does: 10:00 in Berlin reads 10:00 there, not 09:00 (UTC)."""
    import os
    import time

    first, _ = two_sessions
    before = os.environ.get("TZ")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        human = run_cli("sessions", "list", "--client", "C07").stdout
        shown = run_cli("sessions", "show", first).stdout
    finally:
        if before is None:
            monkeypatch.delenv("TZ")
        else:
            monkeypatch.setenv("TZ", before)
        time.tzset()
    assert "2026-03-02 10:00" in human and "09:00" not in human and "UTC" not in human
    # `sessions show` as the list does (it wrote "started 2026-03-02T09:00:00+00:00")
    started = next(line for line in shown.splitlines() if line.startswith("started"))
    assert started.startswith("started   2026-03-02 10:00 (local time)    length "), started


def test_show_writes_no_negative_zero(run_cli, store_path):
    """A demo's audio clock drifts by about -2e-10 ppm: "drift 0.0 ppm", not "drift -0.0 ppm"."""
    import json

    from improv.cli.sessions import _signed

    sid = run_cli("sessions", "demo", "--duration", "10", "--no-analyze", "--json").json()["id"]
    audio = json.loads((store_path / "sessions" / sid / "session.json").read_text())["audio"]
    out = run_cli("sessions", "show", sid).stdout
    assert ", drift 0.0 ppm" in out and "-0.0" not in out, out
    assert [a["drift_ppm"] == 0 or abs(a["drift_ppm"]) < 0.05 for a in audio] == [True]
    assert (_signed(-1e-10, 1), _signed(-0.04, 1), _signed(0.06, 1)) == ("0.0", "0.0", "+0.1")
    assert (_signed(-0.06, 1), _signed(-1e-9, 4, plus=False)) == ("-0.1", "0.0000")


def test_export_folder_and_zip_with_checksums(run_cli, two_sessions, tmp_path):
    import hashlib

    first, _ = two_sessions
    out = tmp_path / "out"
    assert run_cli("sessions", "export", first, "--to", out).exit_code == 0
    sums = (out / first / "SHA256SUMS").read_text().splitlines()
    names = {line.split("  ")[1] for line in sums}
    assert {"session.json", "midi.tsv", "session.mid", "audio/mic.wav"} <= names
    for line in sums:
        digest, rel = line.split("  ")
        assert hashlib.sha256((out / first / rel).read_bytes()).hexdigest() == digest
    z = tmp_path / "s.zip"
    assert run_cli("sessions", "export", first, "--to", z).exit_code == 0
    with zipfile.ZipFile(z) as f:
        assert f"{first}/SHA256SUMS" in f.namelist()
    again = run_cli("sessions", "export", first, "--to", z)
    assert again.exit_code == 1 and "exists already" in again.stderr
    (tmp_path / "notes.csv").write_text("mine")
    r = run_cli("sessions", "export", first, "--to", tmp_path / "notes.csv")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "notes.csv is a file, not a folder; export to a folder or to a .zip name" in r.stderr
    assert (tmp_path / "notes.csv").read_text() == "mine"
    # a recording damaged in the store: no export vouches for it with a new checksum
    wav = tmp_path / "store" / "sessions" / first / "audio" / "mic.wav"
    data = bytearray(wav.read_bytes())
    data[-1] ^= 0xFF
    wav.write_bytes(bytes(data))
    for dest in (tmp_path / "out2", tmp_path / "s2.zip"):
        r = run_cli("sessions", "export", first, "--to", dest)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
        assert f"audio/mic.wav of session {first} does not match its checksum" in r.stderr
        assert not dest.exists() or not any(dest.iterdir())


def test_verify_detects_a_changed_file(run_cli, two_sessions, store_path):
    first, second = two_sessions
    ok = run_cli("sessions", "verify", "--all", "--json")
    assert ok.exit_code == 0 and all(r["ok"] for r in ok.json())
    wav = store_path / "sessions" / first / "audio" / "mic.wav"
    data = bytearray(wav.read_bytes())
    data[-1] ^= 0xFF
    wav.write_bytes(bytes(data))
    bad = run_cli("sessions", "verify", first)
    assert bad.exit_code == 1
    assert "audio/mic.wav: checksum mismatch" in bad.stdout
    assert bad.stderr.startswith("error: 1 of 1 session failed verification")
    assert run_cli("sessions", "verify", second).exit_code == 0


@pytest.mark.parametrize("damage, message", [
    ("annotations", "annotations.jsonl:2: not UTF-8 text (byte 0xe9); the file is damaged"),
    ("nan", "annotations.jsonl:2: NaN is not a valid value (times must be numbers of seconds)"),
    ("duration", "session.json: 'duration_s' must be a number of seconds >= 0, got 'abc'"),
    ("frames", "session.json: audio 'mic': 'frames' must be a whole number >= 0, got -4"),
])
def test_damaged_session_files_give_one_line_errors(run_cli, two_sessions, store_path, damage,
                                                    message):
    """A session file damaged outside improv is named, with what is wrong, by verify and by the
    commands that read it (no traceback), rather than crashing them later."""
    first, _ = two_sessions
    assert run_cli("annotate", first, "--at", "1", "first").exit_code == 0
    folder = store_path / "sessions" / first
    if damage in ("annotations", "nan"):
        line = ('{"op": "create", "id": "a-1", "t": NaN}' if damage == "nan"
                else '{"op": "create", "text": "caf\xe9"}')
        with open(folder / "annotations.jsonl", "ab") as f:
            f.write(line.encode("latin-1") + b"\n")
    else:
        m = json.loads((folder / "session.json").read_text())
        if damage == "duration":
            m["duration_s"] = "abc"
        else:
            m["audio"][0]["frames"] = -4
        (folder / "session.json").write_text(json.dumps(m))
    bad = run_cli("sessions", "verify", first)
    assert bad.exit_code == 1 and message in bad.stdout, bad.stdout
    for args in (["annotations", first], ["sessions", "show", first]):
        r = run_cli(*args)
        assert r.exit_code == 1 and r.stderr.startswith("error: ") and message in r.stderr
        assert r.stderr.count("\n") == 1, r.stderr


def test_a_session_that_cannot_be_read_says_what_to_do(run_cli, two_sessions, store_path):
    """A session whose manifest cannot be read: the commands that open it name the session,
    the fault, that nothing was changed, and where to go (verify; a backup made before)."""
    from tests.sessions.helpers import tree_snapshot

    first, second = two_sessions
    (store_path / "sessions" / first / "session.json").write_text("{bad")
    before = tree_snapshot(store_path)
    for args in (["sessions", "show", first], ["analyze", first], ["annotations", first]):
        r = run_cli(*args)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, (args, r.stderr)
        assert r.stderr.startswith(f"error: session {first} cannot be read: "), r.stderr
        assert "session.json is not valid JSON" in r.stderr
        assert f"'improv sessions verify {first}'" in r.stderr and "backup" in r.stderr
    r = run_cli("sessions", "show", first, "--json")
    assert json.loads(r.stderr)["kind"] == "UnreadableSessionError", r.stderr
    after = tree_snapshot(store_path)
    # nothing changed in the store but the catalog's word: listed unreadable from now on
    assert {k: v for k, v in after.items() if k != "catalog rows"} == {
        k: v for k, v in before.items() if k != "catalog rows"}
    statuses = {r["id"]: r["status"] for r in run_cli("sessions", "list", "--json").json()}
    assert statuses == {first: "unreadable", second: "complete"}
    assert run_cli("sessions", "show", second).exit_code == 0  # the others open as before


def test_an_unreadable_recording_is_named_by_the_commands_that_read_it(run_cli, two_sessions,
                                                                       store_path):
    first, _ = two_sessions
    folder = store_path / "sessions" / first
    (folder / "audio" / "mic.wav").write_bytes(b"RIFF" + bytes(100))
    r = run_cli("analyze", first, "--no-cache")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert f"audio/mic.wav of session {first} does not match its checksum" in r.stderr
    # a file that matches its checksum but cannot be read (say, a format this libsndfile lacks)
    m = json.loads((folder / "session.json").read_text())
    m["checksums"]["audio/mic.wav"] = hashlib.sha256(b"RIFF" + bytes(100)).hexdigest()
    (folder / "session.json").write_text(json.dumps(m))
    r = run_cli("analyze", first, "--no-cache")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert f"audio/mic.wav of session {first} cannot be read" in r.stderr
    assert f"check it with 'improv sessions verify {first}'" in r.stderr


def test_delete_asks_and_removes_files_and_rows(run_cli, two_sessions, store_path):
    first, second = two_sessions
    no = run_cli("sessions", "delete", first, input="n\n")
    assert no.exit_code == 1 and (store_path / "sessions" / first).exists()
    yes = run_cli("sessions", "delete", first, input="y\n")
    assert yes.exit_code == 0 and not (store_path / "sessions" / first).exists()
    client = run_cli("sessions", "delete", "--client", "C08", "--yes")
    assert client.exit_code == 0
    assert client.stdout == "deleted 1 session\n"  # no goals: none named
    assert run_cli("sessions", "list", "--json").json() == []
    assert list((store_path / "tmp").iterdir()) == []


def test_reindex_rebuilds_a_lost_catalog(run_cli, two_sessions, store_path):
    for p in store_path.glob("catalog.sqlite*"):
        p.unlink()
    r = run_cli("sessions", "reindex", "--json")
    assert r.exit_code == 0 and r.json()["indexed"] == 2
    assert len(run_cli("sessions", "list", "--json").json()) == 2


@pytest.mark.parametrize("damage", ["random bytes", "cut short", "table dropped", "empty file"])
def test_a_damaged_catalog_is_named_and_rebuilt_by_reindex(run_cli, two_sessions, store_path,
                                                           damage):
    """The catalog is an index of the session folders: damaged, it gives a one-line error
    that says to run reindex, and reindex keeps the damaged file aside and rebuilds it."""
    import sqlite3
    from contextlib import closing

    catalog = store_path / "catalog.sqlite"
    with closing(sqlite3.connect(catalog)) as db:  # everything into the main file
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for extra in store_path.glob("catalog.sqlite-*"):
        extra.unlink()
    blob = catalog.read_bytes()
    if damage == "random bytes":
        catalog.write_bytes(bytes(range(256)) * 64)
    elif damage == "cut short":
        catalog.write_bytes(blob[: len(blob) // 3])
    elif damage == "table dropped":
        with closing(sqlite3.connect(catalog)) as db:
            db.execute("DROP TABLE sessions")
    else:
        catalog.write_bytes(b"")
    if damage != "empty file":  # an empty file is simply a missing catalog: rebuilt at once
        for args in (["sessions", "list"], ["compare", "--client", "C07"],
                     ["annotations", "search", "--tag", "marker"]):
            r = run_cli(*args)
            if damage == "cut short" and r.exit_code == 0:
                continue  # SQLite may not need the lost pages for this query
            assert r.exit_code == 1, (args, r.stdout)
            assert "the session catalog is damaged" in r.stderr, r.stderr
            assert "rebuild it from the session folders with 'improv sessions reindex'" in r.stderr
            assert r.stderr.count("\n") == 1, r.stderr
    r = run_cli("sessions", "reindex", "--json")
    assert r.exit_code == 0, r.stderr
    kept = r.json()["damaged_kept_as"]
    assert r.json()["indexed"] == 2
    if damage == "empty file":
        assert kept is None
    elif damage != "cut short":
        assert kept.startswith("catalog.sqlite.damaged-") and (store_path / kept).exists()
    assert len(run_cli("sessions", "list", "--json").json()) == 2


@pytest.mark.parametrize("args, message", [
    (["sessions", "show", "20260101-000000-abcd"], "no session 20260101-000000-abcd"),
    (["sessions", "show", "../../etc"], "is not a session ID"),
    (["sessions", "verify"], Usage("give a session ID or --all")),
    (["sessions", "delete"], Usage("give a session ID or --client")),
    (["sessions", "delete", "--client", "NOPE", "--yes"], "has no sessions"),
    (["sessions", "import", "/nonexistent.mid"], "does not exist"),
    (["sessions", "import", "x.mid", "--offset", "abc"], "--offset must be"),
    (["sessions", "import", "x.mid", "--started", "yesterday"],
     "--started must be a date and time like 2026-11-02T10:00+01:00, got 'yesterday'"),
    (["sessions", "import", "x.mid", "--started", "2026-11-37T10:00+01:00"],
     "--started: 2026-11-37 is not a day of the calendar"),
    (["sessions", "import", "x.mid", "--client", "Anna Müller"], "pseudonym code"),
    (["sessions", "list", "--bogus"], Usage("improv sessions list has no option --bogus")),
    (["nonsense"], Usage("improv has no command 'nonsense'")),
    # NaN passes every bound check of a plain float range
    (["sessions", "demo", "--duration", "nan"],
     Usage("--duration must be a number of seconds, e.g. 90, got 'nan'")),
    (["compare", "--client", "C07", "--band-sd", "nan"],
     Usage("--band-sd must be a number of standard deviations, e.g. 2, got 'nan'")),
    (["record", "--player", "a=midi:x", "--disk-warn-mb", "inf"],
     Usage("--disk-warn-mb must be a number of MB, e.g. 2000, got 'inf'")),
    (["replay", "20260101-000000-abcd", "--lead-in", "nan"],
     Usage("--lead-in must be a number of seconds, e.g. 0.5, got 'nan'")),
    (["record", "--client", "C07", "--player", "a=midi:x", "--disk-stop-mb", "5000",
      "--disk-warn-mb", "100"],
     "--disk-stop-mb (5000) must not exceed --disk-warn-mb (100)"),
    # as an import refuses them (note 29: the limit was the import's only)
    (["record", "--client", "C07"]
     + [a for k in range(17) for a in ("--player", f"p{k:02d}=midi:port{k:02d}")],
     "a session may have at most 16 players, these inputs give 17 (p00, p01, p02, ...): give "
     "one player name to the inputs of one person, or record the others in a second session"),
    (["setups", "save", "big"]
     + [a for k in range(17) for a in ("--player", f"p{k:02d}=midi:port{k:02d}")],
     "a session may have at most 16 players, these inputs give 17"),
])
def test_errors_are_one_line_and_exit_1_or_2(run_cli, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_midi(tmp_path / "x.mid")
    r = run_cli(*args)
    assert r.exit_code == exit_status(message)
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("duration", [10.0, 30.0, 61.0])
def test_a_short_demo_has_only_annotations_inside_it(run_cli, duration):
    r = run_cli("sessions", "demo", "--duration", str(duration), "--json")
    assert r.exit_code == 0, r.stderr
    anns = run_cli("annotations", r.json()["id"], "--json").json()
    assert all(a["t"] <= duration and (a["end"] or 0) <= duration for a in anns)
    assert len(anns) == (1 if duration < 31.5 else 2)


def test_debug_shows_the_traceback(run_cli):
    with pytest.raises(Exception, match="no session"):
        run_cli("--debug", "sessions", "show", "20260101-000000-abcd")


def test_store_option_and_env(run_cli, tmp_path, monkeypatch):
    other = tmp_path / "other"
    write_midi(tmp_path / "x.mid")
    r = run_cli("--store", other, "sessions", "import", tmp_path / "x.mid")
    assert r.exit_code == 0 and (other / "catalog.sqlite").exists()
    assert run_cli("sessions", "list", "--json").json() == []
    monkeypatch.setenv("IMPROV_STORE", str(other))
    assert len(run_cli("sessions", "list", "--json").json()) == 1
    # a store path with a typo: reading commands say so, and make no folder there
    typo = tmp_path / "othr"
    for args in (["sessions", "list"], ["sessions", "show", "20260101-000000-abcd"],
                 ["compare", "--client", "C07"], ["annotations", "search", "--tag", "marker"]):
        r = run_cli("--store", typo, *args)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
        assert f"no session store at {typo}: check the path given" in r.stderr
        assert not typo.exists()
    monkeypatch.setenv("IMPROV_STORE", str(typo))
    assert "no session store at" in run_cli("sessions", "list").stderr and not typo.exists()
    assert run_cli("sessions", "demo", "--duration", "10").exit_code == 0  # makes a store
    assert len(run_cli("sessions", "list", "--json").json()) == 1


def test_show_lists_the_stretches_an_input_did_not_record(run_cli, store):
    """In the session page's words, in past tense; what the recorder said live about the
    unplug ("plug it in again ...") was true only then and is left out; its other lines stay."""
    from improv.capture.live_status import back_text, unplugged_text

    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("Keys", player="client")
    w.report("midi_gap", t=1.5, end=4.0, port="Keys", player="client")
    w.report("source_gap", t=62.0, end=65.25, source="mic:out_1", port="improv-audio:in_1",
             name="mic")
    live = [unplugged_text("Keys", at=1.5), back_text("Keys", at=4.0),
            "the audio system (JACK) fell behind 4 times at 0:01"]
    w.report("warnings", t=70.0, messages=live)
    sid = w.finalize(duration_s=70.0)["id"]
    out = run_cli("sessions", "show", sid).stdout
    assert "gap       Keys (client) was unplugged 0:01.5–0:04.0: nothing recorded from it then " \
        "(2.5 s)" in out
    assert "gap       mic was unplugged 1:02.0–1:05.2: nothing recorded from it then (3.2 s)" in out
    warned = [ln for ln in out.splitlines() if ln.startswith("warning")]
    assert warned == ["warning   the audio system (JACK) fell behind 4 times at 0:01"], out
    # --json is the manifest: the recorder's lines as they were said
    js = run_cli("sessions", "show", sid, "--json").stdout
    assert all(line in js for line in live)


def _one_line_error(r) -> str:
    """The single ``error: ...`` line of a refused command (exit status 1, no traceback)."""
    assert r.exit_code == 1, (r.exit_code, r.stderr)
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    return r.stderr.strip()


@pytest.mark.parametrize("make, args, wrong, fix", [
    # corrupt, truncated, empty and unsupported files (issue 2): the message names the file
    (lambda d: (d / "t.mid").write_bytes((d / "x.mid").read_bytes()[:40]), ["t.mid"],
     "t.mid cannot be read as a MIDI file (it is damaged",
     "export it again from the music program as a .mid file"),
    (lambda d: (d / "e.mid").write_bytes(b""), ["e.mid"], "e.mid is empty (0 bytes)",
     "copy it again from where it was recorded"),
    (lambda d: (d / "g.wav").write_bytes(b"RIFF\0\0\0\0WAVEjunk" * 4), ["g.wav"],
     "g.wav is not readable audio", "convert it to WAV or FLAC"),
    (lambda d: (d / "n.txt").write_text("hello"), ["n.txt"],
     "n.txt: unsupported file type '.txt'", "(supported: .mid .midi .smf .wav"),
    (lambda d: write_midi(d / "m.mid", tracks={}), ["m.mid"],
     "m.mid holds no MIDI messages", None),
    (None, ["gone.wav"], "gone.wav does not exist", None),
    # wrong options
    (None, ["x.mid", "x.mid"], "the same file is given twice", None),
    (None, ["x.mid", "--offset", "abc"], "--offset must be SECONDS or FILE=SECONDS", None),
    (None, ["x.mid", "--offset=-5"], "offset must be a number of seconds from 0 to 14400", None),
    (None, ["x.mid", "--offset", "1e6"], "(4 hours: files recorded together start within",
     "got 1000000.0"),
    (None, ["x.mid", "--offset", "nofile.mid=3"], "offset names 'nofile.mid', which is not "
     "among the files given (x.mid)", None),
    (None, ["x.mid", "--started", "2026-03-02T10:00"], "--started needs a time zone",
     "(e.g. 2026-03-02T10:00+01:00)"),
    (None, ["x.mid", "--client", "Anna Müller"], "pseudonym code", None),
    (None, ["x.mid", "--player", "client"], "a player mapping must look like NAME=FILE",
     "(e.g. client=duet.mid:2)"),
    (None, ["x.mid", "--player", "client=y.mid"], "'y.mid', which is not among the files",
     "(x.mid)"),
    (None, ["x.mid", "--player", "client=x.mid:9"], "x.mid has no track 9",
     "(tracks: 2 'piano')"),
    (None, ["x.mid", "--player", "client=x.mid:ch17"], "MIDI channel must be in 1..16", None),
])
def test_bad_import_input_is_one_line_and_leaves_the_store_as_it_was(
        run_cli, two_sessions, store_path, tmp_path, monkeypatch, make, args, wrong, fix):
    from tests.sessions.helpers import tree_snapshot

    monkeypatch.chdir(tmp_path)
    write_midi(tmp_path / "x.mid")
    if make is not None:
        make(tmp_path)
    before = tree_snapshot(store_path)
    line = _one_line_error(run_cli("sessions", "import", "--client", "C07", *args))
    assert wrong in line, line
    assert fix is None or fix in line, line
    assert tree_snapshot(store_path) == before
    assert len(run_cli("sessions", "list", "--json").json()) == 2


def test_import_player_mappings_may_have_spaces_around_the_equals_sign(run_cli, tmp_path):
    """'Therapist = room.wav' (review 28 second, finding 8) is 'Therapist=room.wav'."""
    write_audio(tmp_path / "room.wav", seconds=1.0, sr=8000, channels=1)
    write_midi(tmp_path / "keys.mid")
    r = run_cli("sessions", "import", tmp_path / "room.wav", tmp_path / "keys.mid",
                "--client", "C07", "--player", "Therapist = room.wav",
                "--player", " client =keys.mid : 2", "--json")
    assert r.exit_code == 0, r.stderr
    assert sorted(r.json()["players"]) == ["Therapist", "client"]


def test_a_cut_short_wav_is_imported_with_a_warning(run_cli, tmp_path):
    """A copy that stopped early: what it holds is imported, and the import, the session's
    facts and its warnings say that it is shorter than its header announces."""
    write_audio(tmp_path / "whole.wav", seconds=2.0, sr=8000, channels=1)
    blob = (tmp_path / "whole.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(blob[: len(blob) // 4])
    r = run_cli("sessions", "import", tmp_path / "cut.wav", "--client", "C07", "--json")
    assert r.exit_code == 0, r.stderr
    assert "warning: cut.wav is cut short: its header announces 2.0 s of audio" in r.stderr
    shown = run_cli("sessions", "show", r.json()["id"])
    assert "cut.wav is cut short" in shown.stdout
    r = run_cli("sessions", "import", tmp_path / "whole.wav", "--client", "C07")
    assert r.exit_code == 0 and "cut short" not in r.stderr


UNKNOWN = "20990101-000000-abcd"


@pytest.mark.parametrize("sid, wrong", [
    (UNKNOWN, f"no session {UNKNOWN} in "),
    ("../../etc", "'../../etc' is not a session ID (IDs look like 20261127-093012-3fa2"),
])
@pytest.mark.parametrize("args", [
    ["sessions", "show", "{sid}"],
    ["sessions", "export", "{sid}", "--to", "{tmp}/out"],
    ["sessions", "verify", "{sid}"],
    ["sessions", "delete", "{sid}", "--yes"],
    ["analyze", "{sid}"],
    ["annotate", "{sid}", "--at", "1", "x"],
    ["annotations", "{sid}"],
    ["annotations", "edit", "{sid}", "a-0000000000", "--text", "x"],
    ["annotations", "delete", "{sid}", "a-0000000000"],
    ["annotations", "export", "{sid}", "--format", "json", "--to", "{tmp}/out.json"],
    ["annotations", "import", "{sid}", "{tmp}/labels.txt"],
    ["notes", "{sid}", "--from", "{tmp}/notes.md"],
    ["replay", "{sid}", "--no-audio"],
    ["render", "{sid}", "--to", "{tmp}/out.wav"],
    ["compare", "{sid}", "{known}"],
    ["compare", "{known}", "{sid}"],
    ["report", "{sid}", "--to", "{tmp}/out.html"],
])
def test_unknown_session_id_in_every_command(run_cli, two_sessions, store_path, tmp_path,
                                             args, sid, wrong):
    """One line saying which ID is wrong and where to find the right one; nothing written."""
    from tests.sessions.helpers import tree_snapshot

    (tmp_path / "labels.txt").write_text("1.0\t2.0\tx\n")
    (tmp_path / "notes.md").write_text("At 0:01 a note.\n")
    before = tree_snapshot(store_path)
    r = run_cli(*[a.format(sid=sid, tmp=tmp_path, known=two_sessions[0]) for a in args])
    line = _one_line_error(r)
    assert wrong in line and "see 'improv sessions list'" in line, line
    assert r.stdout == ""
    assert tree_snapshot(store_path) == before
    assert not list(tmp_path.glob("out*"))


def test_demo_is_measured_so_that_its_page_opens_with_measures(run_cli, store_path):
    r = run_cli("sessions", "demo", "--duration", "20", "--json")
    assert r.exit_code == 0 and r.json()["analyzed"] is True, r.stderr
    cache = store_path / "sessions" / r.json()["id"] / "cache"
    names = sorted(p.name.split("-")[0] for p in cache.glob("*.json"))
    assert names.count("analysis") == 2 and names.count("dialogue") == 1, names

    plain = run_cli("sessions", "demo", "--duration", "10", "--no-analyze", "--json")
    assert plain.exit_code == 0 and plain.json()["analyzed"] is False
    assert not list((store_path / "sessions" / plain.json()["id"] / "cache").glob("*.json"))


def test_demo_whose_measuring_fails_is_kept_with_a_warning(run_cli, store_path, monkeypatch):
    import improv.analyze

    def no_room(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(improv.analyze, "analyze_session", no_room)
    r = run_cli("sessions", "demo", "--duration", "10")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.startswith("warning: demo session ") and "not measured" in r.stderr
    assert r.stderr.count("\n") == 1 and "improv analyze" in r.stderr
    listed = run_cli("sessions", "list", "--json").json()
    assert len(listed) == 1 and r.stdout.startswith(f"created demo session {listed[0]['id']}")


def test_show_says_how_midi_was_stamped(run_cli, store):
    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    for k in range(3):
        w.midi(0.5 + k, player="client", port="Keys", data=bytes([0x90, 60 + k, 90]))
    w.report("midi_stamps", t=4.0, at="jack_frame", frame=2, cycle=1, unmatched=0, waits=1)
    sid = w.finalize(duration_s=4.0)["id"]
    out = run_cli("sessions", "show", sid).stdout
    assert ("          2 of 3 stamped at their JACK frame, the others at their JACK cycle (up to "
            "one period early)") in out
    plain = store.create_session(client="C07", players=["client"]).finalize(duration_s=1.0)["id"]
    assert "JACK frame" not in run_cli("sessions", "show", plain).stdout  # not recorded so


def test_import_leaves_out_a_click_track(run_cli, tmp_path):
    """--leave-out FILE:N, as the web form's 'Leave out': the part is not imported, and a
    part both given and left out is refused in one line naming the option."""
    write_midi(tmp_path / "take.mid", tracks={"Track 1": [(0.5, 0, 60, 90)],
                                               "Click": [(0.1, 9, 37, 80), (0.6, 9, 37, 80)]})
    r = run_cli("sessions", "import", tmp_path / "take.mid", "--client", "C07",
                "--player", "client=take.mid:2", "--player", "metronome=take.mid:3",
                "--leave-out", "take.mid:3")
    assert r.exit_code == 1
    assert "take.mid: track 3 'Click' is both left out and given to metronome" in r.stderr
    assert "--leave-out" in r.stderr
    r = run_cli("sessions", "import", tmp_path / "take.mid", "--client", "C07",
                "--player", "client=take.mid:2", "--leave-out", "take.mid:3", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["players"] == ["client"] and r.json()["midi_events"] == 2


def test_deleting_a_client_says_its_goals_went_too(run_cli, two_sessions, store_path):
    """The question named the goals, the answer after --yes did not (review 30 docs,
    finding 6); a client without goals is asked about its sessions alone."""
    asked = run_cli("sessions", "delete", "--client", "C08", input="n\n")
    assert asked.exit_code == 1
    assert "Delete 1 session of client C08 and all its files?" in asked.stdout + asked.stderr
    assert "goals" not in asked.stdout + asked.stderr
    assert run_cli("goals", "add", "--client", "C07", "Dares to lead", "--since",
                   "2026-03-02").exit_code == 0
    asked = run_cli("sessions", "delete", "--client", "C07", input="n\n")
    assert ("Delete 1 session and the goals of client C07 and all its files?"
            in asked.stdout + asked.stderr)
    done = run_cli("sessions", "delete", "--client", "C07", "--yes")
    assert done.exit_code == 0, done.stderr
    assert done.stdout == "deleted 1 session and the goals of client C07\n"
    assert not (store_path / "clients" / "C07").exists()


def test_verify_all_shows_how_far_it_got_on_a_terminal_only(two_sessions, store_path):
    """Hashing a large store takes minutes: a terminal sees a progress bar on stderr (gone when
    it ends); a pipe or a log gets only the result."""
    import os
    import pty
    import subprocess
    import sys

    from tests.improv.conftest import REPO
    from tests.improv.test_replay_jack import _Terminal

    cmd = [sys.executable, "-m", "improv", "--store", str(store_path), "sessions", "verify",
           "--all"]
    master, slave = pty.openpty()
    try:
        # a terminal that draws (rich draws nothing on TERM=dumb, as some CI shells have)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, cwd=REPO, text=True,
                                env={**os.environ, "TERM": "xterm"})
        term = _Terminal(master)
        term.wait("verifying", timeout=60)
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 0 and out.startswith("all 2 sessions are intact (")
    piped = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=60)
    assert piped.returncode == 0 and piped.stdout == out
    assert "verifying" not in piped.stderr

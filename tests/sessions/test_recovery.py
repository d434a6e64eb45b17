import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import mido
import numpy as np
import pytest

from sessions.store import Store
from sessions.verify import verify_folder

CHILD = Path(__file__).with_name("kill_writer_child.py")
ROOT = Path(__file__).resolve().parents[2]


def _kill_at_random(store_root: Path, seconds: float):
    """Run the writer child for ``seconds``, then SIGKILL it.

    Returns the session ID, the monotonic time of the kill and the child's
    progress reports ``(monotonic, events queued, frames queued)``; only whole
    lines are parsed (a non-blocking read can end in the middle of one).
    """
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(store_root)],
        stdout=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    sid = proc.stdout.readline().decode().strip()
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    buf = b""

    def drain() -> None:
        nonlocal buf
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                return
            buf += chunk

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.01)
        drain()
    killed_at = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    drain()
    reports = []
    for line in buf.split(b"\n")[:-1]:  # the last piece is empty or cut short
        fields = line.split()
        if len(fields) == 3:
            reports.append(tuple(float(x) for x in fields))
    return sid, killed_at, reports


def _check_recovered(store: Store, sid: str, killed_at: float, reports):
    s = store.session(sid)
    m = s.manifest
    assert m["status"] == "recovered"
    # everything queued at least a second before the kill is there
    before = [r for r in reports if r[0] <= killed_at - 1.0]
    want_events = int(before[-1][1]) if before else 0
    want_frames = int(before[-1][2]) if before else 0
    ev = s.midi_events()
    assert len(ev) >= want_events
    # ... and what is there is an unbroken prefix of what was sent
    i = np.arange(len(ev))
    assert np.array_equal(ev.data1, (i % 128).astype(np.uint8))
    assert np.array_equal(ev.data2, ((i // 128) % 128).astype(np.uint8))
    np.testing.assert_allclose(ev.t, i * 0.001, atol=1e-6)
    y = s.read_audio("mic")
    assert len(y) >= want_frames
    np.testing.assert_array_equal(y[:, 0], np.arange(len(y), dtype=np.float32))
    np.testing.assert_array_equal(y[:, 1], -np.arange(len(y), dtype=np.float32))
    marks = [a["text"] for a in s.annotations()]
    assert marks == [f"m{k}" for k in range(50, 50 * (len(marks) + 1), 50)]
    # it plays and checks like any other session
    report = verify_folder(s.folder)
    assert report["ok"], report["problems"]
    mid = mido.MidiFile(s.folder / "session.mid")
    assert sum(1 for msg in mid.tracks[1] if msg.type == "note_on") == len(ev)
    return len(ev), len(y)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_at_most_the_last_second(tmp_path):
    rnd = random.Random(630)
    store_root = tmp_path / "store"
    Store(store_root).close()
    results = []
    for _ in range(20):
        sid, killed_at, reports = _kill_at_random(store_root, rnd.uniform(0.3, 2.5))
        store = Store(store_root)
        assert store.interrupted() == [sid]
        recovered = store.recover()
        assert [r["id"] for r in recovered] == [sid] and recovered[0]["ok"]
        results.append(_check_recovered(store, sid, killed_at, reports))
        assert store.interrupted() == []
        store.close()
    assert len(Store(store_root).list()) == 20
    assert all(events > 0 for events, _ in results)


def test_recover_via_cli_reports_what_it_found(tmp_path, run_cli, store_path):
    sid, killed_at, reports = _kill_at_random(store_path, 1.2)
    r = run_cli("sessions", "recover", "--json")
    assert r.exit_code == 0, r.stderr
    (rep,) = r.json()
    assert rep["id"] == sid and rep["ok"] and rep["midi_events"] > 0
    assert rep["audio_frames"]["mic"] > 0
    again = run_cli("sessions", "recover")
    assert again.exit_code == 0 and "no interrupted sessions" in again.stdout
    shown = run_cli("sessions", "show", sid, "--json").json()
    assert shown["status"] == "recovered" and shown["recovery"]["midi_events"] == rep["midi_events"]


def test_any_command_recovers_interrupted_sessions_first(tmp_path, run_cli, store_path):
    sid, _, _ = _kill_at_random(store_path, 0.8)
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0
    assert f"recovered interrupted session {sid}" in r.stderr
    assert [row["id"] for row in r.json()] == [sid]
    manifest = json.loads((store_path / "sessions" / sid / "session.json").read_text())
    assert manifest["status"] == "recovered"


def test_a_run_of_zero_bytes_after_a_power_cut_costs_only_the_cut_line(tmp_path, run_cli,
                                                                       store_path):
    """After a power cut a log can end in a long run of zero bytes (its length reached the
    disk, its data did not). Recovery cuts back to the last whole line however far back it
    lies; it cut the whole MIDI log when the zeros were longer than 64 KiB."""
    from sessions.lines import truncate_partial_tail

    sid, _, _ = _kill_at_random(store_path, 1.0)
    log = store_path / "sessions" / sid / "midi.tsv"
    text = log.read_bytes()
    whole = text[: text.rfind(b"\n") + 1]
    events = whole.count(b"\n") - 1  # the header line
    assert events > 0
    log.write_bytes(whole + b"0.5\tcli" + bytes(70_000))  # a cut line, then zeros
    r = run_cli("sessions", "recover", "--json")
    assert r.exit_code == 0, r.stderr
    (rep,) = r.json()
    assert rep["ok"] and rep["midi_events"] == events
    assert log.read_bytes() == whole
    # the same for any log: a file of one header line and zeros keeps its header
    other = tmp_path / "other.tsv"
    other.write_bytes(b"t\tplayer\n" + bytes(200_000))
    assert truncate_partial_tail(other, block_bytes=4096) == 200_000
    assert other.read_bytes() == b"t\tplayer\n"


def test_a_session_being_created_is_never_taken_for_interrupted(tmp_path, monkeypatch):
    """The lock is taken before the folder is flagged RECORDING: another process's recovery
    (every command recovers interrupted sessions first) looking in between found a flagged
    folder whose lock nobody held and completed it under the new writer."""
    import sessions.store as store_mod
    from sessions.recovery import is_interrupted

    store = Store(tmp_path / "store")
    seen = []
    real = store_mod.atomic_write_json

    def look_then_write(path, data):  # the moment between the flag and the manifest
        seen.append(is_interrupted(path.parent))
        real(path, data)

    monkeypatch.setattr(store_mod, "atomic_write_json", look_then_write)
    w = store.create_session(client="C07", players=["client"])
    monkeypatch.undo()
    assert seen == [False]
    assert store.interrupted() == [] and store.recover() == []
    w.finalize(duration_s=1.0)


def test_a_recovery_holds_the_lock_and_a_second_finds_it_done(tmp_path, store_path):
    """Two commands started at once both recover interrupted sessions first: the one that
    gets the lock completes the folder; the other is told it is busy, or finds it done."""
    from sessions.errors import SessionBusyError
    from sessions.recovery import _take_lock, recover_session

    sid, _, _ = _kill_at_random(store_path, 0.8)
    folder = store_path / "sessions" / sid
    held = _take_lock(folder / ".lock")  # another process recovering right now
    with pytest.raises(SessionBusyError, match="recorded or recovered by another process"):
        recover_session(folder)
    held.close()
    first = recover_session(folder)
    assert first["status"] == "recovered" and not (folder / "RECORDING").exists()
    mtime = (folder / "session.json").stat().st_mtime_ns
    again = recover_session(folder)  # the second process, a moment later
    assert again["status"] == "recovered"
    assert (folder / "session.json").stat().st_mtime_ns == mtime  # not completed twice


def test_a_recording_killed_before_its_audio_header_reached_the_disk_is_recovered(
        tmp_path, run_cli, store_path):
    """A WAV journal of 0 bytes (the process killed before the header was flushed; the
    header is flushed at creation now, but a power cut can still lose it) becomes an empty
    WAV, and the session's MIDI is recovered with it, instead of a session that never
    recovers and is warned about by every command."""
    sid, _, _ = _kill_at_random(store_path, 1.0)
    folder = store_path / "sessions" / sid
    (wav,) = (folder / "audio").glob("*.wav")
    wav.write_bytes(b"")
    r = run_cli("sessions", "recover", "--json")
    assert r.exit_code == 0, r.stderr
    (rep,) = r.json()
    assert rep["ok"] and rep["midi_events"] > 0 and list(rep["audio_frames"].values()) == [0]
    assert run_cli("sessions", "verify", sid).exit_code == 0
    import soundfile as sf

    assert sf.info(str(wav)).frames == 0


def test_a_folder_whose_creation_was_cut_before_its_manifest_is_removed(tmp_path):
    """A process killed between flagging a new session folder and writing its manifest left
    a folder that could neither be recovered (no session.json) nor deleted ("no session"),
    and every command warned about it. Nothing was recorded in it: recovery removes it."""
    store = Store(tmp_path / "store")
    folder = store.sessions_dir / "20261127-120000-abcd"
    folder.mkdir()
    (folder / "RECORDING").write_text("12345\n")
    (folder / ".lock").write_text("12345\n")
    assert store.interrupted() == [folder.name]
    assert store.recover() == []
    assert not folder.exists() and store.interrupted() == []

"""Faults while recording through real JACK: SIGKILL, disk low, disk full,
MIDI bursts; and markers and notes from the keys."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid

import numpy as np
import pytest

from sessions.store import Store
from tests.improv.conftest import REPO, finish
from tests.improv.test_record_jack import _check_midi, _journal_has, _notes
from tests.rig.jackrig import click_train, find_clicks, wait_for, wire_audio

SR = 48000
pytestmark = pytest.mark.jack


def _recorder(rig, store, inputs, **kw):
    from improv.capture.recorder import Recorder
    from improv.capture.setups import parse_player_spec

    return Recorder(store=store, client="C07", inputs=[parse_player_spec(s) for s in inputs],
                    jack_server=rig.server.name, midi_api="jack", audio_api="JACK", **kw)


def _watch_knows(rec, source: str) -> bool:
    """The recorder's JACK source watch has seen ``source`` feed one of its inputs.

    It learns connections at its polls (every 0.5 s, from the recorder's monitor thread); a
    source that goes away before that is not known to have been there. Tests wait for this
    instead of sleeping: a monitor thread descheduled on a loaded machine polls later.
    """
    watch = rec._watch
    return watch is not None and any(source in feeding for feeding in list(watch.known.values()))


@pytest.mark.slow
def test_sigkill_loses_at_most_the_last_second(jack_rig, tmp_path):
    rig = jack_rig
    kb = rig.midi_player(name="kb1", events=_notes(start=0.0, step=0.01, n=1000))  # 10 s
    clicks, onsets = click_train(sr=SR, interval_s=0.1, count=100)
    mic = rig.audio_player(name="mic", signals=[clicks])
    ctl = rig.client()
    store = tmp_path / "store"
    proc = rig.recorder(store, "--client", "C07", "--player", "client=midi:kb1",
                        "--player", "client=audio:system:1", "--duration", "60")
    wire_audio(ctl, mic.port_names)
    wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
    f0 = kb.start(delay_s=0.1)
    mic.start_frame = f0
    wait_for(lambda: len(kb.sent) > 300, timeout=15, what="3 s of playing")
    os.kill(proc.pid, signal.SIGKILL)
    killed_frame = ctl.frame_time
    proc.wait(10)
    killed_counter = kb.clock.frame_to_counter(killed_frame)
    # the next start of improv recovers the session
    r = subprocess.run([sys.executable, "-m", "improv", "--store", str(store), "sessions", "list",
                        "--json"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "recovered interrupted session" in r.stderr
    st = Store(store)
    (sid,) = st.session_ids()
    s = st.session(sid)
    assert s.manifest["status"] == "recovered"
    start = s.manifest["settings"]["clock"]["start_counter_s"]
    killed_t = killed_counter - start
    sent_t = kb.sent_counter_times()[: len(kb.sent)] - start
    must = [b for b, t in zip(kb.sent, sent_t, strict=False) if t <= killed_t - 1.0]
    got = [bytes(x) for x in s.midi_events().raw]
    assert len(must) > 150 and got[: len(must)] == must  # everything before the last second
    (a,) = s.audio_inputs()
    assert a.t0 + a.frames / a.sr >= killed_t - 1.0
    found = find_clicks(s.read_audio(a.name)[:, 0])
    assert np.all(np.diff(found) == 4800)


def test_disk_low_warns_then_stops_cleanly(jack_rig, tmp_path):
    """Free space falls (a fake disk gauge; the recording is real): a warning, then a
    clean stop that keeps everything recorded."""
    rig = jack_rig
    kb = rig.midi_player(name="kb1", events=_notes(start=0.0, step=0.01, n=2000))
    store = Store(tmp_path / "store")
    gauge = {"free": 10_000_000}
    rec = _recorder(rig, store, ["client=midi:kb1"], disk_warn_bytes=5_000_000,
                    disk_stop_bytes=1_000_000, disk_free=lambda path: gauge["free"])
    rec.start()
    try:
        wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
        kb.start(delay_s=0.05)
        wait_for(lambda: rec.midi.ports[0].events > 50, timeout=10, what="events")
        gauge["free"] = 4_000_000
        wait_for(lambda: rec.disk_warned, timeout=10, what="the disk warning")
        assert not rec.stopping
        wait_for(lambda: rec.midi.ports[0].events > 100, timeout=10, what="more events")
        gauge["free"] = 900_000
        assert rec.wait(10), "did not stop on a nearly full disk"
    finally:
        manifest = rec.stop()
    assert manifest["status"] == "complete"
    kinds = [e["kind"] for e in manifest["events"]]
    assert "disk_low" in kinds and "warning" in kinds
    assert next(e for e in manifest["events"] if e["kind"] == "stop")["reason"] == "disk_low"
    s = store.session(manifest["id"])
    # everything the callbacks took in is stored (players in this process share its GIL,
    # so exact delivery is checked with a recorder process in test_record_jack.py)
    assert len(s.midi_events()) == rec.midi.ports[0].events >= 100


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 6 MB file system (tmpfs) that fills up; skipped where mounting is not allowed."""
    mnt = tmp_path / f"tiny-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({r.stderr.strip()}); "
                    "the disk-low stop is tested with a gauge above")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_really_full_stops_cleanly(jack_rig, tiny_disk):
    """ENOSPC while recording: the writer fails, the recorder stops, the session is kept."""
    rig = jack_rig
    clicks, _ = click_train(sr=SR, interval_s=0.1, count=200)
    mic = rig.audio_player(name="mic", signals=[clicks, clicks])
    ctl = rig.client()
    store = Store(tiny_disk / "store")
    rec = _recorder(rig, store, ["client=audio:system:1", "therapist=audio:system:2"],
                    disk_warn_bytes=0, disk_stop_bytes=0, reserve_bytes=1_000_000)
    rec.start()
    try:
        wire_audio(ctl, mic.port_names)
        mic.start(delay_s=0.05)
        assert rec.wait(30), "did not stop on a full disk"  # 6 MB = ~5 s of 2 x 48 kHz float
    finally:
        manifest = rec.stop()
    assert rec.stop_reason == "write_error"
    assert manifest["status"] == "complete"
    # the stop event (queued after the writer failed) is written once the reserve is back
    assert next(e for e in manifest["events"] if e["kind"] == "stop")["reason"] == "write_error"
    assert list((tiny_disk / "store" / "tmp").iterdir()) == []  # the disk reserve is given back
    assert any("writing stopped early" in w for w in manifest.get("warnings", []))
    s = store.session(manifest["id"])
    (a,) = s.audio_inputs()
    assert a.frames > SR  # what was flushed is kept and readable
    y = s.read_audio(a.name)
    assert len(find_clicks(y[:, 0])) > 5


def test_no_start_on_a_disk_below_the_stop_threshold(tmp_path):
    """A small disk with the default thresholds: refused before anything is made (a 0.1 s
    session was made and stopped at once)."""
    from improv.capture.recorder import Recorder
    from improv.capture.setups import parse_player_spec
    from sessions.errors import StoreWriteError

    store = Store(tmp_path / "store")
    rec = Recorder(store=store, client="C07", inputs=[parse_player_spec("client=midi:kb1")],
                   disk_free=lambda path: 100_000_000)
    with pytest.raises(StoreWriteError, match="only 100 MB free on the disk of the store; a "
                       "recording stops below 250 MB"):
        rec.start()
    assert list((tmp_path / "store" / "sessions").iterdir()) == []


def test_markers_and_notes_from_keys(jack_rig, tmp_path, fake_clock):
    """m drops a marker, n a note stamped when n was pressed (not when Enter was)."""
    from improv.cli.live_display import LiveDisplay, render

    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    store = Store(tmp_path / "store")
    fake_clock.advance(1.0)
    rec = _recorder(rig, store, ["client=midi:kb1"], clock=fake_clock)
    rec.start()
    try:
        display = LiveDisplay(rec, keys=False)
        display.handle_key("m")
        fake_clock.advance(2.0)
        display.handle_key("n")
        for ch in "calm again":
            fake_clock.advance(0.5)
            display.handle_key(ch)
        display.handle_key("\r")
        fake_clock.advance(1.0)
        display.handle_key("n")
        display.handle_key("x")
        display.handle_key("\x1b")  # Esc drops the note
        render(rec.status())  # the display renders a real status
        display.handle_key("q")
        assert rec.stopping and rec.stop_reason == "user"
    finally:
        manifest = rec.stop()
    notes = store.session(manifest["id"]).annotations()
    assert [(a["t"], a["tags"], a["text"]) for a in notes] == [
        (1.0, ["marker"], ""), (3.0, ["note"], "calm again")]


@pytest.mark.slow
def test_midi_burst_2000_per_second_is_not_lost(jack_rig, tmp_path):
    rig = jack_rig
    n = 6000  # 3 s at 2,000 messages/s
    events = [(i / 2000, bytes([0x90 | (i % 16), i % 128, 1 + i % 127])) for i in range(n)]
    kb = rig.midi_player(name="kb1", events=events)
    store = tmp_path / "store"
    # 10 s: the 3 s burst starts once the port is wired, which a loaded machine can take
    # seconds to do (with 5 s, a burst wired 2.5 s late was cut off by the recording's end)
    proc = rig.recorder(store, "--client", "C07", "--player", "client=midi:kb1", "--duration", "10")
    wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
    kb.start(delay_s=0.2)
    kb.wait_done(15)
    res = finish(proc)
    assert res["midi_events"] == n
    assert res["midi_counters"]["midi_queue_overflows"] == 0
    s = Store(store).session(res["id"])
    _check_midi(s, "client", kb.sent, kb.sent_counter_times(), late_s=0.05)
    assert _journal_has is not None


@pytest.mark.slow
def test_jack_audio_source_that_goes_away_is_reconnected(jack_rig, tmp_path):
    """The instrument's JACK client goes away mid-session and comes back with the same ports:
    the loss and the gap are stored, the recorder re-connects the source itself, and what it
    plays is recorded again."""
    import time

    rig = jack_rig
    clicks, _ = click_train(sr=SR, interval_s=0.1, count=200)  # 20 s of clicks
    mic = rig.audio_player(name="mic", signals=[clicks])
    ctl = rig.client()
    store = Store(tmp_path / "store")
    rec = _recorder(rig, store, ["client=audio:system:1"])
    rec.start()
    try:
        wire_audio(ctl, mic.port_names)
        f0 = mic.start(delay_s=0.05)
        wait_for(lambda: _watch_knows(rec, "mic:out_1"), timeout=15,
                 what="the watch to learn the connection")
        wait_for(lambda: ctl.frame_time > f0 + int(1.1 * SR), timeout=15,
                 what="ten clicks played")
        mic.close()  # unplugged
        wait_for(lambda: any("unplugged at" in w for w in rec.warnings), timeout=5,
                 what="loss noticed")
        time.sleep(1.0)
        again = rig.audio_player(name="mic", signals=[clicks])  # plugged in again: not wired
        again.start(delay_s=0.05)
        wait_for(lambda: any("plugged in again at" in w for w in rec.warnings), timeout=5,
                 what="re-connection")
        time.sleep(1.5)
    finally:
        manifest = rec.stop()
    ev = manifest["events"]
    lost = [e for e in ev if e["kind"] == "device_lost" and e.get("input") == "audio"]
    back = [e for e in ev if e["kind"] == "device_back" and e.get("input") == "audio"]
    (gap,) = [e for e in ev if e["kind"] == "source_gap"]
    assert len(lost) == 1 and len(back) == 1
    assert lost[0]["device"] == gap["source"] == "mic:out_1"
    assert (0.5 < gap["end"] - gap["t"] < 4.0
            and back[0]["gap_s"] == pytest.approx(gap["end"] - gap["t"]))
    s = store.session(manifest["id"])
    (a,) = s.audio_inputs()
    t = a.frame_to_time(find_clicks(s.read_audio(a.name)[:, 0]))
    assert np.sum(t < gap["t"]) >= 10  # before the loss
    assert not np.any((t > gap["t"]) & (t < gap["end"] - 0.05))  # silence while unplugged
    assert np.sum(t > gap["end"]) >= 10  # recorded again after the re-connection


@pytest.mark.slow
def test_keys_on_a_real_terminal_mark_note_and_stop(jack_rig, tmp_path):
    """`improv record` with its live display on a pseudo-terminal: m, n + text + Enter, q."""
    import pty
    import termios
    import time

    from tests.improv.test_replay_jack import _Terminal

    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    store = tmp_path / "store"
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen(
        [sys.executable, "-m", "improv", "--store", str(store), "record", "--client", "C07",
         "--new-client",  # a new client's question at a terminal is test_record_codes'
         "--player", "client=midi:kb1", "--jack-server", rig.server.name, "--midi-api", "jack"],
        stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env={**rig.server.env})
    term = _Terminal(master)
    try:
        term.wait("m marker", timeout=30)  # the live display is up
        os.write(master, b"m")
        time.sleep(0.5)
        os.write(master, b"n")
        os.write(master, "calm again\r".encode())
        time.sleep(0.5)
        os.write(master, b"q")
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    (sid,) = Store(store).session_ids()
    s = Store(store).session(sid)
    assert [e["reason"] for e in s.manifest["events"] if e["kind"] == "stop"] == ["user"]  # q
    notes = s.annotations()
    assert [(a["tags"], a["text"]) for a in notes] == [(["marker"], ""), (["note"], "calm again")]
    assert notes[0]["t"] < notes[1]["t"]
    assert termios.tcgetattr(slave) == before  # the terminal is given back as it was
    os.close(slave)
    os.close(master)


@pytest.mark.slow
def test_jack_midi_port_gone_and_back_between_two_polls_is_reconnected(jack_rig, tmp_path):
    """A keyboard's JACK client restarts faster than the 0.5 s port poll: the port name never
    goes missing, but the connection does; the recorder connects the new port and its notes
    are recorded (before the watch they were lost for the rest of the session)."""
    import time

    rig = jack_rig
    first = rig.midi_player(name="kb1", events=_notes(start=0.0, step=0.05, n=10))
    store = Store(tmp_path / "store")
    rec = _recorder(rig, store, ["client=midi:kb1"])
    rec.start()
    try:
        wait_for(first.is_connected, timeout=15, what="MIDI wiring")
        first.start(delay_s=0.1)
        first.wait_done(10)
        wait_for(lambda: _watch_knows(rec, "kb1:out"), timeout=15,
                 what="the watch to learn the connection")
        first.close()
        again = rig.midi_player(name="kb1", events=_notes(start=0.0, step=0.05, n=10, base=80))
        wait_for(again.is_connected, timeout=5, what="the returning port re-connected")
        again.start(delay_s=0.1)
        again.wait_done(10)
        time.sleep(0.5)
    finally:
        manifest = rec.stop()
    s = store.session(manifest["id"])
    raw = [bytes(r) for r in s.midi_events(players=["client"]).raw]
    assert raw == first.sent + again.sent  # nothing lost, nothing doubled
    ev = manifest["events"]
    assert [e["input"] for e in ev if e["kind"] == "device_back"] == ["midi"]
    (gap,) = [e for e in ev if e["kind"] == "midi_gap"]
    assert gap["port"] == "kb1:out" and gap["player"] == "client"


@pytest.mark.slow
def test_jack_server_that_stops_ends_the_recording_and_keeps_what_came_before(jack_rig, tmp_path):
    """The JACK server stops mid-session (every input is on it). PortAudio's JACK stream never
    returns from Pa_StopStream then, and rtmidi's client keeps listing the dead ports; the
    recorder used to hang on stop and leave the session to recovery. Now it notices, says so,
    stops by itself and completes the session with everything recorded before; libjack's own
    messages stay out of its output."""
    import time

    from tests.rig import players_process

    rig = jack_rig
    # the players outlive their server: in a process of their own (see players_process)
    players = subprocess.Popen([sys.executable, "-m", "tests.rig.players_process",
                                rig.server.name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, cwd=REPO, env=rig.server.env)
    rig.procs.append(players)
    assert players.stdout.readline().strip() == "ready"
    ctl = rig.client()
    store = tmp_path / "store"
    log = tmp_path / "recorder.log"
    proc = rig.recorder(store, "--client", "C07", "--player", "client=midi:kb1",
                        "--player", "client=audio:system:1", "--duration", "60", log=log)
    wire_audio(ctl, ["mic:out_1"])
    wait_for(lambda: ctl.get_all_connections("kb1:out"), timeout=15, what="MIDI wiring")
    players.stdin.write("go\n")
    players.stdin.flush()
    assert players.stdout.readline().strip() == "playing"
    time.sleep(3.0)  # about 60 notes and 30 clicks
    ctl.deactivate()  # the test's own client leaves before its server
    ctl.close()
    rig.players = []
    rig.server.proc.terminate()  # as QjackCtl's Stop does (SIGKILL would leak JACK's shm)
    rig.server.proc.wait(10)
    r = finish(proc, timeout=60)  # stops by itself, long before --duration
    assert r["status"] == "complete" and r["stop_reason"] == "jack_server_lost"
    assert r["duration_s"] < 30
    lost = {e["input"]: e.get("reason") for e in r["device_events"] if e["kind"] == "device_lost"}
    assert lost == {"audio": "stream stopped", "midi": "MIDI server stopped"}
    gaps = [e for e in r["device_events"] if e["kind"] in ("midi_gap", "source_gap")]
    assert len(gaps) == 2 and all(e["end"] == pytest.approx(r["duration_s"]) for e in gaps)
    # why it stopped comes first, as a sentence, with the way to record again; no line says
    # that other inputs go on (review 36: "system stopped at 0:03: the other inputs go on
    # recording", then "stopped: every input was on the JACK server ...", last)
    assert re.fullmatch(
        r"The recording stopped at 0:\d\d because the audio system \(JACK\) stopped, and "
        r"every input was on it\. What was recorded until then is kept\. To record again, "
        r"start JACK, then close improv and start it again\.", r["warnings"][0]), r["warnings"]
    assert not any("go on recording" in w for w in r["warnings"]), r["warnings"]
    err = log.read_text()
    assert "Server is not running" not in err and "JackSocketClientChannel" not in err, err
    assert err.count("warning: The recording stopped at ") == 1, err  # said once
    s = Store(store).session(r["id"])
    # afterwards, what the inputs did not record reads as the end of the recording
    texts = [g["text"] for g in s.not_recorded()]
    assert len(texts) == 2 and all(t.endswith(", until the recording stopped")
                                   for t in texts), texts
    assert any(t.startswith("kb1 (client) recorded nothing ") for t in texts), texts
    sent = [m for _, m in players_process.notes()]
    got = [bytes(x) for x in s.midi_events().raw]
    assert len(got) > 40 and got == sent[: len(got)]  # what was played, in order
    (a,) = s.audio_inputs()
    found = find_clicks(s.read_audio(a.name)[:, 0])
    # the clicks before the stop are there (a player in another process can miss a cycle on a
    # busy machine, which moves its later clicks: the spacing is not checked to the frame here)
    assert len(found) > 20 and np.mean(np.diff(found) == 4800) > 0.8


#: A JACK client that is busy past the 21 ms period in its first three cycles (an xrun), on
#: the server named by its argument, until its stdin is closed.
_SLOW_CLIENT = """
import sys, time
import jack
c = jack.Client("slow", no_start_server=True, servername=sys.argv[1])
left = [3]
@c.set_process_callback
def process(frames):
    if left[0] > 0:
        left[0] -= 1
        t = time.perf_counter()
        while time.perf_counter() - t < 0.05:
            pass
c.activate()
print("active", flush=True)
sys.stdin.read()
c.deactivate()
c.close()
"""


def test_jack_xruns_are_noted_in_the_session(jack_rig, tmp_path):
    """A JACK client that misses its deadline (an xrun: JACK drops that cycle's MIDI after it,
    audio may overflow) is noted: a ``jack_xruns`` event with its time, and a warning that the
    session shows (before, an xrun left no trace and MIDI lost in it was lost silently)."""
    import subprocess
    import sys

    from improv.capture.live_status import clock_time

    rig = jack_rig
    kb = rig.midi_player(name="kb1", events=_notes(start=0.0, step=0.1, n=5))
    store = Store(tmp_path / "store")
    rec = _recorder(rig, store, ["client=midi:kb1"])
    rec.start()
    slow = None
    try:
        wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
        started = rec.clock.now()  # (a client's activation itself can make an xrun)
        # the slow client in a process of its own: busy in this process, its Python callback
        # held the interpreter lock for 50 ms while the recorder's JACK clients waited for it,
        # and JACK cancels a client's thread at its deactivation, there once with the lock's
        # mutex held: the whole test run hung (session 33)
        slow = subprocess.Popen([sys.executable, "-c", _SLOW_CLIENT, rig.server.name],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert slow.stdout.readline().strip() == "active"
        wait_for(lambda: bool(rec._xruns), timeout=15, what="the recorder to hear of the xrun")
        health = rec.status()["health"]  # what the record panel shows while recording
        assert not health["healthy"] and "the audio system fell behind" in health["line"]
    finally:
        if slow is not None:
            slow.communicate("", timeout=30)  # closes its stdin: it deactivates and ends
        manifest = rec.stop()
    runs = [e for e in manifest["events"] if e["kind"] == "jack_xruns"]
    assert runs and sum(e["n"] for e in runs) == len(rec._xruns)
    # on the session clock; the slow client's among them (a graph change, such as MIDI
    # wiring, can make one too)
    assert 0 <= runs[0]["t"] <= runs[-1]["end"] <= manifest["duration_s"]
    assert runs[-1]["end"] >= started
    assert runs[0]["period_s"] == pytest.approx(1024 / 48000)
    warnings = store.session(manifest["id"]).warnings()
    at = clock_time(runs[0]["t"])
    assert any(w.startswith(f"the audio system (JACK) fell behind at {at}:")
               for w in warnings), warnings

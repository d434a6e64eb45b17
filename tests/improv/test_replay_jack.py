"""Replay into a real JACK server: a JACK MIDI sink and audio capture check
that what comes out matches the session, within one JACK period."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

from tests.improv.conftest import REPO, Rig
from tests.rig.jackrig import find_clicks, leave, run_each_cycle, wait_for

pytestmark = pytest.mark.jack
SR = 48000


class Sink:
    """A JACK client that captures MIDI (with frames) and two audio inputs."""

    def __init__(self, rig, seconds: float):
        self.client = rig.server.client("sink")
        self.midi = self.client.midi_inports.register("midi_in")
        self.ins = [self.client.inports.register(f"in_{k}") for k in (1, 2)]
        self.audio = np.zeros((int(seconds * SR), 2), dtype=np.float32)  # pre-touched
        self.audio.fill(0.0)
        self.written = np.zeros(len(self.audio), dtype=bool)  # cycles the sink did not miss
        self.audio_start: int | None = None
        self.connected_at: int | None = None
        self.events: list[tuple[int, bytes]] = []
        self._cycles = run_each_cycle(self.client, self._process)
        self.client.activate()
        rig.players.append(self)

    def _process(self, frames):
        last = self.client.last_frame_time
        for off, data in self.midi.incoming_midi_events():
            self.events.append((last + off, bytes(data)))
        if self.audio_start is None:
            self.audio_start = last
        pos = last - self.audio_start
        if pos + frames <= len(self.audio):
            for k, p in enumerate(self.ins):
                self.audio[pos:pos + frames, k] = p.get_array()
            self.written[pos:pos + frames] = True

    def close(self):
        leave(self.client, self._cycles, active=True)


@pytest.fixture
def jack_rig(tmp_path):
    """A JACK server with a 1024-frame period: Python audio callbacks keep up
    at this period even on a loaded machine (TESTRIG.md)."""
    rig = Rig(tmp_path, period=1024)
    try:
        yield rig
    finally:
        rig.close()


def _connect_replay_audio(client, stop: threading.Event):
    def run():
        def ports():
            return [p.name for p in client.get_ports(is_audio=True, is_output=True)
                    if p.name.startswith("improv-replay")]
        try:  # both output ports: they are registered one after the other
            outs = wait_for(lambda: (lambda p: p if len(p) >= 2 else None)(ports()), timeout=15,
                            what="replay audio ports")
        except TimeoutError:
            return
        for k, name in enumerate(sorted(outs)[:2]):
            for dest in client.get_all_connections(name):
                client.disconnect(name, dest)
            client.connect(name, f"sink:in_{k + 1}")
        stop.connected_frame = client.frame_time
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


def test_replay_audio_and_midi_in_sync(jack_rig, store, replay_session):
    sid, times = replay_session
    sink = Sink(jack_rig, seconds=30)
    stop = threading.Event()
    _connect_replay_audio(sink.client, stop)
    cmd = [sys.executable, "-m", "improv", "--store", str(store.root), "replay", sid,
           "--from", "1.2", "--to", "5.0", "--midi-out", "sink", "--midi-api", "jack",
           "--audio-api", "JACK", "--jack-server", jack_rig.server.name, "--lead-in", "3.0"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=60,
                       env={**jack_rig.server.env})
    assert r.returncode == 0, r.stderr
    assert "half way" in r.stdout  # the annotation passed the play head

    want = times[(times >= 1.2) & (times < 5.0)]
    ons = [(f, d) for f, d in sink.events if d[0] & 0xF0 == 0x90]
    assert [d[1] for _, d in ons] == [60 + int(round((t - 0.5) / 0.5)) for t in want]
    midi_frames = np.array([f for f, _ in ons]) - sink.audio_start
    # intervals between notes as in the session, to the frame (JACK MIDI at exact frames;
    # rtmidi's output, before, was off by up to one period: ±576 frames measured)
    assert np.max(np.abs(np.diff(midi_frames) - np.diff(want) * SR)) <= 1

    clicks = find_clicks(sink.audio[:, 0])
    assert len(clicks) == len(want)
    np.testing.assert_allclose(np.diff(clicks), np.diff(want) * SR, atol=1)  # sample-exact
    assert np.array_equal(sink.audio[:, 0] > 0.4, sink.audio[:, 1] > 0.4)  # mono to both outputs
    # audio and MIDI of the same moment arrive at the same frame (before: up to 896 frames,
    # 19 ms, apart; the test allowed one period)
    assert np.max(np.abs(midi_frames - clicks)) <= 1, midi_frames - clicks


def _replay_into_sink(jack_rig, store, sid: str):
    """``improv replay SID`` to the JACK audio output, wired into a new :class:`Sink`."""
    sink = Sink(jack_rig, seconds=30)
    _connect_replay_audio(sink.client, threading.Event())
    cmd = [sys.executable, "-m", "improv", "--store", str(store.root), "replay", sid,
           "--audio-api", "JACK", "--jack-server", jack_rig.server.name, "--lead-in", "3.0"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=90,
                       env={**jack_rig.server.env})
    assert r.returncode == 0, r.stderr
    return sink, r


def _lag(got: np.ndarray, want: np.ndarray) -> int:
    """Where ``want`` starts in ``got`` (cross-correlation)."""
    n = 1 << int(np.ceil(np.log2(len(got) + len(want))))
    xc = np.fft.irfft(np.fft.rfft(got, n) * np.conj(np.fft.rfft(want, n)), n)[: len(got)]
    return int(np.argmax(xc))


def test_midi_only_replay_plays_the_fluidsynth_rendering(jack_rig, store, tmp_path):
    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    for k in range(4):
        w.midi(0.5 + k * 0.5, player="client", port="Keys", data=bytes([0x90, 60, 110]))
        w.midi(0.9 + k * 0.5, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    sid = w.finalize(duration_s=3.0)["id"]
    sink, r = _replay_into_sink(jack_rig, store, sid)
    assert "rendered with FluidSynth" in r.stderr
    # what came out is the rendering the session cached, sample for sample: find the offset
    # by cross-correlation, then compare the whole rendering
    import soundfile as sf

    (rendering,) = (store.root / "sessions" / sid / "cache").glob("render-*.wav")
    want, sr = sf.read(rendering, dtype="float32", always_2d=True)
    assert sr == SR and np.max(np.abs(want[:, 0])) > 0.05  # the notes are audible
    got = sink.audio[:, 0]
    a = want[: 3 * SR, 0]  # replay stops at the end of the session (3.0 s): the release tail is cut
    lag = _lag(got, a)
    played = got[lag: lag + len(a)]
    assert len(played) == len(a), "the sink stopped before the rendering ended"
    seen = sink.written[lag: lag + len(a)]  # a cycle the sink itself missed is not judged
    assert np.mean(seen) > 0.97, "the sink missed too many cycles to judge"
    assert np.max(np.abs(played[seen] - a[seen])) < 1e-6  # no sample lost, changed or moved
    # the stereo rendering: right channel to the second output, in step with the left
    right = sink.audio[lag: lag + len(a), 1]
    assert np.max(np.abs(right[seen] - want[: len(a), 1][seen])) < 1e-6


def test_mixed_session_replays_the_recording_and_the_midi_player_together(
        jack_rig, store, replay_session):
    """A microphone (therapist) and a keyboard (client): with no MIDI output, the keyboard is
    rendered with FluidSynth and mixed with the recording (it used to replay the audio only,
    "0 MIDI messages sent"). What arrives is the recording plus the rendering, sample for
    sample at one offset: both players, in sync."""
    import soundfile as sf

    sid, times = replay_session
    sink, r = _replay_into_sink(jack_rig, store, sid)
    assert "MIDI of client rendered with FluidSynth, mixed with the recordings" in r.stderr
    assert "sound to system (JACK Audio Connection Kit)" in r.stderr
    assert "playing at 0:00" in r.stderr and "0 MIDI messages" not in r.stderr
    session = store.session(sid)
    mic = sf.read(session.audio_input("mic").path, dtype="float32")[0]
    (rendering,) = session.cache_dir.glob("render-*client*.wav")
    rend = sf.read(rendering, dtype="float32", always_2d=True)[0]
    n = len(mic)  # replay stops at the end of the session: the release tail is cut
    want = mic[:n, None] + rend[:n]
    assert np.max(np.abs(rend[:n])) > 0.05  # the keyboard is audible in the mix
    lag = _lag(sink.audio[:, 0], want[:, 0])
    played = sink.audio[lag: lag + n]
    assert len(played) == n, "the sink stopped before the replay ended"
    # both players at one offset, nothing lost, changed or moved; a cycle that the sink
    # itself missed (an xrun of this test process on a busy machine) stays out of the check
    seen = sink.written[lag: lag + n]
    assert np.mean(seen) > 0.97, "the sink missed too many cycles to judge"
    assert np.max(np.abs(played[seen] - want[seen])) < 1e-5
    assert "underruns" not in r.stderr
    # and the keyboard's notes sound at the clicks: a note's attack within one period of its click
    clicks = find_clicks(played[:, 0] - rend[:n, 0])
    assert len(clicks) == len(times)
    onsets = [int(np.argmax(np.abs(rend[c: c + 2 * jack_rig.server.period, 0]) > 0.01))
              for c in clicks]
    assert max(onsets) <= jack_rig.server.period


@pytest.mark.parametrize("args, message", [
    (["--midi-out", "nonexistent-port", "--midi-api", "jack"], "no MIDI output port"),
    (["--from", "99:00"], "outside the session"),
    (["--players", "nobody"], "unknown player"),
    (["--audio-out", "no-such-device", "--audio-api", "JACK"], "no audio output device matches"),
])
def test_replay_errors(jack_rig, store, replay_session, args, message):
    sid, _ = replay_session
    cmd = [sys.executable, "-m", "improv", "--store", str(store.root), "replay", sid,
           "--jack-server", jack_rig.server.name, *args]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=60,
                       env={**jack_rig.server.env})
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr


class _Terminal:
    """The master side of a pseudo-terminal: collects what the program prints."""

    def __init__(self, fd: int):
        self.fd = fd
        self.text = ""

    def wait(self, what: str, timeout: float) -> None:
        import os
        import select
        import time

        end = time.monotonic() + timeout
        while what not in self.text:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{what!r} not printed in {timeout} s; got {self.text!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.text += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:  # the program closed the terminal
                    raise TimeoutError(f"{what!r} not printed; got {self.text!r}") from None


@pytest.mark.slow
def test_replay_keys_through_a_real_terminal(jack_rig, store):
    """On a pseudo-terminal: → jumps 5 s, space pauses and resumes, q quits, and the terminal
    is given back in the mode it was in."""
    import os
    import pty
    import termios
    import time

    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    for k in range(80):  # a note every 0.25 s for 20 s, each its own pitch
        w.midi(0.25 * k, player="client", port="Keys", data=bytes([0x90, 20 + k, 100]))
        w.midi(0.25 * k + 0.1, player="client", port="Keys", data=bytes([0x80, 20 + k, 0]))
    for t, text in ((1.0, "one"), (8.0, "eight"), (15.0, "fifteen")):
        w.marker(t, text=text)
    sid = w.finalize(duration_s=20.0)["id"]
    sink = Sink(jack_rig, seconds=60)

    def note_ons():
        return [d[1] for _, d in list(sink.events) if d[0] & 0xF0 == 0x90 and d[2] > 0]

    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen(
        [sys.executable, "-m", "improv", "--store", str(store.root), "replay", sid, "--no-audio",
         "--midi-out", "sink", "--midi-api", "jack", "--jack-server", jack_rig.server.name],
        stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env={**jack_rig.server.env})
    term = _Terminal(master)
    try:
        term.wait("one", timeout=30)  # the play head passed 1 s
        os.write(master, b"\x1b[C")  # → : 5 s ahead
        term.wait("eight", timeout=5)  # 2 s later, not 7
        os.write(master, b" ")  # pause
        term.wait("⏸ paused", timeout=5)  # the status line says so, with the output
        assert "MIDI to sink" in term.text
        time.sleep(0.5)
        paused = len(note_ons())
        time.sleep(1.0)
        assert len(note_ons()) == paused, "notes went on while paused"
        os.write(master, b" ")  # resume
        wait_for(lambda: len(note_ons()) > paused, timeout=10, what="notes after resuming")
        os.write(master, b"q")
        assert proc.wait(15) == 0
        term.wait("done:", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "fifteen" not in term.text  # quit before 15 s
    played = (np.array(note_ons()) - 20) * 0.25  # the session time of every note played
    assert np.any(played <= 1.0) and not np.any((played > 1.75) & (played < 5.75))  # the jump
    assert np.any((played > 6.5) & (played < 9.0)) and not np.any(played > 14.0)
    assert termios.tcgetattr(slave) == before  # cbreak mode undone
    os.close(slave)
    os.close(master)

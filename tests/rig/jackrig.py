"""JACK servers with the dummy driver and JACK clients that play instruments.

* :class:`JackServer` starts ``jackd -n NAME -d dummy -r RATE -p PERIOD`` under a
  unique name, waits for it with ``jack_wait`` and stops it (clients first:
  see TESTRIG.md).
* :class:`MidiPlayer` plays a schedule of MIDI messages from a JACK MIDI
  output port with frame-exact timing and records the JACK frame of every
  message it wrote.
* :class:`AudioPlayer` plays deterministic signals (click trains, tones) from
  JACK audio output ports, starting at a known frame.
* :class:`JackClock` maps JACK frames to ``CLOCK_MONOTONIC_RAW`` seconds (what
  ``jack_frames_to_time`` returns, divided by 1e6), the counter of
  :class:`improv.capture.clock.SessionClock`; with the session's ``start_counter_s``
  the sender's schedule lands on the session clock.

Every wait is on a condition with a timeout, never a fixed sleep.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

_counter = itertools.count()


def jackd_path() -> str | None:
    return shutil.which("jackd")


def wait_for(cond, *, timeout: float, interval: float = 0.01, what: str = "condition"):
    """Poll ``cond()`` until truthy; return its value or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def stop_process(proc: subprocess.Popen | None, *, timeout: float = 10.0) -> None:
    """SIGTERM a server process, SIGKILL it if it has not ended within ``timeout`` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies (no orphaned jackd)."""
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


class JackServer:
    """A private JACK server with the dummy driver.

    Parameters
    ----------
    period : int [frames]
    rate : int [Hz]
    name : str, optional
        Unique by default (``improvtest-<pid>-<n>``).
    log_dir : Path, optional
        Where ``jackd-<name>.log`` goes.
    """

    def __init__(self, *, period: int = 256, rate: int = 48000, name: str | None = None,
                 log_dir: Path | None = None) -> None:
        self.period = int(period)
        self.rate = int(rate)
        self.name = name or f"improvtest-{os.getpid()}-{next(_counter)}"
        self.log_path = Path(log_dir or "/tmp") / f"jackd-{self.name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "JackServer":
        exe = jackd_path()
        if exe is None:
            raise RuntimeError("jackd not installed (apt-get install jackd2)")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [exe, "-n", self.name, "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        log.close()
        r = subprocess.run(["jack_wait", "-s", self.name, "-w", "-t", "10"],
                           capture_output=True, text=True)
        if r.returncode != 0 or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"jackd {self.name} did not start: {self.log_path.read_text()}")
        return self

    def stop(self) -> None:
        """Stop the server (call after every client of it has closed)."""
        stop_process(self.proc)
        self.proc = None

    @property
    def env(self) -> dict[str, str]:
        """Environment for a child process that should use this server."""
        return {**os.environ, "JACK_DEFAULT_SERVER": self.name}

    def client(self, name: str):
        import jack

        return jack.Client(name, no_start_server=True, servername=self.name)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class JackClock:
    """JACK frame -> CLOCK_MONOTONIC_RAW seconds, through ``jack_frames_to_time``."""

    def __init__(self, client) -> None:
        import jack

        lib = ctypes.CDLL(ctypes.util.find_library("jack") or "libjack.so.0")
        lib.jack_frames_to_time.restype = ctypes.c_uint64
        lib.jack_frames_to_time.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        self._lib = lib
        self._ptr = int(jack._ffi.cast("uintptr_t", client._ptr))

    def frame_to_counter(self, frame: int) -> float:
        """Seconds of CLOCK_MONOTONIC_RAW at which JACK frame ``frame`` starts."""
        return self._lib.jack_frames_to_time(self._ptr, int(frame) & 0xFFFFFFFF) / 1e6


def run_each_cycle(client, work):
    """Run ``work(frames)`` every JACK cycle of ``client`` (not active yet) as the recorder's
    own clients do (:class:`improv.capture.jack_cycle_thread.CycleThread`): a Python process
    callback cancelled by JACK at deactivation while another thread of the test process held the
    GIL froze the whole test run."""
    from improv.capture.jack_cycle_thread import CycleThread

    return CycleThread(client, work)


def leave(client, cycles, *, active: bool) -> None:
    """Stop ``client``'s cycles (:func:`run_each_cycle`), then deactivate and close it; a client
    whose thread did not end is left as it is."""
    from improv.capture.jack_cycle_thread import abandon_client

    if cycles is not None and not cycles.stop():
        abandon_client(client)
        return
    if active:
        client.deactivate()
    client.close()


class _Player:
    _cycles = None

    def __init__(self, server: JackServer, name: str) -> None:
        self.server = server
        self.client = server.client(name)
        self.name = self.client.name
        self.rate = self.client.samplerate
        self.start_frame: int | None = None
        self.done = threading.Event()
        self._active = False

    def activate(self) -> None:
        self.clock = JackClock(self.client)
        self.client.activate()
        self._active = True

    def start(self, *, delay_s: float = 0.2) -> int:
        """Start playing ``delay_s`` seconds from now; returns the start frame."""
        self.start_frame = int(self.client.frame_time + round(delay_s * self.rate))
        return self.start_frame

    def wait_done(self, timeout: float) -> None:
        if not self.done.wait(timeout):
            raise TimeoutError(f"player {self.name} did not finish in {timeout} s")

    def close(self) -> None:
        if self.client is not None:
            leave(self.client, self._cycles, active=self._active)
            self.client = None


class MidiPlayer(_Player):
    """Plays ``events`` = [(t_s relative to start, bytes)] from port ``<name>:out``.

    After :meth:`start`, the process callback writes each message at its
    exact frame offset (or at offset 0 of the next cycle it can, if a cycle
    was missed) and appends the frame it used to :attr:`sent_frames` and that
    frame's CLOCK_MONOTONIC_RAW time, mapped in the same cycle (the dummy
    driver's frame-to-time mapping moves after xruns), to :attr:`sent_counter`.
    """

    def __init__(self, server: JackServer, *, name: str, events: list[tuple[float, bytes]]):
        super().__init__(server, name)
        self.events = [(int(round(t * self.rate)), bytes(d)) for t, d in events]
        self.sent_frames: list[int] = []
        self.sent_counter: list[float] = []
        self.sent: list[bytes] = []
        self.port = self.client.midi_outports.register("out")
        self.port_name = self.port.name
        self._i = 0
        self._cycles = run_each_cycle(self.client, self._process)
        self.activate()

    def _process(self, frames: int) -> None:
        self.port.clear_buffer()
        if self.start_frame is None or self.done.is_set():
            return
        last = self.client.last_frame_time
        end = last + frames
        ev = self.events
        while self._i < len(ev) and self.start_frame + ev[self._i][0] < end:
            target = self.start_frame + ev[self._i][0]
            off = max(0, target - last)
            self.port.write_midi_event(off, ev[self._i][1])
            self.sent_frames.append(last + off)
            self.sent_counter.append(self.clock.frame_to_counter(last + off))
            self.sent.append(ev[self._i][1])
            self._i += 1
        if self._i >= len(ev):
            self.done.set()

    def sent_counter_times(self) -> np.ndarray:
        """CLOCK_MONOTONIC_RAW seconds of every message sent."""
        return np.array(self.sent_counter)

    def is_connected(self) -> bool:
        return bool(self.client.get_all_connections(self.port))


class AudioPlayer(_Player):
    """Plays one signal per output port ``<name>:out_<k>`` from the start frame.

    Parameters
    ----------
    signals : list of np.ndarray [shape=(n,)]
        Samples per port, played once from the start frame (silence around).
    marks : array of int, optional
        Sample indices (e.g. click onsets) whose CLOCK_MONOTONIC_RAW time is
        recorded in :attr:`mark_counter` in the cycle that plays them.
    """

    def __init__(self, server: JackServer, *, name: str, signals: list[np.ndarray],
                 marks=None):
        super().__init__(server, name)
        self.marks = np.asarray([] if marks is None else marks, dtype=np.int64)
        self.mark_counter = np.full(len(self.marks), np.nan)
        self.signals = [np.asarray(s, dtype=np.float32) for s in signals]
        self.length = max(len(s) for s in self.signals)
        self.ports = [self.client.outports.register(f"out_{k + 1}")
                      for k in range(len(self.signals))]
        self.port_names = [p.name for p in self.ports]
        self.late_cycles = 0
        self._cycles = run_each_cycle(self.client, self._process)
        self.activate()

    def _process(self, frames: int) -> None:
        start = self.start_frame
        bufs = [p.get_array() for p in self.ports]
        out = np.zeros((len(bufs), frames), dtype=np.float32)
        a = lo = hi = 0
        if start is not None:
            a = self.client.last_frame_time - start
            if a >= self.length:
                self.done.set()
            lo, hi = max(a, 0), min(a + frames, self.length)
        if hi > lo:
            for o, s in zip(out, self.signals, strict=False):
                seg = s[lo:min(hi, len(s))]
                o[lo - a: lo - a + len(seg)] = seg
        for b, o in zip(bufs, out, strict=False):
            b[:] = o  # one write per port: a reader never sees a cleared, unfilled block
        if hi <= lo:
            return
        for k in np.flatnonzero((self.marks >= lo) & (self.marks < hi)):
            self.mark_counter[k] = self.clock.frame_to_counter(start + int(self.marks[k]))


def click_train(*, sr: int, interval_s: float, count: int, click_frames: int = 48,
                amplitude: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Clicks (rectangular, ``click_frames`` long) every ``interval_s``.

    Returns the signal and the click onset sample indices.
    """
    step = int(round(interval_s * sr))
    onsets = np.arange(count) * step
    sig = np.zeros(onsets[-1] + step, dtype=np.float32)
    for o in onsets:
        sig[o:o + click_frames] = amplitude
    return sig, onsets


def tone(*, sr: int, freq_hz: float, duration_s: float, amplitude: float = 0.5) -> np.ndarray:
    n = np.arange(int(round(duration_s * sr)))
    return (amplitude * np.sin(2 * np.pi * freq_hz * n / sr)).astype(np.float32)


def find_clicks(y: np.ndarray, *, threshold: float = 0.4, refractory: int = 480) -> np.ndarray:
    """Sample indices where ``y`` first rises above ``threshold`` (one per click)."""
    above = np.flatnonzero(y > threshold)
    if not len(above):
        return above
    keep = [above[0]]
    for i in above[1:]:
        if i - keep[-1] > refractory:
            keep.append(i)
    return np.asarray(keep)


def recorder_audio_ports(client, *, prefix: str = "improv-audio") -> list[str]:
    """Input audio ports of the recorder's PortAudio client, in port order."""
    ports = [p.name for p in client.get_ports(is_audio=True, is_input=True)
             if p.name.split(":")[0].startswith(prefix)]
    return sorted(ports, key=lambda n: (n.split(":")[0], int(n.rsplit("_", 1)[-1])))


def wire_audio(client, sources: list[str], *, prefix: str = "improv-audio",
               timeout: float = 15.0) -> list[str]:
    """Connect ``sources`` to the recorder's audio inputs 1..n (and nothing else).

    Waits until the recorder's ports exist, removes PortAudio's automatic
    connections (``system:capture_*``) and connects each source.
    """
    ports = wait_for(lambda: (lambda p: p if len(p) >= len(sources) else None)(
        recorder_audio_ports(client, prefix=prefix)), timeout=timeout,
        what="the recorder's JACK audio ports")
    for dst in ports:
        for src in client.get_all_connections(dst):
            client.disconnect(src, dst)
    for src, dst in zip(sources, ports, strict=False):
        client.connect(src, dst)
    return ports[:len(sources)]


def midi_file_schedule(path) -> list[tuple[float, bytes]]:
    """(t_s, message bytes) of every channel message of a Standard MIDI File, as it plays."""
    import mido

    t = 0.0
    out = []
    for msg in mido.MidiFile(path):
        t += msg.time
        if not msg.is_meta and msg.type != "sysex":
            out.append((t, bytes(msg.bytes())))
    return out


def write_test_midi_file(path, *, seed: int = 7) -> None:
    """A short two-track SMF (tempo change, chords, jittered timing) for players."""
    import mido

    rng = np.random.default_rng(seed)
    mid = mido.MidiFile(ticks_per_beat=480)
    for track_no in range(2):
        tr = mido.MidiTrack()
        mid.tracks.append(tr)
        if track_no == 0:
            tr.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100)))
        for k in range(16):
            if track_no == 0 and k == 8:
                tr.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140)))
            note = 48 + 12 * track_no + int(rng.integers(0, 12))
            tr.append(mido.Message("note_on", channel=track_no, note=note,
                                   velocity=int(rng.integers(20, 127)),
                                   time=int(rng.integers(30, 120))))
            tr.append(mido.Message("note_off", channel=track_no, note=note, velocity=0,
                                   time=int(rng.integers(20, 100))))
    mid.save(path)

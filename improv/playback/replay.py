"""Replaying a session: audio and MIDI in sync, from any moment.

Real-time contract
------------------
Audio is played by a PortAudio output stream whose callback only copies
pre-read blocks from a queue (a reader thread decodes the files ahead).  The
first callback fixes where the stream's first frame meets the output
(``outputBufferDacTime - currentTime`` added to the monotonic counter), and
from then on every MIDI message and every annotation is due at an absolute
counter time ``counter_at(t)``: a scheduler thread sleeps until each target,
so timing errors never accumulate (no summed sleeps; see mido's ``play``).
With MIDI only, the counter origin is simply "now plus the lead-in".

A session recorded with MIDI only is made audible by rendering it with
FluidSynth (:mod:`improv.playback.render`) unless a MIDI output port is given.

Pausing and jumping end the current segment (all notes off) and start a new
one at the new position, so every segment is in sync by construction.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Callable

import numpy as np

from improv.capture.clock import monotonic_raw
from improv.errors import DeviceError

log = logging.getLogger(__name__)

ALL_NOTES_OFF = [bytes([0xB0 | ch, 123, 0]) for ch in range(16)]


@dataclass
class SegmentResult:
    reason: str  # "end", "pause", "seek", "quit"
    position: float  # session seconds where playback stopped
    midi_sent: int
    underruns: int


class AudioMix:
    """Reads the playlist's audio from ``start`` and mixes it to ``out_channels``.

    Channels of the selected players are spread over the outputs in turn
    (first to output 1, second to output 2, ...); a single channel goes to
    every output.  Inputs whose sample rate differs from the first are left
    out (with a warning): replay does not resample.
    """

    def __init__(self, audio: list, *, out_channels: int) -> None:
        import soundfile as sf

        self.sf = sf
        self.out_channels = out_channels
        self.inputs = []
        self.sr = None
        for a, chans in audio:
            if self.sr is None:
                self.sr = a.sr
            if a.sr != self.sr:
                log.warning("not replaying %s: %d Hz differs from %d Hz", a.name, a.sr, self.sr)
                continue
            self.inputs.append((a, chans))
        n_sources = sum(len(c) for _, c in self.inputs)
        self.routing = []  # per source channel: output indices
        for k in range(n_sources):
            self.routing.append(list(range(out_channels)) if n_sources == 1 else [k % out_channels])

    def blocks(self, *, start: float, end: float, lead_in: float, blocksize: int):
        """Yield float32 blocks (blocksize, out_channels): ``lead_in`` seconds of
        silence, then the audio from ``start`` to ``end``."""
        sr = self.sr
        lead = int(round(lead_in * sr))
        total = lead + int(round((end - start) * sr))
        first = start - lead / sr
        files = []
        for a, chans in self.inputs:
            f = self.sf.SoundFile(str(a.path))
            frame0 = int(a.time_to_frame(first))  # may be negative: silence before t0
            files.append((f, chans, frame0, a.frames))
        try:
            done = 0
            while done < total:
                n = min(blocksize, total - done)
                out = np.zeros((blocksize, self.out_channels), dtype=np.float32)
                k = 0
                for f, chans, frame0, frames in files:
                    pos = frame0 + done
                    lo, hi = max(pos, frame0 + lead, 0), min(pos + n, frames)
                    if hi > lo:
                        f.seek(lo)
                        data = f.read(hi - lo, dtype="float32", always_2d=True)[:, chans]
                        off = lo - pos
                        for j in range(data.shape[1]):
                            for o in self.routing[k + j]:
                                out[off:off + len(data), o] += data[:, j]
                    k += len(chans)
                done += n
                yield out
        finally:
            for f, *_ in files:
                f.close()


class Replayer:
    """Play a :class:`sessions.playlist.Playlist` through real devices.

    Parameters
    ----------
    playlist : Playlist
    midi_out : rtmidi.MidiOut, optional
        An opened output port for the MIDI (None: no MIDI output).
    audio : AudioMix, optional
        The audio to play (None: no audio output).
    audio_device : int, optional
        PortAudio output device index.
    blocksize : int [frames]
    lead_in : float [seconds]
        Silence played before ``start`` (lets connections settle).
    on_annotation : callable, optional
        Called with each annotation when the play head reaches it.
    output_latency : float [seconds], optional
        Time from the audio callback until its first frame is heard.  None
        takes PortAudio's ``outputBufferDacTime - currentTime`` (right for a
        sound card).  Within JACK, audio reaches other clients in the same
        cycle, so the JACK path passes 0.
    midi_lead : float [seconds]
        Send MIDI this much early.  rtmidi's JACK output delivers a message at
        the start of the next cycle, so the JACK path passes one cycle: MIDI
        then lands in the cycle that plays the matching audio.
    controls : queue.SimpleQueue, optional
        Commands from the keyboard: ``("pause",)``, ``("seek", seconds)``, ``("quit",)``.
    """

    def __init__(self, playlist, *, midi_out=None, audio: AudioMix | None = None,
                 audio_device: int | None = None, blocksize: int = 1024, lead_in: float = 0.3,
                 on_annotation: Callable[[dict], None] | None = None,
                 controls: queue.SimpleQueue | None = None, counter=monotonic_raw,
                 output_latency: float | None = None, midi_lead: float = 0.0) -> None:
        self.playlist = playlist
        self.midi_out = midi_out
        self.audio = audio
        self.audio_device = audio_device
        self.blocksize = blocksize
        self.lead_in = lead_in
        self.on_annotation = on_annotation or (lambda a: None)
        self.controls = controls or queue.SimpleQueue()
        self.counter = counter
        self.output_latency = output_latency
        self.midi_lead = midi_lead

    def play(self, *, start: float | None = None) -> SegmentResult:
        """Play from ``start`` (default: the playlist's start) until the end or a command."""
        start = self.playlist.start if start is None else start
        end = self.playlist.end
        origin: list[float] = []  # counter time of session time (start - lead_in)
        origin_ready = threading.Event()
        stop = threading.Event()
        underruns = [0]
        anchor: list = [None]
        frames_done = [0]
        stream = None
        blocks_q: queue.Queue = queue.Queue(maxsize=64)

        if self.audio is not None and self.audio.inputs:
            import sounddevice as sd

            def reader():
                for b in self.audio.blocks(start=start, end=end, lead_in=self.lead_in,
                                           blocksize=self.blocksize):
                    while not stop.is_set():
                        try:
                            blocks_q.put(b, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                blocks_q.put(None)

            threading.Thread(target=reader, name="replay-reader", daemon=True).start()
            finished = threading.Event()

            def callback(outdata, frames, t, status):
                # The stream time at which the first frame meets the output.
                # MIDI and annotations are scheduled on this audio clock, which
                # may drift against the system counter (the JACK dummy driver
                # does, by about 0.1 %).
                # Re-anchor every block: (stream time at which this block meets
                # the output, frames before it).  Between blocks the scheduler
                # interpolates, so drift never accumulates.
                latency = (t.outputBufferDacTime - t.currentTime
                           if self.output_latency is None else self.output_latency)
                anchor[0] = (self.counter() + latency - self.midi_lead, frames_done[0])
                frames_done[0] += frames
                if not origin:
                    origin.append(anchor[0][0])
                    log.debug("replay latency: dac-current %.4f s, stream.latency %s",
                              t.outputBufferDacTime - t.currentTime,
                              getattr(stream, "latency", None))
                    origin_ready.set()
                try:
                    block = blocks_q.get_nowait()
                except queue.Empty:
                    outdata.fill(0)
                    underruns[0] += 1
                    return
                if block is None:
                    outdata.fill(0)
                    finished.set()
                    raise sd.CallbackStop
                outdata[:] = block

            try:
                stream = sd.OutputStream(samplerate=self.audio.sr, channels=self.audio.out_channels,
                                         dtype="float32", blocksize=self.blocksize,
                                         device=self.audio_device, callback=callback, latency="low",
                                         finished_callback=finished.set)
            except sd.PortAudioError as exc:
                stop.set()
                raise DeviceError(f"cannot open the audio output: {exc}") from None
            stream.start()
            if not origin_ready.wait(5.0):
                stream.abort()
                stop.set()
                raise DeviceError("the audio output did not start (no callback within 5 s)")
        else:
            finished = threading.Event()
            origin.append(self.counter() + self.lead_in)
            origin_ready.set()

        base = start - self.lead_in
        clock = self.counter

        sr = self.audio.sr if stream is not None else None

        def counter_at(t: float) -> float:
            """When session time ``t`` is due, on ``clock``."""
            if anchor[0] is None:
                return origin[0] + (t - base)
            at, frame = anchor[0]
            return at + (t - base) - frame / sr

        items = [(t, 0, ("midi", data)) for t, _, data in self.playlist.midi if t >= start]
        items += [(a["t"], 1, ("ann", a)) for a in self.playlist.annotations if a["t"] >= start]
        items.sort(key=lambda x: (x[0], x[1]))
        if self.midi_out is not None and start == self.playlist.start:
            for _, d in self.playlist.held_at_start:  # notes already sounding at --from
                self.midi_out.send_message(list(d))
        sent = 0
        reason = "end"
        position = end
        i = 0
        try:
            while True:
                now = clock()
                # commands
                try:
                    cmd = self.controls.get_nowait()
                except queue.Empty:
                    cmd = None
                if cmd is not None:
                    position = min(max(base + (now - counter_at(base)), start), end)
                    reason = {"pause": "pause", "seek": "seek", "quit": "quit"}.get(cmd[0], "quit")
                    if reason == "seek":
                        position = min(max(position + cmd[1], 0.0), end)
                    break
                if i < len(items):
                    t, _, (kind, payload) = items[i]
                    due = counter_at(t)
                    if due <= now:
                        if kind == "midi":
                            if self.midi_out is not None:
                                self.midi_out.send_message(list(payload))
                                sent += 1
                        else:
                            self.on_annotation(payload)
                        i += 1
                        continue
                    time.sleep(min(due - now, 0.02))
                    continue
                if counter_at(end) <= now and (stream is None or finished.is_set()
                                               or now > counter_at(end) + 1.0):
                    break
                time.sleep(0.01)
        finally:
            stop.set()
            if stream is not None:
                stream.abort()
                stream.close()
            if self.midi_out is not None:
                for m in ALL_NOTES_OFF:
                    self.midi_out.send_message(list(m))
        return SegmentResult(reason, position, sent, underruns[0])

    def run(self) -> list[SegmentResult]:
        """Play segments until the end or ``quit``; ``pause`` waits for the next command."""
        results = []
        position = self.playlist.start
        while True:
            r = self.play(start=position)
            results.append(r)
            if r.reason in ("end", "quit"):
                return results
            position = r.position
            if r.reason == "pause":
                cmd = self.controls.get()
                if cmd[0] == "quit":
                    return results
                if cmd[0] == "seek":
                    position = min(max(position + cmd[1], 0.0), self.playlist.end)
            if position >= self.playlist.end:
                return results


@contextlib.contextmanager
def keyboard_controls(controls: queue.SimpleQueue) -> Iterator[None]:
    """Space pauses/resumes, ←/→ jump 5 s, ↑/↓ jump 30 s, q quits (only on a terminal).

    A context manager: the terminal is put in cbreak mode (keys without Enter, no echo) on entry
    and given back in the mode it was in on exit, also after Ctrl-C or an error. (Until 1.4 a
    daemon thread restored it, and the program could end first: the shell was left without
    echo.)
    """
    import sys

    if not sys.stdin.isatty():
        yield
        return
    import select
    import termios
    import tty

    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    stop = threading.Event()

    def run():
        while not stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            ch = os.read(fd, 1).decode("utf-8", errors="ignore")
            if ch == " ":
                controls.put(("pause",))
            elif ch in ("q", "Q"):
                controls.put(("quit",))
            elif ch == "\x1b":
                seq = os.read(fd, 2).decode("utf-8", errors="ignore")
                jump = {"[C": 5.0, "[D": -5.0, "[A": 30.0, "[B": -30.0}.get(seq)
                if jump is not None:
                    controls.put(("seek", jump))

    tty.setcbreak(fd, termios.TCSANOW)  # not TCSAFLUSH: keep keys already typed
    th = threading.Thread(target=run, name="replay-keys", daemon=True)
    th.start()
    try:
        yield
    finally:
        stop.set()
        th.join(1.0)
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def open_midi_out(query: str, *, api: str | None = None, jack_server_name: str | None = None):
    """Open the MIDI output port that ``query`` names (index or name substring)."""
    from improv.capture import devices

    rtmidi = devices._rtmidi()
    midi_in, api_name = devices.open_midi_in(api=api, jack_server_name=jack_server_name,
                                             client_name="improv-replay-probe")
    api_id = midi_in.get_current_api()
    midi_in.delete()
    with devices.jack_server(jack_server_name):
        out = rtmidi.MidiOut(api_id, name="improv-replay")
    ports = [devices.MidiPort(i, n, "output", api_name) for i, n in enumerate(out.get_ports())]
    try:
        port = devices._pick(query, ports, names=[p.name for p in ports],
                             what="MIDI output port", describe=lambda p: f"[{p.index}] {p.name}",
                             hint=f" ({api_name}; is the synthesizer or port running?)")
    except BaseException:
        out.delete()
        raise
    out.open_port(port.index)
    return out, port.name, api_name


def match_audio_output(query: str | int | None, *, hostapi: str | None = None,
                       jack_server_name: str | None = None):
    """PortAudio output device for ``query`` (None: the default).

    Returns ``(index, channels, host API name)``; channels are capped at 2.
    """
    from improv.capture import devices

    sd = devices.init_portaudio(jack_server_name=jack_server_name, jack_client_name="improv-replay")
    devs = [d for d in devices.list_audio_devices() if d.output_channels > 0]
    if hostapi:
        devs = [d for d in devs if hostapi.lower() in d.hostapi.lower()]
    if query is None:
        if hostapi and devs:
            return devs[0].index, min(devs[0].output_channels, 2), devs[0].hostapi
        try:
            default = sd.query_devices(kind="output")
        except (ValueError, sd.PortAudioError):
            raise devices.NoDevicesError("no audio output device (give --audio-out)") from None
        api = sd.query_hostapis(default["hostapi"])["name"]
        return int(default["index"]), min(int(default["max_output_channels"]), 2), api
    d = devices._pick(query, devs, names=[d.name for d in devs], what="audio output device",
                      describe=lambda d: f"[{d.index}] {d.name} "
                                         f"({d.hostapi}, {d.output_channels} out)")
    return d.index, min(d.output_channels, 2), d.hostapi

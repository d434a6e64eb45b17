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

MIDI to a JACK port goes through :class:`~improv.playback.jack_midi_out.JackMidiOut`: each
message is handed over a quarter of a second ahead with the JACK frame it belongs at (read in
the audio callback, so the frame at which the audio of the same moment is played), and written
at that frame. rtmidi's JACK output, used before, wrote a message at the start of the cycle
after it was sent: up to one period (21 ms at 1024 frames) off, and later when the scheduler
thread waited for the CPU (docs/annotations-and-replay.md, "Measured").

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
from improv.playback.jack_midi_out import LOOKAHEAD_S, JackMidiOut

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

    Channels of the selected players' recordings are spread over the outputs in turn (first
    to output 1, second to output 2, ...); a single channel goes to every output.  Each
    rendering (the MIDI players made audible, :mod:`improv.playback.mix`) is added on top:
    its left channel to output 1, its right to output 2.  Inputs whose sample rate differs
    from the first are left out (with a warning): replay does not resample.

    Parameters
    ----------
    audio : list of (AudioInput, list of int)
        Recordings and their 0-based channels.
    out_channels : int
    renderings : list of AudioInput
        Renderings of MIDI players (all channels played).
    """

    def __init__(self, audio: list, *, out_channels: int, renderings: list = ()) -> None:
        import soundfile as sf

        self.sf = sf
        self.out_channels = out_channels
        self.renderings = list(renderings)
        self.inputs = []
        self.sr = None
        for a, chans in [*audio, *[(r, list(range(r.channels))) for r in renderings]]:
            if self.sr is None:
                self.sr = a.sr
            if a.sr != self.sr:
                log.warning("not replaying %s: %d Hz differs from %d Hz", a.name, a.sr, self.sr)
                continue
            self.inputs.append((a, chans))
        rendered = {id(r) for r in renderings}
        n_rec = sum(len(c) for a, c in self.inputs if id(a) not in rendered)
        self.routing = []  # per source channel: output indices
        for k in range(n_rec):
            self.routing.append(list(range(out_channels)) if n_rec == 1 else [k % out_channels])
        for a, chans in self.inputs:
            if id(a) in rendered:
                self.routing += ([list(range(out_channels))] if len(chans) == 1 else
                                 [[j % out_channels] for j in range(len(chans))])

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


class _AudioOutput:
    """The audio of one replay segment: a reader thread decodes blocks ahead into a queue, the
    output stream's callback only copies them out, and stamps where each block meets the
    output (:meth:`counter_at` schedules MIDI and annotations on that audio clock).

    Parameters
    ----------
    replayer : Replayer
        Its audio, device, blocksize, lead-in, latencies and counter.
    start, end : float [seconds]
        The session times to play.
    """

    def __init__(self, replayer: Replayer, *, start: float, end: float) -> None:
        import sounddevice as sd

        self._callback_stop = sd.CallbackStop  # looked up here, not in the callback
        self.replayer = replayer
        self.start_t = start
        self.end_t = end
        self.started = threading.Event()  # the first callback has set the anchor
        self.stop = threading.Event()
        self.finished = threading.Event()
        self.underruns = 0
        #: (counter time at which the current block meets the output, frames before it)
        self.anchor: tuple[float, int] | None = None
        #: with MIDI to JACK at exact frames: (first JACK frame of the current block's cycle,
        #: frames before it), read in this callback, i.e. in that JACK cycle
        self.frame_anchor: tuple[int, int] | None = None
        out = replayer.frames_out  # looked up here, not in the callback
        self._cycle_frame = out.cycle_frame if out is not None else None
        self.frames_done = 0
        self.stream = None
        self.blocks: queue.Queue = queue.Queue(maxsize=64)

    def _read(self) -> None:
        r = self.replayer
        for b in r.audio.blocks(start=self.start_t, end=self.end_t, lead_in=r.lead_in,
                                blocksize=r.blocksize):
            while not self.stop.is_set():
                try:
                    self.blocks.put(b, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if self.stop.is_set():
                return
        self.blocks.put(None)

    def _callback(self, outdata, frames, t, status):
        r = self.replayer
        # The stream time at which the first frame meets the output.
        # MIDI and annotations are scheduled on this audio clock, which
        # may drift against the system counter (the JACK dummy driver
        # does, by about 0.1 %).
        # Re-anchor every block: (stream time at which this block meets
        # the output, frames before it).  Between blocks the scheduler
        # interpolates, so drift never accumulates.
        latency = (t.outputBufferDacTime - t.currentTime
                   if r.output_latency is None else r.output_latency)
        self.anchor = (r.counter() + latency, self.frames_done)
        if self._cycle_frame is not None:
            self.frame_anchor = (self._cycle_frame(), self.frames_done)
        self.frames_done += frames
        if not self.started.is_set():
            log.debug("replay latency: dac-current %.4f s, stream.latency %s",
                      t.outputBufferDacTime - t.currentTime,
                      getattr(self.stream, "latency", None))
            self.started.set()
        try:
            block = self.blocks.get_nowait()
        except queue.Empty:
            outdata.fill(0)
            self.underruns += 1
            return
        if block is None:
            outdata.fill(0)
            self.finished.set()
            raise self._callback_stop
        outdata[:] = block

    def start(self) -> None:
        """Start the reader and the stream; return once the stream's first callback ran.

        Raises
        ------
        improv.errors.DeviceError
            The output cannot be opened, or does not call back within 5 s.
        """
        import sounddevice as sd

        r = self.replayer
        threading.Thread(target=self._read, name="replay-reader", daemon=True).start()
        try:
            self.stream = sd.OutputStream(samplerate=r.audio.sr, channels=r.audio.out_channels,
                                          dtype="float32", blocksize=r.blocksize,
                                          device=r.audio_device, callback=self._callback,
                                          latency="low", finished_callback=self.finished.set)
        except sd.PortAudioError as exc:
            self.stop.set()
            raise DeviceError(f"cannot open the audio output: {exc}") from None
        self.stream.start()
        if not self.started.wait(5.0):
            self.stream.abort()
            self.stop.set()
            raise DeviceError("the audio output did not start (no callback within 5 s)")

    def counter_at(self, t: float, *, base: float) -> float:
        """When session time ``t`` is due on the counter (``base``: the first time played)."""
        at, frame = self.anchor
        return at + (t - base) - frame / self.replayer.audio.sr

    def frame_at(self, t: float, *, base: float, rate: float) -> int:
        """The JACK frame at which session time ``t`` is played (see :attr:`frame_anchor`)."""
        frame, done = self.frame_anchor
        return frame + round((t - base) * rate) - done

    def close(self) -> None:
        self.stop.set()
        if self.stream is not None:
            self.stream.abort()
            self.stream.close()


class Replayer:
    """Play a :class:`sessions.playlist.Playlist` through real devices.

    Parameters
    ----------
    playlist : Playlist
    midi_out : rtmidi.MidiOut or JackMidiOut, optional
        An opened output port for the MIDI (None: no MIDI output). A
        :class:`~improv.playback.jack_midi_out.JackMidiOut` gets each message ahead with the
        JACK frame to play it at.
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
    controls : queue.SimpleQueue, optional
        Commands from the keyboard: ``("pause",)``, ``("seek", seconds)``, ``("quit",)``.
    on_state : callable, optional
        Called as ``on_state(state, position)`` when playing starts (``"playing"``), pauses
        (``"paused"``) or ends (``"stopped"``); position in session seconds.
    audio_in_jack : bool
        The audio output is on the JACK server of ``midi_out`` (a
        :class:`~improv.playback.jack_midi_out.JackMidiOut`): MIDI is then placed at the
        frame at which the audio of the same moment is played.

    Attributes
    ----------
    state : str
        ``"playing"``, ``"paused"`` or ``"stopped"``.
    position : float [seconds]
        The session time being heard (updated while playing, for a display).
    """

    def __init__(self, playlist, *, midi_out=None, audio: AudioMix | None = None,
                 audio_device: int | None = None, blocksize: int = 1024, lead_in: float = 0.3,
                 on_annotation: Callable[[dict], None] | None = None,
                 controls: queue.SimpleQueue | None = None, counter=monotonic_raw,
                 output_latency: float | None = None,
                 on_state: Callable[[str, float], None] | None = None,
                 audio_in_jack: bool = False) -> None:
        self.playlist = playlist
        self.midi_out = midi_out
        #: ``midi_out`` when it writes at exact JACK frames (one check, not one per use)
        self.frames_out = midi_out if isinstance(midi_out, JackMidiOut) else None
        self.audio = audio
        self.audio_device = audio_device
        self.blocksize = blocksize
        self.lead_in = lead_in
        self.on_annotation = on_annotation or (lambda a: None)
        self.controls = controls or queue.SimpleQueue()
        self.counter = counter
        self.output_latency = output_latency
        self.on_state = on_state or (lambda state, position: None)
        self.audio_in_jack = audio_in_jack
        self.state = "stopped"
        self.position = playlist.start

    def _set_state(self, state: str, position: float) -> None:
        self.state, self.position = state, position
        self.on_state(state, position)

    def play(self, *, start: float | None = None) -> SegmentResult:
        """Play from ``start`` (default: the playlist's start) until the end or a command."""
        start = self.playlist.start if start is None else start
        end = self.playlist.end
        base = start - self.lead_in  # the session time played first (lead-in included)
        audio = None
        frame_at = None  # session time -> JACK frame, for MIDI out at exact frames
        out = self.frames_out
        if self.audio is not None and self.audio.inputs:
            audio = _AudioOutput(self, start=start, end=end)
            audio.start()

            def counter_at(t: float) -> float:
                """When session time ``t`` is due, on ``self.counter``."""
                return audio.counter_at(t, base=base)

            if self.audio_in_jack and audio.frame_anchor is not None:
                def frame_at(t: float) -> int:  # the frame the audio of ``t`` is played at
                    return audio.frame_at(t, base=base, rate=out.rate)
        else:
            origin = self.counter() + self.lead_in

            def counter_at(t: float) -> float:
                return origin + (t - base)

        if out is not None and frame_at is None:  # no audio, or audio on another clock
            def frame_at(t: float) -> int:
                return out.frame_now() + round((counter_at(t) - self.counter()) * out.rate)

        items = [(t, 0, ("midi", data)) for t, _, data in self.playlist.midi if t >= start]
        items += [(a["t"], 1, ("ann", a)) for a in self.playlist.annotations if a["t"] >= start]
        items.sort(key=lambda x: (x[0], x[1]))
        if self.midi_out is not None and start == self.playlist.start:
            for _, d in self.playlist.held_at_start:  # notes already sounding at --from
                self.midi_out.send_message(list(d))
        dropped = 0
        try:
            reason, position, sent = self._dispatch(items, start=start, end=end, base=base,
                                                    counter_at=counter_at, audio=audio,
                                                    frame_at=frame_at)
        finally:
            if audio is not None:
                audio.close()
            if self.midi_out is not None:
                if self.frames_out is not None:  # handed over ahead, not played: a pause
                    dropped = self.frames_out.clear()
                for m in ALL_NOTES_OFF:
                    self.midi_out.send_message(list(m))
        return SegmentResult(reason, position, sent - dropped,
                             audio.underruns if audio is not None else 0)

    def _dispatch(self, items: list, *, start: float, end: float, base: float,
                  counter_at: Callable[[float], float],
                  audio: _AudioOutput | None,
                  frame_at: Callable[[float], int] | None = None) -> tuple[str, float, int]:
        """Send each MIDI message and annotation when it is due, until the end or a command.
        With ``frame_at`` (MIDI to JACK at exact frames), each MIDI message is handed to the
        output :data:`~improv.playback.jack_midi_out.LOOKAHEAD_S` ahead, with its frame.

        Returns ``(reason, position, midi_sent)``: why the segment ended and where.
        """
        clock = self.counter
        sent = 0
        reason = "end"
        position = end
        i = 0
        midi: list = []
        if frame_at is not None:
            midi = [x for x in items if x[2][0] == "midi"]
            items = [x for x in items if x[2][0] != "midi"]
        m = 0
        self._set_state("playing", start)
        while True:
            now = clock()
            while m < len(midi) and counter_at(midi[m][0]) - LOOKAHEAD_S <= now:
                self.frames_out.schedule(frame_at(midi[m][0]), midi[m][2][1])
                m += 1
                sent += 1
            self.position = min(max(base + (now - counter_at(base)), start), end)
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
            if counter_at(end) <= now and (audio is None or audio.finished.is_set()
                                           or now > counter_at(end) + 1.0):
                break
            time.sleep(0.01)
        return reason, position, sent

    def run(self) -> list[SegmentResult]:
        """Play segments until the end or ``quit``; ``pause`` waits for the next command."""
        results = []
        position = self.playlist.start
        while True:
            r = self.play(start=position)
            results.append(r)
            if r.reason in ("end", "quit"):
                self._set_state("stopped", r.position)
                return results
            position = r.position
            if r.reason == "pause":
                self._set_state("paused", position)
                cmd = self.controls.get()
                if cmd[0] == "quit":
                    self._set_state("stopped", position)
                    return results
                if cmd[0] == "seek":
                    position = min(max(position + cmd[1], 0.0), self.playlist.end)
            if position >= self.playlist.end:
                self._set_state("stopped", position)
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
    if "jack" in api_name.lower():  # at exact frames, not at the next cycle's start
        out.delete()
        try:
            return JackMidiOut(port.name, server_name=jack_server_name), port.name, api_name
        except Exception as exc:  # noqa: BLE001 - jack.JackError: the port went, no server
            raise DeviceError(f"cannot play MIDI to {port.name}: {exc}") from None
    out.open_port(port.index)
    return out, port.name, api_name


def close_midi_out(out) -> None:
    """Close what :func:`open_midi_out` opened."""
    if isinstance(out, JackMidiOut):
        out.close()
    else:
        out.close_port()
        out.delete()


def match_audio_output(query: str | int | None, *, hostapi: str | None = None,
                       jack_server_name: str | None = None):
    """PortAudio output device for ``query`` (None: the default).

    Returns ``(index, channels, host API name, device name)``; channels are capped at 2.
    """
    from improv.capture import devices

    sd = devices.init_portaudio(jack_server_name=jack_server_name, jack_client_name="improv-replay")
    devs = [d for d in devices.list_audio_devices() if d.output_channels > 0]
    if hostapi:
        devs = [d for d in devs if hostapi.lower() in d.hostapi.lower()]
    if query is None:
        if hostapi and devs:
            return (devs[0].index, min(devs[0].output_channels, 2), devs[0].hostapi,
                    devs[0].name)
        try:
            default = sd.query_devices(kind="output")
        except (ValueError, sd.PortAudioError):
            raise devices.NoDevicesError("no audio output device", parameter="audio_out") from None
        api = sd.query_hostapis(default["hostapi"])["name"]
        return (int(default["index"]), min(int(default["max_output_channels"]), 2), api,
                str(default["name"]))
    d = devices._pick(query, devs, names=[d.name for d in devs], what="audio output device",
                      describe=lambda d: f"[{d.index}] {d.name} "
                                         f"({d.hostapi}, {d.output_channels} out)")
    return d.index, min(d.output_channels, 2), d.hostapi, d.name

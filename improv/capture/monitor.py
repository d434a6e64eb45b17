"""Arm and test before Start: open a recording's inputs and show what arrives, recording
nothing.

:class:`InputMonitor` resolves the player inputs as a recording would
(:func:`improv.capture.plan.resolve_inputs`), opens each MIDI port and each audio
device, and keeps per input a level (peak [dBFS] of the blocks since the last look, a peak
hold, a clip light) or an activity light with the last note.  Nothing is written.  Close
it before a recording of the same inputs starts (:meth:`InputMonitor.close`): the web app
does so when Start is pressed, so the recorder finds the inputs free.

Threads: the audio and MIDI callbacks only copy and append to bounded deques; whoever
calls :meth:`InputMonitor.status` (the web app's request thread) does the arithmetic.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any, Callable

import numpy as np

from improv.capture.devices import DEFAULT_JACK_CLIENT, jack_server, open_midi_in
from improv.capture.live_status import note_name
from improv.capture.plan import resolve_inputs
from improv.capture.setups import PlayerInput

log = logging.getLogger(__name__)

FLOOR_DBFS = -120.0
"""Level [dBFS] reported for digital silence (an amplitude of 1e-6)."""
CLIP_LEVEL = 0.999
"""Sample magnitude (full scale 1.0) counted as clipping."""
def to_dbfs(peak: float) -> float:
    """Peak magnitude (full scale 1.0) -> dBFS, :data:`FLOOR_DBFS` at silence."""
    return float(20 * np.log10(max(float(peak), 1e-6)))


class _Audio:
    """One audio device's stream and the levels of the inputs on it."""

    def __init__(self, ap, *, sr: int | None) -> None:
        self.ap = ap
        self.blocks: collections.deque = collections.deque(maxlen=256)
        self.stream = None
        self.sr = sr

    def open(self) -> None:
        import sounddevice as sd

        self.stream = sd.InputStream(device=self.ap.device.index, channels=self.ap.channels,
                                     samplerate=self.sr, dtype="float32",
                                     callback=self._callback)
        self.stream.start()

    def _callback(self, indata, frames, time_info, status) -> None:
        self.blocks.append(indata.copy())

    def take(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per channel: the largest magnitude and the mean square of the samples since the
        last call, their mean (a DC offset) removed (None: no block came)."""
        peak, s1, s2, n = None, 0.0, 0.0, 0
        while self.blocks:
            b = self.blocks.popleft()
            a = np.abs(b).max(axis=0)
            peak = a if peak is None else np.maximum(peak, a)
            s1 = s1 + b.sum(axis=0, dtype=np.float64)
            s2 = s2 + np.square(b, dtype=np.float64).sum(axis=0)
            n += b.shape[0]
        if peak is None:
            return None
        n = max(n, 1)
        return peak, np.maximum(s2 / n - np.square(s1 / n), 0.0)

    def close(self) -> None:
        if self.stream is not None:
            try:
                self.stream.abort()
                self.stream.close()
            except Exception as exc:  # noqa: BLE001 - closing anyway
                log.debug("closing a monitor stream: %s", exc)
            self.stream = None


ROOM_NOISE_DBFS = -55.0
"""An input whose quietest stretches of the check stay at or above this mean level [dBFS]
is said to have high background noise: about where the analysis starts to raise its
threshold of a pause over the room's noise floor (:func:`analysis.audio.noise_gate`), so
that soft playing near the floor is counted as a pause."""
ROOM_SPAN_S = 20.0
"""The background noise is the quietest of the last this many seconds of the check."""
ROOM_MIN_S = 8.0
"""... and is said only once the check has heard an input this long."""


class _Meter:
    """The level of one input: now, held peak, clip light, and the level of its quietest
    moments of the last :data:`ROOM_SPAN_S` seconds (times in seconds, ``now()``)."""

    def __init__(self, *, hold_s: float, clip_hold_s: float, room_s: float = ROOM_SPAN_S,
                 room_min_s: float = ROOM_MIN_S) -> None:
        self.hold_s = hold_s
        self.clip_hold_s = clip_hold_s
        self.room_s, self.room_min_s = room_s, room_min_s
        self.level = 0.0
        self.held = 0.0
        self.held_at = -1e9
        self.clip_at = -1e9
        self.heard: collections.deque = collections.deque()  # (now, mean square) per look

    def update(self, peak: float | None, now: float, *, ms: float | None = None) -> None:
        if peak is None:  # nothing came: the level falls to the floor
            self.level = 0.0
            return
        if ms is not None:
            self.heard.append((now, ms))
            while self.heard and now - self.heard[0][0] > self.room_s:
                self.heard.popleft()
        self.level = peak
        if peak >= self.held or now - self.held_at > self.hold_s:
            self.held, self.held_at = peak, now
        if peak >= CLIP_LEVEL:
            self.clip_at = now

    def room_dbfs(self, now: float) -> float | None:
        """The mean level [dBFS] of the quietest looks (their 5th percentile, minimum
        statistics as :func:`analysis.audio.noise_gate`) of the last :attr:`room_s` seconds;
        None before :attr:`room_min_s` seconds were heard."""
        if not self.heard or now - self.heard[0][0] < self.room_min_s:
            return None
        q = float(np.percentile([m for _, m in self.heard], 5))
        return float(10 * np.log10(max(q, 1e-12)))

    def to_dict(self, now: float) -> dict[str, Any]:
        held = self.held if now - self.held_at <= self.hold_s else self.level
        room = self.room_dbfs(now)
        return {"level_dbfs": to_dbfs(self.level), "hold_dbfs": to_dbfs(max(held, self.level)),
                "clip": now - self.clip_at <= self.clip_hold_s,
                "room_dbfs": None if room is None else round(room, 1),
                "noisy": room is not None and room >= ROOM_NOISE_DBFS}


class _Midi:
    """One MIDI port: its rtmidi input and what arrived (callback appends only)."""

    def __init__(self, inp: PlayerInput, port) -> None:
        self.input = inp
        self.port = port
        self.midi_in = None
        self.arrived: collections.deque = collections.deque(maxlen=256)
        self.events = 0
        self.last_note: int | None = None
        self.last_at: float | None = None

    def _callback(self, message, data) -> None:
        self.arrived.append((time.monotonic(), message[0]))

    def take(self) -> None:
        while self.arrived:
            at, msg = self.arrived.popleft()
            self.events += 1
            self.last_at = at
            if len(msg) >= 3 and msg[0] & 0xF0 == 0x90 and msg[2] > 0:
                self.last_note = msg[1]


class InputMonitor:
    """The inputs of a recording, opened for levels and activity only.

    Parameters
    ----------
    inputs : list of PlayerInput
    midi_api, audio_api, jack_server, jack_midi_server : str, optional
        As for :class:`improv.capture.recorder.Recorder`.
    jack_client_name : str
        Base name of the JACK clients (the recorder's, so that the same wiring applies).
    hold_s, clip_hold_s : float [seconds]
        How long a peak is held and a clip light stays on.
    room_s, room_min_s : float [seconds]
        The background noise of an audio input is the quietest of its last ``room_s``
        seconds, said once ``room_min_s`` were heard (:data:`ROOM_SPAN_S`,
        :data:`ROOM_MIN_S`).
    clock : callable
        Monotonic seconds (``time.monotonic``).
    """

    def __init__(self, *, inputs: list[PlayerInput], midi_api: str | None = None,
                 audio_api: str | None = None, jack_server: str | None = None,
                 jack_midi_server: str | None = None,
                 jack_client_name: str = DEFAULT_JACK_CLIENT, hold_s: float = 1.5,
                 clip_hold_s: float = 3.0, room_s: float = ROOM_SPAN_S,
                 room_min_s: float = ROOM_MIN_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.inputs = list(inputs)
        self.opts = {"midi_api": midi_api, "audio_api": audio_api, "jack_server": jack_server,
                     "jack_midi_server": jack_midi_server}
        self.jack_client_name = jack_client_name
        self.clock = clock
        self._hold = (hold_s, clip_hold_s)
        self._room = (room_s, room_min_s)
        self._midi: list[_Midi] = []
        self._audio: list[_Audio] = []
        self._meters: dict[str, _Meter] = {}
        self._lock = threading.Lock()
        self._plan = None
        self.api: str | None = None

    def resolve(self) -> "InputMonitor":
        """Match the inputs to devices, opening nothing (then :attr:`claims` is known).

        With audio inputs this initialises PortAudio anew, which closes every audio stream
        open in this process: a second check of audio must wait until the first is closed.

        Raises
        ------
        ParameterError, DeviceError, NoDevicesError, AmbiguousDeviceError
            As a recording of these inputs would.
        """
        self._plan = resolve_inputs(self.inputs, jack_client_name=self.jack_client_name,
                                    **self.opts)
        self.api = self._plan.midi_api
        return self

    @property
    def claims(self) -> set[tuple]:
        """The physical inputs this check holds once resolved: ``("midi", port name)`` per
        MIDI port and ``("audio", device name, channel)`` per audio channel."""
        plan = self._plan
        if plan is None:
            return set()
        return ({("midi", port.name) for _, port in plan.midi}
                | {("audio", ap.device.name, c) for ap in plan.audio
                   for i in ap.inputs for c in i.channels})

    @property
    def labels(self) -> dict[tuple[str, str], str]:
        """Once resolved, the devices as the Record page names them (``("midi", port name)``,
        ``("audio", device name)`` -> label: :func:`~improv.capture.device_labels.plan_labels`)."""
        from improv.capture.device_labels import plan_labels

        return {} if self._plan is None else plan_labels(self._plan)

    def start(self) -> "InputMonitor":
        """Resolve (unless :meth:`resolve` did) and open every input.

        Raises
        ------
        ParameterError, DeviceError, NoDevicesError, AmbiguousDeviceError
            As a recording of these inputs would (nothing stays open then).
        """
        from improv.capture.c_stderr import route_on, wanted

        o = self.opts
        plan = self._plan if self._plan is not None else self.resolve()._plan
        # a sound server that stops while the inputs are checked: its C lines to the debug log
        if not getattr(self, "_c_stderr", False) and wanted(plan):
            self._c_stderr = route_on()
        try:
            midi_server = o["jack_midi_server"] or o["jack_server"]
            for n, (inp, port) in enumerate(plan.midi):
                m = _Midi(inp, port)
                m.midi_in, _ = open_midi_in(api=plan.midi_api, jack_server_name=midi_server,
                                            client_name=f"{self.jack_client_name}-midi")
                m.midi_in.ignore_types(sysex=True, timing=True, active_sense=True)
                m.midi_in.set_callback(m._callback)
                with jack_server(midi_server):
                    m.midi_in.open_port(port.index, name=f"{inp.player}-in{n + 1}")
                self._midi.append(m)
            for ap in plan.audio:
                a = _Audio(ap, sr=None)
                self._audio.append(a)
                a.open()
        except BaseException:
            self.close()
            raise
        return self

    @property
    def has_audio(self) -> bool:
        """True while an audio stream is open."""
        return bool(self._audio)

    def status(self) -> dict[str, Any]:
        """Per input (in the order given): player, kind, name, and either the level
        (``level_dbfs``, ``hold_dbfs``, ``clip``, and ``room_dbfs``, the mean level of its
        quietest moments, with ``noisy`` where that is at or above :data:`ROOM_NOISE_DBFS`)
        or the MIDI activity (``events``,
        ``last_note``, ``last_event_ago_s`` [seconds])."""
        with self._lock:
            now = self.clock()
            out: list[dict[str, Any]] = []
            for a in self._audio:
                took = a.take()
                # the inputs resolved to this device, not every input of its players: one
                # player may have inputs on two devices
                for inp in a.ap.inputs:
                    meter = self._meters.setdefault(inp.spec, _Meter(
                        hold_s=self._hold[0], clip_hold_s=self._hold[1], room_s=self._room[0],
                        room_min_s=self._room[1]))
                    chans = [c - 1 for c in inp.channels]
                    meter.update(None if took is None else float(took[0][chans].max()), now,
                                 ms=None if took is None else float(took[1][chans].mean()))
                    out.append({"player": inp.player, "kind": "audio", "spec": inp.spec,
                                "name": a.ap.device.name, "channels": list(inp.channels),
                                **meter.to_dict(now)})
            for m in self._midi:
                m.take()
                out.append({"player": m.input.player, "kind": "midi", "spec": m.input.spec,
                            "name": m.port.name, "events": m.events,
                            "last_note": None if m.last_note is None else note_name(m.last_note),
                            "last_event_ago_s": None if m.last_at is None
                            else time.monotonic() - m.last_at})
            order = {i.spec: n for n, i in enumerate(self.inputs)}
            return {"inputs": sorted(out, key=lambda d: order.get(d["spec"], 0))}

    def close(self) -> None:
        """Close every input (again is fine); afterwards a recording may open them."""
        from improv.capture.c_stderr import route_off

        with self._lock:
            for a in self._audio:
                a.close()
            self._audio = []
            for m in self._midi:
                try:
                    m.midi_in.cancel_callback()
                    m.midi_in.close_port()
                    m.midi_in.delete()
                except Exception as exc:  # noqa: BLE001 - closing anyway
                    log.debug("closing a monitor MIDI port: %s", exc)
            self._midi = []
            if getattr(self, "_c_stderr", False):
                self._c_stderr = False
                route_off()

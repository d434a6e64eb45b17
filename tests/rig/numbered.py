"""A JACK source that plays a numbered sequence, so that a recording proves what was doubled
or lost: MIDI, one control-change message every 3 ms whose channel and data bytes count up;
audio, a ramp whose every sample is ``k * RAMP`` with ``k`` counting the frames played.

The source can be made to misbehave as instruments do when they go away: stall (its process
callback stops writing its port, as a killed or hung client's does), unregister its port and
register it again. Used by tests/improv/test_device_loss_jack.py and
bench/bench_device_loss.py.
"""

from __future__ import annotations

import numpy as np

from tests.rig.jackrig import _Player, run_each_cycle

RAMP = 2.0 ** -23
"""Audio value of one frame of the ramp (float32 holds ``k * RAMP`` exactly for k < 2**23)."""
MIDI_STEP_FRAMES = 144
"""Frames between two MIDI messages (3 ms at 48 kHz)."""


def midi_message(k: int) -> bytes:
    """The control-change message that carries number ``k`` (0 <= k < 2**18)."""
    return bytes([0xB0 | (k >> 14) & 0x0F, (k >> 7) & 0x7F, k & 0x7F])


def number_of(data: bytes) -> int:
    """Inverse of :func:`midi_message`."""
    return (data[0] & 0x0F) << 14 | data[1] << 7 | data[2]


def audio_numbers(y: np.ndarray) -> np.ndarray:
    """The ramp's numbers in recorded samples ``y`` (one channel); silence (0) left out."""
    k = np.rint(np.asarray(y, dtype=np.float64) / RAMP).astype(np.int64)
    return k[k > 0]


class NumberedSource:
    """A JACK client ``name`` with one output port (``out`` for MIDI, ``out_1`` for audio).

    Parameters
    ----------
    server_name : str or None
    name : str
    medium : {"midi", "audio"}
    start : int
        The first number played (> 0: audio 0 is silence).
    last : numpy array of int64, shape (1,), optional
        Where the last number written is kept (e.g. a view of a shared file, to be read after
        the process was killed).
    activate : bool
        False: the port is registered but the client not activated (:meth:`activate`).
    """

    def __init__(self, server_name: str | None, *, name: str, medium: str, start: int = 1,
                 last: np.ndarray | None = None, activate: bool = True) -> None:
        import jack

        self.client = jack.Client(name, no_start_server=True, servername=server_name)
        self.midi = medium == "midi"
        self.k = int(start)
        self.last = np.full(1, -1, dtype=np.int64) if last is None else last
        self.stalled = False
        self._next: int | None = None
        self.port = None
        self.register()
        self.port_name = self.port.name
        self._cycles = run_each_cycle(self.client, self._process)
        self._active = False
        if activate:
            self.activate()

    def activate(self) -> None:
        """Start playing (a source registers its port before it activates its client)."""
        self.client.activate()
        self._active = True

    def register(self) -> None:
        """Register the output port (again) and play on."""
        self.port = (self.client.midi_outports.register("out") if self.midi
                     else self.client.outports.register("out_1"))
        self._next = None
        self.stalled = False

    def unregister(self) -> None:
        """Unregister the output port (the process callback stops writing it first)."""
        port, self.port = self.port, None
        port.unregister()

    def _process(self, frames: int) -> None:
        port = self.port
        if port is None or self.stalled:
            return  # nothing written: JACK passes on what the port's buffer held
        last = self.client.last_frame_time
        if self.midi:
            port.clear_buffer()
            if self._next is None:
                self._next = last
            while self._next < last + frames:
                # a cycle the source missed: its messages go at the start of this one
                port.write_midi_event(max(0, self._next - last), midi_message(self.k))
                self.last[0] = self.k
                self.k += 1
                self._next += MIDI_STEP_FRAMES
        else:
            k = self.k
            port.get_array()[:] = (np.arange(k, k + frames) * RAMP).astype(np.float32)
            self.last[0] = k + frames - 1
            self.k = k + frames

    close = _Player.close  # deactivate (if active) and close the client

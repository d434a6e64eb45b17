"""MIDI out to a JACK port at exact frames, for replay.

rtmidi's JACK output writes a message at the start of the cycle after it was sent, so a replay
through it moves every note to a period boundary (21 ms at 1024 frames) and late by however long
the sending thread waited for the CPU. Here the replayer schedules each message ahead (a quarter
of a second) at the JACK frame where its session time falls on the audio being played, and this
client's work per JACK cycle writes it at that frame's offset in its cycle: MIDI and audio of the
same moment leave in the same cycle at the same frame, whatever the sending thread's timing.

The work per cycle runs Python in JACK's real-time thread (it takes the GIL, as the audio output's
PortAudio callback already does); it only moves the due messages of its cycle from a deque into the
port's buffer.  It runs as a :class:`~improv.capture.jack_cycle_thread.CycleThread`, which ends
before the client is deactivated: a Python process callback cancelled by JACK at deactivation
while it waited for the GIL froze the whole process (the web app with it).
"""

from __future__ import annotations

import collections
import logging
import threading
import time

from improv.capture.jack_cycle_thread import activate_with_cycles
from improv.capture.jack_watch import leave_jack

log = logging.getLogger(__name__)

__all__ = ["JackMidiOut", "LOOKAHEAD_S"]

#: How far ahead of its time a message is handed to the process callback [seconds]: longer than
#: any wait of the sending thread on a loaded machine (tens of ms measured), short enough that a
#: pause drops few messages already handed over (they are dropped, not played: :meth:`clear`).
LOOKAHEAD_S = 0.25
_WRAP = 1 << 32
_HALF = 1 << 31


class JackMidiOut:
    """A JACK client with one MIDI output port connected to ``target``.

    Parameters
    ----------
    target : str
        Full name of the JACK MIDI input port to play to (e.g. ``fluidsynth:midi_00``).
    server_name : str, optional
        JACK server (None: the default one).
    client_name : str
        Name of this JACK client.

    Raises
    ------
    jack.JackError
        No server, or the port cannot be connected.
    """

    def __init__(self, target: str, *, server_name: str | None = None,
                 client_name: str = "improv-replay-midi") -> None:
        import jack

        self.client = jack.Client(client_name, no_start_server=True, servername=server_name)
        self.port = self.client.midi_outports.register("out")
        self.rate = self.client.samplerate
        #: (frame, bytes) in frame order, handed over by the sending thread; and messages to
        #: write at the start of the next cycle
        self._due: collections.deque = collections.deque()
        self._now: collections.deque = collections.deque()
        self._lock = threading.Lock()  # clear() against the callback's pops
        self._closed = False
        #: messages written after their frame had passed (the sender was later than the
        #: lookahead): written at the start of the cycle instead
        self.late = 0
        self._thread = activate_with_cycles(self.client, self._process)
        try:
            self.client.connect(self.port, target)
        except Exception:
            self.close(wait_s=0.0)
            raise
        self.target = target

    # JACK's real-time thread
    def _process(self, frames: int) -> None:
        self.port.clear_buffer()
        start = self.client.last_frame_time
        with self._lock:
            while self._now:
                self.port.write_midi_event(0, self._now.popleft())
            due = self._due
            while due:
                # frames count modulo 2**32 (JACK's jack_nframes_t wraps after 24.8 h at 48 kHz)
                offset = (due[0][0] - start + _HALF) % _WRAP - _HALF
                if offset >= frames:
                    break
                data = due.popleft()[1]
                if offset < 0:
                    self.late += 1
                    offset = 0
                self.port.write_midi_event(offset, data)

    def cycle_frame(self) -> int:
        """The first frame of the current JACK cycle (call from a process callback of the same
        server, e.g. the audio output's, to anchor frames to the audio)."""
        return self.client.last_frame_time

    def frame_now(self) -> int:
        """JACK's estimate of the frame being processed now."""
        return self.client.frame_time

    def schedule(self, frame: int, data) -> None:
        """Write ``data`` at JACK frame ``frame`` (frames must come in order)."""
        self._due.append((int(frame) % _WRAP, bytes(data)))

    def send_message(self, data) -> None:
        """Write ``data`` at the start of the next cycle (rtmidi's ``MidiOut`` interface)."""
        self._now.append(bytes(data))

    def clear(self) -> int:
        """Drop the scheduled messages not written yet (a pause or seek); returns how many."""
        with self._lock:
            n = len(self._due)
            self._due.clear()
        return n

    def close(self, *, wait_s: float = 0.5) -> None:
        """Leave the JACK graph once the messages to send at once are written (the all notes
        off that ends a replay is sent just before this: leaving at once would drop it, and a
        held note would sound on), waiting at most ``wait_s`` [seconds]."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + wait_s
        while self._now and time.monotonic() < deadline:
            time.sleep(0.002)
        ended = self._thread.stop()
        if not ended:
            log.debug("JACK MIDI out: its JACK thread did not end; the client is left as it is")
        leave_jack(self.client, untouched=not ended)

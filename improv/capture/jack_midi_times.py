"""The JACK frame of every recorded MIDI message, for stamps inside the cycle.

python-rtmidi's JACK input stamps every message of a JACK cycle with the time its process callback
ran (``jack_get_time``), so a message's stamp lies up to one period before the frame it was played
at: 21 ms at 1024 frames, the period the audio needs when Python records it (TESTRIG.md). That is
the size of the asynchronies between two players that the dialogue analysis measures.

This client reads the same sources as rtmidi's ports, through input ports of its own, only to learn
the frame of each message: its work per JACK cycle (a
:class:`~improv.capture.jack_cycle_thread.CycleThread`, which stops without freezing the process)
appends ``(time, bytes)`` per message, with the time of the cycle's first frame
(``jack_frames_to_time``, ``CLOCK_MONOTONIC_RAW``: the session clock's counter) plus the message's
offset in the cycle. The MIDI capture keeps taking the messages themselves from rtmidi, whose
callback is C++ and needs no GIL; for each one it takes the same message from here and stamps it
with that time (:meth:`JackMidiTimes.take`). A cycle this client misses (its work, which takes the
GIL, ran too late) loses nothing: those messages keep rtmidi's stamp.

The time is the frame's, less the capture latency JACK reports for the connection (0 from a JACK
client; a hardware port's driver reports its own), as PortAudio stamps JACK audio.
"""

from __future__ import annotations

import collections
import ctypes
import logging
import time

from improv.capture.jack_cycle_thread import activate_with_cycles
from improv.capture.jack_watch import leave_jack
from improv.capture.libjack import LatencyRange, libjack

log = logging.getLogger(__name__)

__all__ = ["JackMidiTimes", "STALE_S", "match"]

STALE_S = 0.5
"""A message of this client older than this [seconds] before the rtmidi stamp it is compared with
was not delivered to rtmidi (or was taken by a repeat JACK re-delivered): it is dropped."""
MATCH_SLACK_S = 0.05
"""How much later than the rtmidi stamp plus one period a message here may be [seconds] and still
be the same message (the rtmidi stamp is anchored on the first message's arrival, which can be
late by the reading thread's delay)."""
_ACTIVE_SENSE = b"\xfe"  # rtmidi's inputs ignore these (MidiCapture.start); so does take()
_JACK_CAPTURE_LATENCY = 0  # JackCaptureLatency in jack_latency_callback_mode_t


def match(queue: collections.deque, data: bytes, *, near: float,
          period_s: float) -> tuple[float | None, int]:
    """Take ``data``'s time from ``queue`` (``(time, bytes)`` in order).

    Messages older than :data:`STALE_S` before ``near`` are dropped first (rtmidi never
    delivered them), and active sensing (which rtmidi's inputs ignore) with them. ``data``'s
    is the first entry of the same message not later than ``near`` plus one period (and
    :data:`MATCH_SLACK_S`). The entries before it are messages that reached rtmidi before
    ``data`` did (both read the same port buffers, in the same order) but were not here when
    rtmidi's was taken (this client's cycle ran after the reading thread, on a loaded
    machine): they kept rtmidi's stamp, and are dropped now. Kept, they would stand at the
    front and let no later message match for :data:`STALE_S` (under two CPU hogs 35 of 110
    messages kept rtmidi's stamps so, in session 36). Without such an entry nothing is taken.

    Returns
    -------
    (float or None, int)
        The time [seconds], or None; and how many messages were dropped (stale, or passed).
    """
    dropped = 0
    latest = near + period_s + MATCH_SLACK_S
    try:
        while queue and (queue[0][0] < near - STALE_S or queue[0][1][:1] == _ACTIVE_SENSE):
            if queue.popleft()[1][:1] != _ACTIVE_SENSE:
                dropped += 1
        k = 0
        while k < len(queue):  # by index: JACK's thread may append meanwhile
            t, b = queue[k]
            if t > latest:
                break
            if b == data:
                for _ in range(k):
                    if queue.popleft()[1][:1] != _ACTIVE_SENSE:
                        dropped += 1
                return queue.popleft()[0], dropped
            k += 1
    except IndexError:  # emptied meanwhile by JackMidiTimes.connect in another thread
        pass
    return None, dropped


def passed(queue: collections.deque, *, near: float, period_s: float) -> bool:
    """Whether ``queue`` holds a message later than any of the cycle stamped ``near``: this
    client has read past that cycle, so a message of it that is not here was missed."""
    try:
        return bool(queue) and queue[-1][0] > near + period_s + MATCH_SLACK_S
    except IndexError:
        return False


class JackMidiTimes:
    """A JACK client with one MIDI input port per recorded port, reading the frame of each message.

    Parameters
    ----------
    n_ports : int
        How many ports (one per recorded MIDI port, in the MIDI capture's order).
    server_name : str, optional
        JACK server (None: the default one). It must be the server of every other JACK client of
        this process that uses the system's libjack (PortAudio's): two servers in one libjack
        crash it.
    client_name : str
        Name of this JACK client; its ports are ``t1``, ``t2`` ...

    Raises
    ------
    ImportError, OSError, jack.JackError
        No JACK-Client package, no JACK library, or no server.
    """

    def __init__(self, *, n_ports: int, server_name: str | None, client_name: str) -> None:
        import jack

        self._lib = libjack()
        self.client = jack.Client(client_name, no_start_server=True, servername=server_name)
        self._ptr = int(jack._ffi.cast("uintptr_t", self.client._ptr))
        self.rate = float(self.client.samplerate)
        self.period_s = self.client.blocksize / self.rate
        self.ports = [self.client.midi_inports.register(f"t{i + 1}") for i in range(n_ports)]
        self._port_ptrs = [int(jack._ffi.cast("uintptr_t", p._ptr)) for p in self.ports]
        #: per port: (counter seconds, bytes) of each message, in order (deque's append and
        #: popleft are atomic: JACK's thread appends, the reading thread takes, no lock)
        self.queues: list[collections.deque] = [collections.deque() for _ in self.ports]
        #: per port: the capture latency of its connection [seconds]
        self.latency_s = [0.0] * n_ports
        #: messages here that no rtmidi message took (see :data:`STALE_S`)
        self.unmatched = 0
        #: times the reader waited for this client's callback (:meth:`take`)
        self.waits = 0
        self.server_gone = False
        #: True when the JACK thread did not end at :meth:`stop_reading`: the client is then
        #: left as it is, never deactivated (:mod:`improv.capture.jack_cycle_thread`)
        self.left_running = False
        #: False once :meth:`stop_reading` or :meth:`close` ran: nothing more comes in
        self.reading = True
        self._closed = False
        self._f2t = self._lib.jack_frames_to_time
        self._pairs = list(zip(self.queues, self.ports, strict=True))
        self.client.set_shutdown_callback(self._on_shutdown)
        self._thread = activate_with_cycles(self.client, self._process)

    @property
    def cycles(self) -> int:
        """JACK cycles this client has read so far."""
        return self._thread.cycles

    # JACK's real-time thread: the GIL for a few microseconds per message
    def _process(self, frames: int) -> None:
        base = None
        for q, port in self._pairs:
            for offset, buf in port.incoming_midi_events():
                if base is None:
                    base = self._f2t(self._ptr, self.client.last_frame_time) * 1e-6
                q.append((base + offset / self.rate, bytes(buf)))

    def _on_shutdown(self, status, reason) -> None:  # JACK's notification thread
        self.server_gone = True

    # -- the MIDI capture's threads ---------------------------------------------------------

    def connect(self, i: int, source: str) -> bool:
        """Connect port ``i`` to the JACK port ``source`` (e.g. ``kb1:out``); False if JACK
        refused (the source's messages then keep rtmidi's stamps)."""
        port = self.ports[i]
        self.queues[i].clear()
        try:
            if source not in {p.name for p in self.client.get_all_connections(port)}:
                self.client.connect(source, port)
        except Exception as exc:  # noqa: BLE001 - jack.JackError, or a port gone meanwhile:
            # a frame time is never worth a recording that does not start
            log.debug("frame times of %s: not connected (%s)", source, exc)
            return False
        rng = LatencyRange()
        self._lib.jack_port_get_latency_range(self._port_ptrs[i], _JACK_CAPTURE_LATENCY,
                                              ctypes.byref(rng))
        self.latency_s[i] = rng.min / self.rate
        return True

    def clear(self, i: int) -> None:
        """Forget what port ``i`` has seen so far (messages from before rtmidi's port for the
        same source opened, which rtmidi will never deliver)."""
        self.queues[i].clear()

    def take(self, i: int, data: bytes, *, near: float, wait: bool = False,
             may_wait: bool | None = None) -> float | None:
        """The counter time [seconds] of the frame at which message ``data`` reached port ``i``.

        Parameters
        ----------
        i : int
            The port.
        data : bytes
            The message as rtmidi delivered it.
        near : float [seconds, counter]
            rtmidi's stamp of it (the start of its cycle, give or take the reading delay).
        wait : bool
            Nothing here yet: wait until it is, for at most two of this client's cycles (three
            periods), since rtmidi's client may have run its cycle before this one. Only from a
            thread that may wait (not a JACK callback).
        may_wait : bool, optional
            Whether this thread may wait at all (default: ``wait``). With ``wait`` False (the
            port's last message was missed here: this client may be gone from its source) it
            still waits while this client's queue holds messages of cycles not later than
            ``data``'s: it reads, a cycle behind the reading thread (a loaded machine).

        Returns
        -------
        float or None
            None when this client did not see the message (a missed cycle, or not connected).
        """
        q = self.queues[i]
        t, dropped = match(q, data, near=near, period_s=self.period_s)
        if may_wait is None:
            may_wait = wait
        if (t is None and (wait or (may_wait and q)) and self.reading and not self.server_gone
                and not passed(q, near=near, period_s=self.period_s)):
            # until the message is there, or two cycles have ended (this client may be a cycle
            # behind rtmidi's); also after a miss while this client still reads (its queue
            # holds messages), a cycle behind the reading thread on a loaded machine
            self.waits += 1
            c0, deadline = self.cycles, time.monotonic() + 3 * self.period_s + 0.005
            while self.cycles < c0 + 2 and time.monotonic() < deadline:
                time.sleep(0.0005)
                t, more = match(q, data, near=near, period_s=self.period_s)
                dropped += more
                if t is not None or passed(q, near=near, period_s=self.period_s):
                    break
        self.unmatched += dropped
        return None if t is None else t - self.latency_s[i]

    def clock_matches(self, counter, *, tolerance_s: float = 0.005) -> bool:
        """True if JACK's clock (``jack_get_time``) reads the same as ``counter`` [seconds].

        The session clock counts ``CLOCK_MONOTONIC_RAW``, which is JACK's on Linux; a server
        started with another clock source (``jackd -c``) would not match, and its frame times
        are not to be used. (libjack's clock is set up when its first client opens: calling it
        before crashes.)
        """
        return abs(self._lib.jack_get_time() * 1e-6 - counter()) < tolerance_s

    def stop_reading(self) -> None:
        """Stop reading and deactivate the client, keeping what it has read for :meth:`take`;
        idempotent.

        Its JACK thread is asked to end first and the client deactivated only once it has
        (:mod:`improv.capture.jack_cycle_thread`); a thread that did not end in time leaves the
        client as it is (:attr:`left_running`). The MIDI capture calls this before it closes
        rtmidi's ports: python-rtmidi holds the GIL while JACK unregisters a port, and the server
        waits for every client's cycle meanwhile, so this client's work waiting for the GIL then
        could stall the graph."""
        if not self.reading:
            return
        self.reading = False
        if self.server_gone:
            return
        if not self._thread.stop():
            self.left_running = True
            log.debug("frame-time client: its JACK thread did not end; left as it is")
            return
        try:
            self.client.deactivate()
        except Exception as exc:  # noqa: BLE001 - the server may be gone already
            log.debug("frame-time client: deactivating failed (%s)", exc)

    def leave(self) -> None:
        """Stop reading without asking the JACK server anything (it does not answer): its
        thread is asked to end (no request to the server) and the client is left as it is, never
        deactivated or closed (:meth:`close` then leaves it alone)."""
        if self.reading:
            self.reading = False
            if not self.server_gone and not self._thread.stop():
                self.left_running = True
        self.server_gone = True  # treated as gone: nothing more is asked of the server

    def close(self) -> None:
        """Leave the JACK graph (idempotent); after its server went away, or when its thread did
        not end, the client is left as it is, as :meth:`improv.capture.jack_watch.
        JackSourceWatch.close` does."""
        if self._closed:
            return
        self._closed = True
        self.stop_reading()
        leave_jack(self.client, untouched=self.server_gone or self.left_running)

"""MIDI capture with python-rtmidi callbacks, stamped on the session clock.

Real-time contract
------------------
In the default ``queue`` mode rtmidi's backend thread (for JACK: the JACK
process thread of the MIDI server, real-time priority) only copies each
message and its backend delta into rtmidi's C++ queue: no Python, no GIL.
A Python thread drains the queues (every ``poll_interval_s`` = 4 ms when
idle: 1 ms cost 4 % of a core in polling alone) and calls
:meth:`MidiCapture._on_message`.  With python-rtmidi
callbacks (``mode="callback"``) the JACK thread has to take the GIL for
every message, and the GIL may be held by a thread that the scheduler has
pre-empted (priority inversion): under CPU load the JACK client then misses
its cycle and JACK drops that cycle's MIDI (measured in 2,000 messages/s
bursts: callback mode lost 10 of 120,000 in one run and 0 in another, a bare
python-rtmidi callback receiver 86 and 43, queue mode 0).  The time stamps do not suffer from the
polling: they follow the backend's own times (below).

:meth:`MidiCapture._on_message` reads the session clock, does a few float
operations and puts one tuple on the session writer's queue; no I/O, no
logging; under JACK it takes one lock, shared with the monitor thread only for
the few microseconds of deciding on a held repeat (below).  If the writer's
queue holds more than ``max_queue`` items (a stalled disk), the message is not
queued but *counted* (``midi_queue_overflows`` in the manifest's ``midi.counters``), and so is a
full rtmidi queue (rtmidi's warning): the loss is stored, never silent.

Time stamps
-----------
Each port's first message is anchored on arrival: ``t = clock.now()`` in the
callback.  For later messages rtmidi passes the backend's delta time (JACK:
``jack_get_time`` at the process cycle; ALSA: the sequencer's event time);
its running sum ``b`` is the backend's own clock for that port.  The stamp
is ``t = b + offset``, where ``offset`` tracks the lower envelope of
``arrival - b``: it drops at once to a smaller value and rises by at most
``relax_ppm`` per second (clock drift).  Messages taken late (the GIL held by
another thread, a busy CPU) therefore do not move the stamp, and ``t <= arrival``
always.  One taken more than ``max_correction_s`` late is either held up (a
starved reading thread: the messages after it are taken in time again) or a sign
that the backend's clock jumped (they are not): the backend is trusted until the
lateness has lasted ``jump_confirm_s`` of arrivals or exceeds ``max_late_s``; then
the stamp is ``max_correction_s`` before the arrival, and the offset follows the
lower envelope from there (docs/recording.md).
The raw delta is stored beside ``t`` (``delta_s``; empty for a port's first
message, where rtmidi always reports 0).

Stamps at the frame
-------------------
rtmidi's JACK backend times a message by its cycle, up to one period before its frame.  Under
JACK (``frame_times``) a client of the capture's own, :class:`improv.capture.jack_midi_times.
JackMidiTimes`, reads the same sources for the frame of each message; the drain thread takes the
message from rtmidi as above and its time from there, converted to the session clock.  A message
that client did not see (a missed cycle, a source not connected to it) keeps the stamp above.
The end of the recording journals ``midi_stamps`` (how many of each).

Lost ports
----------
:meth:`MidiCapture.poll` (called by the recorder's monitor thread, not a
callback) compares the ports that exist with the ports being recorded.  A
port that vanished is journaled as ``device_lost``; when a port of the same
name appears again it is re-opened, journaled as ``device_back`` with the
gap, and its first message is anchored anew.

Repeats at a loss
-----------------
JACK hands an input port the buffer of the one output port connected to it.  When the source's
client stops running its process callback while its port is still there (a client killed, hung,
or about to unregister its port), that buffer is not written again and the next cycle delivers
its last cycle's messages again, every cycle until the port goes (bench/bench_device_loss.py:
in 5 of 30 port unregistrations, and always when the source stalled first; see
docs/reliability.md).  Under JACK, therefore, a cycle of messages
(rtmidi deltas under :data:`CYCLE_GAP_S` apart) that repeats the previous cycle exactly is
*held* (stamped, not yet queued): the port's next cycle, or :data:`REPEAT_HOLD_S` without the
port being lost, releases it; the port's loss drops it and journals ``duplicate_dropped``
(``t``, ``port``, ``player``, ``messages``; counted as ``midi_duplicates_dropped``).  Held
messages reach the writer one cycle later (identical cycles in a row, such as MIDI clock, up to
:data:`REPEAT_HOLD_S` later); their stamps do not change.

A JACK server that dies leaves rtmidi's client behind as a zombie that still
lists the old ports, so polling cannot notice it: the recorder hears it from
its JACK watch and calls :meth:`MidiCapture.server_stopped`, which journals
every port lost and ends the polling (a port of the zombie client would look
present and be "re-opened" on a server that is not there).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from improv.capture.devices import MidiPort, jack_server, open_midi_in, same_port_name
from improv.capture.setups import PlayerInput

log = logging.getLogger(__name__)

LEFT_OPEN: list = []
"""rtmidi objects of a JACK server that did not answer at the stop, kept referenced for good:
closing or freeing one would wait for that server with the GIL held (:meth:`MidiCapture.stop`)."""

RTMIDI_QUEUE = 16384
"""rtmidi's queue per port in queue mode [messages] (8 s of a 2,000 messages/s burst)."""
CYCLE_GAP_S = 0.0005
"""Largest rtmidi delta [seconds] between two messages of one JACK cycle (its backend stamps
every message of a cycle within microseconds; cycles are at least 0.67 ms apart)."""
MAX_CYCLE_S = 0.1
"""Longest JACK period [seconds] (4096 frames at 44.1 kHz: 93 ms): only a cycle this soon after
the one it repeats can be a re-delivery."""
REPEAT_HOLD_S = 0.3
"""Longest time [seconds] an exact repeat of a cycle is held before it counts as played.  JACK's
port-registration callback makes the recorder notice a lost port within its 0.1 s monitor tick;
a stream of identical cycles (MIDI clock) reaches the writer this much later, which a crash of
the recorder may add to what it loses (at most 0.3 s + the 0.5 s flush interval)."""
MAX_QUEUE = 500_000
"""Writer queue depth [items] above which MIDI messages are counted, not queued
(about 4 minutes of a 2,000 messages/s burst with no disk progress)."""


@dataclass
class MidiPortState:
    """Live state of one recorded MIDI port (read by the display)."""

    player: str
    port_name: str
    index: int
    #: the input is a drum kit (declared so in the session: ``midi.ports[].percussion``)
    percussion: bool = False
    #: the port's place in the capture's list (its frame-time port)
    slot: int = 0
    midi_in: Any = None
    connected: bool = False
    first: bool = True
    backend_s: float = 0.0
    offset_s: float = 0.0
    last_arrival_s: float = 0.0
    #: arrival of the first of the messages taken more than ``max_correction_s`` late in a row
    late_since: float | None = None
    events: int = 0
    last_note: int | None = None
    overflows: int = 0
    backend_errors: int = 0
    lost_at: float | None = None
    gaps: list = field(default_factory=list)
    #: the source port's name as listed when it was (re-)opened, and our port's short name
    source: str | None = None
    short_name: str = ""
    #: messages (bytes) of the port's latest JACK cycle and of the one before
    cycle: list = field(default_factory=list)
    prev_cycle: list = field(default_factory=list)
    #: stamped messages (t, data, delta_s) repeating the previous cycle, not yet queued
    held: list = field(default_factory=list)
    held_since: float = 0.0
    duplicates: int = 0
    #: messages stamped at their JACK frame, and at their cycle only (frame times module notes)
    frame_stamped: int = 0
    cycle_stamped: int = 0
    #: the last message was not seen there (its source not connected to it, or a missed cycle)
    frame_missed: bool = False
    #: the latest stamp queued for the writer [seconds] (None before the first)
    last_t: float | None = None


class MidiCapture:
    """Record MIDI input ports into a session.

    Parameters
    ----------
    writer : sessions.writer.SessionWriter
    clock : SessionClock
        ``now()`` -> seconds since session start.
    inputs : list of (PlayerInput, MidiPort)
        Resolved ports (see :func:`improv.capture.devices.match_midi_port`).
    api : str, optional
        rtmidi API name the ports were listed with.
    jack_server_name : str, optional
        JACK server for the MIDI clients.
    client_name : str
        MIDI client name (JACK client / ALSA client).
    max_queue : int [items]
        See the module docstring.
    relax_ppm : float [1e-6 s/s]
        Largest upward drift rate of the backend-to-session offset.
    max_correction_s : float [seconds]
        A message taken later than this after the backend's time (beyond the lower envelope)
        is either held up (a starved reading thread) or the sign of a backend clock jump.
    jump_confirm_s : float [seconds]
        Messages taken more than ``max_correction_s`` late for this long (of arrivals) mean
        the backend's clock jumped, or the reading thread is held back for long: the stamps
        follow the arrivals again (``max_correction_s`` before them).
    max_late_s : float [seconds]
        A message taken later than this is a jump at once.
    mode : {"queue", "callback"}
        ``queue``: rtmidi's backend thread queues messages in C++ (no Python,
        no GIL in the JACK process thread) and a Python thread drains the
        queue every ``poll_interval_s``; ``callback``: rtmidi calls Python for
        every message in its backend thread.  See the module docstring.
    poll_interval_s : float [seconds]
        Drain period in ``queue`` mode when the queues are empty.
    queue_size : int [messages]
        rtmidi's queue per port in ``queue`` mode; a full queue makes rtmidi
        warn, which is counted as a queue overflow.
    repeat_hold_s : float [seconds]
        Longest time an exact repeat of a JACK cycle is held (module notes, "Repeats at a
        loss").
    frame_times : bool
        Under JACK, stamp each message at its frame rather than at its cycle (module notes,
        "Stamps at the frame"). Only where no other JACK server is used in this process.
    """

    def __init__(self, *, writer, clock, inputs: list[tuple[PlayerInput, MidiPort]],
                 api: str | None = None, jack_server_name: str | None = None,
                 client_name: str = "improv", max_queue: int = MAX_QUEUE,
                 relax_ppm: float = 500.0, max_correction_s: float = 0.020,
                 jump_confirm_s: float = 0.5, max_late_s: float = 0.5,
                 mode: str = "queue", poll_interval_s: float = 0.004,
                 queue_size: int = RTMIDI_QUEUE,
                 repeat_hold_s: float = REPEAT_HOLD_S, frame_times: bool = False) -> None:
        if mode not in ("queue", "callback"):
            raise ValueError(f"mode must be 'queue' or 'callback', got {mode!r}")
        self.mode = mode
        self.poll_interval_s = float(poll_interval_s)
        self.queue_size = int(queue_size)
        self._drainer: threading.Thread | None = None
        self._halt = threading.Event()
        self.writer = writer
        self.clock = clock
        self.api = api
        self.jack_server_name = jack_server_name
        self.client_name = client_name
        self.max_queue = int(max_queue)
        self.relax = float(relax_ppm) * 1e-6
        self.max_correction_s = float(max_correction_s)
        self.jump_confirm_s = float(jump_confirm_s)
        self.max_late_s = float(max_late_s)
        self.ports = [MidiPortState(player=i.player, port_name=p.name, index=p.index, slot=n,
                                    percussion=i.percussion)
                      for n, (i, p) in enumerate(inputs)]
        self._lister = None
        self._server_gone = False
        #: repeats of a JACK cycle are held (JACK re-delivers a stalled source's last cycle)
        self._guard = "jack" in str(api).lower()
        self.repeat_hold_s = float(repeat_hold_s)
        self._hold_lock = threading.Lock()
        self.last_error: str | None = None
        self.frame_times = bool(frame_times)
        self._times = None  # JackMidiTimes, once started

    # -- set-up -------------------------------------------------------------------------

    def start(self) -> None:
        """Open every port (declaring it in the session) and start the callbacks.

        Every rtmidi object (a JACK client each) is created before the first
        port opens: creating a JACK client blocks in the server while this
        thread holds the GIL, so the callbacks of ports already open would
        miss JACK cycles (measured: 41 % of a 1,000 messages/s stream lost
        while a thread created clients every 50 ms).
        """
        for st in self.ports:
            self.writer.add_midi_input(st.port_name, player=st.player,
                                       device={"api": self.api, "index": st.index},
                                       percussion=st.percussion)
            st.midi_in, _ = open_midi_in(api=self.api, client_name=self.client_name,
                                         jack_server_name=self.jack_server_name,
                                         queue_size_limit=self.queue_size)
            st.midi_in.ignore_types(sysex=False, timing=False, active_sense=True)
        self._lister, _ = open_midi_in(api=self.api, client_name=f"{self.client_name}-watch",
                                       jack_server_name=self.jack_server_name)
        # the frame-time client is wired before rtmidi's ports, so that the first message played
        # once a port is connected is seen there too (and stamped at its frame); what it saw
        # before rtmidi's port opened is cleared
        if self.frame_times and self._guard:
            self._start_times()
        for n, st in enumerate(self.ports):
            self._open(st, st.index, n)
            if self._times is not None:
                self._times.clear(n)
        if self.mode == "queue":
            self._drainer = threading.Thread(target=self._drain, name="improv-midi-drain",
                                             daemon=True)
            self._drainer.start()

    def _start_times(self) -> None:
        """Open the frame-time client and connect it to every port's source; without it (no
        JACK-Client, another clock), messages keep rtmidi's cycle stamps."""
        from improv.capture.clock import COUNTER_NAME
        from improv.capture.jack_midi_times import JackMidiTimes

        if getattr(self.clock, "counter_name", None) != COUNTER_NAME:
            log.debug("MIDI frame times: the session clock is not JACK's")
            return
        try:
            times = JackMidiTimes(n_ports=len(self.ports), server_name=self.jack_server_name,
                                  client_name=f"{self.client_name}-frames")
        except Exception as exc:  # noqa: BLE001 - ImportError, OSError, jack.JackError
            log.warning("MIDI is stamped at its JACK cycle (up to one period early): %s", exc)
            return
        if not times.clock_matches(lambda: self.clock.start_counter + self.clock.now()):
            log.warning("MIDI is stamped at its JACK cycle: the JACK server's clock is not %s "
                        "(jackd -c)", COUNTER_NAME)
            times.close()
            return
        self._times = times
        names = self._lister.get_ports()
        for n, st in enumerate(self.ports):
            source = next((x for x in names if same_port_name(x, st.port_name)), None)
            if source is not None:
                self._times.connect(n, source)

    def _open(self, st: MidiPortState, index: int, n: int | None = None) -> None:
        # Re-use the port's rtmidi object (see start); set the callback anew,
        # as closing a port may have cancelled it.
        n = self.ports.index(st) if n is None else n
        try:
            st.midi_in.cancel_callback()
        except Exception:  # noqa: BLE001 - no callback set yet
            pass
        if self.mode == "callback":
            st.midi_in.set_callback(self._on_message, st)
        st.midi_in.set_error_callback(self._on_error, st)
        with jack_server(self.jack_server_name):
            st.short_name = f"{st.player}-in{n + 1}"
            st.midi_in.open_port(index, name=st.short_name)
        st.cycle, st.prev_cycle = [], []  # a returning source is not compared with the old
        st.first = True
        st.connected = True

    @property
    def last_t(self) -> float | None:
        """The latest stamp of any message queued for the writer [seconds] (None if none was)."""
        stamps = [st.last_t for st in self.ports if st.last_t is not None]
        return max(stamps) if stamps else None

    def close_intake(self) -> int:
        """Let nothing more come in, while the other inputs still record (JACK only).

        Every source is disconnected from rtmidi's port that records it, through the
        frame-time client (whose ports are connected to the same sources; JACK-Client calls
        libjack without the GIL, so the audio callbacks go on meanwhile). The ports themselves
        close in :meth:`stop`, after the audio: python-rtmidi holds the GIL while JACK
        unregisters a port (see :meth:`improv.capture.jack_midi_times.JackMidiTimes.
        stop_reading`). What rtmidi took in before stays queued for :meth:`stop`. Without the
        frame-time client (not JACK, a MIDI server of its own, ``midi_stamps="cycle"``) nothing
        is done: the ports take messages in until they close.

        Returns
        -------
        int
            Connections undone.
        """
        times = self._times
        if times is None or times.server_gone or not times.reading:
            return 0
        undone = 0
        for n, st in enumerate(self.ports):
            if st.midi_in is None or not st.connected or not st.short_name:
                continue
            try:
                sources = times.client.get_all_connections(times.ports[n])
                for source in sources:
                    # the input lock lets one recorder only record a source: a port of that
                    # source with this port's name is rtmidi's port of this capture
                    for dest in times.client.get_all_connections(source):
                        if dest.name.endswith(f":{st.short_name}"):
                            times.client.disconnect(source, dest)
                            undone += 1
            except Exception as exc:  # noqa: BLE001 - a port gone meanwhile: it closes in stop
                log.debug("MIDI intake of %s not closed early: %s", st.port_name, exc)
        return undone

    def stop(self, *, end: float | None = None, leave_open: bool = False) -> None:
        """Close every port and store the counters (also when zero).

        Parameters
        ----------
        end : float [seconds], optional
            The session's end, where the gap of a port that never came back ends (default:
            now).
        leave_open : bool
            The JACK server does not answer (:meth:`improv.capture.jack_watch.JackSourceWatch.
            close_within`): what rtmidi queued is taken, but no port is closed and no client
            left, since python-rtmidi would wait for the server holding the GIL (every thread of
            the process would stop); they are kept in :data:`LEFT_OPEN`.
        """
        now = self.clock.now() if end is None else float(end)
        for st in self.ports:
            if st.lost_at is not None and st.lost_at < now:  # never back: a gap to the end
                st.gaps.append((st.lost_at, now))
                self.writer.report("midi_gap", t=st.lost_at, end=now, port=st.port_name,
                                   player=st.player)
        self._halt.set()
        if self._drainer is not None:
            self._drainer.join(timeout=5)
            self._drainer = None
        if self._times is not None:
            # no Python JACK callback of this process runs while rtmidi's ports close (see
            # JackMidiTimes.stop_reading); what it has read still stamps the messages drained
            if leave_open:
                self._times.leave()
            else:
                self._times.stop_reading()
        for st in self.ports:
            if st.midi_in is not None:
                try:
                    st.midi_in.cancel_callback()
                    if not leave_open:
                        st.midi_in.close_port()
                    if self.mode == "queue":
                        self._drain_port(st)  # what arrived before the port closed
                    if leave_open:
                        LEFT_OPEN.append(st.midi_in)
                    else:
                        st.midi_in.delete()
                except Exception as exc:  # noqa: BLE001 - closing a dead port
                    log.debug("closing MIDI port: %s", exc)
                st.midi_in = None
        for st in self.ports:  # the recording ends, not the source: what is held was played
            self._release(st)
        if self._lister is not None:
            if leave_open:
                LEFT_OPEN.append(self._lister)
            else:
                self._lister.delete()
            self._lister = None
        if self._times is not None:
            self.writer.report("midi_stamps", t=now, at="jack_frame",
                               frame=sum(st.frame_stamped for st in self.ports),
                               cycle=sum(st.cycle_stamped for st in self.ports),
                               unmatched=self._times.unmatched, waits=self._times.waits)
            self._times.close()
            self._times = None
        count = getattr(self.writer, "count", None)
        overflows = sum(st.overflows for st in self.ports)
        errors = sum(st.backend_errors for st in self.ports)
        if count is not None:
            count("midi_queue_overflows", overflows)
            count("midi_backend_errors", errors)
            count("midi_duplicates_dropped", sum(st.duplicates for st in self.ports))
        else:  # pragma: no cover - older sessions package
            self.writer._journal("count", name="midi_queue_overflows", n=overflows)
            self.writer._journal("count", name="midi_backend_errors", n=errors)

    # -- per message (drain thread, or rtmidi's thread in callback mode) ----------------

    def _on_message(self, message, st: MidiPortState) -> None:
        arrival = self.clock.now()
        data, delta = message
        new_cycle = st.first or delta >= CYCLE_GAP_S
        if st.first:
            st.first = False
            st.backend_s = 0.0
            st.offset_s = arrival
            st.late_since = None
            t = arrival
            d = None
        else:
            st.backend_s += delta
            off = arrival - st.backend_s
            offset = st.offset_s + (arrival - st.last_arrival_s) * self.relax
            if off < offset:
                offset = off
                st.late_since = None
            elif off - offset > self.max_correction_s:
                # taken later than the bound: the reading thread was held up (the messages
                # after it are taken in time again) or the backend's clock jumped (they are not)
                if st.late_since is None:
                    st.late_since = arrival
                if (off - offset > self.max_late_s
                        or arrival - st.late_since >= self.jump_confirm_s):
                    # a jump, or a reading thread held back for long (the GIL, a loaded
                    # machine): at most max_correction_s before the arrival, as it was
                    # taken, then the lower envelope again
                    offset = off - self.max_correction_s
                    st.late_since = None
            else:
                st.late_since = None
            st.offset_s = offset
            t = st.backend_s + offset
            d = delta
        st.last_arrival_s = arrival
        if self._times is not None:
            t = self._at_frame(st, data, t)
        if not self._guard:
            self._emit(st, t, data, d)
            return
        with self._hold_lock:
            if new_cycle:
                # a held cycle that repeats the one before whole may be followed by more
                # copies (a source stalled for several cycles); anything else was played
                if not (st.held and st.cycle == st.prev_cycle and delta < MAX_CYCLE_S):
                    self._release_held(st)
                st.prev_cycle, st.cycle = st.cycle, []
            st.cycle.append(bytes(data))
            k = len(st.cycle)
            if ((st.held or (new_cycle and k == 1 and delta < MAX_CYCLE_S))
                    and k <= len(st.prev_cycle) and st.prev_cycle[k - 1] == st.cycle[-1]):
                if not st.held:
                    st.held_since = arrival
                st.held.append((t, data, d))  # so far the previous cycle again
                return
            self._release_held(st)
            self._emit(st, t, data, d)

    def _at_frame(self, st: MidiPortState, data, t: float) -> float:
        """The session time of the frame at which ``data`` came (``t``, rtmidi's cycle stamp,
        when the frame-time client did not see it)."""
        start = self.clock.start_counter
        # the reading thread may be ahead of the frame-time client's callback of the same cycle:
        # wait for it, unless the port's last message was not seen there either and the client
        # holds nothing of that port now (JackMidiTimes.take)
        try:
            s = self._times.take(st.slot, bytes(data), near=start + t,
                                 wait=self.mode == "queue" and not st.frame_missed,
                                 may_wait=self.mode == "queue")
        except Exception as exc:  # noqa: BLE001 - a frame time is never worth the message
            log.debug("frame time of a MIDI message: %s", exc)
            s = None
        st.frame_missed = s is None
        if s is None:
            st.cycle_stamped += 1
            return t
        st.frame_stamped += 1
        return s - start

    def source_back(self, st: MidiPortState, source: str) -> None:
        """``st``'s source ``source`` came back and was connected again by someone else (the
        JACK source watch): connect the frame-time port too."""
        if self._times is not None:
            self._times.connect(st.slot, source)

    def _emit(self, st: MidiPortState, t: float, data, d: float | None) -> None:
        if self.writer.queue_depth > self.max_queue:
            st.overflows += 1
            return
        self.writer.midi(t, player=st.player, port=st.port_name, data=data, delta_s=d)
        st.events += 1
        if st.last_t is None or t > st.last_t:
            st.last_t = t
        if len(data) >= 3 and data[0] & 0xF0 == 0x90 and data[2]:
            st.last_note = data[1]

    # -- held repeats (drain, monitor and, in callback mode, rtmidi's thread: under the lock) --

    def _release_held(self, st: MidiPortState) -> None:
        held, st.held = st.held, []
        for t, data, d in held:
            self._emit(st, t, data, d)

    def _release(self, st: MidiPortState, *, older_than: float | None = None) -> None:
        """Queue what ``st`` holds (all, or only if held since before ``older_than`` [s])."""
        with self._hold_lock:
            if st.held and (older_than is None or st.held_since < older_than):
                self._release_held(st)

    def release_stale(self, now: float) -> None:
        """Queue repeats held longer than ``repeat_hold_s`` (their port is still there)."""
        for st in self.ports:
            if st.held:
                self._release(st, older_than=now - self.repeat_hold_s)

    def drop_repeat(self, st: MidiPortState, *, at: float) -> int:
        """``st``'s source went away at ``at`` [s]: drop a held exact repeat of its last cycle.

        Repeats held whole (copies of the cycle before, each complete) are dropped and
        journaled as ``duplicate_dropped``; anything else held is queued.  Returns the messages
        dropped.
        """
        with self._hold_lock:
            held = st.held
            if not held or st.cycle != st.prev_cycle:
                self._release_held(st)
                return 0
            st.held = []
            st.cycle = []  # what follows the loss is compared with nothing
            st.duplicates += len(held)
        self.writer.report("duplicate_dropped", t=held[0][0], input="midi", port=st.port_name,
                           player=st.player, messages=len(held), lost_at=at)
        log.debug("MIDI port %s: %d repeated messages dropped at its loss", st.port_name,
                  len(held))
        return len(held)

    def _on_error(self, kind, message, st: MidiPortState) -> None:
        text = str(message)
        if "queue limit" in text or "overflow" in text.lower():
            st.overflows += 1  # rtmidi's own queue was full: messages were dropped
        else:
            st.backend_errors += 1
        self.last_error = text

    # -- drain thread (queue mode) ------------------------------------------------------

    def _drain_port(self, st: MidiPortState) -> bool:
        got = False
        m = st.midi_in
        while m is not None:
            msg = m.get_message()
            if msg is None:
                break
            self._on_message(msg, st)
            got = True
        return got

    def _drain(self) -> None:
        while not self._halt.is_set():
            busy = False
            for st in self.ports:
                if st.connected:
                    try:
                        busy |= self._drain_port(st)
                    except Exception as exc:  # noqa: BLE001 - a port being re-opened
                        log.debug("draining %s: %s", st.port_name, exc)
            if not busy:
                if self._guard:
                    self.release_stale(self.clock.now())
                self._halt.wait(self.poll_interval_s)

    # -- monitor thread -----------------------------------------------------------------

    def report_back(self, st: MidiPortState, *, start: float, now: float) -> None:
        """Journal that ``st``'s port is recording again after a gap from ``start`` to ``now``
        (``device_back`` and a ``midi_gap``); also used by the JACK source watch."""
        st.gaps.append((start, now))
        self.writer.report("device_back", t=now, input="midi", port=st.port_name,
                           player=st.player, gap_start=start, gap_s=now - start)
        self.writer.report("midi_gap", t=start, end=now, port=st.port_name, player=st.player)

    def _lose(self, st: MidiPortState, now: float, reason: str | None = None) -> None:
        st.connected = False
        st.lost_at = now
        try:
            st.midi_in.close_port()
        except Exception:  # noqa: BLE001
            pass
        self.drop_repeat(st, at=now)
        extra = {} if reason is None else {"reason": reason}
        self.writer.report("device_lost", t=now, input="midi", port=st.port_name,
                           player=st.player, **extra)

    def server_stopped(self, *, at: float) -> list[MidiPortState]:
        """The (JACK) MIDI server went away at ``at`` [s]: every port is lost for good.

        Journals ``device_lost`` for each port still recording and stops :meth:`poll`; the
        ports' gaps run to the end of the session (:meth:`stop`).  Returns those ports.
        """
        self._server_gone = True  # its client is a zombie: it lists ports that are not there
        if self._times is not None:
            self._times.server_gone = True  # not to be closed (JackMidiTimes.close)
        lost = [st for st in self.ports if st.connected]
        for st in lost:
            self._lose(st, at, reason="MIDI server stopped")
        return lost

    def poll(self) -> list[tuple[str, MidiPortState]]:
        """Check which ports vanished or came back; returns the changes.

        Each change is ``("lost" | "back", state)``; both are journaled.
        """
        if self._lister is None or self._server_gone:
            return []
        if self._guard and self.mode == "callback":  # (the drain thread does it in queue mode)
            self.release_stale(self.clock.now())
        try:
            names = self._lister.get_ports()
        except Exception as exc:  # noqa: BLE001 - the MIDI system itself went away
            log.debug("listing MIDI ports failed: %s", exc)
            names = []
        changes = []
        now = self.clock.now()
        for st in self.ports:
            match = next((i for i, n in enumerate(names) if same_port_name(n, st.port_name)), None)
            if st.connected and match is None:
                self._lose(st, now)
                changes.append(("lost", st))
            elif not st.connected and match is not None:
                st.source = names[match]
                if self._times is not None:  # wired first, as in start()
                    self._times.connect(st.slot, names[match])
                try:
                    self._open(st, match)
                except Exception as exc:  # noqa: BLE001 - try again at the next poll
                    log.debug("re-opening %s failed: %s", st.port_name, exc)
                    continue
                if self._times is not None:
                    self._times.clear(st.slot)
                self.report_back(st, start=st.lost_at if st.lost_at is not None else now, now=now)
                st.lost_at = None
                changes.append(("back", st))
        return changes

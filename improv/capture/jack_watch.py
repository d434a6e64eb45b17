"""Keep the recorder's JACK inputs connected to their sources.

Under JACK, the recorder's audio inputs are the input ports of PortAudio's JACK client
(``<client>-audio:in_<k>``) and its MIDI inputs those of rtmidi's
(``<client>-midi:<player>-in<k>``), connected to the instruments' output ports. When an
instrument's JACK client goes away (a USB interface bridged with ``zita-a2j`` or ``a2jmidid``
unplugged, a network source that drops) its ports vanish and JACK removes their connections:

- audio goes on in silence: no callback stops, so nothing else notices;
- MIDI: the MIDI capture polls the port *names* every 0.5 s and re-opens a port that went
  missing, but a client that restarts faster than that keeps its names, and its new ports would
  stay unconnected for the rest of the session.

:class:`JackSourceWatch` learns which source ports feed each of our input ports (polled from the
recorder's monitor thread) and hears from JACK, in its notification thread, when a client or a
port goes away. A source that went away is reported lost and connected again as soon as a port
of that name exists again; a source that is still the same port but no longer connected was
disconnected on purpose and is left alone. For MIDI a source that is *missing* is left to the
MIDI capture (which reports it and re-opens its port); the watch only steps in when the name
came back before the capture noticed. When the capture re-opens a port for a returning source it
tells the watch (:meth:`JackSourceWatch.expect`), which connects the two if rtmidi's own
connection failed: JACK refuses to connect a port whose client is not active yet, and a source
registers its port before it activates, so a port seen in that moment was re-opened unconnected
and recorded nothing for the rest of the session (bench/bench_device_loss.py: 1 to 2 in 30
returns). The watch has its own JACK client, without a process callback, so nothing of it runs
in the real-time thread.

Which JACK clients are the MIDI capture's: rtmidi opens one JACK client per port, all asking
for the same name (``improv-midi``), and JACK makes each name unique by appending ``-01``,
``-02`` ... (python-rtmidi 1.5.8 on jackd 1.9, checked: three ports of one process are
``improv-midi:client-in1``, ``improv-midi-01:client-in2``, ``improv-midi-02:client-in3``; a
second improv process, such as the web app's input check, gets the next free suffix).  So the
watch is told the capture's ports as (source, short port name) and finds their clients among
``improv-midi`` and ``improv-midi-NN`` (:meth:`JackSourceWatch.is_midi`): the port of that
short name fed by the source is ours (rtmidi connected it when it opened it).  Another
process's port of the same short name and source (its input check of the same instrument)
leaves the port unfollowed until it can be told apart, rather than following a port that is
not ours.  Before, only a client named exactly ``improv-midi`` was followed: a
recording's second MIDI port never was, and another process's first port was taken for ours.
"""

from __future__ import annotations

import collections
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from improv.capture.jack_cycle_thread import abandon_client

log = logging.getLogger(__name__)

EXPECT_S = 10.0
"""How long [seconds] the watch tries to connect a re-opened MIDI port to its source."""


def quiet_libjack() -> None:
    """Silence libjack's own messages (they go to stderr otherwise), without calling Python.

    libjack prints to stderr from every client of the process (PortAudio's, rtmidi's, the
    watch's): a server that dies gives dozens of lines such as "Server is not running" in the
    middle of the recorder's output, while the recorder says itself what was lost. The setting
    is libjack's, for the whole process; with ``--debug`` (log level DEBUG) nothing changes and
    the raw lines are printed.

    The silencing function is C's ``strlen`` (it takes the message and does nothing with it),
    never a Python callback: libjack calls its message function from its own threads as a
    server dies and cancels some of them (``pthread_cancel``) meanwhile; a thread cancelled
    while it waited for Python's global interpreter lock left the lock's mutex held and froze
    the whole recorder at its stop (about one server stop in eight, with the native stacks to
    show it).
    """
    if log.isEnabledFor(logging.DEBUG):
        return
    import ctypes.util
    import glob
    import importlib.util

    try:  # a C function that takes a ``const char *`` and has no effect (its result unused)
        silent = ctypes.cast(ctypes.CDLL(None).strlen, ctypes.c_void_p)
    except (OSError, TypeError, AttributeError):  # no C library to look in (Windows)
        return
    paths = [ctypes.util.find_library("jack")]  # JACK-Client's and PortAudio's (one copy)
    # python-rtmidi's wheels bring their own copy of libjack (python_rtmidi.libs), whose
    # settings are its own
    spec = importlib.util.find_spec("rtmidi")
    if spec is not None and spec.submodule_search_locations:
        site = Path(next(iter(spec.submodule_search_locations))).parent
        paths += glob.glob(str(site / "python_rtmidi*" / "libjack*.so*"))
    for path in filter(None, paths):
        try:
            lib = ctypes.CDLL(path)
            for setter in (lib.jack_set_error_function, lib.jack_set_info_function):
                setter.argtypes, setter.restype = [ctypes.c_void_p], None
                setter(silent)
        except (OSError, AttributeError) as exc:
            log.debug("libjack at %s left as it is: %s", path, exc)


def leave_jack(client, *, untouched: bool) -> None:
    """Deactivate and close a JACK-Client ``client``, or with ``untouched`` leave it as it is
    (a client whose server went away, :meth:`JackSourceWatch.close` says why; one whose real-time
    thread did not end, :mod:`improv.capture.jack_cycle_thread`), its pointer cleared so that
    the garbage collector does not close it either."""
    if untouched:
        abandon_client(client)
        return
    try:
        client.deactivate()
        client.close()
    except Exception:  # noqa: BLE001 - the server may be gone already
        pass


@dataclass(frozen=True)
class SourceChange:
    """One change seen by :meth:`JackSourceWatch.poll`.

    Attributes
    ----------
    kind : str — ``"lost"`` or ``"back"``
    source : str — the instrument's port (e.g. ``"mic:out_1"``)
    port : str — our input port it feeds (e.g. ``"improv-audio:in_1"``)
    lost_at : float [seconds, the watch's clock] — when it went away (JACK's notification), or
        when a poll first found it missing
    """

    kind: str
    source: str
    port: str
    lost_at: float


class JackSourceWatch:
    """Notices lost sources of our JACK input ports and re-connects them when they return.

    Parameters
    ----------
    own_client : str
        Name of the JACK client whose audio input ports are watched (PortAudio's, e.g.
        ``improv-audio``).
    server_name : str or None
        JACK server (``None``: the default one).
    client_name : str
        Name of the watch's own JACK client.
    midi_client : str or None
        Name the MIDI capture asks JACK for its clients (rtmidi's, e.g. ``improv-midi``), whose
        sources are only re-connected when they came back before the MIDI capture noticed.
    midi_ports : iterable of (str, str), optional
        The MIDI capture's ports as (source port, short name of our port), e.g. ``("kb1:out",
        "client-in1")``: their JACK clients are found (module notes).  Without them only the
        client named exactly ``midi_client`` is followed.
    clock : callable or None
        Time source [seconds] for :attr:`SourceChange.lost_at` (the session clock); called in
        JACK's notification thread. Default ``time.monotonic``.

    Raises
    ------
    ImportError, OSError, jack.JackError
        No JACK-Client package, no JACK library, or no server: the caller goes on without a
        watch.
    """

    def __init__(self, *, own_client: str, server_name: str | None, client_name: str,
                 midi_client: str | None = None,
                 midi_ports: Iterable[tuple[str, str]] | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        import jack

        self._jack = jack
        self.clock = clock or time.monotonic
        self.prefix = own_client + ":"
        self.midi_prefix = None if midi_client is None else midi_client + ":"
        #: the MIDI capture's JACK clients found so far, and its ports not placed yet
        self.midi_clients: set[str] = set()
        self.midi_unplaced: list[tuple[str, str]] = []
        if midi_client is not None:
            if midi_ports is None:
                self.midi_clients.add(midi_client)
            else:
                self.midi_unplaced = list(midi_ports)
        self.known: dict[str, set[str]] = {}  # our port -> the source ports that feed it
        self.lost: dict[tuple[str, str], float] = {}  # (source, our port) -> lost at
        self.pending_midi: dict[tuple[str, str], float] = {}  # went away, capture may handle
        #: (source, short name of our MIDI port) -> when: re-opened by the capture, to be
        #: connected if rtmidi's connection failed
        self.expected: dict[tuple[str, str], float] = {}
        self._gone: collections.deque = collections.deque()  # (client or port name, is_client, t)
        #: set by JACK's notification thread when a port or client comes or goes: the recorder
        #: polls at once instead of waiting for its next port poll (0.5 s; messages played
        #: after a source's return were lost meanwhile)
        self.changed = threading.Event()
        #: when the JACK server went away [seconds, the watch's clock], or None
        self.server_gone_at: float | None = None
        #: when JACK reported an xrun (a cycle some client did not finish in time: JACK drops
        #: that cycle's MIDI of the clients after it, and audio may overflow) [seconds]
        self._xruns: collections.deque = collections.deque()
        self._closed = False
        self.client = jack.Client(client_name, no_start_server=True, servername=server_name)
        #: one JACK cycle [seconds]: what an xrun can lose at most, per input
        self.period_s = self.client.blocksize / self.client.samplerate
        self.client.set_shutdown_callback(self._on_shutdown)
        self.client.set_xrun_callback(self._on_xrun)
        self.client.set_client_registration_callback(self._on_client)
        self.client.set_port_registration_callback(self._on_port)
        self.client.activate()
        self.client.get_ports()  # so that ports unregistered later still come with their name
        self.place_midi_ports()

    def place_midi_ports(self) -> None:
        """Find the JACK clients of the MIDI ports not placed yet (module notes); a port whose
        client cannot be told apart now (or whose source is away) is looked for again at the
        next poll."""
        if not self.midi_unplaced or self.midi_prefix is None:
            return
        base = re.compile(re.escape(self.midi_prefix[:-1]) + r"(?:-\d+)?")
        inputs = self.client.get_ports(is_input=True)
        for source, short in list(self.midi_unplaced):
            named = {p.name: {q.name for q in self.client.get_all_connections(p)}
                     for p in inputs if p.name.endswith(":" + short)
                     and base.fullmatch(p.name[:-len(short) - 1])}
            found = [n for n, fed in named.items() if source in fed]
            if len(found) == 1:
                self.midi_clients.add(found[0][:-len(short) - 1])
                self.midi_unplaced.remove((source, short))
            else:
                log.debug("MIDI port %s of %s: its JACK client is not told apart among %s",
                          short, source, sorted(named))

    def is_midi(self, port: str) -> bool:
        """Whether JACK port ``port`` (``improv-midi-01:client-in2``) is one of the MIDI
        capture's."""
        return port.split(":", 1)[0] in self.midi_clients

    # JACK's notification thread: only note what happened (no JACK calls allowed here)
    def _on_shutdown(self, status, reason: str) -> None:
        if self.server_gone_at is None:
            self.server_gone_at = self.clock()

    def _on_xrun(self, delayed_usecs: float) -> None:
        self._xruns.append(self.clock())

    def take_xruns(self) -> list[float]:
        """Times of the xruns since the last call [seconds, the watch's clock], oldest first."""
        out = []
        while self._xruns:
            out.append(self._xruns.popleft())
        return out

    def _on_client(self, name: str, register: bool) -> None:
        if not register:
            self._gone.append((name, True, self.clock()))
        self.changed.set()

    def _on_port(self, port, register: bool) -> None:
        if not register and port is not None:
            self._gone.append((port.name, False, self.clock()))
        self.changed.set()

    def _went_away(self) -> dict[str, float]:
        """Sources that went away since the last poll -> when (the first time)."""
        gone: dict[str, float] = {}
        sources = {s for feeding in self.known.values() for s in feeding}
        while self._gone:
            name, is_client, t = self._gone.popleft()
            for s in sources:
                if (s.split(":", 1)[0] == name) if is_client else (s == name):
                    gone.setdefault(s, t)
        return gone

    def poll(self, now: float) -> list[SourceChange]:
        """Compare the graph with what was seen before; re-connect sources that came back.

        Parameters
        ----------
        now : float [seconds, the watch's clock]

        Returns
        -------
        list of SourceChange
            A MIDI source re-connected by the watch gives its ``lost`` and ``back`` together.
        """
        self.changed.clear()  # before reading the graph: a change from now on polls again
        if self.server_gone_at is not None:
            return []  # the server is gone: nothing to compare, nobody to re-connect
        c = self.client
        self.place_midi_ports()
        gone = self._went_away()
        existing = {p.name for p in c.get_ports()}
        changes: list[SourceChange] = []
        ours = [p for p in c.get_ports(is_input=True)
                if p.name.startswith(self.prefix) or self.is_midi(p.name)]
        feeding_now: dict[str, set[str]] = {}
        for port in ours:
            midi = self.is_midi(port.name)
            feeding = {p.name for p in c.get_all_connections(port)}
            feeding_now[port.name] = feeding
            for source in self.known.get(port.name, set()) - feeding:
                if source not in gone and source in existing:
                    continue  # the same port, disconnected on purpose: let it be
                at = gone.get(source, now)
                if midi:
                    self.pending_midi[(source, port.name)] = at
                else:
                    self.lost[(source, port.name)] = at
                    changes.append(SourceChange("lost", source, port.name, at))
            self.known[port.name] = feeding
        for (source, port), at in list(self.pending_midi.items()):
            if port not in existing or source in feeding_now.get(port, set()):
                del self.pending_midi[(source, port)]  # the MIDI capture re-opened its port
            elif source in existing and self._connect(source, port):
                del self.pending_midi[(source, port)]
                changes += [SourceChange("lost", source, port, at),
                            SourceChange("back", source, port, at)]
        self._check_expected(existing, now)
        for (source, port), at in list(self.lost.items()):
            if source not in existing or port not in existing:
                continue
            if source in feeding_now.get(port, set()) or self._connect(source, port):
                del self.lost[(source, port)]  # (or someone else re-connected it)
                changes.append(SourceChange("back", source, port, at))
        return changes

    def expect(self, source: str, port: str, *, at: float) -> None:
        """The MIDI capture re-opened its port ``port`` (short name, e.g. ``client-in1``) for
        ``source`` at ``at`` [seconds]: see that they are connected (module notes)."""
        if self.midi_prefix is not None:
            self.expected[(source, port)] = at

    def _check_expected(self, existing: set[str], now: float) -> None:
        """Connect re-opened MIDI ports to their sources where rtmidi could not; an expectation
        is given up after :data:`EXPECT_S`."""
        if not self.expected:
            return
        mine = [p for p in self.client.get_ports(is_input=True) if self.is_midi(p.name)]
        for (source, short), at in list(self.expected.items()):
            port = next((p for p in mine if p.name.endswith(":" + short)), None)
            if port is None or source not in existing:
                if now - at > EXPECT_S:
                    del self.expected[(source, short)]
                continue
            connected = {p.name for p in self.client.get_all_connections(port)}
            if source in connected or self._connect(source, port.name):
                del self.expected[(source, short)]
        if self.expected:  # e.g. the source's client not active yet: look again at once
            self.changed.set()

    def _connect(self, source: str, port: str) -> bool:
        try:
            self.client.connect(source, port)
        except self._jack.JackError as exc:  # e.g. not ready yet: the next poll tries again
            log.debug("re-connecting %s -> %s: %s", source, port, exc)
            return False
        self.known.setdefault(port, set()).add(source)
        return True

    def close(self) -> None:
        """Leave the JACK graph (idempotent).

        After its server went away (:attr:`server_gone_at`) the client is left as it is, never
        deactivated or closed: the recorder froze in ``jack_deactivate`` on such a client
        (about one server stop in eight, before libjack's message function was made a C one,
        :func:`quiet_libjack`), and nothing is gained by closing a client of a dead server. Its
        pointer is cleared so that the garbage collector does not close it either.
        """
        if self._closed:
            return
        self._closed = True
        leave_jack(self.client, untouched=self.server_gone_at is not None)

    def close_within(self, timeout_s: float) -> bool:
        """:meth:`close` in a daemon thread, waited for at most ``timeout_s`` [seconds].

        A JACK server that fell behind (a client of it frozen for seconds, or extreme load) may
        stop answering requests for a long time (``jack_deactivate`` waited 20-70 s, and for
        ever under ``jackd -v``, after the recorder was frozen for 5 s): the client is then left
        to that thread. Returns True if it was closed in time, False if the server did not answer.
        """
        worker = threading.Thread(target=self.close, name="close-jack-watch", daemon=True)
        worker.start()
        worker.join(timeout_s)
        return not worker.is_alive()

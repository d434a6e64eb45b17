"""Live recording: several MIDI ports and audio devices on one session clock.

:class:`Recorder` resolves the player inputs to devices
(:func:`improv.capture.plan.resolve_inputs`, so that a wrong name fails before a session
exists), creates the session, starts one
:class:`~improv.capture.midi.MidiCapture` for all MIDI ports and one
:class:`~improv.capture.audio.AudioCapture` per audio device, and runs a
monitor thread that

* turns audio callback times into clock anchors and refills buffer pools,
* polls the MIDI ports for devices that vanished or came back,
* watches free disk space (a ``disk_low`` warning below ``disk_warn_bytes``,
  a clean stop below ``disk_stop_bytes``) and the writer's error (a failed
  write stops the recording cleanly, keeping what was flushed),

and stops on request (``q``, Ctrl-C, ``--duration``, a fault) by closing the
streams and finalising the session.

Threads: audio and MIDI callbacks (stamp, copy, enqueue), the session
writer's thread (all file I/O), the monitor thread, and the caller's thread
(display, keys, :meth:`Recorder.run`).
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any, Callable

from improv.capture.audio import CLOSE_TIMEOUT_S, AudioCapture
from improv.capture.clock import SessionClock
from improv.capture.devices import DEFAULT_JACK_CLIENT, init_portaudio, list_audio_devices
from improv.capture.jack_recording import JackRecording
from improv.capture.live_status import (
    AwayInputs,
    Marks,
    back_text,
    disk_left,
    health,
    note_name,
    system_back_text,
    system_stopped_text,
    unplugged_text,
    xrun_text,
)
from improv.capture.midi import MidiCapture
from improv.capture.plan import resolve_inputs
from improv.capture.setups import PlayerInput
from improv.errors import ParameterError
from sessions import scratch
from sessions.errors import StoreError, StoreWriteError
from sessions.writer import disk_free_bytes

log = logging.getLogger(__name__)

DISK_WARN_BYTES = 2_000_000_000
"""Free space [bytes] below which a ``disk_low`` warning is journaled
(about 90 minutes of two 48 kHz float channels)."""
SWITCH_INTERVAL_S = 0.0005
"""GIL switch interval [seconds] while recording (Python's default is 5 ms)."""
RESERVE_BYTES = 4 * 1024**2
"""Disk space [bytes] kept back for finalising (manifest, SMF, catalog)."""
REINIT_AFTER_FAILURES = 2
"""Failed reopens of every lost audio device before PortAudio is re-initialised."""
REINIT_INTERVAL_S = 10.0
"""Least time [seconds] between two re-initialisations of PortAudio while recording."""
DISK_STOP_BYTES = 250_000_000
"""Free space [bytes] below which the recording stops cleanly, leaving room
to finalise (SMF, manifest, catalog)."""


class Recorder(JackRecording):
    """One live recording session.

    Parameters
    ----------
    store : sessions.store.Store
    client : str
        Client pseudonym code (never logged at info level).
    inputs : list of PlayerInput
    therapist : str, optional
    setup_name : str, optional
        Stored in the manifest's settings.
    title : str, optional
        The session's title.
    clock : SessionClock, optional
        Injected for tests; a new :class:`SessionClock` by default.
    midi_api, audio_api : str, optional
        rtmidi API name; PortAudio host API name substring (e.g. ``JACK``).
    jack_server, jack_midi_server : str, optional
        JACK server names (MIDI may use a separate one).
    sr : int [Hz], optional
        Audio sample rate (the device default if None).
    blocksize : int [frames]
        Audio block size (0: the host's choice).
    disk_warn_bytes, disk_stop_bytes : int [bytes]
        Free-space thresholds (see the module docstring).
    disk_free : callable, optional
        ``f(path) -> free bytes``; :func:`sessions.writer.disk_free_bytes` by default.
    poll_interval_s : float [seconds]
        Monitor period.
    port_poll_s : float [seconds]
        How often MIDI ports are checked for loss and return.
    flush_interval_s : float [seconds]
        Longest time between journal flushes (at most 1 s: what a crash may lose).
    reserve_bytes : int [bytes]
        Disk space held in a reserve file (``<store>/tmp/reserve-<id>``) while
        recording and released before finalising, so that a session can be
        completed even when the disk filled up.
    midi_mode : {"queue", "callback"}
        How MIDI leaves rtmidi (see :mod:`improv.capture.midi`).
    midi_stamps : {"frame", "cycle"}
        Under JACK, stamp MIDI at its frame (:mod:`improv.capture.jack_midi_times`; not when
        MIDI has a JACK server of its own) or at its cycle, as rtmidi does.
    """

    def __init__(self, *, store, client: str, inputs: list[PlayerInput],
                 therapist: str | None = None, setup_name: str | None = None,
                 title: str | None = None, clock: SessionClock | None = None,
                 midi_api: str | None = None,
                 audio_api: str | None = None, jack_server: str | None = None,
                 jack_midi_server: str | None = None, sr: int | None = None,
                 blocksize: int = 0, disk_warn_bytes: int = DISK_WARN_BYTES,
                 disk_stop_bytes: int = DISK_STOP_BYTES,
                 disk_free: Callable[[Any], int] | None = None, poll_interval_s: float = 0.1,
                 port_poll_s: float = 0.5, flush_interval_s: float = 0.5,
                 reserve_bytes: int = RESERVE_BYTES, midi_mode: str = "queue",
                 midi_stamps: str = "frame", jack_client_name: str = DEFAULT_JACK_CLIENT) -> None:
        if disk_stop_bytes > disk_warn_bytes:
            raise ParameterError(
                f"disk_stop_bytes ({disk_stop_bytes}) must not exceed disk_warn_bytes "
                f"({disk_warn_bytes})"
            )
        self.store = store
        self.client = client
        self.inputs = list(inputs)
        self.therapist = therapist
        self.setup_name = setup_name
        self.title = title
        self._locks = None  # an InputLocks while recording
        self._c_stderr = False  # the C libraries' stderr routed (capture.c_stderr.route_on)
        self.marks = Marks()  # the markers and notes placed
        self.clock = clock
        self.midi_api = midi_api
        self.audio_api = audio_api
        self.jack_server = jack_server
        self.jack_midi_server = jack_midi_server
        self.sr = sr
        self.blocksize = blocksize
        self.disk_warn_bytes = int(disk_warn_bytes)
        self.disk_stop_bytes = int(disk_stop_bytes)
        self.disk_free = disk_free or disk_free_bytes
        self.poll_interval_s = poll_interval_s
        self.port_poll_s = port_poll_s
        self.flush_interval_s = flush_interval_s
        self.jack_client_name = jack_client_name
        self.reserve_bytes = int(reserve_bytes)
        if midi_mode not in ("queue", "callback"):
            raise ParameterError(f"midi_mode must be 'queue' or 'callback', got {midi_mode!r}")
        self.midi_mode = midi_mode
        if midi_stamps not in ("frame", "cycle"):
            raise ParameterError(f"midi_stamps must be 'frame' or 'cycle', got {midi_stamps!r}")
        self.midi_stamps = midi_stamps
        self._reserve = None  # a sessions.scratch.Claim while recording
        self._watch = None  # a JackSourceWatch while recording through JACK
        self._xruns: list[float] = []  # when JACK reported xruns [seconds, session clock]
        self._changes: list[float] = []  # when an input went away or came back [seconds]
        self._period_s: float | None = None  # JACK's cycle when it reported them [seconds]
        self._jack_server_lost = False
        self._jack_silent = False  # the JACK server did not answer at the stop
        self._source_lost: dict[tuple[str, str], float] = {}
        self._away = AwayInputs()  # one word per unplug or return, whichever watcher saw it
        self._next_reinit = 0.0
        self.writer = None
        self.midi: MidiCapture | None = None
        self.audio: list[AudioCapture] = []
        self.stop_reason: str | None = None
        self.free_bytes: int | None = None
        self.disk_warned = False
        self.warnings: list[str] = []
        self.markers = 0
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._stopped_at: float | None = None
        self._lock = threading.Lock()
        self.manifest: dict | None = None

    # -- life cycle ----------------------------------------------------------------------

    @property
    def players(self) -> list[str]:
        out: list[str] = []
        for i in self.inputs:
            if i.player not in out:
                out.append(i.player)
        return out

    def start(self) -> "Recorder":
        """Resolve the devices, create the session and start every capture.

        Raises
        ------
        sessions.errors.StoreWriteError
            If the store's disk has less free space than ``disk_stop_bytes`` already (a
            recording would stop at once: a 0.1 s session was made before).
        """
        from improv.capture.devices import quiet_native_stderr

        self._check_room()
        # probing prints ALSA's and libjack's complaints about systems that are absent; what
        # failed is in the error this raises (the raw lines with --debug)
        with quiet_native_stderr(enabled=not log.isEnabledFor(logging.DEBUG)):
            plan = resolve_inputs(
                self.inputs, midi_api=self.midi_api, audio_api=self.audio_api,
                jack_server=self.jack_server, jack_midi_server=self.jack_midi_server,
                jack_client_name=self.jack_client_name,
            )
        from improv.capture.c_stderr import route_on, wanted
        from improv.capture.inputlock import InputLocks, input_names

        self._locks = InputLocks(self.store.root, input_names(plan))
        # PortAudio's and ALSA's C lines when a device goes away go to the debug log
        self._c_stderr = route_on() if wanted(plan) else False
        try:
            self._create(plan)
        except BaseException:
            self._release_locks()
            raise
        self._start_watch()
        self._check_disk()
        # Callbacks wait for the GIL: let other threads hand it over within
        # 0.5 ms instead of Python's 5 ms (longer than a small JACK period).
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, SWITCH_INTERVAL_S))
        self._monitor = threading.Thread(target=self._monitor_loop, name="improv-monitor",
                                         daemon=True)
        self._monitor.start()
        return self

    def _create(self, plan) -> None:
        """Create the session and start every capture of ``plan``."""
        self.clock = self.clock or SessionClock()
        started = getattr(self.clock, "started_utc", None)
        settings = {
            "setup": self.setup_name,
            "inputs": [i.spec for i in self.inputs],
            "clock": self.clock.describe() if hasattr(self.clock, "describe") else {},
            "midi_api": plan.midi_api,
            "audio_api": self.audio_api,
            "jack_server": self.jack_server,
            "jack_midi_server": self.jack_midi_server,
            "disk_warn_bytes": self.disk_warn_bytes,
            "disk_stop_bytes": self.disk_stop_bytes,
            "midi_mode": self.midi_mode,
            "midi_stamps": self.midi_stamps,
        }
        self.writer = self.store.create_session(
            client=self.client, players=self.players, therapist=self.therapist,
            started=started, settings=settings, flush_interval=self.flush_interval_s,
            title=self.title,
        )
        log.info("recording session %s", self.writer.id)
        self._reserve = scratch.reserve_space(self.store.tmp_dir, f"reserve-{self.writer.id}",
                                      self.reserve_bytes)
        try:
            if plan.midi:
                self.midi = MidiCapture(
                    writer=self.writer, clock=self.clock, inputs=plan.midi, api=plan.midi_api,
                    jack_server_name=self.jack_midi_server or self.jack_server,
                    client_name=f"{self.jack_client_name}-midi", mode=self.midi_mode,
                    # a JACK-Client beside PortAudio's on another server would crash libjack
                    frame_times=(self.midi_stamps == "frame"
                                 and self.jack_midi_server in (None, self.jack_server)),
                )
                self.midi.start()
            for ap in plan.audio:
                cap = AudioCapture(
                    writer=self.writer, clock=self.clock, device=ap.device, channels=ap.channels,
                    players=ap.players, name=ap.name, sr=self.sr, blocksize=self.blocksize,
                )
                cap.start()
                self.audio.append(cap)
        except BaseException:
            self._shutdown("start_failed")
            raise

    @property
    def session_id(self) -> str | None:
        return None if self.writer is None else self.writer.id

    def request_stop(self, reason: str) -> None:
        """Ask :meth:`run` to stop (any thread; the first reason wins)."""
        with self._lock:
            if self.stop_reason is None:
                self.stop_reason = reason
                self._stopped_at = self.clock.now()
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for a stop request; True if one came."""
        return self._stop.wait(timeout)

    def run(self, *, duration_s: float | None = None,
            on_tick: Callable[["Recorder"], None] | None = None,
            tick_s: float = 0.2) -> dict:
        """Record until a stop request or ``duration_s``; then finalise.

        Ctrl-C (KeyboardInterrupt) stops and finalises too.

        Returns
        -------
        dict
            The final manifest.
        """
        try:
            while not self._stop.is_set():
                if duration_s is not None and self.clock.now() >= duration_s:
                    self.request_stop("duration")
                    break
                if on_tick is not None:
                    on_tick(self)
                wait = tick_s
                if duration_s is not None:
                    wait = min(wait, max(0.0, duration_s - self.clock.now()))
                self._stop.wait(wait)
        except KeyboardInterrupt:
            self.request_stop("interrupted")
        return self.stop()

    def stop(self, reason: str = "stopped") -> dict:
        """Stop every capture and finalise the session; returns the manifest."""
        self.request_stop(reason)
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(timeout=5)
        return self._shutdown(self.stop_reason or reason)

    def _shutdown(self, reason: str) -> dict:
        if self.manifest is not None:
            return self.manifest
        if getattr(self, "_switch", None) is not None:
            sys.setswitchinterval(self._switch)
            self._switch = None
        end = self._stopped_at if self._stopped_at is not None else self.clock.now()
        # the JACK watch leaves the graph first: its notification callbacks need the GIL,
        # which closing an rtmidi port holds while the server notifies every client of the
        # port going (MidiCapture.stop says why that waits for ever)
        if self._watch is not None:
            if self.writer is not None:
                self._note_xruns(until=end)
                if len(self._xruns) > 1:
                    self._warn(xrun_text(self._xruns, period_s=self._watch.period_s,
                                         changes=self._changes))
            # the first request to the JACK server at the stop: one that fell behind may not
            # answer for a long time (session 36: 20-70 s after the recorder was frozen for
            # 5 s), and then nothing of JACK is closed, so that the stop still ends in time
            silent = not self._watch.close_within(CLOSE_TIMEOUT_S)
            self._watch = None
            if silent and self.writer is not None:
                self._jack_silent = True
                log.warning("the JACK server did not answer within %.0f s at the stop; its "
                            "clients are left open", CLOSE_TIMEOUT_S)
                self.writer.report("jack_not_answering", t=end, waited_s=CLOSE_TIMEOUT_S)
                self._warn(jack_silent_text())
        silent = self._jack_silent
        midi_jack = self.midi is not None and "jack" in str(self.midi.api).lower()
        # MIDI stops coming in before the audio stops (under JACK its sources are disconnected
        # now; its ports close after the audio's, see MidiCapture.close_intake), so that the
        # audio, still recording meanwhile, covers every message kept
        if self.midi is not None and not (silent and midi_jack):
            self.midi.close_intake()
        for cap in self.audio:
            cap.stop(leave_open=silent and cap.on_jack)
        end = self._recorded_end(end)
        if self.midi is not None:
            self.midi.stop(end=end, leave_open=silent and midi_jack)
            end = self._recorded_end(end)
        if self.writer is None:
            self._release_locks()
            return {}
        for (source, port), lost_at in self._source_lost.items():  # never came back
            st = self._midi_state(source, port)
            if st is not None:
                self.writer.report("midi_gap", t=lost_at, end=end, port=st.port_name,
                                   player=st.player)
            else:
                self.writer.report("source_gap", t=lost_at, end=end, source=source, port=port,
                                   name=self._jack_input_name())
        self._source_lost.clear()
        for cap in self.audio:  # a device still away: its input ends early
            if cap.stalled and cap.lost_at is not None:
                self.writer.report("source_gap", t=cap.lost_at, end=end, source=cap.device.name,
                                   port=None, name=cap.name)
        # the recording's health as the display said it last, with the samples lost: the
        # record keeps it (a single sound card overflow is a note, not a warning)
        final = health(audio=self.audio, midi_ports=self.midi.ports if self.midi else [],
                       lost=[], xruns=list(self._xruns), period_s=self._period_s,
                       changes=list(self._changes))
        self.writer.report("health", t=end, healthy=final["healthy"], line=final["line"],
                           overflows=final["overflows"], lost_frames=final["lost_frames"],
                           lost_s=final["lost_s"])
        self.writer.report("stop", t=end, reason=reason)
        if self.warnings:
            self.writer.report("warnings", t=end, messages=list(self.warnings))
        if self._reserve is not None:  # give the reserved space back for finalising
            self._reserve.release()
            self._reserve = None
        try:
            self.manifest = self.writer.finalize(duration_s=end)
        except StoreError as exc:
            self._release_locks()
            raise StoreWriteError(
                f"session {self.writer.id} could not be completed ({exc}); its journals are "
                "kept and it is recovered at the next start of improv once there is space"
            ) from exc
        self._release_locks()
        return self.manifest

    def _recorded_end(self, end: float) -> float:
        """The session's end [seconds]: the stop ``end`` or, if later, the end of what the
        inputs still recorded while they closed (review 31, L1; session 36).

        An audio input records until its stream stops, some 0.03-0.05 s after the stop was
        asked (the JACK watch leaves first); a MIDI port takes messages in until its intake
        closes. So that no sample and no message lies past the session's end, the end is the
        latest of the stop, each audio file's end on the clock and the last MIDI message
        (never later than now).
        """
        ends = [end] + [cap.end_t for cap in self.audio if cap.end_t is not None]
        if self.midi is not None and self.midi.last_t is not None:
            ends.append(self.midi.last_t)
        return min(max(ends), max(end, self.clock.now()))

    def _release_locks(self) -> None:
        if self._locks is not None:
            self._locks.release()
        if getattr(self, "_c_stderr", False):
            from improv.capture.c_stderr import route_off

            self._c_stderr = False
            route_off()

    # -- annotations -------------------------------------------------------------------

    def marker(self, *, t: float | None = None, text: str = "", kind: str = "marker") -> float:
        """Drop a marker (``kind="marker"``) or a note (``kind="note"``) at ``t``.

        ``t`` [seconds] defaults to now; for a note pass the time its key was
        pressed, not when its text was finished.  Returns ``t``.
        """
        if kind not in ("marker", "note"):
            raise ParameterError(f"kind must be 'marker' or 'note', got {kind!r}")
        t = self.clock.now() if t is None else float(t)
        aid = self.writer.marker(t, text=text, kind=kind, by=self.therapist)
        self.markers += 1
        self.marks.add(aid, t=t, kind=kind, text=text)
        return t

    def edit_marker(self, annotation_id: str, *, text: str) -> dict[str, Any]:
        """Change the text of a marker or note placed in this recording (see
        :meth:`improv.capture.live_status.Marks.edit`)."""
        return self.marks.edit(annotation_id, text=text, writer=self.writer, by=self.therapist)

    # -- monitor thread ----------------------------------------------------------------

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _check_room(self) -> None:
        """Refuse to start on a disk that has less free space than the stop threshold."""
        from sessions.errors import StoreWriteError

        try:
            free = int(self.disk_free(self.store.root))
        except OSError:
            return
        if free < self.disk_stop_bytes:
            raise StoreWriteError(
                f"only {free / 1e6:.0f} MB free on the disk of the store; a recording stops "
                f"below {self.disk_stop_bytes / 1e6:.0f} MB (free some space, or choose "
                "another store)", parameter="disk_stop_mb")

    def _check_disk(self) -> None:
        try:
            free = int(self.disk_free(self.writer.folder))
        except OSError:
            return
        self.free_bytes = free
        now = self.clock.now()
        if free < self.disk_warn_bytes and not self.disk_warned:
            self.disk_warned = True
            self.writer.report("disk_low", t=now, free_bytes=free,
                               warn_bytes=self.disk_warn_bytes, stop_bytes=self.disk_stop_bytes)
            self._warn(f"disk space low: {free / 1e6:.0f} MB free")
        if free < self.disk_stop_bytes:
            self.writer.report("warning", t=now, what="disk_full_stop", free_bytes=free)
            self._warn(f"stopped: only {free / 1e6:.0f} MB free")
            self.request_stop("disk_low")

    def _reinit_audio(self, now: float) -> None:
        """Find lost audio devices that came back under a new PortAudio index.

        PortAudio lists devices only when it is initialised (a USB interface plugged in again
        on macOS or Windows is not seen before), and re-initialising it closes every stream of
        the process.  So it is done only when every audio input is lost (none has a stream
        left), each has failed :data:`REINIT_AFTER_FAILURES` reopens by its old index, no
        input uses PortAudio's JACK host API (terminating PortAudio after its JACK server died
        aborts the process), and not more often than every :data:`REINIT_INTERVAL_S`.  Each
        device is then looked up by its name and host API and opened under its new index.
        """
        caps = self.audio
        if (not caps or now < self._next_reinit
                or not all(c.stalled and c.reopenable and c.stream is None
                           and c.reopen_failures >= REINIT_AFTER_FAILURES for c in caps)):
            return
        self._next_reinit = now + REINIT_INTERVAL_S
        try:
            init_portaudio(jack_server_name=self.jack_server,
                           jack_client_name=f"{self.jack_client_name}-audio")
            devices = list_audio_devices()
        except Exception as exc:  # noqa: BLE001 - PortAudio gone: try again later
            log.warning("re-initialising PortAudio: %s", exc)
            return
        self.writer.report("audio_reinit", t=now, devices=len(devices))
        for cap in caps:
            same = [d for d in devices if d.name == cap.device.name
                    and d.hostapi == cap.device.hostapi and d.input_channels >= cap.channels]
            if not same:
                continue
            if cap.reopen(device=same[0]):
                log.info("audio input %s: device found again as PortAudio device %d",
                         cap.name, same[0].index)

    def _monitor_loop(self) -> None:
        next_port = 0.0
        next_source = 0.0
        next_disk = 0.0
        while not self._stop.wait(self.poll_interval_s):
            try:
                now = self.clock.now()
                for cap in self.audio:
                    was = cap.stalled
                    cap.tick(now)
                    if cap.stalled and not was:
                        self._changes.append(now)
                        if self._away.gone(cap.device.name):
                            # gone with the desktop's sound system: nothing to plug in
                            self._warn(system_stopped_text(cap.device.name,
                                                           system=cap.lost_system, at=now)
                                       if cap.lost_system and cap.reopenable else
                                       unplugged_text(cap.device.name, at=now,
                                                      picked_up=cap.reopenable))
                    elif was and not cap.stalled:
                        self._changes.append(now)
                        if self._away.back(cap.device.name):
                            self._warn(system_back_text(cap.device.name,
                                                        system=cap.lost_system, at=now)
                                       if cap.lost_system else
                                       back_text(cap.device.name, at=now))
                self._reinit_audio(now)
                self._check_jack_server()
                # a port registered or gone (JACK's callback): look now, not at the next poll
                changed = self._watch is not None and self._watch.changed.is_set()
                if self.midi is not None and (now >= next_port or changed):
                    next_port = now + self.port_poll_s
                    for change, st in self.midi.poll():
                        self._changes.append(now)
                        name = self._source_name(st.port_name)
                        if change == "lost":
                            if self._away.gone(name):
                                self._warn(unplugged_text(name, at=now))
                        else:
                            if self._away.back(name):
                                self._warn(back_text(name, at=now))
                            if self._watch is not None:  # rtmidi may not have connected it
                                self._watch.expect(st.source, st.short_name, at=now)
                if self._watch is not None and (now >= next_source or changed):
                    next_source = now + self.port_poll_s
                    self._poll_watch(now)
                if now >= next_disk:
                    next_disk = now + 1.0
                    self._check_disk()
                if self.writer.error is not None:
                    self._warn(f"writing failed: {self.writer.error}")
                    self.request_stop("write_error")
            except Exception as exc:  # noqa: BLE001 - the monitor must keep running
                log.warning("recorder monitor: %s", exc)

    # -- status for the display --------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """A snapshot for the live display (no client code, no note text)."""
        players: dict[str, dict[str, Any]] = {
            p: {"midi_events": 0, "peak_dbfs": None, "clipped_blocks": 0, "inputs": []}
            for p in self.players
        }
        overflows = 0
        gaps = 0
        lost: list[str] = []  # inputs unplugged now, for the health line
        stopped: dict[str, str] = {}  # of those, gone with the desktop's sound system
        if self.midi is not None:
            for st in self.midi.ports:
                p = players[st.player]
                p["midi_events"] += st.events
                p["inputs"].append({"kind": "midi", "name": st.port_name,
                                    "connected": st.connected, "events": st.events,
                                    "last_note": note_name(st.last_note)})
                if not st.connected:
                    lost.append(st.port_name)
                overflows += st.overflows
        watch = self._watch  # a lost source of a port not rtmidi's is an audio source
        jack_source_lost = any(watch is not None and not watch.is_midi(port)
                               for _, port in list(self._source_lost))
        for cap in self.audio:
            source_ok = not (jack_source_lost and cap.on_jack)
            connected = not cap.stalled and source_ok
            system = cap.lost_system if cap.stalled else None
            for player, lv in cap.player_levels().items():
                p = players[player]
                if not connected:  # nothing comes in: no level (its last one stood before)
                    lv = {**lv, "peak_dbfs": None}
                elif p["peak_dbfs"] is None:
                    p["peak_dbfs"] = lv["peak_dbfs"]
                else:
                    p["peak_dbfs"] = max(p["peak_dbfs"], lv["peak_dbfs"])
                p["clipped_blocks"] += lv["clipped_blocks"]
                p["inputs"].append({"kind": "audio", "name": cap.name, **lv,
                                    "connected": connected,
                                    **({"sound_system": system} if system else {})})
                if not connected:
                    lost.append(cap.device.name)  # as the input check named it
                    if system:
                        stopped[cap.device.name] = system
            overflows += cap.overflows
            gaps += cap.gaps
        return {
            "session": self.session_id,
            "elapsed_s": self.clock.now() if self.clock else 0.0,
            "players": players,
            "overflows": overflows,
            "audio_gaps": gaps,
            "markers": self.markers,
            "free_bytes": self.free_bytes,
            "warnings": list(self.warnings),
            "queue_depth": self.writer.queue_depth if self.writer else 0,
            "marks": self.marks.listed(),
            "health": health(audio=self.audio, midi_ports=self.midi.ports if self.midi else [],
                             lost=list(dict.fromkeys(lost)),
                             xruns=list(self._xruns), period_s=self._period_s,
                             changes=list(self._changes), stopped=stopped),
            "disk": disk_left(free_bytes=self.free_bytes, stop_bytes=self.disk_stop_bytes,
                              audio=self.audio),
        }


def jack_silent_text() -> str:
    """What a therapist reads when the JACK server did not answer at the stop (it fell behind,
    e.g. after a frozen program or under extreme load) and the recording was completed without
    closing its connections to JACK."""
    return ("When the recording stopped, the audio system (JACK) did not answer, so the "
            "recording was completed without waiting for it. Everything recorded until the stop "
            "is kept.")

"""One live recording at a time, controlled from the browser.

A thin adapter over :class:`improv.capture.recorder.Recorder`: a dedicated thread
owns the recorder for its whole life (``start``, ``run`` until a stop
request, finalise), so the store it writes through is used by one thread
only; HTTP requests only ask for status, drop markers and notes (the session
writer takes them from any thread) and request the stop.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from improv.errors import ParameterError
from improv.web.errors import RecordingBusy

log = logging.getLogger(__name__)

ARMED_IDLE_S = 3.0
"""A page's input check nobody has looked at for this long [seconds] is closed, and gives way
to another page at once.  An open Record page looks every 0.2 s (a tab in the background about
once a second); a window closed says so (``pagehide``), but a browser quit or killed may not,
and a new window must not then be refused as "another window is checking" for long."""
CHECK_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
"""A page's input check id (the page makes it up when it opens)."""
ENDED_KEPT = 64
"""How many ended checks are remembered with why they ended (for the page that held one)."""
SILENT_WARN_S = 30.0
"""An input that has given no sound and no MIDI event since the recording started is said to
be silent (and the recording not healthy) after this long [seconds]."""
HEARD_DBFS = -60.0
"""A peak level [dBFS] at or above this is a sound (the page's meters start there)."""
WATCH_S = 0.5
"""How often [seconds] the running recording's inputs are looked at for sound without a page."""


class InputsBeingChecked(RecordingBusy):
    """The inputs a page asks to check are being checked by another page (409)."""


@dataclass
class _Check:
    """One page's input check: its monitor and when the page last looked [time.monotonic()]."""

    id: str
    monitor: Any
    seen: float


def _check_id(check: str) -> str:
    if not isinstance(check, str) or not CHECK_ID_RE.fullmatch(check):
        raise ParameterError(f"check must be 8-64 letters, digits, '_' or '-', got {check!r}",
                             parameter="check")
    return check


def _claim_names(claims: set[tuple], labels: dict[tuple[str, str], str]) -> list[str]:
    """The physical inputs of ``claims`` as the page names them (``kb1 (MIDI)``, ``mic ch 1``:
    :func:`improv.capture.device_labels.input_label`), by their devices' ``labels``
    (:attr:`InputMonitor.labels`; a device without one by its raw name)."""
    from improv.capture.device_labels import input_label

    def label(kind: str, name: str) -> str:
        return labels.get((kind, name), name)

    midi = sorted(input_label("midi", label("midi", c[1])) for c in claims if c[0] == "midi")
    audio: dict[str, list[int]] = {}
    for c in claims:
        if c[0] == "audio":
            audio.setdefault(c[1], []).append(c[2])
    return midi + [input_label("audio", label("audio", d), channels=ch)
                   for d, ch in sorted(audio.items())]


def _start_live(rec):
    """Live measures of a started recording (None if they cannot start: the recording goes on)."""
    from improv.analyze.live import start_for

    try:
        return start_for(rec)
    except Exception as exc:  # noqa: BLE001
        log.warning("live measures not started: %s", exc)
        return None


class Recording:
    """The app's recording slot.

    Parameters
    ----------
    store_path : Path
    on_done : callable, optional
        ``on_done(session_id)`` after a session was finalised (e.g. precompute peaks).
    """

    def __init__(self, store_path: Path, *, on_done: Callable[[str], None] | None = None) -> None:
        self.store_path = Path(store_path)
        self.on_done = on_done
        self._lock = threading.Lock()
        self._rec = None
        self._thread: threading.Thread | None = None
        self._result: dict[str, Any] | None = None
        self._error: str | None = None
        #: each page's input check (before Start), by the id the page holds
        self._checks: dict[str, _Check] = {}
        #: checks that ended while their page was away, and why (``taken_over``)
        self._ended: collections.OrderedDict[str, str] = collections.OrderedDict()
        #: the last device lists (what ``/api/devices`` gives while recording)
        self.last_devices: dict[str, Any] = {"audio": [], "midi": [], "hidden": [],
                                             "problems": []}
        self._live = None  # the running recording's improv.analyze.live.LiveMeasurer
        #: whose recording it is (client and therapist codes, title), for its page
        self._whose: dict[str, str | None] = {}
        self._heard: set[tuple] = set()  # inputs of the running recording heard at least once
        self._said_silent: set[tuple] = set()  # inputs whose silence went into the journal
        self._said_lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def arm(self, *, check: str, inputs: list, options: dict[str, Any] | None = None,
            take_over: bool = False) -> dict[str, Any]:
        """Open ``inputs`` for levels and activity as page ``check``'s input check, recording
        nothing (replacing the page's earlier check); returns :meth:`armed`.

        A physical input is opened by one check at a time: a MIDI port by one page, and the
        audio inputs by one page (checking audio initialises PortAudio anew, which would
        close another page's audio streams).  When another page's check holds what this one
        needs, it is refused, or with ``take_over`` that check is closed (its page is told so
        by :meth:`armed`) and this one opened.

        Raises
        ------
        RecordingBusy
            While a recording runs (its own display shows its inputs).
        InputsBeingChecked
            Another page checks some of these inputs (and not ``take_over``).
        improv.errors.DeviceError, ParameterError
            As a recording of these inputs would.
        """
        from improv.capture.monitor import InputMonitor

        check = _check_id(check)
        opts = options or {}
        with self._lock:
            if self.active:
                raise RecordingBusy("a recording is running; its inputs are shown with it")
            self._close(check)  # the page's earlier check (it may hold the same inputs)
            self._ended.pop(check, None)
            now = time.monotonic()
            for c in [c for c in self._checks.values() if now - c.seen > ARMED_IDLE_S]:
                self._close(c.id)  # its page is gone (its closer thread comes later)
            mon = InputMonitor(inputs=inputs, **{k: opts.get(k) for k in (
                "midi_api", "audio_api", "jack_server", "jack_midi_server")})
            if any(i.kind == "audio" for i in inputs):  # before PortAudio is touched
                clash = [c for c in self._checks.values() if c.monitor.has_audio]
                held = set().union(*(c.monitor.claims for c in clash))
                labels = {k: v for c in clash for k, v in c.monitor.labels.items()}
                self._give_way(clash, take_over=take_over, what="the audio inputs (" + ", ".join(
                    _claim_names({c for c in held if c[0] == "audio"}, labels)) + ")")
            mon.resolve()
            clash = [c for c in self._checks.values() if c.monitor.claims & mon.claims]
            names = _claim_names(set().union(*(c.monitor.claims for c in clash)) & mon.claims,
                                 mon.labels)
            self._give_way(clash, take_over=take_over, what=" and ".join(names))
            mon.start()
            chk = _Check(id=check, monitor=mon, seen=time.monotonic())
            self._checks[check] = chk
            threading.Thread(target=self._close_unwatched, args=(chk,), daemon=True,
                             name="improv-input-check").start()
        return self.armed(check=check)

    def _give_way(self, others: list[_Check], *, take_over: bool, what: str) -> None:
        """Close ``others`` (remembered as taken over) or refuse saying ``what`` (lock held)."""
        if not others:
            return
        if not take_over:
            raise InputsBeingChecked(f"Another window or tab is checking {what}: an input can "
                                     "be checked in one window at a time")
        for c in others:
            self._close(c.id, why="taken_over")

    def _close_unwatched(self, chk: _Check) -> None:
        """Close ``chk`` once its page has not looked at it for :data:`ARMED_IDLE_S` (a page
        closed without saying so must not keep the inputs open)."""
        while self._checks.get(chk.id) is chk:
            time.sleep(min(0.5, ARMED_IDLE_S / 2))
            if time.monotonic() - chk.seen > ARMED_IDLE_S:
                with self._lock:
                    if self._checks.get(chk.id) is chk:
                        self._close(chk.id)

    def armed(self, *, check: str) -> dict[str, Any]:
        """Page ``check``'s inputs: levels and activity.  ``armed`` is False when it has no
        check open; ``ended`` then says ``taken_over`` when another page took its inputs."""
        chk = self._checks.get(_check_id(check))
        if chk is None:
            return {"armed": False, "inputs": [], "ended": self._ended.get(check)}
        chk.seen = time.monotonic()
        return {"armed": True, **chk.monitor.status()}

    def disarm(self, *, check: str | None = None) -> None:
        """Close page ``check``'s input check (every check if None; none open is fine)."""
        with self._lock:
            for cid in [_check_id(check)] if check is not None else list(self._checks):
                self._close(cid)

    def _close(self, check: str, *, why: str | None = None) -> None:
        """Close one check (lock held); ``why`` is told to its page."""
        chk = self._checks.get(check)
        if chk is None:
            return
        # why, before the check leaves: its page asks without the lock (armed), and closing the
        # inputs takes a while (the MIDI frame-time client ends with its next JACK cycle); a
        # page that found neither its check nor why opened it again and was refused as "another
        # window is checking" instead of told its check was taken over (clean-clone run)
        if why:
            self._ended[check] = why
            while len(self._ended) > ENDED_KEPT:
                self._ended.popitem(last=False)
        del self._checks[check]
        chk.monitor.close()

    @contextlib.contextmanager
    def portaudio(self) -> Iterator[str]:
        """Hold while listing devices (a recording waits to start until the listing is
        done); yields ``recording`` (list nothing anew), ``armed_audio`` (do not
        re-initialise PortAudio: it would close the armed stream) or ``free``."""
        with self._lock:
            if self.active:
                yield "recording"
            else:
                yield ("armed_audio" if any(c.monitor.has_audio for c in self._checks.values())
                       else "free")

    def edit_marker(self, annotation_id: str, *, text: str) -> dict[str, Any]:
        """Change the text of a marker or note of the running recording."""
        rec = self._rec
        if not self.active or rec is None or rec.stopping:
            raise RecordingBusy("no recording is running")
        return rec.edit_marker(annotation_id, text=text)

    def start(self, *, client: str, inputs: list, therapist: str | None = None,
              setup_name: str | None = None, options: dict[str, Any] | None = None,
              title: str | None = None, timeout_s: float = 30.0) -> dict[str, Any]:
        """Resolve devices, create the session and start capturing; returns the status.

        Raises
        ------
        RecordingBusy
            If a recording is running.
        improv.errors.DeviceError, ParameterError
            If an input cannot be matched, or is being recorded by another recording
            (before any session exists).

        Every page's input check is closed first, so that the recorder can open the inputs.
        """
        from improv.capture.recorder import Recorder
        from sessions.store import Store

        opts = options or {}
        with self._lock:
            if self.active:
                raise RecordingBusy("a recording is running already; stop it first")
            for cid in list(self._checks):  # hand the inputs over to the recorder
                self._close(cid)
            started = threading.Event()
            failure: list[BaseException] = []
            store = None

            def life() -> None:
                nonlocal store
                store = Store(self.store_path)
                rec = Recorder(store=store, client=client, inputs=inputs, therapist=therapist,
                               setup_name=setup_name, title=title, midi_api=opts.get("midi_api"),
                               audio_api=opts.get("audio_api"),
                               jack_server=opts.get("jack_server"),
                               jack_midi_server=opts.get("jack_midi_server"))
                try:
                    rec.start()
                except BaseException as exc:  # reported to the starting request
                    failure.append(exc)
                    started.set()
                    store.close()
                    return
                self._rec = rec
                self._live = _start_live(rec)
                started.set()
                try:
                    manifest = rec.run()
                    from improv.capture.live_status import summarize

                    self._result = summarize(manifest)
                except Exception as exc:  # noqa: BLE001 - shown in the status
                    log.warning("recording failed: %s", exc)
                    self._error = str(exc)
                finally:
                    if self._live is not None:
                        self._live.stop()
                    store.close()
                if self.on_done and self._result:
                    try:
                        self.on_done(self._result["id"])
                    except Exception as exc:  # noqa: BLE001
                        log.warning("after recording: %s", exc)

            self._result = self._error = None
            self._rec = None
            self._whose = {"client": client, "therapist": therapist, "title": title}
            self._heard = set()
            self._said_silent = set()
            self._thread = threading.Thread(target=life, name="improv-web-recording", daemon=True)
            self._thread.start()
            if not started.wait(timeout_s):
                raise ParameterError("the recorder did not start within "
                                     f"{timeout_s:.0f} s (are the devices available?)")
            if failure:
                self._thread.join(5)
                raise failure[0]
            threading.Thread(target=self._watch_silence, args=(self._thread,), daemon=True,
                             name="improv-web-silence").start()
            return self.status()

    def _watch_silence(self, thread: threading.Thread) -> None:
        """Look at the recording every :data:`WATCH_S` while ``thread`` records, so that an
        input silent since the start is journaled (:meth:`_describe_inputs`) and a sound is
        noticed even while no page asks for the status."""
        while thread.is_alive():
            time.sleep(WATCH_S)
            rec = self._rec
            if self._thread is not thread or rec is None or rec.stopping:
                continue
            try:
                self.status()
            except Exception as exc:  # noqa: BLE001 - the recording goes on
                log.debug("silence watch: %s", exc)

    def status(self) -> dict[str, Any]:
        """Live status (elapsed time, per-player event counts and levels) or the last result.

        While recording, also whose recording it is (``client``, ``therapist``, ``title``),
        each audio input's ``device`` and ``channels``, and ``silent_since_start`` on an input
        that has given nothing for :data:`SILENT_WARN_S` since the start (said in the health
        line too).
        """
        rec = self._rec
        if self.active and rec is not None:
            live = self._live
            st = dict(rec.status(), active=True, live=live.latest() if live else None,
                      **self._whose)
            self._describe_inputs(rec, st)
            return st
        return {"active": False, "result": self._result, "error": self._error}

    def _describe_inputs(self, rec, st: dict[str, Any]) -> None:
        """Add each audio input's device and channels to ``st`` (the recorder names an audio
        input by its capture, which holds several players' channels), each input's ``label``
        (:mod:`improv.capture.device_labels`: its device as the page names it), and say which
        inputs have been silent since the start."""
        from improv.capture.device_labels import audio_device_label, midi_port_label

        caps = list(getattr(rec, "audio", []) or [])
        midi = getattr(rec, "midi", None)
        midi_api = str(getattr(midi, "api", "") or "")
        silent: list[tuple[str, dict[str, Any]]] = []
        for player, v in st["players"].items():
            # the recorder lists a player's audio inputs in the order of its captures
            mine = iter([c for c in caps if player in c.players])
            for i in v["inputs"]:
                if i["kind"] == "audio":
                    cap = next(mine, None)
                    if cap is not None:
                        i["channels"] = list(cap.players[player])
                        i["device"] = cap.device.name
                        i["label"] = audio_device_label(cap.device.name,
                                                        hostapi=cap.device.hostapi)
                    key = (player, "audio", i["name"], tuple(i.get("channels", ())))
                    sound = i.get("peak_dbfs") is not None and i["peak_dbfs"] >= HEARD_DBFS
                else:
                    i["label"] = midi_port_label(i["name"], api=midi_api)
                    key = (player, "midi", i["name"])
                    sound = i.get("events", 0) > 0
                if sound:
                    self._heard.add(key)
                if (key not in self._heard and i.get("connected", True)
                        and st["elapsed_s"] >= SILENT_WARN_S):
                    i["silent_since_start"] = True
                    silent.append((player, i))
                    self._journal_silence(rec, key, player=player, inp=i, t=st["elapsed_s"])
        from improv.capture.live_status import sound_system_words
        from sessions.gap_words import SYSTEM_PICKED_UP

        unplugged = [
            (f"{p} on {i.get('label', i['name'])}"
             + (f" ch {','.join(map(str, i['channels']))}" if i.get("channels") else "")
             # gone with the desktop's sound system: nothing to plug in
             + (f": {sound_system_words(i['sound_system'])} stopped; "
                f"{SYSTEM_PICKED_UP} (nothing of it is recorded until then)"
                if i.get("sound_system") else
                ": unplugged now; plug it in again, the recording goes on and picks it up "
                "(nothing of it is recorded until then)"))
            for p, v in st["players"].items() for i in v["inputs"]
            if not i.get("connected", True)]
        if unplugged:  # said in the health line; the details said "every input complete"
            st["health"] = dict(st["health"], details=unplugged + list(st["health"]["details"]))
        if not silent:
            return
        health = dict(st["health"])
        secs = int(st["elapsed_s"])
        said = [f"{p}: {'no sound' if i['kind'] == 'audio' else 'no MIDI'} for {secs} s"
                for p, i in silent]
        details = [
            (f"{p} on {i.get('label', i['name'])} ch {','.join(map(str, i.get('channels', [])))}"
             ": nothing heard since the recording started; check the microphone, its cable "
             "and its channel") if i["kind"] == "audio" else
            (f"{p} on {i['label']}: no MIDI since the recording started; check that the "
             "instrument is on and connected")
            for p, i in silent]
        health["line"] = "; ".join(said + ([] if health["healthy"] else [health["line"]]))
        health["healthy"] = False
        health["details"] = details + list(health["details"])
        st["health"] = health

    def _journal_silence(self, rec, key: tuple, *, player: str, inp: dict[str, Any],
                         t: float) -> None:
        """Write an ``input_silent`` event into ``rec``'s journal the first time an input is
        said to be silent since the start (``t``: then, seconds from the start)."""
        with self._said_lock:
            if key in self._said_silent or rec.stopping or rec.writer is None:
                return
            self._said_silent.add(key)
        fields: dict[str, Any] = {"player": player, "input": inp["name"],
                                  "input_kind": inp["kind"], "label": inp.get("label", "")}
        if inp["kind"] == "audio":
            fields["channels"] = list(inp.get("channels", []))
        try:
            rec.writer.report("input_silent", t=float(t), **fields)
        except Exception as exc:  # noqa: BLE001 - the live warning still shows
            log.warning("silent input not journaled: %s", exc)

    def marker(self, *, text: str = "", kind: str = "marker",
               t: float | None = None) -> dict[str, Any]:
        """Drop a marker or a note at ``t`` [s] (now by default) into the running recording."""
        rec = self._rec
        if not self.active or rec is None or rec.stopping:
            raise RecordingBusy("no recording is running")
        t = rec.marker(text=text, kind=kind, t=t)
        return {"t": t, "kind": kind}

    def stop(self, *, timeout_s: float = 60.0) -> dict[str, Any]:
        """Stop and finalise; returns the summary of the new session."""
        with self._lock:
            rec, thread = self._rec, self._thread
            if rec is None or thread is None or not thread.is_alive():
                raise RecordingBusy("no recording is running")
            rec.request_stop("stopped")
            thread.join(timeout_s)
            if thread.is_alive():
                raise ParameterError("the recording did not finish within "
                                     f"{timeout_s:.0f} s; it keeps finalising")
            return self.status()

    def shutdown(self) -> None:
        """Stop a running recording when the server exits (nothing recorded is lost)."""
        self.disarm()
        if self.active and self._rec is not None:
            self._rec.request_stop("server_stopped")
            self._thread.join(60)

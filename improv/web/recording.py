"""One live recording at a time, controlled from the browser.

A thin adapter over :class:`improv.capture.recorder.Recorder`: a dedicated thread
owns the recorder for its whole life (``start``, ``run`` until a stop
request, finalise), so the store it writes through is used by one thread
only; HTTP requests only ask for status, drop markers and notes (the session
writer takes them from any thread) and request the stop.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable

from improv.errors import ParameterError
from improv.web.errors import RecordingBusy

log = logging.getLogger(__name__)


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
        self._live = None  # the running recording's improv.analyze.live.LiveMeasurer

    @property
    def active(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, *, client: str, inputs: list, therapist: str | None = None,
              setup_name: str | None = None, options: dict[str, Any] | None = None,
              timeout_s: float = 30.0) -> dict[str, Any]:
        """Resolve devices, create the session and start capturing; returns the status.

        Raises
        ------
        RecordingBusy
            If a recording is running.
        improv.errors.DeviceError, ParameterError
            If an input cannot be matched (before any session exists).
        """
        from improv.capture.recorder import Recorder
        from sessions.store import Store

        opts = options or {}
        with self._lock:
            if self.active:
                raise RecordingBusy("a recording is running already; stop it first")
            started = threading.Event()
            failure: list[BaseException] = []
            store = None

            def life() -> None:
                nonlocal store
                store = Store(self.store_path)
                rec = Recorder(store=store, client=client, inputs=inputs, therapist=therapist,
                               setup_name=setup_name, midi_api=opts.get("midi_api"),
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
                    from improv.capture.recorder import summarize

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
            self._thread = threading.Thread(target=life, name="improv-web-recording", daemon=True)
            self._thread.start()
            if not started.wait(timeout_s):
                raise ParameterError("the recorder did not start within "
                                     f"{timeout_s:.0f} s (are the devices available?)")
            if failure:
                self._thread.join(5)
                raise failure[0]
            return self.status()

    def status(self) -> dict[str, Any]:
        """Live status (elapsed time, per-player event counts and levels) or the last result."""
        rec = self._rec
        if self.active and rec is not None:
            live = self._live
            return dict(rec.status(), active=True, live=live.latest() if live else None)
        return {"active": False, "result": self._result, "error": self._error}

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
        if self.active and self._rec is not None:
            self._rec.request_stop("server_stopped")
            self._thread.join(60)

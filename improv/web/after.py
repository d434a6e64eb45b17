"""What runs after a session arrives (a recording stopped, an import finished): its piano roll
and waveform overview first, then its analysis, on one background thread, with progress.

The therapist is taken to the session page at once; the page draws its timeline from the
precomputed overview, and its Measures panel shows "Measuring…" with the progress this module
keeps (``GET /api/sessions/{id}/analysis`` answers ``status: "analysing"``) until the results
are there. A failure is logged (session ID and error, no client code) and reported as
``failed`` with its reason in one line (:func:`failure_reason`): the page says it beside
"Try again", not in the terminal alone.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from improv.web.background import KeyedJobs

log = logging.getLogger(__name__)

#: The longest reason a page shows [characters]; the log keeps the whole error.
MAX_REASON = 300


def failure_reason(exc: BaseException, *, session_id: str, root: Path) -> str:
    """Why measuring a session failed, in one line for the page: the message of one of
    improv's own errors (it says what is wrong and how to fix it), or the error's kind and
    text with the command that checks the session's files; the store's folder (``root``) is
    named "the store", as in every message the page shows."""
    from improv.errors import user_facing_errors
    from improv.web.errors import without_store_path

    text = without_store_path(" ".join(str(exc).split()), root)
    if not isinstance(exc, user_facing_errors()):
        text = (f"{type(exc).__name__}: {text or 'no message'}; 'improv sessions verify "
                f"{session_id}' checks the session's files")
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


class AfterNewSession(KeyedJobs):
    """Callable ``after(session_id)``: queue the overview and analysis of a new session.

    Parameters
    ----------
    store_path : Path
    analysis_lock : threading.Lock
        Held around the analysis (shared with ``POST .../analysis`` and the client jobs).
    """

    def __init__(self, store_path: Path, analysis_lock: threading.Lock) -> None:
        super().__init__(store_path, analysis_lock, thread_name="improv-after")
        self._dropped: set[str] = set()

    def drop(self, session_id: str) -> None:
        """Stop the work on a session that is being deleted: a queued job does not start, a
        running analysis stops at its next progress step (it holds the session's files, and
        the deletion waits for them: review 31)."""
        with self._guard:
            self._dropped.add(session_id)
            fut = self._futures.get(session_id)
        if fut is not None:
            fut.cancel()

    def readmit(self, session_id: str) -> None:
        """Undo :meth:`drop` for a session whose deletion was refused: its work is queued
        again if it had not finished."""
        with self._guard:
            was = session_id in self._dropped
            self._dropped.discard(session_id)
            state = self._state.get(session_id, {}).get("state")
        if was and state is not None and state != "done":
            self(session_id)

    def __call__(self, session_id: str) -> None:
        with self._guard:
            self._state[session_id] = {"state": "queued", "step": "waiting", "done": 0.0,
                                       "total": 1.0}
            self._futures[session_id] = self.pool.submit(self._run, session_id)

    def progress(self, session_id: str) -> dict[str, Any] | None:
        """``state`` (queued, running, done, failed), ``step`` and ``fraction`` (0-1), or None
        for a session this server did not queue."""
        with self._guard:
            st = self._state.get(session_id)
            if st is None:
                return None
            frac = min(1.0, st["done"] / st["total"]) if st["total"] > 0 else 0.0
            return {"state": st["state"], "step": st["step"], "fraction": round(frac, 3),
                    **({"reason": st["reason"]} if st.get("reason") else {})}

    def busy(self, session_id: str) -> bool:
        p = self.progress(session_id)
        return p is not None and p["state"] in ("queued", "running")

    def _set(self, session_id: str, **kw: Any) -> None:
        with self._guard:
            self._state[session_id].update(kw)

    def _run(self, session_id: str) -> None:
        from improv.web.api_sessions import piano_roll_bin
        from improv.web.peaks import precompute_all
        from sessions.store import Store

        store = Store(self.store_path)
        try:
            self._stop_if_dropped(session_id)
            session = store.session(session_id)
            self._set(session_id, state="running", step="waveform")
            try:
                piano_roll_bin(session)
                precompute_all(session)
            except Exception as exc:  # noqa: BLE001 - peaks are made on first view then
                log.warning("precomputing peaks of %s: %s", session_id, exc)
            self._set(session_id, step="measures")
            self._analyse(store, session)
            self._set(session_id, state="done", step="done", done=1.0, total=1.0)
        except _Dropped:
            self._set(session_id, state="failed", reason="the session was deleted")
        except Exception as exc:  # noqa: BLE001 - the page says why and offers "Try again"
            log.warning("analysing session %s after it arrived: %s", session_id, exc)
            self._set(session_id, state="failed",
                      reason=failure_reason(exc, session_id=session_id,
                                            root=self.store_path))
        finally:
            store.close()

    def _analyse(self, store, session) -> None:
        from improv.analyze import analyze_session

        def progress(done: float, total: float, label: str) -> None:
            self._stop_if_dropped(session.id)
            self._set(session.id, done=done, total=max(total, 1e-9))

        from improv.web.api_media import analysis_answer

        with self.lock:
            self._stop_if_dropped(session.id)  # deleted while it waited for the lock
            analyze_session(store, session.id, dialogue=len(session.players) > 1,
                            progress=progress)
            analysis_answer(store, session)  # the page's answer, ready when it asks

    def _stop_if_dropped(self, session_id: str) -> None:
        with self._guard:
            if session_id in self._dropped:
                raise _Dropped(session_id)


class _Dropped(Exception):
    """The session is being deleted: its work stops (:meth:`AfterNewSession.drop`)."""

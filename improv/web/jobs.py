"""Background analysis of a client's un-analysed sessions, with a progress state.

The client page needs every session analysed before it can compare them
(:func:`improv.reports.compare.compare_client` would analyse them inside the request,
which can take seconds per session).  :class:`AnalysisJobs` runs that work on
one worker thread instead; the compare endpoint answers ``202`` with the
progress (``done`` of ``total``) until the job is finished, and the page polls.

Per-session failures are logged (session ID and error, no client code) and the
job goes on with the next session (STYLE §1, batch jobs); the failed IDs and their reasons
are reported in the progress state so the page can say which ones, and why.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from improv.web.after import failure_reason
from improv.web.background import KeyedJobs

log = logging.getLogger(__name__)


class AnalysisJobs(KeyedJobs):
    """One analysis job per client at a time, all on one worker thread.

    Parameters
    ----------
    store_path : Path
        The store; the worker opens its own :class:`sessions.store.Store`.
    lock : threading.Lock
        Held around each session's analysis (shared with ``POST .../analysis``).
    """

    def __init__(self, store_path: Path, lock: threading.Lock) -> None:
        super().__init__(store_path, lock, thread_name="improv-analysis")

    def progress(self, client: str) -> dict[str, Any] | None:
        with self._guard:
            st = self._state.get(client)
            return (dict(st, failed=list(st["failed"]), attempted=list(st["attempted"]),
                         reasons=dict(st["reasons"])) if st else None)

    def forget(self, client: str) -> None:
        """Drop a finished job's state (so that failed sessions are tried again)."""
        with self._guard:
            st = self._state.get(client)
            if st and not st["running"]:
                del self._state[client]

    def start(self, client: str, session_ids: list[str]) -> dict[str, Any]:
        """Analyse ``session_ids`` of ``client`` unless a job for it is running; the progress."""
        with self._guard:
            st = self._state.get(client)
            if st is None or not st["running"]:
                st = {"running": True, "total": len(session_ids), "done": 0, "failed": [],
                      "reasons": {}, "attempted": list(session_ids)}
                self._state[client] = st
                self._futures[client] = self.pool.submit(self._run, client, list(session_ids))
        return self.progress(client)

    def _run(self, client: str, session_ids: list[str]) -> None:
        from improv.reports.compare import ensure_analysed
        from sessions.store import Store

        store = Store(self.store_path)
        finished: set[str] = set()
        try:
            for sid in session_ids:
                try:
                    with self.lock:
                        ensure_analysed(store, sid)
                except Exception as exc:  # noqa: BLE001 - log, go on with the next session
                    log.warning("analysing session %s failed: %s", sid, exc)
                    with self._guard:
                        self._state[client]["failed"].append(sid)
                        self._state[client]["reasons"][sid] = failure_reason(
                            exc, session_id=sid, root=self.store_path)
                with self._guard:
                    self._state[client]["done"] += 1
                finished.add(sid)
        finally:
            # whatever stopped the loop (also a BaseException), the job ends as finished, with
            # the sessions it did not get to reported as failed: the page then says so instead
            # of waiting for a job that no longer runs
            store.close()
            with self._guard:
                st = self._state[client]
                st["failed"] += [s for s in session_ids
                                 if s not in finished and s not in st["failed"]]
                st["done"] = st["total"]
                st["running"] = False


"""One background thread that runs keyed jobs (a session's overview and analysis, a client's
analysis job), shared by :mod:`improv.web.after` and :mod:`improv.web.jobs`."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any


class KeyedJobs:
    """Jobs by key on one worker thread, with a state per key.

    Parameters
    ----------
    store_path : Path
        The store; a job opens its own :class:`sessions.store.Store`.
    lock : threading.Lock
        Held around each analysis (shared by every writer of analysis caches).
    thread_name : str
        Prefix of the worker thread's name (seen in a debugger and in thread dumps).
    """

    def __init__(self, store_path: Path, lock: threading.Lock, *, thread_name: str) -> None:
        self.store_path = Path(store_path)
        self.lock = lock
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        self._state: dict[str, dict[str, Any]] = {}
        self._futures: dict[str, Future] = {}
        self._guard = threading.Lock()

    def wait(self, key: str, timeout: float | None = None) -> None:
        """Block until the job of ``key`` (if any) is finished; ``timeout`` in seconds
        (tests, benchmarks and shutdown)."""
        with self._guard:
            fut = self._futures.get(key)
        if fut is not None:
            fut.result(timeout)

    def shutdown(self) -> None:
        """Stop taking jobs; queued ones are cancelled, a running one finishes on its own."""
        self.pool.shutdown(wait=False, cancel_futures=True)

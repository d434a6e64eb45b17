"""Per-request access to the store (one :class:`sessions.store.Store` per request).

SQLite connections belong to one thread and FastAPI runs plain endpoints in a
thread pool, so every request opens its own ``Store`` and closes it after.
"""

from __future__ import annotations

from typing import Iterator

from fastapi import Request

from sessions.store import Store


def get_store(request: Request) -> Iterator[Store]:
    """The request's store, closed after the response.

    FastAPI runs this teardown on a thread-pool thread that is often not the one that ran
    the endpoint (and opened the catalog lazily there); Python's ``sqlite3`` then refuses
    ``close()`` with ``ProgrammingError``.  Raised here, after the response was sent, that
    error made uvicorn drop the keep-alive connection, and the browser's next request on
    it (a POST is not retried) failed with "Failed to fetch".  The request is over, so
    nothing else uses the connection: dropping the last reference closes it (the
    connection's finaliser does not check the thread).
    """
    store = Store(request.app.state.store_path)
    try:
        yield store
    finally:
        close_store(store)


def close_store(store: Store) -> None:
    """Close ``store`` from any thread (see :func:`get_store`)."""
    import sqlite3

    try:
        store.close()
    except sqlite3.ProgrammingError:  # opened on another thread: let the finaliser close it
        store._catalog = None


def parse_t(value: float | str | None, *, name: str) -> float | None:
    """Seconds from a number or from ``SS``/``MM:SS``/``HH:MM:SS`` text."""
    from sessions.timefmt import parse_time

    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return parse_time(value)
    except ValueError as exc:
        from improv.web.errors import BadRequest

        raise BadRequest(f"{name}: {exc}") from None

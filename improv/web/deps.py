"""Per-request access to the store (one :class:`sessions.store.Store` per request).

SQLite connections belong to one thread and FastAPI runs plain endpoints in a
thread pool, so every request opens its own ``Store`` and closes it after.
"""

from __future__ import annotations

from typing import Iterator

from fastapi import Request

from sessions.store import Store


def get_store(request: Request) -> Iterator[Store]:
    store = Store(request.app.state.store_path)
    try:
        yield store
    finally:
        store.close()


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

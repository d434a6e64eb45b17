"""Library errors -> clear HTTP answers (``{"error": "..."}``), never a traceback."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from improv.errors import DeviceError, ImprovError
from sessions.errors import (
    AnnotationConflictError,
    SessionBusyError,
    SessionFormatError,
    StoreError,
    StoreWriteError,
    UnknownSessionError,
    catalog_problem,
)
from sessions.manifest import valid_session_id

log = logging.getLogger(__name__)


class NotFound(HTTPException):
    """404 with a message (an input, annotation or upload that does not exist)."""

    def __init__(self, message: str) -> None:
        super().__init__(404, message)


class RecordingBusy(ImprovError):
    """A recording is running already (start), or none is running (stop, marker)."""


class BadRequest(HTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class Busy(HTTPException):
    """409: the answer needs work that is still running (or was not started)."""

    def __init__(self, message: str) -> None:
        super().__init__(409, message)


class AnalysisFailed(Busy):
    """409: a background analysis failed for some sessions."""


#: How the store's messages point to the list of sessions on the command line.
CLI_SESSIONS_HINT = "see 'improv sessions list'"


class UnreadableSession(SessionFormatError):
    """A session whose page cannot be drawn because its files cannot be read (damaged, changed
    outside improv, written by a newer improv): answered with ``"unreadable": true`` beside
    the error, so that the page says what that means before the technical reason."""


def status_of(exc: BaseException) -> int:
    """HTTP status for a library error."""
    if isinstance(exc, UnknownSessionError):
        return 404
    if isinstance(exc, (SessionBusyError, StoreWriteError, RecordingBusy,
                        AnnotationConflictError)):
        return 409
    if isinstance(exc, DeviceError):
        return 409
    return 400


def _session_gone(request: Request) -> bool:
    """True if the request names a session (``session_id``) whose folder no longer exists:
    deleted while the request was answered, which is a 404, not a 400 or 500."""
    sid = request.path_params.get("session_id")
    root = getattr(request.app.state, "store_path", None)
    if not isinstance(sid, str) or root is None or not valid_session_id(sid):
        return False
    return not (Path(root) / "sessions" / sid / "session.json").exists()


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def without_store_path(message: str, root: str | Path | None) -> str:
    """``message`` with the store's folder named "the store": the page shows what went wrong,
    not where the practice keeps its health data (the path can carry a user or client name)."""
    if root is None:
        return message
    for form in {str(root), str(Path(root).resolve())}:
        message = message.replace(form, "the store")
    return message


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""
    try:
        from analysis.errors import AnalysisError
    except ImportError:  # pragma: no cover
        AnalysisError = ImprovError  # noqa: N806

    async def library_error(request: Request, exc: Exception) -> JSONResponse:
        status = status_of(exc)
        if status == 400 and _session_gone(request):  # deleted while it was being read
            return _error(404, f"session {request.path_params['session_id']} was deleted")
        root = getattr(request.app.state, "store_path", None)
        # messages name parameters, not options, and never the store's folder; the page
        # points to its own list of sessions, not to the command line's
        message = str(exc).replace(CLI_SESSIONS_HINT, "the Sessions page lists them")
        # a session page that cannot be read: the page says so in plain words, then these
        extra = {"unreadable": True} if isinstance(exc, UnreadableSession) else {}
        return _error(status, without_store_path(message, root), **extra)

    for cls in (StoreError, ImprovError, AnalysisError):
        app.add_exception_handler(cls, library_error)

    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
            parts.append(f"{loc or 'request'}: {e.get('msg', 'invalid')}")
        return _error(422, "invalid request: " + "; ".join(parts))

    app.add_exception_handler(RequestValidationError, validation_error)

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    app.add_exception_handler(HTTPException, http_error)

    async def catalog_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("catalog error: %s", exc)
        return _error(503, catalog_problem(exc))

    app.add_exception_handler(sqlite3.DatabaseError, catalog_error)

    # An unexpected error is answered here, inside the app: a handler registered for
    # Exception runs in Starlette's outermost middleware, which answers and then raises the
    # error again, so uvicorn logged it a second time and closed the keep-alive connection
    # (the browser's next POST on it then failed with "Failed to fetch").
    @app.middleware("http")
    async def unexpected(request: Request, call_next):
        try:
            return await call_next(request)
        except ClientDisconnect:  # the browser went away mid-upload: nothing to answer
            log.info("%s %s: the client disconnected", request.method,
                     getattr(request.scope.get("route"), "path", "?"))
            return _error(400, "the request was cut off by the client")
        except Exception as exc:  # noqa: BLE001 - the one place that answers any error
            if _session_gone(request):
                return _error(404, f"session {request.path_params['session_id']} was deleted")
            route = getattr(request.scope.get("route"), "path", "?")  # template: no codes
            log.error("unexpected error in %s %s", request.method, route, exc_info=exc)
            return _error(500, f"internal error ({type(exc).__name__}): see the terminal "
                               "where improv serve runs")


__all__ = ["AnalysisFailed", "BadRequest", "Busy", "NotFound", "SessionFormatError",
           "UnreadableSession", "install", "status_of"]

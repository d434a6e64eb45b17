"""The FastAPI application of ``improv serve``.

:func:`create_app` wires the security checks (:mod:`improv.web.security`),
the error handlers, the API routers and the static front end together.
Everything the endpoints do is a call into :mod:`sessions` or :mod:`improv`.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from improv.web import (
    api_annotations,
    api_backup,
    api_clients,
    api_goals,
    api_help,
    api_media,
    api_record,
    api_revisions,
    api_roles,
    api_sessions,
    errors,
)
from improv.web.after import AfterNewSession
from improv.web.jobs import AnalysisJobs
from improv.web.recording import Recording
from improv.web.security import MEDIA_URL_TTL_S, MediaSigner, add_security_headers, check_request

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


#: Staging folders of uploads are ``<store>/tmp/uploads-<pid>-<random>/`` (0700, a scratch item
#: of :mod:`sessions.scratch`: removed at shutdown, and that of a server killed before it by the
#: next sweep of ``tmp/``); an older version staged them in the system's temporary folder as
#: ``<system tmp>/improv-uploads-<pid>-<random>``, which are removed when their server is gone.
UPLOADS_PREFIX = "improv-uploads-"


def _sweep_uploads_of_dead_servers() -> None:
    """Remove the staging folders that a server killed before its shutdown left behind."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: no owner or signal-0 check
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{UPLOADS_PREFIX}*"):
        pid = folder.name[len(UPLOADS_PREFIX):].split("-", 1)[0]
        if not pid.isdecimal() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:  # alive, someone else's
            pass


def _staging_folder(store_path: Path):
    """The folder uploads are staged in until they are imported: a claimed scratch folder in
    the store's ``tmp/`` (owner-only, never a link: :meth:`sessions.store.Store.check_layout`),
    so a client's recording never lies outside the store, and a server killed with uploads
    staged leaves them to the next sweep of ``tmp/``. A read-only store (which imports
    nothing) stages them in the system's temporary folder, as before.

    Returns
    -------
    tuple
        The :class:`sessions.scratch.Claim` (None for the system's folder) and the folder.
    """
    import secrets

    from sessions import scratch
    from sessions.store import Store

    with Store(store_path) as store:
        if not store.writable:
            return None, Path(tempfile.mkdtemp(prefix=f"{UPLOADS_PREFIX}{os.getpid()}-"))
        store.check_layout()
        claim = scratch.Claim(store.tmp_dir, f"uploads-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        claim.path.mkdir(mode=0o700)
        os.chmod(claim.path, 0o700)
    except BaseException:
        claim.release()
        raise
    return claim, claim.path


def create_app(*, store_path: Path | str, token: str, port: int | None = None,
               media_url_ttl_s: float = MEDIA_URL_TTL_S) -> FastAPI:
    """The web app over the store at ``store_path``.

    Parameters
    ----------
    store_path : Path
        The session store (created if missing).
    token : str
        The per-launch secret (``secrets.token_urlsafe(32)``); see :mod:`improv.web.security`.
    port : int, optional
        The port the server listens on, for the Host and Origin checks; by
        default the port each request came in on.
    media_url_ttl_s : float, optional
        How long a signed address of a recording is good for (s); see
        :class:`improv.web.security.MediaSigner`.
    """
    if not token or len(token) < 16:
        raise ValueError("token must be a random string of at least 16 characters")
    store_path = Path(store_path).expanduser()
    from sessions.store import Store

    with Store(store_path) as store:  # create the catalog once, before concurrent requests
        if store.writable:
            store.catalog  # noqa: B018 - opening creates and migrates it
    analysis_lock = threading.Lock()
    background = AfterNewSession(store_path, analysis_lock)
    _sweep_uploads_of_dead_servers()
    uploads_claim, upload_dir = _staging_folder(store_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            yield
        finally:
            app.state.recording.shutdown()
            background.shutdown()
            app.state.jobs.shutdown()
            from improv.playback.render import stop_renderings

            stop_renderings()  # a long session's mix being made for its page
            if uploads_claim is not None:
                uploads_claim.release()  # removes the folder, then its claim
            else:
                shutil.rmtree(upload_dir, ignore_errors=True)

    app = FastAPI(title="improv", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.store_path = store_path
    app.state.port = port
    app.state.upload_dir = upload_dir
    app.state.uploads_in_store = uploads_claim is not None
    app.state.background = background
    app.state.analysis_lock = analysis_lock
    app.state.jobs = AnalysisJobs(store_path, app.state.analysis_lock)
    app.state.recording = Recording(store_path, on_done=background)
    errors.install(app)
    signer = MediaSigner(ttl_s=media_url_ttl_s)  # its key is new at every launch

    @app.middleware("http")
    async def guard(request: Request, call_next) -> Response:
        refusal = check_request(request, token=token, signer=signer,
                                fixed_port=app.state.port)
        api = request.url.path.startswith("/api/")
        if refusal is not None:
            return add_security_headers(refusal, api=api)
        start = time.perf_counter()
        response = await call_next(request)
        if api:  # for the browser's resource timing (bench/bench_web.py): no names, a number
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1e3:.1f}"
        return add_security_headers(response, api=api)

    @app.get("/api/media-url", include_in_schema=False)
    def media_url(path: str) -> dict:
        """A short-lived address of one recording, rendering or mix (``path``: its path and
        query) for an ``<audio>`` element, which cannot send the token header."""
        try:
            url, expires = signer.sign(path)
        except ValueError as exc:
            raise errors.BadRequest(str(exc)) from None
        return {"url": url, "expires": expires, "ttl_s": signer.ttl_s}

    for r in (api_sessions.router, api_media.router, api_annotations.router, api_record.router,
              api_clients.router, api_goals.router, api_revisions.router, api_roles.router,
              api_help.router, api_backup.router):
        app.include_router(r)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   include_in_schema=False)
    def unknown(rest: str) -> Response:
        raise errors.NotFound(f"no endpoint /api/{rest}")

    return app

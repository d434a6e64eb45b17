"""Request checks of the local web app: Host, token cookie, Origin.

The app serves one person at one computer, on 127.0.0.1 only.  Still, any
web page that person visits can make their browser send requests to
``127.0.0.1:PORT``; the checks below stop that:

* **Host** must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (a DNS-rebinding
  page sends its own host name): otherwise 400.
* **Token**: ``improv serve`` prints a URL with ``?token=...`` (a new random
  token per launch).  The first request with it gets the token as an
  HttpOnly, SameSite=Strict cookie and is redirected to the same URL without
  the token.  Every other request needs the cookie: missing 401, wrong 403.
* **State changes** (POST, PUT, PATCH, DELETE) also need an ``Origin`` equal
  to the app's own origin, or, when the browser sends no Origin, the custom
  header ``X-Improv-Request`` (which a cross-site form cannot set and which
  a cross-site script can only send after a CORS preflight that is never
  granted): otherwise 403.
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

CUSTOM_HEADER = "X-Improv-Request"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOCAL_HOSTS = ("127.0.0.1", "localhost")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def cookie_name(token: str) -> str:
    """Cookie name of one launch (cookies ignore ports: two servers must not clash)."""
    return "improv_" + hashlib.sha256(token.encode()).hexdigest()[:10]


def _port(request: Request, fixed: int | None) -> int | None:
    if fixed:
        return fixed
    server = request.scope.get("server")
    return int(server[1]) if server and server[1] is not None else None


def allowed_hosts(request: Request, fixed_port: int | None) -> set[str]:
    port = _port(request, fixed_port)
    return {f"{h}:{port}" for h in LOCAL_HOSTS}


def _deny(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return PlainTextResponse(f"{message}\n", status_code=status)


def check_request(request: Request, *, token: str,
                  fixed_port: int | None = None) -> Response | None:
    """Return a refusal (or the token redirect) for ``request``, or None to let it pass.

    Parameters
    ----------
    request : starlette.requests.Request
    token : str
        The launch token.
    fixed_port : int, optional
        The port the server listens on; by default the port the request came in on.
    """
    hosts = allowed_hosts(request, fixed_port)
    host = request.headers.get("host", "")
    if host not in hosts:
        return _deny(request, 400, "bad Host header: open improv at the URL that 'improv serve' "
                                   "printed (http://127.0.0.1:PORT/...)")
    given = request.query_params.get("token")
    if given is not None:
        if not secrets.compare_digest(given.encode(), token.encode()):
            return _deny(request, 403, "wrong token: use the URL that 'improv serve' printed "
                                       "at its latest start")
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        url = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        resp = RedirectResponse(url, status_code=303)
        resp.set_cookie(cookie_name(token), token, httponly=True, samesite="strict", path="/")
        return resp
    cookie = request.cookies.get(cookie_name(token))
    if cookie is None:
        return _deny(request, 401, "not signed in: open the URL with the token that "
                                   "'improv serve' printed")
    if not secrets.compare_digest(cookie.encode(), token.encode()):
        return _deny(request, 403, "wrong token: open the URL that 'improv serve' printed")
    if request.method in UNSAFE_METHODS:
        origin = request.headers.get("origin")
        if origin is not None:
            if origin not in {f"http://{h}" for h in hosts}:
                return _deny(request, 403, f"cross-origin request refused (Origin {origin!r})")
        elif request.headers.get(CUSTOM_HEADER) is None:
            return _deny(request, 403, f"state-changing requests need an Origin or an "
                                       f"{CUSTOM_HEADER} header")
    return None


def add_security_headers(response: Response, *, api: bool) -> Response:
    for k, v in SECURITY_HEADERS.items():
        response.headers.setdefault(k, v)
    if api:
        response.headers.setdefault("Cache-Control", "no-store")
    return response

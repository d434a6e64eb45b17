"""Request checks of the local web app: Host, token cookie, Origin.

The app serves one person at one computer, on 127.0.0.1 only.  Still, any
web page that person visits can make their browser send requests to
``127.0.0.1:PORT``; the checks below stop that:

* **Host** must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (a DNS-rebinding
  page sends its own host name): otherwise 400.
* **Token**: ``improv serve`` prints a URL with ``?token=...`` (a new random
  token per launch).  The first request with it gets the token as an
  HttpOnly, SameSite=Strict cookie and is redirected to the same URL without
  the token.  Every other request needs the cookie: missing 401, wrong 403 (a page
  in plain words that says how to sign in again, ``improv open``; JSON with
  ``"signed_in": false`` under ``/api/``).
* **State changes** (POST, PUT, PATCH, DELETE) also need an ``Origin`` equal
  to the app's own origin, or, when the browser sends no Origin, the custom
  header ``X-Improv-Request`` (which a cross-site form cannot set and which
  a cross-site script can only send after a CORS preflight that is never
  granted): otherwise 403.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

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


#: What a browser window that is not signed in is told (the page's API calls get it too, with
#: ``"signed_in": false``, and show it instead of an error).
NOT_SIGNED_IN = ("improv is running, but this browser window is not signed in: in the improv "
                 "window (the terminal) click the address shown there, or run 'improv open'")
EARLIER_START = ("this address is from an earlier start of improv: in the improv window (the "
                 "terminal) click the address shown there now, or run 'improv open'")

# The sign-in page has its style inline (the stylesheet, like every file of the app, needs
# the sign-in): allowed by its hash, nothing else inline.
_SIGN_IN_STYLE = (
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1b1b1b;background:#fff}"
    "header{padding:8px 18px;background:#14233c;color:#fff;font-weight:700;font-size:18px}"
    "main{padding:10px 18px;max-width:46em}h1{font-size:22px;margin:12px 0;text-wrap:balance}"
    "code{background:#f6f7f9;border:1px solid #c4c7cc;border-radius:4px;padding:1px 5px}"
    ".muted{color:#4a4a4a}"
)
_SIGN_IN_CSP = SECURITY_HEADERS["Content-Security-Policy"].replace(
    "style-src 'self'",
    "style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_SIGN_IN_STYLE.encode()).digest()).decode() + "'")


def _not_signed_in(request: Request, status: int, *, earlier: bool) -> Response:
    """The refusal for a request without a valid sign-in: the API's JSON, or a page in plain
    words for the browser window (not a dead end: it says how to sign in again)."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": EARLIER_START if earlier else NOT_SIGNED_IN,
                             "signed_in": False}, status_code=status)
    heading = ("This address is from an earlier start of improv" if earlier
               else "improv is running, but this browser window is not signed in")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><title>Not signed in · improv</title>'
        f'<link rel="icon" href="data:,"><style>{_SIGN_IN_STYLE}</style></head><body>'
        '<header>improv</header><main>'
        f'<h1>{heading}</h1>'
        '<p>In the improv window (the terminal where improv was started) click the address '
        'shown there, or run <code>improv open</code> in a terminal.</p>'
        '<p class="muted">improv lets in only the browser it opened itself, with a secret '
        'that is new at every start, so that nobody else on this computer can open your '
        'sessions. A recording that is running goes on.</p>'
        '</main></body></html>\n')
    return HTMLResponse(page, status_code=status,
                        headers={"Content-Security-Policy": _SIGN_IN_CSP,
                                 "Cache-Control": "no-store"})


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
    cookie = request.cookies.get(cookie_name(token))
    if given is not None:
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        url = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        if not secrets.compare_digest(given.encode(), token.encode()):
            if cookie is not None and secrets.compare_digest(cookie.encode(), token.encode()):
                return RedirectResponse(url, status_code=303)  # an old address, signed in
            return _not_signed_in(request, 403, earlier=True)
        resp = RedirectResponse(url, status_code=303)
        resp.set_cookie(cookie_name(token), token, httponly=True, samesite="strict", path="/")
        return resp
    if cookie is None:
        return _not_signed_in(request, 401, earlier=False)
    if not secrets.compare_digest(cookie.encode(), token.encode()):
        return _not_signed_in(request, 403, earlier=True)
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

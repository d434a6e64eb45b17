"""Request checks of the local web app: Host, the page's token header, signed media
addresses, Origin.

The app serves one person at one computer, on 127.0.0.1 only.  Still, two kinds of
strangers can make requests to ``127.0.0.1:PORT``: any web page that person visits (through
their browser), and any other account of the computer (directly, e.g. with curl).  Browsers
keep cookies apart by host but *not by port*, and every port of 127.0.0.1 is the same site,
so a cookie of this app would also be sent to a server that another account runs on another
port of 127.0.0.1 (a web page can send the browser there; ``SameSite=Strict`` does not stop
it).  So nothing the browser sends by itself grants anything; the checks below are:

* **Host** must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (a DNS-rebinding
  page sends its own host name): otherwise 400.
* **Token header** (every ``/api/`` request): ``improv serve`` prints an address with
  ``#token=...`` (a new random token per launch) in its *fragment*, which the browser never
  sends to any server.  The page (``static/api.js``) keeps the token in ``localStorage``,
  which browsers keep apart by scheme, host *and port*, removes it from the address bar, and
  sends it with every API request as the header ``X-Improv-Token`` (compared in constant
  time).  No header: 401; a wrong one (a token of an earlier start): 403, both JSON with
  ``"signed_in": false`` and words that say how to sign in again (``improv open``).  An
  address with ``?token=...`` (the form of older versions) is sent on as ``#token=...``,
  unchecked: the page finds out.  No cookie is set or read.
* **Signed media addresses**: an ``<audio>`` element cannot send a header, so the page asks
  ``GET /api/media-url?path=...`` (with the header) for a short-lived address of one media
  file (a recording, a rendering, the mix): the path and query with ``exp`` (its end, Unix
  seconds) and ``sig`` (HMAC-SHA256 with a key that is new at every launch and never leaves
  the server) appended.  It is good for GET (and HEAD) of that path and query only, Range
  requests included, until ``exp``; tampered or expired: 403.
* **State changes** (POST, PUT, PATCH, DELETE) also need an ``Origin`` equal
  to the app's own origin, or, when the browser sends no Origin, the custom
  header ``X-Improv-Request`` (which a cross-site form cannot set and which
  a cross-site script can only send after a CORS preflight that is never
  granted): otherwise 403.

The HTML shell (``/``), the static files and the Help page hold no session data and need no
token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

CUSTOM_HEADER = "X-Improv-Request"
TOKEN_HEADER = "X-Improv-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOCAL_HOSTS = ("127.0.0.1", "localhost")

#: How long a signed media address is good for (s).  The page asks for a new one before it
#: plays or seeks with one that is about to end, and after one that failed.
MEDIA_URL_TTL_S = 20 * 60

#: The media files an address may be signed for (GET only): what ``<audio src>`` plays.
SIGNABLE = re.compile(r"^/api/sessions/[^/]+/(?:mix\.wav|rendering|audio/[^/]+)$")

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


#: What a browser window that is not signed in is told (the page's API calls get it with
#: ``"signed_in": false``, and show it instead of an error).
NOT_SIGNED_IN = ("improv is running, but this browser window is not signed in: in the improv "
                 "window (the terminal) click the address shown there, or run 'improv open'")
EARLIER_START = ("this address is from an earlier start of improv: in the improv window (the "
                 "terminal) click the address shown there now, or run 'improv open'")
EXPIRED = "this address of a recording has ended or is not valid: reload the page"


def _not_signed_in(status: int, *, earlier: bool) -> Response:
    return JSONResponse({"error": EARLIER_START if earlier else NOT_SIGNED_IN,
                         "signed_in": False}, status_code=status)


class MediaSigner:
    """Short-lived signed addresses of media files, with a key that is new at every launch.

    Parameters
    ----------
    ttl_s : float
        How long an address is good for (s).
    clock : callable, optional
        The time in Unix seconds (``time.time``; a fake in tests).
    """

    def __init__(self, *, ttl_s: float = MEDIA_URL_TTL_S, clock=time.time) -> None:
        self._key = secrets.token_bytes(32)
        self.ttl_s = float(ttl_s)
        self._clock = clock

    def _mac(self, path: str, query: str) -> str:
        mac = hmac.new(self._key, f"GET\n{path}\n{query}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def sign(self, address: str) -> tuple[str, float]:
        """The signed form of ``address`` (a path with its query) and its end (Unix s).

        Raises
        ------
        ValueError
            When ``address`` is not one of the media files (:data:`SIGNABLE`).
        """
        parts = urlsplit(address)
        path = unquote(parts.path)
        if parts.scheme or parts.netloc or not SIGNABLE.match(path):
            raise ValueError(f"only the address of a recording can be signed, not {address!r}")
        pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k not in ("exp", "sig")]
        expires = int(self._clock() + self.ttl_s)
        query = urlencode([*pairs, ("exp", str(expires))])
        return f"{quote(path)}?{query}&sig={self._mac(path, query)}", float(expires)

    def verify(self, request: Request) -> bool | None:
        """Whether ``request`` comes with a valid signature: None when it has none."""
        raw = request.scope.get("query_string", b"").decode("latin-1")
        head, sep, sig = raw.rpartition("&sig=")
        if not sep:
            return None
        path = request.scope["path"]  # decoded, as signed (an input's name may hold '#', '?')
        if request.method not in ("GET", "HEAD") or not SIGNABLE.match(path):
            return False
        if not hmac.compare_digest(self._mac(path, head).encode(),
                                   sig.encode("latin-1")):
            return False
        exp = dict(parse_qsl(head, keep_blank_values=True)).get("exp", "")
        return exp.isdecimal() and self._clock() <= int(exp)


def _token_redirect(request: Request, given: str) -> Response:
    """``?token=T`` (an older version's address) → the same address with ``#token=T``."""
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    # a path of this server only (never '//host/…', which a browser reads as another server)
    url = "/" + request.url.path.lstrip("/") + (f"?{urlencode(rest)}" if rest else "")
    return RedirectResponse(f"{url}#token={quote(given, safe='')}", status_code=303,
                            headers={"Cache-Control": "no-store"})


def check_request(request: Request, *, token: str, signer: MediaSigner | None = None,
                  fixed_port: int | None = None) -> Response | None:
    """Return a refusal (or the sign-in redirect) for ``request``, or None to let it pass.

    Parameters
    ----------
    request : starlette.requests.Request
    token : str
        The launch token.
    signer : MediaSigner, optional
        The signer of media addresses; without one, no signed address is accepted.
    fixed_port : int, optional
        The port the server listens on; by default the port the request came in on.
    """
    hosts = allowed_hosts(request, fixed_port)
    host = request.headers.get("host", "")
    if host not in hosts:
        return _deny(request, 400, "bad Host header: open improv at the URL that 'improv serve' "
                                   "printed (http://127.0.0.1:PORT/...)")
    if not request.url.path.startswith("/api/"):
        given = request.query_params.get("token")
        if given is not None and request.method in ("GET", "HEAD"):
            return _token_redirect(request, given)
        return None  # the shell, the static files, the Help: no session data
    header = request.headers.get(TOKEN_HEADER)
    if header is not None:
        if not secrets.compare_digest(header.encode(), token.encode()):
            return _not_signed_in(403, earlier=True)
    else:
        signed = signer.verify(request) if signer is not None else None
        if signed is None:
            return _not_signed_in(401, earlier=False)
        if not signed:
            return _deny(request, 403, EXPIRED)
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

"""Privacy review 30, finding 1, in real Chromium: what the signed-in browser sends to another
server on 127.0.0.1 (another account's, reached through a web page and a same-site
navigation) grants nothing; the app's own requests carry the token, its recordings play from
signed addresses (with seeking), and signing in, ``improv open`` and reloading keep working."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.improv.web.conftest import REPO

pytestmark = [pytest.mark.browser]


class _Recorder:
    """A server on 127.0.0.1 that notes each request's path and headers and answers ``page``."""

    def __init__(self, page: bytes) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                seen.append((self.path, dict(self.headers.items())))
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _request(url: str, *, method: str = "GET", headers: dict[str, str],
             body: bytes | None = None) -> int:
    req = urllib.request.Request(url, method=method, headers=headers, data=body)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait(cond, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_what_another_local_server_captures_opens_nothing(demo_store, live_server, browser):
    """The review's reproduction: a web page (another site: ``localhost``) sends the browser to
    a server on another port of 127.0.0.1, whose page moves on to a second address of its own
    (a same-site navigation, so 127.0.0.1's SameSite=Strict cookies go along). Everything it
    received, replayed to improv's API, gets 401, and improv's token is in none of it."""
    path, sid = demo_store
    server = live_server(path)
    attacker = _Recorder(b"<script>if (location.pathname === '/') location = '/again'</script>ok")
    site = _Recorder(f"<script>location = 'http://127.0.0.1:{attacker.port}/'</script>".encode())
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(server.url)
        expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
        assert page.evaluate("localStorage.getItem('improv-token')") == server.token
        # the cookie an older version set (the launch token itself), as the worst case: the
        # browser still has one for 127.0.0.1; this version sets none
        assert ctx.cookies() == []
        old = "improv_" + hashlib.sha256(server.token.encode()).hexdigest()[:10]
        ctx.add_cookies([{"name": old, "value": server.token, "domain": "127.0.0.1",
                          "path": "/", "httpOnly": True, "sameSite": "Strict"}])
        page.goto(f"http://localhost:{site.port}/")  # the page the therapist visits
        _wait(lambda: any(p == "/again" for p, _ in attacker.seen), "the second navigation")
        time.sleep(0.5)  # a favicon may follow
    finally:
        ctx.close()
        attacker.close()
        site.close()
    first = dict(attacker.seen)["/"]
    again = dict(attacker.seen)["/again"]
    # the shape of the attack holds: the cross-site navigation brought no cookie, the
    # same-site one brought 127.0.0.1's
    assert "Cookie" not in first
    assert again.get("Cookie") == f"{old}={server.token}"
    # the app itself gave the other server nothing: no token header, nothing in an address
    for p, headers in attacker.seen:
        assert server.token not in p
        assert not [k for k, v in headers.items() if server.token in v and k != "Cookie"]
    # all it captured, replayed to improv: nothing to read, nothing to change
    audio = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{server.base}/api/sessions/{sid}", headers={"X-Improv-Token": server.token}),
        timeout=30).read())["audio"][0]["name"]
    for _, headers in attacker.seen:
        captured = {k: v for k, v in headers.items() if k.lower() != "host"}
        writes = {**captured, "X-Improv-Request": "1", "Content-Type": "application/json"}
        for url in ("/api/sessions", f"/api/sessions/{sid}/notes", "/api/annotations",
                    f"/api/sessions/{sid}/audio/{audio}", f"/api/sessions/{sid}/mix.wav",
                    "/api/clients/DEMO/export.csv", "/api/backup"):
            assert _request(server.base + url, headers=captured) == 401, url
        assert _request(f"{server.base}/api/sessions/{sid}/notes", method="PUT",
                        headers=writes, body=b'{"text": "x"}') == 401
        assert _request(f"{server.base}/api/sessions/{sid}", method="DELETE",
                        headers=writes) == 401
    assert (path / "sessions" / sid).is_dir()


def _launch_page_by_improv_open(env: dict, opened: Path) -> str:
    """``improv open``, with a browser that notes what it was asked to open: the launch page."""
    r = subprocess.run([sys.executable, "-m", "improv", "open"], env=env, cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    _wait(lambda: opened.exists() and opened.read_text().strip(), "improv open's browser")
    given = opened.read_text().strip().splitlines()[-1]
    opened.unlink()
    assert given.startswith("file://") and "token" not in given
    return given


def test_improv_open_signs_in_and_the_app_sends_the_token_itself(demo_store, live_server,
                                                                  browser, tmp_path):
    """Without the tests' fetch helper: every request of the app's own carries the token (no
    401 or 403 anywhere), the recording plays from a signed address with Range requests, and
    a reload, another tab and ``improv open`` again stay signed in."""
    path, sid = demo_store
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    opened = tmp_path / "opened.txt"
    browser_sh = tmp_path / "browser.sh"
    browser_sh.write_text(f'#!/bin/sh\necho "$@" >> {opened}\n')
    browser_sh.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run), "BROWSER": f"{browser_sh} %s"}
    env.pop("IMPROV_STORE", None)
    server = live_server(path, env=env)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    refused: list[str] = []
    media: list[tuple[int, str, str | None]] = []

    def note(r) -> None:
        if r.status in (401, 403):
            refused.append(f"{r.status} {r.request.method} {r.url}")
        if "/mix.wav" in r.url:
            media.append((r.status, r.url, r.request.headers.get("range")))

    ctx.on("response", note)
    try:
        page = ctx.new_page()
        page.goto(_launch_page_by_improv_open(env, opened))
        expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
        assert page.url == f"{server.base}/" and "token" not in page.url
        assert page.evaluate("localStorage.getItem('improv-token')") == server.token
        assert ctx.cookies() == []
        page.goto(f"{server.base}/#/session/{sid}")
        page.wait_for_selector(".timeline[data-ready]", timeout=60000)
        src = page.locator("audio.player")
        expect(src).to_have_attribute("src", re.compile(r"mix\.wav\?.*&exp=\d+&sig="))
        assert server.token not in src.get_attribute("src")
        page.get_by_role("button", name="Play", exact=True).click()
        expect(page.locator(".transport .time")).not_to_have_text("0:00.0", timeout=30000)
        # seeking (End, then Home: the media element asks for other bytes)
        page.get_by_role("button", name="Pause", exact=True).click()
        page.locator(".timeline [role=slider]").focus()
        page.keyboard.press("End")
        page.keyboard.press("Home")
        page.get_by_role("button", name="Play", exact=True).click()
        expect(page.locator(".transport .time")).not_to_have_text("0:00.0", timeout=30000)
        page.get_by_role("button", name="Pause", exact=True).click()
        assert media and all(s in (200, 206) for s, _, _ in media), media
        assert any(s == 206 and rng for s, _, rng in media), media  # read by Range
        assert all(server.token not in u for _, u, _ in media)
        # a reload, another tab, improv open again: signed in, the token out of the address
        page.reload()
        page.wait_for_selector(".timeline[data-ready]", timeout=60000)
        other = ctx.new_page()
        other.goto(f"{server.base}/#/clients")
        expect(other.get_by_role("heading", name="Clients", level=1)).to_be_visible()
        again = ctx.new_page()
        again.goto(_launch_page_by_improv_open(env, opened))
        expect(again.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
        assert "token" not in again.url
        assert not refused, refused
    finally:
        ctx.close()


def test_a_refused_media_address_is_asked_for_again(demo_store, live_server, page):
    """The page was left open past the address's end (here: the first answer is spoiled and
    says it ends now): the <audio> fails once, the page asks for a new address and plays."""
    path, sid = demo_store
    server = live_server(path)
    asked: list[str] = []

    def spoil(route):
        asked.append(route.request.url)
        answer = route.fetch().json()
        if len(asked) == 1:
            answer = {**answer, "url": answer["url"][:-4] + "AAAA", "ttl_s": 0}
        route.fulfill(json=answer)

    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if "/mix.wav" in r.url else None)
    page.route("**/api/media-url*", spoil)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    for _ in range(200):  # (Playwright's handlers run only inside its own calls)
        if 403 in statuses and any(s in (200, 206) for s in statuses):
            break
        page.wait_for_timeout(100)
    assert statuses[0] == 403 and statuses[-1] in (200, 206), statuses
    assert len(asked) == 2
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator(".transport .time")).not_to_have_text("0:00.0", timeout=30000)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator("#status")).not_to_contain_text("Cannot play")


def test_an_address_with_the_token_and_a_page_opens_that_page(demo_store, live_server, page):
    """``#token=…#/clients`` (the printed address with a page of the app after it): the token
    is taken out of the address and kept, the page shown; pasted into a window of the app
    (no new load), the same."""
    path, _ = demo_store
    server = live_server(path)
    page.goto(server.url + "#/clients")
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()
    assert page.url == f"{server.base}/#/clients"
    assert page.evaluate("localStorage.getItem('improv-token')") == server.token
    page.evaluate("localStorage.clear()")
    page.goto(server.url + "#/backups")  # the same document: a change of the fragment only
    expect(page.get_by_role("heading", name="Backups", level=1)).to_be_visible()
    assert "token" not in page.url
    assert page.evaluate("localStorage.getItem('improv-token')") == server.token

"""Fixtures for the web app: an API client with the launch token, a live server, a browser.

The live server is the real ``improv serve`` command in a subprocess (port 0:
a free port), read from the URL it prints.  Browser tests use Debian's
Chromium through Playwright and skip, with the reason, only if
``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
TOKEN = "test-token-" + "x" * 32
BASE = "http://127.0.0.1:8470"


def pytest_collection_modifyitems(config, items):
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} missing (apt-get install chromium)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def demo_store(tmp_path):
    """A store with the demo session (a 90 s synthetic duet); yields (path, session id)."""
    from improv.demo import create_demo_session
    from sessions.store import Store

    path = tmp_path / "store"
    with Store(path) as store:
        sid = create_demo_session(store, duration=30.0)["id"]
    return path, sid


@pytest.fixture
def course_store(tmp_path):
    """Client C07 with four weekly 20 s MIDI sessions, density 1 + 0.5·i notes/s, one annotated.

    Yields (store path, session IDs oldest first); nothing is analysed yet.
    """
    from datetime import datetime, timezone

    import numpy as np

    from sessions.annotation_edits import add_annotation
    from sessions.store import Store
    from tests.sessions.helpers import import_weekly_session

    path = tmp_path / "store"
    rng = np.random.default_rng(5)
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = []
    with Store(path) as store:
        for i in range(4):
            ids.append(import_weekly_session(store, tmp_path, week=i,
                                             notes=int((1.0 + 0.5 * i) * 20), duration=20.0,
                                             rng=rng, start=start))
        add_annotation(store, ids[1], t=5.0, tags=["marker"])
    return path, ids


@pytest.fixture
def client_for():
    """``client_for(store_path)``: a TestClient on 127.0.0.1:8470, signed in as the page is: the
    token in the ``X-Improv-Token`` header of every request (none with ``signed_in=False``)."""
    from fastapi.testclient import TestClient

    from improv.web import create_app

    made = []

    def make(store_path, *, signed_in: bool = True):
        app = create_app(store_path=store_path, token=TOKEN, port=8470)
        headers = {"X-Improv-Request": "1"}
        if signed_in:
            headers["X-Improv-Token"] = TOKEN
        c = TestClient(app, base_url=BASE, headers=headers)
        c.__enter__()
        made.append(c)
        return c

    yield make
    for c in made:
        c.__exit__(None, None, None)


class LiveServer:
    """``improv --store STORE serve --port 0 --no-browser`` in a subprocess."""

    def __init__(self, store: Path, *, env: dict | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "improv", "--store", str(store), "serve", "--port", "0",
             "--no-browser"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env={**(env or os.environ), "PYTHONUNBUFFERED": "1"},
        )
        line = self.proc.stdout.readline()
        m = re.search(r"improv is running at (http://127\.0\.0\.1:(\d+)/#token=(\S+))", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"server did not start: {line!r} {self.proc.stderr.read()}")
        self.url, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
        self.base = f"http://127.0.0.1:{self.port}"
        self.stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def live_server():
    """``live_server(store_path, env=None)`` -> a running :class:`LiveServer`."""
    servers = []

    def start(store, *, env=None):
        s = LiveServer(store, env=env)
        servers.append(s)
        return s

    start.servers = servers  # for the failure report (pytest_runtest_makereport)
    yield start
    for s in servers:
        s.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium (never ``playwright install``)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from improv.reports.printing import chromium_sandbox_flags

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=[*chromium_sandbox_flags(), "--disable-gpu",
                                    "--disable-background-networking"])
        yield b
        b.close()


#: For the tests' own ``fetch('/api/…')`` in ``page.evaluate``: the token header that the
#: app's requests carry (``static/api.js`` ``authHeaders``), added where a request to the app's
#: API has none. The app itself never relies on it: test_security_signin.py runs the app's
#: pages in a context without it.
FETCH_WITH_TOKEN = """(() => {
  const plain = window.fetch;
  window.fetch = function (input, init) {
    try {
      const url = new URL(input instanceof Request ? input.url : input, location.href);
      const token = localStorage.getItem('improv-token');
      if (token && url.origin === location.origin && url.pathname.startsWith('/api/')) {
        const given = (init && init.headers) || (input instanceof Request ? input.headers : {});
        const headers = new Headers(given);
        if (!headers.has('X-Improv-Token')) headers.set('X-Improv-Token', token);
        init = { ...(init || {}), headers };
      }
    } catch (e) { /* not a URL of the app: as it is */ }
    return plain.call(this, input, init);
  };
})();"""


@pytest.fixture
def page(browser):
    """A fresh page; every request that leaves 127.0.0.1 fails the test. The tests' own
    ``fetch`` of the API sends the page's token (:data:`FETCH_WITH_TOKEN`)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.add_init_script(FETCH_WITH_TOKEN)
    pg = ctx.new_page()
    external: list[str] = []
    errors: list[str] = []
    pg.on("request", lambda r: external.append(r.url)
          if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.external_requests = external
    pg.js_errors = errors
    # what the browser saw, shown when the test fails (see pytest_runtest_makereport)
    activity: list[str] = []
    stamp = time.monotonic()

    def note(text: str) -> None:
        activity.append(f"{time.monotonic() - stamp:8.2f}s {text}")

    pg.on("console", lambda m: note(f"console.{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: note(f"pageerror: {e}"))
    pg.on("request", lambda r: note(f"-> {r.method} {_short(r.url)}"))
    pg.on("response", lambda r: note(f"<- {r.status} {r.request.method} {_short(r.url)}"))
    pg.on("requestfailed", lambda r: note(f"!! {r.method} {_short(r.url)}: {r.failure}"))
    pg.on("framenavigated",
          lambda f: note(f"navigated {_short(f.url)}") if f == pg.main_frame else None)
    pg.activity = activity
    yield pg
    ctx.close()
    assert not external, f"requests outside 127.0.0.1: {external}"
    assert not errors, f"JavaScript errors: {errors}"


def _short(url: str) -> str:
    """A URL without scheme, host and token (for the failure report)."""
    return re.sub(r"token=[^&]+", "token=…", re.sub(r"^https?://[^/]+", "", url))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, add the server's stderr and the browser's activity to the report."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" or not rep.failed:
        return
    for s in getattr(item.funcargs.get("live_server"), "servers", []):
        rep.sections.append((f"improv serve stderr (port {s.port}, exit {s.proc.poll()})",
                             "".join(s.stderr) or "(nothing)"))
    pg = item.funcargs.get("page")
    if pg is None or not hasattr(pg, "activity"):
        return
    try:
        state = pg.evaluate("() => `${location.hash} "
                            "page=${document.getElementById('main')?.dataset.page}`"
                            " + `\\n${(document.getElementById('main')?.innerText || '')"
                            ".slice(0, 1500)}`"
                            " + `\\nstatus: ${document.getElementById('status')?.innerText || ''}`")
    except Exception as exc:  # noqa: BLE001 - the page may be gone
        state = f"(could not read the page: {exc})"
    rep.sections.append(("browser: console, errors, network (last 400)",
                         "\n".join(pg.activity[-400:]) or "(nothing)"))
    rep.sections.append(("browser: page at the failure", state))


SHOT_CSS = ".transport { position: static !important; }"
"""For full-page screenshots only: the playback bar sticks to the top of the viewport while
the user scrolls; a full-page capture would paint it over the lanes at the scroll position."""


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True, style=SHOT_CSS)
    return path


def jack_device_options(page, server_name: str) -> None:
    """On the Record page: record through JACK server ``server_name`` (MIDI and audio)."""
    page.get_by_text("Device options").click()
    page.get_by_label("JACK server").fill(server_name)
    page.get_by_label("MIDI API").fill("jack")
    page.get_by_label("Audio host API").fill("JACK")
    page.get_by_label("Audio host API").press("Tab")

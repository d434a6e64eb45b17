"""Closing the web app stops the FluidSynth rendering a page asked for (the command line's
case, and the helpers: tests/improv/test_render_stop.py)."""

from __future__ import annotations

import threading
import urllib.request

from tests.improv.test_render_stop import _alive, _long_session, _wait_for_child, pytestmark  # noqa: F401


def test_closing_the_web_app_stops_the_rendering_of_a_page(store, store_path, live_server):
    sid = _long_session(store, seconds=300.0)  # seconds of rendering at 48 kHz
    server = live_server(store_path)
    req = urllib.request.Request(f"{server.base}/api/sessions/{sid}/rendering",
                                 headers={"X-Improv-Token": server.token})

    def ask():
        try:
            urllib.request.urlopen(req, timeout=60).read(16)
        except OSError:  # the server closes while it renders
            pass

    threading.Thread(target=ask, daemon=True).start()
    child = _wait_for_child(server.proc)
    server.close()  # SIGTERM, as closing its terminal or stopping a service does
    assert server.proc.returncode is not None
    assert not _alive(child), "FluidSynth runs on after the web app closed"
    cache = store.session(sid).cache_dir
    assert [p.name for p in cache.iterdir() if p.name.startswith(".improv-render-")] == []
    assert not list(cache.glob("render-*.wav"))  # nothing half-made is kept as a rendering

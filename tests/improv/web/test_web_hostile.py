"""The web app's three bugs of issue 21: a session deleted while its audio streams (a 500),
the peaks of a session deleted while they are read (a 400 instead of 404), and a client that
disconnects mid-upload (a traceback in the log)."""

from __future__ import annotations

import logging
import threading

import anyio
from starlette.requests import Request

from tests.improv.web.conftest import TOKEN


def _run(func, *args):
    """``anyio.run(func, *args)`` in a thread of its own: the browser tests' Playwright keeps an
    event loop running in the main thread for the whole session, and anyio refuses to start a
    second one there."""
    out: dict = {}

    def target():
        try:
            out["value"] = anyio.run(func, *args)
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            out["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


async def _collect(response, *, headers=()):
    """Send ``response`` over a plain ASGI exchange; returns (status, body)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # ASGI 2.4: the body is sent without a listener for the client's disconnect
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "method": "GET",
             "headers": list(headers), "path": "/", "query_string": b""}
    await response(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def test_audio_deleted_while_it_plays_is_sent_whole(demo_store):
    from improv.web.api_media import _file
    from sessions.store import Store

    path, sid = demo_store
    with Store(path) as store:
        session = store.session(sid)
        wav = session.audio_inputs()[0].path
        whole = wav.read_bytes()
        response = _file(wav)  # what the route returns; the body is sent afterwards
        ranged = _file(wav)
        store.delete(sid)
    assert not wav.exists()
    status, body = _run(_collect, response)
    assert status == 200 and body == whole
    status, body = _run(lambda: _collect(ranged, headers=[(b"range", b"bytes=100-199")]))
    assert status == 206 and body == whole[100:200]


def test_peaks_of_a_session_deleted_while_read_are_404(demo_store, client_for):
    from sessions.errors import SessionFormatError, StoreError
    from sessions.store import Store

    path, sid = demo_store
    c = client_for(path)
    app = c.app
    handler = app.exception_handlers[StoreError]
    scope = {"type": "http", "app": app, "path_params": {"session_id": sid}, "headers": [],
             "method": "GET", "path": f"/api/sessions/{sid}/peaks/room-mics"}
    problem = SessionFormatError(f"audio/room-mics.wav of session {sid} cannot be read")
    r = _run(handler, Request(scope), problem)
    assert r.status_code == 400  # the session is there: the file is at fault
    with Store(path) as store:
        store.delete(sid)
    r = _run(handler, Request(scope), problem)
    assert r.status_code == 404 and b"was deleted" in r.body
    assert c.get(f"/api/sessions/{sid}/peaks/room-mics").status_code == 404


def test_upload_cut_off_by_the_client_logs_no_traceback(demo_store, client_for, caplog):
    path, _ = demo_store
    c = client_for(path)
    messages = [{"type": "http.request", "body": b"RIFF" + b"\0" * 1000, "more_body": True},
                {"type": "http.disconnect"}]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/uploads", "raw_path": b"",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8470),
             "headers": [(b"host", b"127.0.0.1:8470"), (b"x-improv-token", TOKEN.encode()),
                         (b"x-improv-request", b"1"), (b"x-filename", b"take.wav"),
                         (b"content-length", b"100000"), (b"origin", b"http://127.0.0.1:8470")]}
    with caplog.at_level(logging.INFO):
        _run(c.app, scope, receive, send)
    assert not [r for r in caplog.records if r.exc_info], caplog.text
    assert "the client disconnected" in caplog.text
    assert TOKEN not in caplog.text

"""Review 29 finding 18 on the web: a recording's title is one line without control
characters, refused before any input is opened."""

from __future__ import annotations

from tests.improv.web.test_api import snapshot


def test_a_recording_title_with_a_newline_or_bell_is_refused(demo_store, client_for):
    path, _ = demo_store
    c = client_for(path)
    before = snapshot(path)
    for title, code in (("Week 3\nsecond line", "U+000A (a newline)"), ("ring\x07", "U+0007")):
        r = c.post("/api/recording", json={"client": "DEMO", "new_client": False,
                                           "title": title,
                                           "players": ["client=midi:no-such-port-4711"]})
        assert r.status_code == 400, r.text
        assert r.json()["error"].startswith(f"title must be one line without control "
                                            f"characters, got {code}")
    assert snapshot(path) == before

"""The Record page after the audio system (JACK) stopped during a recording (review 36):
audio can be used again only by a new improv, and the page says so in plain words on the page
itself; before, it said "the computer's audio system did not answer" and hid "restart
improv" under "Details" in technical words. The device list is answered by the test."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from improv.capture.devices import NEEDS_RESTART

pytestmark = [pytest.mark.browser]


def test_audio_that_needs_a_restart_is_said_on_the_page(tmp_path, live_server, page):
    server = live_server(tmp_path / "store")
    listed = {"audio": [], "hidden": [], "problems": [f"audio: {NEEDS_RESTART}"],
              "midi": [{"name": "Digital Piano:midi_out", "direction": "input",
                        "api": "jack", "index": 0, "label": "Digital Piano"}]}
    page.route("**/api/devices*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(listed)))
    page.goto(server.url)
    page.goto(f"{server.base}/#/record")
    box = page.locator(".devices")
    note = box.locator("p.device-problem")
    expect(note).to_have_text(
        "Audio inputs cannot be used until improv is restarted: the audio system (JACK) "
        "stopped, or stopped answering, during a recording. Close improv and start it again "
        "(with JACK running); "
        "your recordings are kept.", timeout=30000)
    expect(box.locator("details")).to_have_count(0)  # nothing to open to find the way out
    assert "did not answer" not in box.inner_text()

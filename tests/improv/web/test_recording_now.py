"""While a recording runs, the Sessions page and the recorded client's page say so (review
rev-pulse, finding 9), through a JACK server (dummy driver), the real ``improv serve`` and
Chromium.

Before: while C07's first session was recording, the Sessions page said "No sessions yet"
(offering "Record a session" and "Create a demo session") and C07's page "No sessions of this
client yet"; only the header's small badge showed that anything ran.  Now both say "Recording
now: C07 · … , 0:05" with "Go to the recording" (the Record page), from the badge's own look
at /api/recording, and the line says when the recording has stopped and is saved.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.jack, pytest.mark.slow]

WHOSE = "C07 · Drums and voice · therapist T01"


def _api(page, method: str, path: str, body: dict | None = None) -> dict:
    """``method path`` asked from ``page``, signed in as the page is; its JSON answer."""
    status, answer = page.evaluate("""async ([m, p, b]) => {
      const r = await fetch(p, { method: m, body: b ? JSON.stringify(b) : undefined,
        headers: { 'X-Improv-Request': '1', 'Content-Type': 'application/json',
                   'X-Improv-Token': localStorage.getItem('improv-token') } });
      return [r.status, await r.json()];
    }""", [method, path, body])
    assert status < 300, answer
    return answer


def _start(page, rig) -> None:
    """Record kb1 as C07's client (MIDI through the rig's JACK server), as the Record page does."""
    _api(page, "POST", "/api/recording", {
        "client": "C07", "title": "Drums and voice", "therapist": "T01",
        "players": ["client=midi:kb1"],
        "options": {"midi_api": "jack", "jack_server": rig.server.name}})


def _running_line(page):
    """The page's "Recording now" line, shown, whose and with its time running."""
    line = page.locator(".recording-now")
    expect(line).to_be_visible(timeout=15000)
    expect(line).to_contain_text(re.compile(rf"^Recording now: {WHOSE}, \d:\d\d\. "))
    link = line.get_by_role("link", name="Go to the recording")
    expect(link).to_have_attribute("href", "#/record")
    first = line.locator(".recording-now-time").text_content()
    expect(line.locator(".recording-now-time")).not_to_have_text(first, timeout=10000)
    return line


def test_pages_say_a_recording_runs(jack_rig, tmp_path, live_server, page):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    server = live_server(tmp_path / "store", env=rig.server.env)
    page.goto(server.url)
    expect(page.get_by_role("heading", name="No sessions yet")).to_be_visible()

    # the first session of an empty store: the Sessions page (open before the start) says it
    # runs and offers neither another recording nor the demo
    _start(page, rig)
    line = _running_line(page)
    expect(line).to_contain_text("Its session joins the list when the recording is stopped.")
    expect(page.get_by_role("heading", name="No sessions yet")).to_be_hidden()
    expect(page.get_by_role("button", name="Create a demo session")).to_be_hidden()

    # C07's page: its first session is being recorded, not "no sessions"
    page.goto(server.url.split("#")[0] + "#/client/C07")
    _running_line(page)
    expect(page.locator(".no-sessions")).to_have_text(
        "The first session of this client is being recorded now: goals agreed now are kept "
        "here and followed from it.")
    # another client's page does not mention it
    page.goto(server.url.split("#")[0] + "#/client/C08")
    expect(page.locator(".no-sessions")).to_contain_text("No sessions of this client yet")
    expect(page.locator(".recording-now")).to_be_hidden()

    # stopped while C07's page is open: the line says so and leads to the session
    page.goto(server.url.split("#")[0] + "#/client/C07")
    _running_line(page)
    sid = _api(page, "POST", "/api/recording/stop")["result"]["id"]
    line = page.locator(".recording-now")
    expect(line).to_have_text("The recording of C07 has stopped and is saved: Open the session",
                              timeout=15000)
    expect(line.get_by_role("link", name="Open the session")).to_have_attribute(
        "href", f"#/session/{sid}")

    # with sessions in the store: "Recording now" above the list and above C07's sessions
    _start(page, rig)
    page.goto(server.url.split("#")[0] + "#/sessions")
    expect(page.locator("table.sessions tbody tr")).to_have_count(1, timeout=15000)
    _running_line(page)
    assert page.evaluate("""() => !!(document.querySelector('.recording-now')
      .compareDocumentPosition(document.querySelector('table.sessions'))
      & Node.DOCUMENT_POSITION_FOLLOWING)""")
    page.goto(server.url.split("#")[0] + "#/client/C07")
    expect(page.locator("table").first).to_be_visible(timeout=15000)
    _running_line(page)
    _api(page, "POST", "/api/recording/stop")

"""The Record page's live view for a screen reader and without colour (accessibility review
30, findings 12 and 14), in Chromium with the recording's status answered by the test (no
device is needed: ``GET /api/recording`` is routed to the states below).

The elapsed time is a timer, not a live region: nothing is said as the seconds go by; one
polite region says that the recording started, each new warning once (an input unplugged),
the health turning bad, and the end.  A level meter says its zone in words ("loud") beside
the number, the clip light says "CLIPPED", a MIDI light "playing" or "quiet".
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

UNPLUGGED = ("Digital Piano unplugged at 0:05: plug it in again, the recording goes on and "
             "picks it up")

# every change of a live region's text (role status/alert/log, aria-live polite/assertive,
# <output>) inside the live view, counted from when the observer is put in
WATCH = """() => {
  window.liveChanges = [];
  const SEL = '[aria-live]:not([aria-live="off"]), [role=status], [role=alert], [role=log], output';
  const live = (n) => n && n.nodeType === 1 && n.closest(SEL);
  new MutationObserver((ms) => { for (const m of ms) {
    const el = live(m.target.nodeType === 1 ? m.target : m.target.parentElement);
    if (el) window.liveChanges.push(el.className + ': ' + el.textContent);
  } }).observe(document.querySelector('section.live'),
               { subtree: true, childList: true, characterData: true });
}"""


def _state(t, *, events, peak, clipped, connected=True, warnings=(), healthy=True,
           line="healthy"):
    return {
        "active": True, "elapsed_s": t, "client": "C07", "title": None, "therapist": "T01",
        "markers": 0, "marks": [], "live": None, "warnings": list(warnings),
        "health": {"healthy": healthy, "line": line, "details": []},
        "disk": {"free_bytes": 50e9, "time_left_s": 36000},
        "players": {
            "client": {"inputs": [{"kind": "midi", "name": "Digital Piano:midi_out",
                                   "label": "Digital Piano (MIDI)", "connected": connected,
                                   "events": events, "last_note": "C4"}]},
            "therapist": {"inputs": [{"kind": "audio", "name": "system", "device": "system",
                                      "label": "Sound card inputs (system)", "channels": [1],
                                      "connected": True, "peak_dbfs": peak,
                                      "clipped_blocks": clipped}]},
        },
    }


def test_the_live_view_says_changes_once_and_not_by_colour(tmp_path, live_server, page):
    server = live_server(tmp_path / "store")
    now = {"state": _state(1.0, events=10, peak=-8.0, clipped=0)}
    page.route("**/api/recording", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(now["state"])))
    page.goto(server.url)
    page.goto(f"{server.base}/#/record")
    news = page.locator(".live .rec-news")
    expect(news).to_have_text("Recording started: C07 · therapist T01")
    # the elapsed time: a timer that a screen reader does not read out by itself
    elapsed = page.locator(".live .elapsed")
    assert elapsed.evaluate("e => [e.tagName, e.getAttribute('role'), "
                            "e.getAttribute('aria-live')]") == ["SPAN", "timer", "off"]
    assert news.get_attribute("role") == "status"
    # the meter's zone in words, on screen and to a screen reader; the clip light in words
    therapist = page.locator(".live .meter-row[data-player=therapist]")
    expect(therapist.locator(".db")).to_have_text("-8.0 dBFS, loud")
    expect(therapist.get_by_role("meter")).to_have_attribute("aria-valuetext",
                                                             "-8.0 dBFS, loud")
    expect(therapist.locator(".clip")).to_have_text("no clip")
    client = page.locator(".live .meter-row[data-player=client]")
    page.evaluate(WATCH)
    # the seconds go by, notes come, the level is good: nothing is said
    for k in range(2, 6):
        now["state"] = _state(float(k), events=10 + k, peak=-20.0, clipped=0)
        expect(elapsed).to_have_text(f"0:0{k}")
    expect(client.locator(".light-word")).to_have_text("playing")
    expect(therapist.locator(".db")).to_have_text("-20.0 dBFS, good")
    assert page.evaluate("window.liveChanges") == []
    # a MIDI input gives nothing for a while: "quiet", the light a ring, not a grey dot only
    now["state"] = _state(6.0, events=15, peak=-20.0, clipped=0)
    expect(client.locator(".light-word")).to_have_text("quiet")
    assert client.locator(".light").evaluate("e => !e.classList.contains('on')")
    # clipped: said in words on the light
    now["state"] = _state(6.5, events=15, peak=-0.5, clipped=3)
    expect(therapist.locator(".clip")).to_have_text("⚠ CLIPPED")
    expect(therapist.locator(".db")).to_have_text("-0.5 dBFS, too loud, near clipping")
    assert page.evaluate("window.liveChanges") == []
    # unplugged: the warning said once, in the one region, however many polls follow
    for k in range(7, 10):
        now["state"] = _state(float(k), events=15, peak=-20.0, clipped=3, connected=False,
                              warnings=[UNPLUGGED], healthy=False,
                              line=f"client: no MIDI for {k} s")
        expect(elapsed).to_have_text(f"0:0{k}")
    expect(page.locator(".live ul.warnings li")).to_have_text([UNPLUGGED])
    expect(page.locator(".live .health")).to_have_text("Recording: client: no MIDI for 9 s")
    changes = page.evaluate("window.liveChanges")
    assert len(changes) == 1 and changes[0].startswith("sr-only rec-news: "), changes
    assert UNPLUGGED in changes[0] and "Recording: client: no MIDI for " in changes[0], changes
    # the end is said too
    now["state"] = {"active": False, "result": None, "error": "The recorder stopped."}
    expect(page.locator(".live h2")).to_have_text("Recording finished")
    expect(news).to_have_text("The recording ended without a session")

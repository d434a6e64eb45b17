"""The web player lets the therapist hear every player, and switch each on and off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.improv.web.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_hear_switches_per_player(tmp_path, live_server, page):
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    hear = page.get_by_role("group", name="Players to hear")
    boxes = hear.locator("input[type=checkbox]")
    players = [boxes.nth(i).get_attribute("data-player") for i in range(boxes.count())]
    assert len(players) >= 2 and all(boxes.nth(i).is_checked() for i in range(len(players)))

    # the <audio> gets its (signed) address a moment later: asked for with the token header
    audio = page.locator("audio.player")
    expect(audio).to_have_attribute("src", re.compile(
        re.escape("mix.wav?players=" + "%2C".join(players) + "&")))
    shot(page, "hear")
    # the mix of every player plays: the cursor moves with it
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator(".transport .time")).not_to_have_text("0:00.0", timeout=30000)
    page.get_by_role("button", name="Pause", exact=True).click()
    # solo the first player, then switch it off too: nothing to hear, said in words
    hear.get_by_role("button", name=f"Hear only {players[0]}").click()
    expect(audio).to_have_attribute("src", re.compile(re.escape(f"players={players[0]}&")))
    expect(hear.locator("input[type=checkbox]:checked")).to_have_count(1)
    hear.get_by_role("button", name="hear all").click()
    expect(hear.locator("input[type=checkbox]:checked")).to_have_count(len(players))
    for p in players:
        hear.locator(f"input[data-player='{p}']").uncheck()
    expect(page.locator("#status")).to_contain_text("No player is switched on")
    # Play then says the same, not that the session has nothing to play
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator("#status")).to_contain_text("No player is switched on: tick one")
    expect(page.locator("#status")).not_to_contain_text("no audio or MIDI")
    # each player's mix answers (the demo: a MIDI player and a recording)
    for p in players:
        status = page.evaluate(f"fetch('/api/sessions/' + location.hash.split('/').pop() + "
                               f"'/mix.wav?players={p}', {{headers: {{Range: 'bytes=0-43'}}}})"
                               ".then((r) => r.status)")
        assert status == 206

"""The session page's plain summary in labelled parts at 1024x768 (review 28, finding 7: one
block of about 25 sentences filled the first screen above Play, "They" a different pair in each
sentence): a definition list, a part per pair under its own label, and where the whole is
taller than a third of the window the first parts with "More" naming the rest."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from improv.analyze import analyze_session
from sessions.store import Store
from tests.improv.test_summary_groups import import_trio
from tests.improv.web.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_three_players_summary_in_parts_at_1024(tmp_path, live_server, browser, rng):
    path = tmp_path / "store"
    with Store(path) as store:
        sid = import_trio(store, tmp_path, rng=rng)
        analyze_session(store, sid, dialogue=True)
    server = live_server(path)
    ctx = browser.new_context(viewport={"width": 1024, "height": 768})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector("#summary dl", timeout=60000)
    summary = page.locator("#summary")
    labels = summary.locator("dt")
    # a pair's label with a capital as the others (review 29 finding 12)
    expect(labels).to_have_text(["Session", "Client & therapist", "Client & room",
                                 "Therapist & room", "Tempo and pulse", "Dynamics",
                                 "Your annotations"])
    # a part per pair, its label beside its sentences, none of them opening with "They"
    pairs = summary.locator("dd")
    for k in range(1, 4):
        assert not pairs.nth(k).inner_text().startswith(("They", "When they"))
    expect(pairs.nth(0)).to_contain_text("The session lasted 0:")
    dt, dd = labels.nth(1).bounding_box(), pairs.nth(1).bounding_box()
    assert dt["x"] + dt["width"] <= dd["x"] and abs(dt["y"] - dd["y"]) < 4
    # taller than a third of the window: the first parts shown, the rest behind More
    more = page.get_by_role("button", name="More")
    expect(more).to_be_visible()
    expect(labels.first).to_be_visible()
    hidden = [labels.nth(k).inner_text() for k in range(7) if not labels.nth(k).is_visible()]
    assert hidden and "Session" not in hidden and "Your annotations" in hidden
    # the pairs' details (review 29) are behind More too, named first
    assert more.inner_text() == "More: " + ", ".join(["In detail", *hidden])
    details = summary.locator(".summary-detail")
    expect(details).to_have_count(3)
    assert not any(details.nth(k).is_visible() for k in range(3))
    box = summary.bounding_box()
    assert box["height"] <= 768 / 3 + 4, box
    play = page.get_by_role("button", name="Play", exact=True)
    expect(play).to_be_in_viewport()
    assert box["y"] + box["height"] <= play.bounding_box()["y"]
    shot(page, "summary-groups-three-1024")
    more.click()
    for k in range(7):
        expect(labels.nth(k)).to_be_visible()
    for k in range(3):
        expect(details.nth(k)).to_be_visible()
        # on a line of their own, led by "In detail:" (review 29 finding 13), no "0 %"
        expect(details.nth(k)).to_have_text(re.compile(r"^In detail: "))
        expect(details.nth(k)).not_to_have_text(re.compile(r"\b0\u00a0%"))
        assert details.nth(k).bounding_box()["x"] <= pairs.nth(k + 1).bounding_box()["x"] + 1
    less = page.get_by_role("button", name="Less")
    expect(less).to_have_attribute("aria-expanded", "true")
    # open stays open when the summary is said again (a marker counted)
    page.locator(".timeline [role=slider]").focus()
    page.keyboard.press("m")
    expect(pairs.last).to_contain_text("There are 2 annotations")
    expect(labels.last).to_be_visible()
    expect(page.get_by_role("button", name="Less")).to_be_visible()
    page.get_by_role("button", name="Less").click()
    expect(labels.last).to_be_hidden()
    ctx.close()
    assert not errors, errors


def test_a_duets_pair_part_is_a_few_lines_with_its_details_behind_more(tmp_path, live_server,
                                                                       browser):
    """Review 29, finding 1: the demo duet's pair part filled 8 lines at 1024 px. Its first
    sentences (together, turns, who led, imitation) are shown, at most 4 lines; the details
    (alone, turn lengths, timing) open with More and close with Less."""
    from improv.demo import create_demo_session

    path = tmp_path / "store"
    with Store(path) as store:
        sid = create_demo_session(store)["id"]
        analyze_session(store, sid, dialogue=True)
    server = live_server(path)
    ctx = browser.new_context(viewport={"width": 1024, "height": 768})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector("#summary dl", timeout=60000)
    summary = page.locator("#summary")
    pair = summary.locator("dd").nth(1)
    expect(summary.locator("dt").nth(1)).to_have_text("Client & therapist")
    expect(pair).to_contain_text("Client and therapist played together for")
    detail = pair.locator(".summary-detail")
    expect(detail).to_be_hidden()
    line = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                         "'#summary dl')).lineHeight)")
    assert pair.bounding_box()["height"] <= 4 * line + 2, (pair.bounding_box(), line)
    more = page.get_by_role("button", name="More")
    expect(more).to_have_text(re.compile(r"^More: In detail"))
    shot(page, "summary-duet-1024")
    more.click()
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Client played alone for")
    # a paragraph of its own under the first sentences, not run into them (finding 13)
    first = pair.bounding_box()
    assert detail.bounding_box()["x"] <= first["x"] + 1, (detail.bounding_box(), first)
    page.get_by_role("button", name="Less", exact=True).click()
    expect(detail).to_be_hidden()
    ctx.close()
    assert not errors, errors

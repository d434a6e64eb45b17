"""Annotating by touch: tags as finger-sized toggle chips grouped by vocabulary, most used
first (real server, Debian's headless Chromium with a touch-sized viewport)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.annotation_edits import add_annotation
from sessions.store import Store
from tests.sessions.helpers import import_half_duet

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_tag_chips_by_touch(tmp_path, live_server, browser, rng):
    path = tmp_path / "store"
    with Store(path) as store:
        sid = import_half_duet(store, tmp_path, rng=rng)
        for k in range(3):
            add_annotation(store, sid, t=1.0 + k, tags=["autonomy:partner"])
        add_annotation(store, sid, t=5.0, tags=["autonomy:leader"])
        add_annotation(store, sid, t=6.0, tags=["mood:calm"], new_tags=["mood:calm"])
        add_annotation(store, sid, t=7.0, tags=["tension:tense"])
    server = live_server(path)
    ctx = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    groups = page.locator("#ann-tags .chip-group .chip-title").all_inner_texts()
    assert groups[0] == "Common tags"  # not "Tags" again under the label "Tags"
    iap = [g for g in groups if g.startswith("IAP")]
    assert iap[:2] == ["IAP · autonomy", "IAP · tension"]  # the most used profiles first
    assert groups.index("Practice · mood") > groups.index(iap[-1])
    # a profile not used yet is folded to its title, in sight without scrolling; a tap opens it
    salience = page.locator("details.chip-group", has_text="IAP · salience")
    expect(salience).not_to_have_attribute("open", "")
    expect(salience.locator(".chip").first).to_be_hidden()
    box = page.locator("#ann-tags")  # nothing hidden in a scrolling box (before: 22em)
    assert box.evaluate("(el) => el.scrollHeight <= el.clientHeight + 1")
    salience.locator(".chip-title").tap()
    expect(salience.get_by_role("button", name="salience: controlling")).to_be_visible()
    autonomy = page.locator(".chip-group", has_text="IAP · autonomy").locator(".chip")
    assert autonomy.all_inner_texts()[:3] == ["partner", "leader", "dependent"]
    for box in (c.bounding_box() for c in autonomy.all()):
        assert box["height"] >= 44 and box["width"] >= 44  # a fingertip
    follower = page.get_by_role("button", name="autonomy: follower", exact=True)
    follower.tap()
    expect(follower).to_have_attribute("aria-pressed", "true")
    follower.tap()
    expect(follower).to_have_attribute("aria-pressed", "false")
    page.get_by_role("button", name="mood: calm", exact=True).tap()
    page.get_by_role("button", name="autonomy: leader", exact=True).tap()
    page.locator("#ann-t").fill("0:20")
    page.locator("#ann-text").fill("settles")
    page.get_by_role("button", name="Add annotation").click()
    page.locator("table.annotations tr", has_text="settles").wait_for()
    with Store(path) as store:
        (a,) = [x for x in store.session(sid).annotations() if x["text"] == "settles"]
    assert sorted(a["tags"]) == ["autonomy:leader", "mood:calm"]
    # the form is cleared after adding; Edit presses the annotation's chips again
    expect(page.locator("#ann-tags .chip[aria-pressed=true]")).to_have_count(0)
    group = page.locator("details.chip-group", has_text="IAP · autonomy")
    group.locator(".chip-title").tap()  # folded by hand: Edit opens it again
    expect(group).not_to_have_attribute("open", "")
    page.get_by_role("button", name="Edit annotation at 0:20.0").click()
    expect(group).to_have_attribute("open", "")
    pressed = page.locator("#ann-tags .chip[aria-pressed=true]")
    expect(pressed).to_have_count(2)
    assert sorted(pressed.evaluate_all("(els) => els.map((e) => e.dataset.tag)")) == [
        "autonomy:leader", "mood:calm"]
    ctx.close()
    assert not errors, errors

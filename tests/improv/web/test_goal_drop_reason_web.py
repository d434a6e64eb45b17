"""Why a goal was dropped, on the client page (review rev-months, finding 4): *Dropped…* asks
for it (optional) and saves it as ``improv goals drop --reason`` does; the goal then says it.
Real Chromium against the live server."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.improv.test_goals import build_client_store
from tests.improv.web.conftest import shot

WHY = "client prefers to follow for now"


@pytest.fixture
def goal_store(tmp_path):
    return build_client_store(tmp_path)


def _records(path):
    lines = (path / "clients" / "C07" / "goals.jsonl").read_text().splitlines()
    return [json.loads(x) for x in lines]


@pytest.mark.browser
@pytest.mark.slow
def test_dropped_asks_why_saves_it_and_the_goal_says_it(goal_store, live_server, page):
    from sessions.goals import add_goal
    from sessions.store import Store

    path, _ = goal_store
    with Store(path) as store:
        lead = add_goal(store, "C07", text="Dares to lead the music", since="2026-01-05")
        soft = add_goal(store, "C07", text="Plays softly at times", since="2026-01-05")
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    card = page.locator("article.goal", has_text="Dares to lead the music")
    card.wait_for(timeout=120000)
    card.get_by_label("Ends on (empty: today)").fill("2026-02-16")
    card.get_by_role("button", name="Dropped…").click()
    ask = card.get_by_role("alertdialog", name="Confirm")
    expect(ask).to_contain_text("Mark “Dares to lead the music” as dropped on Feb 16, 2026? "
                                "This cannot be undone.")
    why = ask.get_by_label("Why (optional)")
    expect(why).to_be_focused()  # typing goes there; Enter in it answers nothing
    why.fill(WHY)
    why.press("Enter")
    assert _records(path)[-1]["op"] == "create"
    shot(page, "goal_drop_reason_asked")
    ask.get_by_role("button", name="Yes, mark as dropped").click()
    card = page.locator("article.goal", has_text="Dares to lead the music")
    expect(card).to_contain_text("dropped: Jan 5, 2026 to Feb 16, 2026")
    expect(card.locator("p.end-reason")).to_have_text(f"Why it was dropped: {WHY}")
    shot(page, "goal_drop_reason_shown")
    last = _records(path)[-1]
    assert (last["op"], last["id"], last["date"], last["reason"]) == (
        "drop", lead["id"], "2026-02-16", WHY)
    # Reached asks for no reason; a goal dropped without one says none
    soft_card = page.locator("article.goal", has_text="Plays softly at times")
    soft_card.get_by_role("button", name="Reached…").click()
    expect(soft_card.get_by_role("alertdialog", name="Confirm").get_by_role("textbox")
           ).to_have_count(0)
    soft_card.get_by_role("button", name="Cancel").click()
    soft_card.get_by_role("button", name="Dropped…").click()
    soft_card.get_by_role("button", name="Yes, mark as dropped").click()
    soft_card = page.locator("article.goal", has_text="Plays softly at times")
    expect(soft_card).to_contain_text("dropped: Jan 5, 2026 to")
    expect(soft_card.locator("p.end-reason")).to_have_count(0)
    last = _records(path)[-1]
    assert (last["op"], last["id"], last["reason"]) == ("drop", soft["id"], "")

"""The day a goal was agreed, corrected on the client page; a change dated too early says how
(review 35): the API, and the page in real Chromium."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.improv.test_goals import build_client_store
from tests.improv.web.conftest import shot
from tests.sessions.helpers import tree_snapshot

TOO_EARLY = ("A change of “Dares to lead” can apply from Feb 2, 2026 (when its current version "
             "began) or later. To count earlier sessions, correct the day the goal was agreed.")


@pytest.fixture
def goal_store(tmp_path):
    return build_client_store(tmp_path)


def _add(path, text, since):
    from sessions.goals import add_goal
    from sessions.store import Store

    with Store(path) as store:
        return add_goal(store, "C07", text=text, since=since, indicators=[
            {"measure": "client_leads_share", "direction": "up", "player": "client|therapist"}])


def test_the_api_refuses_an_early_change_by_the_goals_text_and_corrects_the_day_agreed(
        goal_store, client_for):
    path, ids = goal_store
    g = _add(path, "Dares to lead", "2026-02-02")
    c = client_for(path)
    before = tree_snapshot(path)
    r = c.patch(f"/api/goals/{g['id']}", json={"text": "Leads", "since": "2026-01-05"})
    assert r.status_code == 400 and r.json()["error"] == TOO_EARLY, r.text
    assert "g-" not in r.text
    assert tree_snapshot(path) == before
    r = c.patch(f"/api/goals/{g['id']}", json={"agreed_on": "2026-01-05"})
    assert r.status_code == 200, r.text
    assert r.json()["since"] == "2026-01-05"
    (goal,) = c.get("/api/clients/C07/goals").json()["goals"]
    assert [v["sessions"] for v in goal["versions"]] == [[], ids]
    assert [v["corrects_agreed"] for v in goal["versions"]] == [False, True]
    lines = (path / "clients" / "C07" / "goals.jsonl").read_text().splitlines()
    assert [json.loads(x).get("corrects") for x in lines] == [None, "agreed"]
    assert json.loads(lines[0])["since"] == "2026-02-02"  # the first line as written
    # after a change from a later day: refused, in words
    c.patch(f"/api/goals/{g['id']}", json={"text": "Leads and follows", "since": "2026-02-09"})
    r = c.patch(f"/api/goals/{g['id']}", json={"agreed_on": "2026-01-12"})
    assert r.status_code == 400 and r.json()["error"].startswith(
        "the day “Leads and follows” was agreed can no longer be corrected"), r.text


@pytest.mark.browser
@pytest.mark.slow
def test_the_change_form_starts_at_the_current_version_and_the_day_agreed_is_corrected(
        goal_store, live_server, page):
    from sessions.goals import edit_goal

    path, ids = goal_store
    g = _add(path, "Dares to lead", "2026-02-02")
    fixed = _add(path, "Plays sofly", "2026-01-12")
    from sessions.store import Store

    with Store(path) as store:  # the text corrected on the version's first day
        edit_goal(store, "C07", fixed["id"], text="Plays softly", since="2026-01-12")
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    card = page.locator("article.goal", has_text="Dares to lead")
    card.wait_for(timeout=120000)
    # the replaced version is not a second period "to now"
    softly = page.locator("article.goal", has_text="Plays softly")
    expect(softly).to_contain_text(
        "Version 1 (replaced the same day by version 2; not used): “Plays sofly”")
    expect(softly).to_contain_text("Version 2, Jan 12, 2026 to now: “Plays softly”")
    # Change…: the picker starts on the current version's first day, not the first session
    card.get_by_role("button", name="Change…").click()
    change = card.get_by_role("form", name="Change goal")
    since = change.get_by_label("Applies from")
    expect(since).to_have_attribute("min", "2026-02-02")
    expect(change).to_contain_text("The earliest day: Feb 2, 2026, when the current version "
                                   "began (to count earlier sessions, correct the day it was "
                                   "agreed)")
    # a day typed before it: the goal by its text and the way out, no internal ID
    change.get_by_label("Goal").fill("Dares to lead and follow")
    since.fill("2026-01-05")
    change.get_by_role("button", name="Save change").click()
    expect(change.get_by_role("alert")).to_have_text(TOO_EARLY)
    shot(page, "goal-change-too-early")
    # the way out: Correct the day it was agreed…
    card.get_by_role("button", name="Correct the day it was agreed…").click()
    fix = card.get_by_role("form", name="Correct the day agreed")
    agreed = fix.get_by_label("Agreed on")
    expect(agreed).to_be_focused()
    expect(agreed).to_have_value("2026-02-02")
    expect(agreed).to_have_attribute("min", "2026-01-05")
    agreed.fill("2026-01-05")
    fix.get_by_role("button", name="Save the day").click()
    card = page.locator("article.goal", has_text="Dares to lead")
    expect(card).to_contain_text("active since Jan 5, 2026")
    expect(card).to_contain_text("Version 1 (agreed on Feb 2, 2026 as first entered; corrected "
                                 "to Jan 5, 2026 by version 2; not used): “Dares to lead”")
    expect(card).to_contain_text("Version 2, Jan 5, 2026 to now")
    shot(page, "goal-agreed-day-corrected")
    expect(page.locator("#goal-" + g["id"])).to_be_focused()
    # every session counts for it now
    marks = page.locator("td.goal-marks").all_inner_texts()
    assert len(marks) == len(ids) and all("Goal" in m for m in marks), marks

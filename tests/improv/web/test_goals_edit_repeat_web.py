"""A goal's Change… that would make it repeat another active goal of the client is refused
as a repeated new goal is: 400 with the command line's sentence and where on the page that
goal is changed or ended, said next to the form's button; the goal log as it was."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.improv.test_goals import build_client_store
from tests.sessions.helpers import tree_snapshot

REPEATS = ("this change would make the goal repeat “Comes to the sessions”, active since Jan "
           "5, 2026, which follows the same measures the same way; change or end that goal "
           "instead (its Change…, Reached… or Dropped… button, under the goal)")
BOTH = {"measure": "joint_share", "direction": "up", "player": "client|therapist"}


@pytest.fixture
def goal_store(tmp_path):
    return build_client_store(tmp_path)


def _two_goals(c) -> list[str]:
    """“Comes to the sessions” (Both playing, up) and “Plays more” (notes per second, up)."""
    ids = []
    for text, ind in (("Comes to the sessions", BOTH),
                      ("Plays more", {"measure": "notes_per_s", "direction": "up",
                                      "player": "client"})):
        r = c.post("/api/clients/C07/goals",
                   json={"text": text, "since": "2026-01-05", "indicators": [ind]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_a_change_into_a_repeat_is_refused_and_the_log_left_as_it_was(goal_store, client_for):
    path, _ = goal_store
    c = client_for(path)
    first, second = _two_goals(c)
    before = tree_snapshot(path)
    r = c.patch(f"/api/goals/{second}", json={"text": "Plays with the therapist",
                                              "indicators": [BOTH], "tags": []})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == REPEATS
    assert tree_snapshot(path) == before
    # the same change to the first goal itself, or the other way up, repeats nothing
    assert c.patch(f"/api/goals/{first}", json={"text": "Comes, and plays along"}
                   ).status_code == 200
    down = dict(BOTH, direction="down")
    assert c.patch(f"/api/goals/{second}", json={"indicators": [down]}).status_code == 200


def test_the_change_form_says_why_next_to_its_button(goal_store, client_for, live_server,
                                                      page):
    path, _ = goal_store
    _two_goals(client_for(path))
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    card = page.locator("article.goal", has_text="Plays more")
    card.wait_for(timeout=120000)
    card.get_by_role("button", name="Change…").click()
    change = card.get_by_role("form", name="Change goal")
    change.get_by_label("Measure").select_option("joint_share")
    change.get_by_label("Player").select_option("client|therapist")
    change.get_by_role("button", name="Save change").click()
    # the page starts the server's sentence as a sentence (api.js)
    expect(change.get_by_role("alert")).to_have_text("T" + REPEATS[1:])
    # nothing added: the goal still has its one version
    page.reload()
    card = page.locator("article.goal", has_text="Plays more")
    card.wait_for(timeout=120000)
    expect(card).not_to_contain_text("Version 2")
    expect(page.locator("article.goal")).to_have_count(2)

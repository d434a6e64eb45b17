"""The client page's goals from the keyboard (accessibility review 30, findings 2, 5 and 13).

Ending a goal (or deleting a client's goals) cannot be undone: the question's focus is on
*Cancel* (*Dropped…*: on its field for why, where Enter answers nothing), so that a second
Enter does not answer yes; Escape closes it and the focus goes back
to the button that asked.  After a goal is added, changed or ended the focus is on its
heading, never the top of the page; *Change…* opens one form per goal and moves the focus
into it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

ACTIVE = ("() => { const e = document.activeElement; "
          "return [e.tagName, e.id, e.textContent.trim()]; }")


def _intake_store(tmp_path, texts):
    """A store whose client N01 has goals agreed at intake (no sessions: the page is quick)."""
    from sessions.goals import add_goal
    from sessions.store import Store

    path = tmp_path / "store"
    with Store(path) as store:
        ids = [add_goal(store, "N01", text=t)["id"] for t in texts]
    return path, ids


def _status(path, gid):
    from sessions.goals import client_goals
    from sessions.store import Store

    with Store(path) as store:
        return next(g["status"] for g in client_goals(store, "N01")["goals"] if g["id"] == gid)


def test_ending_a_goal_asks_with_the_focus_on_cancel_and_escape_closes(tmp_path, live_server,
                                                                        page):
    path, (first, second) = _intake_store(tmp_path, ["Comes to the sessions", "Plays along"])
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/N01")
    card = page.locator("article.goal", has_text="Comes to the sessions")
    reached = card.get_by_role("button", name="Reached…")
    reached.focus()
    # a double Enter (or a repeating key) answers Cancel, not yes
    page.keyboard.press("Enter")
    ask = card.get_by_role("alertdialog", name="Confirm")
    expect(ask).to_contain_text("This cannot be undone.")
    assert page.evaluate(ACTIVE)[2] == "Cancel"
    page.keyboard.press("Enter")
    expect(ask).to_be_hidden()
    assert page.evaluate(ACTIVE)[2] == "Reached…"
    assert _status(path, first) == "active"
    # Escape closes the question; the focus is back on the button that asked
    page.keyboard.press("Enter")
    expect(ask).to_be_visible()
    page.keyboard.press("Escape")
    expect(ask).to_be_hidden()
    assert page.evaluate(ACTIVE)[2] == "Reached…"
    assert _status(path, first) == "active"
    # Dropped asks why (optional): the focus in that field, where a second Enter answers
    # nothing (review rev-months, finding 4); Cancel one Tab away, yes two; after it the
    # focus is on the goal's heading, not the page's top
    other = page.locator("article.goal", has_text="Plays along")
    other.get_by_role("button", name="Dropped…").focus()
    page.keyboard.press("Enter")
    expect(other.get_by_label("Why (optional)")).to_be_focused()
    page.keyboard.press("Enter")
    expect(other.get_by_role("alertdialog", name="Confirm")).to_be_visible()
    assert _status(path, second) == "active"
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)[2] == "Cancel"
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)[2] == "Yes, mark as dropped"
    page.keyboard.press("Enter")
    expect(page.locator("article.goal", has_text="Plays along")).to_contain_text("dropped:")
    expect(page.locator(f"#goal-{second}")).to_be_focused()
    assert _status(path, second) == "dropped" and _status(path, first) == "active"


def test_deleting_a_clients_goals_asks_with_the_focus_on_cancel(tmp_path, live_server, page):
    path, (gid,) = _intake_store(tmp_path, ["Comes to the sessions"])
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/N01")
    opener = page.get_by_role("button", name="Delete this client’s goals…")
    opener.focus()
    page.keyboard.press("Enter")
    ask = page.get_by_role("alertdialog", name="Delete the goals?")
    expect(ask).to_contain_text("Delete every goal of client N01? This cannot be undone.")
    expect(ask.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(ask).to_be_hidden()
    expect(opener).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # the second Enter is Cancel's
    expect(ask).to_be_hidden()
    expect(opener).to_be_focused()
    expect(page.locator("h1")).to_have_text("Client N01")
    assert _status(path, gid) == "active"


def test_adding_and_changing_a_goal_keep_the_focus_on_it(tmp_path, live_server, page):
    path, (gid,) = _intake_store(tmp_path, ["Comes to the sessions"])
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/N01")
    card = page.locator("article.goal", has_text="Comes to the sessions")
    change = card.get_by_role("button", name="Change…")
    expect(change).to_have_attribute("aria-expanded", "false")
    # Change… opens one form, the focus in its first field; pressed again it closes it
    change.focus()
    page.keyboard.press("Enter")
    expect(card.get_by_role("form", name="Change goal")).to_have_count(1)
    expect(change).to_have_attribute("aria-expanded", "true")
    expect(card.get_by_role("form", name="Change goal").get_by_label("Goal")).to_be_focused()
    change.focus()
    page.keyboard.press("Enter")
    expect(card.get_by_role("form", name="Change goal")).to_have_count(0)
    expect(change).to_have_attribute("aria-expanded", "false")
    expect(change).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map((e) => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    expect(page.locator("form.goal-form")).to_have_count(2)  # the add form and one change form
    # saved from the keyboard: the focus on the changed goal's heading
    page.keyboard.press("Control+a")
    page.keyboard.type("Comes every week")
    card.get_by_role("button", name="Save change").focus()
    page.keyboard.press("Enter")
    expect(page.locator("article.goal h3")).to_have_text(["Goal 1: Comes every week"])
    expect(page.locator(f"#goal-{gid}")).to_be_focused()
    # a goal added from the keyboard: the focus on its heading (Goal 2)
    form = page.get_by_role("form", name="Add a goal")
    form.get_by_label("Goal").focus()
    page.keyboard.type("Plays along")
    form.get_by_role("button", name="Add goal").focus()
    page.keyboard.press("Enter")
    expect(page.locator("article.goal h3")).to_have_count(2)
    assert page.evaluate(ACTIVE)[:1] + page.evaluate(ACTIVE)[2:] == ["H3", "Goal 2: Plays along"]
    # the planned length saved: the focus stays on its button, drawn anew
    page.get_by_label("sessions", exact=True).fill("12")
    page.get_by_role("button", name="Save length").focus()
    page.keyboard.press("Enter")
    expect(page.locator("section.goals")).to_contain_text("Planned: 12 sessions")
    expect(page.get_by_role("button", name="Save length")).to_be_focused()

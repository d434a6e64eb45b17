"""A new client started on the Clients page (goals agreed at intake, before a first session):
the first goal of a client code that reads like a person's name is refused by the server unless
``not_a_name``, as the Record page's Start is (tests/improv/web/test_record_name_codes.py).  The
Clients page's "press Open again to use it anyway" carries over to that first goal; a client
page opened without it asks with the server's sentence and a *Use it anyway* button."""

from __future__ import annotations

import pytest

from tests.improv.web.test_goals_intake_web import goal_store  # noqa: F401 - a fixture

GOAL = {"text": "Comes to the sessions",
        "indicators": [{"measure": "joint_share", "direction": "up",
                        "player": "client|therapist"}]}


def test_the_first_goal_of_a_name_is_refused_unless_not_a_name(goal_store, client_for):  # noqa: F811
    path, _ = goal_store
    c = client_for(path)
    r = c.post("/api/clients/Anna/goals", json=GOAL)
    assert r.status_code == 400
    assert r.json()["error"] == (
        "the client code 'Anna' looks like a name: a code must not identify the person; use a "
        "pseudonym such as C07, or add the goal with \"Use it anyway\" if it is one")
    assert not (path / "clients" / "Anna").exists()
    assert "Anna" not in {x["client"] for x in c.get("/api/clients").json()["clients"]}
    r = c.post("/api/clients/Anna/goals", json={**GOAL, "not_a_name": True})
    assert r.status_code == 201, r.text
    # Anna is known now: a second goal, in other letters, is not asked about
    r = c.post("/api/clients/anna/goals", json={
        "text": "Leads at times", "indicators": [
            {"measure": "client_leads_share", "direction": "up", "player": "client|therapist"}]})
    assert r.status_code == 201, r.text
    # a code, no name: nothing asked
    assert c.post("/api/clients/N21/goals", json=GOAL).status_code == 201


def _add_goal(page):
    form = page.get_by_role("form", name="Add a goal")
    form.get_by_label("Goal").fill("Comes to the sessions")
    form.get_by_label("Measure").select_option("joint_share")
    form.get_by_label("Player").select_option("client|therapist")
    form.get_by_role("button", name="Add goal").click()
    return form


@pytest.mark.browser
def test_use_it_anyway_on_the_clients_page_adds_the_goal(goal_store, live_server, page):  # noqa: F811
    path, _ = goal_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/clients")
    page.get_by_label("Client code").fill("Anna")
    opener = page.get_by_role("button", name="Open the client’s page")
    opener.click()
    page.locator("#new-client-said").get_by_text('"Anna" looks like a name').wait_for()
    opener.click()  # use it anyway
    page.locator("h1", has_text="Client Anna").wait_for()
    _add_goal(page)
    page.locator("article.goal", has_text="Comes to the sessions").wait_for()
    assert (path / "clients").is_dir() and any((path / "clients").iterdir())


@pytest.mark.browser
def test_a_client_page_opened_directly_asks(goal_store, live_server, page):  # noqa: F811
    from playwright.sync_api import expect

    path, _ = goal_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/Maria")
    page.locator("h1", has_text="Client Maria").wait_for()
    form = _add_goal(page)
    said = form.locator("p.error")
    expect(said).to_contain_text("The client code 'Maria' looks like a name")
    expect(page.locator("article.goal")).to_have_count(0)
    said.get_by_role("button", name="Use it anyway").click()
    expect(page.locator("article.goal", has_text="Comes to the sessions")).to_be_visible()

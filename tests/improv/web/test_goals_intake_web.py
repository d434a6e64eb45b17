"""Goals agreed before the client's first session in the web app, and an unknown player or
pair, or one that cannot have the measure, said in the page's words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.improv.test_goals import build_client_store
from tests.sessions.helpers import tree_snapshot


@pytest.fixture
def goal_store(tmp_path):
    return build_client_store(tmp_path)


def test_goals_api_for_a_client_without_sessions(goal_store, client_for):
    path, _ = goal_store
    c = client_for(path)
    r = c.get("/api/clients/N01/goals")
    assert r.status_code == 200 and r.json()["goals"] == [] and r.json()["sessions"] == []
    # the usual players before any session; the measures from the feature list
    choices = r.json()["choices"]
    assert choices["players"] == ["client", "therapist", "client|therapist"]
    assert "client_leads_share" in choices["measures"]
    assert "floor_transfers" not in choices["measures"]
    r = c.post("/api/clients/N01/goals", json={
        "text": "Comes to the sessions",
        "indicators": [{"measure": "joint_share", "direction": "up",
                        "player": "client|therapist"}]})
    assert r.status_code == 201, r.text
    (g,) = c.get("/api/clients/N01/goals").json()["goals"]
    assert g["reading"] == "no sessions yet to measure it against"
    assert "no sessions yet to measure it against" in g["line"]
    listed = {x["client"]: x for x in c.get("/api/clients").json()["clients"]}
    assert listed["N01"]["sessions"] == 0 and listed["N01"]["active_goals"] == 1
    # a client with sessions is not deleted here; one without is, with its goals
    r = c.delete("/api/clients/C07/goals")
    assert r.status_code == 409 and "has sessions" in r.json()["error"]
    assert c.delete("/api/clients/N01/goals").status_code == 200
    assert not (path / "clients" / "N01").exists()
    assert "N01" not in {x["client"] for x in c.get("/api/clients").json()["clients"]}
    assert c.delete("/api/clients/N01/goals").status_code == 404
    assert c.delete("/api/clients/..%2Fx/goals").status_code in (400, 404)


def test_an_unknown_player_is_said_with_pairs_as_the_page_names_them(goal_store, client_for):
    path, _ = goal_store
    c = client_for(path)
    before = tree_snapshot(path)
    r = c.post("/api/clients/C07/goals", json={
        "text": "X", "indicators": [{"measure": "joint_share", "direction": "up",
                                     "player": "client|room"}]})
    assert r.status_code == 400, r.text
    message = r.json()["error"]
    assert message.startswith("client & room (Both playing) is not in client C07's sessions: "
                              "choose who under Player (client, therapist, or client & "
                              "therapist)"), message
    assert "|" not in message
    assert tree_snapshot(path) == before


def test_the_web_says_whom_to_choose_and_offers_only_who_fits(goal_store, client_for):
    path, _ = goal_store
    c = client_for(path)
    r = c.post("/api/clients/N01/goals", json={
        "text": "Both play more", "indicators": [
            {"measure": "joint_share", "direction": "up", "player": "client"}]})
    assert r.status_code == 400
    assert r.json()["error"] == ("Both playing is a measure of two players: choose client & "
                                 "therapist under Player")
    r = c.post("/api/clients/C07/goals", json={
        "text": "Softer", "indicators": [
            {"measure": "notes_per_s", "direction": "down", "player": "client|therapist"}]})
    assert r.status_code == 400
    assert r.json()["error"] == ("Notes per second is a measure of one player: choose client "
                                 "or therapist under Player")
    for code in ("N01", "C07"):  # before the first session, and measures not measured yet
        who = c.get(f"/api/clients/{code}/goals").json()["choices"]["measure_players"]
        assert who["joint_share"] == ["client|therapist"], code
        assert who["velocity_mean"] == ["client", "therapist"], code
        assert who["floor_transfers_per_min"] == ["client|therapist"], code
    who = c.get("/api/clients/N01/goals").json()["choices"]["measure_players"]
    assert who["client_leads_share"] == ["client|therapist"]
    assert who["notes_per_s"] == ["client", "therapist"]


def test_a_new_clients_goal_says_what_it_follows(goal_store, client_for):
    path, _ = goal_store
    c = client_for(path)
    r = c.post("/api/clients/N01/goals", json={
        "text": "Takes turns", "indicators": [
            {"measure": "floor_transfers_per_min", "direction": "up",
             "player": "client|therapist"},
            {"measure": "client_leads_share", "direction": "up", "player": "client|therapist"}],
        "tags": [{"tag": "autonomy:leader", "direction": "up"}]})
    assert r.status_code == 201, r.text
    (g,) = c.get("/api/clients/N01/goals").json()["goals"]
    assert [i["follows"] for i in g["versions"][0]["indicators"]] == [
        "Turn changes per minute of client & therapist, progress when it goes up",
        "client leads, progress when it goes up",
        "annotations tagged autonomy:leader per session, progress when it goes up"]


def test_clients_page_leads_to_a_new_clients_goals(goal_store, live_server, page):
    path, _ = goal_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/clients")
    page.get_by_label("Client code").fill("N01")
    page.get_by_role("button", name="Open the client’s page").click()
    expect(page.locator("h1")).to_have_text("Client N01")
    expect(page.locator("main")).to_contain_text("No sessions of this client yet")
    form = page.get_by_role("form", name="Add a goal")
    form.get_by_label("Goal").fill("Comes to the sessions")
    # the Player list offers only who can have the measure (review 29 finding 1)
    player = form.get_by_label("Player")
    form.get_by_label("Measure").select_option("notes_per_s")
    expect(player.locator("option")).to_have_text(["choose who", "client", "therapist"])
    form.get_by_label("Measure").select_option("joint_share")
    expect(player.locator("option")).to_have_text(["client & therapist"])
    form.get_by_label("Player").select_option("client|therapist")
    expect(form.get_by_label("Player").locator("option:checked")).to_have_text(
        "client & therapist")
    form.get_by_role("button", name="Add goal").click()
    goal = page.locator("article.goal", has_text="Comes to the sessions")
    # what the goal follows, in words, from the day it is added (review 29 finding 2)
    expect(goal.locator("p.follows")).to_have_text(
        "Follows: Both playing of client & therapist, progress when it goes up.")
    expect(goal.locator("svg")).to_have_count(0)  # nothing to draw yet
    # "no sessions yet" said once, at the top, not again per goal (review 29 finding 15)
    expect(page.locator("main")).not_to_contain_text(re.compile("no sessions yet to measure",
                                                                re.I))
    expect(page.locator("section.goals")).not_to_contain_text("baseline band")
    # the Clients list has the client, with its open goal and no session
    page.goto(f"{server.base}/#/clients")
    row = page.locator("tr[data-client='N01']")
    expect(row).to_contain_text("no sessions yet")
    expect(row.locator("td").nth(5)).to_have_text("1")
    row.get_by_role("link", name="N01").click()
    expect(page.locator("article.goal", has_text="Comes to the sessions")).to_be_visible()
    # the goals agreed can be printed before the first session (review 29 finding 16)
    with page.expect_download() as got:
        page.get_by_role("button", name="Report (HTML)").click()
    report = got.value
    assert report.suggested_filename == "improv-client-N01.html"
    assert "Goal 1: Comes to the sessions" in open(report.path(), encoding="utf-8").read()
    page.get_by_role("button", name="Delete this client’s goals…").click()
    page.get_by_role("button", name="Yes, delete the goals").click()
    expect(page.locator("h1")).to_have_text("Clients")
    expect(page.locator("tr[data-client='N01']")).to_have_count(0)
    assert not (path / "clients" / "N01").exists()


def test_a_bad_new_client_code_is_said_beside_the_field(goal_store, live_server, page):
    """Review 29 (new, finding 4): a bad code led to a "Something went wrong" page and an
    empty field did nothing; now each is said beside the field and the Clients page stays."""
    path, _ = goal_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/clients")
    expect(page.get_by_role("heading", name="A new client")).to_be_visible()
    field = page.get_by_label("Client code")
    said = page.locator("#new-client-said")
    opener = page.get_by_role("button", name="Open the client’s page")
    opener.click()
    expect(said).to_have_text("Type the new client's code first, e.g. C21.")
    field.fill("c21 new")
    opener.click()
    expect(said).to_contain_text('The client code "c21 new" has a space')
    expect(page.locator("h1")).to_have_text("Clients")
    expect(field).to_have_value("c21 new")
    assert field.get_attribute("maxlength") == "32"
    field.fill("Anna")  # reads like a name: said once, a second Open goes ahead
    opener.click()
    expect(said).to_contain_text('"Anna" looks like a name')
    expect(page.locator("h1")).to_have_text("Clients")
    opener.click()
    expect(page.locator("h1")).to_have_text("Client Anna")


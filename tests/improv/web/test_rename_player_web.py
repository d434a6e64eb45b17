"""Renaming a player on the session page (*Rename a player* in the correction panel,
``POST /api/sessions/{id}/players/rename``): the page, its piano roll and its measures read
the new name; the change is listed in the session's history."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from sessions.revisions import read_revisions
from sessions.store import Store
from tests.sessions.helpers import tree_snapshot


def test_the_api_renames_and_the_piano_roll_and_measures_follow(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    assert set(c.get(f"/api/sessions/{sid}/notes-roll").json()["players"]) == {
        "client", "therapist"}  # cached in the session's cache/ now
    before = tree_snapshot(path / "sessions")
    for body, status, words in (
            ({"old": "cello", "new": "x"}, 400, "has no player 'cello'"),
            ({"old": "client", "new": "Therapist"}, 400, "players are not merged"),
            ({"old": "client", "new": "Dr.K"}, 400, "must be 1-32 letters"),
            ({"old": "client"}, 422, None)):
        bad = c.post(f"/api/sessions/{sid}/players/rename", json=body)
        assert bad.status_code == status, bad.text
        if words:
            assert words in bad.json()["error"]
    assert tree_snapshot(path / "sessions") == before
    r = c.post(f"/api/sessions/{sid}/players/rename",
               json={"old": "client", "new": "clinet", "by": "T01"})
    assert r.status_code == 200, r.text
    assert r.json()["players"] == ["clinet", "therapist"]
    assert r.json()["player_names"] == {"client": "clinet"}
    s = c.get(f"/api/sessions/{sid}").json()
    assert s["players"] == ["clinet", "therapist"] and s["midi_players"] == ["clinet", "therapist"]
    roll = c.get(f"/api/sessions/{sid}/notes-roll").json()["players"]
    assert set(roll) == {"clinet", "therapist"} and roll["clinet"]["pitch"]
    (rev,) = c.get(f"/api/sessions/{sid}/revisions").json()["revisions"]
    assert (rev["field"], rev["from"], rev["to"]) == ("player", "client", "clinet")


@pytest.mark.browser
@pytest.mark.slow
def test_the_correction_panel_renames_a_player(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    page.get_by_role("button", name="Correct title, client or players").click()
    page.get_by_label("Rename a player").select_option("client")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator("#status")).to_have_text("Type the new name of client")
    page.get_by_label("New name").fill("therapist")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator("#status")).to_contain_text("players are not merged")
    page.get_by_label("New name").fill("clinet")
    page.locator("#fix-by").fill("T01")
    page.locator("#fix-reason").fill("typo at import")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator("#status")).to_have_text(
        "Player client renamed clinet: measured again under the new name when analysed; the "
        "earlier name is kept in the history")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)  # the page, drawn again
    history = page.locator("ul.corrections li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("Player client renamed clinet")
    expect(history).to_contain_text("by T01 (typo at import)")
    kits = page.get_by_role("group", name="Drum kits")
    expect(kits.get_by_label("clinet's MIDI input 1")).to_be_visible()
    options = page.evaluate(
        "() => [...document.querySelectorAll('#fix-player option')].map((o) => o.value)")
    assert options == ["", "clinet", "therapist"]
    with Store(path) as store:
        assert store.session(sid).players == ["clinet", "therapist"]
        (rev,) = read_revisions(store.folder(sid))
        assert (rev["field"], rev["from"], rev["to"], rev["by"], rev["reason"]) == (
            "player", "client", "clinet", "T01", "typo at import")


@pytest.mark.browser
@pytest.mark.slow
def test_the_old_mix_failing_after_a_rename_leaves_the_message(demo_store, live_server, page):
    """The page drawn before the rename asked for the mix of "client, therapist"; when that
    request fails after the rename (the player is gone), the therapist still reads what the
    correction did, not "Cannot play" of a page no longer shown."""
    path, sid = demo_store
    server = live_server(path)
    held = []
    page.route("**/mix.wav*", lambda route: held.append(route))  # answered below
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    page.wait_for_function("() => document.querySelector('audio.player').src !== ''")
    page.wait_for_timeout(500)
    assert held, "the page asked for no mix"
    page.get_by_role("button", name="Correct title, client or players").click()
    page.get_by_label("Rename a player").select_option("client")
    page.get_by_label("New name").fill("clinet")
    page.get_by_role("button", name="Save correction").click()
    said = ("Player client renamed clinet: measured again under the new name when analysed; "
            "the earlier name is kept in the history")
    expect(page.locator("#status")).to_have_text(said)
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    old = [r for r in held if "client%2Ctherapist" in r.request.url or
           "client,therapist" in r.request.url]
    assert old, [r.request.url for r in held]
    for route in old:
        route.abort()
    page.wait_for_timeout(1000)  # the detached page's audio has had its error event
    expect(page.locator("#status")).to_have_text(said)
    expect(page.locator("#status")).not_to_have_class("error")
    # every request held is answered (one left pending was logged, at the garbage collection
    # of its task, into a later test's output: "Task was destroyed but it is pending!")
    page.unroute("**/mix.wav*")
    for route in held:
        if route not in old:
            with contextlib.suppress(PlaywrightError):  # the browser gave it up already
                route.abort()

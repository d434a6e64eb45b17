"""The client page says when the sessions do not all name the same players: each measure is
followed by player name, so "Piano-client" in one session and "client" in the others were two
courses without a word (review 28, second round, finding 1)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from sessions.revisions import rename_player
from sessions.store import Store


def _compare(c):
    deadline = time.monotonic() + 180
    while (r := c.get("/api/clients/C07/compare")).status_code == 202:
        assert time.monotonic() < deadline, r.json()
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_comparison_says_when_players_are_named_differently(course_store, client_for):
    path, ids = course_store
    c = client_for(path)
    assert _compare(c)["players_differ"] is None  # one name each: nothing to say
    with Store(path) as store:
        rename_player(store, ids[0], "client", "Piano-client")
    said = _compare(c)["players_differ"]
    assert said.startswith("The sessions do not all name the same players (Session 1 (Jan 5): "
                           "Piano-client, therapist; Session 2 (Jan 12), Session 3 (Jan 19) "
                           "and Session 4 (Jan 26): client, therapist).")
    assert "rename a player on the session's page" in said
    with Store(path) as store:
        rename_player(store, ids[0], "Piano-client", "client")
    assert _compare(c)["players_differ"] is None


@pytest.mark.browser
def test_the_client_page_shows_it(course_store, live_server, page):
    path, ids = course_store
    with Store(path) as store:
        rename_player(store, ids[0], "client", "Piano-client")
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    note = page.get_by_role("note").filter(has_text="do not all name the same players")
    expect(note).to_contain_text("Session 1 (Jan 5): Piano-client, therapist", timeout=120000)

"""The client page reads a changed goal as the command line does (review rev-months, finding
8): the reading says which sessions each measure covers, and the chart of the version after
the change draws the band agreed at the start, with the sessions of the fall below it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.improv.test_goal_reading_changed import _with_stability
from tests.improv.test_goals import build_client_store
from tests.improv.web.conftest import shot


@pytest.fixture
def changed_store(tmp_path):
    """C07 (eight weekly sessions from Jan 5, 2026) with a goal on the client's tempo
    stability, changed from Feb 2 in its words, keeping that measure and adding silence."""
    from improv.reports.goal_indicators import add_goal, edit_goal
    from sessions.store import Store

    path, ids = build_client_store(tmp_path)
    _with_stability(path, ids)
    stability = {"measure": "tempo_stability", "direction": "up", "player": "client"}
    with Store(path) as store:
        g = add_goal(store, "C07", text="Keeps a steady shared pulse", since="2026-01-05",
                     indicators=[stability])
        edit_goal(store, g["id"], text="Keeps a steady pulse and rests at times",
                  since="2026-02-02", indicators=[stability, {
                      "measure": "silence_share", "direction": "down", "player": "client"}])
    return path, ids


def test_the_api_line_of_a_changed_goal_names_the_sessions_it_covers(changed_store,
                                                                     client_for):
    path, ids = changed_store
    (g,) = client_for(path).get("/api/clients/C07/goals").json()["goals"]
    assert g["line"] == (
        "“Keeps a steady pulse and rests at times” (since Jan 5, 2026): client (MIDI) · Tempo "
        "stability: no clear change over 8 sessions since Jan 5, 2026 (4 of them below the "
        "baseline band); client (MIDI) · Silence: 4 sessions since the goal was changed on "
        "Feb 2, 2026, too few sessions to judge (5 are needed).")
    stability = g["versions"][1]["indicators"][0]
    assert stability["band_ends"] == "0.68–1.00" and stability["outside_band"] == ids[5:]


def test_the_client_page_reads_a_changed_goal_against_the_first_band(changed_store,
                                                                     live_server, page):
    path, _ = changed_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    goal = page.locator("article.goal", has_text="Keeps a steady pulse and rests at times")
    goal.wait_for(timeout=120000)
    expect(goal.locator("p.reading")).to_have_text(
        "Client (MIDI) · Tempo stability: no clear change over 8 sessions since Jan 5, 2026 (4 "
        "of them below the baseline band); client (MIDI) · Silence: 4 sessions since the goal "
        "was changed on Feb 2, 2026, too few sessions to judge (5 are needed).")
    after = goal.locator("div.goal-version").nth(1)
    chart = after.locator('figure.goal-chart[data-indicator="client (MIDI) · Tempo stability"]')
    expect(chart).to_contain_text("band 0.68–1.00")  # not 0.16–1.00, set anew after the change
    expect(chart.locator("path.pt.outside")).to_have_count(3)
    shot(page, "goal_changed_reading")

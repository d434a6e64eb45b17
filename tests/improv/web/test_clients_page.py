"""The Clients page: every client code with its sessions and open goals (API and Chromium)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.improv.web.conftest import shot
from tests.sessions.helpers import import_weekly_session


@pytest.fixture
def clients_store(tmp_path):
    """C07: three weekly 20 s sessions, one goal open and one reached; C12: one session, no
    goals; one session with no client code. Yields (store path, {client: ids oldest first})."""
    from sessions.goals import add_goal, end_goal
    from sessions.store import Store

    path = tmp_path / "store"
    rng = np.random.default_rng(3)
    start = datetime(2026, 2, 2, 9, 30, tzinfo=timezone.utc)
    ids: dict[str | None, list[str]] = {"C07": [], "C12": [], None: []}
    with Store(path) as store:
        for week in range(3):
            ids["C07"].append(import_weekly_session(store, tmp_path, week=week, notes=20,
                                                    duration=20.0, rng=rng, start=start))
        ids["C12"].append(import_weekly_session(store, tmp_path, week=1, notes=10, duration=20.0,
                                                rng=rng, start=start, client="C12"))
        ids[None].append(import_weekly_session(store, tmp_path, week=2, notes=10, duration=20.0,
                                               rng=rng, start=start, client=None))
        add_goal(store, "C07", text="Plays softly at times", since="2026-02-02")
        done = add_goal(store, "C07", text="Stays in the room", since="2026-02-02")
        end_goal(store, "C07", done["id"], op="reach", on="2026-02-16")
    return path, ids


def test_clients_api_counts_sessions_time_and_open_goals(clients_store, client_for):
    path, ids = clients_store
    r = client_for(path).get("/api/clients")
    assert r.status_code == 200
    d = r.json()
    assert [c["client"] for c in d["clients"]] == ["C07", "C12"]
    c07, c12 = d["clients"]
    assert c07["sessions"] == 3 and c12["sessions"] == 1
    assert c07["first_utc"].startswith("2026-02-02") and c07["latest"]["id"] == ids["C07"][-1]
    assert c07["latest"]["number"] == 3 and c07["latest"]["started_utc"].startswith("2026-02-16")
    assert c07["recorded_s"] == pytest.approx(60.0, abs=1.5)
    # the reached goal is not open any more
    assert c07["active_goals"] == 1 and c12["active_goals"] == 0
    assert not c07["demo"]
    assert d["unassigned"] == 1


def test_clients_api_on_an_empty_store(tmp_path, client_for):
    from sessions.store import Store

    Store(tmp_path / "store").close()
    d = client_for(tmp_path / "store").get("/api/clients").json()
    assert d == {"clients": [], "unassigned": 0}


@pytest.mark.browser
def test_clients_page_lists_clients_and_leads_to_their_pages(clients_store, live_server, page):
    path, ids = clients_store
    server = live_server(path)
    page.goto(server.url)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()
    table = page.locator("table.clients")
    expect(table.locator("thead th")).to_have_text(
        ["Client", "Sessions", "First session", "Latest session", "Time recorded", "Open goals"])
    row = table.locator('tr[data-client="C07"]')
    expect(row.locator("td")).to_have_text(
        ["C07", "3", "Feb 2, 2026", "Session 3 · Feb 16, 2026", "1 min", "1"])
    c12 = table.locator('tr[data-client="C12"] td')
    expect(c12.nth(4)).to_have_text("under 1 min")  # 20 s, not "0 min"
    expect(c12.last).to_have_text("none")
    expect(page.get_by_text("1 session has no client code; the Sessions page lists them."))\
        .to_be_visible()
    shot(page, "clients-page")
    row.get_by_role("link", name="C07").click()
    expect(page.get_by_role("heading", name="Client C07", level=1)).to_be_visible()
    # the client's own page sits under Clients in the menu
    expect(page.get_by_role("link", name="Clients")).to_have_attribute("aria-current", "page")
    page.go_back()
    table.locator('tr[data-client="C07"]').get_by_role("link", name="Session 3").click()
    expect(page).to_have_url(f"{server.base}/#/session/{ids['C07'][-1]}")


@pytest.mark.browser
def test_time_recorded_reads_as_a_therapist_counts_it(tmp_path, live_server, page):
    """Review 29: the demo's 1:30 read "2 min" and a client with no sessions "0 min"."""
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    cases = [0, 20, 58.5, 61, 90, 595, 599, 45 * 60 + 10, 3 * 3600 + 20 * 60, 7200]
    got = page.evaluate("(cases) => import('/static/clients.js')"
                        ".then((m) => cases.map((s) => m.fmtDuration(s)))", cases)
    assert got == ["–", "under 1 min", "1 min", "1 min", "1 min 30 s", "9 min 55 s", "10 min",
                   "45 min",
                   "3 h 20 min", "2 h"]

"""The client page's charts as a therapist reads them (review 27b: findings 4, 5, 6, 20): a
session outside the band has a marker of its own; a session without a value breaks the line,
is marked on the axis and named under the chart; the axes have round ticks, shares 0-100 and
0-1 measures 0-1 (a goal chart went up to 1.38), and every session's day below; a client with
one session gets the values of that session, not trend charts of one dot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTES, SILENCE = "client.midi.notes_per_s", "client.midi.silence_share"


def _open(page, server, query):
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?{query}")
    page.wait_for_selector("table.trend-table", timeout=120000)


def ticks(page, col):
    return page.locator(f'figure.trend[data-column="{col}"] svg text.tick').all_text_contents()


def test_outside_band_and_missing_sessions_are_marked(course_store, live_server, page):
    """The comparison as the server gives it, with the third session's density taken out and
    the fourth outside the band: the fourth is a triangle (the legend says so), the line stops
    before the third and starts again after it, and the axis and a line under the chart say
    the third has no value."""
    path, ids = course_store
    server = live_server(path)

    def answer(route):
        r = route.fetch().json()
        if r.get("status") == "analysing":
            route.fulfill(json=r)
            return
        f = r["features"][NOTES]
        f["values"][2] = None
        f["outside_band"] = [ids[3]]
        route.fulfill(json=r)

    page.route(re.compile(r".*/api/clients/C07/compare.*"), answer)
    _open(page, server, "features=notes_per_s,silence_share")
    fig = page.locator(f'figure.trend[data-column="{NOTES}"]')
    expect(fig.locator("path.pt.outside")).to_have_count(1)
    expect(fig.locator("circle.pt")).to_have_count(2)  # sessions 1 and 2 (3 has none)
    expect(page.locator("p.legend")).to_contain_text("outside band: a later session above (▲) "
                                                     "or below (▼) the band")
    # two pieces of line (sessions 1-2, and 4 alone draws none): never bridged over session 3
    assert fig.locator("polyline.course").count() == 1
    points = fig.locator("polyline.course").get_attribute("points").split()
    assert len(points) == 2
    expect(fig.locator("text.no-value")).to_have_text("no value")
    expect(fig.locator("p.missing")).to_have_text("Session 3: no value, not counted.")
    # every session's day under the axis, as the page writes days
    dates = fig.locator("text.date").all_text_contents()
    assert dates == ["Jan 5", "Jan 12", "Jan 19", "Jan 26"], dates


def test_axes_have_round_ticks_and_keep_to_the_measures_range(course_store, live_server, page):
    path, _ = course_store
    server = live_server(path)
    _open(page, server, "features=notes_per_s,silence_share,pulse_clarity")
    assert ticks(page, SILENCE) == ["0", "25", "50", "75", "100"]
    assert ticks(page, "client.midi.pulse_clarity") == ["0", "0.5", "1"]
    values = [float(t.replace("−", "-")) for t in ticks(page, NOTES)]
    steps = {round(b - a, 9) for a, b in zip(values, values[1:], strict=False)}
    assert len(steps) == 1 and steps.pop() in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5), values
    assert all(abs(v / 0.05 - round(v / 0.05)) < 1e-6 for v in values), values  # round numbers


def test_a_goal_chart_of_a_0_1_measure_ends_at_1(course_store, live_server, page, client_for):
    """A 0-1 measure whose baseline band reaches past 1 (mean + 2 SD) is drawn from 0 to 1."""
    path, ids = course_store
    c = client_for(path)
    r = c.post("/api/clients/C07/goals", json={
        "text": "Plays with a steadier pulse", "since": "2026-01-05",
        "indicators": [{"measure": "pulse_clarity", "direction": "up", "player": "client"}]})
    assert r.status_code == 201, r.text
    server = live_server(path)
    _open(page, server, "features=notes_per_s")
    chart = page.locator("figure.goal-chart").first
    expect(chart).to_be_visible(timeout=60000)
    assert chart.locator("svg text.tick").all_text_contents() == ["0", "0.5", "1"]
    assert chart.locator("svg text.date").count() == 4


def test_a_client_with_one_session_gets_its_values(tmp_path, live_server, page):
    from datetime import datetime, timezone

    import numpy as np

    from sessions.store import Store
    from tests.sessions.helpers import import_weekly_session

    path = tmp_path / "store"
    with Store(path) as store:
        import_weekly_session(store, tmp_path, week=0, notes=30, duration=20.0,
                              rng=np.random.default_rng(1),
                              start=datetime(2026, 1, 5, 10, tzinfo=timezone.utc))
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    table = page.locator("table.trend-table.one-session")
    expect(table).to_be_visible(timeout=120000)
    expect(table.locator("caption")).to_contain_text(
        "Trends start with the second session; the values of Session 1")
    expect(table.locator("thead th")).to_have_text(["Measure", "Unit", "Value"])
    row = table.locator(f'tr[data-column="{NOTES}"] td.num')
    expect(row).to_have_text(re.compile(r"^1\.5\d$"))  # 30 notes in 20 s
    assert page.locator("figure.trend").count() == 0
    assert "mean ± 2 SD of 1 session" not in page.locator("main").inner_text()

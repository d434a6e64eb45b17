"""The goal charts on the client page mark the sessions outside the baseline band as the trend
charts do: the goals API names them (``outside_band``, by improv.reports.compare's rule) and
the chart draws each as a triangle pointing the way it left the band, with a legend that says
so (real server, headless Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_goal_chart_marks_the_sessions_outside_the_band(course_store, live_server, page,
                                                          client_for):
    from sessions.annotation_edits import add_annotations
    from sessions.store import Store

    path, ids = course_store
    # markers per session: 1, 2, 1 in the baseline (the fixture put one in the second), then 6
    with Store(path) as store:
        for sid, n in zip(ids, (1, 1, 1, 6), strict=True):
            add_annotations(store, sid, [{"t": 1.0 + k, "tags": ["marker"]} for k in range(n)])
    c = client_for(path)
    r = c.post("/api/clients/C07/goals", json={
        "text": "Marks the music more often", "since": "2026-01-05",
        "tags": [{"tag": "marker", "direction": "up"}]})
    assert r.status_code == 201, r.text
    (ind,) = c.get("/api/clients/C07/goals").json()["goals"][0]["versions"][0]["indicators"]
    assert ind["values"] == [1, 2, 1, 6] and ind["outside_band"] == [ids[3]]
    from improv.reports.compare import band_ends

    assert ind["band_ends"] == band_ends(None, ind["band"])  # a count of tags
    low, high = (float(x) for x in ind["band_ends"].split("–"))
    assert low < 1 and 2 < high < 6  # holds the baseline's 1, 2, 1; not the 6

    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s")
    chart = page.locator("figure.goal-chart").first
    expect(chart).to_be_visible(timeout=120000)
    expect(chart.locator("path.pt.outside")).to_have_count(1)
    expect(chart.locator("path.pt.outside.above")).to_have_count(1)  # above the band: ▲
    expect(chart.locator("circle.pt")).to_have_count(3)
    # the triangle is the last session's, at the right end
    xs = [float(chart.locator("circle.pt").nth(k).get_attribute("cx")) for k in range(3)]
    tip = chart.locator("path.pt.outside").get_attribute("d").split()[0]
    assert float(tip[1:].split(",")[0]) > max(xs)
    legend = page.locator("section.goals p.legend")
    expect(legend).to_contain_text("outside band: a later session above (▲) or below (▼) "
                                   "the band")
    expect(legend).to_contain_text("baseline band")
    # the band by its ends, as 'improv goals show' prints it
    expect(chart.locator("figcaption")).to_contain_text(f"band {ind['band_ends']}")
    label = chart.locator("svg").get_attribute("aria-label")
    assert label.endswith("; 1 session outside the band"), label

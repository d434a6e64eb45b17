"""The client page's course and goal charts when a day holds two sessions (review 28): on a
day axis they stood on one point, their labels over each other ("Dec 6" twice). As in the
client report (improv.reports.trend_plots.session_axis), the sessions then stand one step
apart in their order, labelled with number and day ("3 · Jan 12"), the axis named "session
number · day"; sessions on different days keep the day axis, where a long break shows. The
charts' triangles (outside the band) and gaps (no value) stay at their sessions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTES = "client.midi.notes_per_s"
AXIS_NAME = "session number · day"


def _moved(iso: str, delta: timedelta) -> str:
    return (datetime.fromisoformat(iso) + delta).isoformat()


def _open(page, server, query="features=notes_per_s"):
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?{query}")
    page.wait_for_selector("table.trend-table", timeout=120000)


def _xs(fig) -> list[float]:
    return [float(x) for x in fig.locator("svg text.date").evaluate_all(
        "els => els.map((e) => e.getAttribute('x'))")]


def _labels_inside(fig) -> bool:
    """Whether every label under the chart lies inside it (none cut at an edge)."""
    return fig.locator("svg").evaluate(
        "s => [...s.querySelectorAll('text.date, text.axis-name')].every((e) => {"
        " const b = e.getBBox(); return b.x >= 0 && b.x + b.width <= s.viewBox.baseVal.width"
        " && b.y + b.height <= s.viewBox.baseVal.height; })")


def _analysed(route):
    """The comparison as the server gives it, or None while it analyses (passed on as is)."""
    r = route.fetch().json()
    if r.get("status") == "analysing":
        route.fulfill(json=r)
        return None
    return r


def test_two_sessions_of_one_day_stand_apart_numbered(course_store, live_server, page,
                                                      client_for):
    """Session 3 an hour after session 2, on its day: every session one step apart, labelled
    "3 · Jan 12", the axis named; session 4 outside the band is still a triangle at its
    place, session 2 without a value still breaks the line and is marked there; the goal
    chart labels its sessions the same way."""
    path, ids = course_store
    c = client_for(path)
    r = c.post("/api/clients/C07/goals", json={
        "text": "Plays more", "since": "2026-01-05",
        "indicators": [{"measure": "notes_per_s", "direction": "up", "player": "client"}]})
    assert r.status_code == 201, r.text
    server = live_server(path)

    def compare(route):
        r = _analysed(route)
        if r is None:
            return
        s1, s2 = r["sessions"][1], r["sessions"][2]
        s2["started_utc"] = _moved(s1["started_utc"], timedelta(hours=1))
        s2["days"] = s1["days"] + 1 / 24
        f = r["features"][NOTES]
        f["values"][1] = None
        f["outside_band"] = [ids[3]]
        route.fulfill(json=r)

    def goals(route):
        r = route.fetch().json()
        at = {s["id"]: s for s in r["sessions"]}
        at[ids[2]]["started_utc"] = _moved(at[ids[1]]["started_utc"], timedelta(hours=1))
        route.fulfill(json=r)

    page.route(re.compile(r".*/api/clients/C07/compare.*"), compare)
    page.route(re.compile(r".*/api/clients/C07/goals$"), goals)
    _open(page, server)
    fig = page.locator(f'figure.trend[data-column="{NOTES}"]')
    expect(fig.locator("svg text.date")).to_have_text(
        ["1 · Jan 5", "2 · Jan 12", "3 · Jan 12", "4 · Jan 26"])
    expect(fig.locator("svg text.axis-name")).to_have_text(AXIS_NAME)
    xs = _xs(fig)
    steps = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    assert min(steps) > 60 and max(steps) - min(steps) < 0.01, xs  # one step apart
    # the triangle of session 4 at its label, the gap of session 2 at its label
    d = fig.locator("path.pt.outside").get_attribute("d")
    assert abs(float(re.match(r"M([\d.]+),", d).group(1)) - xs[3]) < 0.01, (d, xs)
    expect(fig.locator("text.no-value")).to_have_text("no value")
    assert abs(float(fig.locator("text.no-value").get_attribute("x")) - xs[1]) < 0.01
    assert fig.locator("polyline.course").count() == 1  # sessions 3-4; 1 alone draws none
    # the axis' name below the labels, inside the chart
    box = fig.locator("svg").evaluate(
        "s => { const b = (q) => s.querySelector(q).getBBox(); const n = b('text.axis-name');"
        " return { name: n.y, bottom: n.y + n.height, label: b('text.date').y"
        " + b('text.date').height, height: s.viewBox.baseVal.height }; }")
    assert box["label"] <= box["name"] and box["bottom"] <= box["height"], box
    assert _labels_inside(fig)
    # the goal chart: the same labels and name
    goal = page.locator("figure.goal-chart").first
    expect(goal).to_be_visible(timeout=60000)
    expect(goal.locator("svg text.date")).to_have_text(
        ["1 · Jan 5", "2 · Jan 12", "3 · Jan 12", "4 · Jan 26"])
    expect(goal.locator("svg text.axis-name")).to_have_text(AXIS_NAME)
    assert _labels_inside(goal)  # "4 · Jan 26" was cut at the right edge
    assert not page.js_errors, page.js_errors


def test_many_sessions_two_a_day_have_labels_apart(course_store, live_server, page):
    """Twelve sessions, two a day: the labels shown never overlap, and each names its
    session (every second one where all twelve do not fit)."""
    path, _ids = course_store
    server = live_server(path)
    n = 12

    def compare(route):
        r = _analysed(route)
        if r is None:
            return
        base = r["sessions"]
        start = datetime.fromisoformat(base[0]["started_utc"])
        sessions = []
        for i in range(n):
            s = dict(base[i % len(base)], id=f"{base[i % len(base)]['id']}-{i}", number=i + 1)
            s["started_utc"] = (start + timedelta(days=7 * (i // 2), hours=i % 2)).isoformat()
            s["days"] = 7 * (i // 2) + (i % 2) / 24
            sessions.append(s)
        r["sessions"] = sessions
        for f in r["features"].values():
            f["values"] = [f["values"][i % len(base)] for i in range(n)]
            f["fit"] = None
            f["trend"] = None
            f["outside_band"], f["outliers"] = [], []
        route.fulfill(json=r)

    page.route(re.compile(r".*/api/clients/C07/compare.*"), compare)
    _open(page, server)
    fig = page.locator(f'figure.trend[data-column="{NOTES}"]')
    expect(fig.locator("svg text.axis-name")).to_have_text(AXIS_NAME)
    labels = fig.locator("svg text.date").all_text_contents()
    assert labels[:2] == ["1 · Jan 5", "3 · Jan 12"], labels
    assert all(re.fullmatch(r"\d+ · [A-Z][a-z]{2} \d+", t) for t in labels), labels
    boxes = fig.locator("svg text.date").evaluate_all(
        "els => els.map((e) => { const b = e.getBBox(); return [b.x, b.x + b.width]; })")
    assert all(a[1] + 4 <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
    assert fig.locator("circle.pt").count() == n  # every session has its point
    assert _labels_inside(fig)


def test_sessions_on_different_days_keep_the_day_axis(course_store, live_server, page):
    """No day holds two sessions: the labels are days, the axis has no name, and a break of
    two months between sessions 3 and 4 shows as a longer distance."""
    path, _ids = course_store
    server = live_server(path)

    def compare(route):
        r = _analysed(route)
        if r is None:
            return
        last = r["sessions"][3]
        last["started_utc"] = _moved(last["started_utc"], timedelta(days=60))
        last["days"] += 60
        route.fulfill(json=r)

    page.route(re.compile(r".*/api/clients/C07/compare.*"), compare)
    _open(page, server)
    fig = page.locator(f'figure.trend[data-column="{NOTES}"]')
    expect(fig.locator("svg text.date").first).to_have_text("Jan 5")
    labels = fig.locator("svg text.date").all_text_contents()
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d+", t) for t in labels), labels
    assert fig.locator("svg text.axis-name").count() == 0
    points = fig.locator("polyline.course").get_attribute("points").split()
    xs = [float(p.split(",")[0]) for p in points]
    assert len(xs) == 4 and xs[3] - xs[2] > 5 * (xs[1] - xs[0]), xs  # 67 days against 7

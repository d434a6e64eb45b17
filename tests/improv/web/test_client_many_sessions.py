"""The client page of a client with many sessions (review 33, scale F6): a course chart
whose measure has no value in most sessions marks them quietly on its axis, never with
words over each other; the sentence under the chart counts them and lists them behind a
disclosure; and the treatment goals are on the first screen: the session list above them
shows the latest ten until the therapist asks for all."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.improv.web.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 30
TEMPO, NOTES = "client.midi.tempo_bpm", "client.midi.notes_per_s"
#: the sessions (0-based, oldest first) that keep a tempo; the other 25 have no clear pulse
PULSE = (0, 7, 15, 22, 29)


@pytest.fixture(scope="module")
def many_store(tmp_path_factory):
    """Client C07 with 30 weekly 8 s MIDI sessions; nothing analysed yet."""
    from datetime import datetime, timezone

    import numpy as np

    from sessions.store import Store
    from tests.sessions.helpers import import_weekly_session

    folder = tmp_path_factory.mktemp("many")
    path = folder / "store"
    rng = np.random.default_rng(33)
    start = datetime(2025, 1, 6, 10, 0, tzinfo=timezone.utc)
    with Store(path) as store:
        for i in range(N):
            import_weekly_session(store, folder, week=i, notes=int(8 * (1.0 + 0.02 * i)),
                                  duration=8.0, rng=rng, start=start)
    return path


def _no_pulse_in_most(route):
    """The comparison as the server gives it, with a tempo in six sessions only."""
    r = route.fetch().json()
    if r.get("status") == "analysing":
        route.fulfill(json=r)
        return
    # random notes have no pulse at all: the tempo is made from the density's column
    notes = r["features"][NOTES]
    f = r["features"].setdefault(TEMPO, {**notes, "label": "Tempo", "unit": "BPM", "trend": None,
                                         "band": None, "fit": None, "definition": None})
    if TEMPO not in r["columns"]:
        r["columns"].append(TEMPO)
    f.update(outside_band=[], outliers=[])
    f["values"] = [100.0 + i if i in PULSE else None for i in range(len(r["sessions"]))]
    route.fulfill(json=r)


def _open(page, server):
    page.route(re.compile(r".*/api/clients/C07/compare.*"), _no_pulse_in_most)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=tempo_bpm,notes_per_s")
    page.wait_for_selector(f'figure.trend[data-column="{TEMPO}"]', timeout=300000)


#: the boxes of an svg's words, in the chart's own units
BOXES = """s => [...s.querySelectorAll('text')].map((t) => { const b = t.getBBox();
  return { text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height }; })"""


def _overlaps(boxes):
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
                    and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]):
                out.append((a["text"], b["text"]))
    return out


def test_many_sessions_without_a_value_are_marked_quietly(many_store, live_server, page):
    server = live_server(many_store)
    _open(page, server)
    shot(page, "client_many_sessions")
    fig = page.locator(f'figure.trend[data-column="{TEMPO}"]')
    # no words over each other in any chart: not the gaps' words, not the days, not the ticks
    for f in page.locator("figure.trend svg").all():
        boxes = f.evaluate(BOXES)
        assert boxes and not _overlaps(boxes), _overlaps(boxes)[:5]
    # 25 gaps, too close for words: each a mark on the axis, the words said once below
    expect(fig.locator("text.no-value")).to_have_count(0)
    expect(fig.locator(".no-value-mark")).to_have_count(N - len(PULSE))
    expect(fig.locator("circle.pt, path.pt")).to_have_count(len(PULSE))
    expect(fig.locator("p.missing")).to_have_text(
        f"Not counted: {N - len(PULSE)} of {N} sessions without a clear pulse (the dashes on "
        "the axis).")
    which = fig.locator("details.missing-list")
    expect(which.locator("summary")).to_have_text("Which sessions")
    expect(which).not_to_have_attribute("open", "")
    which.locator("summary").click()
    expect(which.locator("p")).to_have_text(
        "Sessions 2–7, 9–15, 17–22 and 24–29: no clear pulse.")
    # the chart's words for a screen reader: the count, never a list of 25 numbers
    label = fig.locator("svg").get_attribute("aria-label")
    assert f"Not counted: {N - len(PULSE)} of {N} sessions without a clear pulse" in label, label
    assert "2, 3" not in label and len(label) < 400, label
    # the values table says it for each session
    rows = fig.locator("details:not(.missing-list) tbody tr")
    expect(rows).to_have_count(N)
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("no clear pulse")
    # the legend says once what the dashes are
    expect(page.locator("p.legend")).to_contain_text(
        "no value (a session’s tempo needs a clear pulse through most of the playing)")
    # a chart with a value in every session: no marks, no sentence
    notes = page.locator(f'figure.trend[data-column="{NOTES}"]')
    expect(notes.locator(".no-value-mark")).to_have_count(0)
    expect(notes.locator("p.missing")).to_have_count(0)


def test_goals_are_on_the_first_screen_above_a_long_session_list(many_store, live_server, page):
    server = live_server(many_store)
    _open(page, server)
    goals = page.locator("section.goals h2")
    expect(goals).to_have_text("Treatment goals")
    # on the first screen, without scrolling
    top = goals.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    assert top < page.viewport_size["height"] - 60, top
    # the list: the latest ten, then all on request, and back
    rows = page.locator("table.sessions tbody tr")
    expect(rows).to_have_count(N)
    expect(page.locator("table.sessions tbody tr:visible")).to_have_count(10)
    expect(rows.first).to_contain_text(f"Session {N}")
    caption = page.locator("table.sessions caption")
    expect(caption).to_have_text(f"{N} sessions, the latest 10 shown")
    more = page.get_by_role("button", name=f"Show all {N} sessions")
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(page.locator("table.sessions tbody tr:visible")).to_have_count(N)
    expect(caption).to_have_text(f"{N} sessions")
    less = page.get_by_role("button", name="Show the latest 10 only")
    expect(less).to_have_attribute("aria-expanded", "true")
    less.click()
    expect(page.locator("table.sessions tbody tr:visible")).to_have_count(10)
    expect(page.get_by_role("button", name=f"Show all {N} sessions")).to_be_focused()


def _goal_without_pulse_in_most(route):
    """The goals as the server gives them, the first indicator made a tempo with a value in
    five sessions only."""
    r = route.fetch().json()
    ind = r["goals"][0]["versions"][0]["indicators"][0]
    ind.update(measure="tempo_bpm", label="Tempo", unit="BPM", band=None, band_ends=None,
               outside_band=[])
    ind["values"] = [100.0 + i if i in PULSE else None for i in range(len(ind["values"]))]
    route.fulfill(json=r)


def test_a_goal_chart_marks_many_sessions_without_a_value_quietly(many_store, live_server,
                                                                  page, client_for):
    """The goal charts had the same pile of "no clear pulse" words (helper note, review 33)."""
    c = client_for(many_store)
    r = c.post("/api/clients/C07/goals", json={
        "text": "Keeps a steady pulse", "since": "2025-01-06",
        "tags": [{"tag": "marker", "direction": "up"}]})
    assert r.status_code == 201, r.text
    server = live_server(many_store)
    page.route(re.compile(r".*/api/clients/C07/goals$"), _goal_without_pulse_in_most)
    _open(page, server)
    chart = page.locator("figure.goal-chart").first
    expect(chart).to_be_visible(timeout=120000)
    n = N  # every session is in the goal's time
    expect(chart.locator("text.no-value")).to_have_count(0)
    expect(chart.locator(".no-value-mark")).to_have_count(n - len(PULSE))
    expect(chart.locator("p.missing")).to_have_text(
        f"{n - len(PULSE)} of {n} sessions without a clear pulse: the dashes on the axis; not "
        "counted.")
    boxes = chart.locator("svg").evaluate(BOXES)
    assert not _overlaps(boxes), _overlaps(boxes)[:5]

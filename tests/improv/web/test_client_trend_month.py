"""The client page's trend table after a therapist's review: four sessions on four days in a
row read "+330" BPM per 30 days and a velocity of "+170" on its 0-127 scale (a month's change
extrapolated from three days). The trend per 30 days is given only where the sessions span
four weeks (:data:`analysis.trends.MIN_SPAN_DAYS`): null in the JSON, "–" on the screen with
a tooltip saying why. The measures' descriptions are in a therapist's words
(:func:`improv.reports.labels.meaning`), not the feature list's ("MIDI note onsets",
"(MTTB)", "windows", "tempo_source"); the ``*`` of a widened band is said in a line under the
table."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import numpy as np
import pytest
from playwright.sync_api import expect

NOTES = "client.midi.notes_per_s"
SILENCE = "client.midi.silence_share"


def _compare(c, query="features=notes_per_s,silence_share"):
    deadline = time.monotonic() + 120
    while (r := c.get(f"/api/clients/C07/compare?{query}")).status_code == 202:
        assert time.monotonic() < deadline, r.json()
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_month_of_change_needs_four_weeks_of_sessions(course_store, client_for):
    """Four weekly sessions span 21 days: no trend per 30 days; a fifth (28 days) has it."""
    from sessions.store import Store
    from tests.sessions.helpers import import_weekly_session

    path, _ = course_store
    c = client_for(path)
    r = _compare(c)
    assert r["trend_min_span_days"] == 28
    t = r["features"][NOTES]["trend"]
    assert t["slope_per_session"] > 0 and t["slope_per_30_days"] is None
    # the screen's words for what it measures; the feature list's stay in "definition"
    f = r["features"][NOTES]
    assert f["meaning"].startswith("how many notes were played per second")
    assert f["definition"] == "MIDI note onsets per second over the session"
    assert "MTTB" not in r["features"][SILENCE]["meaning"]
    with Store(path) as store:
        import_weekly_session(store, path.parent, week=4, notes=60, duration=20.0,
                              rng=np.random.default_rng(7),
                              start=datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc))
    t = _compare(c)["features"][NOTES]["trend"]
    assert t["slope_per_30_days"] == pytest.approx(t["slope_per_session"] * 30 / 7, rel=0.3)


@pytest.mark.browser
@pytest.mark.slow
def test_the_screen_says_why_there_is_no_month_and_what_the_star_means(course_store,
                                                                         live_server, page):
    path, _ = course_store
    server = live_server(path)
    widen = {"on": True}

    def compare(route):
        r = route.fetch().json()
        if r.get("status") == "ok":  # one band widened, the others not (or none: no line)
            for f in r["features"].values():
                if f["band"]:
                    f["band"]["min_half_width"] = None
            r["features"][NOTES]["band"]["min_half_width"] = 0.1 if widen["on"] else None
        route.fulfill(json=r)

    page.route(re.compile(r".*/api/clients/C07/compare.*"), compare)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s,silence_share")
    page.wait_for_selector("table.trend-table", timeout=120000)
    row = page.locator(f'table.trend-table tbody tr[data-column="{NOTES}"]')
    month = row.locator("td").nth(4)  # Trend / 30 days
    expect(month).to_have_text("–")
    why = month.get_attribute("title")
    assert "the sessions span 21 days" in why and "four weeks (28 days)" in why, why
    expect(row.locator("th .definition")).to_have_text(
        "how many notes were played per second, on average over the session "
        "(from the instrument's MIDI)")
    text = row.inner_text() + page.locator(
        f'table.trend-table tbody tr[data-column="{SILENCE}"]').inner_text()
    for jargon in ("onsets", "MTTB", "windows", "tempo_source"):
        assert jargon not in text, jargon
    # the band's * said under the table, not only on hover
    expect(row.locator("td").nth(6)).to_contain_text("*")
    note = page.locator("p.star-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text(
        "varied less in the baseline sessions than the smallest change that matters for the "
        "measure")
    # without a widened band, no such line
    widen["on"] = False
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s,silence_share&band_sd=3")
    page.wait_for_selector("table.trend-table", timeout=120000)
    expect(page.locator("table.trend-table")).to_be_visible()
    expect(page.locator("p.star-note")).to_have_count(0)
    assert "*" not in page.locator("table.trend-table tbody").inner_text()
    assert not page.js_errors, page.js_errors

"""The client's course says why a session has no tempo, as the session's summary says it
(review rev-months, 2): the course chart and the client report said "no clear pulse, not
counted" of a session whose summary said "Client had a clear pulse much of the time (78 % of
the time they played), around 69 BPM". Now a session whose pulse was clear only part of the
time reads "no single tempo (a clear pulse only part of the time)" in the client report,
the API and under the client page's chart ("no single tempo" on its axis); a session without
any pulse still reads "no clear pulse" (real store, real analysis, Chromium)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.improv.web.conftest import shot
from tests.sessions.helpers import write_midi

TEMPO_COL = "client.midi.tempo_bpm"
PART = "no single tempo (a clear pulse only part of the time)"


def _notes(seed: int, free: tuple[float, float] | None, *, rate: float) -> list:
    """Notes every 0.5 s over 60 s, except in ``free`` (start, end) where they fall at random
    (Poisson, ``rate`` per second): no clear pulse there."""
    rng = np.random.default_rng(seed)
    beat = np.arange(0.25, 59.5, 0.5)
    t = beat if free is None else beat[(beat < free[0]) | (beat >= free[1])]
    if free is not None:
        n = rng.poisson(rate * (free[1] - free[0]))
        t = np.sort(np.concatenate([t, rng.uniform(free[0], free[1], n)]))
    return [(float(x), 0, 60, 90) for x in t]


#: Sessions 1, 3 and 4 keep a pulse throughout; session 2 is a third free playing (a clear
#: pulse in two thirds of the windows: intermittent); session 5 a few scattered notes (no
#: pulse at all). Sessions 2 and 5 lie apart: the chart has room for the words over each.
PLAN = [(None, 3.0), ((20.0, 40.0), 3.0), (None, 3.0), (None, 3.0), ((0.0, 60.0), 0.3)]


@pytest.fixture(scope="module")
def pulses(tmp_path_factory):
    """Client C09's five weekly 60 s MIDI sessions (:data:`PLAN`), analysed."""
    from improv.reports.compare import compare_client
    from sessions.importer import import_files
    from sessions.store import Store

    tmp = tmp_path_factory.mktemp("pulses")
    start = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    ids = []
    with Store(tmp / "store") as store:
        for i, (free, rate) in enumerate(PLAN):
            path = write_midi(tmp / f"p{i}.mid", tracks={"client": _notes(i, free, rate=rate)})
            ids.append(import_files(store, [path], client="C09", players=[f"client=p{i}.mid:2"],
                                    started=start + timedelta(days=7 * i))["id"])
        compare_client(store, client="C09")  # measures them
    return tmp / "store", ids


def test_the_client_report_says_why_each_session_has_no_tempo(pulses):
    from improv.reports.compare import compare_client
    from improv.reports.report import client_report_html
    from improv.reports.summary_text import session_summary
    from improv.reports.trend_plots import missing_values
    from sessions.store import Store

    root, ids = pulses
    with Store(root) as store:
        result = compare_client(store, client="C09")
        said = session_summary(store, ids[1])["text"]
        text = client_report_html(store, client="C09", result=result)
    assert [i for i, v in enumerate(result["features"][TEMPO_COL]["values"]) if v is None] \
        == [1, 4]
    told = re.search(r"Client had a clear pulse much of the time \(6\d % of the time they "
                     r"played\), around \d+ BPM, but no single tempo for the session: that "
                     r"takes a clear pulse 80 % of the time\.", said)
    assert told, said
    part, none = missing_values(result, [TEMPO_COL])
    assert part == f"client (MIDI) · Tempo (BPM): Session 2 (Mar 9): {PART}, not counted."
    assert none == "client (MIDI) · Tempo (BPM): Session 5 (Mar 30): no clear pulse, not counted."
    # the report prints both under the chart, and the session's summary in its section
    for line in (part, none, told.group(0)):
        assert line in text, line


def test_the_client_page_gets_the_same_words(pulses, client_for):
    root, _ = pulses
    r = client_for(root).get("/api/clients/C09/compare", params={"features": "tempo_bpm"})
    assert r.status_code == 200, r.text
    gaps = r.json()["features"][TEMPO_COL]["gaps"]
    assert gaps == [None, {"mark": "no single tempo", "why": PART}, None, None,
                    {"mark": "no clear pulse", "why": "no clear pulse"}]


@pytest.mark.browser
def test_the_client_chart_says_why_each_session_has_no_tempo(pulses, live_server, page):
    root, _ = pulses
    server = live_server(root)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C09?features=tempo_bpm")
    fig = page.locator(f'figure.trend[data-column="{TEMPO_COL}"]')
    expect(fig).to_be_visible(timeout=60000)
    shot(page, "client_pulse_gaps")
    # each gap's own words over it, and the sessions by why under the chart
    expect(fig.locator("text.no-value")).to_have_text(["no single tempo", "no clear pulse"])
    expect(fig.locator("p.missing")).to_have_text(
        f"Session 2: {PART}; Session 5: no clear pulse, not counted.")
    rows = fig.locator("details tbody tr")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text(PART)
    expect(rows.nth(4).locator("td").nth(1)).to_have_text("no clear pulse")
    expect(page.locator("p.legend").last).to_contain_text(
        "no value (a session’s tempo needs a clear pulse through most of the playing)")

"""End-to-end: the real ``improv serve`` in Debian's headless Chromium.

Screenshots of the main pages go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from analysis.beats import CLEAR_SHARE
from sessions.store import Store
from tests.improv.web.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _time_shown(page) -> str:
    return page.locator(".transport .time").inner_text()


def _seconds(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    return sum(v * 60 ** i for i, v in enumerate(reversed(parts)))


def test_demo_session_play_seek_annotate_notes(tmp_path, live_server, page):
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    assert "token" not in page.url  # the token went into the cookie
    # empty store: the app offers the demo session
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    assert page.locator(".badge.demo").first.is_visible()
    sid = page.url.rsplit("/", 1)[-1]
    # the new demo is measured in the background, as an import is: no "Analyse now" needed
    page.wait_for_selector(".lane.curve", timeout=60000)
    shot(page, "session")
    # the annotation lane says what the therapist wrote ("marker" on every demo marker said
    # nothing); a long text is cut with an ellipsis
    labels = json.loads(page.locator(".lane.ann").get_attribute("data-labels"))
    assert "demo: client calls, therapist answers" in labels and "marker" not in labels
    assert all(len(x) <= 40 for x in labels)
    # the Measures table says what the analysis says, with the runner-up level when it is close
    res = page.evaluate(f"fetch('/api/sessions/{sid}/analysis', "
                        "{headers: {'X-Improv-Request': '1'}})"
                        ".then((r) => r.json())")
    # one row per player at first (its MIDI where it has one); every input on request
    rows = page.locator("section.analysis tbody tr")
    visible = [t for t, shown in zip(rows.locator("th").all_inner_texts(),
                                     [r.is_visible() for r in rows.all()], strict=True) if shown]
    assert visible == [f"{p} (MIDI)" for p in res["players"]]
    page.get_by_label(re.compile("Show every input")).check()
    expected = []
    for entry in res["players"].values():
        for _, src in sorted(entry["sources"].items(), key=lambda kv: not kv[0].startswith("midi")):
            sm = src["summary"]
            alt = (sm.get("tempo_alt_share") or 0) >= 0.4
            no_tempo = {"intermittent": "clear pulse only at times", "rare": "no clear pulse",
                        "none": "no clear pulse"}.get(sm["pulse"], "–")
            near = sm.get("tempo_bpm_tentative") if sm["pulse"] == "intermittent" else None
            if near:  # the rough tempo the plain summary gives
                no_tempo = f"around {near:.0f}\u00a0BPM"
            if sm["pulse"] == "intermittent" and (sm.get("pulsed_share") or 0) >= CLEAR_SHARE:
                no_tempo = "a pulse"  # "a pulse, but no single tempo (nearest: …)"
            expected.append(f"{sm['tempo_bpm']:.0f} BPM"
                            + (f" (or {sm['tempo_alt_bpm']:.0f})" if alt else "")
                            if sm["tempo_bpm"] else no_tempo)
    cells = page.locator("section.analysis tbody tr td:nth-child(2)").all_inner_texts()
    # density with its unit, the unit said in words on hover
    expect(page.locator("section.analysis tbody tr td:nth-child(4) abbr").first)\
        .to_have_attribute("title", "notes played per second")
    assert [c.split(",")[0] for c in cells] == expected
    # the demo's players have such a pulse, said with the summary's rough tempo; in half or
    # more of the windows with playing it is there "much of the time", not "only at times"
    assert any(re.fullmatch(r"around \d+\u00a0BPM, clear pulse much of the time", c)
               for c in cells), cells
    # windows without a clear pulse (no tempo: null) are gaps in the tempo lane, not falls to 0:
    # each BPM curve's range holds its pulsed windows and no 0; a steady tempo is drawn in a
    # range of at least 10 % of itself (a 2 % wobble does not fill the lane)
    tempo = {p: src["curves"]["tempo_bpm"]["values"] for p, e in res["players"].items()
             for name, src in e["sources"].items() if name.startswith("midi")}
    assert any(v is None for vals in tempo.values() for v in vals)  # the demo has such windows
    lane = page.locator(".lane.curve", has_text="Tempo")
    # a line per player: "client (MIDI) · Tempo: scale 81.4–129 BPM" (the scale the players'
    # tempo curves share, the unit after it)
    ranges = [ln for ln in lane.get_attribute("title").splitlines() if " · Tempo: " in ln]
    assert len(ranges) == len(tempo) and all(ln.endswith(" BPM") for ln in ranges)
    for ln in ranges:
        lo, hi = (float(x) for x in ln.rsplit(": ", 1)[1].removesuffix(" BPM")
                  .removeprefix("scale ").split("–"))
        pulsed = [v for v in tempo[ln.split(" ", 1)[0]] if v and v > 0]
        # the shown numbers are rounded (to 1 BPM from 100 on, else 0.1): half of that is slack
        def slack(v):
            return 0.5 if abs(v) >= 100 else 0.05

        assert 0 < lo <= min(pulsed) + slack(lo) and max(pulsed) <= hi + slack(hi)
        assert hi - lo >= 0.1 * max(pulsed) - slack(lo) - slack(hi)

    # imitation: a lane with the episodes the analysis found (the demo's therapist echoes the
    # client's phrases), counted per direction in its tooltip
    eps = [e for d in res["dialogue"] for e in d["imitations"]]
    assert len(eps) >= 3 and all(e["p_chance"] <= 0.005 for e in eps)
    n_th = sum(e["imitator"] == "therapist" for e in eps)
    title = page.locator(".lane.imitation").get_attribute("title")
    assert f"therapist imitates client: {n_th} (median" in title

    # what a therapist reads: labels and words, no field names and no bare scales
    measures = page.locator("section.analysis")
    heads = measures.locator("tbody th").all_inner_texts()
    assert "client (MIDI)" in heads and not [x for x in heads if "(midi)" in x]
    expect(measures.locator("tbody tr", has_text="client (MIDI)")).to_contain_text(
        re.compile(r"velocity \d+ of 127"))
    (d,) = res["dialogue"]
    mean = d["summary"]["asynchrony_mean_ms"]
    first, second = d["pair"] if mean > 0 else d["pair"][::-1]
    apart = round(d["summary"]["asynchrony_abs_mean_ms"])
    # the pair in a sentence, in the summary's words, with the typical gap the client page
    # compares over sessions beside the signed mean
    line = measures.locator("p.dialogue-line").inner_text()
    assert line.startswith(f"{d['pair'][0]} & {d['pair'][1]}: both played at once for "), line
    assert (f"{second} came on average {round(abs(mean))}\u00a0ms after {first} "
            f"(typically {apart}\u00a0ms apart)") in line, line
    assert "times a minute" in line and "Asynchrony" not in line
    dialogue = page.locator(".lane.curve", has_text="Dialogue")
    expect(dialogue).to_contain_text("Dialogue client & therapist")
    assert "Both playing: scale 0–100 %" in dialogue.get_attribute("title")
    # a unit that is a scale itself is not pasted after the numbers ("… 38.3–122 0-127")
    dyn = page.locator(".lane.curve", has_text="Dynamics").get_attribute("title")
    assert "0-127" not in dyn and "0-1\n" not in dyn + "\n", dyn
    # the lane draws what the Measures table's Dynamics column says: the MIDI velocity
    assert "client (MIDI) · Velocity" in dyn and "(audio) · Level" not in dyn, dyn
    body = page.inner_text("body")
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", body), "a field name on the session page"
    assert "(s)" not in body and "\tall\t" not in body  # "whole group", plural words

    # play: the cursor moves with the audio (from the top of the page, where the timeline
    # is not under the sticky transport)
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator(".transport .time")).not_to_have_text("0:00.0", timeout=15000)
    page.get_by_role("button", name="Pause", exact=True).click()
    # seek by clicking the timeline at 3/4 of its width
    box = page.locator(".overlay").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + 10)
    assert 65.0 < _seconds(_time_shown(page)) < 70.0  # the demo lasts 90 s
    # keyboard: arrows seek, m drops a marker
    page.locator(".timeline [role=slider]").focus()
    before = _seconds(_time_shown(page))
    page.keyboard.press("ArrowLeft")
    assert _seconds(_time_shown(page)) == pytest.approx(before - 5, abs=0.11)
    page.keyboard.press("m")
    expect(page.locator("table.annotations tbody tr[data-id]")).to_have_count(3)

    # drag a range, annotate it with a tag and text
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 10, steps=5)
    page.mouse.up()
    assert page.locator("#ann-end").input_value() != ""
    page.locator("#ann-player").select_option("client")
    page.locator("details.chip-group", has_text="IAP · autonomy").locator("summary").click()
    page.get_by_role("button", name="autonomy: leader", exact=True).click()
    page.locator("#ann-text").fill("client leads the groove")
    page.get_by_role("button", name="Add annotation").click()
    row = page.locator("table.annotations tr", has_text="client leads the groove")
    row.wait_for()
    with Store(store_path) as store:
        (a,) = [x for x in store.session(sid).annotations()
                if x["text"] == "client leads the groove"]
    assert a["tags"] == ["autonomy:leader"] and a["player"] == "client" and a["end"] > a["t"]
    assert 17.0 < a["t"] < 19.0 and 26.0 < a["end"] < 28.0

    # edit it: the change is stored as a new revision, the history shows both
    row.get_by_role("button", name=re.compile("^Edit annotation")).click()
    page.locator("#ann-text").fill("client leads, therapist follows")
    page.get_by_role("button", name="Save changes").click()
    row = page.locator("table.annotations tr", has_text="client leads, therapist follows")
    row.wait_for()
    row.get_by_role("button", name=re.compile("^History")).click()
    page.locator(".history li", has_text="client leads the groove").wait_for()
    # in words, not the log's operation names
    expect(page.locator(".history li").first).to_contain_text(re.compile(
        r"^Created .*IAP · autonomy: leader — client leads the groove"))
    expect(page.locator(".history li").nth(1)).to_contain_text(re.compile(r"^Changed "))
    with Store(store_path) as store:
        s = store.session(sid)
        (a2,) = [x for x in s.annotations() if x["id"] == a["id"]]
        revs = [r["op"] for r in s.annotation_records() if r["id"] == a["id"]]
    assert a2["text"] == "client leads, therapist follows" and a2["rev"] == 2
    assert revs == ["create", "edit"]

    # a tag made on this page survives an edit of the annotation (it is not in the page's
    # tag list until a reload)
    page.locator("#ann-t").fill("40")
    page.locator("#ann-newtag").fill("mood:playful")
    page.locator("#ann-text").fill("playful answer")
    page.get_by_role("button", name="Add annotation").click()
    row = page.locator("table.annotations tr", has_text="playful answer")
    row.wait_for()
    row.get_by_role("button", name=re.compile("^Edit annotation")).click()
    page.locator("#ann-text").fill("playful answer, twice")
    page.get_by_role("button", name="Save changes").click()
    page.locator("table.annotations tr", has_text="playful answer, twice").wait_for()
    # a selection dragged in the middle of an edit starts a new annotation: the edited one
    # is left as it was
    page.locator("table.annotations tr", has_text="playful answer, twice").get_by_role(
        "button", name=re.compile("^Edit annotation")).click()
    page.evaluate("document.querySelector('.overlay').scrollIntoView({block: 'center'})")
    box = page.locator(".overlay").bounding_box()  # the edit scrolled the form into view
    mid = box["y"] + box["height"] / 2  # clear of the sticky transport bar
    page.mouse.move(box["x"] + box["width"] * 0.5, mid)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.55, mid, steps=5)
    page.mouse.up()
    expect(page.locator("form.ann-form legend")).to_have_text("New annotation")
    page.locator("#ann-text").fill("a new one")
    page.get_by_role("button", name="Add annotation").click()
    page.locator("table.annotations tr", has_text="a new one").wait_for()
    with Store(store_path) as store:
        anns = {x["text"]: x for x in store.session(sid).annotations()}
    assert anns["playful answer, twice"]["tags"] == ["mood:playful"]
    assert anns["playful answer, twice"]["rev"] == 2
    assert "a new one" in anns and anns["a new one"]["id"] != anns["playful answer, twice"]["id"]

    # a deletion can be undone from the status line, and deleted annotations can be shown and
    # restored
    page.once("dialog", lambda d: d.accept())
    page.locator("table.annotations tr", has_text="a new one").get_by_role(
        "button", name=re.compile("^Delete annotation")).click()
    expect(page.locator("table.annotations tr", has_text="a new one")).to_have_count(0)
    page.locator("#status").get_by_role("button", name="Undo").click()
    expect(page.locator("table.annotations tr[data-id]", has_text="a new one")).to_have_count(1)
    page.once("dialog", lambda d: d.accept())
    page.locator("table.annotations tr", has_text="a new one").get_by_role(
        "button", name=re.compile("^Delete annotation")).click()
    expect(page.locator("table.annotations tr", has_text="a new one")).to_have_count(0)
    page.get_by_label("Show deleted annotations").check()
    gone = page.locator("table.annotations tr.deleted", has_text="a new one")
    expect(gone).to_contain_text("deleted")
    gone.get_by_role("button", name=re.compile("^Restore annotation")).click()
    expect(page.locator("#status")).to_contain_text("restored")
    expect(page.locator("table.annotations tr.deleted", has_text="a new one")).to_have_count(0)
    with Store(store_path) as store:
        s = store.session(sid)
        (aid,) = [x["id"] for x in s.annotations() if x["text"] == "a new one"]
        revs = [r["op"] for r in s.annotation_records() if r["id"] == aid]
    assert revs == ["create", "delete", "restore", "delete", "restore"]

    # notes with a time reference; following it moves the player
    page.get_by_role("button", name="Edit notes").click()
    page.get_by_label("Session notes").fill("Quiet start. At 0:12 the therapist starts a groove.")
    page.get_by_role("button", name="Save notes").click()
    page.get_by_role("button", name="Jump to 0:12").click()
    assert _time_shown(page) == "0:12.0"
    with Store(store_path) as store:
        assert "0:12" in (store.folder(sid) / "notes.md").read_text()
    shot(page, "session-annotated")

    # the session list and the client page
    page.get_by_role("link", name="Sessions").click()
    page.wait_for_selector("table.sessions")
    assert page.locator("table.sessions tbody tr").count() == 1
    shot(page, "sessions")
    page.get_by_role("link", name="DEMO").first.click()
    page.wait_for_selector("table.trend-table")  # one session: values, no trend


def test_times_are_rounded_before_they_are_split(tmp_path, live_server, page):
    """The page's time format never shows 0:60.0 (59.97 s is 1:00.0), as the CLI's."""
    from sessions.timefmt import format_time

    server = live_server(tmp_path / "store")
    page.goto(server.url)
    cases = [[59.97, 1], [3599.96, 1], [119.6, 0], [-75.25, 2], [12.34, 1]]
    got = page.evaluate("(cases) => import('/static/api.js')"
                        ".then((m) => cases.map(([s, d]) => m.fmtTime(s, d)))", cases)
    assert got == ["1:00.0", "1:00:00.0", "2:00", "-1:15.25", "0:12.3"]
    assert got == [format_time(s, decimals=d) for s, d in cases]  # as the CLI writes them


def test_curve_labels_stand_above_the_curves(tmp_path, live_server, page):
    """The labels have a band of their own: a curve at the top of its range runs below the
    last label, so no label hides the first seconds of a curve (a therapist's review). Before,
    the labels stood on light boxes over the curves, drawn after them so that a later curve
    could not cross an earlier label; now no curve reaches the labels at all."""
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    found = page.evaluate("""async () => {
      const { Timeline, curveLane } = await import('/static/timeline.js');
      const root = document.createElement('div');
      root.style.width = '900px';
      document.body.append(root);
      const tl = new Timeline(root, { duration: 10, players: ['a', 'b'],
                                      onSeek() {}, onSelect() {} });
      const flat = (label, color, v) => ({ label, color, times: [0, 10], values: [v, v],
                                          min: 0, max: 1 });
      const series = [flat('a', '#0000ff', 1), flat('b', '#00ff00', 0), flat('c', '#ff0000', 0.5)];
      const lane = curveLane(tl, 'Test', series, { height: 80 });
      tl.drawNow();
      const cv = lane.canvas, ctx = cv.getContext('2d');
      const dpr = window.devicePixelRatio || 1;
      const h = cv.height / dpr;
      // the first row (from the top) where the blue curve, drawn at its maximum, is seen
      let first = null;
      for (let y = 0; y < h && first === null; y++) {
        const [r, g, b] = ctx.getImageData(Math.round(400 * dpr), Math.round(y * dpr), 1, 1).data;
        if (b > 200 && r < 80 && g < 80) first = y;
      }
      return { first, height: h };
    }""")
    assert found["first"] is not None, found
    assert found["first"] >= 3 * 12 + 2, found  # below the three labels' band
    assert found["height"] >= 80 + 3 * 12, found  # the curves keep their own 80 px


def test_client_course_page(course_store, live_server, page):
    """The client page analyses in the background, then shows bands, trend lines and the table."""
    from datetime import datetime, timezone

    from tests.sessions.helpers import import_weekly_session

    path, ids = course_store
    with Store(path) as store:  # a fifth week: four sessions are too few for a verdict
        ids.append(import_weekly_session(store, path.parent, week=4, notes=60, duration=20.0,
                                         rng=np.random.default_rng(7),
                                         start=datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)))
    server = live_server(path)
    page.goto(server.url)
    # a wide band (4 SD) reaches below 0 for the density: the axis must not
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s,velocity_mean,silence_share"
              "&band_sd=4")
    page.wait_for_selector("table.trend-table", timeout=120000)
    chart = page.locator('figure.trend[data-column="client.midi.notes_per_s"]')
    assert chart.locator("rect.band").count() == 1
    assert chart.locator("polyline.trend-line").count() == 1  # the density rises
    assert chart.locator("circle.pt.filled").count() == 1  # one annotated session
    assert chart.locator("circle.pt.hollow").count() == 4
    row = page.locator('table.trend-table tbody tr[data-column="client.midi.notes_per_s"]')
    expect(row.locator("td").nth(5)).to_have_text("yes")
    # whose measure and its label, then what it measures in words; the column name of the
    # CSV export only as the tooltip (no field names on the screen)
    expect(row.locator("th")).to_contain_text("client (MIDI) · Notes per second")
    expect(row.locator("th .definition")).to_have_text(
        "how many notes were played per second, on average over the session "
        "(from the instrument's MIDI)")
    assert row.locator("th").get_attribute("title") == "client.midi.notes_per_s in the CSV export"
    assert "notes_per_s" not in page.locator("table.trend-table").inner_text()
    expect(chart.locator("figcaption")).to_have_text("client (MIDI) · Notes per second (notes/s)")
    # a screen reader hears the label too, not the column name
    assert chart.locator("svg").get_attribute("aria-label").startswith(
        "client (MIDI) · Notes per second: 5 sessions; ")
    heads = page.locator("table.trend-table thead th").all_inner_texts()
    assert heads[:5] == ["Measure", "Unit", "Sessions", "Trend / session", "95 % interval"]
    expect(page.locator("table.sessions caption")).to_have_text("5 sessions")
    # the table gives the baseline's mean and SD, as the report and the CLI do; the chart's
    # band is mean ± band_sd SD
    band = page.evaluate("fetch('/api/clients/C07/compare?' + location.hash.split('?')[1], "
                         "{headers: {'X-Improv-Request': '1'}}).then(r => r.json())"
                         ".then(r => r.features['client.midi.notes_per_s'].band)")
    assert band["high"] - band["mean"] == pytest.approx(4 * band["sd"])
    shown_mean, shown_sd = (float(x) for x in row.locator("td").nth(6).inner_text().split("±"))
    assert band["sd"] > 0 and shown_mean == pytest.approx(band["mean"], rel=0.01)
    assert shown_sd == pytest.approx(band["sd"], rel=0.05)  # the SD, not the 4 SD half-width
    # a share reads in per cent, as on the session page and in the reports (stored 0..1)
    silence = page.evaluate("fetch('/api/clients/C07/compare?' + location.hash.split('?')[1], "
                            "{headers: {'X-Improv-Request': '1'}}).then(r => r.json())"
                            ".then(r => r.features['client.midi.silence_share'].values)")
    srow = page.locator('table.trend-table tbody tr[data-column="client.midi.silence_share"]')
    expect(srow.locator("td").nth(0)).to_have_text("%")
    schart = page.locator('figure.trend[data-column="client.midi.silence_share"]')
    expect(schart.locator("figcaption")).to_have_text("client (MIDI) · Silence (%)")
    cells = schart.locator("details table tbody tr td:nth-child(2)").all_text_contents()
    assert [float(c) for c in cells] == pytest.approx([100 * v for v in silence], abs=0.051)
    assert any(v > 0.01 for v in silence)  # not all zero: the scale is seen
    # no value axis below 0 for measures that are never negative (the band's mean - 2 SD can be)
    labels = page.locator("figure.trend svg text[text-anchor=end]").all_text_contents()
    values = [float(x) for x in labels if re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?", x)]
    assert values and min(values) >= 0, labels
    # keyboard: the baseline controls are labelled and reachable
    page.get_by_label("Chosen sessions:").check()
    page.get_by_label("Baseline sessions").select_option([ids[2], ids[3]])
    page.get_by_role("button", name="Compare").click()
    page.wait_for_function("location.hash.includes('baseline=sessions')")
    page.wait_for_selector("table.trend-table")
    expect(page.locator(".legend")).to_contain_text("of 2 sessions")
    expect(page.locator("p.warning")).to_have_count(0)
    shot(page, "client")
    # a baseline of every session: said, as the command line says it
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s&baseline=first:9")
    expect(page.locator("p.warning")).to_have_text(
        "The baseline takes all 5 sessions: no later session to compare with it yet.")
    # sessions outside the band are named by their number, the date in the tooltip (a date
    # has commas of its own, and two sessions of one day read alike)
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s&baseline=first:2")
    row = page.locator('table.trend-table tbody tr[data-column="client.midi.notes_per_s"]')
    expect(row.locator("td").nth(7)).to_have_text(
        re.compile(r"^Session \d+( · Session \d+)+$"), timeout=60000)
    link = row.locator("td").nth(7).locator("a").last
    expect(link).to_have_text("Session 5")
    assert link.get_attribute("href") == f"#/session/{ids[4]}"
    assert re.search(r"2026", link.get_attribute("title"))


def test_course_chart_dates_do_not_run_into_each_other(course_store, live_server, page):
    """Sessions a day apart (weeks 0, 1, 2, 3, and a day after week 3) printed their dates
    over each other under the chart: where the days do not all fit, every second (third…)
    session's day is written, from the first, in the page's date format."""
    from datetime import datetime, timezone

    from tests.sessions.helpers import import_weekly_session

    path, ids = course_store
    with Store(path) as store:
        import_weekly_session(store, path.parent, week=3, notes=30, duration=20.0,
                              rng=np.random.default_rng(8),
                              start=datetime(2026, 1, 6, 10, 0, tzinfo=timezone.utc))
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s")
    page.wait_for_selector("table.trend-table", timeout=120000)
    chart = page.locator('figure.trend[data-column="client.midi.notes_per_s"]')
    boxes = chart.locator("svg text.date").evaluate_all(
        "(els) => els.map((e) => { const b = e.getBBox(); "
        "return [e.textContent, b.x, b.x + b.width]; })")
    dates = [b[0] for b in boxes]
    assert dates == ["Jan 5", "Jan 19", "Jan 27"], dates  # sessions 1, 3 and 5
    assert len(dates) == len(set(dates))
    for (_, _, right), (_, left, _) in zip(boxes, boxes[1:], strict=False):
        assert right < left, boxes


def test_client_page_names_pitches_as_notes(course_store, live_server, page):
    """A mean pitch reads as the nearest note with its number ("E4 (63.6)"), on the axis as
    the note: a therapist does not count MIDI note numbers."""
    import re

    path, _ = course_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=pitch_mean")
    page.wait_for_selector("table.trend-table", timeout=120000)
    chart = page.locator('figure.trend[data-column="client.midi.pitch_mean"]')
    cells = chart.locator("table td.num").all_text_contents()
    assert cells and all(re.fullmatch(r"[A-G]#?-?\d \(\d+\.\d\)", c) for c in cells), cells
    axis = chart.locator("svg text").all_text_contents()
    assert any(re.fullmatch(r"[A-G]#?-?\d", a) for a in axis), axis
    row = page.locator('table.trend-table tr[data-column="client.midi.pitch_mean"]')
    assert re.search(r"[A-G]#?-?\d \(\d+\.\d\) ± \d", row.inner_text()), row.inner_text()
    assert "middle C" in row.locator("abbr").get_attribute("title")


def test_slow_earlier_page_does_not_paint_over_the_client_page(course_store, live_server, page):
    """A page still loading when the hash changes must not replace the newer page.

    The session list of the first load answers late here (held back by the test); before
    each navigation rendered into its own element, it painted over the client page, whose
    polling then stopped: the comparison never showed (seen on a loaded CI machine).
    """
    path, _ids = course_store
    server = live_server(path)
    held = []
    page.route("**/api/sessions?*", lambda route: held.append(route))
    page.goto(server.url)
    page.wait_for_function("document.querySelector('#main[data-page=\"sessions\"]') !== null")
    page.evaluate("location.hash = '#/client/C07?features=notes_per_s'")
    page.wait_for_selector("table.trend-table", timeout=120000)
    for route in held:  # now the session list answers, after the client page is up
        route.continue_()
    page.wait_for_timeout(500)  # give a stale render the chance it had before the fix
    assert page.locator("table.trend-table").count() == 1
    assert page.locator("#main h1").first.inner_text() == "Client C07"


def test_session_page_shows_what_was_not_recorded(tmp_path, live_server, page):
    """Gaps of lost inputs are listed, drawn as a lane, and lead the play head to them.

    In past tense, each input as the therapist knows it with its player (review 36: "Not
    recorded: MIDI port Digital Piano:midi_out 0:07.5–0:15.0 (device lost)"), after what the
    recorder said, without its live "plug it in again" advice, which no longer applies."""
    from improv.capture.live_status import back_text, unplugged_text

    path = tmp_path / "store"
    with Store(path) as store:
        w = store.create_session(client="C07", players=["client", "therapist"])
        w.add_midi_input("Keys", player="client")
        for k in range(40):
            w.midi(0.5 * k, player="client", port="Keys", data=bytes([0x90, 60 + k % 12, 90]))
            w.midi(0.5 * k + 0.3, player="client", port="Keys", data=bytes([0x80, 60 + k % 12, 0]))
        a = w.add_audio_input("room", sr=8000, channels=1, players={"therapist": [1]}, t0=0.0)
        for _ in range(20):
            a.write(np.zeros((8000, 1), np.float32))
        a.gap(t=12.0, frames=800)  # a 0.1 s dropout filled with silence
        for k in range(25):  # and 25 short ones after it: one cluster, one line
            a.gap(t=13.0 + 0.15 * k, frames=80)
        w.report("midi_gap", t=6.2, end=6.4, port="Keys", player="client")  # label would overlap
        w.report("source_gap", t=6.0, end=9.5, source="mic:out_1", port="improv-audio:in_1",
                 name="mic")
        w.report("warnings", t=20.0, messages=[
            unplugged_text("Keys", at=6.2), "audio source 'mic:out_1' lost at 6.0 s",
            back_text("Keys", at=6.4)])
        sid = w.finalize(duration_s=20.0)["id"]
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    notes = page.locator("section.recording-notes")
    expect(notes.locator("li.gap-group")).to_have_count(3)
    assert notes.locator("li").all_inner_texts() == [
        "audio source 'mic:out_1' lost at 6.0 s",
        "mic was unplugged 0:06.0–0:09.5: nothing recorded from it then",
        "Keys (client) was unplugged 0:06.2–0:06.4: nothing recorded from it then",
        "room (therapist) had 26 dropouts 0:12.0–0:16.6, 0.35 s in all, filled with silence"]
    text_view = page.locator("details.timeline-text")
    text_view.locator("summary").click()
    expect(text_view).to_contain_text("Keys (client) was unplugged 0:06.2–0:06.4")
    expect(page.locator(".lane.gaps")).to_have_count(1)
    labels = json.loads(page.locator(".lane.gaps").get_attribute("data-labels"))
    assert 1 <= len(labels) < 3, labels  # the MIDI gap's label had no room: not drawn
    pairs = zip(labels, labels[1:], strict=False)
    assert all(a[1] < b[0] for a, b in pairs), labels  # labels never overlap
    page.get_by_role("button", name="Go to the gap 0:06.0").click()
    assert _time_shown(page) == "0:06.0"


def test_a_seek_before_the_sound_loads_is_kept(tmp_path, live_server, page):
    """The play head moved while the session's sound is still loading stays where it was put:
    the sound's arrival moved it back to where it stood when the sound was asked for (0:00.0;
    seen as a flaky failure of the test above on CI)."""
    path = tmp_path / "store"
    with Store(path) as store:
        w = store.create_session(client="C07", players=["client"])
        a = w.add_audio_input("room", sr=8000, channels=1, players={"client": [1]}, t0=0.0)
        a.write(np.zeros((8000 * 20, 1), np.float32))
        sid = w.finalize(duration_s=20.0)["id"]
    server = live_server(path)
    held, released = [], []

    def hold(route):
        route.continue_() if released else held.append(route)

    page.route("**/api/sessions/*/mix.wav*", hold)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    page.wait_for_function("() => document.querySelector('audio.player').readyState === 0")
    page.locator(".timeline [role=slider]").focus()
    page.keyboard.press("ArrowRight")  # +5 s, while the sound is held back
    assert _time_shown(page) == "0:05.0"
    assert held, "the page asked for its sound before the seek"
    released.append(True)
    for route in held:  # now the sound answers
        route.continue_()
    page.wait_for_function("() => document.querySelector('audio.player').readyState >= 1",
                           timeout=60000)
    page.wait_for_timeout(300)
    assert _time_shown(page) == "0:05.0"


def test_record_page_says_why_there_is_no_midi(tmp_path, live_server, page):
    """No MIDI system reachable: the device list says so in words, not as a raw object."""
    server = live_server(tmp_path / "store", env={"JACK_DEFAULT_SERVER": "improv-no-such-server",
                                                  "JACK_NO_START_SERVER": "1",
                                                  "IMPROV_MIDI_API": "jack"})
    page.goto(server.url)
    page.goto(f"{server.base}/#/record")
    box = page.locator(".devices")
    expect(box).to_contain_text("MIDI instruments cannot be reached: the computer's MIDI "
                                "system (JACK or the ALSA sequencer) is not running",
                                timeout=30000)
    assert "[object" not in box.inner_text()
    # beside the inputs it concerns, before the client and title fields
    order = page.evaluate("""() => ['.input-rows', '.devices', '#rec-client']
      .map((sel) => document.querySelector(sel).getBoundingClientRect().top)""")
    assert order == sorted(order)
    reason = box.locator("details", has_text="no MIDI system available")
    expect(reason.locator("summary")).to_have_text("Details")
    assert not reason.evaluate("d => d.open")  # the libraries' words only on request
    reason.locator("summary").click()
    expect(reason).to_contain_text("start the JACK server")
    # the list is asked again every 2 s: the opened details stay open to be read
    page.wait_for_timeout(4500)
    assert reason.evaluate("d => d.open")
    # Start with no device chosen: the refusal says whether any input is there to choose
    page.locator("#rec-client").fill("C01")
    page.locator("#rec-new-client").check()
    page.get_by_role("button", name="Start recording").click()
    audio = page.evaluate("fetch('/api/devices?midi_api=jack', "
                          "{headers: {'X-Improv-Request': '1'}})"
                          ".then((r) => r.json()).then((d) => d.audio.length)")
    expect(page.locator(".record-setup [role=alert]")).to_have_text(
        "Not started: Input 1 (client) has no instrument or microphone chosen: choose one or "
        "remove the row." if audio else
        "No MIDI or audio input is available: connect one (the messages above say why none is "
        "found).")


def test_session_filters_work_from_the_keyboard(course_store, live_server, page):
    """A date typed digit by digit filters once it is whole, and the focus stays on the field;
    "From" after "To" is refused with a message, keeping the list."""
    path, ids = course_store  # weekly sessions from 2026-01-05
    server = live_server(path)
    page.goto(server.url)
    page.wait_for_selector("table.sessions")
    assert page.locator("table.sessions tbody tr").count() == 4
    page.locator("#f-since").focus()
    page.keyboard.type("01122026")  # mm dd yyyy, as Chromium's en-US date field takes it
    expect(page).to_have_url(re.compile(r"since=2026-01-12"))
    expect(page.locator("table.sessions tbody tr")).to_have_count(3)
    assert page.evaluate("document.activeElement.id") == "f-since"
    assert "since=0" not in page.url  # no list for the years 0002, 0020, 0201
    page.locator("#f-until").focus()
    page.keyboard.type("01062026")
    expect(page.locator("#status")).to_have_text('"From" must not be after "To"')
    assert "until=" not in page.url
    expect(page.locator("table.sessions tbody tr")).to_have_count(3)
    expect(page.locator("#f-until")).to_have_value("")  # the field shows what filters the list


def test_notes_cancel_and_session_delete_feedback(tmp_path, live_server, page):
    """Cancelled note text is thrown away; deleting a session names it in the question and
    says afterwards that it was deleted."""
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    page.get_by_role("button", name="Edit notes").click()
    page.get_by_label("Session notes").fill("not meant to stay")
    page.locator("section.notes").get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Edit notes").click()
    assert page.get_by_label("Session notes").input_value() == ""
    asked = []
    player = page.evaluate_handle("document.querySelector('audio.player')")
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.get_by_role("button", name="Delete session").click()
    expect(page.locator("#status")).to_contain_text("deleted", timeout=15000)
    assert 'Delete the session "Demo: synthetic duet" of client DEMO' in asked[0]
    # the deleted session's sound failing to load (seen in a CI run) does not overwrite that
    player.evaluate("a => a.dispatchEvent(new Event('error'))")
    page.wait_for_timeout(200)
    assert "Demo: synthetic duet" in page.locator("#status").inner_text()
    with Store(store_path) as store:
        assert store.session_ids() == []


def test_import_through_the_page_keeps_the_files_after_a_refusal(tmp_path, live_server, page):
    """Files chosen on the sessions page are uploaded once: a refused import (a client code
    that is no pseudonym) keeps them, and the corrected import makes the session."""
    from tests.sessions.helpers import write_midi

    mid = write_midi(tmp_path / "duet.mid", tracks={"client": [(0.5 * k, 0, 60 + k, 90)
                                                             for k in range(16)]})
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.locator("#imp-files").set_input_files(str(mid))
    expect(page.locator("ul.uploads")).to_contain_text("duet.mid", timeout=15000)
    expect(page.locator("ul.uploads")).to_contain_text("track 2 'client', 16 notes")
    page.locator("#imp-client").fill("C 07!")
    page.get_by_role("button", name="Import as one session").click()
    expect(page.locator("form.import .error")).to_contain_text("the files stay uploaded")
    expect(page.locator("ul.uploads")).to_contain_text("track 2 'client', 16 notes")
    page.locator("#imp-client").fill("C07")
    page.get_by_label("Start of the files in the session").fill("0:02")  # min:s, as labelled
    page.get_by_role("button", name="Import as one session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(store_path) as store:
        (sid,) = store.session_ids()
        manifest = store.session(sid).manifest
        assert manifest["client"] == "C07"
        assert manifest["duration_s"] >= 2.0 + 7.5  # the last note, 2 s later


def test_record_page_setups_and_a_narrow_window(tmp_path, live_server, page):
    """A saved setup loads into the input controls (an input not there now is marked so);
    a setup saved from them can be chosen at once; saving without a name says what is
    missing; the page fits an 800-pixel window."""
    from improv.capture.setups import parse_player_spec, save_setup

    (tmp_path / "store").mkdir(mode=0o700)
    save_setup(tmp_path / "store", "room 1", inputs=[parse_player_spec("client=midi:Keyboard")],
               options={})
    server = live_server(tmp_path / "store")
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(server.url)
    page.goto(f"{server.base}/#/record")
    page.locator("#rec-setup").select_option("room 1")
    expect(page.get_by_label("Input 1", exact=True).locator("option:checked")).to_have_text(
        "MIDI: Keyboard (not found now)")
    expect(page.get_by_label("Player of input 1")).to_have_value("client")
    # the device lists drawn (their notes push the form down when they come): a click on Save
    # made as they came landed elsewhere once (a clean-clone run, session 36: no message)
    expect(page.locator("form.record-setup .devices")).to_have_attribute(
        "data-said", re.compile(".*"))
    page.locator("#rec-save-name").fill("")
    page.get_by_role("button", name="Save setup").click()
    expect(page.locator("form.record-setup [role=alert]")).to_have_text(
        "Give the setup a name first (Save as)")
    page.locator("#rec-save-name").fill("room 2")
    page.get_by_role("button", name="Save setup").click()
    expect(page.locator("#rec-setup")).to_have_value("room 2")
    assert "room 2" in page.locator("#rec-setup option").all_inner_texts()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_client_page_after_a_refused_comparison(course_store, live_server, page):
    """A comparison the server refuses (a baseline outside the period) keeps the feature list
    to correct it, and offers no pointless "Try again"."""
    path, ids = course_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s")
    page.wait_for_selector("table.trend-table", timeout=120000)
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s&since=2026-01-20"
              f"&baseline=sessions:{ids[0]},{ids[1]}")
    expect(page.locator(".course .error")).to_contain_text("check the since date", timeout=60000)
    assert page.locator("#cf-features option").count() > 0
    assert page.get_by_role("button", name="Try again").count() == 0
    # the features by their labels, the kept choice selected; the name only as a tooltip
    kept = page.locator("#cf-features option:checked")
    expect(kept).to_have_text(["Notes per second"])
    assert kept.get_attribute("title") == "notes_per_s"
    assert "notes_per_s" not in page.locator("#cf-features").inner_text()


def test_a_session_deleted_under_an_open_page_raises_no_script_error(tmp_path, live_server,
                                                                      page):
    """The page's background loads (waveform blocks when zooming, the notes) fail once the
    session is gone; they must not end as unhandled errors (seen once on CI after 'Delete
    session', when a waveform block was still loading)."""
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    sid = page.url.rsplit("/", 1)[-1]
    status = page.evaluate(f"fetch('/api/sessions/{sid}', {{method: 'DELETE', "
                           "headers: {'X-Improv-Request': '1'}}).then((r) => r.status)")
    assert status == 200
    page.locator(".timeline [role=slider]").focus()
    # zoom in: finer waveform blocks are fetched, and answer 404 now (waited for, not assumed
    # after a fixed 1.4 s: the failing path must be taken)
    with page.expect_response(lambda r: "/peaks/" in r.url and r.status == 404, timeout=30000):
        for _ in range(6):
            page.keyboard.press("+")
            page.wait_for_timeout(150)
    page.wait_for_timeout(500)  # the page handles the 404s; the fixture checks for script errors


def test_a_failed_action_says_why_in_the_status_line(tmp_path, live_server, page):
    """A request refused by the server (here: deleting an annotation, saving notes) is said in
    the status line, not lost as an unhandled error with nothing visible."""
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    refusal = {"status": 409, "content_type": "application/json",
               "body": '{"error": "the store is busy: try again"}'}
    page.route("**/api/sessions/*/annotations/*", lambda route: route.fulfill(**refusal)
               if route.request.method == "DELETE" else route.continue_())
    page.once("dialog", lambda d: d.accept())
    page.locator("table.annotations tbody tr[data-id]").first.get_by_role(
        "button", name=re.compile("^Delete annotation")).click()
    expect(page.locator("#status")).to_have_text("The store is busy: try again")
    expect(page.locator("#status")).to_have_class(re.compile("error"))
    page.route("**/api/sessions/*/notes", lambda route: route.fulfill(**refusal)
               if route.request.method == "PUT" else route.continue_())
    page.get_by_role("button", name="Edit notes").click()
    page.get_by_label("Session notes").fill("a note")
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator("#status")).to_have_text("The store is busy: try again")
    # a marker dropped with the key m (it was an unhandled rejection with nothing visible)
    page.route("**/api/sessions/*/annotations", lambda route: route.fulfill(
        status=409, content_type="application/json", body='{"error": "disk full"}')
        if route.request.method == "POST" else route.continue_())
    page.locator(".timeline [role=slider]").focus()
    page.keyboard.press("m")
    expect(page.locator("#status")).to_have_text("Disk full")  # a sentence on the page (api.js)
    expect(page.locator("#status")).to_have_class(re.compile("error"))


def test_compress_the_audio_from_the_session_page(tmp_path, live_server, page):
    """The demo's audio is 16-bit like an interface's: one click stores it as FLAC, checked;
    the page then plays the FLAC from where it was."""
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    expect(page.locator(".storage")).to_contain_text("WAV")
    page.get_by_role("button", name="Compress audio (lossless)").click()
    expect(page.locator("#status")).to_contain_text("Audio compressed", timeout=60000)
    expect(page.locator(".storage")).to_contain_text("FLAC")
    expect(page.get_by_role("button", name="Compress audio (lossless)")).to_have_count(0)
    # the new (signed) address of the FLAC mix comes a moment later
    expect(page.locator("audio.player")).to_have_attribute("src", re.compile(r"[?&]f=flac&"))
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator(".transport .time")).not_to_have_text("0:00.0", timeout=15000)
    page.get_by_role("button", name="Pause", exact=True).click()
    with Store(tmp_path / "store") as store:
        (sid,) = store.session_ids()
        assert store.session(sid).manifest["audio"][0]["file"].endswith(".flac")


def test_an_edit_made_meanwhile_elsewhere_is_not_overwritten(tmp_path, live_server, page):
    """The annotation being edited in the page is changed meanwhile elsewhere (another tab,
    the command line): saving the page's edit is refused with the reason, the list shows the
    other change, and the other change stays."""
    from sessions.annotation_edits import edit_annotation

    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    sid = page.url.rsplit("/", 1)[-1]
    row = page.locator("table.annotations tbody tr[data-id]").first
    aid = row.get_attribute("data-id")
    row.get_by_role("button", name=re.compile("^Edit annotation")).click()
    with Store(store_path) as store:  # meanwhile, elsewhere
        edit_annotation(store, sid, aid, text="changed on the command line")
    page.locator("#ann-text").fill("changed in the page")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("form.annotation, form").get_by_text(
        re.compile("was changed since it was opened"))).to_be_visible()
    expect(page.locator("table.annotations tr", has_text="changed on the command line")
           ).to_have_count(1)
    with Store(store_path) as store:
        (a,) = [x for x in store.session(sid).annotations() if x["id"] == aid]
    assert a["text"] == "changed on the command line" and a["rev"] == 2


def test_the_status_line_stays_in_view_on_a_scrolled_page(tmp_path, live_server, page):
    """In a small window, after deleting an annotation at the bottom of the page, the message
    and its Undo are on screen (they appeared about 1500 px above the view before)."""
    server = live_server(tmp_path / "store")
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    row = page.locator("table.annotations tbody tr[data-id]").last
    row.scroll_into_view_if_needed()
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name=re.compile("^Delete annotation")).click()
    expect(page.locator("#status")).to_contain_text("Annotation deleted")
    assert page.evaluate("window.scrollY") > 300  # the page is scrolled
    expect(page.locator("#status").get_by_role("button", name="Undo")).to_be_in_viewport()


def test_a_sound_still_being_prepared_leaves_a_deletions_undo_alone(tmp_path, live_server,
                                                                    page):
    """The page says 'Preparing the sound' when the sound has not come 1.5 s after it was
    asked for; an annotation deleted meanwhile keeps its message and Undo (the note replaced
    them: a loaded CI machine, whose mix took 3.5 s, lost the Undo). The page's clock is
    paused, so the order is fixed: deleted first, then the note's time comes."""
    server = live_server(tmp_path / "store")
    held = []
    page.route("**/mix.wav*", lambda route: held.append(route))  # the sound is slow to come
    page.clock.install()
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    expect(page.locator("#status")).to_contain_text("Preparing the sound", timeout=30000)
    row = page.locator("table.annotations tbody tr[data-id]").first
    row.wait_for()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    hear = page.get_by_role("group", name="Players to hear")
    player = hear.locator("input[type=checkbox]").first.get_attribute("data-player")
    hear.get_by_role("button", name=f"Hear only {player}").click()  # the sound asked for again
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name=re.compile("^Delete annotation")).click()
    expect(page.locator("#status")).to_contain_text("Annotation deleted")
    page.clock.run_for(3000)  # the note's time has come: it is not said over the Undo
    expect(page.locator("#status")).to_contain_text("Annotation deleted")
    expect(page.locator("#status").get_by_role("button", name="Undo")).to_be_visible()
    for route in held:
        route.abort()


def test_keyboard_users_keep_their_place_and_times_read_as_shown(tmp_path, live_server, page):
    """Edit fills the form with times as the list shows them (0:01.0, not 1.00); after a
    deletion focus moves to the row that took its place, after saving the notes to the notes'
    first button (both fell to the page's top before); the demo badge is a word of its own."""
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    page.get_by_role("button", name="Create a demo session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    expect(page.locator("h1")).to_have_text(re.compile(r"duet DEMO$"))
    rows = page.locator("table.annotations tbody tr[data-id]")
    rows.first.get_by_role("button", name=re.compile("^Edit annotation")).click()
    assert re.fullmatch(r"\d+:\d\d\.\d", page.locator("#ann-t").input_value())
    page.get_by_role("button", name="Cancel").first.click()
    n = rows.count()
    page.once("dialog", lambda d: d.accept())
    rows.first.get_by_role("button", name=re.compile("^Delete annotation")).click()
    expect(rows).to_have_count(n - 1)
    focused = page.evaluate("document.activeElement.closest('tr[data-id]')?.dataset.id || ''")
    assert focused == rows.first.get_attribute("data-id")
    page.get_by_role("button", name="Edit notes").click()
    page.get_by_label("Session notes").fill("Calm.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator("#status")).to_contain_text("Notes saved")
    # once the notes read anew: their first visible button (no time link in "Calm.": Edit
    # notes). Before, focus went to the hidden editor's Save button, i.e. nowhere; the test
    # passed only when it looked before the notes were read anew (a clean-clone CI run did not)
    expect(page.locator(".notes .notes-text")).to_have_text("Calm.")
    expect(page.locator(".notes").get_by_role("button", name="Edit notes")).to_be_focused()


def test_inputs_wait_for_a_midi_system_that_is_not_running(tmp_path, live_server, page):
    """Review 29 (new, finding 9): with the MIDI system down, a saved setup's MIDI input was
    "not connected: plug it in again", three red sentences sending the therapist to a cable
    that is fine; the row waits for the MIDI system instead."""
    from improv.capture.setups import parse_player_spec, save_setup

    (tmp_path / "store").mkdir(mode=0o700)
    save_setup(tmp_path / "store", "room 3", inputs=[parse_player_spec("client=midi:Keyboard")],
               options={"midi_api": "jack"})
    server = live_server(tmp_path / "store", env={"JACK_DEFAULT_SERVER": "improv-no-such-server",
                                                  "JACK_NO_START_SERVER": "1",
                                                  "IMPROV_MIDI_API": "jack"})
    page.goto(server.url)
    page.goto(f"{server.base}/#/record")
    expect(page.locator(".devices")).to_contain_text("MIDI instruments cannot be reached",
                                                     timeout=30000)
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("room 3")
    row = page.locator(".input-rows")
    expect(row).to_contain_text("Input 1 (client): Keyboard cannot be reached while the "
                                "computer's MIDI system is not running (see below); nothing "
                                "needs plugging in.")
    assert "plug it in again" not in row.inner_text()

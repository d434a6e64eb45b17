"""The session page as a therapist reads it: nothing drawn over anything else, and what it says
kept up to date (a usability review in session 25 found each of these wrong)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sessions.annotation_edits import add_annotation
from sessions.store import Store
from tests.improv.web.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _open(page, server, sid):
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)


def test_annotation_labels_never_overlap(demo_store, live_server, page):
    """Annotations a second apart with long texts: each row's labels end before the next one
    begins, cut with "…" where needed, and a label with room to spare is written whole."""
    path, sid = demo_store
    with Store(path) as store:
        for k in range(5):
            add_annotation(store, sid, t=10.0 + 0.6 * k,
                           text=f"close annotation number {k} with a long text")
        add_annotation(store, sid, t=24.0, text="alone")
    server = live_server(path)
    _open(page, server, sid)
    boxes = json.loads(page.locator(".lane.ann").get_attribute("data-boxes"))
    assert {b["row"] for b in boxes} == {0, 1}
    for row in (0, 1):
        line = sorted((b for b in boxes if b["row"] == row), key=lambda b: b["x"])
        for a, b in zip(line, line[1:], strict=False):
            assert a["x"] + a["width"] <= b["x"], (a, b)
    texts = [b["text"] for b in boxes]
    assert any(t.endswith("…") and t.startswith("close annotation") for t in texts)
    assert "alone" in texts


def test_the_status_line_leaves_the_transport_in_view(demo_store, live_server, page):
    """On a scrolled session page, a message in the status line sits above the sticky
    transport, not over it: Play is still the element under its own centre."""
    path, sid = demo_store
    server = live_server(path)
    page.set_viewport_size({"width": 1366, "height": 768})
    _open(page, server, sid)
    page.locator(".timeline [role=slider]").focus()
    page.keyboard.press("m")
    expect(page.locator("#status")).to_contain_text("Marker at")
    page.evaluate("window.scrollTo(0, 900)")
    assert page.evaluate("window.scrollY") > 400
    play = page.get_by_role("button", name="Play", exact=True)
    expect(play).to_be_in_viewport()
    box = play.bounding_box()
    hit = page.evaluate(f"document.elementFromPoint({box['x'] + box['width'] / 2}, "
                        f"{box['y'] + box['height'] / 2}).textContent")
    assert hit == "Play"
    status = page.locator("#status").bounding_box()
    assert status["y"] + status["height"] <= box["y"]


def test_the_summary_counts_a_new_marker_without_a_reload(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    page.get_by_role("button", name="Analyse now").click()
    summary = page.locator("#summary")
    expect(summary).to_contain_text(re.compile(r"There (are \d+ annotations|is 1 annotation)"),
                                    timeout=60000)
    with Store(path) as store:
        n = len(store.session(sid).annotations())
    page.locator(".timeline [role=slider]").focus()
    page.keyboard.press("m")
    expect(summary).to_contain_text(f"There are {n + 1} annotations")


def test_the_correction_form_has_each_label_beside_its_box(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    page.get_by_role("button", name="Correct title, client or players").click()
    rows = []
    for name, box in (("Title", "#fix-title"), ("Client code", "#fix-client"),
                      ("Corrected by", "#fix-by"), ("Reason", "#fix-reason")):
        lab = page.locator("form.correct label", has_text=name).bounding_box()
        inp = page.locator(box).bounding_box()
        assert lab["x"] + lab["width"] <= inp["x"], name  # the label before its box
        assert abs((lab["y"] + lab["height"] / 2) - (inp["y"] + inp["height"] / 2)) < 6, name
        rows.append(inp["y"])
    assert rows == sorted(rows) and len(set(round(y) for y in rows)) == 4  # a row each
    button = page.get_by_role("button", name="Save correction").bounding_box()
    assert button["y"] > rows[-1]


def test_two_players_tempo_curves_share_one_scale(demo_store, live_server, page):
    """In the tempo lane both players' BPM curves are drawn in the same range, so that the
    higher line is the faster player; pulse clarity keeps its 0-1 and says it is dashed."""
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    page.get_by_role("button", name="Analyse now").click()
    lane = page.locator(".lane.curve", has_text="Tempo")
    lane.wait_for(timeout=60000)
    lines = lane.get_attribute("title").splitlines()
    tempo = [ln.rsplit(": ", 1)[1] for ln in lines if " · Tempo: " in ln]
    assert len(tempo) == 2 and tempo[0] == tempo[1], lines
    assert all("(dashed): scale 0" in ln for ln in lines if "Pulse clarity" in ln)
    # each curve's unit once, after the scale it is drawn on (not read as a tempo, nor as the
    # player's own range): "Notes per second: scale 0.00–1.67 notes/s"
    assert all(re.fullmatch(r"scale [0-9.]+–[0-9.]+ BPM", t) for t in tempo), tempo
    density = page.locator(".lane.curve", has_text="Density").get_attribute("title")
    assert "(notes/s)" not in density and density.splitlines()[0].endswith(" notes/s")


def test_an_empty_store_offers_the_demo_without_empty_lists(tmp_path, live_server, page):
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    expect(page.get_by_role("heading", name="No sessions yet")).to_be_visible()
    expect(page.locator(".demo-offer").get_by_role("link", name="Record a session"))\
        .to_have_attribute("href", "#/record")
    body = page.locator("main").inner_text()
    assert "No sessions match" not in body
    assert page.locator("form.filters").count() == 0
    assert "No file chosen" not in body
    box = page.locator("#imp-files").bounding_box()
    assert box is None or box["width"] <= 1  # the drop zone is the control, not the input
    expect(page.locator(".dropzone")).to_be_visible()


def _demo_course(tmp_path, live_server, page, *, sessions: int, query: str = "") -> dict:
    """A store of ``sessions`` identical 20 s demo sessions (client DEMO), its client page
    opened with ``query`` and its trend table drawn; returns the comparison the page shows."""
    from improv.demo import create_demo_session

    path = tmp_path / "store"
    with Store(path) as store:
        for _ in range(sessions):
            create_demo_session(store, duration=20.0)
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/DEMO{'?' + query if query else ''}")
    page.locator("table.trend-table").wait_for(timeout=120000)
    return page.evaluate(f"fetch('/api/clients/DEMO/compare?{query}', "
                         "{headers: {'X-Improv-Request': '1'}}).then((r) => r.json())")


def test_a_baseline_without_spread_says_its_value(tmp_path, live_server, page):
    """Three identical demo sessions: the band is the smallest change that matters around the
    baseline's one value (a band of k SDs would have no width), and the table says that value
    instead of "± 0"."""
    res = _demo_course(tmp_path, live_server, page, sessions=3,
                       query="features=notes_per_s&baseline=first:2")
    col = "therapist.midi.notes_per_s"
    row = page.locator(f'table.trend-table tbody tr[data-column="{col}"]')
    f = res["features"][col]
    assert len(set(f["values"])) == 1
    assert f["band"]["sd"] == 0 and f["band"]["min_half_width"] == 0.1  # notes/s
    assert f["band"]["high"] - f["band"]["low"] == pytest.approx(0.2)
    expect(row.locator("td").nth(6)).to_have_text(re.compile(
        rf"^{f['values'][0]:.2f} in each \(no spread\) \*$"))


def test_editing_an_annotation_shows_what_is_edited(demo_store, live_server, page):
    """Edit on a row of the table brings the form's heading ("Edit annotation at …") into view,
    below the sticky bars, with the text box focused."""
    path, sid = demo_store
    server = live_server(path)
    page.set_viewport_size({"width": 1366, "height": 768})
    _open(page, server, sid)
    row = page.locator("table.annotations tbody tr[data-id]").last
    row.scroll_into_view_if_needed()
    row.get_by_role("button", name=re.compile("^Edit annotation")).click()
    legend = page.locator("form.ann-form legend")
    expect(legend).to_contain_text("Edit annotation at")
    expect(legend).to_be_in_viewport()
    transport = page.locator(".transport").bounding_box()
    assert legend.bounding_box()["y"] >= transport["y"] + transport["height"] - 1
    assert page.evaluate("document.activeElement.id") == "ann-text"


def test_the_client_page_shows_each_players_midi_measures_first(tmp_path, live_server, page):
    """Demo sessions (MIDI and a microphone per player): the course opens with each player's
    main measures (activity, silence, tempo, dynamics; its MIDI's where it has MIDI) and the
    pair's; "Show all measures" adds the rest but leaves out the microphone's copies of
    measures the MIDI also gives until "Show every input" is ticked; measures only the
    microphone gives (the level) stay."""
    res = _demo_course(tmp_path, live_server, page, sessions=2)
    cols, main = res["columns"], res["main_columns"]
    table = page.locator("table.trend-table")

    def split(c):
        head, feature = c.rsplit(".", 1)
        owner, _, source = head.rpartition(".")
        return owner, source, feature

    midi = {(o, f) for o, s, f in map(split, cols) if s == "midi"}
    copies = {c for c in cols if split(c)[1].startswith("audio") and split(c)[::2] in midi}
    assert copies and any("level_dbfs" in c for c in cols if c not in copies)
    # the first look: the MIDI's notes, silence and velocity of each player, and the pair's
    assert {"client.midi.notes_per_s", "therapist.midi.silence_share",
            "client.midi.velocity_mean", "client|therapist.joint_share",
            "client|therapist.client_leads_share"} <= set(main)
    assert not set(main) & copies and len(main) < len(cols) - len(copies)
    assert not any(c.endswith((".onsets_per_s", ".loudness_lufs_integrated")) for c in main)

    def rows():
        return table.locator("tbody tr").evaluate_all("trs => trs.map((tr) => tr.dataset.column)")

    assert rows() == main  # in the comparison's order
    # the statistics' column heads say in words what they hold, on hover
    head = table.locator("thead th", has_text="Trend / session").locator("abbr")
    expect(head).to_have_attribute("title", re.compile("from one session to the next"))
    expect(page.get_by_label("Band width (± SDs)")).to_be_visible()
    # a unit a therapist may not read at sight says itself in words on hover
    expect(table.locator('tr[data-column="client.midi.notes_per_s"] td abbr').first)\
        .to_have_attribute("title", "notes played per second")
    shot(page, "client-first-look")
    assert page.locator("figure.trend").count() == len(main)
    # a share that stayed 0 in every session is drawn on its own scale from 0 to 100 %, not on
    # an axis of 0.0060 … 0.050 around nothing
    zeros = [c for c in main if "|" in c and all(v == 0 for v in res["features"][c]["values"])]
    assert zeros, "the demo's pair measures have a share that stays 0"
    axis = page.locator(f'figure.trend[data-column="{zeros[0]}"] svg text').all_text_contents()
    numbers = [float(x) for x in axis if re.fullmatch(r"-?[0-9.]+", x)]
    assert min(numbers) == 0 and max(numbers) == 100, axis
    assert not page.get_by_label(re.compile("Show every input")).count()
    expect(page.locator("label.all-measures")).to_contain_text(
        f"Show all measures ({len(cols) - len(copies) - len(main)} more: ")
    page.get_by_label(re.compile("Show all measures")).check()
    expect(page.locator("figure.trend")).to_have_count(len(cols) - len(copies))
    assert set(rows()) == set(cols) - copies
    page.get_by_label(re.compile("Show every input")).check()
    expect(page.locator("figure.trend")).to_have_count(len(cols))
    assert set(rows()) == set(cols)
    level = next(c for c in cols if c.endswith(".level_dbfs_mean"))
    expect(table.locator(f'tr[data-column="{level}"] td abbr').first).to_have_attribute(
        "title", re.compile("^decibels below full scale: 0 is the loudest"))
    # measures the therapist chose are all shown at once
    page.goto(page.url.split("#")[0] + "#/client/DEMO?features=pitch_mean,onsets_per_s")
    expect(page.locator("figure.trend")).to_have_count(
        len([c for c in cols if c.endswith((".pitch_mean", ".onsets_per_s"))]))


def test_the_page_never_scrolls_sideways(demo_store, live_server, page):
    """At 1024 px the Measures table stuck out of its panel and the whole page scrolled
    sideways (a therapist's review): the page is as wide as the window at common widths, and
    the table stays inside its panel."""
    from improv.analyze import analyze_session

    path, sid = demo_store
    with Store(path) as store:
        analyze_session(store, sid, dialogue=True)
    server = live_server(path)
    for width in (1024, 1280, 1366):
        page.set_viewport_size({"width": width, "height": 700})
        _open(page, server, sid)
        page.wait_for_selector("section.analysis table tbody tr", timeout=60000)
        wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], (width, wide)
        box = page.locator("section.analysis").bounding_box()
        table = page.locator("section.analysis table").first.bounding_box()
        assert table["x"] + table["width"] <= box["x"] + box["width"] + 1, (width, table, box)


def test_a_report_of_an_unanalysed_session_analyses_it_first(course_store, live_server, page):
    """The Report buttons of a session never analysed refused with "press 'Analyse now'
    first" while `improv report` analyses (a therapist's review): the page analyses the
    session, then the report downloads, and the Measures show."""
    path, ids = course_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{ids[0]}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    expect(page.locator("section.analysis")).to_contain_text("Not analysed yet", timeout=30000)
    with page.expect_download(timeout=120000) as got:
        page.get_by_role("button", name="Report (HTML)").click()
    assert got.value.suggested_filename.endswith(".html")
    expect(page.locator("#status")).to_contain_text("Report downloaded")
    expect(page.locator("section.analysis table")).to_be_visible()
    # the therapist's part by default; the technical appendix when it is ticked
    from improv.reports.report import APPENDIX

    assert APPENDIX not in Path(got.value.path()).read_text()
    page.get_by_label("with the technical appendix").check()
    with page.expect_download(timeout=120000) as full:
        page.get_by_role("button", name="Report (HTML)").click()
    assert full.value.suggested_filename.endswith("-full.html")
    assert APPENDIX in Path(full.value.path()).read_text()


def test_an_annotations_range_stays_on_one_line(demo_store, live_server, page):
    """A range's time ("0:54.0–1:00.5") wrapped onto two centred lines beside point times on
    one (a therapist's review)."""
    path, sid = demo_store
    with Store(path) as store:
        add_annotation(store, sid, t=14.0, end=20.5, text="a stretch")
        add_annotation(store, sid, t=22.0, text="a moment")
    server = live_server(path)
    page.set_viewport_size({"width": 1024, "height": 700})
    _open(page, server, sid)
    cells = page.locator("td.when button")
    expect(cells.first).to_be_visible()
    heights = {cells.nth(i).inner_text(): cells.nth(i).bounding_box()["height"]
               for i in range(cells.count())}
    span = next(k for k in heights if "–" in k)
    point = next(k for k in heights if "–" not in k)
    assert heights[span] == heights[point], heights


def test_a_pause_is_a_gap_in_the_level_lane(tmp_path, live_server, page):
    """A microphone's level in a pause is digital silence (-100 dBFS): drawn, it stretched the
    Dynamics lane's scale to -100 and flattened the playing (a therapist's review); it is a
    gap, and the scale holds the playing only."""
    import numpy as np
    import soundfile as sf

    from improv.analyze import analyze_session
    from sessions.importer import import_files

    sr = 16000
    t = np.arange(20 * sr) / sr
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.2 * t))
    tone[12 * sr:] = 0.0  # the last 8 s: a pause
    sf.write(tmp_path / "mic.wav", tone.astype(np.float32), sr)
    path = tmp_path / "store"
    with Store(path) as store:
        sid = import_files(store, [tmp_path / "mic.wav"], players=["client=mic.wav"])["id"]
        analyze_session(store, sid, dialogue=True)
    server = live_server(path)
    _open(page, server, sid)
    lane = page.locator(".lane.curve", has_text="Dynamics")
    expect(lane).to_be_visible(timeout=60000)
    line = next(x for x in lane.get_attribute("title").splitlines() if "Level" in x)
    # a negative scale with true minus signs and "to" between them ("−35.3 to −26.7 dBFS")
    low = float(re.search(r"scale (\u2212?[\d.]+) to \u2212", line).group(1).replace(
        "\u2212", "-"))
    assert low > -60, line
    assert "-" not in line.split("scale", 1)[1], line


def test_only_the_analysis_unconfirmed_suggestions_are_dashed(demo_store, live_server, page):
    """A range the therapist tagged 'suggestion' is theirs (drawn as theirs); one the analysis
    suggested and nobody confirmed is drawn dashed (sessions.annotation_log's one rule)."""
    path, sid = demo_store
    with Store(path) as store:
        add_annotation(store, sid, t=2.0, end=10.0, text="mine", tags=["suggestion"])
        add_annotation(store, sid, t=16.0, end=26.0, tags=["suggestion", "autonomy:partner"],
                       player="client", source="suggestion",
                       text="partner · client (suggested from the playing, 90 % sure)")
    server = live_server(path)
    _open(page, server, sid)
    boxes = json.loads(page.locator(".lane.ann").get_attribute("data-boxes"))
    dashed = {b["text"]: b["dashed"] for b in boxes}
    assert (dashed["mine"], dashed["partner · client"]) == (False, True), dashed

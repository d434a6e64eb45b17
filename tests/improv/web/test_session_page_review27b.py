"""The session page after a second usability review (review 27b): the annotation table with
role suggestions stays in its panel; suggestions say their role and player first and read as
confirmed once confirmed; the annotation form's slips; lanes of curves in different units;
pulse clarity in a pause; the one-column order and the ruler's last label."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from sessions.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _open(page, server, sid, width=1366, height=768):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)


@pytest.fixture
def with_suggestions(demo_store):
    """The 30 s demo duet, analysed, with every role suggestion in its annotations."""
    from improv.analyze import analyze_session
    from improv.analyze.roles import accept_dialogue_roles, cached_dialogue

    path, sid = demo_store
    with Store(path) as store:
        analyze_session(store, sid, dialogue=True)
        written = accept_dialogue_roles(store, sid, cached_dialogue(store, sid), min_confidence=0)
    assert written
    return path, sid, written


def test_suggestions_stay_in_the_table_and_read_as_roles(with_suggestions, live_server, page):
    path, sid, written = with_suggestions
    server = live_server(path)
    for width in (1366, 1024):
        _open(page, server, sid, width=width)
        panel = page.locator("section.ann-list")
        expect(panel.locator("tr.suggested")).to_have_count(len(written))
        box = panel.bounding_box()
        right = box["x"] + box["width"]
        for el in [panel.locator("table.annotations"),
                   *panel.locator("tr.suggested button").all()]:
            b = el.bounding_box()
            assert b["x"] >= box["x"] and b["x"] + b["width"] <= right + 0.5, (width, b, box)
    # the text and the timeline's labels start with the role and the player
    first = written[0]
    row = page.locator(f"tr[data-id='{first['id']}']")
    role = next(t for t in first["tags"] if t != "suggestion").split(":")[-1]
    expect(row.locator("td.text")).to_have_text(re.compile(
        rf"^{role} · {first['player']} \(suggested: (a clear|some|a weak) indication from the "
        r"playing\)$"))
    labels = json.loads(page.locator(".lane.ann").get_attribute("data-labels"))
    assert labels and all(re.match(r"^\w+( · \w+)?…?$", x) or x.endswith("…")
                          for x in labels), labels
    assert not any(x.startswith("sug") for x in labels), labels
    # confirmed: the role, player and day; neither "suggested" nor "(edited)"
    row.get_by_role("button", name="Confirm").click()
    expect(row.locator(".badge.confirmed")).to_be_visible()
    expect(row.locator("td.text")).to_have_text(re.compile(
        rf"^{role} · {first['player']}, confirmed [A-Z][a-z]{{2}} \d+, \d{{4}}$"))


def test_the_annotation_form_says_what_is_wrong(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    form = page.locator("form.ann-form")
    err = form.locator("p.error")
    add = form.get_by_role("button", name="Add annotation")
    page.fill("#ann-t", "-5")
    page.fill("#ann-text", "x")
    add.click()
    expect(err).to_contain_text("-5")
    page.fill("#ann-t", "")  # an empty Start: its own message, not the last try's
    add.click()
    expect(err).to_have_text("Write when the annotation starts, e.g. 1:05 (m:ss), or drag "
                             "over the timeline")
    page.fill("#ann-t", "0:10")
    page.fill("#ann-text", "")
    add.click()
    expect(err).to_have_text("An empty annotation: add a word or a tag, or use Marker.")
    page.fill("#ann-text", "a stretch")
    page.fill("#ann-end", "0:10")
    add.click()
    expect(err).to_contain_text("The end (0:10.0) is the start")
    with Store(path) as store:
        assert not [a for a in store.session(sid).annotations() if a["text"] == "a stretch"]
    # a selection fills the form in the table's format (tenths)
    page.evaluate("window.scrollTo(0, 0)")
    tl = page.locator(".lanes-wrap .overlay").bounding_box()
    y = tl["y"] + 20
    page.mouse.move(tl["x"] + 0.3 * tl["width"], y)
    page.mouse.down()
    page.mouse.move(tl["x"] + 0.5 * tl["width"], y, steps=5)
    page.mouse.up()
    start = page.input_value("#ann-t")
    assert re.fullmatch(r"0:\d\d\.\d", start), start
    expect(err).to_have_text("")
    add.click()
    expect(page.locator("#status")).to_have_text("Annotation added")
    with Store(path) as store:
        (a,) = [a for a in store.session(sid).annotations() if a["text"] == "a stretch"]
    m, sec = start.split(":")
    assert abs(a["t"] - (int(m) * 60 + float(sec))) <= 0.05, (a["t"], start)
    row = page.locator(f"tr[data-id='{a['id']}'] td.when")
    expect(row).to_contain_text(start)


def test_switching_a_player_on_clears_none_is_on(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    for box in page.locator(".hear input[type=checkbox]").all():
        box.uncheck()
    page.get_by_role("button", name="Play", exact=True).click()
    status = page.locator("#status")
    expect(status).to_contain_text("No player is switched on")
    page.get_by_role("button", name="hear all").click()
    expect(status).not_to_contain_text("No player is switched on")


@pytest.fixture
def piano_and_mic(tmp_path):
    """A MIDI client playing 4-8 notes a second throughout, a microphone therapist playing
    clicks for the first 10 s of 30 and then silent; analysed."""
    import soundfile as sf

    from improv.analyze import analyze_session
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    rng = np.random.default_rng(3)
    ts = np.cumsum(rng.uniform(0.12, 0.25, 200))
    ts = ts[ts < 29.5]
    write_midi(tmp_path / "p.mid", tracks={"client": [
        (float(t), 0, int(rng.integers(55, 80)), int(rng.integers(40, 110))) for t in ts]})
    sr = 16000
    y = np.zeros(30 * sr, np.float32)
    for t in np.arange(0.25, 10.0, 0.5):
        i = int(t * sr)
        y[i:i + 320] += (0.5 * rng.standard_normal(320) * np.exp(-np.arange(320) / 60)).astype(
            np.float32)
    sf.write(tmp_path / "mic.wav", y, sr)
    path = tmp_path / "store"
    with Store(path) as store:
        sid = import_files(store, [tmp_path / "p.mid", tmp_path / "mic.wav"],
                           players=["client=p.mid:2", "therapist=mic.wav"])["id"]
        analyze_session(store, sid, dialogue=True)
    return path, sid


def test_lanes_of_different_units_have_a_band_each(piano_and_mic, live_server, page):
    """Density: the piano's notes/s and the microphone's onsets/s each in a band of its own,
    both from 0 (the piano's lowest rate was drawn on the floor, where the microphone's 0 was);
    the Dynamics lane's velocity and dBFS likewise; the lane says so. The microphone's pulse
    clarity stops where it stops playing, as its tempo does (it went on at 0)."""
    path, sid = piano_and_mic
    server = live_server(path)
    _open(page, server, sid)
    dens = page.locator(".lane.curve", has_text="Density")
    expect(dens).to_be_visible(timeout=60000)
    curves = json.loads(dens.get_attribute("data-curves"))
    assert sorted(c["band"] for c in curves) == [0, 1], curves
    assert all(c["lo"] == 0 for c in curves), curves
    # where each band is, in words (it said "one band per unit (2), top to bottom as listed")
    expect(dens.locator(".lane-note")).to_have_text(
        "Notes per second above, onsets per second below")
    expect(page.locator(".lane.curve", has_text="Tempo").locator(".lane-note")).to_have_text(
        "Tempo above, pulse clarity below")
    dyn = json.loads(page.locator(".lane.curve", has_text="Dynamics").get_attribute("data-curves"))
    assert sorted(c["band"] for c in dyn) == [0, 1], dyn
    tempo = json.loads(page.locator(".lane.curve", has_text="Tempo").get_attribute("data-curves"))
    (mic,) = [c for c in tempo if c["label"].startswith("therapist") and "Pulse" in c["label"]]
    assert mic["last"] is not None and mic["last"] < 16, mic  # clicks until 10 s, 6 s windows
    (piano,) = [c for c in tempo if c["label"].startswith("client") and "Pulse" in c["label"]]
    assert piano["last"] > 25, piano


def test_one_column_puts_the_measures_before_the_form(demo_store, live_server, page):
    """At 1024 px the Measures came after a 1,200 px annotation form; the ruler's last label
    was cut ("1:4")."""
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid, width=1024, height=700)
    measures = page.locator("section.analysis").bounding_box()
    form = page.locator("form.ann-form").bounding_box()
    table = page.locator("section.ann-list").bounding_box()
    assert measures["y"] + measures["height"] <= form["y"] <= table["y"], (measures, form, table)
    labels = json.loads(page.locator("canvas.axis").get_attribute("data-labels"))
    width = page.evaluate("document.querySelector('canvas.axis').getBoundingClientRect().width")
    assert labels and all(0 <= x["x0"] and x["x1"] <= width for x in labels), (labels, width)

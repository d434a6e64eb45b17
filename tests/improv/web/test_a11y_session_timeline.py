"""The session timeline for a therapist with low vision or a screen reader (accessibility
review 30): the imitation lane's text readable (1.4.3), the players told apart by more than
colour (1.4.1), no lane label cut, and the timeline's events as text (1.1.1)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from improv.analyze import analyze_session
from improv.demo import create_demo_session
from sessions.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def measured_demo(tmp_path):
    """The 90 s demo duet, measured (it has five imitation episodes); (store path, id, result)."""
    path = tmp_path / "store"
    with Store(path) as store:
        sid = create_demo_session(store, duration=90.0)["id"]
        result = analyze_session(store, sid, dialogue=True)
    return path, sid, result


def _open(page, server, sid):
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    page.wait_for_selector(".lane.imitation", timeout=60000)


def _lum(c):
    def ch(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])


def _contrast(a, b):
    la, lb = sorted((_lum(a), _lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_imitation_labels_have_a_contrast_of_at_least_4_5(measured_demo, live_server, page):
    """Zoomed in until the episodes' labels are written: the text's colour against the bar
    behind it, both read from the canvas, is at least 4.5:1."""
    path, sid, _ = measured_demo
    server = live_server(path)
    _open(page, server, sid)
    for _ in range(3):
        page.get_by_role("button", name="Zoom in").click()
    lane = page.locator(".lane.imitation")
    expect(lane).not_to_have_attribute("data-labels", "[]")
    labels = json.loads(lane.get_attribute("data-labels"))
    assert labels and labels[0]["text"] == "therapist imitates client"
    # the label's box: its most common colour is the bar, its darkest the text
    pixels = page.evaluate("""(b) => {
      const c = document.querySelector('.lane.imitation canvas');
      const d = c.getContext('2d').getImageData(Math.round(b.x), 6, Math.ceil(b.width), 14).data;
      const out = [];
      for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2], d[i + 3]]);
      return out; }""", labels[0])
    # the canvas is drawn over the timeline's white: each pixel as seen
    seen = [tuple(round(255 + (c - 255) * p[3] / 255) for c in p[:3]) for p in pixels]
    bar = max(set(seen), key=seen.count)
    text = min(seen, key=_lum)
    assert bar != (255, 255, 255)
    assert _contrast(bar, text) >= 4.5, (bar, text)


def test_players_differ_by_more_than_colour(measured_demo, live_server, page):
    """Each player's curve carries its own mark (● client, ■ therapist), drawn along the line
    and written before its label; the Beats rows are named."""
    path, sid, _ = measured_demo
    server = live_server(path)
    _open(page, server, sid)
    tempo = page.locator(".lane.curve", has_text="Dynamics")
    marks = json.loads(tempo.get_attribute("data-marks"))
    curves = json.loads(tempo.get_attribute("data-curves"))
    by_curve = {}
    for k, x, y in marks:
        by_curve.setdefault(k, []).append((x, y))
    assert len(by_curve) == 2 and all(len(v) >= 3 for v in by_curve.values())
    assert [c["label"].split(" ")[0] for c in curves] == ["client", "therapist"]
    # the mark is drawn where it says: an opaque pixel of the player's colour at each
    colours = page.evaluate("""(marks) => {
      const c = document.querySelector('.lane.curve:has(.lane-label) canvas');
      const lane = [...document.querySelectorAll('.lane.curve')].find((l) =>
        l.textContent.includes('Dynamics')).querySelector('canvas');
      const g = lane.getContext('2d'), dpr = window.devicePixelRatio || 1;
      return marks.map(([k, x, y]) => [...g.getImageData(x * dpr, y * dpr, 1, 1).data]); }""",
                            marks)
    assert all(c[3] > 0 for c in colours)
    beats = page.locator(".lane.beats .lane-label")
    if beats.count():
        expect(beats).to_contain_text(re.compile(r"rows: ● client"))


def test_no_lane_label_is_cut(measured_demo, live_server, page):
    """Every lane label fits its lane: a label longer than the drawing's height makes the lane
    taller (one was cut by 3 px)."""
    path, sid, _ = measured_demo
    server = live_server(path)
    for width in (1400, 700):
        page.set_viewport_size({"width": width, "height": 900})
        _open(page, server, sid)
        cut = page.evaluate("""() => [...document.querySelectorAll('.lane .lane-label')]
          .filter((l) => l.scrollHeight > l.clientHeight + 1 || l.scrollWidth > l.clientWidth + 1)
          .map((l) => l.textContent)""")
        assert not cut, cut


def test_the_timeline_as_text(measured_demo, live_server, page):
    """'Timeline as text' lists the annotations, the turns and the imitation episodes in time
    order, with their times; a time moves the play head there."""
    path, sid, result = measured_demo
    (d,) = result["dialogue"]
    server = live_server(path)
    _open(page, server, sid)
    page.get_by_text("Timeline as text").click()
    table = page.locator("table.timeline-events")
    rows = table.locator("tbody tr")
    with Store(path) as store:
        n_ann = len(store.session(sid).annotations())
    expect(rows).to_have_count(n_ann + len(d["turns"]) + len(d["imitations"]))
    imit = table.locator("tr", has_text="Imitation")
    expect(imit).to_have_count(len(d["imitations"]))
    e = d["imitations"][0]
    expect(imit.first).to_contain_text(f"{e['imitator']} imitates {e['model']}")
    expect(table.locator("tr", has_text="Turn").first).to_contain_text("played alone")
    starts = [page.evaluate("(s) => s", r.locator("td").first.inner_text())
              for r in rows.all()]

    def sec(text):
        m, s_ = text.split("–")[0].split(":")
        return int(m) * 60 + float(s_)

    assert [sec(t) for t in starts] == sorted(sec(t) for t in starts)
    imit.first.get_by_role("button").click()
    expect(page.locator(".transport .time")).to_have_text(
        re.compile(rf"^0:0?{int(e['t'])}\."))

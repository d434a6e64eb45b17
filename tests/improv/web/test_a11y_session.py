"""The session page for a therapist with low vision, one who uses only the keyboard and one
with a screen reader (the accessibility review 30, WCAG 2.1 AA): zoomed in, nothing sticks over
the control in focus; status messages are whole; single-key shortcuts only where they belong."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _open(page, server, sid):
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)


@pytest.fixture
def zoomed(browser):
    """``zoomed(width, height, scale)``: a page of that many CSS px at that device scale (a
    1280x1024 screen at 400 % is 320x256 CSS px at scale 4)."""
    made = []

    def make(width, height, scale):
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=scale)
        made.append(ctx)
        pg = ctx.new_page()
        pg.js_errors = []
        pg.on("pageerror", lambda e: pg.js_errors.append(str(e)))
        return pg

    yield make
    for ctx in made:
        ctx.close()


# the focused element's centre, or the nearest visible point of it, is the element itself (or
# inside it), not something drawn over it; None where it is scrolled out of a scrolling box
COVERED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const r = e.getBoundingClientRect();
  if (!r.width || !r.height) return null;
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(r.top + Math.min(r.height / 2, 8), 0), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  if (!hit) return null;
  const labelled = e.labels && [...e.labels].some((l) => l.contains(hit));
  if (hit === e || e.contains(hit) || hit.contains(e) || labelled) return null;
  const name = `${e.tagName} ${(e.getAttribute('aria-label') || e.textContent).slice(0, 30)}`;
  if (r.bottom <= 0 || r.top >= innerHeight) return `${name}: out of view`;
  const bar = hit.closest('.status, .transport');
  return bar ? `${name} under ${bar.className}` : null;
}"""


@pytest.mark.parametrize("size", [(320, 256, 4), (640, 360, 2)])
def test_zoomed_in_no_focused_control_is_hidden_under_the_bars(demo_store, live_server,
                                                               zoomed, size):
    """At 400 % (320x256) and 200 % (640x360) the status line and the playback toolbar no
    longer stick: tabbing through the page, no focused control is under them (2.4.11)."""
    path, sid = demo_store
    server = live_server(path)
    page = zoomed(*size)
    _open(page, server, sid)
    page.evaluate("() => document.getElementById('status').textContent = 'Marker at 0:01.0'")
    assert page.evaluate("getComputedStyle(document.querySelector('.transport')).position") \
        == "static"
    page.locator(".transport").get_by_role("button", name="Play", exact=True).focus()
    hidden = []
    for _ in range(45):
        page.keyboard.press("Tab")
        bad = page.evaluate(COVERED)
        if bad:
            hidden.append(bad)
    assert not hidden, hidden
    assert not page.js_errors


def test_a_long_status_message_wraps_whole(demo_store, live_server, zoomed):
    """At 200 % (640x360) a message longer than the line wraps onto more lines, whole and
    readable without a mouse; the transport sticks below it where it sticks."""
    path, sid = demo_store
    server = live_server(path)
    page = zoomed(640, 360, 2)
    _open(page, server, sid)
    box = page.locator(".kits input[type=checkbox]").first
    box.check()
    status = page.locator("#status")
    expect(status).to_contain_text("the change is kept in the history")
    fits = page.evaluate("""() => { const s = document.getElementById('status');
      return { sw: s.scrollWidth, cw: s.clientWidth, sh: s.scrollHeight, ch: s.clientHeight,
               h: s.offsetHeight, title: s.title }; }""")
    assert fits["sw"] <= fits["cw"] and fits["sh"] <= fits["ch"], fits
    assert fits["h"] >= 2 * 22, fits  # more than one line
    assert page.evaluate("getComputedStyle(document.getElementById('status')).textOverflow") \
        != "ellipsis"
    # in a taller window the transport sticks just below the wrapped line, not under it
    page.set_viewport_size({"width": 640, "height": 800})
    page.evaluate("window.scrollTo(0, 600)")
    page.wait_for_timeout(100)
    s = status.bounding_box()
    t = page.locator(".transport").bounding_box()
    assert s["height"] >= 44
    assert t["y"] >= s["y"] + s["height"] - 1, (s, t)


def _count(path, sid):
    from sessions.store import Store

    with Store(path) as store:
        return len(store.session(sid).annotations())


def _time(page):
    return page.locator(".transport .time").inner_text()


def test_single_key_shortcuts_only_on_the_page_the_timeline_and_the_player(demo_store,
                                                                           live_server, page):
    """m on a link or a button outside the player writes nothing; Home/End scroll the page
    unless the timeline has the focus; on the page itself, the timeline and the playback
    buttons the keys work; switched off (remembered), m works nowhere (2.1.4)."""
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    n = _count(path, sid)
    slider = page.get_by_role("slider", name="Playback position (arrows seek, space plays)")
    # a link and a button outside the player keep their keys
    for el in (page.locator(".session-head .meta a").first,
               page.get_by_role("button", name="Edit notes")):
        el.focus()
        for key in ("m", "+", "ArrowRight", "End"):
            page.keyboard.press(key)
    page.wait_for_timeout(400)
    assert _count(path, sid) == n
    assert _time(page) == "0:00.0"
    assert "Marker" not in page.locator("#status").inner_text()
    # the page itself (main, where a navigation puts the focus): End scrolls, m marks
    page.evaluate("document.getElementById('main').focus()")
    page.keyboard.press("End")
    page.wait_for_timeout(200)
    assert page.evaluate("window.scrollY") > 300
    assert _time(page) == "0:00.0"
    page.keyboard.press("ArrowRight")
    assert _time(page) == "0:05.0"
    page.keyboard.press("m")
    expect(page.locator("#status")).to_contain_text("Marker at 0:05.0")
    assert _count(path, sid) == n + 1
    # a playback button: the arrows seek from it too
    zoom = page.get_by_role("button", name="Zoom in")
    zoom.focus()
    page.keyboard.press("ArrowRight")
    assert _time(page) == "0:10.0"
    # the timeline: Home/End seek
    slider.focus()
    page.keyboard.press("End")
    assert _time(page) == "0:30.0"
    page.keyboard.press("Home")
    assert _time(page) == "0:00.0"
    expect(slider).to_have_attribute("aria-valuetext", "0:00")
    # switched off in the keyboard help: m does nothing on the page, the timeline keeps its
    # own keys; the choice is remembered
    box = page.get_by_role("checkbox", name="Single-key shortcuts")
    expect(box).to_be_checked()
    box.uncheck()
    expect(page.locator(".transport").get_by_role("button", name="Marker", exact=True)) \
        .not_to_have_attribute("aria-keyshortcuts", "m")
    page.reload()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    expect(page.get_by_role("checkbox", name="Single-key shortcuts")).not_to_be_checked()
    page.evaluate("document.getElementById('main').focus()")
    page.keyboard.press("m")
    page.keyboard.press("ArrowRight")
    slider.focus()
    page.keyboard.press("m")
    page.keyboard.press("End")
    assert _time(page) == "0:30.0"
    page.wait_for_timeout(400)
    assert _count(path, sid) == n + 1
    assert not page.locator("#status").inner_text().startswith("Marker")


def test_space_opens_a_folded_tag_group(demo_store, live_server, page):
    """Space on a folded tag group's title opens it, as everywhere, and does not play."""
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    name = page.locator("details.chip-group:not([open])").first.get_attribute("aria-label")
    group = page.locator(f'details.chip-group[aria-label="{name}"]')
    group.locator("summary").focus()
    page.keyboard.press("Space")
    expect(group).to_have_attribute("open", "")
    assert page.evaluate("document.querySelector('audio.player').paused")
    assert _time(page) == "0:00.0"
    page.keyboard.press("Space")
    expect(group).not_to_have_attribute("open", "")


def test_the_play_position_slider_holds_no_other_control(demo_store, live_server, page):
    """The timeline's slider is the area over the lanes: the scroll range (and the Beats box
    in its lane label) are outside it, so a screen reader offers them (4.1.2)."""
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    slider = page.get_by_role("slider", name="Playback position (arrows seek, space plays)")
    expect(slider).to_have_count(1)
    inside = slider.evaluate("(el) => [...el.querySelectorAll('*')].filter((c) => "
                             "c.matches('input, button, a, select, textarea, [tabindex], "
                             "[role]') || c.textContent.trim()).length")
    assert inside == 0
    scroll = page.get_by_role("slider", name="Scroll the timeline")
    expect(scroll).to_be_visible()
    assert not slider.evaluate("(el) => el.contains(document.querySelector('input.scroll'))")
    assert not slider.evaluate("(el) => el.contains(document.querySelector('.lane-label'))")
    # a click on the lanes seeks and puts the focus on the slider; the arrows then seek
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 10)
    assert page.evaluate("document.activeElement.getAttribute('role')") == "slider"
    before = _time(page)
    page.keyboard.press("ArrowLeft")
    assert _time(page) != before


def test_the_focus_stays_where_the_therapist_was(demo_store, live_server, page):
    """Cancel in the notes editor gives the focus back to Edit notes; ticking a drum-kit box
    (the page is drawn anew) leaves it on that box (2.4.3)."""
    path, sid = demo_store
    server = live_server(path)
    _open(page, server, sid)
    page.get_by_role("button", name="Edit notes").click()
    expect(page.get_by_label("Session notes")).to_be_focused()
    page.get_by_role("button", name="Cancel", exact=True).first.click()
    expect(page.get_by_role("button", name="Edit notes")).to_be_focused()
    kit = page.locator("#kit-0")
    kit.focus()
    page.keyboard.press("Space")
    expect(page.locator("#status")).to_contain_text("marked as a drum kit")
    expect(page.locator("#kit-0")).to_be_focused()
    expect(page.locator("#kit-0")).to_be_checked()
    assert page.evaluate("document.activeElement.id") == "kit-0"


def test_edit_brings_the_focused_text_box_into_view(demo_store, live_server, zoomed):
    """Edit on an annotation puts the focus in its Text box, and that box is on the screen,
    not under the bars that stick at the top (2.4.7)."""
    path, sid = demo_store
    server = live_server(path)
    page = zoomed(1280, 720, 1)
    _open(page, server, sid)
    page.locator("table.annotations tbody tr[data-id]").first.get_by_role(
        "button", name=re.compile("^Edit annotation")).press("Enter")
    expect(page.locator("#ann-text")).to_be_focused()
    page.wait_for_timeout(100)
    box = page.locator("#ann-text").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 720, box
    assert page.evaluate(COVERED) is None


def test_accessible_names_hold_the_visible_words(demo_store, live_server, page):
    """Every button and link named by aria-label on the session page has its visible words
    in that name ("solo: hear only client", "Play from 0:54.0–1:12.0"), so a speech-input
    user can say what they see (2.5.3)."""
    from sessions.annotation_edits import add_annotation
    from sessions.store import Store

    path, sid = demo_store
    with Store(path) as store:
        add_annotation(store, sid, t=4.0, end=9.5, text="a range")
    server = live_server(path)
    _open(page, server, sid)
    expect(page.locator(".hear .solo")).not_to_have_count(0)
    page.wait_for_selector("table.annotations tbody tr[data-id]")
    bad = page.evaluate("""() => [...document.querySelectorAll(
        'main button[aria-label], main a[aria-label]')]
      .map((e) => [e.getAttribute('aria-label'), e.textContent.replace(/\\s+/g, ' ').trim()])
      .filter(([name, text]) => text && !name.toLowerCase().includes(text.toLowerCase()))""")
    assert not bad, bad
    expect(page.get_by_role("button", name="Play from 0:04.0–0:09.5")).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile("^solo: hear only "))).to_have_count(2)


def test_measuring_progress_is_one_live_region_updated_in_place(demo_store, live_server,
                                                                 page):
    """While the session is measured in the background, the progress is said in one
    role=status line whose text changes at each poll, not in a new region each time (4.1.3);
    when the measuring is over, that line is quiet again."""
    path, sid = demo_store
    server = live_server(path)
    polls = []

    def analysing(route):
        if route.request.method == "GET" and len(polls) < 3:
            polls.append(1)
            route.fulfill(status=200, content_type="application/json",
                          body='{"status": "analysing", "progress": {"state": "running", '
                               f'"step": "measures", "fraction": {0.2 * len(polls)}}}}}')
        else:
            route.continue_()

    page.route("**/api/sessions/*/analysis", analysing)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    line = page.locator(".analysis p[role=status]")
    expect(line).to_have_text("Measuring this session in the background: 20 % measured…",
                              timeout=60000)
    page.evaluate("""() => { const p = document.querySelector('.analysis p[role=status]');
      p.dataset.first = '1'; window.added = 0;
      new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes)
        if (n.nodeType === 1 && (n.matches('[role=status]') || n.querySelector('[role=status]')))
          window.added += 1; }).observe(document.querySelector('.analysis'),
        { childList: true, subtree: true }); }""")
    expect(line).to_have_text("Measuring this session in the background: 60 % measured…",
                              timeout=10000)
    assert line.get_attribute("data-first") == "1"
    expect(page.locator(".analysis").get_by_role("button", name="Analyse now")).to_be_visible(
        timeout=10000)
    assert page.evaluate("window.added") == 0
    expect(page.locator(".analysis [role=status]")).to_have_count(1)
    expect(line).to_have_text("")

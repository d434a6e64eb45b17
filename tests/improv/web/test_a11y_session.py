"""The session page for a therapist with low vision, one who uses only the keyboard and one
with a screen reader (the accessibility review 30, WCAG 2.1 AA): zoomed in, nothing sticks over
the control in focus; status messages are whole; single-key shortcuts only where they belong."""

from __future__ import annotations

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

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

"""Reflow (WCAG 1.4.10; accessibility review 30, finding 8): no page outside the session page
scrolls sideways at 320 CSS px wide (a 1280 px window at 400 %), and the Record page not at
640 x 360 (200 %): forms go to one column, fields shrink to the room there is, wide data
tables scroll in a box of their own."""

from __future__ import annotations

import pytest

from improv.capture.setups import parse_player_spec, save_setup
from tests.improv.test_goals import build_client_store
from tests.sessions.helpers import write_midi

pytestmark = [pytest.mark.browser]

# the elements that run past the window's right edge (outside a scroll box of their own)
OVERFLOW = """() => { const W = document.documentElement.clientWidth; const out = [];
  for (const e of document.querySelectorAll('main *, header *')) {
    const r = e.getBoundingClientRect();
    if (r.width && r.right > W + 1 && !e.closest('.table-scroll')) {
      out.push(`${e.tagName}.${e.className} ${(e.innerText || '').slice(0, 30)}`);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, clientWidth: W,
           out: out.slice(0, 6) };
}"""


def _no_sideways_scroll(page, where):
    got = page.evaluate(OVERFLOW)
    assert got["scrollWidth"] <= got["clientWidth"] and not got["out"], (where, got)


@pytest.fixture
def full_store(tmp_path):
    """C07 with eight sessions and a goal; a saved setup with a MIDI and an audio input."""
    from sessions.goals import add_goal
    from sessions.store import Store

    path, _ = build_client_store(tmp_path)
    with Store(path) as store:
        add_goal(store, "C07", text="Plays along with the therapist")
    save_setup(path, "Room 2", inputs=[parse_player_spec("client=midi:Digital Piano"),
                                       parse_player_spec("therapist=audio:system:1")],
               options={"midi_api": "jack"})
    return path


def test_no_page_scrolls_sideways_at_320_px(full_store, tmp_path, live_server, browser):
    server = live_server(full_store)
    ctx = browser.new_context(viewport={"width": 320, "height": 256})
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        page.wait_for_selector("table.sessions")
        # the import list with a file and its Who plays row
        mid = write_midi(tmp_path / "keyboard-3.mid",
                         tracks={"Piano client": [(0.5 * k, 0, 60 + k, 90) for k in range(8)]})
        page.locator("#imp-files").set_input_files(str(mid))
        page.locator(".uploads .part select").wait_for()
        _no_sideways_scroll(page, "Sessions")
        page.goto(f"{server.base}/#/clients")
        page.wait_for_selector("table.clients")
        _no_sideways_scroll(page, "Clients")
        page.goto(f"{server.base}/#/client/C07")
        page.locator("article.goal").wait_for(timeout=60000)
        page.get_by_role("button", name="Change…").click()
        page.locator("form.goal-form").nth(1).wait_for()
        _no_sideways_scroll(page, "Client C07")
        page.goto(f"{server.base}/#/record")
        page.locator(".input-row .row-problem", has_text="Input 2").wait_for(timeout=15000)
        _no_sideways_scroll(page, "Record")
        page.goto(f"{server.base}/#/backups")
        page.locator("#backup-folder").wait_for()
        _no_sideways_scroll(page, "Backups")
        assert not errors
    finally:
        ctx.close()


def test_the_record_page_does_not_scroll_sideways_at_200_percent(full_store, live_server,
                                                                 browser):
    server = live_server(full_store)
    ctx = browser.new_context(viewport={"width": 640, "height": 360})
    try:
        page = ctx.new_page()
        page.goto(server.url)
        page.goto(f"{server.base}/#/record")
        page.locator(".input-row .row-problem", has_text="Input 2").wait_for(timeout=15000)
        _no_sideways_scroll(page, "Record at 640 px")
        # every input row's fields stay in the window, Remove too
        for box in page.locator(".input-row button.link").all():
            b = box.bounding_box()
            assert b["x"] + b["width"] <= 640, b
    finally:
        ctx.close()

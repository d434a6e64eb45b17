"""The status line (green, what the last action did) and the session page's transport stick to
the top of the window; review 35 found them drawn over the rows of a long annotation table
after a scroll. In a window the last rows are in sight and can be clicked; the bars were drawn
over rows where there is no window to stick to: a printed page (and a picture of the whole
page), where they stood in the middle of the table, where the window had been. Printed, they
are in their place at the top (the status line not at all), over no row."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.annotation_edits import add_annotations
from sessions.store import Store

pytestmark = [pytest.mark.browser]

#: The annotation rows whose centre, in the window, is not the row or a child of it: what
#: covers each (``elementFromPoint``), with the row's text.
COVERED = """() => [...document.querySelectorAll('table.annotations tr[data-id]')].flatMap((tr) => {
  const b = tr.getBoundingClientRect();
  const y = b.top + b.height / 2;
  if (y < 0 || y > innerHeight) return [];
  const el = document.elementFromPoint(b.left + b.width / 2, y);
  const what = el && (el.id || el.className || el.tagName);
  return tr.contains(el) ? [] : [`${tr.innerText.split('\\t')[0]} under ${what}`];
})"""


@pytest.fixture
def long_table(demo_store):
    """The demo duet with 40 annotations more: a table longer than the window."""
    path, sid = demo_store
    with Store(path) as store:
        add_annotations(store, sid, [{"t": 0.5 + 0.7 * k, "tags": ["solo"], "text": f"row {k}"}
                                     for k in range(40)], by="T01")
    return path, sid


def _scrolled_to_the_end(page, server, sid):
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    rows = page.locator("table.annotations tr[data-id]")
    n = rows.count()
    page.get_by_role("button", name=re.compile(r"^Marker")).click()  # the status line says so
    expect(page.locator("#status")).to_contain_text("Marker at")
    expect(rows).to_have_count(n + 1)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function(
        "() => scrollY + innerHeight >= document.documentElement.scrollHeight - 1")


def test_the_last_rows_are_in_sight_after_a_scroll(long_table, live_server, page):
    path, sid = long_table
    server = live_server(path)
    page.set_viewport_size({"width": 1280, "height": 720})
    _scrolled_to_the_end(page, server, sid)
    last = page.locator("table.annotations tr[data-id]").last
    expect(last).to_contain_text("row 39")
    assert not [x for x in page.evaluate(f"({COVERED})()") if x.startswith("0:27.8")]
    # clicked where it is: the play head moves to its time (nothing intercepts the click)
    last.get_by_role("button", name=re.compile("^Play from")).click(timeout=5000)
    expect(page.locator(".transport .time")).to_have_text(re.compile(r"^0:27\.8"))


def test_printed_the_bars_cover_no_row(long_table, live_server, page):
    path, sid = long_table
    server = live_server(path)
    page.set_viewport_size({"width": 1280, "height": 720})
    _scrolled_to_the_end(page, server, sid)
    page.emulate_media(media="print")
    # a row of the middle at the window's top, where the bars stuck
    page.evaluate("""() => {
      const tr = [...document.querySelectorAll('table.annotations tr[data-id]')]
        .find((r) => r.innerText.includes('row 20'));
      window.scrollTo(0, window.scrollY + tr.getBoundingClientRect().top);
    }""")
    assert page.evaluate(f"({COVERED})()") == []
    expect(page.locator("#status")).to_be_hidden()

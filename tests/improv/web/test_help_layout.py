"""The Help page and the signed-out page at the practice computer's usual sizes (1024x768,
1280x800; review 28): nothing wider than the window, a heading of two lines in even halves
(the signed-out page's heading left "in" alone on its second line), and a command in the
Help text in one box, never split over two lines ("improv" at a line's end, "open" on the
next), unless it is longer than the column, when it wraps inside its own box."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser]

SIZES = [(1024, 768), (1280, 800)]

#: The width of each line of an element's text [px] (a Range's client rectangles, one per
#: line), for the headings of ``selector``.
LINES = """(selector) => [...document.querySelectorAll(selector)].map((e) => {
  const r = document.createRange(); r.selectNodeContents(e);
  const tops = new Map();
  for (const b of r.getClientRects()) {
    const k = Math.round(b.top);
    tops.set(k, (tops.get(k) || 0) + b.width);
  }
  return [e.textContent, [...tops.values()]];
})"""


def _balanced(lines) -> list:
    """The headings whose last line is under half as wide as their first."""
    return [(text, widths) for text, widths in lines
            if len(widths) > 1 and widths[-1] < 0.5 * widths[0]]


@pytest.fixture
def sized_page(browser):
    made = []

    def make(width, height):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        made.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in made:
        ctx.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_signed_out_page_fits_and_its_heading_is_balanced(demo_store, live_server, sized_page,
                                                          width, height):
    server = live_server(demo_store[0])
    page = sized_page(width, height)
    page.goto(server.base + "/")
    page.wait_for_selector("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    lines = page.evaluate(LINES, "h1")
    # the app's own signed-out view (the shell is served to every window): one line, or two
    assert lines and len(lines[0][1]) <= 2, lines
    assert not _balanced(lines), lines


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_help_page_fits_keeps_commands_whole_and_balances_headings(demo_store, live_server,
                                                                   sized_page, width, height):
    server = live_server(demo_store[0])
    page = sized_page(width, height)
    page.goto(server.url)
    page.wait_for_selector("main h1")
    page.goto(server.base + "/help/")
    page.wait_for_selector("main.help h2")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # every inline command: on one line where it fits the column, else inside the column
    codes = page.evaluate("""() => {
      const col = document.querySelector('main.help').getBoundingClientRect();
      const pad = parseFloat(getComputedStyle(document.querySelector('main.help')).paddingRight);
      return [...document.querySelectorAll('main.help :not(pre) > code')].map((c) => {
        const r = document.createRange(); r.selectNodeContents(c);
        const tops = new Set([...r.getClientRects()].map((b) => Math.round(b.top)));
        const box = c.getBoundingClientRect();
        return [c.textContent, tops.size, box.width, box.right <= col.right - pad + 1];
      });
    }""")
    assert len(codes) > 30, codes
    split = [c for c in codes if c[1] > 1 and c[2] < 600]
    assert not split, split  # e.g. "improv open", "bash scripts/start.sh"
    assert all(inside for *_, inside in codes), [c for c in codes if not c[3]]
    assert not _balanced(page.evaluate(LINES, "main.help h1, main.help h2"))

"""The client page's analysis progress for a screen reader (accessibility review 30, finding
16): one status line, there from the start and written in place at each poll ("Analysing
sessions: 1 of 3 done…"), which says the end too; no new live region per poll (a region put
in together with its text is said unreliably)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

# every node with a live role put into the page after this runs
WATCH = """() => {
  window.addedLive = [];
  new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes) {
    if (n.nodeType !== 1) continue;
    const found = [n, ...n.querySelectorAll('*')].filter((e) => e.matches(
      '[role=status], [role=alert], [aria-live]:not([aria-live="off"]), output'));
    window.addedLive.push(...found.map((e) => e.className + ': ' + e.textContent));
  } }).observe(document.querySelector('main'), { subtree: true, childList: true });
}"""


def test_the_analysis_progress_is_one_status_line_written_in_place(course_store, live_server,
                                                                   page):
    path, _ = course_store
    server = live_server(path)
    answers = [{"status": "analysing", "done": k, "total": 3} for k in range(4)]

    def compare(route):
        if answers:
            route.fulfill(status=202, content_type="application/json",
                          body=json.dumps(answers.pop(0)))
        else:
            route.continue_()

    page.route(re.compile(r".*/api/clients/C07/compare.*"), compare)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    line = page.locator(".panel p.analysis-progress")
    expect(line).to_have_text("Analysing sessions: 0 of 3 done…")
    assert line.get_attribute("role") == "status"
    line.evaluate("e => { e.dataset.first = 'yes'; }")
    page.evaluate(WATCH)
    expect(line).to_have_text("Analysing sessions: 2 of 3 done…")
    expect(page.locator(".panel progress")).to_have_count(1)
    # the end is said in the same line, the same node
    page.wait_for_selector("table.trend-table", timeout=120000)
    expect(line).to_have_text(re.compile(r"^Analysed \d sessions: the course is below\.$"))
    assert line.get_attribute("data-first") == "yes"
    added = page.evaluate("window.addedLive")
    assert not [a for a in added if "Analysing" in a or "Analysed" in a], added

"""The client page's trend table in a therapist's words: with fewer than five sessions the
Change column says "too few sessions to judge" (as the report and ``improv compare`` do), not
"no", which reads as a finding; the legend says what "outlier" and the band mean."""

from __future__ import annotations


def test_change_with_four_sessions_is_too_few_to_judge(course_store, live_server, page):
    path, _ = course_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07?features=notes_per_s,silence_share")
    page.wait_for_selector("table.trend-table", timeout=120000)
    rows = page.locator("table.trend-table tbody tr")
    assert rows.count() >= 2
    # the Change column (7th): the server's word; never "no" from four sessions
    changes = page.locator("table.trend-table tbody tr td:nth-child(7)").all_inner_texts()
    assert changes and set(changes) == {"too few sessions to judge"}, changes
    legend = page.locator("p.legend").inner_text()
    assert "outlier: far off this client’s own course" in legend
    assert "never narrower than the smallest change that matters" in legend

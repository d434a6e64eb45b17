"""Review 29 finding 8 on the web: a damaged session of a client is left out of the client's
compare answer (named in ``left_out_notes``), report and CSV, not the whole course."""

from __future__ import annotations

import time

import pytest

from tests.improv.test_compare_left_out import _damage_manifest, course  # noqa: F401


def test_the_web_compare_report_and_csv_leave_the_damaged_session_out(store, course,  # noqa: F811
                                                                      client_for):
    _damage_manifest(store, course[1])
    c = client_for(store.root)
    deadline = time.monotonic() + 120
    while (r := c.get("/api/clients/C07/compare")).status_code == 202:
        assert time.monotonic() < deadline, r.json()
        time.sleep(0.2)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["id"] for s in body["sessions"]] == [course[0], course[2], course[3]]
    (note,) = body["left_out_notes"]
    assert note.startswith("Session 2 (Nov 9) could not be read and is left out: the store/")
    assert str(store.root) not in r.text
    report = c.get("/api/clients/C07/report.html")
    assert report.status_code == 200, report.text
    assert "Session 2 (Nov 9) could not be read and is left out" in report.text
    csv = c.get("/api/clients/C07/export.csv")
    assert csv.status_code == 200, csv.text
    # re-check N6: the CSV has the left-out session's row, saying why it has no values
    lines = csv.text.splitlines()
    assert lines[0].split(",")[8] == "left_out"
    (gone,) = [line for line in lines if course[1] in line]
    assert "Session 2 (Nov 9) could not be read and is left out: the store/" in gone
    assert course[2] in csv.text and str(store.root) not in csv.text


@pytest.mark.browser
def test_the_client_page_says_which_session_is_left_out(store, course, live_server,  # noqa: F811
                                                        page):
    from playwright.sync_api import expect

    _damage_manifest(store, course[1])
    server = live_server(store.root)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    note = page.get_by_role("note").filter(has_text="could not be read and is left out")
    expect(note).to_contain_text("Session 2 (Nov 9) could not be read and is left out: the store/",
                                 timeout=120000)
    expect(page.locator(".trends")).to_be_visible()

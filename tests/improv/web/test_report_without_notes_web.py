"""The web's report buttons can leave the therapist's verbal notes out (a report for
supervision or a case review), on the client page and on the session page; the report's last
line says which (review rev-months, finding 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from sessions.annotation_edits import add_annotation
from sessions.notes import save_notes
from sessions.store import Store

PRIVATE = "grandmother"
LEFT_OUT = "The therapist's verbal notes are left out; annotations are printed as written."


@pytest.fixture
def noted_store(course_store):
    """The four-session course of client C07, the second session with notes and a range
    annotation."""
    path, ids = course_store
    with Store(path) as store:
        save_notes(store.session(ids[1]).folder, f"Mentioned the {PRIVATE} today.")
        add_annotation(store, ids[1], t=4.0, end=9.0, tags=["solo"], player="client",
                       text="plays alone")
    return path, ids


def test_the_report_api_leaves_the_notes_out(noted_store, client_for):
    path, ids = noted_store
    c = client_for(path)
    if c.get("/api/clients/C07/compare").status_code == 202:
        c.app.state.jobs.wait("C07", timeout=300)
    r = c.get("/api/clients/C07/report.html")
    assert r.status_code == 200 and PRIVATE in r.text and LEFT_OUT not in r.text
    r = c.get("/api/clients/C07/report.html?notes=false")
    assert r.status_code == 200, r.text
    assert PRIVATE not in r.text and "plays alone" in r.text and LEFT_OUT in r.text
    assert "without-notes" in r.headers["content-disposition"]
    r = c.get(f"/api/sessions/{ids[1]}/report.html?appendix=false&notes=false")
    assert r.status_code == 200, r.text
    assert PRIVATE not in r.text and "0:04.0–0:09.0" in r.text and LEFT_OUT in r.text
    assert PRIVATE in c.get(f"/api/sessions/{ids[1]}/report.html?appendix=false").text


@pytest.mark.browser
def test_the_report_buttons_leave_the_notes_out_when_unticked(noted_store, live_server, page):
    path, ids = noted_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/client/C07")
    page.wait_for_selector("table.trend-table", timeout=120000)
    box = page.get_by_label("with the verbal notes")
    expect(box).to_be_checked()  # as `improv report`: the notes are in unless left out
    box.uncheck()
    with page.expect_download(timeout=120000) as got:
        page.get_by_role("button", name="Report (HTML)").click()
    assert got.value.suggested_filename == "improv-client-C07-without-notes.html"
    text = Path(got.value.path()).read_text(encoding="utf-8")
    assert PRIVATE not in text and LEFT_OUT in text
    expect(page.locator("#status")).to_contain_text("verbal notes left out")

    page.goto(f"{server.base}/#/session/{ids[1]}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    box = page.get_by_label("with the verbal notes")
    expect(box).to_be_checked()
    with page.expect_download(timeout=120000) as got:
        page.get_by_role("button", name="Report (HTML)").click()
    assert PRIVATE in Path(got.value.path()).read_text(encoding="utf-8")
    box.uncheck()
    with page.expect_download(timeout=120000) as got:
        page.get_by_role("button", name="Report (HTML)").click()
    assert got.value.suggested_filename == f"improv-session-{ids[1]}-without-notes.html"
    text = Path(got.value.path()).read_text(encoding="utf-8")
    assert PRIVATE not in text and LEFT_OUT in text

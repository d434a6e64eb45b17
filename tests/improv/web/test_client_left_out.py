"""Review 29 finding 8 on the web: a damaged session of a client is left out of the client's
compare answer (named in ``left_out_notes``), report and CSV, not the whole course."""

from __future__ import annotations

import time

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
    assert course[1] not in csv.text and course[2] in csv.text

"""The session report from the web app: the therapist's part alone unless the technical
appendix is asked for (a 75 s session's report ran to 20 pages, 15 of them the appendix)."""

from __future__ import annotations

import pytest

from improv.reports.report import APPENDIX


@pytest.mark.slow
def test_the_web_report_without_the_appendix(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    assert c.post(f"/api/sessions/{sid}/analysis").status_code == 200
    r = c.get(f"/api/sessions/{sid}/report.html?appendix=false")
    assert r.status_code == 200 and APPENDIX not in r.text and "Summary" in r.text
    assert APPENDIX in c.get(f"/api/sessions/{sid}/report.html").text

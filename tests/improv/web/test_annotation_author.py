"""An annotation written on the session page is the session's therapist's (review 36): its
``by`` was null, so the report's "by" column was blank for it while the marker set while
recording read "T01"."""

from __future__ import annotations

import pytest


@pytest.fixture
def session_of_t01(store, tmp_path):
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    path = write_midi(tmp_path / "s.mid")
    return import_files(store, [path], client="C12", therapist="T01",
                        players=["client=s.mid:2"])["id"]


def test_the_page_s_annotation_is_the_therapist_s(store, store_path, session_of_t01,
                                                    client_for):
    from improv.reports.report import session_report_html

    sid = session_of_t01
    c = client_for(store_path)
    url = f"/api/sessions/{sid}/annotations"
    a = c.post(url, json={"t": 0.2, "text": "calm again"}).json()
    assert a["by"] == "T01"
    # a name given stays; an edit and a restore without one are the therapist's too
    other = c.post(url, json={"t": 0.3, "text": "shared pulse", "by": "T02"}).json()
    assert other["by"] == "T02"
    edited = c.patch(f"{url}/{a['id']}", json={"text": "calm again, slower"}).json()
    assert edited["by"] == "T01"
    listed = {x["id"]: x for x in c.get(url).json()["annotations"]}
    assert listed[a["id"]]["by"] == "T01" and listed[other["id"]]["by"] == "T02"
    html = session_report_html(store, sid, appendix=False)
    row = html.split("calm again, slower</td>")[1].split("</tr>")[0]
    assert "T01" in row, row


def test_a_session_without_a_therapist_code_has_no_author(store, store_path, tmp_path,
                                                         client_for):
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    sid = import_files(store, [write_midi(tmp_path / "t.mid")], client="C12",
                       players=["client=t.mid:2"])["id"]
    a = client_for(store_path).post(f"/api/sessions/{sid}/annotations",
                                    json={"t": 0.2, "text": "x"}).json()
    assert a.get("by") is None

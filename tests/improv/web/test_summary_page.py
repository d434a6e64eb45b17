"""The session page reads what the API sends (issue 19, bug 1) and shows the plain summary.

The field test reads the names the page's script uses out of ``static/session.js`` and checks
each against a real answer of ``POST /api/sessions/ID/analysis`` on the demo duet (MIDI and
audio, so both kinds of source answer), and every label it asks for against the feature list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

SCRIPT = Path(__file__).resolve().parents[3] / "improv" / "web" / "static" / "session.js"


def _read_by_page() -> dict[str, set[str]]:
    js = SCRIPT.read_text(encoding="utf-8")
    return {
        "source": set(re.findall(r"\bsm\.([a-z_0-9]+)", js)),
        "dialogue": set(re.findall(r"\bd\.summary\.([a-z_0-9]+)", js)),
        "labels": set(re.findall(r"(?:lab|unit|featureLabel\(feats,)\s*\(?'([a-z_0-9]+)'", js)),
    }


def test_every_field_the_page_reads_is_in_the_answer(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    res = c.post(f"/api/sessions/{sid}/analysis").json()
    read = _read_by_page()
    assert "asynchrony_mean_ms" in read["dialogue"]  # the field of bug 1 is among those read
    source_keys = {k for e in res["players"].values() for s in e["sources"].values()
                   for k in s["summary"]}
    assert read["source"] <= source_keys, read["source"] - source_keys
    for d in res["dialogue"]:
        assert read["dialogue"] <= set(d["summary"]), read["dialogue"] - set(d["summary"])
    names = {f["name"] for f in c.get("/api/features").json()["features"]}
    assert read["labels"] <= names, read["labels"] - names
    # the plain summary comes with the analysis, in labelled parts of sentences
    first = res["plain_summary"][0]
    assert first["label"] == "Session"
    assert first["sentences"][0]["text"].startswith("The session lasted 0:30")
    assert [g["label"] for g in res["plain_summary"]] == [
        "Session", "client & therapist", "Tempo and pulse", "Dynamics", "Your annotations"]
    again = c.get(f"/api/sessions/{sid}/analysis").json()
    assert again["plain_summary"] == res["plain_summary"]


def test_the_summary_alone_follows_the_annotations(demo_store, client_for):
    """GET …/summary: the plain summary's sentences without the curves, "not analysed" before
    the session is measured, and a new marker counted at once."""
    path, sid = demo_store
    c = client_for(path)
    assert c.get(f"/api/sessions/{sid}/summary").json() == {"status": "not analysed",
                                                           "session_id": sid}
    res = c.post(f"/api/sessions/{sid}/analysis").json()
    alone = c.get(f"/api/sessions/{sid}/summary").json()
    assert alone == {"status": "ok", "plain_summary": res["plain_summary"]}
    assert alone["plain_summary"][-1]["label"] == "Your annotations"
    before = alone["plain_summary"][-1]["sentences"][0]["measures"]["annotations"]
    assert c.post(f"/api/sessions/{sid}/annotations",
                  json={"t": 2.0, "tags": ["marker"]}).status_code == 201
    last = c.get(f"/api/sessions/{sid}/summary").json()["plain_summary"][-1]["sentences"][0]
    assert last["measures"]["annotations"] == before + 1
    assert f"are {before + 1} annotations" in last["text"]
    assert c.get("/api/sessions/20990101-000000-0000/summary").status_code == 404


def test_a_summary_kept_in_the_old_shape_is_not_served(demo_store, client_for):
    """The plain summary kept in the session's cache under the key of its old shape (one flat
    list of sentences) is not served: the key holds the summary's format."""
    import hashlib

    from improv.web.api_media import _answer_path
    from sessions.manifest import ANNOTATIONS
    from sessions.store import Store

    path, sid = demo_store
    c = client_for(path)
    c.post(f"/api/sessions/{sid}/analysis")
    parts = c.get(f"/api/sessions/{sid}/summary").json()["plain_summary"]
    with Store(path) as store:
        session = store.session(sid)
        for kept in session.cache_dir.glob("plain-summary-*.json"):
            kept.unlink()
        st = (session.folder / ANNOTATIONS).stat()
        old = hashlib.sha256(f"{_answer_path(store, session).name}|{st.st_size}-"
                             f"{st.st_mtime_ns}".encode()).hexdigest()[:16]
        (session.cache_dir / f"plain-summary-{old}.json").write_text(
            '[{"text": "The session lasted 0:30.", "measures": {}}]')
    again = c.get(f"/api/sessions/{sid}/summary").json()["plain_summary"]
    assert again == parts and again[0]["label"] == "Session"


@pytest.mark.browser
@pytest.mark.slow
def test_session_page_shows_asynchrony_and_the_summary(tmp_path, live_server, page, rng):
    from sessions.store import Store
    from tests.sessions.helpers import import_half_duet

    path = tmp_path / "store"
    with Store(path) as store:
        sid = import_half_duet(store, tmp_path, rng=rng)
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    expect(page.locator("#summary")).to_contain_text("not analysed yet")
    page.get_by_role("button", name="Analyse now").click()
    # the therapist answers every note 30 ms late in the first half
    expect(page.locator("section.analysis")).to_contain_text(
        re.compile(r"therapist came on average (29|30|31)\u00a0ms after client"),
        timeout=60000)  # a number and its unit on one line
    summary = page.locator("#summary")
    expect(summary).to_contain_text(re.compile(r"The session lasted 0:(39|40) with 2 players"))
    expect(summary).to_contain_text("Therapist stopped playing at 0:2")
    expect(summary).to_contain_text("therapist came on average 30 ms after client")
    assert "_share" not in summary.inner_text() and "_ms" not in summary.inner_text()
    # a number and its unit are never parted at a line end ("silent for 0" / "%.")
    text = summary.inner_text()
    assert re.search(r"\d\u00a0%", text) and not re.search(r"\d (%|ms|BPM)\b", text), text

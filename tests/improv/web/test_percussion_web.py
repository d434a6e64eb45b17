"""Marking a MIDI input as a drum kit on the session page (POST /api/sessions/{id}/percussion):
a checkbox per MIDI input where the session's players are named; the change is a revision in
the session's history, shown under the correction form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.revisions import read_revisions
from sessions.store import Store
from tests.sessions.helpers import tree_snapshot


def test_the_api_marks_one_input_and_refuses_an_unknown_one(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    inputs = c.get(f"/api/sessions/{sid}").json()["midi_inputs"]
    assert inputs == [{"name": "Demo Keyboard", "player": "client", "percussion": False},
                      {"name": "Demo Pads", "player": "therapist", "percussion": False}]
    before = tree_snapshot(path / "sessions")
    bad = c.post(f"/api/sessions/{sid}/percussion",
                 json={"input": "Cowbell", "percussion": True})
    assert bad.status_code == 400 and "no player or MIDI input 'Cowbell'" in bad.json()["error"]
    wrong = c.post(f"/api/sessions/{sid}/percussion",
                   json={"input": "Demo Pads", "player": "client", "percussion": True})
    assert wrong.status_code == 400 and "player 'client' has no MIDI input" in wrong.json()["error"]
    assert tree_snapshot(path / "sessions") == before
    r = c.post(f"/api/sessions/{sid}/percussion",
               json={"input": "Demo Pads", "player": "therapist", "percussion": True, "by": "T01"})
    assert r.status_code == 200, r.text
    assert [(v["input"], v["to"], v["by"]) for v in r.json()["revisions"]] == [
        ("Demo Pads", True, "T01")]
    assert [k["percussion"] for k in r.json()["session"]["midi_inputs"]] == [False, True]


@pytest.mark.browser
@pytest.mark.slow
def test_the_session_page_marks_a_drum_kit(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    kits = page.get_by_role("group", name="Drum kits")
    pads = kits.get_by_label("therapist's MIDI input 2")
    expect(pads).not_to_be_checked()
    pads.check()
    expect(page.locator("#status")).to_have_text(
        "therapist's MIDI input 2 marked as a drum kit: measured again when analysed; the change "
        "is kept in the history")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)  # the page, drawn again
    kits = page.get_by_role("group", name="Drum kits")
    expect(kits.get_by_label("therapist's MIDI input 2")).to_be_checked()
    expect(kits.get_by_label("client's MIDI input 1")).not_to_be_checked()
    history = page.locator("ul.corrections li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("MIDI input Demo Pads (therapist) marked as a drum kit")
    with Store(path) as store:
        ports = store.session(sid).manifest["midi"]["ports"]
        assert [p.get("percussion") for p in ports] == [None, True]
        (rev,) = read_revisions(store.folder(sid))
        assert (rev["field"], rev["input"], rev["player"], rev["to"]) == (
            "percussion", "Demo Pads", "therapist", True)
    kits.get_by_label("therapist's MIDI input 2").uncheck()
    expect(page.locator("#status")).to_have_text(
        "therapist's MIDI input 2 no longer marked as a drum kit: measured again when analysed; "
        "the change is kept in the history")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    expect(page.get_by_role("group", name="Drum kits").get_by_label(
        "therapist's MIDI input 2")).not_to_be_checked()
    with Store(path) as store:
        assert "percussion" not in store.session(sid).manifest["midi"]["ports"][1]
        assert len(read_revisions(store.folder(sid))) == 2

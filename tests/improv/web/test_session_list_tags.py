"""The Sessions list's tags are the therapist's: after "Add them as annotations to review"
(nothing confirmed) the list showed "autonomy:follower, autonomy:leader, ..., suggestion" and
the tag filter "autonomy:leader" found the session, although the session page says these are
suggestions from the measures, not an assessment (a therapist's review). A confirmed one
counts. On screen the tags are worded as the tag picker words them ("IAP · autonomy: leader"),
not as codes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from improv.analyze.roles import confirm_suggestions
from sessions.annotation_edits import SUGGESTION_AUTHOR, add_annotation, add_annotations
from sessions.listing import clients_and_tags, session_page
from sessions.store import Store
from sessions.vocabulary import extend


def _suggest(store, sid) -> list[dict]:
    """Two role suggestions of the analysis, as the session page adds them (unconfirmed)."""
    return add_annotations(store, sid, [
        {"t": 2.0, "end": 6.0, "player": "client", "tags": ["suggestion", "autonomy:leader"],
         "text": "leader · client (suggested from the playing: a clear indication)"},
        {"t": 2.0, "end": 6.0, "player": "therapist",
         "tags": ["suggestion", "autonomy:follower"],
         "text": "follower · therapist (suggested from the playing: a clear indication)"}],
        by=SUGGESTION_AUTHOR, source="suggestion")


def test_unconfirmed_suggestions_are_not_the_sessions_tags(demo_store, client_for):
    path, sid = demo_store
    c = client_for(path)
    with Store(path) as store:
        leader, _ = _suggest(store, sid)
        rows, total = session_page(store)
        assert total == 1 and rows[0]["tags"] == ["marker"]  # the demo's own markers only
        assert clients_and_tags(store)[1] == ["marker"]
        assert session_page(store, tag="autonomy:leader") == ([], 0)
        assert session_page(store, tag="autonomy") == ([], 0)
        assert session_page(store, tag="suggestion") == ([], 0)
    listed = c.get("/api/sessions").json()
    assert listed["sessions"][0]["tags"] == ["marker"] and listed["tags"] == ["marker"]
    assert c.get("/api/sessions?tag=autonomy:leader").json()["total"] == 0
    assert c.get("/api/clients/DEMO").json()["sessions"][0]["tags"] == ["marker"]

    with Store(path) as store:  # the therapist confirms one: now it is theirs
        confirm_suggestions(store, sid, [{"id": leader["id"], "rev": 1}])
        # and tags one of their own annotations "suggestion" by hand: their word, it counts
        add_annotation(store, sid, t=9.0, tags=["suggestion"], text="try the drum", by="T01")
    listed = c.get("/api/sessions").json()
    assert listed["sessions"][0]["tags"] == ["autonomy:leader", "marker", "suggestion"]
    assert listed["tags"] == ["autonomy:leader", "marker", "suggestion"]
    assert "autonomy" in listed["iap"] and "mood" not in listed["iap"]
    assert c.get("/api/sessions?tag=autonomy:leader").json()["total"] == 1
    assert c.get("/api/sessions?tag=autonomy:follower").json()["total"] == 0
    assert c.get("/api/clients/DEMO").json()["sessions"][0]["tags"] == [
        "autonomy:leader", "marker", "suggestion"]


@pytest.mark.browser
def test_the_list_words_tags_as_the_tag_picker(demo_store, live_server, page):
    path, sid = demo_store
    with Store(path) as store:
        leader, _ = _suggest(store, sid)
        confirm_suggestions(store, sid, [{"id": leader["id"], "rev": 1}])
        extend(path, "mood:calm")  # a dimension of the practice's own
        add_annotation(store, sid, t=9.0, tags=["mood:calm"], text="", by="T01")
    server = live_server(path)
    page.goto(server.url)
    cell = page.locator("table tbody tr td").nth(5)
    expect(cell).to_have_text("marker; IAP · autonomy: leader; Practice · mood: calm")
    # the filter's choices grouped and titled as the picker's, each value under its dimension
    tag = page.get_by_label("Tag")
    expect(tag.locator("optgroup")).to_have_count(3)
    assert tag.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)") == [
        "Common tags", "IAP · autonomy", "Practice · mood"]
    tag.select_option("autonomy:leader")
    expect(page).to_have_url(f"{server.base}/#/sessions?tag=autonomy%3Aleader")
    expect(page.get_by_label("Tag")).to_have_value("autonomy:leader")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.get_by_label("Tag").locator("option:checked")).to_have_text("leader")
    # the client's page words them the same
    page.goto(f"{server.base}/#/client/DEMO")
    expect(page.locator("#client-sessions tbody td").nth(3)).to_have_text(
        "marker; IAP · autonomy: leader; Practice · mood: calm")
    assert page.js_errors == []


def test_unconfirmed_suggestions_are_not_the_therapists_tag_usage(demo_store, client_for):
    """The tag picker orders its chips by use, says "used N times" and opens the groups in
    use: the analysis's suggestions waiting for review are not the therapist's use."""
    path, sid = demo_store
    with Store(path) as store:
        leader, _ = _suggest(store, sid)
        assert "autonomy:leader" not in store.catalog.tag_usage()
        assert "suggestion" not in store.catalog.tag_usage()
        confirm_suggestions(store, sid, [{"id": leader["id"], "rev": 1}])
        usage = store.catalog.tag_usage()
    assert usage["autonomy:leader"] == 1 and "autonomy:follower" not in usage
    assert client_for(path).get("/api/vocabulary").json()["usage"] == usage

"""Review rev-months, finding 7, on the web: the Sessions page had only a tag filter; a word
of a session's notes written months ago could only be found by opening session after session.
The page's word search lists the sessions where the words are, each place with its line (an
annotation with its time, linked to that moment; a line of notes), the words marked and a cut
text shown with "…"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.improv.word_search_store import LONG_LINE, course_with_writing


def test_the_search_api_finds_words_in_notes_and_annotations(tmp_path, client_for):
    path, ids = course_with_writing(tmp_path)
    c = client_for(path)
    r = c.get("/api/search", params={"words": "grandmother"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["sessions"], body["total_found"], body["notes_searched"]) == (3, 2, True)
    first, second = body["found"]
    assert (first["found_in"], first["session_id"], first["number"], first["client"]) == (
        "notes", ids[1], 2, "C07")
    assert first["snippet"] == {"pieces": [["Arrived anxious. Mentioned the ", False],
                                           ["grandmother", True],
                                           ["'s", False]],
                                "cut_before": False, "cut_after": False}
    assert second["text"] == LONG_LINE and second["snippet"]["cut_before"]
    # an annotation, with its time; the list's filters apply (last day included)
    soft = c.get("/api/search", params={"words": "SOFTLY", "until": "2026-01-15"}).json()
    assert [(f["found_in"], f["t"], f["end"], f["player"]) for f in soft["found"]] == [
        ("annotation", 4.0, 9.0, "client")]
    assert soft["sessions"] == 2
    assert c.get("/api/search", params={"words": "grandmother", "client": "C08"}).json()[
        "found"] == []
    tagged = c.get("/api/search", params={"words": "grandmother", "tag": "solo"}).json()
    assert (tagged["found"], tagged["notes_searched"]) == ([], False)
    assert c.get("/api/search", params={"words": "  "}).status_code == 400
    # the private text only for the signed-in page
    assert client_for(path, signed_in=False).get(
        "/api/search", params={"words": "grandmother"}).status_code == 401


@pytest.mark.browser
def test_the_sessions_page_finds_a_word_of_the_notes(tmp_path, live_server, page):
    path, ids = course_with_writing(tmp_path)
    server = live_server(path)
    page.goto(server.url)
    field = page.get_by_label("Words in notes and annotations")
    field.fill("grandmother")
    field.press("Enter")
    expect(page).to_have_url(f"{server.base}/#/sessions?words=grandmother")
    found = page.locator("section.found")
    expect(found.get_by_role("status")).to_have_text(
        "Found in 2 of the 3 sessions searched: 2 lines of notes.")
    sessions = found.locator(".found-sessions > li")
    expect(sessions).to_have_count(2)
    expect(sessions.nth(0).locator("h3")).to_contain_text("Session 2")
    expect(sessions.nth(0).locator("h3")).to_contain_text("client C07")
    expect(sessions.nth(0).locator("li")).to_have_text(
        "Notes: Arrived anxious. Mentioned the grandmother's")
    expect(sessions.nth(0).locator("mark")).to_have_text("grandmother")
    long = sessions.nth(1).locator("li .found-text")
    expect(long).to_contain_text("…")  # the long line is cut, and says so
    assert long.inner_text().startswith("…") and LONG_LINE.endswith(long.inner_text()[1:])
    # an annotation: its time, a link to that moment of the session
    field = page.get_by_label("Words in notes and annotations")
    field.fill("softly")
    page.get_by_role("button", name="Find").click()
    link = page.locator(".found-sessions li li a")
    expect(link).to_have_text("0:04.0–0:09.0")
    expect(page.locator(".found-sessions li li")).to_contain_text("(client · solo)")
    link.click()
    expect(page).to_have_url(f"{server.base}/#/session/{ids[1]}?t=4")

"""The Sessions page in pages of 50: the API's limit, offset and total, filters over the whole
store, and the page's count and "Show more" in Chromium (review 33, F3 and F4)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from sessions.timefmt import local_day

N = 120


@pytest.fixture
def many_sessions(tmp_path):
    """120 one-minute sessions a day apart: C09 has only the oldest one, C01 to C04 the rest in
    turn; the second oldest has an annotation tagged ``marker``.

    Returns
    -------
    tuple
        (store path, session IDs oldest first).
    """
    from sessions.annotation_edits import add_annotation
    from sessions.store import Store

    path = tmp_path / "store"
    base = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    ids = []
    with Store(path) as store:
        for i in range(N):
            w = store.create_session(client="C09" if i == 0 else f"C{1 + i % 4:02d}",
                                     players=["client"], started=base + timedelta(days=i))
            ids.append(w.finalize(duration_s=60.0)["id"])
        add_annotation(store, ids[1], t=5.0, tags=["marker"])
    return path, ids


def test_limit_offset_and_total(many_sessions, client_for):
    path, ids = many_sessions
    c = client_for(path)
    every = c.get("/api/sessions").json()  # without a limit: all of them, as before
    assert [s["id"] for s in every["sessions"]] == ids[::-1] and every["total"] == N
    first = c.get("/api/sessions?limit=50").json()
    assert [s["id"] for s in first["sessions"]] == ids[::-1][:50]
    assert first["total"] == N and first["offset"] == 0 and first["limit"] == 50
    last = c.get("/api/sessions?limit=50&offset=100").json()
    assert [s["id"] for s in last["sessions"]] == ids[::-1][100:] and last["total"] == N
    assert c.get("/api/sessions?limit=50&offset=500").json() == dict(
        last, sessions=[], offset=500)
    # the choices of the filters come from the whole store, not from the page
    assert first["clients"] == ["C01", "C02", "C03", "C04", "C09"] and first["tags"] == ["marker"]
    # a page's rows are those of the whole list: numbers and tags included
    by_id = {s["id"]: s for s in every["sessions"]}
    assert last["sessions"] == [by_id[s["id"]] for s in last["sessions"]]
    assert by_id[ids[1]]["tags"] == ["marker"] and by_id[ids[0]]["number"] == 1


def test_filters_apply_to_the_whole_store(many_sessions, client_for):
    path, ids = many_sessions
    c = client_for(path)
    r = c.get("/api/sessions?client=C09&limit=50").json()
    assert [s["id"] for s in r["sessions"]] == [ids[0]] and r["total"] == 1
    r = c.get("/api/sessions?client=c01&limit=10&offset=20").json()  # the code's other case
    c01 = [s for i, s in enumerate(ids) if i and 1 + i % 4 == 1][::-1]
    assert r["total"] == len(c01) == 29 and [s["id"] for s in r["sessions"]] == c01[20:]
    assert [s["number"] for s in r["sessions"]] == list(range(9, 0, -1))  # C01's own count
    r = c.get("/api/sessions?tag=marker&limit=50").json()
    assert [s["id"] for s in r["sessions"]] == [ids[1]] and r["total"] == 1
    # the first two days as this computer's calendar has them
    first, second = (local_day(f"2026-01-0{d}T10:00:00+00:00") for d in (5, 6))
    r = c.get(f"/api/sessions?since={first}&until={second}&limit=1").json()
    assert r["total"] == 2 and [s["id"] for s in r["sessions"]] == [ids[1]]


@pytest.mark.parametrize("query, status, word", [
    ("limit=0", 400, "limit"), ("limit=1001", 400, "limit"), ("limit=-5", 400, "limit"),
    ("offset=-1", 400, "offset"), ("limit=ten", 422, "limit"), ("offset=1.5", 422, "offset"),
])
def test_bad_limit_or_offset_is_refused_in_one_line(many_sessions, client_for, query, status,
                                                     word):
    path, _ = many_sessions
    r = client_for(path).get(f"/api/sessions?{query}")
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert word in error and "\n" not in error


@pytest.mark.browser
def test_sessions_page_shows_50_and_more(many_sessions, live_server, page):
    path, ids = many_sessions
    server = live_server(path)
    page.goto(server.url)
    rows = page.locator("table.sessions tbody tr")
    expect(rows).to_have_count(50)
    count = page.locator("p.list-count")
    expect(count).to_have_text("Showing 50 of 120 sessions")
    assert count.get_attribute("role") == "status"  # said politely when it changes
    more = page.get_by_role("button", name="Show 50 more")
    more.focus()
    page.keyboard.press("Enter")  # reached and pressed with the keyboard
    expect(rows).to_have_count(100)
    expect(count).to_have_text("Showing 100 of 120 sessions")
    # the keyboard goes on at the first of the new sessions
    expect(page.locator("table.sessions tbody tr").nth(50).locator("td").nth(2).locator("a")
           ).to_be_focused()
    page.get_by_role("button", name="Show 20 more").click()
    expect(rows).to_have_count(N)
    expect(count).to_have_text("120 sessions")
    expect(page.get_by_role("button", name=re.compile("more"))).to_have_count(0)
    shown = [t.strip() for t in rows.locator("td:nth-child(3) span.muted").all_text_contents()]
    assert shown == ids[::-1]  # newest first, none twice, none left out
    # a client whose only session is the oldest: found by the filter, not among the shown
    page.goto(server.url)
    expect(rows).to_have_count(50)
    assert ids[0] not in page.locator("table.sessions").inner_text()
    page.select_option("#f-client", "C09")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ids[0])
    expect(count).to_have_text("1 session")
    expect(page.get_by_role("button", name=re.compile("more"))).to_have_count(0)
    expect(page.locator("#f-client")).to_be_focused()


def _break(path, sid):
    """Make a session folder unreadable (its manifest no longer JSON) and forget it in the
    catalog, as a folder copied in damaged is."""
    from sessions import manifest as mf
    from sessions.store import Store

    with Store(path) as store:
        (store.folder(sid) / mf.MANIFEST).write_text("{ not json")
        store.catalog.delete_session(sid)


def test_a_folder_the_catalog_does_not_list_is_named_with_why(many_sessions, client_for):
    path, ids = many_sessions
    _break(path, ids[5])
    c = client_for(path)
    r = c.get("/api/sessions?limit=50").json()
    assert r["total"] == N - 1
    (u,) = r["unlisted"]
    assert u["id"] == ids[5] and u["status"] == "unreadable" and "cannot be read" in u["problem"]
    assert f"the store/sessions/{ids[5]}/session.json is not valid JSON" in u["problem"]
    assert str(path) not in u["problem"]  # where the practice keeps its store is not said
    # its client cannot be read: it may be any client's, so every client's list names it
    assert [x["id"] for x in c.get("/api/sessions?client=C09").json()["unlisted"]] == [ids[5]]


@pytest.mark.browser
def test_the_sessions_page_names_a_folder_it_cannot_show(many_sessions, live_server, page):
    path, ids = many_sessions
    _break(path, ids[5])
    page.goto(live_server(path).url)
    expect(page.locator("table.sessions tbody tr")).to_have_count(50)
    panel = page.get_by_role("region", name="One session folder is not in the list")
    expect(panel).to_contain_text(ids[5])
    expect(panel).to_contain_text("cannot be read")
    expect(panel).to_contain_text("Nothing in it has been changed")
    # what it means in words, which recording it was, and the reason without the store's path
    expect(panel).to_contain_text("they may be damaged, changed outside improv")
    expect(panel).to_contain_text("Recording started")
    expect(panel).not_to_contain_text(str(path))


@pytest.mark.browser
def test_a_session_that_cannot_be_read_says_so_in_words(many_sessions, live_server, page,
                                                        client_for):
    """Its row stays in the list (a reindex keeps it, marked unreadable); its page says in
    plain words what that means before the technical reason, instead of "Something went
    wrong"."""
    from sessions import manifest as mf
    from sessions.store import Store

    path, ids = many_sessions
    sid = ids[-2]
    with Store(path) as store:
        (store.folder(sid) / mf.MANIFEST).write_text("{ not json")
        store.reindex()
    r = client_for(path).get(f"/api/sessions/{sid}/page")
    assert r.status_code == 400 and r.json()["unreadable"] is True
    assert "not valid JSON" in r.json()["error"] and str(path) not in r.json()["error"]
    page.goto(live_server(path).url)
    row = page.locator("table.sessions tbody tr").nth(1)
    expect(row).to_contain_text(sid)
    expect(row.locator(".badge")).to_have_text("cannot be opened")
    row.locator("td").nth(2).locator("a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This session cannot be opened")
    expect(page.get_by_role("alert")).to_contain_text("improv has changed nothing in them")
    expect(page.locator("p.error")).to_contain_text("not valid JSON")
    expect(page.get_by_role("link", name="Backups").last).to_be_visible()


def test_a_session_found_unreadable_on_opening_is_listed_so_until_it_reads_again(
        many_sessions, client_for):
    """Review 35: a session damaged since the last reindex looked normal in every list (the
    catalog still said "complete") until a reindex. Opening its page now marks it in the
    catalog; once its folder reads again (restored), opening it lists it as before."""
    from sessions import manifest as mf
    from sessions.store import Store

    path, ids = many_sessions
    sid = ids[-3]  # on the first page (newest first)
    c = client_for(path)

    def listed():
        rows = c.get("/api/sessions?limit=50").json()["sessions"]
        return next(r["status"] for r in rows if r["id"] == sid)

    manifest = path / "sessions" / sid / mf.MANIFEST
    good = manifest.read_bytes()
    manifest.write_text("{ not json")
    assert listed() == "complete"  # the catalog cannot know before the folder is read
    assert c.get(f"/api/sessions/{sid}/page").json()["unreadable"] is True
    assert listed() == "unreadable"
    with Store(path) as store:
        assert store.catalog.session_number(sid) is not None  # its number is kept
    manifest.write_bytes(good)
    assert c.get(f"/api/sessions/{sid}/page").status_code == 200
    assert listed() == "complete"

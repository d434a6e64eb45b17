"""A lost sign-in is not a dead end (review 28 "first", finding 4), and the demo session says
what to try and how to delete it (finding 9): API, the signed-out page, and Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


def test_the_api_says_how_to_sign_in_again(demo_store, client_for):
    path, _ = demo_store
    r = client_for(path, signed_in=False).get("/api/sessions")
    assert r.status_code == 401
    assert r.json() == {"signed_in": False, "error": (
        "improv is running, but this browser window is not signed in: in the improv window "
        "(the terminal) click the address shown there, or run 'improv open'")}


def test_a_window_without_the_sign_in_gets_the_shell_and_no_cookie(demo_store, client_for):
    """The shell holds no data: it is served to every window, and the app in it says how to
    sign in again (the API's words above); nothing the browser keeps by itself signs it in."""
    path, _ = demo_store
    r = client_for(path, signed_in=False).get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "set-cookie" not in r.headers and r.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_an_address_of_an_earlier_start(demo_store, client_for):
    path, _ = demo_store
    c = client_for(path, signed_in=False)
    r = c.get("/api/sessions", headers={"X-Improv-Token": "an-old-token-of-an-earlier-start"})
    assert r.status_code == 403
    assert r.json() == {"signed_in": False, "error": (
        "this address is from an earlier start of improv: in the improv window (the terminal) "
        "click the address shown there now, or run 'improv open'")}
    # an older version's address (?token=) goes on with the token in the fragment, unchecked:
    # the page tells (and keeps a sign-in of now)
    r = c.get("/?token=an-old-token-of-an-earlier-start&x=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/?x=1#token=an-old-token-of-an-earlier-start"
    assert "set-cookie" not in r.headers


@pytest.mark.browser
def test_signed_out_page_and_app_in_chromium(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    # a window without the sign-in: the app's page that says how to sign in, styled
    page.goto(server.base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "improv is running, but this browser window is not signed in")
    assert page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor"
                         ) == "rgb(20, 35, 60)"
    # signed in, then the sign-in is lost (the browser's storage cleared, improv started
    # again): the app's next page says how to sign in again, not "Something went wrong"
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    assert "token" not in page.url
    page.evaluate("localStorage.clear()")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "improv is running, but this browser window is not signed in")
    expect(page.get_by_role("alert")).to_contain_text("or run improv open in a terminal")
    assert page.get_by_text("Something went wrong").count() == 0
    assert page.get_by_role("link", name="Back to the sessions").count() == 0
    assert page.title() == "Not signed in · improv"
    # lines of a readable length at 1280 px, not the page's whole width (~960 px at 1024)
    width = page.get_by_role("alert").evaluate("e => e.getBoundingClientRect().width")
    font = page.get_by_role("alert").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert width <= 41 * font, (width, font)
    # an address of an earlier start in a window without the sign-in: said so
    page.goto(server.base + "/#token=an-old-token-of-an-earlier-start")
    expect(page.get_by_role("alert")).to_contain_text("or run improv open in a terminal")
    expect(page.get_by_text("This window was signed in to an earlier start of improv.")
           ).to_be_visible()
    # signed in again, the same old address does not sign the window out
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    page.goto(server.base + "/?token=an-old-token-of-an-earlier-start")
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    assert "token" not in page.url
    page.reload()
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()


@pytest.mark.browser
def test_demo_banner_list_note_and_delete(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    page.goto(server.url)
    note = page.locator("p.demo-note")
    expect(note).to_have_text("The session marked DEMO is a generated demo, to look around: "
                              "open it, and delete it there with \"Delete the demo\" when you "
                              "are done.")
    note.get_by_role("link", name="open it").click()
    banner = page.get_by_role("region", name="Demo session")
    expect(banner).to_contain_text("This is a generated demo session: try Play, click the "
                                   "timeline, add an annotation. When you are done:")
    page.once("dialog", lambda d: d.accept())
    banner.get_by_role("button", name="Delete the demo").click()
    expect(page.get_by_role("heading", name="No sessions yet")).to_be_visible()
    expect(page.locator("#status")).to_have_text("The demo session is deleted")
    assert not (path / "sessions" / sid).exists()

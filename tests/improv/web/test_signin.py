"""A lost sign-in is not a dead end (review 28 "first", finding 4), and the demo session says
what to try and how to delete it (finding 9): API, the signed-out page, and Chromium."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from playwright.sync_api import expect

from tests.improv.web.conftest import TOKEN


def test_the_api_says_how_to_sign_in_again(demo_store, client_for):
    path, _ = demo_store
    r = client_for(path, signed_in=False).get("/api/sessions")
    assert r.status_code == 401
    assert r.json() == {"signed_in": False, "error": (
        "improv is running, but this browser window is not signed in: in the improv window "
        "(the terminal) click the address shown there, or run 'improv open'")}


def test_the_signed_out_page_is_html_in_plain_words_with_only_its_own_style(demo_store,
                                                                           client_for):
    path, _ = demo_store
    r = client_for(path, signed_in=False).get("/")
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    text = r.text
    assert "<h1>improv is running, but this browser window is not signed in</h1>" in text
    assert "<code>improv open</code>" in text and "token" not in text.lower()
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    csp = r.headers["content-security-policy"]
    assert f"style-src 'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert r.headers["cache-control"] == "no-store"


def test_an_address_of_an_earlier_start(demo_store, client_for):
    path, _ = demo_store
    r = client_for(path, signed_in=False).get("/?token=an-old-token-of-an-earlier-start",
                                              follow_redirects=False)
    assert r.status_code == 403
    assert "<h1>This address is from an earlier start of improv</h1>" in r.text
    # a window that is signed in is sent on, without the old token
    r = client_for(path).get("/?token=an-old-token-of-an-earlier-start&x=1",
                             follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?x=1"
    assert "set-cookie" not in r.headers
    assert TOKEN not in r.headers["location"]


@pytest.mark.browser
def test_signed_out_page_and_app_in_chromium(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    # a window without the sign-in: the page, styled (its inline style passes the CSP)
    page.goto(server.base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "improv is running, but this browser window is not signed in")
    assert page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor"
                         ) == "rgb(20, 35, 60)"
    # signed in, then the sign-in is lost (the browser closed, improv started again): the
    # app's next page says how to sign in again, not "Something went wrong" with a dead link
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    page.context.clear_cookies()
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

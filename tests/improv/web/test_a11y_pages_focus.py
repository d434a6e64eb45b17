"""Where the keyboard focus goes after an action outside the session page's own panels
(accessibility review 30, finding 5): never to the top of the page (the document body).

A correction saved: the new *Correct title…* button; a file removed from the import list: the
next file's *Remove* (the drop zone when the list is empty); the Record page's setup question:
*Keep it* or Escape gives the focus back to *Delete this setup*, and a deleted setup leaves
it on the *Saved setup* list.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from improv.capture.setups import load_setups, parse_player_spec, save_setup
from tests.sessions.helpers import write_midi

pytestmark = [pytest.mark.browser]

FOCUS = "() => document.activeElement === document.body ? 'BODY' : document.activeElement.outerHTML"


def test_a_saved_correction_leaves_the_focus_on_its_button(demo_store, live_server, page):
    path, sid = demo_store
    server = live_server(path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    page.get_by_role("button", name="Correct title, client or players").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Title").fill("Morning duet")
    page.get_by_role("button", name="Save correction").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Morning duet")
    opener = page.get_by_role("button", name="Correct title, client or players")
    expect(opener).to_be_focused()
    assert page.evaluate(FOCUS) != "BODY"


def test_a_removed_file_leaves_the_focus_in_the_import_list(tmp_path, live_server, page):
    files = [write_midi(tmp_path / f"s{k}.mid", tracks={"client": [(0.5 * j, 0, 60 + j, 90)
                                                                   for j in range(4)]})
             for k in range(3)]
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    page.locator("#imp-files").set_input_files([str(f) for f in files])
    uploads = page.locator("ul.uploads > li")
    expect(uploads).to_have_count(3)
    expect(uploads.nth(2)).to_contain_text("MIDI type 1", timeout=15000)
    # the first file removed from the keyboard: the focus on the next file's Remove
    page.get_by_role("button", name="Remove s0.mid").focus()
    page.keyboard.press("Enter")
    expect(uploads).to_have_count(2)
    expect(page.get_by_role("button", name="Remove s1.mid")).to_be_focused()
    # the last one: the one before it
    page.get_by_role("button", name="Remove s2.mid").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Remove s1.mid")).to_be_focused()
    # none left: the drop zone, to choose files again
    page.keyboard.press("Enter")
    expect(uploads).to_have_count(0)
    expect(page.locator(".dropzone")).to_be_focused()


def test_the_setup_question_closes_on_escape_and_gives_the_focus_back(tmp_path, live_server,
                                                                      page):
    store_path = tmp_path / "store"
    store_path.mkdir()
    save_setup(store_path, "Room 2", inputs=[parse_player_spec("client=midi:Digital Piano")],
               options={"midi_api": "jack"})
    server = live_server(store_path)
    page.goto(server.url)
    page.goto(f"{server.base}/#/record")
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("Room 2")
    delete = page.get_by_role("button", name="Delete this setup")
    ask = page.get_by_role("alertdialog", name="About the saved setup")
    delete.focus()
    page.keyboard.press("Enter")
    expect(ask.get_by_role("button", name="Keep it")).to_be_focused()
    page.keyboard.press("Enter")  # Keep it
    expect(ask).to_be_hidden()
    expect(delete).to_be_focused()
    page.keyboard.press("Enter")
    expect(ask).to_be_visible()
    page.keyboard.press("Escape")
    expect(ask).to_be_hidden()
    expect(delete).to_be_focused()
    assert "Room 2" in load_setups(store_path)
    # deleted: the button goes with the setup, the focus to the list of setups
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Delete it
    expect(page.locator("#status")).to_have_text("Setup Room 2 deleted")
    expect(page.get_by_label("Saved setup", exact=True)).to_be_focused()
    assert "Room 2" not in load_setups(store_path)

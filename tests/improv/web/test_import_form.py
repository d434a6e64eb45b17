"""The Sessions page's import form (review 28, findings 5 and 6): each file is checked when it
is uploaded and marked there, with its name once; every file has a Remove button; small sizes
are in kB; a file that spoils the import is named with what to do; and a session without a
client code needs a tick."""

from __future__ import annotations

from playwright.sync_api import expect

from sessions.store import Store
from tests.sessions.helpers import write_midi


def test_bad_files_are_marked_on_upload_and_removed(tmp_path, live_server, page):
    mid = write_midi(tmp_path / "duet.mid", tracks={"client": [(0.5 * k, 0, 60 + k, 90)
                                                             for k in range(8)]})
    fake = tmp_path / "fake.mid"
    fake.write_text("just some text, named .mid\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("session notes\n")
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.locator("#imp-files").set_input_files([str(mid), str(fake), str(notes)])
    uploads = page.locator("ul.uploads li")
    expect(uploads).to_have_count(3)
    good, bad_mid, bad_txt = uploads.nth(0), uploads.nth(1), uploads.nth(2)
    expect(good).to_contain_text("duet.mid (MIDI, 1 kB) ready", timeout=15000)
    expect(bad_mid).to_contain_text("fake.mid cannot be read as a MIDI file")
    expect(bad_txt).to_contain_text("notes.txt: unsupported file type '.txt'")
    assert bad_mid.evaluate("li => li.classList.contains('error')")
    assert not good.evaluate("li => li.classList.contains('error')")
    for li, name in ((bad_mid, "fake.mid"), (bad_txt, "notes.txt")):
        assert li.inner_text().count(name) == 1  # not "notes.txt: notes.txt: …"
    # the bad files must go before the import
    page.locator("#imp-client").fill("C07")
    page.get_by_role("button", name="Import as one session").click()
    expect(page.locator("form.import .error")).to_have_text(
        "Remove fake.mid, notes.txt from the list first: they cannot be imported.")
    page.get_by_role("button", name="Remove fake.mid").click()
    page.get_by_role("button", name="Remove notes.txt").click()
    expect(uploads).to_have_count(1)
    page.get_by_role("button", name="Import as one session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(store_path) as store:
        (sid,) = store.session_ids()
        assert store.session(sid).manifest["settings"]["imported_files"] == ["duet.mid"]


def test_a_session_without_a_client_needs_a_tick(tmp_path, live_server, page):
    mid = write_midi(tmp_path / "duet.mid")
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.locator("#imp-files").set_input_files(str(mid))
    expect(page.locator("ul.uploads")).to_contain_text("ready", timeout=15000)
    page.get_by_role("button", name="Import as one session").click()
    expect(page.locator("form.import .error")).to_contain_text(
        'Give the client code (e.g. C07), or tick "No client (a test)"')
    expect(page.locator("#imp-client")).to_be_focused()
    with Store(store_path) as store:
        assert store.session_ids() == []
    page.get_by_label("No client (a test)").check()
    page.get_by_role("button", name="Import as one session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(store_path) as store:
        (sid,) = store.session_ids()
        assert store.session(sid).manifest["client"] is None


def test_a_removed_file_is_not_imported_and_its_upload_is_gone(tmp_path, live_server, page):
    """Remove takes a good file out as well: its staged copy is deleted on the server."""
    a = write_midi(tmp_path / "a.mid")
    b = write_midi(tmp_path / "b.mid")
    server = live_server(tmp_path / "store")
    page.goto(server.url)
    page.locator("#imp-files").set_input_files([str(a), str(b)])
    expect(page.locator("ul.uploads li").nth(1)).to_contain_text("ready", timeout=15000)
    with page.expect_response(lambda r: "/api/uploads/" in r.url
                              and r.request.method == "DELETE") as removed:
        page.get_by_role("button", name="Remove b.mid").click()
    assert removed.value.status == 204
    page.locator("#imp-client").fill("C07")
    page.get_by_role("button", name="Import as one session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(tmp_path / "store") as store:
        (sid,) = store.session_ids()
        assert store.session(sid).manifest["settings"]["imported_files"] == ["a.mid"]

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
    uploads = page.locator("ul.uploads > li")
    expect(uploads).to_have_count(3)
    good, bad_mid, bad_txt = uploads.nth(0), uploads.nth(1), uploads.nth(2)
    expect(good).to_contain_text("duet.mid, MIDI type 1, 4 s (1 kB)", timeout=15000)
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
    mid = write_midi(tmp_path / "duet.mid", tracks={"client": [(0.0, 0, 60, 90)]})
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.locator("#imp-files").set_input_files(str(mid))
    expect(page.get_by_label("Who plays duet.mid track 2 'client'")).to_have_value("client",
                                                                                 timeout=15000)
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
    expect(page.locator("ul.uploads > li").nth(1)).to_contain_text("MIDI type 1", timeout=15000)
    with page.expect_response(lambda r: "/api/uploads/" in r.url
                              and r.request.method == "DELETE") as removed:
        page.get_by_role("button", name="Remove b.mid").click()
    assert removed.value.status == 204
    page.locator("#imp-client").fill("C07")
    page.get_by_label("Who plays a.mid track 2 'piano'").select_option("client")
    page.get_by_role("button", name="Import as one session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(tmp_path / "store") as store:
        (sid,) = store.session_ids()
        assert store.session(sid).manifest["settings"]["imported_files"] == ["a.mid"]


def test_who_plays_each_track_is_chosen_and_kept_across_sessions(tmp_path, live_server, page):
    """Review 28 second, findings 1, 3 and 8: each file lists its tracks and channels, each
    with "Who plays": client and therapist from the track names, a room microphone asked
    (never named after its file), and the import refused until it is chosen, naming it. The
    session is dated by its files' own time, with a title and a therapist code. The client's
    next session gets the same players, "as in Session 1", whatever its files are called."""
    import os
    from datetime import datetime, timezone

    from tests.sessions.helpers import write_audio

    a = tmp_path / "first"
    a.mkdir()
    mid = write_midi(a / "keyboard-3.mid", tracks={
        "Piano client": [(0.5 * k, 0, 60 + k, 90) for k in range(8)],
        "Piano therapist": [(0.3 + k, 1, 48, 80) for k in range(3)]})
    write_audio(a / "room-1.wav", sr=8000, seconds=5.0, channels=1)
    recorded = datetime(2026, 10, 7, 9, 30, tzinfo=timezone.utc).timestamp()
    os.utime(mid, (recorded + 60, recorded + 60))
    os.utime(a / "room-1.wav", (recorded, recorded))  # the oldest file: the session's start
    store_path = tmp_path / "store"
    server = live_server(store_path)
    page.goto(server.url)
    page.locator("#imp-files").set_input_files([str(mid), str(a / "room-1.wav")])
    uploads = page.locator("ul.uploads > li")
    expect(uploads.nth(0)).to_contain_text("track 2 'Piano client', 8 notes", timeout=15000)
    expect(uploads.nth(0)).to_contain_text("track 3 'Piano therapist', 3 notes")
    expect(uploads.nth(1)).to_contain_text("room-1.wav, 1 channel, 5 s", timeout=15000)
    client_sel = page.get_by_label("Who plays keyboard-3.mid track 2 'Piano client'")
    expect(client_sel).to_have_value("client")
    expect(page.get_by_label("Who plays keyboard-3.mid track 3 'Piano therapist'")).to_have_value(
        "therapist")
    room = page.get_by_label("Who plays room-1.wav channel 1")
    expect(room).to_have_value("")  # asked: no name made from the file's name
    expect(page.locator("#imp-started")).to_have_value(
        datetime.fromtimestamp(recorded).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#imp-client").fill("C07")
    page.locator("#imp-title").fill("Week 3")
    page.locator("#imp-therapist").fill("T01")
    page.get_by_role("button", name="Import as one session").click()
    expect(page.locator("form.import .error")).to_have_text(
        "Choose who plays room-1.wav channel 1 (or Leave out): a client's sessions are compared "
        "by these names.")
    expect(room).to_be_focused()
    assert room.get_attribute("aria-invalid") == "true"
    assert not (store_path / "sessions").exists() or not any((store_path / "sessions").iterdir())
    room.select_option("Another name…")
    page.get_by_label("Player name of room-1.wav channel 1").fill("room mic")
    page.get_by_role("button", name="Import as one session").click()
    expect(page.locator("form.import .error")).to_contain_text(
        "The player name \"room mic\" of room-1.wav channel 1 may have only letters")
    page.get_by_label("Player name of room-1.wav channel 1").fill("room")
    page.get_by_role("button", name="Import as one session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(store_path) as store:
        (sid,) = store.session_ids()
        m = store.session(sid).manifest
    assert [p["name"] for p in m["players"]] == ["client", "therapist", "room"]
    assert (m["title"], m["therapist"]) == ("Week 3", "T01")
    assert datetime.fromisoformat(m["started_utc"]).timestamp() == recorded

    # the next session: other file and track names, a click track; "Recorded on" typed
    b = tmp_path / "second"
    b.mkdir()
    take = write_midi(b / "take 12.mid", tracks={
        "Track 1": [(0.5 * k, 0, 60 + k, 90) for k in range(8)],
        "Track 2": [(0.3 + k, 1, 48, 80) for k in range(3)],
        "Click": [(0.5 * k, 9, 37, 60) for k in range(8)]})
    write_audio(b / "Audio 1.wav", sr=8000, seconds=5.0, channels=1)
    page.goto(server.url)
    page.locator("#imp-files").set_input_files([str(take), str(b / "Audio 1.wav")])
    page.locator("#imp-client").fill("c07")
    expect(page.get_by_label("Who plays take 12.mid track 2 'Track 1'")).to_have_value(
        "client", timeout=15000)
    expect(page.get_by_label("Who plays take 12.mid track 3 'Track 2'")).to_have_value("therapist")
    expect(page.get_by_label("Who plays Audio 1.wav channel 1")).to_have_value("room")
    expect(page.locator("ul.uploads")).to_contain_text("as in Session 1")
    click = page.get_by_label("Who plays take 12.mid track 4 'Click'")
    expect(click).to_have_value("")
    click.select_option("Leave out")
    page.locator("#imp-started").fill("2026-11-03T10:15")
    # the two tracks' names say nothing: only their order placed client and therapist, which
    # the therapist confirms (review 35: the tracks may come in another order than last time)
    expect(page.locator("ul.uploads")).to_contain_text("by the order of the tracks only")
    page.get_by_role("button", name="Import as one session").click()
    expect(page.locator("form.import .error")).to_have_text(
        "Check who plays take 12.mid track 2 'Track 1'; take 12.mid track 3 'Track 2': proposed "
        "by the order of the tracks only, which may differ from last time. Confirm each, or "
        "choose the player.")
    with Store(store_path) as store:
        assert store.session_ids() == [sid]  # nothing imported yet
    page.get_by_role("button",
                     name="Confirm the player proposed for take 12.mid track 2 'Track 1'").click()
    page.get_by_label("Who plays take 12.mid track 3 'Track 2'").select_option("therapist")
    page.get_by_role("button", name="Import as one session").click()
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)
    with Store(store_path) as store:
        (second,) = [s for s in store.session_ids() if s != sid]
        m = store.session(second).manifest
    assert sorted(p["name"] for p in m["players"]) == ["client", "room", "therapist"]
    assert m["settings"]["left_out"] == ["take 12.mid track 4 'Click'"]
    assert datetime.fromisoformat(m["started_utc"]) == datetime(2026, 11, 3, 10, 15).astimezone()


def test_a_recording_imported_again_is_pointed_out_on_its_page(tmp_path, live_server, page):
    """The same file imported twice for a client (review 35): the new session's page says which
    session it looks like, and that one of the two counts twice if they are the same."""
    mid = write_midi(tmp_path / "duet.mid", tracks={"client": [(0.0, 0, 60, 90)],
                                                    "therapist": [(0.5, 1, 48, 80)]})
    server = live_server(tmp_path / "store")
    for k in range(2):
        page.goto(server.url)
        page.locator("#imp-files").set_input_files(str(mid))
        expect(page.get_by_label("Who plays duet.mid track 2 'client'")).to_have_value(
            "client", timeout=15000)
        page.locator("#imp-client").fill("C07")
        page.get_by_role("button", name="Import as one session").click()
        page.wait_for_selector(".timeline[data-ready]", timeout=60000)
        status = page.locator("#status")
        if k == 0:
            expect(status).not_to_contain_text("looks like")
        else:
            expect(status).to_contain_text("This looks like Session ")
            expect(status).to_contain_text("imported before: the same start and length")

"""The session page after a recording with a note typed in "Note at this moment" and a dropout
shorter than a tenth of a second (review rev-pulse, findings 6 and 7): the Notes panel said
"No notes yet." beside the note, and the While recording list "had a dropout
0:34.4–0:34.4"."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import expect

from sessions.store import Store

SR = 8000


def _session(path, *, notes=1):
    with Store(path) as store:
        w = store.create_session(client="C07", players=["client", "therapist"])
        a = w.add_audio_input("pulse", sr=SR, channels=2,
                              players={"client": [1], "therapist": [2]}, t0=0.0)
        for _ in range(40):
            a.write(np.zeros((SR, 2), np.float32))
        a.gap(t=34.40, frames=320)  # 0.04 s, filled with silence
        for k in range(notes):  # typed while recording, as record.js sends them
            w.marker(20.3 + 5 * k, text="client answers the therapist's phrase", kind="note")
        w.marker(30.0, kind="marker")
        return w.finalize(duration_s=40.0)["id"]


def _open(page, server, sid):
    page.goto(server.url)
    page.goto(f"{server.base}/#/session/{sid}")
    page.wait_for_selector(".timeline[data-ready]", timeout=60000)


def test_the_notes_panel_points_to_the_note_written_while_recording(tmp_path, live_server,
                                                                     page):
    path = tmp_path / "store"
    sid = _session(path)
    server = live_server(path)
    _open(page, server, sid)
    box = page.locator("section.notes")
    expect(box.locator(".no-notes")).to_have_text(
        "No session notes yet; 1 note written while recording is on the timeline at 0:20.3.")
    box.get_by_role("button", name="Go to the note written while recording at 0:20.3").click()
    expect(page.locator(".transport .time")).to_have_text("0:20.3")
    # the session's own notes, once written, are the panel's
    box.get_by_role("button", name="Edit notes").click()
    box.locator("textarea").fill("Calm start.")
    box.get_by_role("button", name="Save notes").click()
    expect(box.locator(".notes-text")).to_have_text("Calm start.")


def test_several_notes_and_none_left(tmp_path, live_server, page):
    path = tmp_path / "store"
    sid = _session(path, notes=3)
    server = live_server(path)
    _open(page, server, sid)
    hint = page.locator("section.notes .no-notes")
    expect(hint).to_have_text("No session notes yet; 3 notes written while recording are on "
                              "the timeline at 0:20.3, 0:25.3 and 0:30.3.")
    # deleted on the page: the panel says so at once
    with Store(path) as store:
        ids = [a["id"] for a in store.session(sid).annotations() if "note" in a["tags"]]
    for aid in ids:
        page.evaluate(
            """async ([sid, aid]) => {
              const a = (await (await fetch(`/api/sessions/${sid}/annotations`)).json())
                .annotations.find((x) => x.id === aid);
              await fetch(`/api/sessions/${sid}/annotations/${aid}?rev=${a.rev}`,
                { method: 'DELETE', headers: { 'X-Improv-Request': '1' } });
            }""", [sid, aid])
    page.get_by_role("checkbox", name="Show deleted").check()  # reloads the annotations
    expect(hint).to_have_text("No notes yet.")


def test_a_dropout_shorter_than_the_shown_time_is_a_moment(tmp_path, live_server, page):
    path = tmp_path / "store"
    sid = _session(path)
    server = live_server(path)
    _open(page, server, sid)
    notes = page.locator("section.recording-notes")
    assert notes.locator("li").all_inner_texts() == [
        "pulse (client, therapist) had a dropout for a moment (0.04 s) at 0:34.4, filled with "
        "silence"]
    notes.get_by_role("button", name="Go to the gap 0:34.4", exact=True).click()
    expect(page.locator(".transport .time")).to_have_text("0:34.4")
    text_view = page.locator("details.timeline-text")
    text_view.locator("summary").click()
    cell = text_view.locator("tr", has_text="Not recorded").locator("td.when")
    expect(cell).to_have_text("0:34.4")

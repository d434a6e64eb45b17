"""End-to-end recording from the browser through a JACK server (dummy driver).

A MIDI player and an audio player (JACK clients in this process) play into
the recorder that runs inside ``improv serve``; the test starts and stops the
recording on the Record page and finds the new session in the list.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions.store import Store
from tests.improv.web.conftest import jack_device_options, shot
from tests.rig.jackrig import tone, wait_for, wire_audio

pytestmark = [pytest.mark.browser, pytest.mark.jack, pytest.mark.slow]


def test_record_from_the_browser(jack_rig, tmp_path, live_server, page):
    rig = jack_rig
    notes = [(0.05 * i, bytes([0x90, 60 + i % 12, 90])) for i in range(40)]
    kb = rig.midi_player(name="kb1", events=notes)
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=3.0,
                                                     amplitude=0.5)])
    ctl = rig.client()
    store_path = tmp_path / "store"
    server = live_server(store_path, env=rig.server.env)
    page.goto(server.url + "#/record")
    jack_device_options(page, rig.server.name)
    first = page.get_by_label("Input 1", exact=True)
    first.locator("option", has_text="kb1 (MIDI)").wait_for(state="attached", timeout=20000)
    first.select_option(label="kb1 (MIDI)")
    # the label on screen; the raw port name (what `improv devices` lists) on hover
    expect(first).to_have_attribute("title", "kb1:out")
    expect(first.locator("option", has_text="kb1 (MIDI)")).to_have_attribute("title", "kb1:out")
    page.get_by_role("button", name="Add an input").click()
    page.get_by_label("Input 2", exact=True).select_option(
        label=first.locator("option", has_text="Audio: Sound card inputs (system)").inner_text())
    # the keyboard stands in for an e-drum kit on channel 1: its notes are drums
    page.get_by_label("Input 1 is a drum kit").check()
    expect(page.get_by_label("Input 2 is a drum kit")).to_be_hidden()  # audio: heard by its sound
    page.get_by_label("Client", exact=True).fill("C07")
    page.get_by_label("New client").check()
    # nothing is played before Start: the check says so, and Start asks
    expect(page.locator(".armed .meter-row .silent")).to_have_count(2, timeout=20000)
    page.get_by_role("button", name="Start recording").click()
    page.get_by_role("button", name="Start anyway").click()
    page.get_by_role("button", name="Stop", exact=True).wait_for(timeout=30000)
    wire_audio(ctl, mic.port_names)
    wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
    f0 = kb.start(delay_s=0.2)
    mic.start_frame = f0
    kb.wait_done(15)
    mic.wait_done(15)
    client_row = page.locator(".meter-row[data-player=client]")
    expect(client_row.locator(".events")).to_have_text("40 MIDI events", timeout=10000)
    expect(page.locator(".meter-row[data-player=therapist]")).to_contain_text("dBFS")
    # while recording too: labels on screen, raw names on hover
    expect(client_row.locator(".src")).to_have_text("kb1 (MIDI)")
    expect(client_row.locator(".src")).to_have_attribute("title", "kb1:out")
    therapist_src = page.locator(".live .meter-row[data-player=therapist] .src")
    expect(therapist_src).to_have_text("Sound card inputs (system) ch 1")
    expect(therapist_src).to_have_attribute("title", "system")
    page.get_by_role("button", name="Marker").click()
    page.get_by_label("Note at this moment").fill("she smiles")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".live .mark-count")).to_contain_text("2 markers and notes so far")
    shot(page, "record-live")
    expect(page.locator(".live-measures [data-player=client] .density")).to_contain_text(
        "notes per second", timeout=10000)  # the live measures panel
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_role("button", name="Yes, stop and save").click()
    page.wait_for_url("**#/session/*", timeout=60000)  # the session page opens by itself
    expect(page.locator(".panel.analysis")).not_to_contain_text("Not analysed", timeout=60000)
    expect(page.locator(".panel.analysis table")).to_be_visible(timeout=60000)
    shot(page, "record-done")
    sid = page.url.rsplit("/", 1)[-1]
    page.get_by_role("link", name="Sessions").click()
    expect(page.locator(f"table.sessions a[href='#/session/{sid}']")).to_be_visible()
    with Store(store_path) as store:
        s = store.session(sid)
        assert s.client == "C07" and s.manifest["status"] == "complete"
        assert len(s.midi_events(players=["client"])) == 40
        assert s.audio_inputs()[0].players == {"therapist": [1]}
        assert [(p["player"], p.get("percussion")) for p in s.manifest["midi"]["ports"]] == [
            ("client", True)]  # declared with the input, no correction needed
        assert not (store.folder(sid) / "revisions.jsonl").exists()
        texts = sorted(a["text"] for a in s.annotations())
        assert "she smiles" in texts and len(texts) == 2

"""The Record page's form without devices, in Chromium: saved setups (the only or the last one
is there already; replacing one asks; Delete), a device option's typo said beside its field,
and the codes' rules (names are asked about, C07 and K12 never).

No JACK server runs here: the device lists are empty and the MIDI system cannot be reached, so
a setup's MIDI inputs wait for it ("cannot be reached while the computer's MIDI system is not
running"; an input unplugged from a running system is tests/improv/web/test_e2e_record_safety.py)
and Start refuses naming the row.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import expect

from improv.capture.setups import load_setups, parse_player_spec, save_setup
from tests.rig.jackrig import wait_for

pytestmark = [pytest.mark.browser]

PIANO = ["client=midi:Digital Piano:midi_out", "therapist=audio:system:1"]


def _save(store_path, name: str, players: list[str]) -> None:
    save_setup(store_path, name, inputs=[parse_player_spec(p) for p in players],
               options={"midi_api": "jack"})


def test_the_only_setup_is_there_and_replacing_or_deleting_one_asks(tmp_path, live_server,
                                                                     page):
    store_path = tmp_path / "store"
    store_path.mkdir()
    _save(store_path, "Room 2", PIANO)
    server = live_server(store_path)
    page.goto(server.url + "#/record")

    # the only saved setup is chosen already, its rows filled
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("Room 2")
    expect(page.locator("form.record-setup")).to_contain_text("the only saved setup")
    expect(page.get_by_label("Input 1", exact=True)).to_have_value(
        "midi\u0000Digital Piano:midi_out")
    # the piano is not there (no MIDI system here): said beside the row, and Start refuses
    row1 = page.locator(".input-row[data-n='1'] .row-problem")
    expect(row1).to_contain_text("Input 1 (client): Digital Piano:midi_out cannot be reached "
                                 "while the computer's MIDI system is not running",
                                 timeout=15000)
    page.get_by_label("Client", exact=True).fill("C07")
    page.get_by_label("New client").check()
    page.get_by_role("button", name="Start recording").click()
    # no input on this computer at all: that is said at Start (the row says its own beside it)
    expect(page.locator("form.record-setup > .error")).to_have_text(
        "No MIDI or audio input is available: connect one (the messages above say why none is "
        "found).")

    # saving other inputs under the same name asks first; "Keep the old one" keeps it
    page.get_by_role("button", name="Remove").nth(1).click()
    page.get_by_role("button", name="Save setup").click()
    ask = page.get_by_role("alertdialog", name="About the saved setup")
    expect(ask).to_contain_text('Replace the saved setup "Room 2" (2 inputs) with these inputs?')
    expect(page.get_by_role("button", name="Keep the old one")).to_be_focused()
    page.get_by_role("button", name="Keep the old one").click()
    assert load_setups(store_path)["Room 2"]["players"] == PIANO
    page.get_by_role("button", name="Save setup").click()
    page.get_by_role("button", name="Replace it").click()
    expect(page.locator("#status")).to_have_text("Setup Room 2 saved")
    assert load_setups(store_path)["Room 2"]["players"] == PIANO[:1]

    # Delete asks, then deletes
    page.get_by_role("button", name="Delete this setup").click()
    expect(ask).to_contain_text('Delete the saved setup "Room 2"?')
    page.get_by_role("button", name="Keep it").click()
    assert "Room 2" in load_setups(store_path)
    page.get_by_role("button", name="Delete this setup").click()
    page.get_by_role("button", name="Delete it").click()
    expect(page.locator("#status")).to_have_text("Setup Room 2 deleted")
    assert load_setups(store_path) == {}
    expect(page.get_by_label("Saved setup", exact=True).locator("option")).to_have_count(1)


def test_the_last_recordings_inputs_come_back(tmp_path, live_server, page):
    store_path = tmp_path / "store"
    store_path.mkdir()
    _save(store_path, "Room 2", PIANO)
    _save(store_path, "Room 3", ["group=midi:Drum Pad:midi_out"])
    server = live_server(store_path)
    page.goto(server.url + "#/record")
    # two setups: none chosen
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("")
    page.evaluate("""(last) => localStorage.setItem('improv.record.last', JSON.stringify(last))""",
                  {"setup": "Room 3", "players": ["group=midi:Drum Pad:midi_out"],
                   "options": {}})
    page.reload()
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("Room 3")
    expect(page.locator("form.record-setup")).to_contain_text("the setup of the last recording")
    # inputs changed from the setup's: they come back as they were
    page.evaluate("""(last) => localStorage.setItem('improv.record.last', JSON.stringify(last))""",
                  {"setup": "", "players": ["anna=midi:Drum Pad:midi_out",
                                            "therapist=audio:system:2"],
                   "options": {"midi_api": "alsa"}})
    page.reload()
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("")
    expect(page.get_by_label("Player of input 1")).to_have_value("anna")
    expect(page.get_by_label("Channel of input 2")).to_have_value("2")
    expect(page.get_by_label("MIDI API")).to_have_value("alsa")


def test_a_typo_in_the_device_options_is_said_beside_the_field(tmp_path, live_server, page):
    server = live_server(tmp_path / "store")
    page.goto(server.url + "#/record")
    page.get_by_text("Device options").click()
    page.get_by_label("MIDI API").fill("jackk")
    page.get_by_label("MIDI API").press("Tab")
    said = page.locator("#rec-midi_api + .error")
    expect(said).to_have_text('"jackk" is not a MIDI system: use jack or alsa, or leave it empty.')
    expect(page.get_by_label("MIDI API")).to_have_attribute("aria-invalid", "true")
    # the device lists are asked without it (not "the MIDI system is not running" for a typo)
    seen = []
    page.on("request", lambda r: seen.append(r.url) if "/api/devices" in r.url else None)
    page.get_by_label("Audio host API").fill("JAKC")
    page.get_by_label("Audio host API").press("Tab")
    expect(page.locator("#rec-audio_api + .error")).to_have_text(
        '"JAKC" is not an audio system: use JACK, ALSA or PulseAudio, or leave it empty.')
    page.get_by_label("Client", exact=True).fill("C07")
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("form.record-setup > .error")).to_have_text(
        "No MIDI or audio input is available: connect one (the messages above say why none is "
        "found).")
    page.get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("form.record-setup > .error")).to_have_text(
        '"jackk" is not a MIDI system: use jack or alsa, or leave it empty.')
    assert seen and not any("jackk" in u for u in seen), seen
    page.get_by_label("MIDI API").fill("ALSA")
    page.get_by_label("MIDI API").press("Tab")
    expect(said).to_have_text("")


def test_codes_that_read_like_names(tmp_path, live_server, page):
    server = live_server(tmp_path / "store")
    page.goto(server.url + "#/record")
    page.get_by_label("Client", exact=True).wait_for()
    got = page.evaluate("""async (codes) => {
      const { looksLikeName, codeProblem } = await import('/static/record_setup.js');
      return codes.map((c) => [c, looksLikeName(c), codeProblem(c)]);
    }""", ["C07", "K12", "T01", "DEMO", "c07", "P-3", "Anna", "AnnaMueller", "MariaS", "anna",
           "tom", "Kim", "Anna Müller", "Zoë"])
    name_like = {c for c, like, _ in got if like}
    assert name_like == {"Anna", "AnnaMueller", "MariaS", "anna", "tom", "Anna Müller"}, got
    bad = {c: p for c, _, p in got if p}
    assert set(bad) == {"Anna Müller", "Zoë"}, bad
    assert bad["Anna Müller"] == ('The client code "Anna Müller" has a space: use a code such '
                                  "as C07, never the client's name.")
    assert bad["Zoë"].startswith('The client code "Zoë" has a letter outside A–Z')
    # the fixed rule stands beside the field; K12 typed is neither refused nor asked about
    expect(page.locator(".code-rule").first).to_have_text(
        "A code, never the client's name (e.g. C07)")
    page.get_by_label("Client", exact=True).fill("K12")
    expect(page.locator(".code-check").first).to_have_text("")
    expect(page.get_by_label("New client")).to_be_visible()


def test_a_drum_kit_is_ticked_on_its_row_and_kept_with_the_setup(tmp_path, live_server, page):
    """An e-drum kit sends on any channel: its row's Drum kit tick says its notes are drums
    (no key or pitch). Only MIDI rows have it; a saved setup keeps it."""
    store_path = tmp_path / "store"
    store_path.mkdir()
    kit, mic = parse_player_spec("group=midi:Drum Pad:midi_out"), parse_player_spec(PIANO[1])
    save_setup(store_path, "Drums", inputs=[replace(kit, percussion=True), mic])
    server = live_server(store_path)
    page.goto(server.url + "#/record")
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("Drums")
    tick = page.get_by_label("Input 1 is a drum kit")
    expect(tick).to_be_checked()
    expect(page.get_by_label("Input 2 is a drum kit")).to_be_hidden()  # a microphone
    ask = page.get_by_role("alertdialog", name="About the saved setup")
    tick.uncheck()
    page.get_by_role("button", name="Save setup").click()
    expect(ask).to_contain_text('Replace the saved setup "Drums" (2 inputs)')
    page.get_by_role("button", name="Replace it").click()
    expect(page.locator("#status")).to_have_text("Setup Drums saved")
    assert "percussion" not in load_setups(store_path)["Drums"]
    tick.check()
    page.get_by_role("button", name="Save setup").click()
    page.get_by_role("button", name="Replace it").click()
    # the status line says "Setup Drums saved" from the first save already: wait for the file
    wait_for(lambda: "percussion" in load_setups(store_path)["Drums"], timeout=10,
             what="the second save")
    assert load_setups(store_path)["Drums"]["percussion"] == [kit.spec]

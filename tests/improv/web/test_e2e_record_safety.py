"""The Record page loses nothing, through a JACK server (dummy driver) and Chromium.

Before Start: an input row that is not set up (no player name, no device, a device that is
already another row's, a device unplugged) is said beside the row and in the input check, and
Start refuses naming the row, while the other inputs go on being checked; an input plugged in
again is checked again by itself; an input silent through the whole check is asked about at
Start, and so is a new client code that reads like a name.

While recording: the focus is not on Stop (two stray key presses do not end the recording),
the stop question's default is "Keep recording", the live view says whose recording it is
and the audio input's channel, a second tab leads to the running recording, and a note
typed but not saved yet is saved with the recording at Stop.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.store import Store
from tests.improv.web.conftest import jack_device_options, shot
from tests.rig.jackrig import tone, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.jack, pytest.mark.slow]

AMPLITUDE = 10 ** (-11 / 20)


def _check_row(page, n: int):
    """The input check's line of Input ``n``."""
    return page.locator(f".armed .meter-row[data-n='{n}']")


def _armed_specs(page) -> list[str]:
    """The inputs the server's input check of this page (its own id) has open."""
    return page.evaluate("""async () => {
      const id = document.querySelector('.armed').dataset.check;
      const r = await fetch(`/api/recording/arm?check=${id}`,
                            { headers: { 'X-Improv-Request': '1' } });
      return (await r.json()).inputs.map((i) => i.spec);
    }""")


def _recording_active(page) -> bool:
    """Whether a recording runs (asked from the page, with its cookie)."""
    return page.evaluate("""async () => {
      const r = await fetch('/api/recording', { headers: { 'X-Improv-Request': '1' } });
      return (await r.json()).active;
    }""")


def test_a_row_not_set_up_is_never_left_out_silently(jack_rig, tmp_path, live_server, page):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])  # a keyboard nobody plays yet
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=60.0,
                                                     amplitude=AMPLITUDE)])
    mic.start(delay_s=0.0)
    pad = rig.midi_player(name="pad", events=[])
    store_path = tmp_path / "store"
    server = live_server(store_path, env=rig.server.env)
    page.goto(server.url + "#/record")
    _choose_inputs(page, rig)
    # a row added and not finished: no device, and its player name cleared
    page.get_by_role("button", name="Add an input").click()
    page.get_by_label("Player of input 3").fill("")
    page.get_by_label("Client", exact=True).fill("C07")
    page.get_by_label("New client").check()

    # the check lists it as not set up, and checks the others
    expect(_check_row(page, 3)).to_contain_text("not set up: no player name", timeout=10000)
    expect(_check_row(page, 2).locator("[role=meter]")).to_have_count(1, timeout=10000)
    expect(_check_row(page, 1)).to_contain_text("no note yet")

    # Start refuses, naming the row, and marks it; nothing is recorded
    page.get_by_role("button", name="Start recording").click()
    err = page.locator("form.record-setup > .error")
    expect(err).to_contain_text(
        "Input 3 has no player name: type one (e.g. client) or remove the row.")
    row3 = page.locator(".input-row[data-n='3']")
    expect(row3).to_have_class(re.compile(r"\bproblem\b"))
    expect(page.get_by_label("Player of input 3")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Player of input 3")).to_be_focused()
    shot(page, "record-row-not-set-up")
    assert not _recording_active(page)
    # a name alone is not enough: the row still has no device
    page.get_by_label("Player of input 3").fill("drums")
    page.get_by_label("Player of input 3").press("Tab")
    expect(err).to_have_text("")  # a change of the inputs clears the old refusal
    expect(row3.locator(".row-problem")).to_have_text(
        "Input 3 (drums) has no instrument or microphone chosen: choose one or remove the row.")
    page.get_by_role("button", name="Start recording").click()
    expect(err).to_contain_text("Input 3 (drums) has no instrument or microphone chosen")
    assert not _recording_active(page)

    # the same keyboard twice: said beside the row, and the other inputs are still checked
    page.get_by_label("Input 3", exact=True).select_option(label="kb1 (MIDI)")
    expect(row3.locator(".row-problem")).to_have_text(
        "Input 3: kb1 (MIDI) is already Input 1 (client): each instrument or channel belongs to "
        "one player. Choose another or remove the row.")
    expect(_check_row(page, 3)).to_contain_text("not set up: already Input 1")
    expect(_check_row(page, 1)).to_contain_text("no note yet")
    expect(_check_row(page, 2).locator("[role=meter]")).to_have_count(1)

    # a pad unplugged during the check says so; plugged in again, it is checked again
    page.get_by_label("Input 3", exact=True).select_option(label="pad (MIDI)")
    expect(_check_row(page, 3)).to_contain_text("no note yet", timeout=10000)
    wait_for(lambda: "drums=midi:pad:out" in _armed_specs(page), timeout=10,
             what="the pad in the check")
    pad.close()
    expect(_check_row(page, 3)).to_contain_text("unplugged: plug it in again", timeout=10000)
    expect(row3.locator(".row-problem")).to_contain_text("pad (MIDI) is not connected")
    expect(_check_row(page, 2).locator("[role=meter]")).to_have_count(1)  # still checked
    wait_for(lambda: "drums=midi:pad:out" not in _armed_specs(page), timeout=10,
             what="the unplugged pad out of the check")
    rig.midi_player(name="pad", events=[])
    expect(_check_row(page, 3)).to_contain_text("no note yet", timeout=15000)
    expect(row3.locator(".row-problem")).to_have_text("")
    wait_for(lambda: "drums=midi:pad:out" in _armed_specs(page), timeout=10,
             what="the pad checked again")

    # inputs silent through the whole check are said to be, and asked about at Start
    expect(_check_row(page, 1).locator(".silent")).to_have_text(
        "No note from client on kb1 (MIDI) yet: play a key, or check that the instrument is on "
        "and connected.", timeout=10000)
    expect(_check_row(page, 2).locator(".silent")).to_have_count(0)  # the mic is heard
    page.get_by_role("button", name="Remove").nth(2).click()
    page.get_by_role("button", name="Start recording").click()
    ask = page.get_by_role("alertdialog", name="Before the recording starts")
    expect(ask).to_contain_text("client on kb1 (MIDI) has been silent during the whole input check")
    expect(page.get_by_role("button", name="Not yet: check the inputs")).to_be_focused()
    page.keyboard.press("Enter")  # the default answer does not start
    expect(ask).to_be_hidden()
    assert not _recording_active(page)

    # a new client code that reads like a name is asked about; C07 is not
    page.get_by_label("Client", exact=True).fill("AnnaMueller")
    expect(page.locator(".code-check").first).to_have_text(
        '"AnnaMueller" looks like a name: a client code must not identify the person.')
    page.get_by_role("button", name="Start recording").click()
    expect(ask).to_contain_text('The client code "AnnaMueller" looks like a name.')
    page.get_by_role("button", name="Change it").click()
    expect(page.get_by_label("Client", exact=True)).to_be_focused()
    assert not _recording_active(page)
    page.get_by_label("Client", exact=True).fill("Anna Müller")
    expect(page.locator(".code-check").first).to_contain_text('"Anna Müller" has a space')
    page.get_by_role("button", name="Start recording").click()
    expect(err).to_contain_text("use a code such as C07, never the client's name")
    assert not _recording_active(page)
    with Store(store_path) as store:
        assert store.session_ids() == []


def _choose_inputs(page, rig):
    """Input 1: the keyboard kb1, Input 2: the microphone."""
    jack_device_options(page, rig.server.name)
    first = page.get_by_label("Input 1", exact=True)
    expect(first.locator("option", has_text="kb1 (MIDI)")).to_have_count(1, timeout=20000)
    first.select_option(label="kb1 (MIDI)")
    page.get_by_role("button", name="Add an input").click()
    page.get_by_label("Input 2", exact=True).select_option(
        label=first.locator("option", has_text="Audio: mic").inner_text())


def _set_up(page, rig, *, client: str = "C07"):
    """Input 1: the keyboard kb1, Input 2: the microphone (therapist); client ``client``."""
    _choose_inputs(page, rig)
    page.get_by_label("Client", exact=True).fill(client)
    page.get_by_label("New client").check()


def _start(page):
    expect(page.locator(".armed .meter-row [role=meter]")).to_have_count(1, timeout=20000)
    expect(page.locator(".armed .meter-row .silent")).to_have_count(1, timeout=10000)  # kb1
    page.get_by_role("button", name="Start recording").click()
    page.get_by_role("button", name="Start anyway").click()  # the keyboard is played later
    page.get_by_role("button", name="Stop", exact=True).wait_for(timeout=30000)


def test_stray_keys_do_not_end_the_recording(jack_rig, tmp_path, live_server, page):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=60.0,
                                                     amplitude=AMPLITUDE)])
    mic.start(delay_s=0.0)
    server = live_server(tmp_path / "store", env=rig.server.env)
    other = page.context.new_page()  # a Record tab opened earlier and forgotten
    other.goto(server.url + "#/record")
    other.get_by_label("Client", exact=True).wait_for()
    page.goto(server.url + "#/record")
    _set_up(page, rig)
    page.get_by_label("Title").fill("Drums and voice")
    page.get_by_label("Therapist code").fill("T01")
    _start(page)

    # whose recording, and the microphone's channel as the check named it
    heading = page.locator("#live-h")
    expect(heading).to_have_text("Recording C07 · Drums and voice · therapist T01")
    expect(page.locator(".live .meter-row[data-player=therapist] .src")).to_have_text("mic ch 1")
    # the focus is not on Stop: Space and Enter pressed out of habit end nothing
    expect(heading).to_be_focused()
    for key in ("Space", "Space", "Enter", "Enter"):
        page.keyboard.press(key)
    expect(page.get_by_role("alertdialog", name="Stop the recording?")).to_be_hidden()
    # Stop asks, and its default answer is to keep recording
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_role("button", name="Keep recording")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("alertdialog", name="Stop the recording?")).to_be_hidden()
    page.keyboard.press("Space")  # the focus went back to Stop: asks again
    expect(page.get_by_role("button", name="Keep recording")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("alertdialog", name="Stop the recording?")).to_be_hidden()
    assert _recording_active(page)

    # the other tab leads to the running recording; so does the badge
    notice = other.locator(".running-elsewhere")
    expect(notice).to_contain_text("A recording is running (C07 · Drums and voice · therapist "
                                   "T01, 0:", timeout=10000)
    expect(other.locator("#rec-indicator")).to_have_attribute("href", "#/record")
    other.get_by_role("button", name="Go to the recording").click()
    expect(other.locator("#live-h")).to_have_text(
        "Recording C07 · Drums and voice · therapist T01")
    shot(page, "record-live-whose")
    other.close()
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_role("button", name="Yes, stop and save").click()
    page.wait_for_url("**#/session/*", timeout=60000)


def test_a_note_typed_and_not_saved_is_kept_at_stop(jack_rig, tmp_path, live_server, page):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=60.0,
                                                     amplitude=AMPLITUDE)])
    mic.start(delay_s=0.0)
    store_path = tmp_path / "store"
    server = live_server(store_path, env=rig.server.env)
    page.goto(server.url + "#/record")
    _set_up(page, rig)
    _start(page)
    page.get_by_role("button", name="Marker").click()
    expect(page.locator(".marks li input")).to_have_count(1)
    # a marker's text changed, and a note typed: neither Enter nor leaving the box
    page.locator(".marks li input").fill("client looks up")
    expect(page.locator(".live .elapsed")).not_to_have_text("0:00")
    page.get_by_label("Note at this moment").fill("Therapist switched to drum, client imitates")
    typed_at = page.evaluate("""async () => {
      const r = await fetch('/api/recording', { headers: { 'X-Improv-Request': '1' } });
      return (await r.json()).elapsed_s;
    }""")
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_role("alertdialog", name="Stop the recording?")).to_contain_text(
        'Your note "Therapist switched to drum, client imita…" is saved with it.')
    page.get_by_role("button", name="Yes, stop and save").click()
    page.wait_for_url("**#/session/*", timeout=60000)
    sid = page.url.rsplit("/", 1)[-1]
    with Store(store_path) as store:
        anns = store.session(sid).annotations()
    by_text = {a["text"]: a for a in anns}
    assert set(by_text) == {"client looks up", "Therapist switched to drum, client imitates"}
    note = by_text["Therapist switched to drum, client imitates"]
    assert "note" in note["tags"]
    assert abs(note["t"] - typed_at) < 1.5, (note["t"], typed_at)  # when typing began

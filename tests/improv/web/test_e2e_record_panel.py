"""The Record page a therapist expects, through a JACK server (dummy driver) and Chromium.

A MIDI keyboard and two audio clients (a microphone playing a tone at -11 dBFS, a silent
one) are JACK clients of the test.  The page lists them in its dropdowns, the armed inputs
show their levels before Start (the tone above -60 dBFS and green, the silent input at the
floor), the client is chosen case-insensitively, Start records what was chosen, a second
recording of an input being recorded (from the terminal) is refused naming the input, and
Stop asks before it stops.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import numpy as np
import pytest
from playwright.sync_api import expect

from sessions.store import Store
from tests.improv.web.conftest import jack_device_options, shot
from tests.rig.jackrig import tone, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.jack, pytest.mark.slow]

AMPLITUDE = 10 ** (-11 / 20)  # a healthy -11 dBFS peak
_LOAD = r"(the sound card lost samples|the audio system fell behind) (twice|\d+ times|once)"
MACHINE_HEALTH = re.compile(rf"^Recording: (healthy|{_LOAD}(; {_LOAD})*)$")
"""The health line of a recording nothing went wrong with, on a machine that may be loaded."""


def _store_with_client(tmp_path, code: str):
    from tests.sessions.helpers import import_weekly_session

    path = tmp_path / "store"
    with Store(path) as store:
        import_weekly_session(store, tmp_path, week=0, notes=4, duration=3.0,
                              rng=np.random.default_rng(1),
                              start=datetime(2026, 1, 5, tzinfo=timezone.utc), client=code)
    return path


def _meter(page, who: str):
    return page.locator(f".armed .meter-row:has(.who:text-is('{who}')) [role=meter]")


def test_choose_check_and_record_from_the_page(jack_rig, tmp_path, live_server, page):
    rig = jack_rig
    notes = [(0.05 * i, bytes([0x90, 60 + i % 12, 90])) for i in range(40)]
    kb = rig.midi_player(name="kb1", events=notes)
    mic = rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0, duration_s=60.0,
                                                     amplitude=AMPLITUDE)])
    rig.audio_player(name="quiet", signals=[np.zeros(48000, dtype=np.float32)])
    mic.start(delay_s=0.0)  # the microphone picks up the room before Start
    store_path = _store_with_client(tmp_path, "K12")
    server = live_server(store_path, env=rig.server.env)
    page.goto(server.url + "#/record")
    jack_device_options(page, rig.server.name)

    # choose, don't type: the dropdowns list the test's JACK clients
    first = page.get_by_label("Input 1", exact=True)
    expect(first.locator("option", has_text="kb1 (MIDI)")).to_have_count(1, timeout=20000)
    expect(first.locator("option", has_text="Audio: mic, 1 channel,")).to_have_count(1)
    first.select_option(label="kb1 (MIDI)")
    page.get_by_role("button", name="Add an input").click()
    page.get_by_label("Player of input 2").fill("therapist")
    page.get_by_label("Input 2", exact=True).select_option(
        label=first.locator("option", has_text="Audio: mic").inner_text())
    page.get_by_role("button", name="Add an input").click()
    page.get_by_label("Player of input 3").fill("room")
    page.get_by_label("Input 3", exact=True).select_option(
        label=first.locator("option", has_text="Audio: quiet").inner_text())
    expect(page.get_by_label("Channel of input 2")).to_have_value("1")

    # armed before Start: the tone shows above -60 dBFS (and a healthy -11 is green), the
    # silent input stays at the floor
    wait_for(lambda: float(_meter(page, "therapist").get_attribute("aria-valuenow") or -99)
             > -60, timeout=20, what="the microphone's level before Start")
    level = float(_meter(page, "therapist").get_attribute("aria-valuenow"))
    assert -13 < level < -9, level
    assert _meter(page, "therapist").get_attribute("data-zone") == "green"
    assert float(_meter(page, "room").get_attribute("aria-valuenow")) == -60
    expect(page.locator(".armed .meter-row:has(.who:text-is('room')) .db")).to_contain_text(
        "silent")
    # a device that appears is listed, and is gone from the list when it goes
    pad = rig.midi_player(name="pad", events=[])
    expect(first.locator("option", has_text="pad (MIDI)")).to_have_count(1, timeout=10000)
    pad.close()
    expect(first.locator("option", has_text="pad (MIDI)")).to_have_count(0, timeout=10000)
    kb_row = page.locator(".armed .meter-row:has(.who:text-is('client'))")
    expect(kb_row).to_contain_text("no note yet")
    shot(page, "record-armed")
    with Store(store_path) as store:
        assert len(store.session_ids()) == 1  # nothing recorded while armed

    # the client is chosen: a new code only on purpose, k12 finds K12
    page.get_by_label("Client", exact=True).fill("Z99")
    page.get_by_label("Title").fill("Drums and voice")
    page.get_by_role("button", name="Start recording").click()
    expect(page.locator("form.record-setup > .error")).to_contain_text("no client Z99 yet")
    page.get_by_label("Client", exact=True).fill("k12")
    expect(page.locator("form.record-setup")).to_contain_text("Client K12")
    expect(page.locator(".armed .meter-row .silent")).to_have_count(2, timeout=10000)
    page.get_by_role("button", name="Start recording").click()
    # the keyboard (not played yet) and the quiet input were silent all through the check
    ask = page.get_by_role("alertdialog", name="Before the recording starts")
    expect(ask).to_contain_text("room on quiet ch 1")
    expect(ask).to_contain_text("silent during the whole input check")
    page.get_by_role("button", name="Start anyway").click()
    page.get_by_role("button", name="Stop", exact=True).wait_for(timeout=30000)
    expect(page.locator("#rec-indicator")).to_be_visible(timeout=1000)  # not after 3 s
    # healthy; a loaded test machine may lose samples or fall behind (said in words, in red),
    # which is the machine's, not the recorder's: anything else fails
    health = page.locator(".live .health")
    expect(health).to_have_text(MACHINE_HEALTH)
    if health.inner_text() != "Recording: healthy":
        expect(health).to_have_class(re.compile(r"\berror\b"))

    # one recording per input: the terminal is refused, naming the input
    other = rig.recorder(tmp_path / "store", "--client", "K12", "--player", "x=midi:kb1",
                         "--duration", "2", log=tmp_path / "other.log")
    other.communicate(timeout=60)
    err = (tmp_path / "other.log").read_text()
    assert other.returncode == 1
    wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
    kb.start(delay_s=0.2)
    kb.wait_done(15)
    live_kb = page.locator(".live .meter-row[data-player=client]")
    expect(live_kb.locator(".events")).to_have_text("40 MIDI events", timeout=10000)
    expect(live_kb).to_contain_text("last note D#4")  # the 40th note: 60 + 39 % 12 = 63
    live_mic = page.locator(".live .meter-row[data-player=therapist] [role=meter]")
    wait_for(lambda: float(live_mic.get_attribute("aria-valuenow") or -99) > -60, timeout=10,
             what="the microphone's level while recording (handed over by the input check)")
    expect(page.locator(".live .disk")).to_contain_text("Free disk space")
    page.get_by_role("button", name="Marker").click()
    mark_text = page.locator(".marks li input")
    expect(mark_text).to_have_count(1)
    mark_text.fill("first smile")
    mark_text.press("Enter")
    expect(page.locator("#status")).to_contain_text("changed")
    shot(page, "record-live-panel")

    # the stop asks first
    confirm = page.get_by_role("alertdialog", name="Stop the recording?")
    expect(confirm).to_be_hidden()
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(confirm).to_be_visible()
    page.get_by_role("button", name="Keep recording").click()
    expect(confirm).to_be_hidden()
    expect(page.get_by_role("button", name="Marker")).to_be_visible()
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_role("button", name="Yes, stop and save").click()
    page.wait_for_url("**#/session/*", timeout=60000)  # the session page opens by itself
    expect(page.locator("#rec-indicator")).to_be_hidden(timeout=1000)
    sid = page.url.rsplit("/", 1)[-1]
    with Store(store_path) as store:
        s = store.session(sid)
        assert s.client == "K12" and s.manifest["title"] == "Drums and voice"
        assert len(s.midi_events(players=["client"])) == 40
        got = {p for a in s.audio_inputs() for p in a.players}
        assert got == {"therapist", "room"}
        (ann,) = s.annotations()
        assert ann["text"] == "first smile"
    assert "kb1 (MIDI) is being recorded already" in err, err


def test_the_input_check_says_when_a_rooms_background_noise_is_high(jack_rig, tmp_path,
                                                                      live_server, page):
    """A microphone in a room at -45 dBFS (white noise, nobody playing): after a few seconds
    of the check its row says, in words, that the background noise is high and what helps; a
    quiet room (-65 dBFS) says nothing of the kind."""
    rig = jack_rig
    rng = np.random.default_rng(7)
    fan = rig.audio_player(name="fan", signals=[
        (10 ** (-45 / 20) * rng.standard_normal(48000 * 40)).astype(np.float32)])
    calm = rig.audio_player(name="calm", signals=[
        (10 ** (-65 / 20) * rng.standard_normal(48000 * 40)).astype(np.float32)])
    fan.start(delay_s=0.0)
    calm.start(delay_s=0.0)
    server = live_server(_store_with_client(tmp_path, "K12"), env=rig.server.env)
    page.goto(server.url + "#/record")
    jack_device_options(page, rig.server.name)
    first = page.get_by_label("Input 1", exact=True)
    expect(first.locator("option", has_text="Audio: fan")).to_have_count(1, timeout=20000)
    first.select_option(label=first.locator("option", has_text="Audio: fan").inner_text())
    page.get_by_role("button", name="Add an input").click()
    page.get_by_label("Player of input 2").fill("therapist")
    page.get_by_label("Input 2", exact=True).select_option(
        label=first.locator("option", has_text="Audio: calm").inner_text())
    noisy = page.locator(".armed .meter-row:has(.who:text-is('client')) .noisy")
    expect(noisy).to_have_text(re.compile(
        r"^The background noise on fan\b.* is high: it did not fall quiet in the last 20 "
        r"seconds\. If nobody was playing, soft playing may be counted as pauses; a quieter "
        r"room, or the microphone closer to the instrument, helps\.$"), timeout=30000)
    page.wait_for_timeout(3000)  # the second input, chosen a moment later, heard as long
    calm_row = page.locator(".armed .meter-row:has(.who:text-is('therapist'))")
    expect(calm_row).to_be_visible()
    expect(calm_row.locator(".silent")).to_have_count(0)  # a quiet room is heard, not silent
    expect(page.locator(".armed .meter-row:has(.who:text-is('therapist')) .noisy")).to_have_count(0)
    shot(page, "record-armed-noisy-room")

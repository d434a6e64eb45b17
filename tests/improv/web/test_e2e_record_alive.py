"""The Record page while improv or JACK goes away, through a JACK server (dummy driver) and
Chromium: improv closed during a recording is said plainly (the clock stops, a note typed stays
with word that it was not saved); a recording that stops by itself says why and what was kept;
a browser quit without a word does not hold the input check against the next window.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from sessions.store import Store
from tests.improv.web.conftest import REPO, jack_device_options, shot

pytestmark = [pytest.mark.browser, pytest.mark.jack, pytest.mark.slow]

ARMED_WAIT_S = 5.0  # longer than improv.web.recording.ARMED_IDLE_S (3 s), shorter than 10 s


def _choose_kb1(page, rig) -> None:
    jack_device_options(page, rig.server.name)
    first = page.get_by_label("Input 1", exact=True)
    expect(first.locator("option", has_text="kb1 (MIDI)")).to_have_count(1, timeout=20000)
    first.select_option(label="kb1 (MIDI)")


def _start(page, *, client: str = "C07") -> None:
    page.get_by_label("Client", exact=True).fill(client)
    page.get_by_label("New client").check()
    expect(page.locator(".armed .meter-row[data-n='1']")).not_to_contain_text("opening",
                                                                               timeout=20000)
    page.get_by_role("button", name="Start recording").click()
    start_anyway = page.get_by_role("button", name="Start anyway")
    stop = page.get_by_role("button", name="Stop", exact=True)
    expect(start_anyway.or_(stop)).to_be_visible(timeout=30000)
    if start_anyway.is_visible():
        start_anyway.click()
    stop.wait_for(timeout=30000)


def test_improv_closed_while_recording_is_said_and_a_note_is_kept(jack_rig, tmp_path,
                                                                  live_server, page):
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    store_path = tmp_path / "store"
    server = live_server(store_path, env=rig.server.env)
    page.goto(server.url + "#/record")
    _choose_kb1(page, rig)
    _start(page)
    clock = page.locator(".live .elapsed")
    expect(clock).not_to_have_text("0:00", timeout=10000)
    expect(page.locator("#rec-indicator")).to_be_visible()
    lost = page.locator(".live .lost-contact")
    expect(lost).to_be_hidden()

    # the terminal improv runs in is closed (SIGHUP ends it as Ctrl-C does)
    server.proc.send_signal(signal.SIGHUP)
    server.proc.wait(60)
    expect(lost).to_be_visible(timeout=10000)
    expect(lost).to_contain_text("improv cannot be reached: the recording may have stopped.")
    expect(lost).to_contain_text("What was recorded until then is kept in the store")
    expect(lost).to_contain_text("start it again (in a terminal: improv serve)")
    health = page.locator(".live .health")
    expect(health).to_contain_text("Recording: improv cannot be reached since 0:")
    expect(health).not_to_contain_text("healthy")
    expect(page.locator(".live .clock-note")).to_have_text(
        "the clock has stopped: improv cannot be reached")
    expect(page.locator("#rec-indicator")).to_be_hidden()
    frozen = clock.inner_text()
    page.get_by_text("Details").click()
    expect(page.locator(".health-details li")).to_contain_text("improv has not answered since")

    # a note typed now is not lost without a word: it stays, and the page says it was not saved
    note = page.get_by_label("Note at this moment")
    note.fill("client hums the tune")
    note.press("Enter")
    expect(page.locator(".live .note-unsaved")).to_contain_text(
        "Your note was not saved: improv cannot be reached")
    expect(note).to_have_value("client hums the tune")
    time.sleep(1.5)  # the clock does not run on
    assert clock.inner_text() == frozen
    shot(page, "record-improv-unreachable")
    with Store(store_path) as store:  # what was recorded is in the store
        (sid,) = store.session_ids()
        assert store.session(sid).manifest["status"] == "complete"


def test_a_recording_that_stops_by_itself_says_why_and_what_was_kept(jack_rig, tmp_path,
                                                                    live_server, page):
    rig = jack_rig
    # the keyboard outlives its server: in a process of its own (tests.rig.players_process)
    players = subprocess.Popen([sys.executable, "-m", "tests.rig.players_process",
                                rig.server.name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, cwd=REPO, env=rig.server.env)
    rig.procs.append(players)
    assert players.stdout.readline().strip() == "ready"
    server = live_server(tmp_path / "store", env=rig.server.env)
    page.goto(server.url + "#/record")
    _choose_kb1(page, rig)
    players.stdin.write("go\n")
    players.stdin.flush()
    assert players.stdout.readline().strip() == "playing"
    _start(page)
    expect(page.locator(".live .elapsed")).not_to_have_text("0:00", timeout=10000)
    time.sleep(1.0)
    rig.server.proc.terminate()  # JACK stops (as QjackCtl's Stop does)
    rig.server.proc.wait(10)
    box = page.locator(".live .stopped-by-itself")
    expect(box).to_be_visible(timeout=60000)
    expect(page.locator("#live-h")).to_have_text("Recording stopped")
    expect(box).to_contain_text("The recording stopped because the audio system (JACK) stopped.")
    expect(box).to_contain_text("Kept in the store: session ")
    expect(box.get_by_role("link", name="Open the session")).to_be_visible()
    time.sleep(1.0)
    assert "#/record" in page.url  # not replaced by the session page without a word
    shot(page, "record-stopped-by-itself")
    box.get_by_role("link", name="Open the session").click()
    page.wait_for_url("**#/session/*")
    expect(page.locator("#status")).to_contain_text(
        "The recording stopped because the audio system (JACK) stopped.")


def test_a_browser_quit_without_a_word_does_not_hold_the_check(jack_rig, tmp_path,
                                                               live_server, page):
    """A browser killed or quit (its pagehide never reaching improv) held its input check for
    10 s: a new window opened meanwhile was told another window checks the keyboard and showed
    "not checked".  Now a check not looked at for 3 s gives way to a new window at once, and a
    window refused asks again by itself; two windows really open still check an input one at a
    time."""
    rig = jack_rig
    rig.midi_player(name="kb1", events=[])
    server = live_server(tmp_path / "store", env=rig.server.env)
    first = page.context.new_page()
    first.goto(server.url + "#/record")
    _choose_kb1(first, rig)
    expect(first.locator(".armed .meter-row[data-n='1']")).to_contain_text("no note yet",
                                                                          timeout=20000)
    # the window goes as with a browser killed: its word on leaving never reaches improv
    first.evaluate("""() => {
      const send = window.fetch;
      window.fetch = (url, opts) => ((opts || {}).method === 'DELETE'
        ? Promise.resolve(new Response('{}')) : send(url, opts));
    }""")
    first.close()
    # a new window a little later (improv no longer waits 10 s for the closed one): it is
    # never told that another window checks the keyboard
    time.sleep(ARMED_WAIT_S - 1.0)
    page.add_init_script("""new MutationObserver(() => {
      if (document.querySelector('.check-busy')) window.busySeen = true;
    }).observe(document, { childList: true, subtree: true });""")
    page.goto(server.url + "#/record")
    _choose_kb1(page, rig)
    row = page.locator(".armed .meter-row[data-n='1']")
    expect(row).to_contain_text("no note yet", timeout=15000)
    assert page.evaluate("window.busySeen === undefined")

    # a second window really open is still refused, and told so
    other = page.context.new_page()
    other.goto(server.url + "#/record")
    _choose_kb1(other, rig)
    expect(other.locator(".armed .check-busy")).to_contain_text(
        "Another window or tab is checking kb1 (MIDI)", timeout=10000)
    time.sleep(ARMED_WAIT_S)
    expect(other.locator(".armed .check-busy")).to_contain_text("Another window or tab")
    expect(row).to_contain_text("no note yet")
    expect(page.locator(".armed .check-taken")).to_have_count(0)
    other.close()


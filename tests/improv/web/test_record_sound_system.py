"""The Record page when the desktop's sound system (PulseAudio) stops, and a lost input's
meter, in Chromium with the device lists and the recording's status answered by the test
(review rev-pulse, findings 1, 2 and 10).

Before: a setup on ALSA's ``pulse`` read "pulse is not connected: plug it in again" and "No
microphone or audio input found. Connect one"; while recording "pulse unplugged: plug it in
again", its meter standing at "-6.1 dBFS, loud" for as long as nothing came in; and a Record
tab open before another tab started the recording showed "(…, 0:00)" for good.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from improv.capture.setups import parse_player_spec, save_setup

pytestmark = [pytest.mark.browser]

STOPPED = {"name": "PulseAudio", "running": False, "devices": ["pulse", "default", "pipewire"]}


def _json(route, body):
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


def test_a_stopped_sound_system_is_not_a_device_to_plug_in(tmp_path, live_server, page):
    store_path = tmp_path / "store"
    store_path.mkdir()
    save_setup(store_path, "Desk", inputs=[parse_player_spec("client=audio:pulse:1")],
               options={})
    server = live_server(store_path)
    lists = {"audio": [], "midi": [], "hidden": [], "problems": [], "sound_system": STOPPED}
    page.route("**/api/devices*", lambda route: _json(route, lists))
    page.goto(server.url + "#/record")
    expect(page.get_by_label("Saved setup", exact=True)).to_have_value("Desk")
    row = page.locator(".input-row[data-n='1'] .row-problem")
    expect(row).to_contain_text("Input 1 (client): pulse cannot be reached: the computer's "
                                "sound system (PulseAudio) stopped. Start it again (or log out "
                                "and in)", timeout=15000)
    expect(row).not_to_contain_text("plug it in")
    notes = page.locator("form.record-setup .devices")
    expect(notes).to_contain_text("The computer's sound system (PulseAudio) stopped: its inputs "
                                  "(pulse, default, pipewire) cannot be reached.")
    expect(notes).not_to_contain_text("No microphone or audio input found")
    # the same row on a computer whose sound system runs: the device is unplugged
    lists["sound_system"] = {**STOPPED, "running": True}
    expect(row).to_contain_text("pulse is not connected: plug it in again", timeout=15000)
    expect(notes).to_contain_text("No microphone or audio input found")


def test_the_device_lists_say_whether_the_sound_system_runs(tmp_path, client_for,
                                                            monkeypatch):
    """A PulseAudio socket that refuses (the server was killed): ``running`` false."""
    from improv.capture import sound_system

    monkeypatch.setattr(sound_system, "system_name", lambda env=None: "PulseAudio")
    (tmp_path / "pulse").mkdir()  # its folder stays, the socket refuses or is gone
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'pulse' / 'native'}")
    c = client_for(tmp_path / "store")
    assert c.get("/api/devices").json()["sound_system"] == STOPPED
    monkeypatch.setattr(sound_system, "system_name", lambda env=None: None)  # none here
    assert c.get("/api/devices").json()["sound_system"] is None


def _state(t, *, connected, sound_system=None, peak=-6.1):
    audio = {"kind": "audio", "name": "pulse", "device": "pulse",
             "label": "PulseAudio sound server (pulse)", "channels": [1],
             "connected": connected, "peak_dbfs": peak, "clipped_blocks": 0}
    if sound_system:
        audio["sound_system"] = sound_system
    return {
        "active": True, "elapsed_s": t, "client": "C07", "title": None, "therapist": "T01",
        "markers": 0, "marks": [], "live": None, "warnings": [],
        "health": {"healthy": connected, "line": "healthy" if connected else "x", "details": []},
        "disk": {"free_bytes": 50e9, "time_left_s": 36000},
        "players": {"client": {"inputs": [audio]}},
    }


def test_a_lost_inputs_meter_is_empty_and_says_why(tmp_path, live_server, page):
    server = live_server(tmp_path / "store")
    now = {"state": _state(1.0, connected=True)}
    page.route("**/api/recording", lambda route: _json(route, now["state"]))
    page.goto(server.url)
    page.goto(f"{server.base}/#/record")
    row = page.locator(".live .meter-row[data-player=client]")
    expect(row.locator(".db")).to_have_text("-6.1 dBFS, loud")
    # the sound system stopped: its last level no longer stands, the meter says why
    now["state"] = _state(2.0, connected=False, sound_system="PulseAudio")
    expect(row.locator(".db")).to_have_text("no signal: the sound system (PulseAudio) stopped")
    meter = row.get_by_role("meter")
    expect(meter).to_have_attribute("aria-valuetext",
                                    "no signal: the sound system (PulseAudio) stopped")
    expect(meter).to_have_attribute("aria-valuenow", "-60.0")
    assert row.locator(".fill").evaluate("e => e.style.width") == "0%"
    assert row.locator(".hold").count() == 0
    expect(row.locator(".input-notice")).to_have_text(
        "PulseAudio sound server (pulse) ch 1: the computer's sound system (PulseAudio) stopped. "
        "Start it again (or log out and in); the recording goes on and picks it up.")
    # a device unplugged: the same empty meter, in its words
    now["state"] = _state(3.0, connected=False, peak=-6.1)
    expect(row.locator(".db")).to_have_text("no signal: unplugged")
    expect(row.locator(".input-notice")).to_contain_text("unplugged: plug it in again")
    # back: its level again
    now["state"] = _state(4.0, connected=True, peak=-20.0)
    expect(row.locator(".db")).to_have_text("-20.0 dBFS, good")


def test_a_recording_started_in_another_tab_shows_its_time_running(tmp_path, live_server,
                                                                   page):
    server = live_server(tmp_path / "store")
    now = {"state": {"active": False}}
    page.route("**/api/recording", lambda route: _json(route, now["state"]))
    page.goto(server.url + "#/record")
    expect(page.get_by_role("button", name="Start recording")).to_be_visible()
    # another tab starts one: this form says so within its poll, with the time then ...
    now["state"] = _state(0.0, connected=True)
    notice = page.locator(".running-elsewhere")
    expect(notice).to_contain_text("A recording is running (C07 · therapist T01, 0:0",
                                   timeout=10000)
    # ... and the time goes on with the recording's (it stood at "0:00" before)
    now["state"] = _state(15.0, connected=True)
    expect(notice).to_contain_text("A recording is running (C07 · therapist T01, 0:1",
                                   timeout=10000)
    assert notice.locator(".elsewhere-time").get_attribute("aria-live") == "off"
    # it ends: said, and the page can record again
    now["state"] = {"active": False}
    expect(notice).to_contain_text("The recording that was running has stopped.",
                                   timeout=10000)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("button", name="Start recording")).to_be_visible()


def test_the_details_say_the_sound_system_stopped(tmp_path):
    """The health line's Details for an input gone with the sound system: no "plug it in"."""
    from types import SimpleNamespace

    from improv.web.recording import Recording

    rec = Recording(tmp_path / "store")
    rec._heard = set()
    cap = SimpleNamespace(players={"client": [1]},
                          device=SimpleNamespace(name="pulse", hostapi="ALSA"))
    st = _state(20.0, connected=False, sound_system="PulseAudio")
    st["players"]["client"]["inputs"][0] = {"kind": "audio", "name": "pulse",
                                            "connected": False, "peak_dbfs": None,
                                            "sound_system": "PulseAudio"}
    rec._describe_inputs(SimpleNamespace(audio=[cap], midi=None), st)
    assert st["health"]["details"] == [
        "client on PulseAudio sound server (pulse) ch 1: the computer's sound system "
        "(PulseAudio) stopped; start it again (or log out and in); the recording goes on and "
        "picks it up (nothing of it is recorded until then)"]

"""The Record page's API: clients to choose from, a new client only on purpose, the input
check, editing a marker, device lists while recording, one recording per input."""

from __future__ import annotations

import pytest

from improv.capture.setups import parse_player_spec
from sessions.store import Store
from tests.improv.web.test_api import snapshot

PAGE_A, PAGE_B = "page-a-0001", "page-b-0002"  # two Record pages' input check ids


def test_client_is_chosen_case_insensitively_and_new_only_on_purpose(demo_store, client_for):
    path, _ = demo_store
    c = client_for(path)
    assert c.get("/api/recording/clients").json()["clients"] == ["DEMO"]
    before = snapshot(path)
    r = c.post("/api/recording", json={"client": "Z99", "new_client": False,
                                       "players": ["client=midi:no-such-port-4711"]})
    assert r.status_code == 400
    assert r.json()["error"] == ("there is no client 'Z99' yet; choose an existing client or "
                                 "create the new code on purpose")
    assert snapshot(path) == before


def test_input_check_and_marker_errors_without_devices(tmp_path, client_for):
    path = tmp_path / "store"
    c = client_for(path)
    assert c.get(f"/api/recording/arm?check={PAGE_A}").json() == {
        "armed": False, "inputs": [], "ended": None}
    r = c.post("/api/recording/arm", json={"check": PAGE_A,
                                           "players": ["client=midi:no-such-port-4711"],
                                           "options": {"midi_api": "jack",
                                                       "jack_server": "improv-none-4711"}})
    assert r.status_code == 409 and r.json()["error"].startswith("no MIDI"), r.text
    r = c.post("/api/recording/arm", json={"check": PAGE_A, "players": ["client=midi"]})
    assert r.status_code == 400 and "PLAYER=midi:PORT" in r.json()["error"]
    assert c.get(f"/api/recording/arm?check={PAGE_A}").json()["armed"] is False
    assert c.delete(f"/api/recording/arm?check={PAGE_A}").status_code == 200
    # a check belongs to a page: without an id, or with one that is no id, nothing is done
    r = c.post("/api/recording/arm", json={"players": ["client=midi:kb1"]})
    assert r.status_code == 422 and "check: Field required" in r.json()["error"], r.text
    assert c.get("/api/recording/arm").status_code == 422
    r = c.get("/api/recording/arm?check=../x")
    assert r.status_code == 400 and r.json()["error"] == (
        "check must be 8-64 letters, digits, '_' or '-', got '../x'")
    r = c.patch("/api/recording/marker/a-0123456789", json={"text": "x"})
    assert r.status_code == 409 and r.json()["error"] == "no recording is running"
    assert not (path / "sessions").exists() or not list((path / "sessions").iterdir())


@pytest.mark.jack
def test_web_recording_of_an_input_being_recorded_is_refused(jack_rig, tmp_path, client_for):
    """A recording that holds kb1 (another recorder on the same store) makes the web app's
    Start refuse naming the port; its markers can be edited, its device list is the last one
    while it records."""
    from improv.capture.recorder import Recorder

    jack_rig.midi_player(name="kb1", events=[])
    opts = {"midi_api": "jack", "jack_server": jack_rig.server.name}
    path = tmp_path / "store"
    c = client_for(path)
    with Store(path) as store:
        rec = Recorder(store=store, client="C07", inputs=[parse_player_spec("client=midi:kb1")],
                       **opts).start()
        try:
            r = c.post("/api/recording", json={"client": "C07", "players": ["p=midi:kb1"],
                                               "options": opts})
            assert r.status_code == 409
            assert r.json()["error"].startswith("kb1 (MIDI) is being recorded already")
        finally:
            rec.stop()
    r = c.post("/api/recording", json={"client": "C07", "players": ["client=midi:kb1"],
                                       "options": opts, "title": "Morning"})
    assert r.status_code == 201, r.text
    try:
        c.post("/api/recording/marker", json={"kind": "note", "text": "first"})
        (mark,) = c.get("/api/recording").json()["marks"]
        r = c.patch(f"/api/recording/marker/{mark['id']}", json={"text": "second"})
        assert r.status_code == 200 and r.json()["text"] == "second"
        assert c.patch("/api/recording/marker/a-nope", json={"text": "x"}).status_code == 404
        st = c.get("/api/recording").json()
        assert st["health"]["line"] == "healthy" and st["disk"]["free_bytes"] > 0
        assert c.get("/api/devices").json().get("stale") is True
        r = c.post("/api/recording/arm", json={"check": PAGE_A, "players": ["p=midi:kb1"]})
        assert r.status_code == 409 and r.json()["error"].startswith("a recording is running")
    finally:
        sid = c.post("/api/recording/stop").json()["result"]["id"]
    with Store(path) as store:
        s = store.session(sid)
        assert s.manifest["title"] == "Morning"
        (ann,) = s.annotations()
        assert ann["text"] == "second" and ann["rev"] == 2


@pytest.mark.jack
def test_armed_inputs_nobody_looks_at_are_closed(jack_rig, tmp_path, client_for, monkeypatch):
    """A page closed without disarming must not keep the inputs open; another page that
    keeps looking at its own check keeps it."""
    import improv.web.recording as recording
    from tests.rig.jackrig import wait_for

    monkeypatch.setattr(recording, "ARMED_IDLE_S", 1.0)
    kb = jack_rig.midi_player(name="kb1", events=[])
    jack_rig.midi_player(name="kb2", events=[])
    opts = {"midi_api": "jack", "jack_server": jack_rig.server.name}
    c = client_for(tmp_path / "store")
    r = c.post("/api/recording/arm", json={"check": PAGE_A, "players": ["client=midi:kb1"],
                                           "options": opts})
    assert r.status_code == 201 and r.json()["armed"] is True, r.text
    assert r.json()["inputs"][0]["name"] == "kb1:out"
    r = c.post("/api/recording/arm", json={"check": PAGE_B, "players": ["client=midi:kb2"],
                                           "options": opts})
    assert r.status_code == 201, r.text
    wait_for(kb.is_connected, timeout=10, what="the input check's MIDI port")

    def closed_while_b_looks():
        assert c.get(f"/api/recording/arm?check={PAGE_B}").json()["armed"] is True
        return not kb.is_connected()

    wait_for(closed_while_b_looks, timeout=10, interval=0.2, what="page A's check closed")
    assert c.get(f"/api/recording/arm?check={PAGE_A}").json() == {
        "armed": False, "inputs": [], "ended": None}  # not looked at: the page arms again


@pytest.mark.jack
def test_two_pages_never_check_one_input_at_once(jack_rig, tmp_path, client_for):
    """Two Record pages (windows or tabs) each have their own check: inputs of their own are
    checked side by side; an input the other page checks is refused saying so, or taken over
    on request, and the page that had it is told; the audio inputs are checked by one page at
    a time (a second would reopen the audio system under the first)."""
    import numpy as np

    jack_rig.midi_player(name="kb1", events=[])
    jack_rig.midi_player(name="kb2", events=[])
    jack_rig.audio_player(name="mic", signals=[np.zeros(4800, dtype=np.float32)])
    jack_rig.audio_player(name="quiet", signals=[np.zeros(4800, dtype=np.float32)])
    opts = {"midi_api": "jack", "audio_api": "JACK", "jack_server": jack_rig.server.name}
    c = client_for(tmp_path / "store")

    def arm(page, *players, take_over=False):
        return c.post("/api/recording/arm", json={"check": page, "players": list(players),
                                                  "options": opts, "take_over": take_over})

    def specs(page):
        return [i["spec"] for i in c.get(f"/api/recording/arm?check={page}").json()["inputs"]]

    assert arm(PAGE_A, "client=midi:kb1", "therapist=audio:mic:1").status_code == 201
    assert arm(PAGE_B, "client=midi:kb2").status_code == 201  # its own inputs: both checked
    assert specs(PAGE_A) == ["client=midi:kb1", "therapist=audio:mic:1"]
    assert specs(PAGE_B) == ["client=midi:kb2"]
    r = arm(PAGE_B, "client=midi:kb2", "drums=midi:kb1")
    assert r.status_code == 409 and r.json()["error"] == (
        "Another window or tab is checking kb1 (MIDI): an input can be checked in one window at "
        "a time")
    assert specs(PAGE_A) == ["client=midi:kb1", "therapist=audio:mic:1"]  # A keeps its check
    r = arm(PAGE_B, "room=audio:quiet:1")
    assert r.status_code == 409 and r.json()["error"] == (
        "Another window or tab is checking the audio inputs (mic ch 1): an input can be "
        "checked in one window at a time")
    # "Check here instead": B takes the keyboard and the audio; A is told, and not reopened
    r = arm(PAGE_B, "drums=midi:kb1", "room=audio:quiet:1", take_over=True)
    assert r.status_code == 201, r.text
    assert specs(PAGE_B) == ["drums=midi:kb1", "room=audio:quiet:1"]
    assert c.get(f"/api/recording/arm?check={PAGE_A}").json() == {
        "armed": False, "inputs": [], "ended": "taken_over"}
    # a page's new check replaces its own earlier one (no clash with itself); leaving closes
    assert arm(PAGE_B, "drums=midi:kb1").status_code == 201
    assert c.delete(f"/api/recording/arm?check={PAGE_B}").json() == {"armed": False}
    assert c.get(f"/api/recording/arm?check={PAGE_B}").json()["armed"] is False
    assert arm(PAGE_A, "client=midi:kb1", "therapist=audio:mic:1").status_code == 201
    assert c.get(f"/api/recording/arm?check={PAGE_A}").json()["armed"] is True
    c.delete(f"/api/recording/arm?check={PAGE_A}")


@pytest.mark.jack
def test_an_input_silent_since_the_start_makes_the_recording_unhealthy(jack_rig, tmp_path,
                                                                     client_for, monkeypatch):
    """A microphone on the wrong channel (nothing ever heard) and a keyboard nobody plays: after
    SILENT_WARN_S the health line says so and is not "healthy"; a microphone that is heard is
    never named.  The status says whose recording it is and each audio input's channels."""
    import numpy as np

    import improv.web.recording as recording
    from tests.rig.jackrig import tone, wait_for

    monkeypatch.setattr(recording, "SILENT_WARN_S", 1.5)
    jack_rig.midi_player(name="kb1", events=[])
    mic = jack_rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0,
                                                          duration_s=30.0, amplitude=0.3)])
    jack_rig.audio_player(name="quiet", signals=[np.zeros(48000, dtype=np.float32)])
    mic.start(delay_s=0.0)
    opts = {"midi_api": "jack", "audio_api": "JACK", "jack_server": jack_rig.server.name}
    c = client_for(tmp_path / "store")
    r = c.post("/api/recording", json={
        "client": "C07", "title": "Morning", "therapist": "T01", "options": opts,
        "players": ["client=midi:kb1", "therapist=audio:quiet:1", "room=audio:mic:1"]})
    assert r.status_code == 201, r.text
    try:
        st = r.json()
        assert (st["client"], st["title"], st["therapist"]) == ("C07", "Morning", "T01")
        (room,) = st["players"]["room"]["inputs"]
        assert room["device"] == "mic" and room["channels"] == [1]
        assert "silent_since_start" not in room
        st = wait_for(lambda: (lambda s: s if "silent_since_start" in
                               s["players"]["therapist"]["inputs"][0] else None)(
            c.get("/api/recording").json()), timeout=15, what="the silent microphone named")
        health = st["health"]
        assert health["healthy"] is False
        assert "therapist: no sound for " in health["line"], health["line"]
        assert "client: no MIDI for " in health["line"]
        assert "room" not in health["line"]
        assert ("therapist on quiet ch 1: nothing heard since the recording started; check the "
                "microphone, its cable and its channel") in health["details"]
        assert st["players"]["client"]["inputs"][0]["silent_since_start"] is True
        assert "silent_since_start" not in st["players"]["room"]["inputs"][0]
    finally:
        c.post("/api/recording/stop")

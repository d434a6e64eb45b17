"""A web recording tells what happened to it: an input silent since the start is written into
the session's journal (not only said on the page)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.jack
def test_an_input_silent_since_the_start_is_written_into_the_session(jack_rig, tmp_path,
                                                                       client_for, monkeypatch):
    """The live "no sound for N s" warning goes into journal.jsonl and the session's events
    once per input, with the player, the input and the time, even while no page asks for the
    status; an input that was heard is never written."""
    import numpy as np

    import improv.web.recording as recording
    from tests.rig.jackrig import tone, wait_for

    monkeypatch.setattr(recording, "SILENT_WARN_S", 1.0)
    jack_rig.midi_player(name="kb1", events=[])
    mic = jack_rig.audio_player(name="mic", signals=[tone(sr=48000, freq_hz=440.0,
                                                          duration_s=30.0, amplitude=0.3)])
    jack_rig.audio_player(name="quiet", signals=[np.zeros(48000, dtype=np.float32)])
    mic.start(delay_s=0.0)
    opts = {"midi_api": "jack", "audio_api": "JACK", "jack_server": jack_rig.server.name}
    store = tmp_path / "store"
    c = client_for(store)
    r = c.post("/api/recording", json={
        "client": "C07", "therapist": "T01", "options": opts,
        "players": ["client=midi:kb1", "therapist=audio:quiet:1", "room=audio:mic:1"]})
    assert r.status_code == 201, r.text
    sid = r.json()["session"]
    try:
        # nobody asks for the status: the recording's own watch says it
        journal = store / "sessions" / sid / "journal.jsonl"

        def silent_written():
            entries = [json.loads(line) for line in journal.read_text().splitlines() if line]
            said = [e for e in entries if e["kind"] == "input_silent"]
            return said if len(said) >= 2 else None

        wait_for(silent_written, timeout=20, what="the silent inputs journaled")
        for _ in range(3):  # asked again: not written again
            c.get("/api/recording")
    finally:
        assert c.post("/api/recording/stop").status_code == 200
    m = c.get(f"/api/sessions/{sid}").json()
    said = [e for e in m["events"] if e["kind"] == "input_silent"]
    by_player = {e["player"]: e for e in said}
    assert sorted(by_player) == ["client", "therapist"], said  # once each; the room was heard
    assert by_player["therapist"]["input_kind"] == "audio"
    assert by_player["therapist"]["channels"] == [1]
    assert by_player["therapist"]["label"] == "quiet"
    assert by_player["client"]["input_kind"] == "midi"
    assert by_player["client"]["input"] == "kb1:out"
    assert all(1.0 <= e["t"] < 15.0 for e in said), said


@pytest.mark.jack
def test_an_unplugged_input_is_in_the_details_as_in_the_health_line(jack_rig, tmp_path,
                                                                     client_for):
    """While a keyboard is unplugged the health line says so, and its Details say the same
    (they said "Every input is arriving complete": an input unplugged now was not counted)."""
    from tests.rig.jackrig import wait_for

    kb = jack_rig.midi_player(name="kb1", events=[])
    jack_rig.midi_player(name="kb2", events=[])
    opts = {"midi_api": "jack", "jack_server": jack_rig.server.name}
    c = client_for(tmp_path / "store")
    r = c.post("/api/recording", json={"client": "C07", "options": opts,
                                       "players": ["client=midi:kb1", "therapist=midi:kb2"]})
    assert r.status_code == 201, r.text
    try:
        assert c.get("/api/recording").json()["health"]["details"] == []
        kb.close()
        st = wait_for(lambda: (lambda s: s if not s["health"]["healthy"] else None)(
            c.get("/api/recording").json()), timeout=15, what="the keyboard unplugged")
        assert "kb1 unplugged" in st["health"]["line"], st["health"]
        assert st["health"]["details"][0] == (
            "client on kb1 (MIDI): unplugged now; plug it in again, the recording goes on and "
            "picks it up (nothing of it is recorded until then)")
        assert not any("therapist" in d for d in st["health"]["details"])
    finally:
        c.post("/api/recording/stop")

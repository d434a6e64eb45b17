"""After a recording stops (or an import finishes): the waveform overview and the analysis are
made in the background, and ``GET /api/sessions/{id}/analysis`` says how far it is."""

from __future__ import annotations

import time

import pytest

from tests.improv.web.test_api import _wav_bytes
from tests.rig.jackrig import wait_for


def _analysis_when_done(c, sid, *, timeout=120.0):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(f"/api/sessions/{sid}/analysis").json()
        seen.append(r["status"])
        if r["status"] != "analysing":
            return r, seen
        assert r["progress"]["state"] in ("queued", "running")
        assert 0 <= r["progress"]["fraction"] <= 1
        time.sleep(0.1)
    raise AssertionError(f"still analysing after {timeout} s: {seen[-3:]}")


@pytest.mark.jack
def test_background_analysis_is_done_after_stop(jack_rig, tmp_path, client_for):
    kb = jack_rig.midi_player(name="kb1", events=[(0.25 * k, bytes([0x90, 60, 90]))
                                                   for k in range(12)])
    c = client_for(tmp_path / "store")
    r = c.post("/api/recording", json={
        "client": "C07", "players": ["client=midi:kb1"],
        "options": {"midi_api": "jack", "jack_server": jack_rig.server.name}})
    assert r.status_code == 201, r.text
    try:
        wait_for(kb.is_connected, timeout=15, what="MIDI wiring")
        kb.start(delay_s=0.1)
        kb.wait_done(10)
        time.sleep(0.3)
    finally:
        done = c.post("/api/recording/stop")
    assert done.status_code == 200
    sid = done.json()["result"]["id"]
    r, seen = _analysis_when_done(c, sid)
    assert r["status"] == "ok", seen  # never "not analysed": the therapist sees it coming
    assert "not analysed" not in seen
    summary = r["players"]["client"]["sources"]["midi"]["summary"]
    assert summary["n_notes"] == 12
    assert c.app.state.background.progress(sid)["state"] == "done"


def test_import_is_analysed_and_its_overview_made(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    up = c.post("/api/uploads", content=_wav_bytes(seconds=3.0),
                headers={"X-Filename": "room.wav"}).json()["upload"]
    r = c.post("/api/import", json={"uploads": [up], "client": "C07",
                                    "players": ["therapist=room.wav:1"]})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r, seen = _analysis_when_done(c, sid)
    assert r["status"] == "ok", seen
    assert r["players"]["therapist"]["sources"]["audio"]["summary"]
    folder = tmp_path / "store" / "sessions" / sid / "cache"
    assert any(p.name.startswith("peaks") for p in folder.iterdir()), list(folder.iterdir())


def test_a_session_this_server_did_not_queue_is_not_analysed(tmp_path, client_for, store):
    w = store.create_session(client="C07", players=["client"])
    sid = w.finalize()["id"]
    c = client_for(store.root)
    assert c.get(f"/api/sessions/{sid}/analysis").json()["status"] == "not analysed"
    assert c.app.state.background.progress(sid) is None


def test_correcting_a_title_over_the_api_keeps_the_original(tmp_path, client_for, store):
    w = store.create_session(client="C07", players=["client"], title="Sesion 1")
    sid = w.finalize()["id"]
    c = client_for(store.root)
    r = c.patch(f"/api/sessions/{sid}", json={"title": "First session", "by": "T01"})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "First session"
    s = c.get(f"/api/sessions/{sid}").json()
    assert s["title"] == "First session" and s["number"] == 1
    (rev,) = c.get(f"/api/sessions/{sid}/revisions").json()["revisions"]
    assert (rev["from"], rev["to"], rev["by"]) == ("Sesion 1", "First session", "T01")
    assert c.get("/api/sessions").json()["sessions"][0]["number"] == 1
    bad = c.patch(f"/api/sessions/{sid}", json={"client": "bad code!"})
    assert bad.status_code == 400 and "pseudonym code" in bad.json()["error"]
    assert c.get(f"/api/sessions/{sid}").json()["client"] == "C07"

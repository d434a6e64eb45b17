"""Deleting a session the web app is still measuring (review 31): 'sessions delete' takes the
session's locks since review 31 and refused while the analysis held them, so a therapist who
deleted a demo or a test recording at once read "in use by another improv command". The web
app now stops its own analysis of the session first; a deletion another command refuses puts
the analysis back in the queue."""

from __future__ import annotations

import time

from sessions.locks import folder_lock
from sessions.store import Store


def test_a_session_being_measured_is_deleted_at_once(tmp_path, client_for):
    c = client_for(tmp_path / "store")
    sid = c.post("/api/demo").json()["id"]
    after = c.app.state.background
    deadline = time.monotonic() + 60
    while (after.progress(sid) or {}).get("step") != "measures":  # measuring now
        assert time.monotonic() < deadline, after.progress(sid)
        time.sleep(0.02)
    r = c.delete(f"/api/sessions/{sid}")
    assert r.status_code == 200, r.text
    with Store(tmp_path / "store") as store:
        assert sid not in store.session_ids()
    after.wait(sid, timeout=60)
    assert after.progress(sid)["state"] in ("failed", "done")


def test_a_refused_deletion_measures_the_session_after_all(tmp_path, client_for, monkeypatch):
    import improv.web.api_sessions as api

    monkeypatch.setattr(api, "WEB_DELETE_WAIT_S", 0.3)
    c = client_for(tmp_path / "store")
    sid = c.post("/api/demo").json()["id"]
    after = c.app.state.background
    folder = tmp_path / "store" / "sessions" / sid
    with folder_lock(folder / "audio", shared=True):  # a backup copying it
        r = c.delete(f"/api/sessions/{sid}")
    assert r.status_code == 409, r.text
    assert "nothing was deleted" in r.json()["error"]
    assert folder.is_dir()
    deadline = time.monotonic() + 120
    while after.progress(sid)["state"] != "done":
        assert time.monotonic() < deadline, after.progress(sid)
        time.sleep(0.05)
    assert c.get(f"/api/sessions/{sid}/analysis").json().get("status") != "analysing"


def test_the_analysis_of_a_deleted_session_stops(tmp_path, client_for):
    """A session deleted while its analysis waits for another one (the analysis lock) is not
    analysed: the job stops, saying why."""
    c = client_for(tmp_path / "store")
    after = c.app.state.background
    with after.lock:  # another analysis runs
        sid = c.post("/api/demo").json()["id"]
        deadline = time.monotonic() + 60
        while (after.progress(sid) or {}).get("step") != "measures":
            assert time.monotonic() < deadline, after.progress(sid)
            time.sleep(0.02)
        assert c.delete(f"/api/sessions/{sid}").status_code == 200
    after.wait(sid, timeout=60)
    assert after.progress(sid) == {"state": "failed", "step": "measures", "fraction": 0.0,
                                   "reason": "the session was deleted"}

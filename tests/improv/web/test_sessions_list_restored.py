"""The Sessions page lists a session restored from a backup as it is again (noticed in session
36): marked unreadable when a command could not read it, it stayed so until its page was opened
or the store reindexed (:meth:`sessions.store.Store.reread_unreadable`)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.sessions.helpers import import_weekly_session

START = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)


@pytest.fixture
def sid(store, tmp_path, rng):
    return import_weekly_session(store, tmp_path, week=0, notes=20, duration=20.0, rng=rng,
                                 start=START)



def test_the_web_list_shows_a_restored_session_as_it_is(store, store_path, sid, client_for):
    from sessions.errors import UnreadableSessionError

    manifest = store.folder(sid) / "session.json"
    good = manifest.read_bytes()
    manifest.write_bytes(b"{")
    with pytest.raises(UnreadableSessionError):
        store.session(sid)
    c = client_for(store_path)
    assert [r["status"] for r in c.get("/api/sessions").json()["sessions"]] == ["unreadable"]
    manifest.write_bytes(good)
    (row,) = c.get("/api/sessions").json()["sessions"]
    assert row["status"] == "complete" and row["client"] == "C07"

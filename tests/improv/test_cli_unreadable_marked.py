"""A session that a command finds unreadable is listed as unreadable from then on, whichever
command found it (``Store.session``): before, only the web app's session page marked it, and
``improv sessions list`` went on listing it as complete after ``sessions show`` had failed on it.
Marking happens on the failure path only: opening a readable session asks the catalog nothing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.sessions.helpers import import_weekly_session

START = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)


@pytest.fixture
def sid(store, tmp_path, rng):
    return import_weekly_session(store, tmp_path, week=0, notes=20, duration=20.0, rng=rng,
                                 start=START)


def _status(store_path, sid):
    from sessions.store import Store

    s = Store(store_path)
    try:
        return s.catalog.status(sid)
    finally:
        s.close()


@pytest.mark.parametrize("command", [
    ["sessions", "show", "{sid}"],
    ["sessions", "show", "{sid}", "--json"],
    ["notes", "{sid}", "--show"],
    ["annotations", "{sid}"],
])
def test_a_command_that_cannot_read_a_session_lists_it_unreadable(run_cli, store, store_path,
                                                                  sid, command):
    manifest = store.folder(sid) / "session.json"
    damaged = manifest.read_bytes()[:200]
    manifest.write_bytes(damaged)
    assert _status(store_path, sid) == "complete"
    r = run_cli(*[a.format(sid=sid) for a in command])
    assert r.exit_code == 1 and "cannot be read" in r.stderr  # "error: ", or JSON
    assert r.stderr.count("\n") == 1
    assert _status(store_path, sid) == "unreadable"
    assert manifest.read_bytes() == damaged  # nothing changed in the session's folder
    (row,) = run_cli("sessions", "list", "--json").json()
    assert row["status"] == "unreadable"


def test_opening_a_readable_session_asks_the_catalog_nothing(store, sid):
    asked = []
    store.catalog.db.set_trace_callback(asked.append)
    try:
        assert store.session(sid).id == sid
    finally:
        store.catalog.db.set_trace_callback(None)
    assert asked == []


def test_a_read_only_store_is_not_marked(store, store_path, sid, monkeypatch):
    """``note_readability`` writes nothing on a store opened read-only."""
    from sessions.errors import UnreadableSessionError
    from sessions.store import Store

    (store.folder(sid) / "session.json").write_text("{")
    monkeypatch.setattr("os.access", lambda *a, **k: False)
    ro = Store(store_path)
    try:
        with pytest.raises(UnreadableSessionError):
            ro.session(sid)
    finally:
        ro.close()
    monkeypatch.undo()
    assert _status(store_path, sid) == "complete"


def test_a_session_restored_from_a_backup_is_listed_as_it_is_again(run_cli, store, store_path,
                                                                    sid):
    """Restored (its manifest copied back), the next list shows it as it was: before, it stayed
    "unreadable" until its web page was opened or the store reindexed (noticed in session 36)."""
    manifest = store.folder(sid) / "session.json"
    good = manifest.read_bytes()
    manifest.write_bytes(good[:200])
    assert run_cli("sessions", "show", sid).exit_code == 1
    assert _status(store_path, sid) == "unreadable"
    manifest.write_bytes(good)  # restored from the backup
    (row,) = run_cli("sessions", "list", "--json").json()
    assert row["status"] == "complete" and row["number"] == 1
    assert _status(store_path, sid) == "complete"


def test_a_session_still_damaged_stays_unreadable(store, store_path, sid):
    (store.folder(sid) / "session.json").write_text("{")
    with pytest.raises(Exception, match="cannot be read"):
        store.session(sid)
    assert store.reread_unreadable() == []
    assert _status(store_path, sid) == "unreadable"

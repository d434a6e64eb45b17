"""An annotation change for a session deleted meanwhile is refused in one line and written
nowhere: one that waited for the session's lock while 'sessions delete' held it went into the
deleted folder and was said to be saved (review 31)."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest

from sessions.annotation_edits import add_annotations
from sessions.errors import UnknownSessionError


def _session(store) -> str:
    w = store.create_session(client="C07", players=["client"])
    w.add_midi_input("Keys", player="client")
    w.midi(0.1, player="client", port="Keys", data=bytes([0x90, 60, 100]))
    w.midi(0.2, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    sid = w.finalize(duration_s=3.0)["id"]
    add_annotations(store, sid, [{"t": 1.0, "text": "first"}])
    return sid


def test_an_annotation_that_waited_while_the_session_was_deleted_is_not_saved(store,
                                                                              tmp_path):
    sid = _session(store)
    folder = store.folder(sid)
    log = folder / "annotations.jsonl"
    fd = os.open(log, os.O_RDONLY)  # as 'sessions delete' holds the session's locks
    fcntl.flock(fd, fcntl.LOCK_EX)
    outcome = {}

    def annotate():
        try:
            outcome["ok"] = add_annotations(store, sid, [{"t": 2.0, "text": "second"}])
        except UnknownSessionError as exc:
            outcome["error"] = str(exc)

    worker = threading.Thread(target=annotate)
    worker.start()
    time.sleep(0.3)  # the change waits for the lock
    assert worker.is_alive()
    gone = tmp_path / "trash"
    os.rename(folder, gone)  # what delete does before removing the folder
    os.close(fd)
    worker.join(10)
    assert outcome == {"error": f"session {sid} was deleted while the annotation change "
                                "waited for it; nothing was saved"}
    assert b"second" not in (gone / "annotations.jsonl").read_bytes()


def test_an_annotation_for_a_deleted_session_is_refused(store, run_cli):
    sid = _session(store)
    session = store.session(sid)
    assert run_cli("sessions", "delete", sid, "--yes").exit_code == 0
    from sessions.annotation_edits import _revisions_lock

    with pytest.raises(UnknownSessionError, match="was deleted; the annotation change was "
                                                  "not saved"), _revisions_lock(session):
        pass
    assert not store.folder(sid).exists()

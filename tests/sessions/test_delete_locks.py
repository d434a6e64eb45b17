"""``sessions delete`` against the other commands using the session (review 31, M3).

A deletion renames the folder away only while nobody holds the session's locks: a backup
copying it keeps it whole (and ``backup --check`` finds it whole), an analysis or a compression
reading it refuses the deletion in one line, and a compression that waited for a deletion says
the session was deleted.  Real files, real ``flock`` locks, real threads.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from sessions import backup as bk
from sessions import locks, partial_output
from sessions import manifest as mf
from sessions import store as store_mod
from sessions.backup_restore import check_backup
from sessions.compress import compress_session
from sessions.errors import SessionBusyError, UnknownSessionError
from tests.sessions.helpers import tree_snapshot

SR = 48000


def _session(store, client: str = "C07") -> str:
    """A complete session with 16-bit exact audio (compressible), MIDI and an annotation."""
    y = (np.round(0.3 * np.sin(np.arange(SR * 2) / 20.0) * 2**15) / 2**15).astype(np.float32)
    w = store.create_session(client=client, players=["client"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"client": [1]}, t0=0.0)
    a.write(y[:, None].copy())
    w.midi(0.5, player="client", port="Keys", data=bytes([0x90, 60, 100]))
    w.marker(1.0, text="a marker")
    return w.finalize(duration_s=2.0)["id"]


def _blocked_on(path: Path, *, timeout: float = 20.0) -> None:
    """Wait until some process waits for a ``flock`` on ``path`` (a '->' line of /proc/locks)."""
    ino = os.stat(path).st_ino
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open("/proc/locks") as f:
            for line in f:
                if "->" in line and line.split()[-3].endswith(f":{ino}"):
                    return
        time.sleep(0.01)
    raise AssertionError(f"nobody waits for a lock on {path}")


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(store_mod, "DELETE_WAIT_S", 0.2)


@pytest.mark.parametrize("held", ["audio", "folder", "annotations"])
def test_delete_refuses_while_another_command_holds_the_session(store, run_cli, short_wait,
                                                                 held):
    sid = _session(store)
    folder = store.folder(sid)
    path = {"audio": folder / mf.AUDIO_DIR, "folder": folder,
            "annotations": folder / mf.ANNOTATIONS}[held]
    before = tree_snapshot(store.root / "sessions")
    with locks.folder_lock(path, shared=True):  # as a backup or an analysis holds it
        r = run_cli("sessions", "delete", sid, "--yes")
    assert r.exit_code == 1
    assert r.stderr == (f"error: session {sid} is in use by another improv command (a backup, "
                        "an analysis, a compression or a change of its annotations or notes): "
                        "nothing was deleted; try again when it has finished\n")
    assert tree_snapshot(store.root / "sessions") == before
    assert run_cli("sessions", "show", sid).exit_code == 0
    assert os.listdir(store.tmp_dir) == []  # no claim of the deletion left
    r = run_cli("sessions", "delete", sid, "--yes")  # free again: deleted
    assert r.exit_code == 0, r.stderr
    assert not folder.exists()


def test_a_backup_keeps_a_session_whole_while_a_deletion_is_tried(store, tmp_path, monkeypatch,
                                                                short_wait):
    """The review's case: a delete during the backup's copy of the session left its audio in the
    backup while the backup said it was not there. Now the delete is refused meanwhile."""
    sid = _session(store)
    other = _session(store, client="C08")
    outcome: dict[str, BaseException | None] = {}
    real_copy = partial_output.PartialSink.copy

    def copy_and_delete(sink, rel, src):  # the delete comes while the session is copied
        if rel.startswith(f"sessions/{sid}/") and not outcome:
            def delete():
                try:
                    store_mod.Store(store.root).delete(sid)
                    outcome["error"] = None
                except BaseException as exc:  # noqa: BLE001 - the test reads it
                    outcome["error"] = exc
            t = threading.Thread(target=delete)
            t.start()
            t.join()
        return real_copy(sink, rel, src)

    monkeypatch.setattr(partial_output.PartialSink, "copy", copy_and_delete)
    result = bk.backup_store(store, tmp_path / "bk")
    assert isinstance(outcome["error"], SessionBusyError), outcome
    assert sorted(result["sessions"]) == sorted([sid, other]) and result["whole"]
    assert check_backup(tmp_path / "bk")["ok"]
    assert store.folder(sid).is_dir()


def test_a_session_deleted_before_the_backup_reaches_it_is_not_in_the_backup(store, tmp_path):
    sid = _session(store)
    other = _session(store, client="C08")
    seen = []

    def progress(s):
        seen.append(s)
        if s == sid:
            store_mod.Store(store.root).delete(sid)

    result = bk.backup_store(store, tmp_path / "bk", progress=progress)
    assert result["sessions"] == [other]
    assert result["skipped"] == [[sid, "deleted while the backup ran"]]
    assert not (tmp_path / "bk" / "sessions" / sid).exists()  # nothing of it kept


def test_compression_that_waited_for_a_deletion_says_so(store):
    sid = _session(store)
    folder = store.folder(sid)
    audio = folder / mf.AUDIO_DIR
    outcome: dict[str, BaseException | None] = {}

    def compress():
        try:
            compress_session(store_mod.Store(store.root), sid)
            outcome["error"] = None
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            outcome["error"] = exc

    # the deletion holds the session's locks (as Store.delete does), the compression waits
    with locks.all_free([audio, folder, folder / mf.ANNOTATIONS]) as free:
        assert free
        t = threading.Thread(target=compress)
        t.start()
        _blocked_on(audio)
        os.rename(folder, store.tmp_dir / f"deleted-{sid}")
    t.join()
    assert isinstance(outcome["error"], UnknownSessionError)
    assert str(outcome["error"]) == (f"session {sid} was deleted while the compression waited "
                                     "for it; nothing was compressed")


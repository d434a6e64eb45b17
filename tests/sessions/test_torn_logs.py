"""A write to a session's append-only logs that fails partway (a full disk: review 31, H1, M1,
L4), through real files: the short write is real (its first bytes reach the file), only the
disk's refusal of the rest is simulated, so no root is needed (test_torn_logs_disk.py does it
on a real full tmpfs as root).

- a failed append is cut back: the log is as it was, the error says the disk is full and
  nothing was saved, and the next append is a line of its own;
- a torn last line already on disk (a power cut, an older improv) is left out with a warning
  naming the file, cut off by the next write or ``improv sessions recover``, its bytes kept in
  ``<log>.torn``; a damaged line before it is an error as before;
- ``sessions verify`` reads ``notes.history.jsonl`` too;
- an annotation saved whose ``session.mid`` markers could not be updated is said to be saved.
"""

from __future__ import annotations

import errno
import json
import logging
from pathlib import Path

import pytest

from sessions import annotation_log as ann
from sessions.annotation_edits import add_annotation, delete_annotation, edit_annotation
from sessions.errors import SessionFormatError, StoreWriteError
from sessions.notes import notes_history, save_notes
from sessions.revisions import correct_session, read_revisions
from sessions.verify import verify_folder
from tests.sessions.helpers import import_room_duet


@pytest.fixture
def sid(store, tmp_path):
    return import_room_duet(store, tmp_path)


class _ShortThenFull:
    """A file whose disk fills after ``room`` more bytes: a write gets that much onto the
    disk (really written) and then the next one fails with ENOSPC, as on a full ext4/tmpfs."""

    def __init__(self, f, room: int):
        self._f, self._room = f, room

    def write(self, data):
        if self._room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = self._f.write(bytes(data[:self._room]))
        self._room -= n
        return n

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


@pytest.fixture
def disk_fills(monkeypatch):
    """``disk_fills(room)``: the next appends to a log get ``room`` bytes written, then the
    disk is full. Only the log appends are affected (``sessions.annotation_log.open_new``)."""
    real = ann.open_new

    def arm(room: int):
        monkeypatch.setattr(ann, "open_new",
                            lambda path, *a, **k: _ShortThenFull(real(path, *a, **k), room))
    return arm


def _ends_whole(path: Path) -> bool:
    data = path.read_bytes()
    return not data or data.endswith(b"\n")


# -- a: a failed append is cut back ----------------------------------------------------------

def test_a_full_disk_during_annotate_leaves_the_log_as_it_was(store, sid, disk_fills,
                                                             monkeypatch):
    add_annotation(store, sid, t=1.0, text="before")
    log_path = store.folder(sid) / "annotations.jsonl"
    before = log_path.read_bytes()
    disk_fills(100)  # a 6000-character note gets 100 bytes onto the disk
    with pytest.raises(StoreWriteError) as err:
        add_annotation(store, sid, t=3.0, text="x" * 6000)
    message = str(err.value)
    assert message.startswith("the annotation was not saved: cannot write ")
    assert "the disk is full" in message and "\n" not in message
    assert log_path.read_bytes() == before
    monkeypatch.undo()  # space freed
    add_annotation(store, sid, t=4.0, text="after freeing")
    texts = [a["text"] for a in store.session(sid).annotations()]
    assert texts == ["before", "after freeing"]
    assert verify_folder(store.folder(sid))["ok"]


def test_a_full_disk_during_a_correction_leaves_the_revisions_as_they_were(store, sid,
                                                                          disk_fills,
                                                                          monkeypatch):
    correct_session(store, sid, title="Session one")
    path = store.folder(sid) / "revisions.jsonl"
    before = path.read_bytes()
    disk_fills(20)
    with pytest.raises(StoreWriteError, match="^the correction was not saved: .*the disk is "
                                              "full"):
        correct_session(store, sid, title="Session two", reason="y" * 5000)
    assert path.read_bytes() == before
    assert store.session(sid).manifest["title"] == "Session one"  # the history first
    monkeypatch.undo()
    correct_session(store, sid, title="Session two")
    assert [r["to"] for r in read_revisions(store.folder(sid))] == ["Session one",
                                                                    "Session two"]
    assert verify_folder(store.folder(sid))["ok"]


def test_a_full_disk_during_a_notes_save_leaves_the_history_as_it_was(store, sid, disk_fills,
                                                                     monkeypatch):
    folder = store.folder(sid)
    save_notes(folder, "first")
    before = (folder / "notes.history.jsonl").read_bytes()
    disk_fills(10)
    with pytest.raises(StoreWriteError, match="^the notes were not saved: .*the disk is full"):
        save_notes(folder, "second " * 1000)
    assert (folder / "notes.history.jsonl").read_bytes() == before
    assert (folder / "notes.md").read_text() == "first"
    monkeypatch.undo()
    save_notes(folder, "third")
    assert [v["text"] for v in notes_history(folder)] == ["first", "third"]


# -- b: a torn last line already on disk -----------------------------------------------------

def _tear(path: Path, record: dict, keep: int = 40) -> bytes:
    """Append the first ``keep`` bytes of a record, as a failed append of an older improv (or
    a power cut) left them."""
    piece = json.dumps(record).encode()[:keep]
    with open(path, "ab") as f:
        f.write(piece)
    return piece


def test_a_torn_last_annotation_line_is_left_out_with_a_warning_then_cut_off_and_kept(
        store, sid, caplog):
    add_annotation(store, sid, t=1.0, text="kept")
    folder = store.folder(sid)
    log_path = folder / "annotations.jsonl"
    piece = _tear(log_path, {"op": "create", "id": "a-0000000000", "text": "secret words"})
    with caplog.at_level(logging.WARNING):
        assert [a["text"] for a in store.session(sid).annotations()] == ["kept"]
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("annotations.jsonl" in m and "cut short" in m for m in said), said
    assert not any("secret" in m for m in said)
    report = verify_folder(folder)
    assert report["ok"] and any("annotations.jsonl" in w for w in report["warnings"])
    add_annotation(store, sid, t=2.0, text="next")  # the next write cuts it off first
    assert _ends_whole(log_path) and piece not in log_path.read_bytes()
    assert (folder / "annotations.jsonl.torn").read_bytes() == piece + b"\n"
    assert (folder / "annotations.jsonl.torn").stat().st_mode & 0o777 == 0o600
    assert [a["text"] for a in store.session(sid).annotations()] == ["kept", "next"]
    assert verify_folder(folder) == {**verify_folder(folder), "ok": True, "warnings": []}


def test_a_torn_line_in_every_log_is_cut_by_recover(run_cli, store, sid):
    folder = store.folder(sid)
    add_annotation(store, sid, t=1.0, text="kept")
    correct_session(store, sid, title="T")
    save_notes(folder, "notes")
    for name in ("annotations.jsonl", "revisions.jsonl", "notes.history.jsonl"):
        _tear(folder / name, {"text": "x" * 100}, keep=30)
    assert run_cli("annotations", sid).exit_code == 0
    shown = run_cli("sessions", "verify", sid)
    assert shown.exit_code == 0 and shown.stdout.count("note: ") == 3, shown.stdout
    recovered = run_cli("sessions", "recover")
    assert recovered.exit_code == 0
    for name in ("annotations.jsonl", "revisions.jsonl", "notes.history.jsonl"):
        assert f"off {name} of session {sid}" in recovered.stdout, recovered.stdout
        assert _ends_whole(folder / name)
        assert (folder / f"{name}.torn").read_bytes() == json.dumps(
            {"text": "x" * 100}).encode()[:30] + b"\n"
    assert "note:" not in run_cli("sessions", "verify", sid).stdout
    assert notes_history(folder)[-1]["text"] == "notes"
    assert read_revisions(folder)[-1]["to"] == "T"
    again = run_cli("sessions", "recover")
    assert "cut a last line" not in again.stdout


@pytest.mark.parametrize("name", ["annotations.jsonl", "revisions.jsonl",
                                  "notes.history.jsonl"])
def test_a_damaged_line_before_the_last_is_still_an_error(store, sid, name):
    folder = store.folder(sid)
    add_annotation(store, sid, t=1.0, text="a")
    correct_session(store, sid, title="T")
    save_notes(folder, "n")
    with open(folder / name, "ab") as f:
        f.write(b'{"op": "create", garbage\n')
    report = verify_folder(folder)
    assert not report["ok"] and any(name in p for p in report["problems"]), report
    assert report["log_problems"] == report["problems"]
    readers = {"annotations.jsonl": lambda: ann.read_records(folder / name),
               "revisions.jsonl": lambda: read_revisions(folder),
               "notes.history.jsonl": lambda: notes_history(folder)}
    with pytest.raises(SessionFormatError):
        readers[name]()


# -- c: verify reads the notes' history ------------------------------------------------------

def test_verify_reads_the_notes_history(store, sid):
    folder = store.folder(sid)
    save_notes(folder, "one")
    assert verify_folder(folder)["ok"]
    with open(folder / "notes.history.jsonl", "ab") as f:
        f.write(b"not json\n")
    save_notes(folder, "two")  # glued after the damage, as before
    report = verify_folder(folder)
    assert not report["ok"]
    assert report["problems"] == [f"notes.history.jsonl of session {sid} is damaged (line 2 is "
                                  "not a saved version of the notes)"]


# -- M1: saved, but the markers could not be updated -----------------------------------------

def test_annotation_saved_when_session_mid_cannot_be_written_is_said_so(store, sid, caplog,
                                                                       monkeypatch):
    from sessions import annotation_edits

    folder = store.folder(sid)
    smf = store.session(sid).manifest["smf"]["file"]
    mid_before = (folder / smf).read_bytes()
    real = annotation_edits.atomic_write_bytes

    def full(path, data):
        raise StoreWriteError(f"cannot write {path}: the disk is full (free some space and "
                              "try again)") from OSError(errno.ENOSPC, "No space left")
    monkeypatch.setattr(annotation_edits, "atomic_write_bytes", full)
    with caplog.at_level(logging.WARNING):
        a = add_annotation(store, sid, t=2.0, text="short one", tags=["marker"])
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert said == [f"The annotation was saved, but the markers in {smf} of session {sid} "
                    "could not be updated (the disk is full): they are updated at the next "
                    "change of the session's annotations"]
    assert (folder / smf).read_bytes() == mid_before
    assert [x["id"] for x in store.session(sid).annotations()] == [a["id"]]
    assert verify_folder(folder)["ok"]
    monkeypatch.setattr(annotation_edits, "atomic_write_bytes", real)
    edit_annotation(store, sid, a["id"], text="short one, corrected")
    assert b"short one, corrected" in (folder / smf).read_bytes()
    assert verify_folder(folder)["ok"]


def test_a_manifest_that_cannot_be_written_puts_the_earlier_session_mid_back(store, sid,
                                                                           caplog,
                                                                           monkeypatch):
    """session.mid and its checksum never disagree (a mismatch would make the session
    'damaged' for verify, backup and restore)."""
    from sessions import annotation_edits

    folder = store.folder(sid)
    a = add_annotation(store, sid, t=2.0, text="m", tags=["marker"])
    smf = store.session(sid).manifest["smf"]["file"]
    mid_before = (folder / smf).read_bytes()

    def full(path, obj, **kw):
        raise StoreWriteError(f"cannot write {path}: the disk is full")
    monkeypatch.setattr(annotation_edits, "atomic_write_json", full)
    with caplog.at_level(logging.WARNING):
        delete_annotation(store, sid, a["id"])
    assert any(r.getMessage().startswith("The deletion was saved, but the markers")
               for r in caplog.records)
    assert (folder / smf).read_bytes() == mid_before
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    assert verify_folder(folder)["ok"]
    assert store.session(sid).annotations() == []


def test_the_catalog_not_updated_after_a_saved_annotation_is_a_warning(store, sid, caplog,
                                                                      monkeypatch):
    import sqlite3

    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(type(store.catalog), "put_annotations", full)
    with caplog.at_level(logging.WARNING):
        add_annotation(store, sid, t=2.0, text="x")
    assert any(r.getMessage() == "The annotation was saved, but the list of annotations in "
               "the catalog could not be updated (database or disk is full): 'improv "
               "sessions reindex' updates it" for r in caplog.records)


# -- L4: a new log's folder is fsynced -------------------------------------------------------

@pytest.mark.parametrize("name", ["annotations.jsonl", "revisions.jsonl",
                                  "notes.history.jsonl"])
def test_a_new_log_is_made_durable_with_its_folder(store, sid, fsynced, name):
    folder = store.folder(sid)
    assert not (folder / name).exists()
    fsynced.clear()
    {"annotations.jsonl": lambda: add_annotation(store, sid, t=1.0, text="a"),
     "revisions.jsonl": lambda: correct_session(store, sid, title="T"),
     "notes.history.jsonl": lambda: save_notes(folder, "n")}[name]()
    at = fsynced.index(str(folder / name))
    assert str(folder) in fsynced[at:] or str(folder) in fsynced[:at]


# -- d: backup and restore -------------------------------------------------------------------

def _restore(backup: Path, where: Path):
    from sessions.backup_restore import restore_store
    from sessions.store import Store

    with Store(where) as new:
        return restore_store(new, backup)


@pytest.mark.parametrize("kind", ["b", "b.zip"])
def test_a_session_with_a_torn_last_line_is_backed_up_whole_and_restored(store, sid,
                                                                         tmp_path, kind):
    from sessions.backup import backup_store
    from sessions.backup_restore import check_backup

    folder = store.folder(sid)
    add_annotation(store, sid, t=1.0, text="kept")
    for name in ("annotations.jsonl", "revisions.jsonl", "notes.history.jsonl"):
        _tear(folder / name, {"text": "x" * 100}, keep=30)
    result = backup_store(store, tmp_path / kind)
    assert result["whole"] and result["sessions"] == [sid] and result["copied_as_is"] == []
    assert check_backup(tmp_path / kind)["ok"]
    restored = _restore(tmp_path / kind, tmp_path / "new")
    assert restored["sessions"] == [sid] and restored["set_aside"] == []
    assert restored["restored_damaged"] == []
    back = tmp_path / "new" / "sessions" / sid
    assert (back / "audio" / "room.wav").read_bytes() == (folder / "audio" /
                                                         "room.wav").read_bytes()
    assert (back / "annotations.jsonl").read_bytes() == (folder /
                                                        "annotations.jsonl").read_bytes()
    assert verify_folder(back)["ok"]


def test_a_session_an_older_backup_called_damaged_for_a_torn_line_is_restored(store, sid,
                                                                             tmp_path):
    """An older improv's backup marked it copied_as_is ("its last line is cut short") and
    the restore left it out, recordings and all (the review's h1.rs: 0 sessions)."""
    from sessions.backup import backup_store
    from tests.sessions.test_backup_damage import _rewrite_about

    _tear(store.folder(sid) / "annotations.jsonl", {"text": "x" * 100}, keep=30)
    out = Path(backup_store(store, tmp_path / "b")["path"])
    old_words = ("annotations.jsonl: its last line is cut short: an interrupted recording is "
                 "mended by 'improv sessions recover'; in a finished session the file was "
                 "changed or damaged after it was written ('improv sessions verify' checks it; "
                 "a backup holds it whole)")
    _rewrite_about(out, lambda a: a["copied_as_is"].append([sid, old_words]))
    restored = _restore(out, tmp_path / "new")
    assert restored["sessions"] == [sid] and restored["set_aside"] == []
    assert [s for s, _why in restored["restored_damaged"]] == [sid]


@pytest.mark.parametrize("name", ["revisions.jsonl", "notes.history.jsonl"])
def test_a_session_with_a_damaged_log_is_restored_with_its_recordings(run_cli, store, sid,
                                                                      tmp_path, name):
    folder = store.folder(sid)
    correct_session(store, sid, title="T")
    save_notes(folder, "n")
    with open(folder / name, "ab") as f:
        f.write(b'{"garbage\n')
    backed = run_cli("backup", "--to", str(tmp_path / "b"))
    assert backed.exit_code == 1 and "a restore restores it, recordings and all" in (
        backed.stderr), backed.stderr
    restored = run_cli("--store", str(tmp_path / "new"), "restore", str(tmp_path / "b"))
    assert restored.exit_code == 1
    lines = [x for x in restored.stderr.splitlines() if sid in x]
    assert len(lines) == 1 and "was restored with its recordings, but a log of it is " \
        "damaged: " + name in lines[0], restored.stderr
    back = tmp_path / "new" / "sessions" / sid
    assert (back / "audio" / "room.wav").exists() and (back / name).read_bytes() == (
        folder / name).read_bytes()

"""A backup of the whole store (sessions.backup): everything that is not derived, owner-only,
checkable with sha256sum; a session being recorded is left out and named; it comes back
whole into an empty store only, and a damaged one never."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from sessions.backup import backup_store, store_files
from sessions.backup_restore import check_backup, restore_store
from sessions.errors import SessionFormatError, StoreError
from sessions.store import Store
from tests.sessions.helpers import import_room_duet, tree_snapshot


@pytest.fixture
def full(store, tmp_path):
    """A store with a session, a client's goals, a setup file and the practice's own tags."""
    from sessions import vocabulary
    from sessions.goals import add_goal

    sid = import_room_duet(store, tmp_path)
    add_goal(store, "C07", text="play together")
    (store.root / "setups.json").write_text(json.dumps({"Room 2": {"inputs": []}}))
    vocabulary.extend(store.root, "calm")
    (store.folder(sid) / "cache").mkdir()
    (store.folder(sid) / "cache" / "x.json").write_text("{}")
    return sid


def _content(root: Path) -> dict[str, bytes]:
    """The files a backup must carry: sessions without cache/, goals, setups, vocabulary."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and rel.parts[0] in ("sessions", "clients", "setups.json",
                                            "vocabulary.json") \
                and "cache" not in rel.parts and not p.name.startswith("."):
            out[rel.as_posix()] = p.read_bytes()
    return out


@pytest.mark.parametrize("name", ["backup", "backup.zip"])
def test_a_backup_comes_back_whole_into_an_empty_store(store, full, tmp_path, name):
    result = backup_store(store, tmp_path / name)
    assert result["sessions"] == [full] and result["clients"] == ["C07"]
    assert result["files"] == ["setups.json", "vocabulary.json"] and not result["skipped"]
    assert check_backup(tmp_path / name)["ok"]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, tmp_path / name)
        assert restored["sessions"] == [full] and restored["indexed"] == 1
        assert _content(new.root) == _content(store.root)
        assert [r["id"] for r in new.list(client="C07")] == [full]
        from sessions.goals import client_goals

        assert [g["text"] for g in client_goals(new, "C07")["goals"]] == ["play together"]
        assert os.listdir(new.tmp_dir) == []
        for p in [new.root, *new.root.rglob("*")]:
            assert p.stat().st_mode & 0o777 == (0o700 if p.is_dir() else 0o600), p


def test_a_backup_folder_is_owner_only_and_checks_with_sha256sum(store, full, tmp_path):
    out = Path(backup_store(store, tmp_path / "b")["path"])
    for p in [out, *out.rglob("*")]:
        assert p.stat().st_mode & 0o777 == (0o700 if p.is_dir() else 0o600), p
    assert not any("cache" in p.parts or p.name == ".lock" for p in out.rglob("*"))
    assert "catalog.sqlite" not in os.listdir(out)
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=out, check=True)
    about = json.loads((out / "BACKUP.json").read_text())
    assert about["format"] == "improv-backup" and about["sessions"] == [full]


def test_a_session_being_recorded_is_left_out_and_named(store, full, tmp_path):
    writer = store.create_session(client="C08", players=["client"])
    try:
        busy = writer.folder.name if hasattr(writer, "folder") else None
        plan = store_files(store)
        busy = busy or plan["busy"][0][0]
        assert plan["busy"] == [[busy, "being recorded now"]]
        result = backup_store(store, tmp_path / "b.zip")
        assert result["sessions"] == [full]
        assert result["skipped"] == [[busy, "being recorded now"]]
        with zipfile.ZipFile(tmp_path / "b.zip") as z:
            assert not any(busy in n for n in z.namelist())
    finally:
        writer.finalize()


@pytest.mark.parametrize("where", ["exists", "no-parent", "inside"])
def test_a_backup_target_that_is_not_new_is_refused(store, full, tmp_path, where):
    to = {"exists": tmp_path, "no-parent": tmp_path / "nope" / "b.zip",
          "inside": store.root / "b.zip"}[where]
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(StoreError, match={"exists": "exists already", "no-parent":
                                          "does not exist: create it first",
                                          "inside": "inside the store"}[where]):
        backup_store(store, to)
    assert sorted(os.listdir(tmp_path)) == before
    assert not (store.root / "b.zip").exists()


@pytest.mark.parametrize("name", ["b.zip", "b"])
@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_backup_leaves_nothing(store, full, tmp_path, monkeypatch, error, name):
    """A full disk, Ctrl-C or SIGTERM (the CLI raises KeyboardInterrupt for it) while the
    backup is written removes its partial file or folder."""
    from sessions import partial_output

    seen = []

    def broken(self, src, out, h):
        seen.append(self.partial)
        assert self.partial.exists()
        raise error
    monkeypatch.setattr(partial_output.PartialSink, "_pump", broken)
    with pytest.raises(type(error)):
        backup_store(store, tmp_path / name)
    assert seen and [p for p in os.listdir(tmp_path) if name in p] == []


@pytest.mark.parametrize("name", ["b.zip", "b"])
def test_a_partial_backup_left_by_a_killed_one_is_removed_and_a_live_one_kept(store, full,
                                                                              tmp_path,
                                                                              name):
    """Review 28, finding 8: a backup killed (SIGKILL, power cut) left its hidden partial;
    the next backup to the same name removes it (and an older improv's ``.NAME.partial``)
    instead of failing with "File exists". A partial of a backup still running is kept."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    dead, live = proc.pid, os.getpid()
    old = tmp_path / f".{name}.partial"
    killed = tmp_path / f".{name}.{dead}-0badc0de.partial"
    running = tmp_path / f".{name}.{live}-00000000.partial"
    other = tmp_path / f".c{name}.{dead}-0badc0de.partial"  # another backup's name
    for p in (old, killed, running, other):
        if name.endswith(".zip"):
            p.write_bytes(b"PK left by a killed backup")
        else:
            (p / "sessions").mkdir(parents=True)
            (p / "sessions" / "midi.tsv").write_text("health data")
    result = backup_store(store, tmp_path / name)
    assert result["stale_removed"] == sorted([old.name, killed.name])
    assert not old.exists() and not killed.exists()
    assert running.exists() and other.exists()
    assert check_backup(tmp_path / name)["ok"]


def test_the_partial_name_is_the_backups_own(store, full, tmp_path, monkeypatch):
    """The partial's name holds the process ID and a random part (two backups to one name
    at once never write into one file), and none is left after the rename."""
    from sessions import partial_output

    names = []
    copy = partial_output.PartialSink.copy

    def noting(self, rel, src):
        names.append(self.partial.name)
        return copy(self, rel, src)
    monkeypatch.setattr(partial_output.PartialSink, "copy", noting)
    backup_store(store, tmp_path / "b.zip")
    backup_store(store, tmp_path / "c.zip")
    first, second = names[0], names[-1]
    assert first.startswith(f".b.zip.{os.getpid()}-") and first.endswith(".partial")
    assert second.startswith(f".c.zip.{os.getpid()}-")
    assert not any(n.endswith(".partial") for n in os.listdir(tmp_path))


@pytest.mark.parametrize("what", ["session", "setups", "goals", "tag", "key"])
def test_restoring_into_a_store_that_is_not_empty_is_refused(store, full, tmp_path, what):
    backup_store(store, tmp_path / "b")
    target = Store(tmp_path / "target")
    if what == "session":
        import_room_duet(target, tmp_path)
    elif what == "setups":
        (target.root / "setups.json").write_text("{}")
    elif what == "key":  # an export made the key: a restore never replaces it
        (target.root / "dataset-key").write_text(KEY)
    elif what == "tag":
        from sessions import vocabulary

        vocabulary.extend(target.root, "calm")
    else:
        (target.root / "clients" / "C01").mkdir(parents=True)
    before = tree_snapshot(target.root)
    with pytest.raises(StoreError, match="restored only into an empty store"):
        restore_store(target, tmp_path / "b")
    assert tree_snapshot(target.root) == before
    target.close()


def test_a_goal_log_damaged_in_the_backup_is_found_and_set_aside(store, full, tmp_path):
    """Review 29, finding 4: a goal log changed in the backup is named by the check, and the
    restore sets it aside (it stays in the backup) and restores every session."""
    out = Path(backup_store(store, tmp_path / "b")["path"])
    goals = out / "clients" / "C07" / "goals.jsonl"
    goals.write_bytes(goals.read_bytes().replace(b"together", b"apart!!!"))
    report = check_backup(out)
    assert not report["ok"]
    assert report["problems"] == ["clients/C07/goals.jsonl: checksum mismatch (damaged or "
                                  "changed)"]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, out)
        assert restored["sessions"] == [full] and restored["clients"] == []
        assert restored["left_out"] == [["clients/C07/goals.jsonl", "does not match its "
                                         "checksum in SHA256SUMS (damaged in the backup)"]]
        assert not (new.root / "clients" / "C07").exists()
        assert os.listdir(new.tmp_dir) == []


def _flip_a_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["b", "b.zip"])
def test_a_session_damaged_in_the_store_is_set_aside_and_the_rest_restored(store, full,
                                                                          tmp_path, name):
    """Review 28, finding 1: one session with a flipped bit in midi.tsv (a failing disk) is
    copied and named by the backup, named by the check, and set aside by the restore, which
    brings back every other session and the store's files."""
    (tmp_path / "2").mkdir()
    bad = import_room_duet(store, tmp_path / "2")
    _flip_a_bit(store.folder(bad) / "midi.tsv")
    made = backup_store(store, tmp_path / name)
    assert made["damaged"] == [[bad, "midi.tsv"]] and sorted(made["sessions"]) == sorted(
        [full, bad])
    about = check_backup(tmp_path / name)
    why = "midi.tsv: checksum mismatch (the file changed or is damaged)"
    assert not about["ok"] and about["problems"] == []
    assert about["damaged"] == [[bad, why]]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, tmp_path / name)
        assert restored["sessions"] == [full] and restored["set_aside"] == [[bad, why]]
        assert restored["clients"] == ["C07"]
        assert restored["files"] == ["setups.json", "vocabulary.json"]
        assert restored["indexed"] == 1
        assert os.listdir(new.sessions_dir) == [full] and os.listdir(new.tmp_dir) == []
    if name == "b":  # the damaged session stays in the backup
        assert (tmp_path / "b" / "sessions" / bad / "midi.tsv").is_file()
    else:
        with zipfile.ZipFile(tmp_path / name) as z:
            assert f"b/sessions/{bad}/midi.tsv" in z.namelist()


def test_a_session_damaged_in_the_backup_is_set_aside_and_the_rest_restored(store, full,
                                                                           tmp_path):
    """A session file that no longer matches SHA256SUMS (damaged on the backup disk) sets
    that session aside only; the check names the file."""
    (tmp_path / "2").mkdir()
    other = import_room_duet(store, tmp_path / "2")
    out = Path(backup_store(store, tmp_path / "b")["path"])
    _flip_a_bit(out / "sessions" / other / "audio" / "room.wav")
    about = check_backup(out)
    assert about["problems"] == [f"sessions/{other}/audio/room.wav: checksum mismatch "
                                 "(damaged or changed)"]
    assert [sid for sid, _why in about["damaged"]] == [other]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, out)
        assert restored["sessions"] == [full]
        assert restored["set_aside"] == [[other, "audio/room.wav does not match its checksum "
                                          "in SHA256SUMS (damaged in the backup)"]]
        assert os.listdir(new.sessions_dir) == [full] and os.listdir(new.tmp_dir) == []


def test_a_folder_backup_is_fsynced_before_it_is_renamed_in(store, full, tmp_path, fsynced):
    """Review 28, finding 5: every file and folder of a folder backup is flushed to the disk
    under its partial name, and the folder it is in after the rename."""
    out = Path(backup_store(store, tmp_path / "b")["path"])
    partial = [f for f in fsynced if f.endswith(".partial")]
    assert len(set(partial)) == 1
    for p in [out, *out.rglob("*")]:
        rel = p.relative_to(out)
        assert str(Path(partial[0]) / rel) in fsynced, rel
    last = max(i for i, f in enumerate(fsynced) if f.startswith(partial[0]))
    assert str(tmp_path.resolve()) in fsynced[last + 1:]


def test_a_restored_store_is_fsynced_before_it_is_renamed_in(store, full, tmp_path, fsynced):
    """Each restored file and folder is flushed while in tmp/, each folder it is renamed
    into after the renames."""
    backup_store(store, tmp_path / "b.zip")
    done = fsynced
    done.clear()
    with Store(tmp_path / "new") as new:
        restore_store(new, tmp_path / "b.zip")
        staged = [f for f in done if "/tmp/restore-store-" in f]
        top = staged[0].split("/tmp/restore-store-")[0] + "/tmp/restore-store-" + \
            staged[0].split("/tmp/restore-store-")[1].split("/")[0]
        for p in [*new.sessions_dir.rglob("*"), *(new.root / "clients").rglob("*"),
                  new.root / "setups.json", new.root / "vocabulary.json"]:
            assert str(Path(top) / p.relative_to(new.root)) in done, p
        after = done[max(i for i, f in enumerate(done) if f.startswith(top)) + 1:]
        for folder in (new.sessions_dir, new.root / "clients", new.root):
            assert str(folder.resolve()) in after, folder


def test_a_file_with_no_place_in_a_backup_is_refused(store, full, tmp_path):
    import hashlib

    out = Path(backup_store(store, tmp_path / "b")["path"])
    (out / "run.sh").write_text("rm -rf ~\n")
    digest = hashlib.sha256(b"rm -rf ~\n").hexdigest()
    with open(out / "SHA256SUMS", "a") as f:
        f.write(f"{digest}  run.sh\n")
    assert "run.sh has no place in a backup" in check_backup(out)["problems"]
    with Store(tmp_path / "new") as new, pytest.raises(SessionFormatError, match="no place"):
        restore_store(new, out)


def test_a_session_export_is_not_taken_for_a_backup(store, full, tmp_path):
    from sessions.export import export_session

    exp = export_session(store.folder(full), tmp_path / "s.zip")
    with Store(tmp_path / "new") as new, pytest.raises(
            SessionFormatError, match="not an improv backup.*improv sessions import s.zip"):
        restore_store(new, exp)


def test_a_session_is_copied_under_its_shared_locks(store, full, tmp_path, monkeypatch):
    """While a session's files are copied, a manifest change (an exclusive flock on the
    folder), a compression (on audio/) and an annotation change (on annotations.jsonl,
    review 28 finding 6) have to wait: the copy is of one version."""
    import fcntl

    from sessions import partial_output
    from sessions.annotation_edits import add_annotation

    add_annotation(store, full, t=1.0, player="client", text="starts", by="T01")
    tried = []
    copy = partial_output.PartialSink.copy

    def checking(self, rel, src):
        if rel.startswith("sessions/"):
            for folder in (store.folder(full), store.folder(full) / "audio",
                           store.folder(full) / "annotations.jsonl"):
                fd = os.open(folder, os.O_RDONLY)
                try:
                    with pytest.raises(BlockingIOError):
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    tried.append(rel)
                finally:
                    os.close(fd)
        return copy(self, rel, src)

    monkeypatch.setattr(partial_output.PartialSink, "copy", checking)
    backup_store(store, tmp_path / "b")
    assert len(tried) >= 3 * 4  # every file of the session, all three locks
    assert f"sessions/{full}/annotations.jsonl" in tried
    assert (tmp_path / "b" / "sessions" / full / "annotations.jsonl").read_bytes() == \
        (store.folder(full) / "annotations.jsonl").read_bytes()


def test_an_annotation_log_made_during_the_backup_is_not_copied_unlocked(store, full,
                                                                         tmp_path,
                                                                         monkeypatch):
    """The first annotation added after the session's locks were taken is not in the
    backup: its log was not held, so a copy could catch its line half written."""
    from sessions import backup
    from sessions.annotation_edits import add_annotation

    assert not (store.folder(full) / "annotations.jsonl").exists()
    held = backup.session_held

    @contextlib.contextmanager
    def then_annotated(folder):
        with held(folder) as got:
            (folder / "annotations.jsonl").write_text("")  # as the first addition makes it
            yield got
    monkeypatch.setattr(backup, "session_held", then_annotated)
    backup_store(store, tmp_path / "b")
    assert not (tmp_path / "b" / "sessions" / full / "annotations.jsonl").exists()
    monkeypatch.undo()
    add_annotation(store, full, t=1.0, player="client", text="starts", by="T01")
    backup_store(store, tmp_path / "c")
    assert (tmp_path / "c" / "sessions" / full / "annotations.jsonl").exists()


# -- the research export's secret (review 28, finding 4) -------------------------------------

KEY = "0123456789abcdef" * 4 + "\n"


def test_the_research_key_is_backed_up_and_restored_owner_only(store, full, tmp_path):
    """A backup holds ``dataset-key`` (listed in SHA256SUMS, 0600) and a restore puts it
    back byte for byte, so every session_key of later exports stays the same."""
    (store.root / "dataset-key").write_text(KEY)
    os.chmod(store.root / "dataset-key", 0o600)
    result = backup_store(store, tmp_path / "b.zip")
    assert result["files"] == ["setups.json", "vocabulary.json", "dataset-key"]
    assert result["left_out"] == []
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        info = z.getinfo("b/dataset-key")
        assert (info.external_attr >> 16) & 0o777 == 0o600
        assert "  dataset-key\n" in z.read("b/SHA256SUMS").decode()
    assert check_backup(tmp_path / "b.zip")["ok"]
    with Store(tmp_path / "new") as new:
        assert "dataset-key" in restore_store(new, tmp_path / "b.zip")["files"]
        assert (new.root / "dataset-key").read_text() == KEY
        assert (new.root / "dataset-key").stat().st_mode & 0o777 == 0o600


def test_the_key_file_name_is_the_research_exports():
    from improv.archive.session_keys import KEY_FILE
    from sessions.backup import DATASET_KEY

    assert DATASET_KEY == KEY_FILE


@pytest.mark.parametrize("damage", ["short", "link"])
def test_a_damaged_key_in_the_store_is_left_out_and_named(store, full, tmp_path, damage):
    """A key that export-dataset refuses is not copied (the backup stays restorable; an
    older backup has the key whole), and the result names it."""
    if damage == "short":
        (store.root / "dataset-key").write_text("abc\n")
    else:
        (tmp_path / "elsewhere").write_text(KEY)
        (store.root / "dataset-key").symlink_to(tmp_path / "elsewhere")
    result = backup_store(store, tmp_path / "b")
    assert "dataset-key" not in result["files"]
    assert [name for name, _why in result["left_out"]] == ["dataset-key"]
    assert ("damaged" if damage == "short" else "link") in result["left_out"][0][1]
    assert not (tmp_path / "b" / "dataset-key").exists()
    with Store(tmp_path / "new") as new:
        restore_store(new, tmp_path / "b")
        assert not (new.root / "dataset-key").exists()


def test_a_backup_whose_key_is_damaged_is_set_aside(store, full, tmp_path):
    """A key changed in the backup with its checksum changed to match (so SHA256SUMS cannot
    tell) is named by the check and set aside by the restore, which restores the rest
    (review 29, finding 4): a wrong key would change every session_key silently."""
    import hashlib

    (store.root / "dataset-key").write_text(KEY)
    out = Path(backup_store(store, tmp_path / "b")["path"])
    (out / "dataset-key").write_text("not a key\n")
    sums = (out / "SHA256SUMS").read_text().splitlines()
    digest = hashlib.sha256(b"not a key\n").hexdigest()
    (out / "SHA256SUMS").write_text("".join(
        (f"{digest}  dataset-key" if line.endswith("  dataset-key") else line) + "\n"
        for line in sums))
    report = check_backup(out)
    assert not report["ok"] and report["problems"] == []
    assert report["damaged_files"] == [["dataset-key", "dataset-key is damaged (expected 64 "
                                        "hex digits)"]]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, out)
        assert restored["sessions"] == [full] and restored["clients"] == ["C07"]
        assert restored["left_out"] == report["damaged_files"]
        assert not (new.root / "dataset-key").exists()


# -- the store's note of its last backup -----------------------------------------------------

def test_a_backup_is_noted_in_the_store_and_a_failed_one_is_not(store, full, tmp_path,
                                                                monkeypatch):
    from sessions import partial_output
    from sessions.backup import LAST_BACKUP, last_backup

    assert last_backup(store) is None
    made = backup_store(store, tmp_path / "b.zip")
    note = store.root / LAST_BACKUP
    assert note.stat().st_mode & 0o777 == 0o600
    assert last_backup(store) == {"created_utc": made["created_utc"],
                                  "to": str((tmp_path / "b.zip").resolve()), "sessions": 1}

    def broken(self, src, out, h):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(partial_output.PartialSink, "_pump", broken)
    with pytest.raises(OSError):
        backup_store(store, tmp_path / "c.zip")
    assert last_backup(store)["to"].endswith("b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as z:  # the note is the store's, not backed up
        assert not any(LAST_BACKUP in n for n in z.namelist())


@pytest.mark.parametrize("text", ["{", "[]", '{"created_utc": "last week"}'])
def test_an_unreadable_note_means_no_last_backup(store, text):
    from sessions.backup import LAST_BACKUP, last_backup

    (store.root / LAST_BACKUP).write_text(text)
    assert last_backup(store) is None


def test_a_backup_is_made_when_the_note_cannot_be_written(store, full, tmp_path, monkeypatch,
                                                          caplog):
    import logging

    from sessions import fsutil
    from sessions.backup import last_backup

    def full_disk(path, obj, **kw):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(fsutil, "atomic_write_json", full_disk)
    with caplog.at_level(logging.WARNING, logger="sessions.backup"):
        assert backup_store(store, tmp_path / "b")["sessions"] == [full]
    assert "could not be noted in the store: No space left on device" in caplog.text
    assert (tmp_path / "b" / "BACKUP.json").exists() and last_backup(store) is None

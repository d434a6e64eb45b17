"""A backup of a store whose sessions are damaged in ways only a full check finds (review 29
recheck, N2 and F14): the backup checks each session as ``backup --check`` and a restore do,
copies a damaged one as it is and names it (not whole); a check and a restore treat a session
the backup marked damaged alike; a catalogued session whose folder is gone is named; a
``--to`` that is a link is refused; a hostile backup is refused in a backup's words."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from sessions.backup import backup_store
from sessions.backup_restore import check_backup, restore_store
from sessions.errors import SessionFormatError, StoreError
from sessions.store import Store
from tests.sessions.helpers import garble_event_log, import_room_duet, resum


@pytest.fixture
def two(store, tmp_path):
    """Two sessions of C07 with a room recording each; IDs oldest first."""
    ids = []
    for n in ("1", "2"):
        (tmp_path / n).mkdir()
        ids.append(import_room_duet(store, tmp_path / n))
    return sorted(ids)


def _annotation_garbage(folder: Path) -> str:
    with open(folder / "annotations.jsonl", "a") as f:
        f.write('{"op": "create", garbage\n')
    return "annotations.jsonl"


def _wav_header(folder: Path) -> str:
    wav = folder / "audio" / "room.wav"
    data = bytearray(wav.read_bytes())
    data[0:44] = b"\x5a" * 44
    wav.write_bytes(bytes(data))
    resum(folder, "audio/room.wav")
    return "audio/room.wav"


@pytest.mark.parametrize("damage", [garble_event_log, _annotation_garbage, _wav_header])
@pytest.mark.parametrize("kind", ["b.zip", "b"])
def test_a_session_that_does_not_verify_is_copied_as_it_is_and_named(store, two, tmp_path,
                                                                    damage, kind):
    """N2: the backup said "backed up 2 sessions" and was whole, while its check called the
    session damaged and the restore set it aside. Now the backup names it, with the file
    that is wrong, and is not whole; the check and the restore agree."""
    bad, good = two
    rel = damage(store.folder(bad))
    result = backup_store(store, tmp_path / kind)
    assert sorted(result["sessions"]) == [bad, good] and not result["whole"]
    assert [sid for sid, _why in result["copied_as_is"]] == [bad]
    why = result["copied_as_is"][0][1]
    assert why.startswith(f"{rel}") and str(store.root) not in why, why
    assert "restore it from a backup" not in why
    about_path = (tmp_path / kind / "BACKUP.json")
    if kind == "b":
        assert json.loads(about_path.read_text())["copied_as_is"] == result["copied_as_is"]
    check = check_backup(tmp_path / kind)
    assert not check["ok"] and [sid for sid, _why in check["damaged"]] == [bad]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, tmp_path / kind)
        if damage is _annotation_garbage:  # review 31, H1: the recordings come back
            assert sorted(restored["sessions"]) == [bad, good] and restored["set_aside"] == []
            assert [sid for sid, _why in restored["restored_damaged"]] == [bad]
            assert restored["restored_damaged"][0][1].startswith("annotations.jsonl:")
            assert (new.folder(bad) / "audio" / "room.wav").read_bytes() == (
                store.folder(bad) / "audio" / "room.wav").read_bytes()
            return
        assert restored["sessions"] == [good] and restored["restored_damaged"] == []
        assert [sid for sid, _why in restored["set_aside"]] == [bad]


def test_a_copied_session_folder_is_named_damaged(store, two, tmp_path):
    """N2: a folder copied to another ID (its session.json names the first) is named by the
    backup as the check and the restore name it."""
    first, second = two
    copy = first[:-4] + ("bbbb" if not first.endswith("bbbb") else "cccc")
    shutil.copytree(store.folder(first), store.sessions_dir / copy)
    result = backup_store(store, tmp_path / "b.zip")
    assert [sid for sid, _why in result["copied_as_is"]] == [copy] and not result["whole"]
    assert result["copied_as_is"][0][1].startswith(
        f"session.json: 'id' {first} does not match the folder name {copy}")
    check = check_backup(tmp_path / "b.zip")
    assert [sid for sid, _why in check["damaged"]] == [copy]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, tmp_path / "b.zip")
        assert sorted(restored["sessions"]) == [first, second]
        assert [sid for sid, _why in restored["set_aside"]] == [copy]


def test_a_whole_store_is_still_whole_and_its_audio_read_once(store, two, tmp_path,
                                                              monkeypatch):
    """The check of each session uses the digests of the bytes copied: the backup hashes no
    file a second time (sessions.fsutil.sha256_file is not called for a listed file)."""
    import sessions.verify as verify

    hashed = []
    real = verify.sha256_file
    monkeypatch.setattr(verify, "sha256_file", lambda p: hashed.append(p) or real(p))
    result = backup_store(store, tmp_path / "b.zip")
    assert result["whole"] and result["copied_as_is"] == [] and hashed == []


def test_verify_folder_takes_digests_already_computed(store, two):
    """A digest passed in is the one compared (so one that differs is a mismatch, unread)."""
    from sessions.verify import verify_folder

    folder = store.folder(two[0])
    assert verify_folder(folder)["ok"]
    report = verify_folder(folder, digests={"audio/room.wav": "0" * 64})
    assert report["problems"] == ["audio/room.wav: checksum mismatch (the file changed or is "
                                  "damaged)"]


def _rewrite_about(out: Path, change) -> None:
    """Change a folder backup's BACKUP.json and its line in SHA256SUMS to match."""
    about = json.loads((out / "BACKUP.json").read_text())
    change(about)
    text = json.dumps(about)
    (out / "BACKUP.json").write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    lines = (out / "SHA256SUMS").read_text().splitlines()
    (out / "SHA256SUMS").write_text("".join(
        (f"{digest}  BACKUP.json" if line.endswith("  BACKUP.json") else line) + "\n"
        for line in lines))


def test_a_session_the_backup_marked_damaged_is_set_aside_even_if_its_copy_verifies(
        store, two, tmp_path):
    """N2: what the backup said ("a restore sets it aside") holds: the check names it
    damaged, the restore sets it aside with the backup's reason."""
    bad, good = two
    out = Path(backup_store(store, tmp_path / "b")["path"])
    _rewrite_about(out, lambda a: a["copied_as_is"].append([bad, "midi.tsv: cut short"]))
    why = "damaged in the store when the backup was made (midi.tsv: cut short)"
    check = check_backup(out)
    assert not check["ok"] and check["damaged"] == [[bad, why]] and check["problems"] == []
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, out)
        assert restored["sessions"] == [good] and restored["set_aside"] == [[bad, why]]
        assert not new.folder(bad).exists()


@pytest.mark.parametrize("how", ["missing", "a file"])
def test_a_catalogued_session_whose_folder_is_gone_is_named(store, two, tmp_path, how):
    """N2: a file where a catalogued session's folder should be (or no folder at all) was
    silently absent from a backup that said it was whole."""
    bad, good = two
    shutil.rmtree(store.folder(bad))
    if how == "a file":
        store.folder(bad).write_text("x")
    result = backup_store(store, tmp_path / "b.zip")
    what = "is not a folder" if how == "a file" else "is missing"
    assert result["sessions"] == [good] and not result["whole"]
    assert result["skipped"] == [[bad, f"the catalog lists it, but its folder sessions/{bad} "
                                       f"{what}"]]
    assert not check_backup(tmp_path / "b.zip")["ok"]


@pytest.mark.parametrize("name", ["b", "b.zip"])
def test_a_to_that_is_a_dangling_link_is_refused_and_kept(store, two, tmp_path, name):
    """F14 (a): it said "a file is where a folder should be" (a folder) or replaced the link
    with the backup (a .zip); now it is refused as a link, and nothing is written."""
    link = tmp_path / name
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(StoreError, match=rf"{name} is a symbolic link \(to a place that does "
                                         r"not exist\): a backup goes into a new folder"):
        backup_store(store, link)
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{name}")] == []


def test_a_backup_with_a_linked_goal_log_is_refused_in_a_backups_words(store, two, tmp_path):
    """F14 (b): the refusal said "in a session folder" and "nothing was imported"."""
    from sessions.goals import add_goal

    add_goal(store, "C07", text="play together")
    out = Path(backup_store(store, tmp_path / "b")["path"])
    log = out / "clients" / "C07" / "goals.jsonl"
    shutil.move(log, tmp_path / "goals.jsonl")
    log.symlink_to(tmp_path / "goals.jsonl")
    words = ("b: the goals of C07 (clients/C07/goals.jsonl): a symbolic link (improv takes "
             "only regular files from a backup): refused: improv restores nothing from it")
    with pytest.raises(SessionFormatError) as caught:
        check_backup(out)
    assert str(caught.value) == words
    with Store(tmp_path / "new") as new, pytest.raises(SessionFormatError) as caught:
        restore_store(new, out)
    assert str(caught.value) == words
    assert not (tmp_path / "new" / "clients").exists()
    assert os.listdir(tmp_path / "new" / "sessions") == []


def test_a_hidden_name_in_a_backups_checksums_is_refused_with_a_backup(store, two, tmp_path):
    """F14 (c): "never writes into an backup"."""
    out = Path(backup_store(store, tmp_path / "b")["path"])
    with open(out / "SHA256SUMS", "a") as f:
        f.write(f"{'0' * 64}  sessions/{two[0]}/.hidden\n")
    words = "improv never writes into a backup and never takes from one: refused; nothing was"
    assert words in check_backup(out)["problems"][0]
    with Store(tmp_path / "new") as new, pytest.raises(SessionFormatError, match=words):
        restore_store(new, out)

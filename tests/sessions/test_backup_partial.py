"""A backup of a store with hostile or damaged files (review 29, findings 4, 5, 6, 9, 10, 11,
19): nothing is left out silently, one broken item never stops the rest, what a backup lacks
is named (in the result, in BACKUP.json and by the check), and a restore brings back
everything restorable, setting damaged files aside as it does damaged sessions."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from sessions.backup import backup_store
from sessions.backup_restore import check_backup, restore_store
from sessions.store import Store
from tests.sessions.helpers import import_room_duet, tree_snapshot


@pytest.fixture
def two(store, tmp_path):
    """Two sessions of C07 with a room recording each, and goals for C07 and C08."""
    from sessions.goals import add_goal

    ids = []
    for n in ("1", "2"):
        (tmp_path / n).mkdir()
        ids.append(import_room_duet(store, tmp_path / n))
    add_goal(store, "C07", text="play together")
    add_goal(store, "C08", text="take turns")
    return sorted(ids)


def _zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


@pytest.mark.parametrize("text", ['{"id": "cut sho', "[]"])
def test_a_session_with_a_damaged_manifest_is_copied_as_it_is_and_named(store, two, tmp_path,
                                                                        text):
    """Findings 5 and 11: its recordings are in the backup, it is named damaged, the backup is
    not whole; the check names it and the restore sets it aside and restores the other."""
    bad, good = two
    (store.folder(bad) / "session.json").write_text(text)
    result = backup_store(store, tmp_path / "b.zip")
    why = ("session.json must hold a JSON object" if text == "[]"
           else "session.json is not valid JSON")
    assert [sid for sid, _ in result["copied_as_is"]] == [bad]
    assert result["copied_as_is"][0][1].startswith(why)
    assert str(store.root) not in result["copied_as_is"][0][1]  # no path of the store
    assert not result["whole"] and sorted(result["sessions"]) == [bad, good]
    assert f"b/sessions/{bad}/audio/room.wav" in _zip_names(tmp_path / "b.zip")
    about = json.loads(zipfile.ZipFile(tmp_path / "b.zip").read("b/BACKUP.json"))
    assert about["copied_as_is"] == result["copied_as_is"]
    check = check_backup(tmp_path / "b.zip")
    assert not check["ok"] and [sid for sid, _ in check["damaged"]] == [bad]
    assert check["damaged"][0][1].startswith(why) and "improv-check-" not in check["damaged"][0][1]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, tmp_path / "b.zip")
        assert restored["sessions"] == [good] and [s for s, _ in restored["set_aside"]] == [bad]
        assert "restore-store-" not in restored["set_aside"][0][1]


def test_a_linked_file_in_a_session_is_left_out_and_named(store, two, tmp_path):
    """Finding 6: the link is not followed, the rest of the session is copied, and the file
    left out is named; the backup is not whole."""
    bad, good = two
    wav = store.folder(bad) / "audio" / "room.wav"
    outside = tmp_path / "outside.wav"
    shutil.move(wav, outside)
    wav.symlink_to(outside)
    result = backup_store(store, tmp_path / "b")
    assert result["left_out"] == [[f"sessions/{bad}/audio/room.wav",
                                   "a symbolic link; improv does not follow links"]]
    assert not result["whole"]
    assert not (tmp_path / "b" / "sessions" / bad / "audio" / "room.wav").exists()
    assert (tmp_path / "b" / "sessions" / bad / "session.json").is_file()
    check = check_backup(tmp_path / "b")
    assert not check["ok"]
    assert check["left_out"] == [f"sessions/{bad}/audio/room.wav: a symbolic link; improv "
                                 "does not follow links"]


def test_a_linked_session_folder_is_left_out_and_never_read(store, two, tmp_path):
    bad, good = two
    shutil.move(store.folder(bad), tmp_path / "elsewhere")
    store.folder(bad).symlink_to(tmp_path / "elsewhere")
    result = backup_store(store, tmp_path / "b")
    assert result["sessions"] == [good] and not result["whole"]
    assert result["skipped"] == [[bad, f"the session folder {bad} is a symbolic link; improv "
                                       "does not follow links"]]
    assert not (tmp_path / "b" / "sessions" / bad).exists()


def test_a_linked_goal_log_is_left_out_and_the_rest_backed_up(store, two, tmp_path):
    """Finding 10: one client's goal log that is a link no longer stops the whole backup."""
    log = store.root / "clients" / "C07" / "goals.jsonl"
    shutil.move(log, tmp_path / "goals.jsonl")
    log.symlink_to(tmp_path / "goals.jsonl")
    result = backup_store(store, tmp_path / "b.zip")
    assert sorted(result["sessions"]) == two and result["clients"] == ["C08"]
    assert [rel for rel, _ in result["left_out"]] == ["clients/C07/goals.jsonl"]
    assert "symbolic link" in result["left_out"][0][1] and not result["whole"]
    assert "b/clients/C07/goals.jsonl" not in _zip_names(tmp_path / "b.zip")
    check = check_backup(tmp_path / "b.zip")
    assert not check["ok"] and check["clients"] == 1 and check["sessions"] == 2


def test_a_damaged_goal_log_is_named_and_set_aside_by_the_restore(store, two, tmp_path):
    """Finding 4: the backup copies it and names it damaged, the check names it (it said
    "whole" before), and the restore sets it aside and restores every session and the other
    client's goals, naming no temporary path."""
    log = store.root / "clients" / "C07" / "goals.jsonl"
    log.write_bytes(log.read_bytes() + b"garbage\n")
    result = backup_store(store, tmp_path / "b.zip")
    assert result["clients"] == ["C07", "C08"] and not result["whole"]
    assert [rel for rel, _ in result["damaged_files"]] == ["clients/C07/goals.jsonl"]
    assert result["damaged_files"][0][1].startswith("clients/C07/goals.jsonl:2: not a JSON line")
    check = check_backup(tmp_path / "b.zip")
    assert not check["ok"] and check["problems"] == [] and check["damaged"] == []
    assert [rel for rel, _ in check["damaged_files"]] == ["clients/C07/goals.jsonl"]
    with Store(tmp_path / "new") as new:
        restored = restore_store(new, tmp_path / "b.zip")
        assert sorted(restored["sessions"]) == two and restored["clients"] == ["C08"]
        assert [rel for rel, _ in restored["left_out"]] == ["clients/C07/goals.jsonl"]
        why = restored["left_out"][0][1]
        assert why.startswith("clients/C07/goals.jsonl:2: not a JSON line")
        assert "restore-store-" not in why and "restore it from a backup" not in why
        assert not (new.root / "clients" / "C07").exists()
        assert (new.root / "clients" / "C08" / "goals.jsonl").is_file()
        assert os.listdir(new.tmp_dir) == []


def test_the_check_counts_what_is_there_and_flags_what_backup_json_invents(store, two,
                                                                         tmp_path):
    """Finding 19: a BACKUP.json naming sessions, clients and files the backup does not hold
    is a problem, and the counts are of what is there."""
    import hashlib

    out = Path(backup_store(store, tmp_path / "b")["path"])
    about = json.loads((out / "BACKUP.json").read_text())
    about["sessions"].append("../../../elsewhere")
    about["clients"].append("../x")
    about["files"].append("../../b.txt")
    text = json.dumps(about)
    (out / "BACKUP.json").write_text(text)
    sums = (out / "SHA256SUMS").read_text().splitlines()
    digest = hashlib.sha256(text.encode()).hexdigest()
    (out / "SHA256SUMS").write_text("".join(
        (f"{digest}  BACKUP.json" if line.endswith("  BACKUP.json") else line) + "\n"
        for line in sums))
    check = check_backup(out)
    assert check["sessions"] == 2 and check["clients"] == 2 and not check["ok"]
    assert check["problems"] == [
        "BACKUP.json names session ../../../elsewhere, which the backup does not hold",
        "BACKUP.json names the goals of client ../x, which the backup does not hold",
        "BACKUP.json names ../../b.txt, which the backup does not hold"]


def test_a_whole_backup_is_whole(store, two, tmp_path):
    result = backup_store(store, tmp_path / "b.zip")
    assert result["whole"] and not (result["left_out"] or result["copied_as_is"]
                                    or result["damaged_files"] or result["skipped"])
    check = check_backup(tmp_path / "b.zip")
    assert check["ok"] and check["left_out"] == [] and check["damaged_files"] == []
    assert (check["sessions"], check["clients"]) == (2, 2)


def test_a_damaged_manifest_leaves_the_store_as_it_was(store, two, tmp_path):
    bad, _good = two
    (store.folder(bad) / "session.json").write_text("[]")
    before = tree_snapshot(store.root)
    backup_store(store, tmp_path / "b")
    after = tree_snapshot(store.root)
    after.pop("last-backup.json", None)
    assert after == before

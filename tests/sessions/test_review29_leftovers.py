"""What the hostile-files review 29 fixes left: a session folder that is a link is never
walked through (finding 2's walks over ``sessions/``), names with control characters in a
backup's checksum list (finding 7), an export claiming to be still recorded (finding 17), at
most 16 players in every new session (finding 12)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sessions.store import LINK_PROBLEM, Store
from tests.sessions import hostile


@pytest.fixture
def world(run_cli, store_path, tmp_path):
    """A store with one session of C07, and a sentinel folder outside it."""
    sid = hostile.import_good(run_cli, tmp_path)
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    return {"sid": sid, "store": store_path, "sentinel": sentinel}


def _linked_session(world, new_id: str) -> Path:
    """A copy of the good session moved out of the store, a link to it in its place."""
    folder = hostile.copy_session(world["store"], world["sid"], new_id)
    target = world["sentinel"] / new_id
    shutil.move(folder, target)
    os.symlink(target, folder)
    return target


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else b"")
            for p in sorted(folder.rglob("*"))}


# -- 1: a session folder that is a link ---------------------------------------------------

def test_a_linked_session_folder_is_no_session_id_and_is_reported_unreadable(store, world):
    linked = "20260101-000000-11ed"
    _linked_session(world, linked)
    assert store.session_ids() == [world["sid"]]
    assert store.linked_ids() == [linked]
    assert store.unlisted() == [{"id": linked, "client": None, "status": "unreadable",
                                 "problem": LINK_PROBLEM}]
    assert [r["id"] for r in store.unlisted(client="C07")] == [linked]  # client unknown


def test_a_linked_folder_flagged_recording_is_never_recovered_or_emptied(run_cli, world):
    """Recovery held the lock in, and removed the flag and lock of, the folder linked to."""
    linked = "20260101-000000-11ee"
    target = _linked_session(world, linked)
    for name in os.listdir(target):  # a creation that died before its manifest
        p = target / name
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    (target / "RECORDING").write_text("12345\n")
    (target / ".lock").write_text("")
    before = _tree(world["sentinel"])
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert _tree(world["sentinel"]) == before
    assert Store(world["store"]).interrupted() == []
    rows = {x["id"]: x for x in r.json()}
    assert rows[linked]["status"] == "unreadable"


def test_verify_and_backup_still_name_a_linked_session(run_cli, world, tmp_path):
    linked = "20260101-000000-11ef"
    _linked_session(world, linked)
    r = run_cli("sessions", "verify", "--all", "--json")
    assert r.exit_code == 1
    bad = [x for x in r.json() if not x["ok"]]
    assert [x["id"] for x in bad] == [linked]
    assert "symbolic link" in bad[0]["problems"][0]
    r = run_cli("backup", "--to", str(tmp_path / "bk.zip"))
    assert r.exit_code == 1
    assert linked in r.stderr and "symbolic link" in r.stderr


# -- 2: names a checksum list cannot hold -------------------------------------------------

def _one_line(text: str) -> None:
    assert text.strip() and all(line.startswith(("error:", "warning:", "  ")) or not line
                                for line in text.splitlines()), text


def test_a_client_folder_named_with_a_line_break_is_left_out_and_named(run_cli, world,
                                                                       tmp_path):
    """An improv before the whole-name check made ``clients/C07\\n``; its SHA256SUMS line
    broke in two and every later backup was refused whole."""
    odd = world["store"] / "clients" / "C07\n"
    odd.mkdir(parents=True)
    (odd / "goals.jsonl").write_text("")
    (world["sentinel"] / "x").write_text("")
    bad_file = world["store"] / "sessions" / world["sid"] / "stray\tname.txt"
    bad_file.write_text("a stray file\n")
    r = run_cli("backup", "--to", str(tmp_path / "bk"))
    assert r.exit_code == 1
    assert "the goals of C07\\n are not in the backup" in r.stderr
    assert "not a client code" in r.stderr
    assert "stray\\tname.txt" in r.stderr and "control character" in r.stderr
    assert "C07\n" not in r.stderr + r.stdout
    sums = (tmp_path / "bk" / "SHA256SUMS").read_text()
    assert "C07\n" not in sums and "stray" not in sums
    assert run_cli("backup", "--check", str(tmp_path / "bk")).exit_code == 1  # left out: named
    r = run_cli("--store", str(tmp_path / "new"), "restore", str(tmp_path / "bk"))
    # what it holds is restored; what was left out when it was made is named, exit 1 (N8)
    assert r.exit_code == 1 and "left out when it was made" in r.stderr, r.stderr
    assert Store(tmp_path / "new").session_ids() == [world["sid"]]


def _backup_with(run_cli, tmp_path, rel: str) -> Path:
    bk = tmp_path / "bk"
    assert run_cli("backup", "--to", str(bk)).exit_code == 0
    (bk / rel).parent.mkdir(parents=True, exist_ok=True)
    (bk / rel).write_text("")
    digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    with open(bk / "SHA256SUMS", "a") as f:
        f.write(f"{digest}  {rel}\n")
    return bk


def test_an_old_backup_listing_a_name_with_a_line_break_is_refused_in_one_line(run_cli,
                                                                               world, tmp_path):
    bk = _backup_with(run_cli, tmp_path, "clients/C07\n/goals.jsonl")
    for args in (("backup", "--check", str(bk)),
                 ("--store", str(tmp_path / "new"), "restore", str(bk))):
        r = run_cli(*args)
        assert r.exit_code == 1
        assert "lists clients/C07\\n/goals.jsonl, a name with a line break" in r.stderr + r.stdout
        assert "checksum list is damaged" not in r.stderr + r.stdout
    assert not (tmp_path / "new" / "sessions").exists() or not os.listdir(tmp_path / "new"
                                                                           / "sessions")


def test_a_backup_listing_a_hidden_client_folder_says_so_in_a_restores_words(run_cli, world,
                                                                            tmp_path):
    bk = _backup_with(run_cli, tmp_path, "clients/..evil/goals.jsonl")
    r = run_cli("--store", str(tmp_path / "new"), "restore", str(bk))
    assert r.exit_code == 1
    assert "lists clients/..evil/goals.jsonl, a hidden name" in r.stderr
    assert "nothing was restored" in r.stderr
    assert "missing" not in r.stderr and "export" not in r.stderr and "imported" not in r.stderr


# -- 3: an export claiming to be still recorded ---------------------------------------------

def test_an_export_whose_manifest_says_recording_is_refused_in_one_line(store, tmp_path):
    import hashlib

    from sessions.errors import SessionFormatError
    from sessions.export import export_session
    from sessions.restore import restore_session
    from tests.sessions.helpers import import_room_duet, tree_snapshot

    with Store(tmp_path / "other") as other:
        sid = import_room_duet(other, tmp_path)
        folder = export_session(other.folder(sid), tmp_path / "out")
    manifest = json.loads((folder / "session.json").read_text())
    manifest["status"] = "recording"
    data = json.dumps(manifest).encode()
    (folder / "session.json").write_bytes(data)
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    sums = [f"{hashlib.sha256(data).hexdigest()}  session.json"
            if line.endswith("  session.json") else line for line in sums]
    (folder / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    before = tree_snapshot(store.root)
    with pytest.raises(SessionFormatError) as info:
        restore_session(store, folder)
    assert str(info.value) == (
        f"{folder.name}: session {sid}: its session.json says it is still being recorded, but an "
        "export holds a finished session: export it again from the store it was recorded "
        "in; nothing was imported")
    assert tree_snapshot(store.root) == before


# -- 5: messages in words ---------------------------------------------------------------------

def test_a_permission_fault_is_said_in_words_not_as_an_errno():
    from sessions.errors import fault_text

    exc = PermissionError(13, "Permission denied", "/home/x/store/sessions/S/session.json")
    assert fault_text(exc) == "permission denied: session.json (files of another user?)"
    assert fault_text(IsADirectoryError(21, "Is a directory", "/a/notes.md")) == (
        "cannot be read (notes.md: Is a directory)")


def test_a_damaged_goal_log_left_out_of_the_export_is_logged_with_why(run_cli, store,
                                                                     caplog):
    from improv.archive.goals_table import add_goals

    assert run_cli("goals", "add", "--new-client", "--client", "C03",
                   "Starts a phrase").exit_code == 0
    (store.root / "clients" / "C03" / "goals.jsonl").write_bytes(b"not json\n")
    cols: dict = {}
    with caplog.at_level("WARNING"):
        assert add_goals(cols, store, ["C03"], with_text=False) == ["C03"]
    text = caplog.text
    assert "left out of the export: " in text and "SessionFormatError" not in text
    assert "not a JSON line" in text and "C03" not in text

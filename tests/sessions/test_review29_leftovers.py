"""What the hostile-files review 29 fixes left: a session folder that is a link is never
walked through (finding 2's walks over ``sessions/``), names with control characters in a
backup's checksum list (finding 7), an export claiming to be still recorded (finding 17), at
most 16 players in every new session (finding 12)."""

from __future__ import annotations

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

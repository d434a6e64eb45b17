"""A store whose disk went read-only after a recording was killed (review 31, M2).

The completed sessions can be listed, shown, exported and backed up; the interrupted one is
listed and every command that meets it says in one line how to save it: copy the store
folder to a writable disk and recover the copy.  A real tmpfs remounted read-only (as root on
Linux, as on CI; elsewhere skipped), a real writer process killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sessions.helpers import tmpfs, tree_snapshot, write_midi

CHILD = Path(__file__).with_name("kill_writer_child.py")


@pytest.fixture
def disk(tmp_path):
    with tmpfs(tmp_path / "mnt", size="50m") as mnt:
        yield mnt


def _killed_recording(root: Path) -> str:
    """Record into ``root`` in another process and kill it with SIGKILL once it has flushed."""
    proc = subprocess.Popen([sys.executable, str(CHILD), str(root)], stdout=subprocess.PIPE,
                            text=True, cwd=Path(__file__).parents[2])
    try:
        sid = proc.stdout.readline().strip()
        for line in proc.stdout:  # "<monotonic> <events> <frames>": wait for a second's worth
            if int(line.split()[2]) >= 48000 * 1.5:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return sid


def _advice(root: Path, they: bool = False) -> str:
    return (f"the store is read-only, so {'they' if they else 'it'} cannot be recovered there: "
            f"copy the store folder {root} to a writable disk and run 'improv --store COPY "
            "sessions recover' there (COPY: the copied folder)")


def test_completed_sessions_are_read_and_the_interrupted_one_says_what_to_do(
        disk, tmp_path, run_cli, monkeypatch):
    root = disk / "store"
    monkeypatch.setenv("IMPROV_STORE", str(root))
    done = run_cli("sessions", "import", write_midi(tmp_path / "a.mid"), "--client", "C01",
                   "--json")
    assert done.exit_code == 0, done.stderr
    done = done.json()["id"]
    sid = _killed_recording(root)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    before = tree_snapshot(root)

    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0, r.stderr
    rows = {row["id"]: row for row in r.json()}
    assert rows[done]["status"] == "complete"
    assert rows[sid]["status"] == "interrupted" and rows[sid]["client"] == "C99"
    assert rows[sid]["problem"] == f"interrupted; {_advice(root)}"
    r = run_cli("sessions", "list")
    assert r.exit_code == 0 and done in r.stdout and sid in r.stdout
    assert r.stderr == f"session {sid}: interrupted; {_advice(root)}\n"

    assert run_cli("sessions", "show", done).exit_code == 0
    r = run_cli("sessions", "export", done, "--to", tmp_path / "done.zip")
    assert r.exit_code == 0, r.stderr
    for args in (["sessions", "show", sid],
                 ["sessions", "export", sid, "--to", tmp_path / "x.zip"]):
        r = run_cli(*args)
        assert r.exit_code == 1, args
        assert r.stderr == f"error: session {sid} was interrupted; {_advice(root)}\n", args
    r = run_cli("sessions", "recover")
    assert r.exit_code == 1
    assert r.stderr == f"error: 1 interrupted session ({sid}): {_advice(root)}\n"

    r = run_cli("sessions", "verify", sid)
    assert r.exit_code == 1
    assert f"the recording was interrupted ({_advice(root)})" in r.stdout + r.stderr

    r = run_cli("backup", "--to", tmp_path / "bk")
    assert r.exit_code == 1  # not whole: the interrupted session is named
    assert (f"warning: session {sid} is not in the backup: interrupted; {_advice(root)}"
            in r.stderr)
    about = json.loads((tmp_path / "bk" / "BACKUP.json").read_text())
    assert about["sessions"] == [done]
    assert tree_snapshot(root) == before  # nothing written on the read-only disk

    copy = tmp_path / "copy"  # what the message says to do
    shutil.copytree(root, copy, symlinks=True)
    r = run_cli("--store", copy, "sessions", "recover", "--json")
    assert r.exit_code == 0, r.stderr
    assert [(x["id"], x["ok"]) for x in r.json()] == [(sid, True)]
    r = run_cli("--store", copy, "sessions", "verify", "--all")
    assert r.exit_code == 0, r.stdout + r.stderr


def test_a_read_only_store_without_a_catalog_is_listed_from_its_folders(disk, tmp_path,
                                                                        run_cli, monkeypatch):
    """A recording killed in a new store leaves no catalog (it is made when a session is
    finished): the read-only store was refused outright ("read-only and has no catalog")."""
    root = disk / "store"
    monkeypatch.setenv("IMPROV_STORE", str(root))
    sid = _killed_recording(root)
    assert not (root / "catalog.sqlite").exists()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    before = tree_snapshot(root)
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert [(row["id"], row["status"]) for row in r.json()] == [(sid, "interrupted")]
    r = run_cli("info", "--json")
    assert r.exit_code == 0, r.stderr
    assert tree_snapshot(root) == before


def test_a_full_disk_without_a_catalog_is_listed_and_left_without_one(disk, tmp_path, run_cli,
                                                                      monkeypatch):
    """Review 31, L2: ``sessions list`` failed and left a zero-byte ``catalog.sqlite``."""
    made = tmp_path / "made"
    monkeypatch.setenv("IMPROV_STORE", str(made))
    r = run_cli("sessions", "import", write_midi(tmp_path / "a.mid"), "--client", "C01", "--json")
    assert r.exit_code == 0, r.stderr
    sid = r.json()["id"]
    root = disk / "store"  # session folders copied in by hand: no catalog
    root.mkdir(mode=0o700)
    shutil.copytree(made / "sessions", root / "sessions")
    monkeypatch.setenv("IMPROV_STORE", str(root))
    with open(disk / "filler", "wb", buffering=0) as f:  # the disk full to the last block
        for size in (65536, 512):
            try:
                while f.write(b"\0" * size):
                    pass
            except OSError:
                pass
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert [(row["id"], row["status"]) for row in r.json()] == [(sid, "complete")]
    assert not any(n.startswith("catalog.sqlite") for n in os.listdir(root))
    (disk / "filler").unlink()  # space again: the catalog is made
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0 and [row["id"] for row in r.json()] == [sid]
    assert (root / "catalog.sqlite").stat().st_size > 0

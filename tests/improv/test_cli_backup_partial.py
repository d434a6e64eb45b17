"""The command line of a backup that is not whole (review 29, findings 4, 5, 9, 15): what is
left out or damaged is named one line each and the exit status is 1; one unreadable session
never stops 'backup', 'sessions verify --all' or 'sessions reindex' for the others."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sessions.helpers import write_midi


@pytest.fixture
def ids(run_cli, tmp_path):
    out = []
    for n, client in (("1", "C07"), ("2", "C08")):
        r = run_cli("sessions", "import", write_midi(tmp_path / f"{n}.mid"), "--client", client,
                    "--json")
        assert r.exit_code == 0, r.stderr
        out.append(r.json()["id"])
    r = run_cli("goals", "add", "--client", "C07", "play together")
    assert r.exit_code == 0, r.stderr
    return out


def test_a_backup_with_a_damaged_session_exits_1_and_says_so(run_cli, ids, tmp_path,
                                                              store_path):
    """Findings 5 and 15: the session is copied as it is and named; exit 1."""
    bad, good = ids
    (store_path / "sessions" / bad / "session.json").write_text("[]")
    r = run_cli("backup", "--to", tmp_path / "b.zip")
    assert r.exit_code == 1, r.stderr
    assert (f"warning: session {bad} is damaged (session.json must hold a JSON object): its "
            "files were copied as they are") in r.stderr
    assert "when it is finished" not in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.endswith(f"error: the backup is not whole: 1 damaged session copied as it "
                             f"is ({bad}) (see the warnings above)\n")
    assert r.stdout.startswith("backed up 2 sessions")


def test_a_backup_with_a_linked_folder_names_it_and_exits_1(run_cli, ids, tmp_path,
                                                             store_path):
    bad, good = ids
    folder = store_path / "sessions" / bad
    shutil.move(folder, tmp_path / "elsewhere")
    folder.symlink_to(tmp_path / "elsewhere")
    r = run_cli("backup", "--to", tmp_path / "b")
    assert r.exit_code == 1
    assert f"warning: session {bad} is not in the backup: the session folder" in r.stderr
    assert f"error: the backup is not whole: 1 session left out ({bad})" in r.stderr
    assert r.stdout.startswith("backed up 1 session")
    r = run_cli("backup", "--check", tmp_path / "b")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"error: backup {tmp_path / 'b'} is not whole: 1 item was left "
                               f"out when it was made (first: session {bad}: ")
    assert r.stderr.count("\n") == 1


def test_a_damaged_goal_log_is_named_by_check_and_set_aside_by_restore(run_cli, ids, tmp_path,
                                                                        store_path):
    """Finding 4: 'backup --check' no longer says "whole", and 'restore' restores the
    sessions, sets the goal log aside with one line, exit 1."""
    log = store_path / "clients" / "C07" / "goals.jsonl"
    log.write_bytes(log.read_bytes() + b"garbage\n")
    r = run_cli("backup", "--to", tmp_path / "b.zip")
    assert r.exit_code == 1
    assert "warning: the goals of C07 are damaged (clients/C07/goals.jsonl:2:" in r.stderr
    r = run_cli("backup", "--check", tmp_path / "b.zip")
    assert r.exit_code == 1 and "is whole" not in r.stdout
    assert "holds 1 damaged file (first: the goals of C07 are damaged: " in r.stderr
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b.zip")
    assert r.exit_code == 1, r.stderr
    assert r.stderr.startswith("warning: the goals of C07 were not restored: "
                               "clients/C07/goals.jsonl:2: not a JSON line")
    assert "restore-store-" not in r.stderr and r.stderr.count("\n") == 1
    assert r.stdout.startswith("restored 2 sessions, goals of 0 clients")
    assert "1 damaged file not restored: clients/C07/goals.jsonl" in r.stdout


def _unprivileged() -> list[str]:
    """A command prefix under which chmod 000 denies reading (root ignores it: its
    capabilities are dropped with setpriv), or a skip."""
    if os.geteuid() != 0:
        return []
    if sys.platform != "linux" or not shutil.which("setpriv"):
        pytest.skip("needs setpriv to read as root without the right to ignore permissions")
    caps = "-dac_override,-dac_read_search,-fowner"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps]


def _improv(store: Path, *args) -> subprocess.CompletedProcess:
    code = "import sys; from improv.cli import main; sys.exit(main())"
    return subprocess.run([*_unprivileged(), sys.executable, "-c", code, "--store", str(store),
                           *map(str, args)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])


@pytest.mark.parametrize("what", ["folder", "files"])
def test_an_unreadable_session_stops_no_store_wide_command(ids, tmp_path, store_path, what):
    """Finding 9: verify --all, backup and reindex name the session that cannot be read,
    go on with the others and exit 1."""
    bad, good = ids
    _unprivileged()
    folder = store_path / "sessions" / bad
    locked = [folder] if what == "folder" else [folder / "midi.tsv", folder / "session.mid"]
    for p in locked:
        p.chmod(0)
    try:
        r = _improv(store_path, "sessions", "verify", "--all")
        assert r.returncode == 1, r.stderr
        assert f"{bad}: PROBLEMS" in r.stdout and good not in r.stdout
        assert "1 of 2 sessions is intact" in r.stdout
        assert "permission denied" in r.stdout and "Traceback" not in r.stderr
        r = _improv(store_path, "backup", "--to", tmp_path / "b")
        assert r.returncode == 1, r.stderr
        assert (tmp_path / "b" / "sessions" / good / "midi.tsv").is_file()
        assert "permission denied" in r.stderr and "Traceback" not in r.stderr
        assert "error: the backup is not whole: " in r.stderr
        if what == "folder":
            assert f"warning: session {bad} is not in the backup: its folder cannot be read" \
                   in r.stderr
        else:
            assert f"warning: session {bad}: midi.tsv is not in the backup: permission " \
                   "denied" in r.stderr
        r = _improv(store_path, "sessions", "reindex")
        assert "Traceback" not in r.stderr
        if what == "folder":  # (reindex reads only session.json, readable in "files")
            assert r.returncode == 1, r.stderr
            assert f"skipped {bad}: " in r.stdout and "indexed 1 session" in r.stdout
    finally:
        for p in locked:
            p.chmod(0o700 if p.is_dir() else 0o600)

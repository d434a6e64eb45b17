"""The command line of a backup of damaged sessions and of a restore from a backup that was
not whole (review 29 recheck, N2, N8, F14): each is named one line and the exit status is 1."""

from __future__ import annotations

import shutil

import pytest

from tests.sessions.helpers import garble_event_log, write_midi


@pytest.fixture
def ids(run_cli, tmp_path):
    out = []
    for n, client in (("1", "C07"), ("2", "C08")):
        r = run_cli("sessions", "import", write_midi(tmp_path / f"{n}.mid"), "--client", client,
                    "--json")
        assert r.exit_code == 0, r.stderr
        out.append(r.json()["id"])
    return out


def test_a_backup_of_a_session_with_a_damaged_event_log_exits_1(run_cli, ids, tmp_path,
                                                                 store_path):
    """N2: it said "backed up 2 sessions" with exit 0; 'backup --check' then called the
    session damaged and 'restore' set it aside."""
    bad, good = ids
    folder = store_path / "sessions" / bad
    garble_event_log(folder)
    r = run_cli("backup", "--to", tmp_path / "b.zip")
    assert r.exit_code == 1, r.stderr
    assert r.stderr.startswith(f"warning: session {bad} is damaged (midi.tsv")
    assert (f"its files were copied as they are (a restore sets it aside); 'improv sessions "
            f"verify {bad}' says what\n") in r.stderr
    assert r.stderr.endswith(f"error: the backup is not whole: 1 damaged session copied as it "
                             f"is ({bad}) (see the warnings above)\n")
    assert r.stdout.startswith("backed up 2 sessions")
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b.zip")
    assert r.exit_code == 1 and r.stderr.startswith(f"warning: session {bad} was not restored")


def test_a_restore_from_a_backup_that_left_a_session_out_exits_1(run_cli, ids, tmp_path,
                                                                 store_path):
    """N8: the restore warned but exited 0, so a script could not tell that the new store
    lacks a session."""
    bad, good = ids
    folder = store_path / "sessions" / bad
    shutil.move(folder, tmp_path / "elsewhere")
    folder.symlink_to(tmp_path / "elsewhere")
    assert run_cli("backup", "--to", tmp_path / "b").exit_code == 1
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b")
    assert r.exit_code == 1, r.stderr
    assert r.stderr.startswith(f"warning: not in the backup (left out when it was made): "
                               f"session {bad}: the session folder {bad} is a symbolic link")
    assert r.stdout.startswith("restored 1 session, goals of 0 clients")
    assert ("1 item of the store was not in the backup (left out when it was made, named "
            "above): this store lacks it; an older backup may hold it") in r.stdout
    assert (tmp_path / "new" / "sessions" / good).is_dir()


def test_a_restore_from_a_whole_backup_exits_0(run_cli, ids, tmp_path):
    assert run_cli("backup", "--to", tmp_path / "b.zip").exit_code == 0
    r = run_cli("--store", tmp_path / "new", "restore", tmp_path / "b.zip")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == "" and "not in the backup" not in r.stdout


def test_backup_to_a_dangling_link_names_the_link(run_cli, ids, tmp_path):
    """F14 (a): it said "a file is where a folder should be"."""
    (tmp_path / "dang").symlink_to(tmp_path / "nowhere")
    r = run_cli("backup", "--to", tmp_path / "dang")
    assert r.exit_code == 1
    assert r.stderr == (f"error: {tmp_path / 'dang'} is a symbolic link (to a place that does "
                        "not exist): a backup goes into a new folder or .zip file and never "
                        "through a link; choose another name (or remove the link) (option "
                        "--to)\n")
    assert not (tmp_path / "nowhere").exists()

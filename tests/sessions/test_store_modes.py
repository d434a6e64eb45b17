"""Owner-only session folders and no empty store left by a refused restore (review 31, L5).
Real files and folders; the full disk is a real tmpfs (as root on Linux, else skipped)."""

from __future__ import annotations

import os
import shutil
import stat

import numpy as np
import pytest

from tests.sessions.helpers import import_room_duet, tmpfs, write_midi


def _modes(folder):
    return {p.relative_to(folder).as_posix(): stat.S_IMODE(p.lstat().st_mode)
            for p in [folder, *folder.rglob("*")]}


def test_reindex_makes_a_session_copied_in_by_hand_owner_only(run_cli, store, tmp_path):
    with type(store)(tmp_path / "other") as other:
        sid = import_room_duet(other, tmp_path)
        src = other.folder(sid)
    copied = store.folder(sid)
    shutil.copytree(src, copied, copy_function=shutil.copyfile)  # as 'cp -r' under umask 022
    for p in [copied, *copied.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    r = run_cli("sessions", "reindex")
    assert r.exit_code == 0, r.stderr
    assert (f"warning: session folder {sid} was open to other users" in r.stderr
            and "made owner-only" in r.stderr), r.stderr
    modes = _modes(copied)
    assert all(m & 0o077 == 0 for m in modes.values()), modes
    assert modes["."] == 0o700 and modes["session.json"] == 0o600
    r = run_cli("sessions", "reindex")  # nothing left to say
    assert r.exit_code == 0 and "owner-only" not in r.stderr


def test_a_refused_restore_leaves_no_store_folder(run_cli, tmp_path):
    """The backup is not one: refused before anything is restored, and the store it made for
    the restore is removed again (a folder the user made stays)."""
    not_a_backup = tmp_path / "nobackup"
    not_a_backup.mkdir()
    r = run_cli("--store", tmp_path / "new", "restore", not_a_backup)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "new").exists()
    (tmp_path / "mine").mkdir()
    r = run_cli("--store", tmp_path / "mine", "restore", not_a_backup)
    assert r.exit_code == 1
    assert (tmp_path / "mine").is_dir()


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path / "mnt", size="3m") as mnt:
        yield mnt


def test_a_restore_refused_for_lack_of_space_leaves_no_store_folder(run_cli, tmp_path,
                                                                    small_disk, monkeypatch):
    import soundfile as sf

    monkeypatch.setenv("IMPROV_STORE", str(tmp_path / "store"))
    wav = tmp_path / "big.wav"  # 7.7 MB: more than the 3 MB disk holds
    sf.write(wav, np.zeros((48000 * 20, 2), np.float32), 48000, subtype="FLOAT")
    assert run_cli("sessions", "import", wav, write_midi(tmp_path / "a.mid"),
                   "--client", "C01").exit_code == 0
    assert run_cli("backup", "--to", tmp_path / "bk").exit_code == 0
    r = run_cli("--store", small_disk / "new", "restore", tmp_path / "bk")
    assert r.exit_code == 1 and r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, \
        r.stderr
    assert "free" in r.stderr or "space" in r.stderr, r.stderr
    assert os.listdir(small_disk) == []

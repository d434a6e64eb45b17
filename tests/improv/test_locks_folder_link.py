"""The store's ``locks/`` folder is never worked through a link (review 29 recheck, N1): a
recording's input locks would otherwise create, append to and delete files outside the
store.  A sentinel folder outside keeps its files' bytes, modes and modification times."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from improv.capture.inputlock import InputLocks
from sessions.errors import StoreError
from sessions.store import Store

KEY = "MIDI port 'kb1:out'"


def _name(key: str) -> str:
    """The lock file's name (as improv.capture.inputlock names it)."""
    return f"input-{hashlib.sha256(key.encode()).hexdigest()[:16]}.lock"


def _snapshot(folder: Path) -> dict[str, tuple]:
    out = {}
    for p in sorted([folder, *folder.rglob("*")]):
        st = p.lstat()
        data = p.read_bytes() if stat.S_ISREG(st.st_mode) else b""
        out[p.relative_to(folder).as_posix()] = (data, st.st_mode, st.st_mtime_ns)
    return out


@pytest.fixture
def linked(tmp_path):
    """A store whose ``locks`` is a link to an outside folder holding a file of the lock's name."""
    root = tmp_path / "store"
    Store(root).close()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / _name(KEY)).write_text("user data\n")
    os.chmod(outside / _name(KEY), 0o644)
    for p in (outside / _name(KEY), outside):
        os.utime(p, ns=(10**18, 10**18))
    os.symlink(outside, root / "locks")
    return root, outside


def test_a_locks_link_is_refused_before_a_lock_is_taken(linked):
    root, outside = linked
    before = _snapshot(outside)
    with pytest.raises(StoreError, match=r"locks is a symbolic link; improv does not follow "
                                         r"links out of its store: put the folder it points "
                                         r"to in its place \(or remove the link\)"):
        InputLocks(root, [KEY])
    assert _snapshot(outside) == before


def test_a_store_with_a_locks_link_is_refused_when_opened(linked):
    root, outside = linked
    before = _snapshot(outside)
    with pytest.raises(StoreError, match="locks is a symbolic link"):
        Store(root)
    assert _snapshot(outside) == before


def test_a_file_where_locks_is_expected_is_refused(tmp_path):
    root = tmp_path / "store"
    Store(root).close()
    (root / "locks").write_text("x")
    with pytest.raises(StoreError, match="locks is a file, not a folder: move it out of the "
                                         "store"):
        InputLocks(root, [KEY])
    assert (root / "locks").read_text() == "x"


def test_a_link_put_in_place_of_locks_while_recording_is_never_followed(tmp_path):
    """The lock files are removed through the folder's handle: a link swapped in for
    ``locks/`` while the locks are held leaves the outside file as it was."""
    root = tmp_path / "store"
    Store(root).close()
    held = InputLocks(root, [KEY])
    lock = root / "locks" / _name(KEY)
    assert lock.is_file() and stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert lock.read_text().split() == [str(os.getpid())]
    os.rename(root / "locks", tmp_path / "moved")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / _name(KEY)).write_text("user data\n")
    os.utime(outside / _name(KEY), ns=(10**18, 10**18))
    os.utime(outside, ns=(10**18, 10**18))
    os.symlink(outside, root / "locks")
    before = _snapshot(outside)
    held.release()
    assert _snapshot(outside) == before
    assert not (tmp_path / "moved" / _name(KEY)).exists()  # its own file was removed


def test_locks_in_a_real_folder_still_exclude_each_other(tmp_path):
    root = tmp_path / "store"
    Store(root).close()
    first = InputLocks(root, [KEY])
    from improv.errors import DeviceError

    with pytest.raises(DeviceError, match=rf"being recorded already.*process {os.getpid()}"):
        InputLocks(root, [KEY])
    first.release()
    InputLocks(root, [KEY]).release()
    assert list((root / "locks").iterdir()) == []

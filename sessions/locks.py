"""Every ``flock`` the store takes: on a folder, or on a lock file.

Two kinds of lock, both POSIX ``flock``, released by the kernel when their process dies (also
on ``kill -9``):

- **A folder or file itself** (:func:`folder_lock`, blocking, exclusive or shared): a session's
  folder guards changes of its manifest (:func:`manifest_lock`), its ``audio/`` folder a
  compression run (:mod:`sessions.compress`), which analyses hold shared while they read, its
  ``annotations.jsonl`` the numbering of revisions (:mod:`sessions.annotation_edits`), and the
  folder again the notes' history (:mod:`sessions.notes`).
- **All of a session's folder locks at once, without waiting** (:func:`all_free`): a deletion
  (:meth:`sessions.store.Store.delete`) renames the folder away only while no other process
  holds any of them (a backup, an analysis, a compression, an annotation or notes change).
- **A lock file owned by a live process** (:func:`hold`, exclusive, non-blocking): a session's
  ``.lock`` while it is recorded or recovered (:mod:`sessions.writer`,
  :mod:`sessions.recovery`), ``tmp/<name>.lock`` while a scratch item exists
  (:mod:`sessions.scratch`).  Another process asks whether its owner is gone with
  :func:`is_held` or takes it over with :func:`take`.

Locks are held per open file, so two processes, or two threads of one, exclude each other.
Without ``fcntl`` (Windows) nothing is locked: :data:`SUPPORTED` is False, a lock file is only
a PID file, and no lock counts as held.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Iterable, Iterator

from sessions.fsutil import open_new

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

#: True where ``flock`` exists (POSIX); without it nothing is locked.
SUPPORTED = fcntl is not None


@contextlib.contextmanager
def folder_lock(folder: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an exclusive (or ``shared``) ``flock`` on a folder itself (no lock file is made).

    Waits until the lock is free.  Without ``fcntl`` (Windows) nothing is locked.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def all_free(paths: Iterable[Path]) -> Iterator[bool]:
    """Try to hold an exclusive ``flock`` on each of ``paths`` (folders or files), without
    waiting.

    Yields True with every lock held until the block ends, or False (none held) if another
    process holds one of them, shared or exclusive.  A path that is missing or a symbolic link
    is passed over.  Without ``fcntl`` (Windows) it yields True and nothing is locked.
    """
    with contextlib.ExitStack() as stack:
        for path in paths:
            if fcntl is None:  # pragma: no cover - Windows
                break
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            except FileNotFoundError:
                continue
            except OSError:  # a link (ELOOP): improv never locks through one
                if os.path.islink(path):
                    continue
                raise
            stack.callback(os.close, fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
        yield True


def manifest_lock(folder: Path):
    """Hold while reading, changing and writing a session's manifest (``session.json``).

    Two processes that update the same manifest (the web app saving an annotation,
    ``improv sessions compress``) then do not overwrite each other's change.
    """
    return folder_lock(folder)


def hold(path: Path) -> IO[str]:
    """Create (0600) and exclusively lock the lock file ``path``, and write our PID into it.

    Returns the open file: the lock is held until it is closed (see :func:`release`).

    Raises
    ------
    BlockingIOError
        (an ``OSError``) If another process holds the lock; the file is closed again.
    """
    f = open_new(path, "a")
    if fcntl is not None:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another process holds it
            f.close()
            raise
    try:
        f.write(f"{os.getpid()}\n")
        f.flush()
    except BaseException:  # a full disk: no lock file left open
        with contextlib.suppress(OSError):
            f.close()
        raise
    return f


def release(f: IO[str], path: Path) -> None:
    """Give up a lock taken with :func:`hold` and remove its file (missing is fine)."""
    try:
        f.close()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


@contextlib.contextmanager
def take(path: Path) -> Iterator[bool]:
    """Try to lock an existing lock file exclusively, without waiting.

    Yields True with the lock held until the block ends, or False if another process holds it.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (its owner removed it).
    """
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False  # a live owner
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def is_held(path: Path) -> bool:
    """True if a live process holds the lock file ``path`` (False if it is missing or
    unreadable, and always without ``fcntl``)."""
    if not Path(path).exists() or fcntl is None:
        return False
    try:
        with take(path) as got:
            return not got
    except OSError:
        return False

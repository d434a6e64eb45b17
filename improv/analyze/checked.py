"""Checksums of recorded files, read again only when a file changed since this process read it.

A client's course and goals check every session's ``midi.tsv`` against its manifest on every
load of the client's web page (:func:`improv.analyze.sources.damaged_files`): 40 MB for a
client of 70 sessions. :func:`file_sha256` keeps each file's SHA-256 with what ``stat`` said
of it when it was read (size, modification and change times in nanoseconds, inode) and reads
the file again only when one of those differs: a file written, truncated, replaced (a copy
with its old modification time is a new inode and change time) or deleted since. Damage that
leaves all four as they were (a disk's bit rot) is found by the next process, and by
``improv sessions verify``, which always reads every file.

A file modified within :data:`RACY_S` seconds of being read is not kept (it may change again
within the file system's time resolution without its times changing, as git's index treats
"racily clean" files).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

#: A file whose modification time is this close to now [seconds] is read every time.
RACY_S = 2.0

_lock = threading.Lock()
#: Absolute path -> ((size, mtime_ns, ctime_ns, inode), SHA-256 hex).
_known: dict[str, tuple[tuple[int, int, int, int], str]] = {}


def _state(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def file_sha256(path: Path) -> str | None:
    """The file's SHA-256 (hex), or None if it is missing or not a regular file (as
    ``Path.is_file`` says).

    Read from the file unless this process read it before and ``stat`` finds it unchanged
    (see the module docstring).

    Raises
    ------
    OSError, sessions.errors.SessionFormatError
        As :func:`sessions.fsutil.sha256_file` (a link is not read)."""
    from sessions.fsutil import sha256_file

    key = os.path.abspath(path)
    try:
        st = os.stat(key)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    with _lock:
        known = _known.get(key)
    if known is not None and known[0] == _state(st):
        return known[1]
    digest = sha256_file(Path(key))
    if time.time_ns() - st.st_mtime_ns > RACY_S * 1e9:
        with _lock:
            _known[key] = (_state(st), digest)
    return digest


def forget() -> None:
    """Drop every kept checksum (tests; a long-running process that wants a full check)."""
    with _lock:
        _known.clear()

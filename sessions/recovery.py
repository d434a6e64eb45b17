"""Recovering a session after a crash.

A recovered session is completed exactly like a normally stopped one
(:func:`sessions.finalize.complete_session`, with ``recovered=True``), so it plays and
analyses like any other.  Recovery adds only the repairs a crash makes necessary: dropping a
partial last line of a text journal and fixing WAV headers from the file length.

Which sessions are interrupted?  A recording session has a ``RECORDING`` flag
file and its writer holds an exclusive ``flock`` on ``.lock``.  The kernel
releases the lock when the process dies (also on ``kill -9``), so a flagged
session whose lock can be taken has no writer left and is recovered.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from sessions import locks
from sessions import manifest as mf
from sessions.errors import SessionBusyError, SessionFormatError
from sessions.finalize import complete_session
from sessions.fsutil import read_json
from sessions.safeio import check_folder

log = logging.getLogger(__name__)


def is_interrupted(folder: Path) -> bool:
    """True if the session was being recorded and its writer is gone."""
    folder = Path(folder)
    if not (folder / mf.RECORDING_FLAG).exists():
        return False
    return not locks.is_held(folder / mf.LOCK)


def _take_lock(path: Path):
    """The session lock (:func:`sessions.locks.hold`), or None if another process holds it."""
    try:
        return locks.hold(path)
    except BlockingIOError:
        return None


def recover_session(folder: Path) -> dict[str, Any]:
    """Recover an interrupted session in place and return its manifest.

    The session's lock is held for the whole recovery, so that two processes (two commands
    started at once, each of which recovers interrupted sessions first) do not complete the
    same folder together; the second one finds it done.

    Raises
    ------
    SessionBusyError
        If a live process is still recording it, or recovering it right now.
    SessionFormatError
        If its manifest is missing or unreadable.
    """
    folder = Path(folder)
    held = _take_lock(folder / mf.LOCK)
    if held is None:
        raise SessionBusyError(
            f"session {folder.name} is being recorded or recovered by another process")
    try:
        # nothing is written through a link to a file outside the store
        check_folder(folder)
        manifest = mf.validate(read_json(folder / mf.MANIFEST))
        mf.check_id_matches(manifest, folder_name=folder.name)
        if not (folder / mf.RECORDING_FLAG).exists():  # completed meanwhile
            return manifest
        if not (folder / mf.MIDI_LOG).exists():
            raise SessionFormatError(f"{folder.name}: {mf.MIDI_LOG} is missing; cannot recover")
        return complete_session(folder, manifest, status="recovered", recovered=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            (folder / mf.LOCK).unlink()
        held.close()

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
import os
from pathlib import Path
from typing import Any

from sessions import locks
from sessions import manifest as mf
from sessions.errors import SessionBusyError, SessionFormatError
from sessions.finalize import complete_session
from sessions.fsutil import kept_by, read_json
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


def cut_torn_logs(folder: Path) -> list[list[Any]]:
    """Cut a torn last line off each of a finished session's logs (``revisions.jsonl`` and
    ``notes.history.jsonl`` under the session folder's lock, ``annotations.jsonl`` under its
    own, the locks their writers take), keeping the bytes in ``<log>.torn``
    (:func:`sessions.lines.cut_torn_tail`); ``improv sessions recover`` runs it. A session
    being recorded is left alone (its recovery mends it).

    Records an older improv glued onto a torn line are separated from it
    (:func:`sessions.lines.unglue`), the torn bytes kept in ``<log>.torn`` too.

    Returns
    -------
    list of list
        ``[log name, bytes cut]`` of each log cut, ``[log name, 0, lines mended]`` of each log
        whose glued records were separated.
    """
    from sessions.lines import cut_torn_tail, glued_lines, torn_tail_bytes, unglue
    from sessions.locks import folder_lock
    from sessions.notes import NOTES_HISTORY
    from sessions.revisions import REVISIONS

    folder = Path(folder)
    out: list[list[Any]] = []
    names = (REVISIONS, NOTES_HISTORY, mf.ANNOTATIONS)
    if (folder / mf.RECORDING_FLAG).exists() or not any(
            torn_tail_bytes(folder / n) or glued_lines(folder / n) for n in names):
        return out  # looked at without a lock: a whole log is never waited for

    def mend(name: str) -> None:
        if cut := cut_torn_tail(folder / name):
            out.append([name, cut])
        if glued := unglue(folder / name):  # records an older improv glued onto torn ones
            out.append([name, 0, glued])

    with folder_lock(folder):  # the lock of corrections and notes, taken before the log's
        for name in (REVISIONS, NOTES_HISTORY):
            mend(name)
        path = folder / mf.ANNOTATIONS
        if os.path.lexists(path):
            with folder_lock(path):
                mend(mf.ANNOTATIONS)
    return out


def settle_marker_rewrites(folder: Path) -> list[str]:
    """Settle what a crash left of an annotation change's rewrite of ``session.mid``'s markers
    (its earlier file kept by a hidden second name, ``.session.mid.<hex>.before``): where the
    file is the one ``session.json``'s checksum is of, the second name is removed; where the
    earlier file is, it is put back (the new markers were written and the manifest was not:
    they are written again at the next change of the annotations); anything else is left for
    ``improv sessions verify`` to report. Holds the manifest's lock, as the change did.

    Returns
    -------
    list of str
        What was done, one line each (no text of the session).
    """
    from sessions.fsutil import fsync_dir, sha256_file

    folder = Path(folder)
    try:
        names = [n for n in os.listdir(folder) if kept_by(n)]
    except OSError:
        return []
    if not names or (folder / mf.RECORDING_FLAG).exists():
        return []
    out = []
    with locks.manifest_lock(folder):
        sums = read_json(folder / mf.MANIFEST).get("checksums", {})
        for name in sorted(names):
            keep, rel = folder / name, kept_by(name)
            path, want = folder / rel, sums.get(rel)
            if want is None or keep.is_symlink() or not keep.is_file():
                continue
            if path.is_file() and not path.is_symlink() and sha256_file(path) == want:
                keep.unlink()
                out.append(f"removed a second name of {rel} of session {folder.name} that an "
                           "interrupted annotation change left")
            elif sha256_file(keep) == want:
                os.replace(keep, path)
                fsync_dir(folder)
                out.append(f"put back {rel} of session {folder.name} as its checksum says (an "
                           "annotation change was interrupted; its markers are written again "
                           "at the next change of the annotations)")
    return out

"""Reading the complete lines of an append-only text log (``midi.tsv``, ``journal.jsonl``,
``annotations.jsonl``).

A crash while a log is appended to can only cut its last line short: everything up to the last
newline was written whole.  Readers take the complete lines (:func:`read_complete`) and either
refuse a cut last line (a completed session never has one) or skip it (recovery); recovery then
cuts it off the file for good (:func:`truncate_partial_tail`).
"""

from __future__ import annotations

import os
from pathlib import Path

from sessions.errors import SessionFormatError
from sessions.safeio import open_regular


def cut_short(path: Path) -> SessionFormatError:
    """The error for a log whose last line is cut short: an interrupted recording's (which a
    recovery mends) or a finished session's, changed or damaged after it was written (which
    no recovery mends: 'improv sessions recover' finds interrupted recordings only)."""
    return SessionFormatError(
        f"{path}: its last line is cut short: an interrupted recording is mended by 'improv "
        "sessions recover'; in a finished session the file was changed or damaged after it was "
        "written ('improv sessions verify' checks it; a backup holds it whole)")


def read_complete(path: Path, *, allow_partial_tail: bool = False) -> tuple[bytes, int]:
    """The bytes of a log up to and including its last newline.

    Parameters
    ----------
    path : Path
    allow_partial_tail : bool
        Skip a last line without its newline, as a crash leaves it; otherwise such a line
        raises :class:`SessionFormatError`.

    Returns
    -------
    blob : bytes
        The complete lines.
    partial_bytes : int
        Length of the skipped partial last line (0 if none).
    """
    with open_regular(path, "rb") as f:
        blob = f.read()
    if not blob or blob.endswith(b"\n"):
        return blob, 0
    if not allow_partial_tail:
        raise cut_short(path)
    keep = blob.rfind(b"\n") + 1
    return blob[:keep], len(blob) - keep


def truncate_partial_tail(path: Path, *, block_bytes: int = 1 << 16) -> int:
    """Cut a partial last line from a log in place; returns the bytes cut.

    The last newline is searched for backwards block by block, however far back it lies: a
    power cut can leave a long run of zero bytes after the last line (the file's size was
    written, its data not), and a search of a fixed 64 KiB that found no newline there cut
    the whole file, header and every event (before session 6).
    """
    size = os.lstat(path).st_size
    if size == 0:
        return 0
    with open_regular(path, "r+b") as f:
        end = size
        keep = 0
        while end > 0:
            start = max(0, end - block_bytes)
            f.seek(start)
            nl = f.read(end - start).rfind(b"\n")
            if nl >= 0:
                keep = start + nl + 1
                break
            end = start
        if keep == size:
            return 0
        f.truncate(keep)
        f.flush()
        os.fsync(f.fileno())
    return size - keep

"""Reading the complete lines of an append-only text log (``midi.tsv``, ``journal.jsonl``,
``annotations.jsonl``).

A crash while a log is appended to can only cut its last line short: everything up to the last
newline was written whole.  Readers take the complete lines (:func:`read_complete`) and either
refuse a cut last line (a completed session never has one) or skip it (recovery); recovery then
cuts it off the file for good (:func:`truncate_partial_tail`).

A finished session's own logs (``annotations.jsonl``, ``revisions.jsonl``,
``notes.history.jsonl``) are appended to by one write per change, under a lock, and an append
that fails (a full disk) cuts the file back to its size before it. A last line cut short in
them is from a power cut during an append, or from a failed append of an older improv
(review 31, H1): it is no record (every record is written with its newline in the same write,
and that write was reported as failed). Readers leave it out with a warning naming the file
(:func:`read_appended`); the next write and ``improv sessions recover`` cut it off, keeping
its bytes in ``<log>.torn`` beside the log (:func:`cut_torn_tail`), so nothing is thrown away
unseen. A damaged line before the last one is an error, as before, with one exception: a
record glued onto a torn one. An older improv appended the next record right after a torn last
line, so the line holds the torn bytes and then a whole record (:func:`glued_at`). Readers take
the whole record, with a warning naming the file and line; ``improv sessions recover``
separates the two for good (:func:`unglue`), keeping the torn bytes in ``<log>.torn``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from sessions.errors import SessionFormatError
from sessions.safeio import open_regular

log = logging.getLogger(__name__)

#: Suffix of the file beside a log that keeps the torn last lines cut off it
#: (``annotations.jsonl.torn``), one per line.
TORN_SUFFIX = ".torn"

#: (path, size) of the torn logs already warned about in this process: a command reads a log
#: several times, the warning is said once.
_warned: set[tuple[str, int]] = set()


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


def torn_path(path: Path) -> Path:
    """Where the torn last lines cut off the log ``path`` are kept (``<log>.torn``)."""
    path = Path(path)
    return path.with_name(path.name + TORN_SUFFIX)


def torn_words(path: Path, cut: int) -> str:
    """A log's torn last line in words (the file named relative to its session, never its
    text)."""
    path = Path(path)
    return (f"{path.name} of session {path.parent.name}: its last line ({cut} bytes) was cut "
            "short by a write that did not finish (a full disk or a power cut); it is left "
            "out: 'improv sessions recover' cuts it off and keeps its bytes in "
            f"{torn_path(path).name}")


def read_appended(path: Path) -> bytes:
    """The complete lines of a finished session's log (``annotations.jsonl``,
    ``revisions.jsonl``, ``notes.history.jsonl``): a last line without its newline is left
    out, with a warning naming the file (once per process); see the module's text."""
    blob, cut = read_complete(path, allow_partial_tail=True)
    if cut:
        _warn_once((str(path), cut), lambda: torn_words(path, cut))
    return blob


def _warn_once(key: tuple[str, int], words) -> None:
    """Log ``words()`` as a warning unless ``key`` (a log's path and its torn length, or
    minus a glued line's number) was warned about, or said otherwise, in this process."""
    if key not in _warned:
        _warned.add(key)
        log.warning("%s", words())


def said(path: Path, cut: int) -> None:
    """Count the torn last line of ``cut`` bytes of ``path`` as warned about already (a
    check that reports it itself, :func:`sessions.verify.verify_folder`)."""
    _warned.add((str(path), cut))


def said_glued(path: Path, number: int) -> None:
    """Count the glued line ``number`` of ``path`` as warned about already (see :func:`said`)."""
    _warned.add((str(path), -number))


def torn_tail_bytes(path: Path) -> int:
    """Length [bytes] of the last line of a log if it has no newline (0 if it has one, or the
    file is empty or missing); reads only the file's end unless it is torn."""
    try:
        size = os.lstat(path).st_size
    except FileNotFoundError:
        return 0
    if size == 0:
        return 0
    with open_regular(path, "rb") as f:
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
    _, cut = read_complete(path, allow_partial_tail=True)
    return cut


def cut_torn_tail(path: Path) -> int:
    """Cut a torn last line off a finished session's log, keeping its bytes: they are
    appended to ``<log>.torn`` (one line per cut, made 0600, fsynced with its folder) before
    the log is truncated and fsynced. The caller holds the lock its writers take. Returns
    the bytes cut (0: nothing to cut).

    Raises
    ------
    StoreWriteError
        The copy or the truncation could not be written (a full disk): the log is as it was.
    """
    from sessions.fsutil import write_errors

    path = Path(path)
    cut = torn_tail_bytes(path)
    if not cut:
        return 0
    with open_regular(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        f.seek(size - cut)
        tail = f.read(cut)
    _keep_torn(path, tail)
    with write_errors(path), open_regular(path, "r+b") as f:
        f.truncate(size - cut)
        f.flush()
        os.fsync(f.fileno())
    return cut


def _keep_torn(path: Path, tail: bytes) -> None:
    """Append ``tail`` and a newline to ``<log>.torn`` (made 0600), fsynced with its folder;
    on failure the copy is as it was."""
    from sessions.fsutil import fsync_dir, open_new, write_errors

    keep = torn_path(path)
    new = not os.path.lexists(keep)
    with write_errors(keep):
        with open_new(keep, "ab", buffering=0) as f:
            start = os.fstat(f.fileno()).st_size
            try:
                view = memoryview(tail + b"\n")
                while view:
                    view = view[f.write(view):]
                os.fsync(f.fileno())
            except BaseException:
                with contextlib.suppress(OSError):  # the copy as it was: no torn line in it
                    os.ftruncate(f.fileno(), start)
                raise
    if new:
        fsync_dir(keep.parent)


def cut_words(path: Path, cut: int) -> str:
    """A torn last line cut off a log, in words (no text of it)."""
    path = Path(path)
    return (f"cut a last line cut short ({cut} bytes) off {path.name} of session "
            f"{path.parent.name}; its bytes are kept in {torn_path(path).name}")


def glued_at(line: bytes) -> int:
    """Where a whole record starts in a damaged log line that ends with one: the offset of
    the first ``{"`` from which the rest of the line is one JSON object, after bytes that are
    not one (a torn record an older improv appended the next one to); 0 if the line is not
    such.

    >>> glued_at(b'{"op": "create", "t": 1.5, "te{"op": "create", "t": 2.0}')
    30
    >>> glued_at(b'{"op": "create"}'), glued_at(b'not json')
    (0, 0)
    """
    line = line.rstrip(b"\r")
    if _json_object(line):
        return 0
    i = line.find(b'{"', 1)
    while i > 0:
        if _json_object(line[i:]):
            # bytes before it that are themselves a record are no torn write: not glued
            return 0 if _json_object(line[:i].strip()) else i
        i = line.find(b'{"', i + 1)
    return 0


def _json_object(data: bytes) -> bool:
    try:
        return isinstance(json.loads(data), dict)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return False


def glued_words(path: Path, number: int) -> str:
    """A record glued onto a torn one, in words (the file named relative to its session)."""
    path = Path(path)
    return (f"{path.name} of session {path.parent.name}: line {number} holds a record glued "
            "onto a torn one (a write of an older improv that did not finish); the torn bytes "
            "are left out: 'improv sessions recover' separates them and keeps them in "
            f"{torn_path(path).name}")


def unglue_words(path: Path, mended: int) -> str:
    """What :func:`unglue` did to a log, in words (no text of it)."""
    path = Path(path)
    lines = "line" if mended == 1 else "lines"
    return (f"separated {mended} {lines} of {path.name} of session {path.parent.name}: a "
            "record glued onto a torn one; the torn bytes are kept in "
            f"{torn_path(path).name}")


def glued_record(path: Path, number: int, line: bytes | str):
    """The record glued onto a torn one in ``line`` (line ``number`` of ``path``), with a
    warning naming the file and line once per process; None if ``line`` is not such."""
    data = line.encode("utf-8", errors="surrogateescape") if isinstance(line, str) else line
    at = glued_at(data)
    if not at:
        return None
    _warn_once((str(path), -number), lambda: glued_words(path, number))
    return json.loads(data[at:])


def glued_lines(path: Path) -> list[int]:
    """Numbers (from 1) of the lines of a log that hold a record glued onto a torn one."""
    try:
        blob, _ = read_complete(path, allow_partial_tail=True)
    except FileNotFoundError:
        return []
    return [n for n, line in enumerate(blob.split(b"\n"), 1) if line and glued_at(line)]


def unglue(path: Path) -> int:
    """Separate every record glued onto a torn one in a finished session's log: the torn
    bytes are appended to ``<log>.torn`` (one line each, fsynced) and the log is rewritten
    atomically with the whole records on their lines. The caller holds the lock its writers
    take. Returns how many lines were mended (0: none).

    Raises
    ------
    StoreWriteError
        The copy or the new log could not be written (a full disk): the log is as it was.
    """
    from sessions.fsutil import atomic_write_bytes

    path = Path(path)
    if not os.path.lexists(path):
        return 0
    with open_regular(path, "rb") as f:
        blob = f.read()
    lines = blob.split(b"\n")
    torn = []
    for k, line in enumerate(lines):
        if line and (at := glued_at(line)):
            torn.append(line[:at])
            lines[k] = line[at:]
    if not torn:
        return 0
    _keep_torn(path, b"\n".join(torn))
    atomic_write_bytes(path, b"\n".join(lines))
    return len(torn)

"""The verbal session notes: one Markdown document per session, with history.

``notes.md`` holds the current text.  Every saved version is also appended
to ``notes.history.jsonl`` (``at_utc``, ``by``, ``text``) before ``notes.md``
is replaced, so earlier wordings and the time of each change stay visible,
as for annotations.  Time references in the text (``12:30``, ``[1:02:03]``)
point into the recording; :func:`sessions.timefmt.find_time_refs` finds them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sessions.annotation_log import append_records, utc_now
from sessions.errors import SessionFormatError
from sessions.fsutil import atomic_write_bytes
from sessions.lines import glued_record, read_appended
from sessions.locks import folder_lock
from sessions.manifest import check_author
from sessions.safeio import read_text
from sessions.timefmt import find_time_refs

NOTES = "notes.md"
NOTES_HISTORY = "notes.history.jsonl"


def read_notes(folder: Path) -> str:
    path = Path(folder) / NOTES
    if not os.path.lexists(path):
        return ""
    return _text(path)


def _text(path: Path) -> str:
    """A notes file of the session as text (a regular file, UTF-8, of bounded size)."""
    return read_text(path, what="notes file")


def notes_history(folder: Path) -> list[dict[str, Any]]:
    """Every saved version of the notes, oldest first (``at_utc``, ``by``, ``text``).

    A last line cut short (a power cut, or a failed save of an older improv) is left out with
    a warning (:func:`sessions.lines.read_appended`); the next save cuts it off.

    Raises
    ------
    SessionFormatError
        A line before the last is not a saved version (the message gives its number).
    """
    path = Path(folder) / NOTES_HISTORY
    if not os.path.lexists(path):
        return []
    blob = read_appended(path)
    out = []
    for number, line in enumerate(blob.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            rec = glued_record(path, number, line)  # an older improv's torn line, glued
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise SessionFormatError(f"{path.name} of session {path.parent.name} is damaged "
                                     f"(line {number} is not a saved version of the notes)")
        out.append(rec)
    return out


def save_notes(folder: Path, text: str, *, by: str | None = None) -> bool:
    """Save a new version; returns False (and writes nothing) if the text is unchanged."""
    folder = Path(folder)
    by = check_author(by)
    with folder_lock(folder):  # two saves at once: the history's last version is notes.md
        if text == read_notes(folder):
            return False
        append_records(folder / NOTES_HISTORY, [{"at_utc": utc_now(), "by": by, "text": text}],
                       what="the notes")
        atomic_write_bytes(folder / NOTES, text.encode("utf-8"))
    return True


def notes_with_links(folder: Path, *, duration_s: float) -> dict[str, Any]:
    """The notes and their time references, each flagged if inside the session."""
    text = read_notes(folder)
    refs = find_time_refs(text)
    for r in refs:
        r["in_session"] = 0 <= r["t"] <= duration_s
    return {"text": text, "refs": refs}

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
    path = Path(folder) / NOTES_HISTORY
    if not os.path.lexists(path):
        return []
    try:
        return [json.loads(line) for line in _text(path).splitlines() if line.strip()]
    except (json.JSONDecodeError, RecursionError):
        raise SessionFormatError(f"{path.name} of session {path.parent.name} is damaged "
                                 "(a line is not JSON)") from None


def save_notes(folder: Path, text: str, *, by: str | None = None) -> bool:
    """Save a new version; returns False (and writes nothing) if the text is unchanged."""
    folder = Path(folder)
    by = check_author(by)
    with folder_lock(folder):  # two saves at once: the history's last version is notes.md
        if text == read_notes(folder):
            return False
        append_records(folder / NOTES_HISTORY, [{"at_utc": utc_now(), "by": by, "text": text}])
        atomic_write_bytes(folder / NOTES, text.encode("utf-8"))
    return True


def notes_with_links(folder: Path, *, duration_s: float) -> dict[str, Any]:
    """The notes and their time references, each flagged if inside the session."""
    text = read_notes(folder)
    refs = find_time_refs(text)
    for r in refs:
        r["in_session"] = 0 <= r["t"] <= duration_s
    return {"text": text, "refs": refs}

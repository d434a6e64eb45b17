"""The verbal session notes: one Markdown document per session, with history.

``notes.md`` holds the current text.  Every saved version is also appended
to ``notes.history.jsonl`` (``at_utc``, ``by``, ``text``) before ``notes.md``
is replaced, so earlier wordings and the time of each change stay visible,
as for annotations.  Time references in the text (``12:30``, ``[1:02:03]``)
point into the recording; :func:`sessions.timefmt.find_time_refs` finds them.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from pathlib import Path
from typing import Any

from sessions.annotation_log import append_records, utc_now
from sessions.errors import InvalidArgumentError, SessionFormatError
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


def words_pattern(words: str) -> re.Pattern[str]:
    """A search for ``words`` as one phrase, without regard to case, whatever spaces or line
    breaks stand between the words in the text ("grandmother's  illness" across a line end is
    found by ``grandmother's illness``); every other character matches itself.

    >>> bool(words_pattern("Takes the lead").search("she takes\\nthe lead"))
    True

    Raises
    ------
    InvalidArgumentError
        ``words`` has no word in it.
    """
    parts = str(words).split()
    if not parts:
        raise InvalidArgumentError("give the words to look for", parameter="words")
    return re.compile(r"\s+".join(re.escape(p) for p in parts), re.IGNORECASE)


def lines_with(text: str, pattern: re.Pattern[str]) -> list[dict[str, Any]]:
    """The lines of the notes ``text`` where ``pattern`` is found, in their order.

    A phrase that runs over a line end gives the lines it covers as one, joined by a space.

    Returns
    -------
    list of dict
        ``line`` (the first line's number, from 1), ``text`` (the whole line, uncut) and
        ``spans``: the ``(start, end)`` character offsets of each match in ``text``.
    """
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    found: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for m in pattern.finditer(text):
        first = bisect.bisect_right(starts, m.start()) - 1
        last = bisect.bisect_right(starts, max(m.end() - 1, m.start())) - 1
        found.setdefault((first, last), []).append((m.start(), m.end()))
    out = []
    for (first, last), spans in sorted(found.items()):
        begin = starts[first]
        end = starts[last + 1] - 1 if last + 1 < len(starts) else len(text)
        one = text[begin:end].replace("\r", " ").replace("\n", " ")
        out.append({"line": first + 1, "text": one,
                    "spans": [(s - begin, e - begin) for s, e in spans]})
    return out

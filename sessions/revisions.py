"""Corrections of a session's title and client code, kept in an append-only revision log
(``revisions.jsonl`` in the session folder), as annotations are (:mod:`sessions.annotation_log`).

A correction never rewrites the past: the log keeps every value a field had, when it was
changed and by whom (German §630f BGB: corrections keep the original and the time of change
visible); ``session.json`` holds the current value, and the catalog follows it. One line per
correction::

    {"rev": 1, "at_utc": "2026-12-04T18:01:02.123456+00:00", "by": "T01", "field": "title",
     "from": "Sesion 3", "to": "Session 3", "reason": "typo"}

``from`` of the first correction of a field is its value as recorded or imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sessions import manifest as mf
from sessions.annotation_log import append_records, utc_now
from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.fsutil import atomic_write_json, read_json
from sessions.lines import read_complete
from sessions.locks import manifest_lock

REVISIONS = "revisions.jsonl"
#: Fields a correction may change.
FIELDS = ("title", "client")
#: Longest title [characters].
MAX_TITLE = 200


def read_revisions(folder: Path) -> list[dict[str, Any]]:
    """Every correction of the session in ``folder``, oldest first (none: an empty list).

    Raises
    ------
    SessionFormatError
        For a line that is not a correction (the message gives its number).
    """
    path = Path(folder) / REVISIONS
    if not path.exists():
        return []
    blob, _ = read_complete(path)
    out = []
    for number, line in enumerate(blob.decode("utf-8", errors="replace").splitlines(), 1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SessionFormatError(f"{path}:{number}: not valid JSON ({exc})") from None
        if not isinstance(rec, dict) or rec.get("field") not in FIELDS or "to" not in rec:
            raise SessionFormatError(f"{path}:{number}: not a correction of the title or client")
        out.append(rec)
    return out


def check_revisions(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems for ``verify``: an unreadable log, or a manifest value that is not the last
    correction's (a correction whose manifest update was lost)."""
    try:
        revs = read_revisions(folder)
    except (SessionFormatError, OSError) as exc:
        return [str(exc)]
    last = {r["field"]: r["to"] for r in revs}
    return [f"{REVISIONS}: the last correction of {f} gives {v!r}, session.json has "
            f"{manifest.get(f)!r}" for f, v in last.items() if manifest.get(f) != v]


def _check_value(field: str, value: str | None) -> str | None:
    if field == "client":
        return mf.check_code(value, what="client")
    if value is None or not str(value).strip():
        return None
    value = " ".join(str(value).split())
    if len(value) > MAX_TITLE:
        raise InvalidArgumentError(f"title must be at most {MAX_TITLE} characters, got "
                                   f"{len(value)}", parameter="title")
    return value


def correct_session(store, session_id: str, *, by: str | None = None,
                    reason: str | None = None, **changes: str | None) -> dict[str, Any]:
    """Correct a session's ``title`` and/or ``client`` code; the earlier values stay in
    ``revisions.jsonl``.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    by : str, optional
        Who corrects (a pseudonym code such as ``T01``).
    reason : str, optional
        Why (kept in the log).
    title, client : str, optional
        The new values (a title may be empty: no title).

    Returns
    -------
    dict
        ``id``, the current ``title`` and ``client``, and the ``revisions`` written (none when
        nothing changed).

    Raises
    ------
    InvalidArgumentError, SessionFormatError
        An unknown field, a bad client code or author, a title that is too long; nothing is
        changed then.
    """
    store.require_writable()
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown or not changes:
        raise InvalidArgumentError(
            f"a correction changes the title or the client, got {unknown or 'nothing'}",
            parameter="changes")
    by = mf.check_author(by)
    wanted = {f: _check_value(f, v) for f, v in changes.items()}
    session = store.session(session_id)
    path = session.folder / mf.MANIFEST
    with manifest_lock(session.folder):
        manifest = read_json(path)
        start = len(read_revisions(session.folder))
        recs = [{"rev": start + i + 1, "at_utc": utc_now(), "by": by, "field": f,
                 "from": manifest.get(f), "to": v, "reason": reason or None}
                for i, (f, v) in enumerate((f, v) for f, v in wanted.items()
                                           if manifest.get(f) != v)]
        if recs:
            append_records(session.folder / REVISIONS, recs)  # the history first
            manifest.update({r["field"]: r["to"] for r in recs})
            atomic_write_json(path, manifest)
            store._index(manifest)
    return {"id": session_id, "title": manifest.get("title"), "client": manifest.get("client"),
            "revisions": recs}


def session_label(number: int | None, session_id: str, title: str | None = None) -> str:
    """How people name a session: ``Session 7 · 20261127-093012-3fa2`` (with ``: title``)."""
    head = f"Session {number} · {session_id}" if number else f"Session {session_id}"
    return f"{head}: {title}" if title else head

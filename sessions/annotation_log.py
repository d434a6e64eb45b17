"""Annotations: an append-only revision log per session (``annotations.jsonl``).

Every line is one revision of one annotation: its creation, an edit, its
deletion, or its restoration after a deletion, with the UTC time of the change and
who made it.  Nothing is ever
rewritten or removed, so every earlier version and the time it was changed
stay visible (German §630f BGB asks this of treatment records).  The current
state of an annotation is its last revision; a deleted one keeps its history.

Fields of a revision:

``op``        ``create`` | ``edit`` | ``delete`` | ``restore`` (undoes a delete)
``id``        annotation ID (``a-`` and 10 hex digits), stable across edits
``rev``       1 for the creation, +1 for each later revision
``at_utc``    when this revision was made (ISO 8601, UTC)
``by``        author code (or null)
``t``, ``end``  seconds from session start; ``end`` null for a point
``player``    player name or null for the whole group
``tags``      list of ``dimension:value`` or plain tags
``text``      free text
``source``    ``recording`` (marker or note during play), ``manual``,
              ``import``, ``suggestion`` (e.g. a dialogue role not yet confirmed)
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sessions.errors import (
    DamagedLogError,
    InvalidArgumentError,
    SessionFormatError,
    StoreWriteError,
)
from sessions.fsutil import fsync_dir, open_new, write_errors
from sessions.lines import (
    cut_torn_tail,
    cut_words,
    glued_record,
    read_appended,
    read_complete,
)

log = logging.getLogger(__name__)

SOURCES = ("recording", "manual", "import", "suggestion")
#: The tag of a suggestion of the analysis that the therapist has not confirmed yet
#: (confirming it removes the tag: :func:`improv.analyze.roles.confirm_suggestions`).
SUGGESTION_TAG = "suggestion"


def unconfirmed_suggestion(annotation: dict[str, Any]) -> bool:
    """Whether an annotation is a suggestion of the analysis that the therapist has not
    confirmed: written by the analysis (``source`` ``suggestion``) and still tagged
    :data:`SUGGESTION_TAG`. It is not the therapist's observation, so it is not counted,
    drawn or listed with theirs. A tag ``suggestion`` the therapist gave their own annotation
    is their word and counts. The one rule for the reports (:func:`improv.reports.wording.
    unconfirmed`) and the catalog's counts (:meth:`sessions.catalog.Catalog.
    own_annotation_counts`).

    >>> unconfirmed_suggestion({"source": "suggestion", "tags": ["suggestion", "solo"]})
    True
    >>> unconfirmed_suggestion({"source": "suggestion", "tags": ["solo"]})  # confirmed
    False
    >>> unconfirmed_suggestion({"source": "manual", "tags": ["suggestion"]})  # their own tag
    False
    """
    return annotation.get("source") == "suggestion" and SUGGESTION_TAG in (
        annotation.get("tags") or [])
#: Kinds of revision.
OPS = ("create", "edit", "delete", "restore")


def utc_now() -> str:
    """Current UTC time, ISO 8601 with offset, microseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def new_annotation_id() -> str:
    return "a-" + secrets.token_hex(5)


def check_text(text: Any) -> Any:
    r"""An annotation's text as stored: any number of lines (newlines, carriage returns and
    tabs kept), no other control character (a bell or an escape would ring or recolour the
    terminal that lists it); None stays None.

    Raises
    ------
    InvalidArgumentError
        Text that is not text, or holds another control character (named by its code).

    >>> check_text("calm\r\nthen\tloud")
    'calm\r\nthen\tloud'
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidArgumentError(f"an annotation's text must be text, got {text!r}",
                                   parameter="text")
    for ch in text:
        if ch not in "\n\r\t" and unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            raise InvalidArgumentError(
                f"an annotation's text may hold lines and tabs but no other control character, "
                f"got U+{ord(ch):04X} in {text[:40]!r}: remove it", parameter="text")
    return text


def creation_record(
    *,
    t: float,
    end: float | None = None,
    player: str | None = None,
    tags: list[str] | tuple[str, ...] = (),
    text: str = "",
    by: str | None = None,
    source: str = "manual",
    annotation_id: str | None = None,
    at_utc: str | None = None,
) -> dict[str, Any]:
    """The first revision of a new annotation."""
    if source not in SOURCES:
        raise InvalidArgumentError(f"source must be one of {SOURCES}, got {source!r}",
                                   parameter="source")
    if end is not None and end < t:
        raise InvalidArgumentError(f"end must not be before t, got t={t!r}, end={end!r}",
                                   parameter="end")
    return {
        "op": "create",
        "id": annotation_id or new_annotation_id(),
        "rev": 1,
        "at_utc": at_utc or utc_now(),
        "by": by,
        "t": float(t),
        "end": None if end is None or end == t else float(end),  # no length: a point
        "player": player,
        "tags": list(tags),
        "text": check_text(text),
        "source": source,
    }


def format_record(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def append_records(path: Path, records: list[dict[str, Any]], *,
                   what: str | None = None) -> None:
    """Append records durably (fsync), all of them with one ``write`` on an append-mode
    descriptor: a text writer's buffer split a batch into several writes at arbitrary bytes,
    which another process appending at the same time could interleave into broken lines.

    Used for ``annotations.jsonl``, ``revisions.jsonl`` and ``notes.history.jsonl``; the
    caller holds the lock the log's writers take. A torn last line left by a power cut (or by
    an older improv) is cut off first, its bytes kept (:func:`sessions.lines.cut_torn_tail`).
    A write that fails (a full disk cuts it short partway) is cut back to the file's size
    before it, so the log is as it was and the next append starts on a line of its own
    (review 31, H1). A new log's folder is fsynced, so its name is durable too.

    Parameters
    ----------
    path : Path
    records : list of dict
    what : str, optional
        What the records are, for the error (``the annotation``): "the annotation was not
        saved: cannot write …: the disk is full …".

    Raises
    ------
    StoreWriteError
        Nothing was written (one line: why, and that nothing was saved).
    """
    path = Path(path)
    data = "".join(format_record(r) for r in records).encode("utf-8")
    head = f"{what} {was(what)} not saved: " if what else ""
    new = not os.path.lexists(path)
    try:
        cut = cut_torn_tail(path)
        if cut:
            log.warning("%s", cut_words(path, cut))
        with open_new(path, "ab", buffering=0) as f, write_errors(path):
            start = os.fstat(f.fileno()).st_size
            try:
                view = memoryview(data)
                while view:  # a regular file takes it whole; a short write is continued
                    view = view[f.write(view):]
                os.fsync(f.fileno())
            except BaseException:  # a full disk partway, Ctrl-C: the file as it was
                _cut_back(f.fileno(), start, path)
                raise
    except StoreWriteError as exc:
        raise StoreWriteError(f"{head}{exc}") from exc
    if new:
        fsync_dir(path.parent)


def was(what: str) -> str:
    """"were" after a plural (``the notes``, ``the changes``), else "was"."""
    return "were" if what.split()[-1].endswith("s") else "was"


def _cut_back(fd: int, size: int, path: Path) -> None:
    """Truncate a log back to ``size`` [bytes] after a failed append (a full disk still lets
    a file shrink); if even that fails, the torn line is left to the readers and the next
    write (:func:`sessions.lines.cut_torn_tail`)."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError as exc:
        log.warning("%s of session %s: a failed write could not be taken back (%s); its "
                    "torn last line is left out when it is read and cut off at the next "
                    "change", path.name, path.parent.name, exc.strerror)


def _no_constant(name: str):
    """JSON's NaN and Infinity are no time: refuse them (json.loads accepts them by default)."""
    raise SessionFormatError(f"{name} is not a valid value (times must be numbers of seconds)")


def _damaged(path: Path, number: int, what: str) -> DamagedLogError:
    """The error for line ``number`` of the log ``path`` (in its session's folder)."""
    return DamagedLogError(f"{path}:{number}: {what}", session_id=path.parent.name,
                           line=number)


def read_records(path: Path, *, allow_partial_tail: bool = False) -> list[dict[str, Any]]:
    """All revisions in file order; a missing file means none.

    A last line cut short is left out: silently with ``allow_partial_tail`` (the recovery of
    an interrupted recording, which cuts it off), else with a warning naming the file
    (:func:`sessions.lines.read_appended`). A damaged line before it raises
    :class:`~sessions.errors.DamagedLogError` (a :class:`SessionFormatError`; one that is not
    UTF-8 text a plain SessionFormatError).
    """
    path = Path(path)
    if not path.exists():
        return []
    if allow_partial_tail:
        blob, _ = read_complete(path, allow_partial_tail=True)
    else:
        blob = read_appended(path)
    try:
        text = blob.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        number = blob[: exc.start].count(b"\n") + 1
        raise SessionFormatError(
            f"{path}:{number}: not UTF-8 text (byte 0x{blob[exc.start]:02x}); the file is "
            "damaged: restore the session from an export or a backup") from None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            rec = glued_record(path, number, line)  # an older improv's torn line, glued
            if rec is None:
                raise _damaged(path, number, f"not valid JSON ({exc})") from None
        except ValueError as exc:
            raise _damaged(path, number, str(exc)) from None
        if not isinstance(rec, dict) or rec.get("op") not in OPS:
            raise _damaged(path, number, "not an annotation revision")
        records.append(rec)
    return records


def fold(records: list[dict[str, Any]], *, include_deleted: bool = False) -> list[dict[str, Any]]:
    """Current state of each annotation, sorted by time.

    Each result carries ``rev`` (its latest revision), ``created_utc``,
    ``edited_utc`` (null if never edited) and ``deleted`` (bool); a deleted one also
    ``deleted_utc``, ``deleted_by`` and ``deleted_reason`` (from its delete record).
    """
    state: dict[str, dict[str, Any]] = {}
    for rec in records:
        aid = rec["id"]
        if rec["op"] == "create":
            cur = {k: v for k, v in rec.items() if k not in ("op", "at_utc")}
            cur["created_utc"] = rec["at_utc"]
            cur["edited_utc"] = None
            cur["deleted"] = False
            state[aid] = cur
        elif aid in state:
            cur = state[aid]
            if rec["op"] == "edit":
                for k, v in rec.items():
                    if k not in ("op", "at_utc", "id"):
                        cur[k] = v
            elif rec["op"] == "delete":
                cur["deleted"] = True
                cur["rev"] = rec["rev"]
                cur["deleted_utc"] = rec["at_utc"]
                cur["deleted_by"] = rec.get("by")
                cur["deleted_reason"] = rec.get("reason")
                continue  # a deletion is no edit: edited_utc stays the last change of content
            else:  # restore: as it was before its deletion
                cur["deleted"] = False
                cur["rev"] = rec["rev"]
                for k in ("deleted_utc", "deleted_by", "deleted_reason"):
                    cur.pop(k, None)
                continue
            cur["edited_utc"] = rec["at_utc"]
    out = [a for a in state.values() if include_deleted or not a["deleted"]]
    out.sort(key=lambda a: (a["t"], a["id"]))
    return out


EDITABLE = ("t", "end", "player", "tags", "text")


def edit_record(current: dict[str, Any], *, by: str | None = None,
                **changes: Any) -> dict[str, Any]:
    """The next revision of ``current`` with ``changes`` (only changed fields are stored)."""
    if current.get("deleted"):
        raise InvalidArgumentError(
            f"annotation {current['id']} is deleted; it can no longer be edited",
            parameter="current")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidArgumentError(
            f"cannot edit {sorted(unknown)}; editable fields are {EDITABLE}",
            parameter="changes")
    if "text" in changes:
        changes["text"] = check_text(changes["text"])
    diff = {k: v for k, v in changes.items() if current.get(k) != v}
    t = diff.get("t", current["t"])
    end = diff.get("end", current.get("end"))
    if end is not None and end < t:
        raise InvalidArgumentError(f"end must not be before t, got t={t!r}, end={end!r}",
                                   parameter="end")
    if end is not None and end == t:  # a range of no length is a point
        if current.get("end") is None:
            diff.pop("end", None)
        else:
            diff["end"] = None
    return {"op": "edit", "id": current["id"], "rev": current["rev"] + 1, "at_utc": utc_now(),
            "by": by, **diff}


def delete_record(current: dict[str, Any], *, by: str | None = None,
                  reason: str = "") -> dict[str, Any]:
    """A deletion revision; the annotation and its history stay in the log."""
    if current.get("deleted"):
        raise InvalidArgumentError(f"annotation {current['id']} is deleted already",
                                   parameter="current")
    return {"op": "delete", "id": current["id"], "rev": current["rev"] + 1, "at_utc": utc_now(),
            "by": by, "reason": reason}


def restore_record(current: dict[str, Any], *, by: str | None = None) -> dict[str, Any]:
    """A revision that undoes the deletion of ``current`` (content as before it)."""
    if not current.get("deleted"):
        raise InvalidArgumentError(f"annotation {current['id']} is not deleted",
                                   parameter="current")
    return {"op": "restore", "id": current["id"], "rev": current["rev"] + 1,
            "at_utc": utc_now(), "by": by}


def corrections(records: list[dict[str, Any]]) -> dict[str, int]:
    """How often each annotation's content was corrected (what "edited" says on the session
    page and in ``improv annotations``): every ``edit`` revision, except the one that confirms
    a suggestion of the analysis (:func:`unconfirmed_suggestion`; it only drops the
    :data:`SUGGESTION_TAG` tag and, with it, the analysis's wording:
    :func:`improv.analyze.roles.confirm_suggestions`). A deletion and its undoing
    are no correction either.

    Returns
    -------
    dict
        Annotation ID -> number of corrections (0 for one never corrected).
    """
    tags: dict[str, list] = {}
    source: dict[str, Any] = {}
    out: dict[str, int] = {}
    for rec in records:
        aid = rec["id"]
        if rec["op"] == "create":
            tags[aid], out[aid] = list(rec.get("tags") or []), 0
            source[aid] = rec.get("source")
        elif rec["op"] == "edit" and aid in tags:
            before, after = tags[aid], list(rec.get("tags", tags[aid]) or [])
            fields = set(rec) - {"op", "id", "rev", "at_utc", "by"}
            confirms = (unconfirmed_suggestion({"source": source[aid], "tags": before})
                        and SUGGESTION_TAG not in after and fields <= {"tags", "text"})
            out[aid] += 0 if confirms else 1
            tags[aid] = after
    return out


def history(records: list[dict[str, Any]], annotation_id: str) -> list[dict[str, Any]]:
    """Every revision of one annotation with the full state after it.

    Each item has ``rev``, ``op``, ``at_utc``, ``by``, ``changes`` (fields set
    by this revision) and ``state`` (the annotation as it was from then on).
    """
    out = []
    state: dict[str, Any] | None = None
    for rec in records:
        if rec["id"] != annotation_id:
            continue
        changes = {k: v for k, v in rec.items() if k in EDITABLE or k in ("source", "reason")}
        if rec["op"] == "create":
            state = {k: rec.get(k) for k in ("t", "end", "player", "tags", "text", "source")}
        elif state is not None and rec["op"] == "edit":
            state = {**state, **{k: v for k, v in changes.items() if k in EDITABLE}}
        out.append({"rev": rec["rev"], "op": rec["op"], "at_utc": rec["at_utc"],
                    "by": rec.get("by"), "changes": changes, "state": dict(state or {})})
    return out

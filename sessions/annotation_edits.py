"""Adding, correcting and finding annotations in stored sessions.

Every change appends a revision to the session's ``annotations.jsonl`` (see
:mod:`sessions.annotation_log`), then refreshes what derives from it: the
markers in ``session.mid`` (only its conductor track is rewritten), the
checksum of that file in the manifest, and the catalog rows.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sessions import annotation_log as ann
from sessions import manifest as mf
from sessions import vocabulary
from sessions.errors import AnnotationConflictError, InvalidArgumentError
from sessions.finalize import smf_markers
from sessions.fsutil import (
    atomic_write_bytes,
    atomic_write_json,
    before_name,
    describe_os_error,
    fsync_dir,
    open_new,
    read_json,
    sha256_file,
)
from sessions.locks import fcntl, manifest_lock
from sessions.names import match_name
from sessions.smf import replace_markers
from sessions.timefmt import as_typed, format_time

log = logging.getLogger(__name__)


def _check_time(session, t: float, end: float | None) -> None:
    duration = session.duration_s
    for parameter, name, value in (("t", "time", t), ("end", "end", end)):
        if value is None:
            continue
        if not math.isfinite(value):
            raise InvalidArgumentError(f"{name} must be a number of seconds, got {value!r}",
                                       parameter=parameter)
        if value < 0 or value > duration + 0.5:
            # answered in the form it was typed: 2:30, or 150.00 s
            raise InvalidArgumentError(
                f"{name} {as_typed(value)} is outside the session "
                f"(0 to {as_typed(duration, like=value)})", parameter=parameter)
    if end is not None and end < t:
        raise InvalidArgumentError(
            f"the end ({format_time(end)}) is before the start ({format_time(t)}): an "
            "annotation ends after it starts", parameter="end")


#: The author of the role suggestions that ``improv analyze --accept-roles`` writes (not a
#: person, so not a pseudonym code).
SUGGESTION_AUTHOR = "improv analyze"


def _author(by: str | None) -> str | None:
    """Who made a change: a pseudonym code like the therapist's (``T01``), the analysis
    (:data:`SUGGESTION_AUTHOR`), or None."""
    return by if by == SUGGESTION_AUTHOR else mf.check_author(by)


def _check_player(session, player: str | None) -> str | None:
    """The session's spelling of ``player`` (matched without regard to case where unique)."""
    if player is None:
        return None
    player = match_name(player, session.players)
    if player not in session.players:
        raise InvalidArgumentError(
            f"session {session.id} has no player {player!r} "
            f"(players: {', '.join(session.players)})", parameter="player")
    return player


def _refresh(store, session, *, what: str = "the change") -> None:
    """Markers in the SMF, its checksum, the catalog rows.

    The annotations are read under the session's manifest lock, so that of two changes made at
    once the refresh that writes last also read last (it never puts an older state back).

    Called once the change is in the annotation log, so it is saved whatever happens here: a
    write that fails (a full disk) is said as a warning that says so, never as an error (the
    therapist, told it failed, would make it again: review 31, M1). The markers are written
    from the whole log at every change, so the next change brings them up to date; the
    catalog, also ``improv sessions reindex``. ``session.mid`` and its checksum in
    ``session.json`` never disagree: if the manifest cannot be written, the earlier
    ``session.mid`` is put back.
    """
    import sqlite3

    from sessions.errors import StoreError

    smf = session.manifest.get("smf")
    with manifest_lock(session.folder):  # the manifest as it is now (see sessions.compress)
        current = session.annotations()
        if smf:
            try:
                _write_markers(session, smf["file"], current)
            except (StoreError, OSError) as exc:
                log.warning("%s %s saved, but the markers in %s of session %s could not be "
                            "updated (%s): they are updated at the next change of the "
                            "session's annotations", _capital(what), ann.was(what),
                            smf["file"], session.id, _reason(exc))
        try:
            store.catalog.put_annotations(session.id, current)
        except (sqlite3.Error, StoreError, OSError) as exc:
            log.warning("%s %s saved, but the list of annotations in the catalog could not "
                        "be updated (%s): 'improv sessions reindex' updates it", _capital(what),
                        ann.was(what), _reason(exc))


def _capital(what: str) -> str:
    return what[:1].upper() + what[1:]


def _reason(exc: BaseException) -> str:
    """Why a write failed, in words (a full disk: "the disk is full")."""
    cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc
    if isinstance(cause, OSError) and cause.errno is not None:
        return describe_os_error(cause).split(" (")[0]
    return str(exc)


def _write_markers(session, rel: str, current: list[dict[str, Any]]) -> None:
    """Rewrite the markers of ``session.mid`` and its checksum in ``session.json`` (the
    caller holds the manifest lock). If the manifest cannot be written, the earlier file is
    put back: by a second name (a hard link, kept until the manifest is written: a rename
    needs no room on a full disk), or, where the file system has no hard links, written
    again."""
    path = session.folder / rel
    old = path.read_bytes()
    new = replace_markers(old, smf_markers(current), duration=session.duration_s)
    if new == old:
        return
    keep: Path | None = before_name(path)
    try:
        os.link(path, keep)
    except OSError:  # no hard links here (FAT): the bytes are in memory
        keep = None
    try:
        atomic_write_bytes(path, new)
        try:
            manifest = read_json(session.folder / mf.MANIFEST)
            manifest["checksums"][rel] = sha256_file(path)
            atomic_write_json(session.folder / mf.MANIFEST, manifest)
        except BaseException:
            if keep is not None:
                os.replace(keep, path)  # the file its checksum is of
                fsync_dir(session.folder)
            else:
                atomic_write_bytes(path, old)
            raise
    finally:
        if keep is not None:
            with contextlib.suppress(OSError):
                os.unlink(keep)


def add_annotation(
    store,
    session_id: str,
    *,
    t: float,
    end: float | None = None,
    player: str | None = None,
    tags: Iterable[str] = (),
    text: str = "",
    by: str | None = None,
    source: str = "manual",
    new_tags: Iterable[str] = (),
) -> dict[str, Any]:
    """Add a point (``end`` None) or range annotation; returns it.

    Parameters
    ----------
    t, end : float [seconds]
        From session start; must lie within the session.
    player : str, optional
        One of the session's players, or None for the whole group.
    tags : iterable of str
        From the vocabulary (``autonomy:leader``, ``marker`` ...).
    new_tags : iterable of str
        Tags to add to the practice's vocabulary first.
    source : str
        ``manual``, ``suggestion`` (e.g. a dialogue role not yet confirmed), ``import``.
    """
    store.require_writable()
    session = store.session(session_id)
    by = _author(by)
    _check_time(session, t, end)
    player = _check_player(session, player)
    new_tags = list(new_tags)
    vocab = vocabulary.with_new_tags(vocabulary.load(store.root), new_tags)
    tags = vocabulary.check_tags(list(tags), vocab)
    rec = ann.creation_record(t=t, end=end, player=player, tags=tags, text=text, by=by,
                              source=source)
    for tag in new_tags:  # only now that the annotation is valid
        vocabulary.extend(store.root, tag)
    with _revisions_lock(session):  # in turn with edits and other additions
        ann.append_records(session.folder / mf.ANNOTATIONS, [rec], what="the annotation")
    _refresh(store, session, what="the annotation")
    return _current(session, rec["id"])


def add_annotations(store, session_id: str, items: list[dict[str, Any]], *,
                    by: str | None = None, source: str = "manual") -> list[dict[str, Any]]:
    """Add several annotations at once: all are checked first, then written together.

    Each item has the keyword arguments of :func:`add_annotation` (``t``, ``end``,
    ``player``, ``tags``, ``text``).  The SMF markers and the catalog are refreshed
    once, so accepting many suggestions stays cheap.  Nothing is written if any
    item is invalid.
    """
    store.require_writable()
    session = store.session(session_id)
    by = _author(by)
    vocab = vocabulary.load(store.root)
    records = []
    for item in items:
        t, end = item["t"], item.get("end")
        _check_time(session, t, end)
        player = _check_player(session, item.get("player"))
        tags = vocabulary.check_tags(list(item.get("tags", ())), vocab)
        records.append(ann.creation_record(t=t, end=end, player=player, tags=tags,
                                           text=item.get("text", ""),
                                           by=_author(item.get("by", by)),
                                           source=item.get("source", source)))
    if not records:
        return []
    with _revisions_lock(session):
        ann.append_records(session.folder / mf.ANNOTATIONS, records, what="the annotations")
    _refresh(store, session, what="the annotations")
    current = {a["id"]: a for a in session.annotations()}
    return [current[r["id"]] for r in records]


def _current(session, annotation_id: str, *, include_deleted: bool = False) -> dict[str, Any]:
    for a in session.annotations(include_deleted=True):
        if a["id"] == annotation_id:
            if a["deleted"] and not include_deleted:
                raise InvalidArgumentError(
                    f"annotation {annotation_id} is deleted (see its history)",
                    parameter="annotation_id")
            return a
    raise InvalidArgumentError(
        f"session {session.id} has no annotation {annotation_id!r} "
        f"(see 'improv annotations {session.id}')", parameter="annotation_id")


@contextlib.contextmanager
def _revisions_lock(session):
    """Held from reading an annotation's revision to appending the next one, so that two
    changes at once (two browser tabs, the web app and the CLI) number their revisions in
    turn and a change made against an older revision can be refused. Additions take it too
    (the file is created for the first one: the lock is on the file itself).

    Raises
    ------
    sessions.errors.UnknownSessionError
        The session was deleted before, or while the change waited for the lock
        (``improv sessions delete`` takes it too): nothing is written, where the change went
        into the deleted folder and was said to be saved (review 31).
    """
    from sessions.errors import UnknownSessionError

    gone = f"session {session.id} was deleted; the annotation change was not saved"
    if not (session.folder / mf.MANIFEST).is_file():
        raise UnknownSessionError(gone)
    path = session.folder / mf.ANNOTATIONS
    for _ in range(10):
        try:
            if not path.exists():
                open_new(path, "ab").close()
                fsync_dir(session.folder)  # the new log's name is durable (review 31, L4)
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # deleted between the check and here
            raise UnknownSessionError(gone) from None
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            # a delete that held the session's locks while this change waited has renamed the
            # folder away: the file locked is then no longer this session's log
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if not (session.folder / mf.MANIFEST).is_file():
                raise UnknownSessionError(
                    f"session {session.id} was deleted while the annotation change waited for "
                    "it; nothing was saved")
            if same:
                yield
                return
            # the log was replaced whole meanwhile ('sessions recover' mending it): the lock
            # to take is the new file's
        finally:
            os.close(fd)  # releases the lock
    raise UnknownSessionError(gone)


def _current_at(session, annotation_id: str, expected_rev: int | None) -> dict[str, Any]:
    """The annotation to change, checked against the revision the change was made to first:
    one deleted meanwhile by someone else is a conflict (409 on the web), like any other
    change made meanwhile, not a request to change a deleted annotation (400)."""
    current = _current(session, annotation_id, include_deleted=expected_rev is not None)
    _check_rev(current, expected_rev)
    if current["deleted"]:
        _current(session, annotation_id)  # raises: it is deleted
    return current


def _check_rev(current: dict[str, Any], expected_rev: int | None) -> None:
    if expected_rev is not None and current["rev"] != expected_rev:
        raise AnnotationConflictError(
            f"annotation {current['id']} was changed since it was opened (it is at revision "
            f"{current['rev']}, the change was made to revision {expected_rev}): reload it "
            "and make the change again")


def edit_annotation(store, session_id: str, annotation_id: str, *, by: str | None = None,
                    new_tags: Iterable[str] = (), expected_rev: int | None = None,
                    **changes: Any) -> dict[str, Any]:
    """Correct an annotation; the earlier version stays in its history.

    ``expected_rev``: the revision the change was made to (e.g. the one a browser showed);
    if the annotation has moved on since, :class:`AnnotationConflictError` is raised and
    nothing is written.
    """
    store.require_writable()
    session = store.session(session_id)
    by = _author(by)
    new_tags = list(new_tags)
    with _revisions_lock(session):
        current = _current_at(session, annotation_id, expected_rev)
        t = changes.get("t", current["t"])
        end = changes.get("end", current.get("end"))
        _check_time(session, t, end)
        if "player" in changes:
            changes["player"] = _check_player(session, changes["player"])
        vocab = vocabulary.with_new_tags(vocabulary.load(store.root), new_tags)
        if "tags" in changes:
            changes["tags"] = vocabulary.check_tags(list(changes["tags"]), vocab)
        rec = ann.edit_record(current, by=by, **changes)
        if set(rec) <= {"op", "id", "rev", "at_utc", "by"} and not new_tags:
            return current  # the same values again: no new revision
        for tag in new_tags:  # only now that the correction is valid
            vocabulary.extend(store.root, tag)
        ann.append_records(session.folder / mf.ANNOTATIONS, [rec], what="the correction")
    _refresh(store, session, what="the correction")
    return _current(session, annotation_id)


def delete_annotation(store, session_id: str, annotation_id: str, *, by: str | None = None,
                      reason: str = "", expected_rev: int | None = None) -> dict[str, Any]:
    """Mark an annotation deleted; it and its history stay in the log."""
    store.require_writable()
    session = store.session(session_id)
    by = _author(by)
    with _revisions_lock(session):
        current = _current_at(session, annotation_id, expected_rev)
        ann.append_records(session.folder / mf.ANNOTATIONS,
                           [ann.delete_record(current, by=by, reason=reason)],
                           what="the deletion")
    _refresh(store, session, what="the deletion")
    return _current(session, annotation_id, include_deleted=True)


def restore_annotation(store, session_id: str, annotation_id: str, *,
                       by: str | None = None) -> dict[str, Any]:
    """Undo the deletion of an annotation: it is listed again as it was before."""
    store.require_writable()
    session = store.session(session_id)
    by = _author(by)
    with _revisions_lock(session):
        current = _current(session, annotation_id, include_deleted=True)
        rec = ann.restore_record(current, by=by)
        ann.append_records(session.folder / mf.ANNOTATIONS, [rec], what="the restoration")
    _refresh(store, session, what="the restoration")
    return _current(session, annotation_id)


def change_annotations(store, session_id: str, changes: list[dict[str, Any]], *,
                       by: str | None = None) -> list[dict[str, Any]]:
    """Correct, delete or restore several annotations at once, e.g. every role suggestion
    the therapist confirms or discards with one button.

    Everything is checked first, under the session's revisions lock; then each annotation
    gets its own revision (the log's format is that of :func:`edit_annotation` and
    :func:`delete_annotation`), all appended with one write, and the SMF markers, the
    manifest's checksum and the catalog are refreshed once. One edit after another rewrote
    all three per annotation and read the whole log each time: 200 suggestions took 3.5 s and
    1000 far longer (``bench/bench_annotation_batch.py``, docs/benchmarks.md).

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    changes : list of dict
        Per annotation: ``id``; ``rev``, the revision the change was made to (None: any);
        ``op``, ``"edit"`` (default) with ``fields``, the fields to change (those of
        :func:`edit_annotation`: ``t``, ``end`` [seconds], ``player``, ``tags``, ``text``), or
        ``"delete"`` with an optional ``reason``, or ``"restore"`` (undoes a deletion).
    by : str, optional
        Who made the changes (a pseudonym code).

    Returns
    -------
    list of dict
        The annotations after the change, in the order of ``changes`` (a deleted one with
        ``deleted`` true). An edit that changes nothing adds no revision.

    Raises
    ------
    sessions.errors.AnnotationConflictError
        An annotation was changed since the revision given (nothing is written).
    sessions.errors.InvalidArgumentError
        An unknown annotation, one named twice, an unknown ``op``, an edit or deletion of a
        deleted annotation, a restoration of one that is not deleted, or a change an edit
        would refuse (nothing is written).
    """
    store.require_writable()
    session = store.session(session_id)
    by = _author(by)
    ids = [c.get("id") for c in changes]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InvalidArgumentError(f"annotation(s) {', '.join(map(str, twice))} named twice: "
                                   "give each annotation once", parameter="changes")
    if not changes:
        return []
    vocab = vocabulary.load(store.root)
    with _revisions_lock(session):
        current = {a["id"]: a for a in ann.fold(session.annotation_records(),
                                                include_deleted=True)}
        records, moved = [], []
        for change in changes:
            op = change.get("op", "edit")
            if op not in ("edit", "delete", "restore"):
                raise InvalidArgumentError(
                    f"op must be 'edit', 'delete' or 'restore', got {op!r}", parameter="op")
            a = current.get(change["id"])
            if a is None:
                _current(session, change["id"])  # raises: no such annotation
            rev = change.get("rev")
            if rev is not None and a["rev"] != rev:
                moved.append(a["id"])
                continue
            if op == "restore":  # refused unless it is deleted
                records.append(ann.restore_record(a, by=by))
                continue
            if a["deleted"]:
                _current(session, a["id"])  # raises: it is deleted
            if op == "delete":
                records.append(ann.delete_record(a, by=by, reason=change.get("reason", "")))
                continue
            fields = dict(change.get("fields") or {})
            _check_time(session, fields.get("t", a["t"]), fields.get("end", a.get("end")))
            if "player" in fields:
                fields["player"] = _check_player(session, fields["player"])
            if "tags" in fields:
                fields["tags"] = vocabulary.check_tags(list(fields["tags"]), vocab)
            rec = ann.edit_record(a, by=by, **fields)
            if not set(rec) <= {"op", "id", "rev", "at_utc", "by"}:  # else: nothing changes
                records.append(rec)
        if moved:
            raise AnnotationConflictError(
                f"{len(moved)} of the annotations were changed since they were opened "
                f"({', '.join(moved)}): reload them and make the change again")
        if records:
            ann.append_records(session.folder / mf.ANNOTATIONS, records, what="the changes")
    if records:
        _refresh(store, session, what="the changes")
    after = {a["id"]: a for a in session.annotations(include_deleted=True)}
    return [after[i] for i in ids]


def annotation_history(store, session_id: str, annotation_id: str) -> list[dict[str, Any]]:
    session = store.session(session_id)
    _current(session, annotation_id, include_deleted=True)
    return ann.history(session.annotation_records(), annotation_id)


def _utc_text(moment: datetime) -> str:
    """An aware moment (a naive one is UTC) as the catalog's UTC ISO text, to compare with
    ``started_utc``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern with ESCAPE '\\': its %, _ and \\ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_annotations(
    store,
    *,
    tags: Iterable[str] = (),
    text: str | None = None,
    client: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Annotations across all sessions, from the catalog.

    ``tags`` must all be present (a tag ``autonomy`` matches every
    ``autonomy:*``); ``text`` is a case-insensitive substring; ``since`` and
    ``until`` bound the session start (aware datetimes; naive ones are UTC). An unknown tag
    (a typo would find nothing and look like "no such moments") and ``since`` after
    ``until`` raise InvalidArgumentError.
    """
    tags = list(tags)
    if tags:
        vocab = vocabulary.load(store.root)
        known = set(vocabulary.all_tags(vocab)) | set(vocab["dimensions"])
        unknown = [t for t in tags if t not in known]
        if unknown:
            raise InvalidArgumentError(
                f"unknown tag(s) {', '.join(unknown)}: search by a dimension "
                f"({', '.join(vocab['dimensions'])}), a dimension:value (e.g. autonomy:leader) "
                f"or a plain tag ({', '.join(vocab['tags'])})", parameter="tags")
    if since is not None and until is not None and since >= until:
        raise InvalidArgumentError(
            f"the since date ({since.date()}) must be before the until date ({until.date()})",
            parameter="since")
    sql = ("SELECT a.*, s.client, s.started_utc FROM annotations a "
           "JOIN sessions s ON s.id = a.session_id WHERE 1=1")
    args: list[Any] = []
    for tag in tags:
        if ":" in tag:
            sql += (" AND EXISTS (SELECT 1 FROM annotation_tags g "
                    "WHERE g.session_id = a.session_id "
                    "AND g.annotation_id = a.id AND g.tag = ?)")
            args.append(tag)
        else:
            sql += (" AND EXISTS (SELECT 1 FROM annotation_tags g "
                    "WHERE g.session_id = a.session_id "
                    "AND g.annotation_id = a.id AND (g.tag = ? OR g.tag LIKE ? ESCAPE '\\'))")
            args += [tag, f"{_like_literal(tag)}:%"]
    if text:  # % and _ in the search text are letters, not wildcards
        sql += " AND lower(a.text) LIKE ? ESCAPE '\\'"
        args.append(f"%{_like_literal(text.lower())}%")
    if client:
        sql += " AND s.client = ?"
        args.append(client)
    if since:  # the stored moments are UTC ISO strings: compared as such
        sql += " AND s.started_utc >= ?"
        args.append(_utc_text(since))
    if until:
        sql += " AND s.started_utc < ?"
        args.append(_utc_text(until))
    sql += " ORDER BY s.started_utc, a.t"
    import json

    rows = []
    for r in store.catalog.db.execute(sql, args):
        d = dict(r)
        d["tags"] = json.loads(d["tags"])
        d["end"] = d.pop("end_t")
        rows.append(d)
    return rows

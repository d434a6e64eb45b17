"""Corrections of a session's title and client code, and marks of its MIDI inputs as drum kits,
kept in an append-only revision log (``revisions.jsonl`` in the session folder), as annotations
are (:mod:`sessions.annotation_log`).

A correction never rewrites the past: the log keeps every value a field had, when it was
changed and by whom (German §630f BGB: corrections keep the original and the time of change
visible); ``session.json`` holds the current value, and the catalog follows it. One line per
correction::

    {"rev": 1, "at_utc": "2026-12-04T18:01:02.123456+00:00", "by": "T01", "field": "title",
     "from": "Sesion 3", "to": "Session 3", "reason": "typo"}

``from`` of the first correction of a field is its value as recorded or imported. Marking a
MIDI input as a drum kit (or taking the mark away) is a correction of its ``percussion`` mark,
naming the input (its port) and its player::

    {"rev": 2, "at_utc": "...", "by": "T01", "field": "percussion", "input": "TD-17",
     "player": "therapist", "from": false, "to": true, "reason": "e-drum on channel 1"}

Renaming a player (:func:`rename_player`) is a correction of its name; the raw files
(``midi.tsv``, ``session.mid``, the audio) keep the name they were recorded with, and
``session.json``'s ``player_names`` maps it to the current one::

    {"rev": 3, "at_utc": "...", "by": "T01", "field": "player", "from": "Piano-client",
     "to": "client", "reason": "named after the MIDI track at import", "annotations_before": 4}

``annotations_before`` is the number of revisions the annotation log held when the player was
renamed (read under the log's lock): the rename applies to those, not to later ones, whatever
the clocks say (a rename logged without it is placed by ``at_utc``).
"""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from sessions import manifest as mf
from sessions.annotation_log import append_records, utc_now
from sessions.errors import DamagedLogError, InvalidArgumentError, SessionFormatError
from sessions.fsutil import atomic_write_json, read_json
from sessions.lines import glued_record, read_appended
from sessions.locks import folder_lock, manifest_lock

REVISIONS = "revisions.jsonl"
#: Fields a correction may change.
FIELDS = ("title", "client")
#: The field of a MIDI input's drum-kit mark (``midi.ports[].percussion``).
PERCUSSION = "percussion"
#: The field of a player's name (renaming a player).
PLAYER = "player"
#: Longest title [characters] (the import's, :data:`sessions.manifest.MAX_TITLE`).
MAX_TITLE = mf.MAX_TITLE


def read_revisions(folder: Path) -> list[dict[str, Any]]:
    """Every correction of the session in ``folder``, oldest first (none: an empty list).

    A last line cut short (a power cut, or a failed correction of an older improv) is left
    out with a warning (:func:`sessions.lines.read_appended`); the next correction cuts it off.

    Raises
    ------
    DamagedLogError
        For a line before the last that is not a correction (the message gives the file and
        the line's number; a :class:`SessionFormatError`): nothing is changed.
    """
    path = Path(folder) / REVISIONS
    if not path.exists():
        return []
    blob = read_appended(path)
    out = []
    for number, line in enumerate(blob.decode("utf-8", errors="replace").splitlines(), 1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            rec = glued_record(path, number, line)  # an older improv's torn line, glued
            if rec is None:
                raise DamagedLogError(f"{path}:{number}: not valid JSON ({exc})",
                                      session_id=path.parent.name, line=number) from None
        if not (_is_field_correction(rec) or _is_mark(rec) or _is_rename(rec)):
            raise DamagedLogError(f"{path}:{number}: not a correction of the title, the "
                                  "client, a player's name or a drum-kit mark",
                                  session_id=path.parent.name, line=number)
        out.append(rec)
    return out


def _is_field_correction(rec: Any) -> bool:
    return isinstance(rec, dict) and rec.get("field") in FIELDS and "to" in rec


def _is_mark(rec: Any) -> bool:
    return (isinstance(rec, dict) and rec.get("field") == PERCUSSION
            and isinstance(rec.get("input"), str) and isinstance(rec.get("player"), str)
            and isinstance(rec.get("to"), bool))


def _is_rename(rec: Any) -> bool:
    return (isinstance(rec, dict) and rec.get("field") == PLAYER
            and isinstance(rec.get("from"), str) and isinstance(rec.get("to"), str))


def compose_names(names: dict[str, str], old: str, new: str) -> dict[str, str]:
    """The ``player_names`` map (recorded name -> current name) after player ``old`` is
    renamed ``new``: the name ``old`` was recorded with now leads to ``new``; a player renamed
    back to its recorded name is left out.

    Examples
    --------
    >>> compose_names({"Piano-client": "clinet"}, "clinet", "client")
    {'Piano-client': 'client'}
    >>> compose_names({"Piano-client": "client"}, "client", "Piano-client")
    {}
    >>> compose_names({"a": "x", "b": "a"}, "x", "b")  # two players swapped
    {'a': 'b', 'b': 'a'}
    """
    recorded = next((k for k, v in names.items() if v == old), old)
    out = {**names, recorded: new}
    return {k: v for k, v in out.items() if k != v}


def check_revisions(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems for ``verify``: an unreadable log, or a manifest value that is not the last
    correction's (a correction whose manifest update was lost): a title or client code, a
    drum-kit mark, a player's name (the last rename's new name is not a player, its old one
    still is, or ``player_names`` is not what the renames give)."""
    try:
        revs = read_revisions(folder)
    except (SessionFormatError, OSError) as exc:
        return [str(exc)]
    last = {r["field"]: r["to"] for r in revs if r["field"] in FIELDS}
    problems = [f"{REVISIONS}: the last correction of {f} gives {v!r}, session.json has "
                f"{manifest.get(f)!r}" for f, v in last.items() if manifest.get(f) != v]
    marks: dict[tuple[str, str], bool] = {}
    names: dict[str, str] = {}
    renames = []
    for r in revs:  # in order: a mark names its player as it was called then
        if r["field"] == PERCUSSION:
            marks[(r["player"], r["input"])] = r["to"]
        elif r["field"] == PLAYER:
            renames.append(r)
            names = compose_names(names, r["from"], r["to"])
            marks = {((r["to"] if p == r["from"] else p), port): to
                     for (p, port), to in marks.items()}
    problems += _rename_problems(renames, names, manifest)
    ports = {(p["player"], p["name"]): p.get("percussion") is True
             for p in manifest["midi"].get("ports", [])}
    for (player, port), to in marks.items():
        if (player, port) not in ports:
            problems.append(f"{REVISIONS}: a drum-kit mark names MIDI input {port!r} of "
                            f"{player!r}, which session.json does not have")
        elif ports[(player, port)] != to:
            problems.append(f"{REVISIONS}: the last drum-kit mark of MIDI input {port!r} "
                            f"({player}) gives {to!r}, session.json has "
                            f"{ports[(player, port)]!r}")
    return problems


def _rename_problems(renames: list[dict[str, Any]], names: dict[str, str],
                     manifest: dict[str, Any]) -> list[str]:
    if not renames and not manifest.get("player_names"):
        return []
    players = [p["name"] for p in manifest["players"]]
    out = []
    if renames:
        r = renames[-1]
        if r["to"] not in players or (r["from"] in players and r["from"] != r["to"]):
            out.append(f"{REVISIONS}: the last rename gives player {r['from']!r} the name "
                       f"{r['to']!r}, session.json's players are {', '.join(players)}")
    if (manifest.get("player_names") or {}) != names:
        out.append(f"{REVISIONS}: the renames give the player names {names!r}, session.json's "
                   f"player_names is {manifest.get('player_names') or {}!r}")
    return out


def check_value(field: str, value: str | None) -> str | None:
    """The value a correction of ``field`` (``title``, ``client``) stores: a checked client
    code, a title checked as an import checks it (:func:`sessions.manifest.check_title`: one
    line without control characters, its outer spaces removed; None: no title).

    Raises
    ------
    InvalidArgumentError, SessionFormatError
        A bad client code; a title that holds a newline, a tab or another control character,
        or is too long.
    """
    if field == "client":
        return mf.check_code(value, what="client")
    if value is None:
        return None
    return mf.check_title(str(value))  # the import's rule: a newline is refused, not joined


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
    wanted = {f: check_value(f, v) for f, v in changes.items()}
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
            append_records(session.folder / REVISIONS, recs,  # the history first
                           what="the correction")
            manifest.update({r["field"]: r["to"] for r in recs})
            atomic_write_json(path, manifest)
            store._index(manifest)
    return {"id": session_id, "title": manifest.get("title"), "client": manifest.get("client"),
            "revisions": recs}


def mark_percussion(store, session_id: str, names: Sequence[str], *, percussion: bool = True,
                    player: str | None = None, by: str | None = None,
                    reason: str | None = None) -> dict[str, Any]:
    """Mark MIDI inputs of a session as drum kits (or take the mark away); each change is a
    revision in ``revisions.jsonl``, written before ``session.json`` takes it.

    The analysis takes a marked input's notes as drums on every channel (no pitch, key or
    tonal clarity from them), as it takes General MIDI channel 10; a changed mark changes the
    analysis key (:func:`improv.analyze.cache.data_checksums`), so the session is measured
    again.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    names : sequence of str
        Players (all their MIDI inputs) or MIDI inputs (port names; every player's share of
        the port), see :func:`sessions.manifest.midi_inputs_named`.
    percussion : bool
        True: mark as a drum kit; False: take the mark away.
    player : str, optional
        Only this player's share of the inputs (one track of an imported file that holds
        several players is one player's share of its port).
    by : str, optional
        Who marks (a pseudonym code such as ``T01``).
    reason : str, optional
        Why (kept in the log).

    Returns
    -------
    dict
        ``id``, ``inputs`` (every MIDI input: ``name``, ``player``, ``percussion``) and the
        ``revisions`` written (none when every input already had the mark asked for).

    Raises
    ------
    InvalidArgumentError, SessionFormatError
        No name, an unknown name, an audio input, a bad author; nothing is changed then.
    """
    store.require_writable()
    names = [str(n) for n in names if str(n).strip()]
    if not names:
        raise InvalidArgumentError("name a MIDI input or a player to mark as a drum kit",
                                   parameter="input")
    if not isinstance(percussion, bool):
        raise InvalidArgumentError(f"percussion must be true or false, got {percussion!r}",
                                   parameter="percussion")
    by = mf.check_author(by)
    session = store.session(session_id)
    path = session.folder / mf.MANIFEST
    with manifest_lock(session.folder):
        manifest = read_json(path)
        chosen = sorted({i for n in names for i in mf.midi_inputs_named(manifest, n)})
        ports = manifest["midi"]["ports"]
        if player is not None:
            chosen = [i for i in chosen if ports[i]["player"] == player]
            if not chosen:
                raise InvalidArgumentError(
                    f"player {player!r} has no MIDI input {', '.join(map(repr, names))}",
                    parameter="player")
        start = len(read_revisions(session.folder))
        changed = [i for i in chosen if (ports[i].get("percussion") is True) != percussion]
        recs = [{"rev": start + k + 1, "at_utc": utc_now(), "by": by, "field": PERCUSSION,
                 "input": ports[i]["name"], "player": ports[i]["player"],
                 "from": not percussion, "to": percussion, "reason": reason or None}
                for k, i in enumerate(changed)]
        if recs:
            append_records(session.folder / REVISIONS, recs,  # the history first
                           what="the drum-kit mark")
            for i in changed:
                if percussion:
                    ports[i]["percussion"] = True
                else:  # as before any mark: sessions without one read the same
                    ports[i].pop("percussion", None)
            atomic_write_json(path, manifest)
            store._index(manifest)
    return {"id": session_id, "inputs": midi_inputs(manifest), "revisions": recs}


def rename_player(store, session_id: str, old: str, new: str, *, by: str | None = None,
                  reason: str | None = None) -> dict[str, Any]:
    """Rename a player of a session (``Piano-client`` to ``client``, a typo): a revision in
    ``revisions.jsonl`` first, then ``session.json`` (its ``players``, ``midi.ports[].player``,
    the keys of ``audio[].players`` and ``player_names``: former name -> current name).

    The recorded files keep the name they were recorded or imported with (``midi.tsv``,
    ``session.mid``, the annotation log); :class:`sessions.session.Session` reads them under
    the current name. The session's derived data (its ``cache/`` folder and its feature rows
    in the catalog) is removed, so its next analysis measures it under the new name.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    old : str
        The player's current name (matched without regard to case where unique).
    new : str
        Its new name (1-32 letters, digits, ``_`` or ``-``; not another player's).
    by : str, optional
        Who renames (a pseudonym code such as ``T01``).
    reason : str, optional
        Why (kept in the log).

    Returns
    -------
    dict
        ``id``, ``players`` (current names), ``player_names`` and the ``revisions`` written
        (none when the name is the same).

    Raises
    ------
    InvalidArgumentError, SessionFormatError
        An unknown player, a new name that is another player's (also in another case: players
        are not merged), an invalid name or author; nothing is changed then.
    SessionBusyError
        The session is being recorded.
    """
    from sessions.names import match_name

    store.require_writable()
    by = mf.check_author(by)
    new = mf.check_player_name(str(new).strip(), what="the new player name")
    session = store.session(session_id)  # refuses a session being recorded
    path = session.folder / mf.MANIFEST
    with manifest_lock(session.folder):
        manifest = read_json(path)
        players = [p["name"] for p in manifest["players"]]
        old = match_name(str(old).strip(), players)
        if old not in players:
            raise InvalidArgumentError(f"session {session_id} has no player {old!r} (players: "
                                       f"{', '.join(players) or 'none'})", parameter="player")
        other = next((p for p in players if p != old and p.lower() == new.lower()), None)
        if other is not None:
            raise InvalidArgumentError(
                f"{other!r} is another player of session {session_id}; players are not merged: "
                "choose another name", parameter="player")
        names = dict(manifest.get("player_names") or {})
        if new == old:
            return {"id": session_id, "players": players, "player_names": names,
                    "revisions": []}
        _clear_derived(store, session)  # disposable; first, so no crash leaves the old name
        with _annotations_held(session.folder) as count:  # no annotation written meanwhile
            rec = {"rev": len(read_revisions(session.folder)) + 1, "at_utc": utc_now(),
                   "by": by, "field": PLAYER, "from": old, "to": new, "reason": reason or None}
            if count is not None:
                rec["annotations_before"] = count
            append_records(session.folder / REVISIONS, [rec],  # the history first
                           what="the new player name")
            _rename_in_manifest(manifest, old, new)
            atomic_write_json(path, manifest)
        _clear_derived(store, session)  # again: what an analysis stored meanwhile
        store._index(manifest)
    return {"id": session_id, "players": [p["name"] for p in manifest["players"]],
            "player_names": manifest.get("player_names", {}), "revisions": [rec]}


@contextmanager
def _annotations_held(folder: Path) -> Iterator[int | None]:
    """Hold the annotation log's lock (the one its writers take, on the file itself) and give
    the number of revisions it holds: the rename applies to those (its ``annotations_before``)
    and to none written after it, whatever the clocks say. None: the log cannot be read
    (``verify`` reports it); the rename is then placed by time."""
    from sessions import annotation_log as ann

    log_path = Path(folder) / mf.ANNOTATIONS
    if not log_path.exists():  # no annotation yet (one added meanwhile is read by the map)
        yield 0
        return
    with folder_lock(log_path):
        try:
            count: int | None = len(ann.read_records(log_path))
        except (SessionFormatError, OSError):
            count = None
        yield count


def _rename_in_manifest(manifest: dict[str, Any], old: str, new: str) -> None:
    for p in manifest["players"]:
        if p["name"] == old:
            p["name"] = new
    for port in manifest["midi"].get("ports", []):
        if port["player"] == old:
            port["player"] = new
    for a in manifest["audio"]:
        if old in a.get("players", {}):
            a["players"] = {(new if k == old else k): v for k, v in a["players"].items()}
    names = compose_names(manifest.get("player_names") or {}, old, new)
    if names:
        manifest["player_names"] = names
    else:  # every player has its recorded name again: as a session never renamed
        manifest.pop("player_names", None)


def _clear_derived(store, session) -> None:
    """Remove a session's analysis results, waveform peaks and piano roll (``cache/``) and its
    feature rows in the catalog: they carry players' names."""
    shutil.rmtree(session.folder / "cache", ignore_errors=True)
    store.catalog.delete_features(session.id)


def revision_words(rec: dict[str, Any]) -> str:
    """A revision in words, as the history lists it: ``Player Piano-client renamed client``,
    ``title was Sesion 3, now Session 3``, a drum-kit mark (:func:`mark_words`)."""
    if rec.get("field") == PERCUSSION:
        return mark_words(rec)
    if rec.get("field") == PLAYER:
        return f"Player {rec.get('from')} renamed {rec.get('to')}"
    return f"{rec.get('field')} was {rec.get('from') or '-'}, now {rec.get('to') or '-'}"


def midi_inputs(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every MIDI input of a session: ``name`` (its port), ``player`` and ``percussion``
    (marked as a drum kit)."""
    return [{"name": p["name"], "player": p["player"], "percussion": p.get("percussion") is True}
            for p in manifest["midi"].get("ports", [])]


def mark_words(rec: dict[str, Any]) -> str:
    """A drum-kit mark's revision in words: ``MIDI input TD-17 (therapist) marked as a drum
    kit`` or ``... no longer marked as a drum kit``."""
    what = "marked as a drum kit" if rec.get("to") else "no longer marked as a drum kit"
    return f"MIDI input {rec.get('input')} ({rec.get('player')}) {what}"


def session_label(number: int | None, session_id: str, title: str | None = None) -> str:
    """How people name a session: ``Session 7 · 20261127-093012-3fa2`` (with ``: title``)."""
    head = f"Session {number} · {session_id}" if number else f"Session {session_id}"
    return f"{head}: {title}" if title else head

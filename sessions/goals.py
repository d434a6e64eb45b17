"""Treatment goals: an append-only revision log per client (``clients/<code>/goals.jsonl``).

Therapist and client agree on goals; goals change in the course of therapy.  Every line of
the log is one revision, with the UTC time of the change and who made it, and nothing is ever
rewritten or removed (the history rule of the annotations, German §630f BGB: a correction
keeps the original and the time of the change visible).

Kinds of revision (``op``):

``create``  a new goal: ``text``, ``since`` (the day it was agreed), ``indicators``
            (``[{"measure", "direction", "player"}]``) and ``tags`` (``[{"tag", "direction"}]``)
``edit``    a new version of the goal from the day ``since`` on, with its full content
            (``text``, ``indicators``, ``tags``); the earlier version keeps its own period.
            An edit on the day the current version starts is a correction: it replaces that
            version for the period, and the corrected one stays in the history.
            With ``"corrects": "agreed"`` the edit corrects the day the goal was agreed: it
            replaces every earlier version (none of which was in use but the current one),
            its ``since`` is the goal's start; the day entered first stays in the history.
``reach``   the goal was reached on ``date``
``drop``    the goal was dropped on ``date`` (with a ``reason``, possibly empty)
``plan``    the therapy's planned length for the client (``sessions`` and/or ``months``); the
            ``id`` of these lines is ``plan``

Every revision has ``id`` (``g-`` and 10 hex digits, or ``plan``), ``rev`` (1 for the
creation, +1 for each later revision of that id), ``at_utc`` and ``by``.  Days are
``YYYY-MM-DD``; a session belongs to a goal's version when its UTC date lies in the version's
period (``since`` to the day before the next version, or to the reach/drop date, inclusive).

The folder is 0700, the file 0600; every append is one ``write`` and is fsynced.  A line cut
short by a crash during an append is the revision that was never confirmed: it is left out on
reading and cut off before the next append.  The catalog indexes the goals (tables ``goals``,
``goal_versions``, ``goal_indicators``, ``client_plans``) and ``reindex`` rebuilds them from the
logs.  Measures are checked against the feature list by the caller (:mod:`improv.reports.goals`;
this package imports nothing of improv); tags against the vocabulary here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from sessions import vocabulary
from sessions.errors import SessionFormatError, StoreError
from sessions.fsutil import fsync_dir, make_dir, open_new, write_errors
from sessions.lines import read_complete, truncate_partial_tail

log = logging.getLogger(__name__)

CLIENTS_DIR = "clients"
GOALS_FILE = "goals.jsonl"
OPS = ("create", "edit", "reach", "drop", "plan")
DIRECTIONS = ("up", "down")
#: Longest goal text [characters]: a short goal in the therapist's words, not the notes.
MAX_TEXT_CHARS = 500
PLAN_ID = "plan"

CATALOG_SQL = """
CREATE TABLE goals (
    id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    status TEXT NOT NULL,
    since TEXT NOT NULL,
    end_date TEXT,
    text TEXT NOT NULL,
    rev INTEGER NOT NULL,
    created_utc TEXT,
    edited_utc TEXT
);
CREATE INDEX goals_client ON goals(client, since);
CREATE TABLE goal_versions (
    goal_id TEXT NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    rev INTEGER NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    used INTEGER NOT NULL,
    text TEXT NOT NULL,
    at_utc TEXT,
    PRIMARY KEY (goal_id, rev)
);
CREATE TABLE goal_indicators (
    goal_id TEXT NOT NULL,
    rev INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    direction TEXT NOT NULL,
    player TEXT,
    FOREIGN KEY (goal_id, rev) REFERENCES goal_versions(goal_id, rev) ON DELETE CASCADE
);
CREATE INDEX goal_indicators_name ON goal_indicators(kind, name);
CREATE TABLE client_plans (
    client TEXT PRIMARY KEY,
    planned_sessions INTEGER,
    planned_months REAL,
    at_utc TEXT
);
"""
"""The catalog's goal tables (migration ``0002_goals`` of :mod:`sessions.catalog`)."""


class GoalError(SessionFormatError):
    """A goal change that is refused (bad text, date, indicator or tag); nothing was written."""


# -- the log file --------------------------------------------------------------------------

def goals_path(store_root: Path, client: str) -> Path:
    """``clients/<client>/goals.jsonl`` of a store; raises StoreError if ``clients/`` or the
    client's folder is a symbolic link or a file (improv never writes or deletes through a
    link out of the store: :func:`sessions.safeio.store_folder`)."""
    from sessions.manifest import check_code
    from sessions.safeio import store_folder

    folder = Path(store_root) / CLIENTS_DIR / check_code(client, what="client")
    if store_folder(folder.parent):
        store_folder(folder)
    return folder / GOALS_FILE


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every complete revision in file order (a missing file: none)."""
    path = Path(path)
    if not path.exists():
        return []
    blob, partial = read_complete(path, allow_partial_tail=True)
    if partial:
        # the path names the client: the code only at debug level (a research export's
        # terminal log may be kept or shared; review 30)
        log.warning("a client's goals log has a last line cut short (an append was "
                    "interrupted); it is left out ('improv --debug' names the file)")
        log.debug("%s: the last line was cut short", path)
    records = []
    for number, line in enumerate(blob.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SessionFormatError(f"{path}:{number}: not a JSON line ({exc}); the file is "
                                     "damaged: restore it from a backup") from None
        if not isinstance(rec, dict) or rec.get("op") not in OPS or not isinstance(
                rec.get("id"), str) or not isinstance(rec.get("rev"), int):
            raise SessionFormatError(f"{path}:{number}: not a goal revision")
        missing = [k for k in ("at_utc", *_REQUIRED[rec["op"]]) if not isinstance(rec.get(k), str)]
        if missing:
            raise SessionFormatError(f"{path}:{number}: a {rec['op']} revision without "
                                     f"{', '.join(missing)}")
        records.append(rec)
    return records


#: Text fields every revision of a kind has (besides ``at_utc``).
_REQUIRED = {"create": ("since", "text"), "edit": ("since", "text"), "reach": ("date",),
             "drop": ("date",), "plan": ()}


def _append(path: Path, records: list[dict[str, Any]]) -> None:
    """Append durably: cut a torn last line first, then one ``write`` and ``fsync``."""
    new = not path.exists()
    make_dir(path.parent)
    data = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                   for r in records).encode("utf-8")
    with write_errors(path):
        if not new:
            truncate_partial_tail(path)
        with open_new(path, "ab", buffering=0) as f:
            view = memoryview(data)
            while view:
                view = view[f.write(view):]
            os.fsync(f.fileno())
    if new:
        fsync_dir(path.parent)
        fsync_dir(path.parent.parent)


# -- folding the log -----------------------------------------------------------------------

def _day(value: Any, what: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise GoalError(f"{what} must be a date like 2026-03-01, got {value!r}") from None


def fold(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The goals and the plan as they are now: ``{"plan": {...} | None, "goals": [...]}``,
    the goals in the order they were entered (goal 1 is the first agreed in improv).

    Each goal has ``id``, ``status`` (``active``, ``reached``, ``dropped``), ``since``,
    ``end`` (reach/drop date or None), ``reason``, ``rev``, ``created_utc``, ``edited_utc``,
    ``by``, the current ``text``, ``indicators`` and ``tags``, and ``versions``: every
    version in order with ``rev``, ``since``, ``until`` (last day, or None while open),
    ``used`` (False for a version corrected on its first day, or replaced when the day the
    goal was agreed was corrected), ``corrects_agreed`` (this version corrected the day the
    goal was agreed), ``at_utc``, ``by`` and its content.
    """
    plan = None
    goals: dict[str, dict[str, Any]] = {}
    for rec in records:
        op = rec["op"]
        if op == "plan":
            plan = {"sessions": rec.get("sessions"), "months": rec.get("months"),
                    "at_utc": rec["at_utc"], "by": rec.get("by"), "rev": rec["rev"]}
            continue
        if op == "create":
            goals[rec["id"]] = {"id": rec["id"], "status": "active", "since": rec["since"],
                                "end": None, "reason": None, "rev": rec["rev"],
                                "created_utc": rec["at_utc"], "edited_utc": None,
                                "by": rec.get("by"), "versions": [_version(rec)]}
            continue
        g = goals.get(rec["id"])
        if g is None:
            continue
        g["rev"] = rec["rev"]
        if op == "edit":
            if rec.get("corrects") == "agreed":  # the day agreed corrected: a new start
                for v in g["versions"]:
                    v["replaced"] = True
                g["since"] = rec["since"]
            g["versions"].append(_version(rec))
            g["edited_utc"] = rec["at_utc"]
        else:
            g["status"] = "reached" if op == "reach" else "dropped"
            g["end"] = rec["date"]
            g["reason"] = rec.get("reason")
            g["ended_utc"] = rec["at_utc"]
    out = []
    for g in goals.values():
        _periods(g)
        cur = g["versions"][-1]
        g.update(text=cur["text"], indicators=cur["indicators"], tags=cur["tags"])
        out.append(g)
    # in the order they were entered (the log's order), not by start date: "Goal 2" stays
    # Goal 2 when an earlier-dated goal is entered later
    return {"plan": plan, "goals": out}


def _version(rec: dict[str, Any]) -> dict[str, Any]:
    return {"rev": rec["rev"], "since": rec["since"], "until": None, "used": True,
            "corrects_agreed": rec.get("corrects") == "agreed",
            "at_utc": rec["at_utc"], "by": rec.get("by"), "text": rec["text"],
            "indicators": list(rec.get("indicators") or []), "tags": list(rec.get("tags") or [])}


def _periods(goal: dict[str, Any]) -> None:
    """Set each version's ``until`` and ``used`` (a version is followed by the next one from
    its ``since``; one corrected on its first day, or replaced by a correction of the day the
    goal was agreed, covers no day)."""
    from datetime import timedelta

    vs = goal["versions"]
    for v, nxt in zip(vs, vs[1:], strict=False):
        if v.pop("replaced", False) or nxt["since"] <= v["since"]:
            v["used"], v["until"] = False, None
        else:
            v["until"] = (date.fromisoformat(nxt["since"]) - timedelta(days=1)).isoformat()
    vs[-1]["until"] = goal["end"]


def history(records: list[dict[str, Any]], goal_id: str) -> list[dict[str, Any]]:
    """Every revision of one goal, in order (as written)."""
    return [dict(r) for r in records if r["id"] == goal_id]


# -- checks --------------------------------------------------------------------------------

def check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise GoalError("the goal text must not be empty (a short goal in your words)")
    text = " ".join(text.split())
    if len(text) > MAX_TEXT_CHARS:
        raise GoalError(f"the goal text must have at most {MAX_TEXT_CHARS} characters, got "
                        f"{len(text)} (longer text belongs in the session notes)")
    return text


def check_tags(store_root: Path, tags: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tag indicators (``{"tag", "direction"}``) with tags of the vocabulary."""
    out = []
    vocab = vocabulary.load(store_root)
    for t in tags:
        direction = t.get("direction")
        if direction not in DIRECTIONS:
            raise GoalError(f"a tag indicator's direction must be up or down, got {direction!r}")
        vocabulary.check_tags([t.get("tag")], vocab)
        out.append({"tag": t["tag"], "direction": direction})
    return out


def stored_client(store, client: str) -> str:
    """The stored spelling of a client code for its goals: as its goal folder spells it
    (matched without regard to case where that leaves one: a log is never split in two),
    else as the client's sessions spell it ("demo" finds "DEMO"), else ``client`` as given.
    Goals of "DEMo" were kept apart from the sessions of "DEMO" before, and read as none."""
    from sessions.names import match_name

    folder = match_name(client, clients_with_goals(store.root))
    if folder.casefold() == client.casefold() and folder in clients_with_goals(store.root):
        return folder
    return store.catalog.client_code(client)


def first_session_day(store, client: str) -> date | None:
    """The day of the client's first session in this computer's time zone (a goal cannot
    start before it), or None for a client without sessions yet (goals agreed at intake,
    before the first session)."""
    from sessions.manifest import check_code
    from sessions.timefmt import local_day

    rows = store.list(client=check_code(client, what="client"))
    if not rows:
        return None
    return min(date.fromisoformat(local_day(r["started_utc"])) for r in rows)


def has_goal_log(store, client: str) -> bool:
    """Whether ``client`` has a goal log (under its code in any case: :func:`stored_client`)."""
    return goals_path(store.root, stored_client(store, client)).is_file()


def _words(day: Any) -> str:
    """A goal's day (``YYYY-MM-DD``) as the app writes days: ``Nov 2, 2026``
    (:func:`sessions.timefmt.day_words`)."""
    from sessions.timefmt import day_words

    return day_words(str(day))


class EarlyDayError(GoalError):
    """A goal's day before the client's first session (nothing was written); ``first`` is
    that session's day (``YYYY-MM-DD``), the earliest a goal's day can be, so that a caller
    can name it in its own terms (the command line's ``--since``)."""

    def __init__(self, message: str, *, first: str):
        super().__init__(message)
        self.first = first


def _check_day(store, client: str, value: Any, what: str) -> str:
    day = _day(value if value is not None else date.today().isoformat(), what)
    first = first_session_day(store, client)
    if first is not None and day < first:
        # the day a goal's sessions count from: none lies before the first (a goal agreed
        # at intake, before any session, keeps the day it was given); the message says the
        # earliest day, as the web form's date field does (review rev-months, finding 10)
        raise EarlyDayError(f"{what}, {_words(day)}, is before the client's first session "
                            f"({_words(first)}): give {_words(first)} or a later day",
                            first=first.isoformat())
    # the local day may be ahead of UTC's (after midnight in Berlin): neither is the future
    if day > max(date.today(), datetime.now(timezone.utc).date()):
        raise GoalError(f"{what}, {_words(day)}, is in the future")
    return day.isoformat()


# -- changes -------------------------------------------------------------------------------

@contextlib.contextmanager
def _client_log(store, client: str, *, create: bool = False):
    """Hold the client's goal folder locked while its log is read, checked and appended to;
    yields (path, records). Without ``create`` a client without goals gets no folder: its
    records are none, and the change is refused before anything is written."""
    from sessions.locks import folder_lock

    store.require_writable()
    path = goals_path(store.root, client)
    if not create and not path.parent.exists():
        yield path, []
        return
    make_dir(path.parent)
    with folder_lock(path.parent):
        yield path, read_records(path)


def _find(records: list[dict[str, Any]], goal_id: str) -> dict[str, Any]:
    for g in fold(records)["goals"]:
        if g["id"] == goal_id:
            return g
    raise GoalError(f"no goal {goal_id} (see 'improv goals list --client CODE')")


def _commit(store, client: str, path: Path, records: list[dict[str, Any]],
            new: dict[str, Any]) -> dict[str, Any]:
    import sqlite3

    _append(path, [new])
    state = fold([*records, new])
    try:
        index_client(store.catalog, client, state)
    except (sqlite3.Error, StoreError) as exc:  # saved in the log: the index can be rebuilt
        log.warning("the change of a goal is saved, but the catalog could not be updated "
                    "(%s); 'improv sessions reindex' rebuilds it", exc)
    log.debug("goal log of a client: %s rev %s (%s)", new["id"], new["rev"], new["op"])
    return state


#: A caller's last check of a change (:func:`add_goal`, :func:`edit_goal`), run while the
#: client's goal log is locked: it gets the goals as the log has them then (:func:`fold`'s
#: ``goals``) and the revision about to be appended, and raises :class:`GoalError` to refuse
#: it (nothing is written). Two changes at the same instant are checked one after the other.
Refusal = Callable[[list[dict[str, Any]], dict[str, Any]], None]


def add_goal(store, client: str, *, text: str, since: Any = None,
             indicators: Iterable[dict[str, Any]] = (), tags: Iterable[dict[str, Any]] = (),
             by: str | None = None, refuse: Refusal | None = None) -> dict[str, Any]:
    """Agree a new goal with ``client``; returns it (see :func:`fold`).

    ``indicators`` must be checked against the feature list by the caller (see
    :func:`improv.reports.goal_indicators.check_indicators`); ``tags`` are checked here.
    ``since`` (a day, default today) may not lie before the client's first session; a
    client without sessions yet may have goals (agreed at intake, before the first session).
    ``refuse`` (:data:`Refusal`) sees the new goal's ``create`` revision under the log's lock
    (:mod:`improv.reports.goal_indicators` refuses a goal an active one already is there).
    """
    client = stored_client(store, client)
    from sessions.manifest import check_author

    rec = {"op": "create", "id": "g-" + secrets.token_hex(5), "rev": 1, "at_utc": utc_now(),
           "by": check_author(by), "text": check_text(text),
           "since": _check_day(store, client, since, "the goal's start date"),
           "indicators": list(indicators), "tags": check_tags(store.root, tags)}
    with _client_log(store, client, create=True) as (path, records):
        if refuse is not None:  # read under the lock: a goal added meanwhile is seen
            refuse(fold(records)["goals"], rec)
        state = _commit(store, client, path, records, rec)
    return next(g for g in state["goals"] if g["id"] == rec["id"])


class EarlyChangeError(GoalError):
    """A change dated before the goal's current version began (nothing was written).

    ``goal_id`` names the goal (the command line may add it), ``since`` is the current
    version's first day, ``can_correct_agreed`` whether the day the goal was agreed can be
    corrected instead (:func:`edit_goal` with ``agreed_on``) to count earlier sessions."""

    def __init__(self, message: str, *, goal_id: str, since: str, can_correct_agreed: bool):
        super().__init__(message)
        self.goal_id, self.since = goal_id, since
        self.can_correct_agreed = can_correct_agreed


def can_correct_agreed(goal: dict[str, Any]) -> bool:
    """Whether the day ``goal`` (see :func:`fold`) was agreed can be corrected: it is active and
    its current version is the only one in use (no change from a later day yet; versions
    corrected on their first day do not count)."""
    return goal["status"] == "active" and sum(v["used"] for v in goal["versions"]) == 1


def _named(goal: dict[str, Any]) -> str:
    """A goal in a message, by its current text (never its ID): ``“Dares to lead”``."""
    return f"“{goal['versions'][-1]['text']}”"


def _unchangeable(goal: dict[str, Any]) -> GoalError:
    return GoalError(f"{_named(goal)} was {goal['status']} on {_words(goal['end'])}; it can "
                     "no longer be changed (agree a new goal)")


def edit_goal(store, client: str, goal_id: str, *, since: Any = None, text: str | None = None,
              indicators: Iterable[dict[str, Any]] | None = None,
              tags: Iterable[dict[str, Any]] | None = None,
              agreed_on: Any = None, by: str | None = None,
              refuse: Refusal | None = None) -> dict[str, Any]:
    """A new version of a goal from the day ``since`` (default today); unchanged parts are
    taken over from the current version. The earlier version keeps its own period.
    ``refuse`` (:data:`Refusal`) sees the ``edit`` revision, with its full content, under the
    log's lock.

    With ``agreed_on`` (a day; not with ``since``) the day the goal was agreed is corrected
    instead: the new version replaces the goal's versions from that day on, as if agreed then
    (with the text, indicators and tags given, or the current ones). Possible while the goal
    is active and has not been changed from a later day (:func:`can_correct_agreed`); the day
    entered first stays in the log and the history (one more line, nothing rewritten).

    Raises
    ------
    EarlyChangeError
        ``since`` lies before the current version's first day (the message says from when a
        change can apply and, where it can, to correct the day the goal was agreed instead).
    GoalError
        A bad day or content, a goal reached or dropped, nothing to change, or a day agreed
        that can no longer be corrected.
    """
    client = stored_client(store, client)
    from sessions.manifest import check_author

    by = check_author(by)
    if agreed_on is not None and since is not None:
        raise GoalError("give either the day a change applies from or the corrected day the "
                        "goal was agreed, not both")
    if agreed_on is not None:
        day = _check_day(store, client, agreed_on, "the day the goal was agreed")
    else:
        day = _check_day(store, client, since, "the change's date")
    new_text = check_text(text) if text is not None else None
    new_tags = check_tags(store.root, tags) if tags is not None else None
    with _client_log(store, client) as (path, records):
        g = _find(records, goal_id)
        if g["status"] != "active":
            raise _unchangeable(g)
        cur = g["versions"][-1]
        fix = agreed_on is not None and day != cur["since"]
        if fix and not can_correct_agreed(g):
            raise GoalError(f"the day {_named(g)} was agreed can no longer be corrected: it "
                            f"was changed from {_words(cur['since'])} on (its earlier "
                            f"version counts the sessions from {_words(g['since'])})")
        if not fix and day < cur["since"]:
            ok = can_correct_agreed(g)
            way = (" To count earlier sessions, correct the day the goal was agreed." if ok
                   else f" Earlier sessions count for its earlier version (from "
                        f"{_words(g['since'])}).")
            raise EarlyChangeError(
                f"A change of {_named(g)} can apply from {_words(cur['since'])} (when its "
                f"current version began) or later.{way}",
                goal_id=goal_id, since=cur["since"], can_correct_agreed=ok)
        rec = {"op": "edit", "id": goal_id, "rev": g["rev"] + 1, "at_utc": utc_now(), "by": by,
               "since": day, "text": new_text if new_text is not None else cur["text"],
               "indicators": list(indicators) if indicators is not None else cur["indicators"],
               "tags": new_tags if new_tags is not None else cur["tags"]}
        if fix:
            rec["corrects"] = "agreed"
        elif all(rec[k] == cur[k] for k in ("text", "indicators", "tags")):
            already = (f" (it was agreed on {_words(day)} already)" if agreed_on is not None
                       else "")
            raise GoalError(f"nothing to change in {_named(g)}{already}: give a new text, "
                            "indicators or tags")
        if refuse is not None:
            refuse(fold(records)["goals"], rec)
        state = _commit(store, client, path, records, rec)
    return next(x for x in state["goals"] if x["id"] == goal_id)


def end_goal(store, client: str, goal_id: str, *, op: str, on: Any = None, reason: str = "",
             by: str | None = None) -> dict[str, Any]:
    """Mark a goal ``reach``-ed or ``drop``-ped on the day ``on`` (default today)."""
    client = stored_client(store, client)
    from sessions.manifest import check_author

    if op not in ("reach", "drop"):
        raise ValueError(f"op must be reach or drop, got {op!r}")
    by = check_author(by)
    what = "the day it was reached" if op == "reach" else "the day it was dropped"
    day = _check_day(store, client, on, what)
    reason = " ".join(str(reason or "").split())
    if len(reason) > MAX_TEXT_CHARS:  # refused, never cut short unsaid
        raise GoalError(f"the reason must have at most {MAX_TEXT_CHARS} characters, got "
                        f"{len(reason)} (longer text belongs in the session notes)")
    with _client_log(store, client) as (path, records):
        g = _find(records, goal_id)
        if g["status"] != "active":
            raise GoalError(f"{_named(g)} was {g['status']} on {_words(g['end'])} already")
        if day < g["versions"][-1]["since"]:
            raise GoalError(f"{what}, {_words(day)}, is before the current version of "
                            f"{_named(g)} (from {_words(g['versions'][-1]['since'])})")
        rec = {"op": op, "id": goal_id, "rev": g["rev"] + 1, "at_utc": utc_now(), "by": by,
               "date": day, "reason": reason}
        state = _commit(store, client, path, records, rec)
    return next(x for x in state["goals"] if x["id"] == goal_id)


def set_plan(store, client: str, *, sessions: int | None = None, months: float | None = None,
             by: str | None = None) -> dict[str, Any]:
    """The therapy's planned length for ``client`` (sessions and/or months)."""
    client = stored_client(store, client)
    from sessions.manifest import check_author

    by = check_author(by)
    if sessions is None and months is None:
        raise GoalError("give the planned length in sessions or months (or both)")
    if sessions is not None and (isinstance(sessions, bool) or not isinstance(sessions, int)
                                 or not 1 <= sessions <= 1000):
        raise GoalError(f"planned sessions must be a whole number 1-1000, got {sessions!r}")
    if months is not None and not (isinstance(months, (int, float)) and 0 < months <= 240):
        raise GoalError(f"planned months must be a number above 0 and at most 240, got "
                        f"{months!r}")
    if first_session_day(store, client) is None and not has_goal_log(store, client):
        raise GoalError(f"client {client!r} has no sessions and no goals (agree a goal first; "
                        "see 'improv sessions list')")
    with _client_log(store, client, create=True) as (path, records):
        old = fold(records)["plan"]
        rec = {"op": "plan", "id": PLAN_ID, "rev": (old["rev"] + 1) if old else 1,
               "at_utc": utc_now(), "by": by, "sessions": sessions,
               "months": None if months is None else float(months)}
        return _commit(store, client, path, records, rec)["plan"]


def client_goals(store, client: str) -> dict[str, Any]:
    """The folded goals and plan of ``client`` (:func:`fold`), read from its log."""
    client = stored_client(store, client)
    return fold(read_records(goals_path(store.root, client)))


def goal_client(store, goal_id: str) -> str:
    """The client a goal belongs to (from the catalog)."""
    if not isinstance(goal_id, str) or not goal_id.startswith("g-"):
        raise GoalError(f"{goal_id!r} is not a goal ID (IDs look like g-3fa2b1c0d9; see "
                        "'improv goals list --client CODE')")
    row = store.catalog.db.execute("SELECT client FROM goals WHERE id = ?",
                                   (goal_id,)).fetchone()
    if row is not None:
        return row[0]
    for client in clients_with_goals(store.root):  # the log is the truth, the catalog an index
        if any(r["id"] == goal_id for r in read_records(goals_path(store.root, client))):
            return client
    raise GoalError(f"no goal {goal_id} (see 'improv goals list --client CODE')")


def open_goal_counts(catalog) -> dict[str, int]:
    """How many goals of each client are open (``active``), from the catalog's index, by the
    code their log is kept under (see :func:`open_goals_of` for the sessions' codes)."""
    rows = catalog.db.execute(
        "SELECT client, COUNT(*) FROM goals WHERE status = 'active' GROUP BY client")
    return {client: int(n) for client, n in rows}


def open_goals_of(store, codes: Iterable[str]) -> dict[str, int]:
    """How many goals are open for each client code of ``codes`` (as the sessions spell
    them), read under the spelling the client's page reads them (:func:`stored_client`): a log
    kept as ``c07`` counts for the sessions of ``C07``."""
    counts = open_goal_counts(store.catalog)
    return {code: counts.get(stored_client(store, code), 0) for code in codes}


def clients_without_sessions(store, codes: Iterable[str]) -> list[str]:
    """The clients with a goal log but no sessions (goals agreed at intake, before the first
    session): those of :func:`clients_with_goals` that no code of ``codes`` (the sessions'
    clients) names, in any case."""
    folded = {c.casefold() for c in codes}
    return [c for c in clients_with_goals(store.root) if c.casefold() not in folded]


def clients_with_goals(store_root: Path) -> list[str]:
    root = Path(store_root) / CLIENTS_DIR
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / GOALS_FILE).is_file())


# -- catalog -------------------------------------------------------------------------------

def index_client(catalog, client: str, state: dict[str, Any]) -> None:
    """Replace the catalog's goal rows of ``client`` with ``state`` (:func:`fold`)."""
    db = catalog.db
    with write_errors(catalog.path), db:
        db.execute("DELETE FROM goals WHERE client = ?", (client,))
        db.execute("DELETE FROM client_plans WHERE client = ?", (client,))
        plan = state["plan"]
        if plan:
            db.execute("INSERT INTO client_plans VALUES (?,?,?,?)",
                       (client, plan["sessions"], plan["months"], plan["at_utc"]))
        for g in state["goals"]:
            db.execute("INSERT INTO goals VALUES (?,?,?,?,?,?,?,?,?)",
                       (g["id"], client, g["status"], g["since"], g["end"], g["text"], g["rev"],
                        g["created_utc"], g["edited_utc"]))
            for v in g["versions"]:
                db.execute("INSERT INTO goal_versions VALUES (?,?,?,?,?,?,?)",
                           (g["id"], v["rev"], v["since"], v["until"], int(v["used"]),
                            v["text"], v["at_utc"]))
                rows = [(g["id"], v["rev"], "measure", i["measure"], i["direction"],
                         i.get("player")) for i in v["indicators"]]
                rows += [(g["id"], v["rev"], "tag", t["tag"], t["direction"], None)
                         for t in v["tags"]]
                db.executemany("INSERT INTO goal_indicators VALUES (?,?,?,?,?,?)", rows)


def index_all(store) -> list[list[str]]:
    """Index every client's goals (after the catalog was cleared); ``[client, reason]`` for
    logs that cannot be read (``verify`` names the problem)."""
    skipped = []
    for client in clients_with_goals(store.root):
        try:
            index_client(store.catalog, client, client_goals(store, client))
        except StoreError as exc:
            log.warning("the goals of a client could not be indexed ('improv sessions verify "
                        "--all' names them)")
            log.debug("goals of %s could not be indexed: %s", client, exc)
            skipped.append([client, str(exc)])
    return skipped


# -- deleting, verifying, exporting --------------------------------------------------------

def delete_client_goals(store, client: str) -> bool:
    """Remove a client's goal log and catalog rows (when the client is deleted); True if there
    was one. The folder goes through ``tmp/`` as a deleted session does."""
    from sessions import scratch

    store.require_writable()
    store.check_layout()  # tmp/ and clients/ not links: nothing renamed or deleted outside
    # every spelling of the code: a log kept under another case (before goals followed the
    # sessions' spelling) is the same client's health data, deleted with it
    codes = sorted({stored_client(store, client), client,
                    *(c for c in clients_with_goals(store.root)
                      if c.casefold() == client.casefold())})
    with write_errors(store.catalog.path), store.catalog.db as db:
        for code in codes:
            db.execute("DELETE FROM goals WHERE client = ?", (code,))
            db.execute("DELETE FROM client_plans WHERE client = ?", (code,))
    found = False
    for code in codes:
        folder = goals_path(store.root, code).parent
        if not folder.exists():
            continue
        found = True
        with scratch.claim(store.tmp_dir, f"deleted-goals-{code}-{secrets.token_hex(2)}") as trash:
            with write_errors(folder):
                os.rename(folder, trash.path)
            fsync_dir(folder.parent)
            shutil.rmtree(trash.path, ignore_errors=True)
    return found


def verify_log(path: Path) -> list[str]:
    """Problems of one goal log: unreadable lines, revisions out of order, unknown goals."""
    problems = []
    try:
        records = read_records(path)
    except (StoreError, OSError) as exc:
        return [str(exc)]
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        problems.append(f"{path.name}: readable by others (mode {mode:o}); it should be 0600")
    seen: dict[str, int] = {}
    for n, rec in enumerate(records, 1):
        expected = seen.get(rec["id"], 0) + 1
        if rec["rev"] != expected:
            problems.append(f"{path.name}:{n}: revision {rec['rev']} of {rec['id']}, expected "
                            f"{expected}")
        if rec["op"] not in ("create", "plan") and rec["id"] not in seen:
            problems.append(f"{path.name}:{n}: {rec['op']} of unknown goal {rec['id']}")
        seen[rec["id"]] = rec["rev"]
    return problems


def verify_all(store_root: Path) -> list[dict[str, Any]]:
    """A report per client goal log, as :func:`sessions.verify.verify_folder` gives per
    session (``id`` is ``goals of <client>``)."""
    out = []
    for client in clients_with_goals(store_root):
        problems = verify_log(goals_path(store_root, client))
        out.append({"id": f"goals of {client}", "ok": not problems, "problems": problems,
                    "checked": 1})
    return out


def export_goals(store_root: Path, client: str, to: Path) -> Path:
    """Copy a client's goal log into the folder ``to`` as ``goals-<client>.jsonl`` with a
    ``.sha256`` beside it (``sha256sum -c`` checks it). Returns the copy's path."""
    from sessions.fsutil import atomic_write_bytes, sha256_file

    src = goals_path(store_root, client)
    if not src.is_file():
        raise GoalError(f"client {client!r} has no goals to export")
    to = Path(to)
    if to.exists() and not to.is_dir():
        raise StoreError(f"{to} is a file, not a folder; export to a folder")
    dst = to / f"goals-{client}.jsonl"
    if dst.exists():
        raise StoreError(f"{dst} exists already; export to another folder or remove it")
    make_dir(to)
    atomic_write_bytes(dst, src.read_bytes())
    atomic_write_bytes(dst.with_name(dst.name + ".sha256"),
                       f"{sha256_file(dst)}  {dst.name}\n".encode())
    return dst

"""One page of the session list, filtered over the whole store, read from the catalog.

The web app's Sessions page shows the newest sessions 50 at a time; its filters (client, days,
tag) apply to every session of the store, not to the rows already shown.  Only the sessions of
the page are read in full (players, tags): a store of 2,445 sessions answered its list in
0.55 s even for a client with 69 of them, because the tags of every annotation and the players
of every session were read for each request (review 33, F3 and F4).

A session's tags, the tag filter and its choices are the therapist's: the tags of the analysis's
role suggestions not yet confirmed (:func:`sessions.annotation_log.unconfirmed_suggestion`, the
rule of :meth:`sessions.catalog.Catalog.own_annotation_counts`) are left out. A session with only
suggested roles was listed with "autonomy:leader, ..., suggestion" and found by the tag
"autonomy:leader" (a therapist's review).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sessions.catalog import SESSION_NUMBER
from sessions.timefmt import local_day


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: The current annotations' tags that are the therapist's: those of annotations written or
#: confirmed by them (``unconfirmed_suggestion`` is the catalog's SQL function of that rule).
_OWN_TAGS = ("SELECT t.session_id, t.tag FROM annotation_tags t JOIN annotations a "
             "ON a.session_id = t.session_id AND a.id = t.annotation_id "
             "WHERE NOT unconfirmed_suggestion(a.source, a.tags)")


def has_sessions(store) -> bool:
    """Whether the catalog lists any session (one row read, not the list)."""
    return store.catalog.db.execute("SELECT 1 FROM sessions LIMIT 1").fetchone() is not None


def clients_and_tags(store) -> tuple[list[str], list[str]]:
    """Every client code and every tag the therapist gave an annotation, sorted: the filters'
    choices (the tags of unconfirmed role suggestions left out).

    Returns
    -------
    tuple of (list of str, list of str)
        The client codes (sessions without a client left out) and the tags.
    """
    db = store.catalog.db
    clients = [r[0] for r in db.execute(
        "SELECT DISTINCT client FROM sessions WHERE client IS NOT NULL AND client != '' "
        "ORDER BY client")]
    tags = [r[0] for r in db.execute(f"SELECT DISTINCT tag FROM ({_OWN_TAGS}) ORDER BY tag")]
    return clients, tags


def session_page(
    store,
    *,
    client: str | None = None,
    since: date | None = None,
    until: date | None = None,
    tag: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Sessions newest first, filtered over the whole store, and one page of them in full.

    Parameters
    ----------
    store : sessions.store.Store
        The store whose catalog is read.
    client : str, optional
        Only this client's sessions (matched as :meth:`Catalog.client_code` does: "c07"
        finds "C07").
    since, until : datetime.date, optional
        First and last day, in this computer's calendar (the day the list shows).
    tag : str, optional
        Only sessions with an annotation of the therapist's tagged ``tag`` or ``tag:...`` (a
        dimension finds its values); an unconfirmed role suggestion does not count.
    limit : int, optional
        At most this many sessions (all from ``offset`` on if None).
    offset : int
        How many of the matching sessions, newest first, to skip.

    Returns
    -------
    tuple of (list of dict, int)
        The page's catalog rows (as :meth:`Catalog.sessions` gives them, with ``players``,
        ``number`` and ``tags``: the sorted tags of the session's annotations, those of
        unconfirmed role suggestions left out) and how many
        sessions match the filters in all.
    """
    db = store.catalog.db
    # the client's running number counts all of its sessions, whatever the other filters
    sql = f"SELECT id, started_utc, {SESSION_NUMBER} AS number FROM sessions"
    args: list[Any] = []
    if client is not None:
        sql += " WHERE client = ?"
        args.append(store.catalog.client_code(client))
    sql += " ORDER BY started_utc DESC, id DESC"
    rows = db.execute(sql, args).fetchall()
    if since is not None or until is not None:
        lo = since.isoformat() if since else None
        hi = until.isoformat() if until else None
        # the day in this computer's calendar: not a comparison of the stored UTC text
        rows = [r for r in rows if (lo is None or local_day(r["started_utc"]) >= lo)
                and (hi is None or local_day(r["started_utc"]) <= hi)]
    if tag:
        tagged = {r[0] for r in db.execute(
            f"SELECT DISTINCT session_id FROM ({_OWN_TAGS}) WHERE tag = ? OR tag LIKE ? "
            "ESCAPE '\\'", (tag, f"{_like_literal(tag)}:%"))}
        rows = [r for r in rows if r["id"] in tagged]
    total = len(rows)
    page = rows[offset:] if limit is None else rows[offset:offset + limit]
    return _full_rows(db, [(r["id"], r["number"]) for r in page]), total


def _full_rows(db, ids_numbers: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """The catalog rows of these sessions, in this order, with players, number and tags."""
    out: list[dict[str, Any]] = []
    # SQLite allows 32,766 variables; a page without a limit (an older caller) may be larger
    for start in range(0, len(ids_numbers), 500):
        chunk = ids_numbers[start:start + 500]
        ids = [sid for sid, _ in chunk]
        m = _marks(len(ids))
        found = {r["id"]: dict(r) for r in db.execute(
            f"SELECT * FROM sessions WHERE id IN ({m})", ids)}
        players: dict[str, list[dict[str, Any]]] = {}
        for r in db.execute(f"SELECT session_id, name, kinds FROM players WHERE session_id "
                            f"IN ({m}) ORDER BY rowid", ids):
            players.setdefault(r["session_id"], []).append(
                {"name": r["name"], "kinds": r["kinds"].split(",") if r["kinds"] else []})
        tags: dict[str, set[str]] = {}
        for r in db.execute(f"{_OWN_TAGS} AND t.session_id IN ({m})", ids):
            tags.setdefault(r["session_id"], set()).add(r["tag"])
        for sid, number in chunk:
            d = found.get(sid)
            if d is None:  # deleted between the two reads
                continue
            d["demo"] = bool(d["demo"])
            d["players"] = players.get(sid, [])
            d["number"] = number
            d["tags"] = sorted(tags.get(sid, ()))
            out.append(d)
    return out

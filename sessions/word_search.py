"""Words looked for in what the therapist wrote, across sessions: annotations and verbal notes.

Annotations come from the catalog (:func:`sessions.annotation_edits.search_annotations`); the
notes live in each session's folder (:mod:`sessions.notes`) and are read for each search.
Measured on a store of 300 sessions, each with 1.5 kB of notes and 4 annotations: 0.15-0.28 s
per search (median of 5; 2 cores under other load), most of it reading the 300 notes files;
a store of a few hundred sessions needs no index of its notes.

Nothing here logs: the text found is the client's most private writing, shown on the
therapist's own screen only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sessions.annotation_edits import _utc_text, search_annotations
from sessions.catalog import SESSION_NUMBER
from sessions.errors import SessionFormatError
from sessions.notes import lines_with, read_notes, words_pattern

#: How much of a long line a result shows [characters]: about one line of a terminal or of the
#: page's table; the rest is cut at a word, and "…" says where.
SNIPPET_CHARS = 120

#: Where a cut is shown.
ELLIPSIS = "…"


def search_words(
    store,
    words: str | None,
    *,
    tags: Iterable[str] = (),
    client: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Find ``words`` in the annotations and the verbal notes of the store's sessions.

    Parameters
    ----------
    store : sessions.store.Store
        The store searched (its catalogued sessions).
    words : str or None
        One phrase, found without regard to case or to the spaces and line breaks between its
        words (:func:`sessions.notes.words_pattern`). None (or only spaces): every annotation
        (of ``tags``, ``client`` and the dates) is found, and no notes are searched.
    tags : iterable of str
        Only annotations with all these tags (as :func:`search_annotations`); notes have no
        tags, so with a tag they are not searched (``notes_searched`` is False).
    client : str, optional
        Only this client's sessions.
    since, until : datetime, optional
        Sessions that started from ``since`` and before ``until`` (aware; naive is UTC).

    Returns
    -------
    dict
        ``found``: one item per annotation and per line of notes where the words are, oldest
        session first, in a session its annotations by time and then its notes; each with
        ``found_in`` (``annotation`` or ``notes``), ``session_id``, ``number`` (the client's
        running session number), ``client``, ``title``, ``started_utc``, ``text`` (the whole
        annotation text, or the whole line of notes, uncut) and ``spans`` (the matches'
        ``[start, end]`` character offsets in ``text``); an annotation keeps its fields
        (``id``, ``t``, ``end``, ``player``, ``tags`` ...), a line of notes has ``line`` (its
        number, from 1). ``sessions``: how many sessions were searched; ``notes_searched``;
        ``notes_unread``: ``session_id`` and ``problem`` of each session whose notes could not
        be read (they were not searched, and the caller says so).

    Raises
    ------
    InvalidArgumentError
        An unknown tag, or ``since`` not before ``until``.
    """
    words = " ".join(str(words or "").split())
    pattern = words_pattern(words) if words else None
    tags = list(tags)
    annotations = search_annotations(store, tags=tags, client=client, since=since, until=until)
    sessions = _sessions(store, client=client, since=since, until=until)
    about = {s["id"]: s for s in sessions}
    found: list[dict[str, Any]] = []
    for a in annotations:
        spans = ([] if pattern is None
                 else [list(m.span()) for m in pattern.finditer(a.get("text") or "")])
        if (spans or pattern is None) and a["session_id"] in about:
            found.append(_with_session({**a, "found_in": "annotation", "spans": spans},
                                       about[a["session_id"]]))
    unread = []
    notes_searched = pattern is not None and not tags
    if notes_searched:
        for s in sessions:
            try:
                text = read_notes(store.folder(s["id"]))
            except (SessionFormatError, OSError) as exc:
                unread.append({"session_id": s["id"], "problem": str(exc)})
                continue
            for line in lines_with(text, pattern):
                found.append(_with_session({"found_in": "notes", "line": line["line"],
                                            "text": line["text"],
                                            "spans": [list(sp) for sp in line["spans"]]}, s))
    order = {s["id"]: k for k, s in enumerate(sessions)}
    found.sort(key=lambda f: (order[f["session_id"]], f["found_in"] == "notes",
                              f.get("t") or 0.0, f.get("line") or 0))
    return {"words": words, "found": found, "sessions": len(sessions),
            "notes_searched": notes_searched, "notes_unread": unread}


def _sessions(store, *, client, since, until) -> list[dict[str, Any]]:
    """The catalogued sessions searched, oldest first, with their running numbers (which count
    all of the client's sessions, whatever the dates asked)."""
    sql = (f"SELECT id, client, title, started_utc, {SESSION_NUMBER} AS number FROM sessions"
           " ORDER BY started_utc, id")
    rows = [dict(r) for r in store.catalog.db.execute(sql)]
    if client:
        code = store.catalog.client_code(client)
        rows = [r for r in rows if r["client"] == code]
    if since is not None:
        rows = [r for r in rows if r["started_utc"] >= _utc_text(since)]
    if until is not None:
        rows = [r for r in rows if r["started_utc"] < _utc_text(until)]
    return rows


def _with_session(item: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    for key in ("client", "title", "started_utc", "number"):
        item[key] = session[key]
    item["session_id"] = session["id"]
    return item


def snippet(text: str, spans, *, width: int = SNIPPET_CHARS) -> dict[str, Any]:
    """The part of ``text`` a result shows: all of it if it is at most ``width`` characters,
    else about ``width`` characters around the first match, cut at spaces.

    Returns
    -------
    dict
        ``pieces``: ``[text, is_match]`` pairs, in order; ``cut_before`` and ``cut_after``:
        True where text was left out (shown as "…").

    >>> snippet("a soft start", [[2, 6]])["pieces"]
    [['a ', False], ['soft', True], [' start', False]]
    >>> s = snippet("word " * 40 + "grandmother" + " word" * 40, [[200, 211]], width=30)
    >>> (s["cut_before"], s["cut_after"], [p for p, m in s["pieces"] if m])
    (True, True, ['grandmother'])
    """
    text = "".join(" " if c.isspace() else c for c in text)  # one line; offsets kept
    begin, end = 0, len(text)
    if len(text) > width and spans:
        first, last = spans[0]
        room = max(width - (last - first), 0)
        begin = max(0, min(first - room // 3, len(text) - width))
        end = min(len(text), max(begin + width, last))
        if begin > 0:  # start at a word (a text without spaces is cut where it is)
            space = text.find(" ", begin, first)
            begin = begin if space < 0 else space + 1
        if end < len(text):
            space = text.rfind(" ", last, end + 1)
            end = end if space < 0 else space
    elif len(text) > width:
        end = width
        space = text.rfind(" ", 0, end + 1)
        end = space if space > 0 else end
    pieces: list[list[Any]] = []
    at = begin
    for s, e in spans:
        s, e = max(s, begin), min(e, end)
        if s >= e or s < at:
            continue
        if s > at:
            pieces.append([text[at:s], False])
        pieces.append([text[s:e], True])
        at = e
    if at < end:
        pieces.append([text[at:end], False])
    if pieces and begin > 0:
        pieces[0][0] = pieces[0][0].lstrip()
    if pieces and end < len(text):
        pieces[-1][0] = pieces[-1][0].rstrip()
    return {"pieces": pieces, "cut_before": begin > 0, "cut_after": end < len(text)}


def snippet_text(cut: dict[str, Any]) -> str:
    """A :func:`snippet` as plain text, with "…" where it is cut."""
    body = "".join(p for p, _ in cut["pieces"])
    return f"{ELLIPSIS if cut['cut_before'] else ''}{body}{ELLIPSIS if cut['cut_after'] else ''}"

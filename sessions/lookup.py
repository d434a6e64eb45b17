"""Sessions named as people type them: a part of the ID (``a76e``, ``20261206-1907``), the
client's code and the session's number as the lists show it (``C07/7`` for "Session 7") or as
``improv export-dataset`` codes it (``C07-007``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sessions.errors import UnknownSessionError
from sessions.manifest import valid_session_id
from sessions.names import match_name

__all__ = ["MIN_ID_PART", "match_session_id"]


#: Fewest characters of an ID that name a session by its start or end (``a76e``, the random
#: part, or ``20261206-1907``): fewer would make a typo name some other session.
MIN_ID_PART = 4

#: Candidates named in full when a part of an ID names several sessions.
_SHOWN = 6


def _export_code(given: str, rows: list[tuple[str, str | None, int | None]]) -> str | None:
    """The session of a dataset export's code (``C07-002``: client code, running number of
    three or more digits; ``none-001`` without a client), or None if ``given`` is not one.

    Raises
    ------
    UnknownSessionError
        The client is known but has no session of that number.
    """
    m = re.fullmatch(r"(.{1,32})-([0-9]{3,})", given)
    if m is None:
        return None
    codes = sorted({c for _, c, _ in rows if c is not None})
    code = match_name(m[1], codes)
    if code not in codes:
        if m[1] != "none" or not any(c is None for _, c, _ in rows):
            return None
        code = None
    wanted = int(m[2])
    hit = [sid for sid, c, n in rows if c == code and n == wanted]
    if len(hit) != 1:
        name = code or "sessions without a client code"
        raise UnknownSessionError(
            f"{given!r} names no session: {name} has no session {wanted} "
            f"('improv sessions list{f' --client {code}' if code else ''}' shows them)")
    return hit[0]


def match_session_id(given: str, sessions: Iterable[tuple[str, str | None, int | None]]) -> str:
    """The session ID that ``given`` names, as a therapist types it.

    ``given`` may be the whole ID (``20261206-190740-a76e``), a part of at least
    :data:`MIN_ID_PART` characters from its start or its end (``20261206-1907``, ``a76e``;
    without regard to case) that only one session's ID has, or ``CLIENT/NUMBER`` (``C07/7``:
    the client's session as the lists name it, "Session 7"; the code matched as
    :func:`match_name` does), or the dataset export's session code ``CLIENT-NNN``
    (``C07-007``, three or more digits; ``none-NNN`` for sessions without a client code) when
    ``CLIENT`` is a client of the store, or the number alone as the session page's heading
    shows it (``7`` for "Session 7": fewer than :data:`MIN_ID_PART` digits) where only one
    client has a session of that number.

    Parameters
    ----------
    given : str
        What was typed.
    sessions : iterable of (str, str or None, int or None)
        Each session of the store as ``(id, client, number)``: its ID, its client code and
        the client's running number of it (None if not known).

    Returns
    -------
    str
        The session's ID; ``given`` itself if it has the shape of a whole ID (the store then
        says whether it has that session).

    Raises
    ------
    UnknownSessionError
        Nothing matches, or a part of an ID matches several sessions (their IDs listed).

    Examples
    --------
    >>> rows = [("20261206-190740-a76e", "DEMO", 1), ("20261207-101500-3fa2", "C07", 7)]
    >>> match_session_id("A76E", rows), match_session_id("c07/7", rows)
    ('20261206-190740-a76e', '20261207-101500-3fa2')
    >>> match_session_id("C07-007", rows)
    '20261207-101500-3fa2'
    >>> match_session_id("7", rows)
    '20261207-101500-3fa2'
    """
    rows = list(sessions)
    if not isinstance(given, str):
        raise UnknownSessionError(f"{given!r} is not a session ID")
    if valid_session_id(given):
        return given
    see = "see 'improv sessions list'"
    coded = _export_code(given.strip(), rows)
    if coded is not None:
        return coded
    shaped = re.fullmatch(r"([A-Za-z0-9_.-]{1,32})/([^/]*)", given.strip())
    if shaped and shaped[1].strip("."):  # not a path such as ../x
        code, number = shaped[1], shaped[2]
        codes = sorted({c for _, c, _ in rows if c is not None})
        code = match_name(code, codes)
        if code not in codes:
            raise UnknownSessionError(
                f"no client {code!r} has sessions, so {given!r} names none ({see})")
        numbers = sorted(n for _, c, n in rows if c == code and n is not None)
        wanted = int(number) if number.strip().isdigit() else None
        hit = [sid for sid, c, n in rows if c == code and n is not None and n == wanted]
        if len(hit) != 1:
            has = (f"sessions 1 to {numbers[-1]}" if len(numbers) > 1
                   else f"session {numbers[0]}" if numbers else "no numbered sessions")
            raise UnknownSessionError(
                f"client {code} has no session {number.strip()!r} ({code} has {has}; "
                f"'improv sessions list --client {code}' shows them)")
        return hit[0]
    part = given.strip().lower()
    if part.isdigit() and len(part) < MIN_ID_PART:  # "Session 7" as the page names it
        hits = sorted((f"{c}/{int(part)}" if c else f"none-{int(part):03d}", sid)
                      for sid, c, n in rows if n == int(part))
        if len(hits) == 1:
            return hits[0][1]
        if hits:
            raise UnknownSessionError(
                f"{len(hits)} clients have a session {int(part)}: give the client too, "
                f"{', '.join(name for name, _ in hits[:_SHOWN])}"
                f"{' …' if len(hits) > _SHOWN else ''} ({see})")
    if len(part) >= MIN_ID_PART:
        hits = sorted({sid for sid, _, _ in rows if sid.startswith(part) or sid.endswith(part)})
        if len(hits) == 1:
            return hits[0]
        if hits:
            named = {sid: f"{c}/{n}" for sid, c, n in rows if c is not None and n is not None}
            shown = [f"{sid} ({named[sid]})" if sid in named else sid for sid in hits[:_SHOWN]]
            more = f" and {len(hits) - _SHOWN} more" if len(hits) > _SHOWN else ""
            raise UnknownSessionError(
                f"{given!r} is part of {len(hits)} session IDs: {', '.join(shown)}{more}; "
                "give more of the ID")
    raise UnknownSessionError(
        f"{given!r} is not a session ID (IDs look like 20261127-093012-3fa2; the end of one "
        f"such as 3fa2, or CLIENT/NUMBER such as C07/7, will do if only one session has it; "
        f"{see})")

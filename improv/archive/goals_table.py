"""The ``goals`` table of ``improv export-dataset``: each client's treatment goals, one row per
version of a goal (the period it was in force), so that a researcher can join sessions to the
goal that held on their day (``sessions.client = goals.client AND sessions.date BETWEEN
goals.since AND coalesce(goals.until, '9999-12-31')``).

Goals are named by the client's code and their place in the client's list (``C07-G2``), not by
their IDs; the goal's text and the reason it was dropped are free text and are exported only
with ``with_text``, like annotation texts. Player names in indicators follow the same rule as
the other tables (roles stay, other names become ``player``; in a pair each of its two names:
``client|therapist`` stays, ``client|Anna`` becomes ``client|player``).
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

log = logging.getLogger(__name__)

__all__ = ["add_goals"]


def _indicator(ind: dict[str, Any], *, with_text: bool) -> str:
    from improv.archive.pseudonyms import is_role_name

    player = ind.get("player")
    if player and not with_text:
        # a pair ("client|therapist") is two names: each role stays, each other name is
        # "player" ("client|player"), so that a pair of roles stays the pair it is
        player = "|".join(p if is_role_name(p) else "player" for p in player.split("|"))
    return f"{ind['measure']} {ind['direction']}" + (f" {player}" if player else "")


def add_goals(cols, store, clients: Iterable[str], *, with_text: bool) -> list[str]:
    """Add the goal versions of ``clients`` to the ``goals`` columns ``cols``.

    Parameters
    ----------
    cols : improv.archive.dataset._Columns
        The table's columns (see :data:`improv.archive.dictionary.TABLES`).
    store : sessions.store.Store
    clients : iterable of str
        Client codes; a client without a goals log adds nothing.
    with_text : bool
        Add each version's text and a dropped goal's reason.

    Returns
    -------
    list of str
        Client codes whose goals log could not be read (reported; the others are exported).
    """
    from sessions.errors import SessionFormatError, fault_text
    from sessions.goals import client_goals, clients_with_goals

    unreadable = []
    having = set(clients_with_goals(store.root))
    for client in sorted(c for c in set(clients) if c in having):
        try:
            goals = client_goals(store, client)["goals"]
        except (SessionFormatError, OSError, KeyError, TypeError, ValueError) as exc:
            # the reason, without the client's code (which stays out of the log)
            log.warning("a goals log could not be read and is left out of the export: %s",
                        fault_text(exc).replace(client, "(client)"))
            unreadable.append(client)
            continue
        for k, goal in enumerate(goals, start=1):
            used = [v for v in goal["versions"] if v["used"]]
            for n, v in enumerate(used, start=1):
                cols.add(
                    client=client, goal=f"{client}-G{k}", version=n, since=v["since"],
                    until=v["until"], status=goal["status"], end=goal["end"],
                    indicators=", ".join(_indicator(i, with_text=with_text)
                                         for i in v["indicators"]),
                    tags=", ".join(f"{t['tag']} {t['direction']}" for t in v["tags"]),
                    text=v["text"] if with_text else None,
                    reason=goal["reason"] if with_text else None)
    return unreadable

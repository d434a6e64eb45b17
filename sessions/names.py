"""Names as people type them: player names and client codes match without regard to case
where that leaves one candidate ("Client" finds the player "client"; with both "A" and "a"
only the exact spelling does)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["match_name", "match_names"]


def match_name(given: str, names: Iterable[str]) -> str:
    """The name of ``names`` that ``given`` means.

    Returns ``given`` itself if it is one of ``names``, else the one name equal to it without
    regard to case, else ``given`` unchanged (the caller reports it as unknown, with the
    candidates).

    >>> match_name("Client", ["client", "therapist"]), match_name("a", ["A", "a"])
    ('client', 'a')
    >>> match_name("A", ["a1", "a2"])
    'A'
    """
    names = list(names)
    if given in names:
        return given
    folded = [n for n in names if n.casefold() == given.casefold()]
    return folded[0] if len(folded) == 1 else given


def match_names(given: Iterable[str], names: Iterable[str]) -> list[str]:
    """:func:`match_name` of each of ``given``."""
    names = list(names)
    return [match_name(g, names) for g in given]

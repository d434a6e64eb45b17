"""Annotation tags in a therapist's words, as the web app's tag picker words them.

A tag is stored as a code: ``dimension:value`` (``autonomy:leader``) or a plain word
(``marker``).  On screen and on paper it reads as the picker's groups title it: "IAP · autonomy:
leader" for one of Bruscia's Improvisation Assessment Profiles, "Practice · mood: calm" for a
dimension of the practice's own, and a plain tag as written.  The codes stay in ``--json`` and
the exports.  The web app's twin is ``tagsInWords`` in ``improv/web/static/tagchips.js``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sessions.vocabulary import IAP_PROFILES


def dimension_title(dimension: str) -> str:
    """A dimension as the tag picker titles its group: "IAP · autonomy" for one of Bruscia's
    profiles, "Practice · mood" for one of the practice's own."""
    return f"{'IAP' if dimension in IAP_PROFILES else 'Practice'} · {dimension}"


def tag_words(tag: str) -> str:
    """One tag in words: ``autonomy:leader`` -> "IAP · autonomy: leader"; a plain tag as it is.

    Examples
    --------
    >>> tag_words("mood:calm"), tag_words("marker")
    ('Practice · mood: calm', 'marker')
    """
    dimension, sep, value = tag.partition(":")
    return f"{dimension_title(dimension)}: {value}" if sep else tag


def tag_short(tag: str) -> str:
    """One tag as a label where room is short (above a chart's panel): its value alone,
    "leader" for ``autonomy:leader``, as the tag picker's chip and the session page's role
    labels ("leader · client") say it; a plain tag as it is. The table beside it says the rest.

    Examples
    --------
    >>> tag_short("autonomy:leader"), tag_short("marker")
    ('leader', 'marker')
    """
    return tag.partition(":")[2] or tag


def tags_in_words(tags: Iterable[str]) -> str:
    """Several tags in words: the plain tags first, then each dimension's values under its
    title, "marker, solo; IAP · autonomy: follower, leader" ('' for none).

    Examples
    --------
    >>> tags_in_words(["autonomy:leader", "marker", "autonomy:follower", "mood:calm"])
    'marker; IAP · autonomy: leader, follower; Practice · mood: calm'
    """
    plain: list[str] = []
    values: dict[str, list[str]] = {}
    for tag in tags:
        dimension, sep, value = tag.partition(":")
        if sep:
            values.setdefault(dimension, []).append(value)
        else:
            plain.append(tag)
    parts = [", ".join(plain)] + [f"{dimension_title(d)}: {', '.join(vs)}"
                                  for d, vs in values.items()]
    return "; ".join(p for p in parts if p)

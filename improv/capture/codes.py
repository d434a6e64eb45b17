"""Client and therapist codes before a recording: does a code read like a person's name, and
is it a code the store knows already.

A code is a pseudonym (``C07``, ``T01``); :func:`sessions.manifest.check_code` checks its
characters.  What no rule of characters can tell is a real name typed as a code (``Anna``,
``MariaS``) or a slip that starts a second client (``C21`` for ``C12``): :func:`looks_like_name`
and :func:`known_code` let the command line refuse the first and ask about the second, as the
web app's Record page does (``improv/web/static/record_setup.js``: ``looksLikeName``, whose
list of first names is :data:`FIRST_NAMES`; a test keeps the two the same).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["FIRST_NAMES", "known_code", "looks_like_name", "store_codes"]

#: Common first names (German and English), lower case: a code that is one of them, or has one
#: as a word (``anna_s``), reads like a name.
FIRST_NAMES = frozenset((
    "anna emma mia lena lea hanna hannah sophie sofia marie maria laura lisa sarah julia "
    "clara klara lina ella leni nina eva katharina johanna luisa louisa paula greta ida amelie "
    "jana sandra susanne petra sabine andrea claudia monika ute birgit karin heike kerstin "
    "olivia emily jessica kate ben paul leon lukas luca finn jonas elias noah felix max "
    "maximilian tim tom jan niklas moritz david daniel michael thomas andreas stefan stephan "
    "peter hans klaus markus martin frank alexander sebastian tobias florian jakob jacob simon "
    "philipp julian oliver james john jack harry george william emil anton").split())

_WORDS = re.compile(r"[\s_.-]+")


def looks_like_name(code: str) -> bool:
    """Whether ``code`` reads like a person's name.

    A code with a digit never does (``C07``, ``K12``).  One without does when a word of it is a
    common first name (:data:`FIRST_NAMES`: ``anna``, ``Tom-B``), or when it is written as a
    name is: a capital, two small letters, at least 4 letters in all (``Mueller``,
    ``AnnaS``).  ``DEMO`` and ``ABC`` do not.

    Examples
    --------
    >>> looks_like_name("Anna"), looks_like_name("C07"), looks_like_name("DEMO")
    (True, False, False)
    """
    v = (code or "").strip()
    if not v or any(ch.isdigit() for ch in v):
        return False
    if any(w.lower() in FIRST_NAMES for w in _WORDS.split(v)):
        return True
    return (len(v) >= 3 and v[0].isupper() and v[1].islower() and v[2].islower()
            and sum(ch.isalpha() for ch in v) >= 4)


def known_code(code: str, known: Iterable[str]) -> str | None:
    """The stored spelling of ``code`` among ``known`` codes, matched without regard to case
    (``k12`` is ``K12``); None for a code not among them."""
    folded = (code or "").strip().casefold()
    return next((k for k in known if k.casefold() == folded), None)


def store_codes(store) -> tuple[list[str], list[str]]:
    """The client codes and the therapist codes a store knows, each sorted without regard to
    case: a client's of its sessions or of goals agreed before the first session (a goal log),
    a therapist's of its sessions.

    Parameters
    ----------
    store : sessions.store.Store
    """
    from sessions.catalog import CATALOG
    from sessions.goals import clients_with_goals

    goals = clients_with_goals(store.root)
    if not (store.root / CATALOG).exists() and not any(store.sessions_dir.glob("*")):
        # a new store: nothing to know, and no catalog made for asking (a refused start
        # leaves the store as it was)
        return sorted(goals, key=str.casefold), []
    db = store.catalog.db
    clients = {r[0] for r in db.execute(
        "SELECT DISTINCT client FROM sessions WHERE client IS NOT NULL AND client != ''")}
    clients |= set(goals)
    therapists = {r[0] for r in db.execute(
        "SELECT DISTINCT therapist FROM sessions WHERE therapist IS NOT NULL AND therapist != ''")}
    return sorted(clients, key=str.casefold), sorted(therapists, key=str.casefold)

"""Client and therapist codes: does a code read like a person's name, is it a code the store
knows already, and the one sentence that refuses a new code that reads like a name.

A code is a pseudonym (``C07``, ``T01``); :func:`sessions.manifest.check_code` checks its
characters.  What no rule of characters can tell is a real name typed as a code (``Anna``,
``MariaS``) or a slip that starts a second client (``C21`` for ``C12``): :func:`looks_like_name`
and :func:`known_code` let every way of starting a client or a therapist (``improv record``,
``improv goals add``, ``improv sessions import``, the web app's Start, first goal and import)
refuse the first (:func:`refuse_name_like`) and ask about the second.  The Record page asks
first (``improv/web/static/record_setup.js``: ``looksLikeName``, whose list of first names is
:data:`FIRST_NAMES`; a test keeps the two the same).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from improv.errors import ParameterError

__all__ = ["CLI_GO_AHEAD", "FIRST_NAMES", "known_code", "looks_like_name", "name_like_codes",
           "name_like_refusal", "refuse_name_like", "store_codes"]

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


def name_like_codes(client: str | None, therapist: str | None = None, *,
                    known_clients: Iterable[str] = (),
                    known_therapists: Iterable[str] = ()) -> list[str]:
    """The codes new to the store that read like a person's name (:func:`looks_like_name`),
    each as ``client code 'Anna'``; a code the store knows already (``known_clients``,
    ``known_therapists``, without regard to case) is not asked about again."""
    out = []
    if client and looks_like_name(client) and known_code(client, known_clients) is None:
        out.append(f"client code {client.strip()!r}")
    if therapist and looks_like_name(therapist) and known_code(therapist,
                                                               known_therapists) is None:
        out.append(f"therapist code {therapist.strip()!r}")
    return out


#: The way to go ahead on the command line, for :func:`name_like_refusal`.
CLI_GO_AHEAD = "add --not-a-name"


def name_like_refusal(names: list[str], *, go_ahead: str) -> str:
    """The sentence that refuses codes reading like names, the same wherever a code is given.

    Parameters
    ----------
    names : list of str
        What reads like a name, as :func:`name_like_codes` says it (``client code 'Anna'``).
    go_ahead : str
        How the user says the code is a pseudonym all the same, where the code was given:
        :data:`CLI_GO_AHEAD` on the command line, ``start with "Use it anyway"`` on a page.

    Examples
    --------
    ``the client code 'Anna' looks like a name: a code must not identify the person; use a
    pseudonym such as C07, or add --not-a-name if it is one``
    """
    one = len(names) == 1
    example = "C07" if any(n.startswith("client") for n in names) else "T01"
    return (f"the {' and the '.join(names)} {'looks like a name' if one else 'look like names'}: "
            f"a code must not identify the person; use a pseudonym such as {example}, or "
            f"{go_ahead} if {'it is one' if one else 'they are'}")


def refuse_name_like(client: str | None, therapist: str | None = None, *,
                     known_clients: Iterable[str], known_therapists: Iterable[str] = (),
                     not_a_name: bool, go_ahead: str) -> None:
    """Refuse a client or therapist code new to the store that reads like a person's name,
    unless ``not_a_name`` (the user said it is a pseudonym): the one rule of every way a new
    client or therapist starts.

    Parameters
    ----------
    client, therapist : str or None
        The codes given (None or empty: none).
    known_clients, known_therapists : iterable of str
        The codes the store has (:func:`store_codes`): not asked about again.
    not_a_name : bool
        The user's ``--not-a-name`` or the page's "Use it anyway".
    go_ahead : str
        The way to go ahead where the code was given (:func:`name_like_refusal`).

    Raises
    ------
    improv.errors.ParameterError
        In :func:`name_like_refusal`'s sentence.
    """
    names = name_like_codes(client, therapist, known_clients=known_clients,
                            known_therapists=known_therapists)
    if names and not not_a_name:
        raise ParameterError(name_like_refusal(names, go_ahead=go_ahead))

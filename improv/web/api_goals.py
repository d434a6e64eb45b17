"""A client's treatment goals: list with progress, add, change, reach, drop, planned length.

Thin wrappers over :mod:`improv.reports.goals` and :mod:`sessions.goals` (the same checks and
the same numbers as ``improv goals``).  The progress uses the analyses the catalog holds: the
client page asks for it once its comparison has analysed the sessions (a session without
an analysis is a gap in the course, never a zero).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from improv.errors import ParameterError

# the one list of measures a goal can follow (the command line takes the same ones)
from improv.reports.goal_indicators import NOT_MEASURES as _NOT_MEASURES
from improv.reports.goal_indicators import offered_as_goal
from improv.web.api_sessions import _check_client
from improv.web.deps import get_store
from improv.web.errors import NotFound
from sessions.store import Store

router = APIRouter(prefix="/api")


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure: str = Field(min_length=1, max_length=200)
    direction: str
    player: str | None = Field(None, max_length=80)


class TagIndicator(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tag: str = Field(min_length=1, max_length=200)
    direction: str


class GoalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=2000)
    since: str | None = Field(None, max_length=40)
    # a change only: the corrected day the goal was agreed (instead of ``since``)
    agreed_on: str | None = Field(None, max_length=40)
    indicators: list[Indicator] | None = None
    tags: list[TagIndicator] | None = None
    by: str | None = None


class NewGoalBody(GoalBody):
    not_a_name: bool = Field(False, description="a new client's code that reads like a name "
                             "is a pseudonym (the page's 'Use it anyway')")


class EndBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: str | None = Field(None, max_length=40)
    reason: str = Field("", max_length=2000)
    by: str | None = None


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sessions: int | None = None
    months: float | None = None
    by: str | None = None


def _indicators(body: GoalBody) -> tuple[list[dict] | None, list[dict] | None]:
    from improv.reports.goal_indicators import parse_indicator, parse_tag

    inds = tags = None
    if body.indicators is not None:  # checked as the command line's MEASURE:DIR@PLAYER
        inds = [parse_indicator(f"{i.measure}:{i.direction}"
                                + (f"@{i.player}" if i.player else "")) for i in body.indicators]
    if body.tags is not None:
        tags = [parse_tag(f"{t.tag}:{t.direction}") for t in body.tags]
    return inds, tags


def _choices(store: Store, client: str, *, keep: set[str] = frozenset()) -> dict[str, Any]:
    """What the add form offers: measures (the client's analysed columns' names, then the
    feature list's plain names, each part in the order of their labels; only those
    :func:`offered_as_goal`), the common ones to offer first (``common_measures``: those a
    comparison shows by default, a player's share under its name), those the client's sessions
    have values of (``measured``), their labels with units as the form shows them
    (``measure_labels``, also of the measures in ``keep``: those the client's goals already
    use, offered or not), what each means in the playing and what a higher value means
    (``measure_meanings``: :func:`improv.reports.plain_measures.goal_words`), players and
    pairs (``players``), per measure the players or pairs whose sessions have it, or for one
    not measured yet those that can have it
    (``measure_players``: the Player list offers only them; never a pair for one player's
    measure, nor one player for a pair's:
    :func:`~improv.reports.goal_indicators.fitting_owners`), and the vocabulary's tags
    (``iap``: the dimensions that are Bruscia's profiles)."""
    from analysis.features import FEATURES, feature_matches, split_column
    from improv.reports.compare import DEFAULT_FEATURES
    from improv.reports.goal_indicators import (
        client_columns,
        fitting_owners,
        goal_players,
        pair_turn,
        reversed_pair,
        session_measure_problem,
    )
    from improv.reports.labels import heading
    from improv.reports.plain_measures import goal_words
    from sessions import vocabulary

    # only measures with a number per session: a curve ("Who leads") or a word ("Key") chosen
    # here would leave the goal at "0 sessions so far" for ever
    columns = {c for c in client_columns(store, client) if "_role_" not in c}
    have = {c.rsplit(".", 1)[-1] for c in columns} - _NOT_MEASURES
    have = {n for n in have if session_measure_problem(n) is None and offered_as_goal(n)}
    listed = {f.name for f in FEATURES if "{" not in f.name and f.name not in _NOT_MEASURES
              and session_measure_problem(f.name) is None and offered_as_goal(f.name)}
    players, pairs = goal_players(store, client)  # client and therapist before any session
    if not columns:  # before any session: a player's pair measures too ("client leads")
        listed |= {n for f in FEATURES if f.name.count("{") == 1 and "{x}" in f.name
                   and f.group.startswith("dialogue") for p in players
                   if session_measure_problem(n := f.name.format(x=p)) is None
                   and offered_as_goal(n)}
    labels = {n: heading(n) for n in have | listed | set(keep)}
    # what each means in the playing and what a higher value means, said under the picker
    meanings = {n: goal_words(n) for n in labels}

    def by_label(names: set[str]) -> list[str]:
        return sorted(names, key=lambda n: (labels[n].casefold(), n))

    # who has each measured measure: the Player list offers only them (a pair measure such as
    # client_leads_share may be measured for client & therapist and for client & room)
    order = {o: k for k, o in enumerate(players + pairs)}
    owners: dict[str, list[str]] = {}
    for c in sorted(columns):
        owner, _, name = split_column(c)
        if owner not in order and reversed_pair(owner) in order and pair_turn(c) is not None:
            owner = reversed_pair(owner)  # one pair, named both ways round: one entry
        if name in have and owner:
            owners.setdefault(name, []).append(owner)
    measure_players = {n: sorted(set(o), key=lambda x: (order.get(x, len(order)), x))
                       for n, o in owners.items()}
    # a measure not measured for this client yet (every one before the first session): the
    # players or the pairs that can have it, never a pair for one player's measure
    for n in listed - set(measure_players):
        measure_players[n] = fitting_owners(n, players, pairs)
    measured = by_label(have)
    measures = measured + by_label(listed - have)
    # the measures a comparison shows by default, offered first (a therapist's usual choices);
    # a pair's share named after its player ("client_leads_share" for "leads_share") as well
    common = [n for d in DEFAULT_FEATURES for n in [d] + sorted(have - {d})
              if n in measures and feature_matches(n, d)]
    return {"measures": measures, "common_measures": list(dict.fromkeys(common)),
            "measure_labels": labels, "measure_meanings": meanings, "measured": measured,
            "players": players + pairs,
            "measure_players": measure_players,
            "tags": vocabulary.all_tags(vocabulary.load(store.root)),
            # the dimensions that are Bruscia's profiles, grouped as the annotation form does
            "iap": list(vocabulary.IAP_PROFILES)}


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def ambiguous_words(exc) -> str:
    r"""The page's words for an indicator whose measure several players or pairs have
    (:class:`improv.reports.goal_indicators.AmbiguousIndicatorError`): what to choose, and
    where, never the command line's ``@PLAYER``. The form's Player list offers only those who
    have the measure, so this answers an old goal or a client whose sessions changed.

    >>> from improv.reports.goal_indicators import AmbiguousIndicatorError
    >>> print(ambiguous_words(AmbiguousIndicatorError(
    ...     client="C07", measure="client_leads_share", direction="up",
    ...     columns=["client|room.client_leads_share", "client|therapist.client_leads_share"],
    ...     order=["client|therapist", "client|room"])).replace(": ", ":\n"))
    client leads is measured for two pairs:
    choose one under Player (client & therapist, or client & room)
    """
    from analysis.features import label

    owners = [o.replace("|", " & ") for o in exc.owners]
    pairs = sum("|" in o for o in exc.owners)
    if len(owners) == 1:  # one player's measure from two of its inputs: the player decides
        kind = "pair" if pairs else "player"
        return (f"{label(exc.measure)} is measured for one {kind}: choose it under Player "
                f"({owners[0]})")
    kind = ("pairs" if pairs == len(owners) else "players" if not pairs
            else "players and pairs")
    n = _NUMBERS[len(owners)] if len(owners) < len(_NUMBERS) else str(len(owners))
    who = f"{', '.join(owners[:-1])}, or {owners[-1]}"
    return f"{label(exc.measure)} is measured for {n} {kind}: choose one under Player ({who})"


def unknown_player_words(exc) -> str:
    r"""The page's words for an indicator's player or pair that the client's sessions do not
    have (:class:`improv.reports.goal_indicators.UnknownPlayerError`): pairs as the Player
    list names them, "client & therapist", never the command line's ``client|therapist``.

    >>> from improv.reports.goal_indicators import UnknownPlayerError
    >>> print(unknown_player_words(UnknownPlayerError(
    ...     client="C07", measure="joint_share", player="client|room",
    ...     known=["client", "therapist", "client|therapist"])).replace(": ", ":\n"))
    client & room (Both playing) is not in client C07's sessions:
    choose who under Player (client, therapist, or client & therapist)
    """
    from analysis.features import label, lookup

    def who(name: str) -> str:
        return name.replace("|", " & ")

    known = [who(k) for k in exc.known]
    listed = (known[0] if len(known) == 1 else f"{', '.join(known[:-1])}, or {known[-1]}"
              if known else "none yet")
    what = f" ({label(exc.measure)})" if lookup(exc.measure) else ""
    return (f"{who(exc.player)}{what} is not in client {exc.client}'s sessions: choose who "
            f"under Player ({listed})")


def wrong_owner_words(exc) -> str:
    r"""The page's words for an indicator whose measure its player or pair can never have
    (:class:`improv.reports.goal_indicators.WrongOwnerError`): whose measure it is, and whom
    to choose under Player, pairs as the Player list names them ("client & therapist").

    >>> from improv.reports.goal_indicators import WrongOwnerError
    >>> print(wrong_owner_words(WrongOwnerError(
    ...     measure="joint_share", player="client", direction="up", what="Both playing",
    ...     why="a measure of two players", fits=["client|therapist"])))
    Both playing is a measure of two players: choose client & therapist under Player
    """
    fits = [f.replace("|", " & ") for f in exc.fits]
    choose = (f": choose {fits[0]} under Player" if len(fits) == 1 else
              f": choose {', '.join(fits[:-1])} or {fits[-1]} under Player" if fits else "")
    return f"{exc.what} is {exc.why}{choose}"


def _worded(call):
    """``call()``, an ambiguous indicator (:func:`ambiguous_words`), an unknown player
    (:func:`unknown_player_words`) or one that cannot have its measure
    (:func:`wrong_owner_words`) said in the page's words."""
    from improv.reports.goal_indicators import (
        AmbiguousIndicatorError,
        UnknownPlayerError,
        WrongOwnerError,
    )

    try:
        return call()
    except WrongOwnerError as exc:
        raise ParameterError(wrong_owner_words(exc), parameter="indicator") from None
    except AmbiguousIndicatorError as exc:
        raise ParameterError(ambiguous_words(exc), parameter="indicator") from None
    except UnknownPlayerError as exc:
        raise ParameterError(unknown_player_words(exc), parameter="indicator") from None


@router.get("/clients/{client}/goals")
def list_goals(client: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Every goal with its versions and the progress of each indicator
    (:func:`improv.reports.goals.goals_progress`), plus ``choices`` for the add form."""
    from improv.reports.goals import goal_line, goals_progress, plan_text

    client = _check_client(client)
    # a client without sessions yet may have goals agreed at intake: the page shows them (and
    # the add form) as for any client
    from improv.reports.compare import band_ends

    result = goals_progress(store, client, analyse=False)
    for g in result["goals"]:
        g["line"] = goal_line(g)
        # the band by its ends in the chart's unit, as goals show and compare print it
        for v in g["versions"]:
            for i in v["indicators"]:
                i["band_ends"] = band_ends(i.get("column"), i["band"]) if i.get("band") else None
    result["plan_text"] = plan_text(result["plan"], len(result["sessions"]))
    used = {i["measure"] for g in result["goals"] for i in g["indicators"]}
    return dict(result, choices=_choices(store, client, keep=used))


@router.post("/clients/{client}/goals", status_code=201)
def add(client: str, body: NewGoalBody, store: Store = Depends(get_store)) -> dict[str, Any]:
    """A new goal; one that an active goal already is (the same measures and tags, each the
    same way) is refused with the command line's sentence, saying where on the page that goal
    is changed (:class:`~improv.reports.goal_indicators.DuplicateGoalError`).

    The first goal of a client without sessions starts that client (the Clients page's "A new
    client"): a code that reads like a person's name is refused unless ``not_a_name``, as the
    Record page's Start is (:func:`improv.codes.refuse_name_like`).
    """
    from improv.codes import refuse_name_like, store_codes
    from improv.reports.goal_indicators import DuplicateGoalError, add_goal

    client = _check_client(client)
    refuse_name_like(client, known_clients=store_codes(store)[0], not_a_name=body.not_a_name,
                     go_ahead='add the goal with "Use it anyway"')
    inds, tags = _indicators(body)
    try:
        return _worded(lambda: add_goal(store, client, text=body.text or "",
                                        since=body.since or body.agreed_on or None,
                                        indicators=inds or [],
                                        tags=tags or [], by=body.by))
    except DuplicateGoalError as exc:
        raise ParameterError(f"{exc} (its Change… button, under the goal)",
                             parameter="text") from None


@router.delete("/clients/{client}/goals")
def delete_goals(client: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Delete the goals of a client without sessions (agreed at intake, or a code typed wrong):
    their log goes as a deleted client's does. A client with sessions is deleted with them
    (``improv sessions delete --client``), not here."""
    from improv.web.errors import Busy
    from sessions import goals as gl

    client = _check_client(client)
    if store.list(client=client):
        raise Busy(f"client {client} has sessions: their goals are deleted with the "
                       "client (improv sessions delete --client), or dropped one by one")
    if not gl.delete_client_goals(store, client):
        raise NotFound(f"client {client} has no goals")
    return {"client": client, "deleted": True}


@router.patch("/goals/{goal_id}")
def edit(goal_id: str, body: GoalBody, store: Store = Depends(get_store)) -> dict[str, Any]:
    """A new version from ``since`` (default today); parts left out stay as they are. With
    ``agreed_on`` the day the goal was agreed is corrected instead
    (:func:`sessions.goals.edit_goal`). A change that would make the goal repeat another
    active goal is refused with the command line's sentence, saying where on the page that
    goal is changed or ended (:class:`~improv.reports.goal_indicators.DuplicateGoalError`)."""
    from improv.reports.goal_indicators import DuplicateGoalError, edit_goal

    inds, tags = _indicators(body)
    try:
        return _worded(lambda: edit_goal(store, goal_id, since=body.since or None,
                                         text=body.text, indicators=inds, tags=tags,
                                         agreed_on=body.agreed_on or None, by=body.by))
    except DuplicateGoalError as exc:
        raise ParameterError(f"{exc} (its Change…, Reached… or Dropped… button, under the "
                             "goal)", parameter="text") from None


def _end(store: Store, goal_id: str, body: EndBody, op: str) -> dict[str, Any]:
    from sessions import goals as gl

    client = gl.goal_client(store, goal_id)
    return gl.end_goal(store, client, goal_id, op=op, on=body.on or None, reason=body.reason,
                       by=body.by)


@router.post("/goals/{goal_id}/reach")
def reach(goal_id: str, body: EndBody, store: Store = Depends(get_store)) -> dict[str, Any]:
    return _end(store, goal_id, body, "reach")


@router.post("/goals/{goal_id}/drop")
def drop(goal_id: str, body: EndBody, store: Store = Depends(get_store)) -> dict[str, Any]:
    return _end(store, goal_id, body, "drop")


@router.put("/clients/{client}/plan")
def plan(client: str, body: PlanBody, store: Store = Depends(get_store)) -> dict[str, Any]:
    from sessions import goals as gl

    return gl.set_plan(store, _check_client(client), sessions=body.sessions, months=body.months,
                       by=body.by)


@router.get("/clients/{client}/goals.csv")
def goals_table(client: str, store: Store = Depends(get_store)):
    """The goals table of the researcher export (``improv compare --export``'s
    ``<client>-goals.csv``: one row per indicator, no goal texts)."""
    from fastapi.responses import Response

    from improv.reports.goals import goals_csv, goals_progress

    client = _check_client(client)
    if not store.list(client=client):
        raise NotFound(f"no sessions of client {client} (see the session list)")
    return Response(goals_csv(goals_progress(store, client, analyse=False)).encode(),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{client}-goals.csv"'})

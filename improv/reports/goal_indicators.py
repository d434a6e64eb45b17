"""A client's treatment goals as the therapist writes them: their indicators (a measure whose
rise or fall means progress, or a tag counted per session), checked against the client's
sessions, and the measures a goal can follow.

Which measures a goal may follow (:func:`offered_as_goal`: one list for the command line and
the web form), how a pair of players named in either order reads (:func:`pair_value`), and the
refusals in one line (:class:`AmbiguousIndicatorError`, :class:`UnknownPlayerError`,
:class:`WrongOwnerError`).
Progress towards the goals is :mod:`improv.reports.goals`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from improv.errors import ParameterError
from sessions.goals import GoalError

# -- parsing and checking indicators ------------------------------------------------------

def parse_indicator(spec: str) -> dict[str, Any]:
    """``MEASURE:up|down[@PLAYER]``, or ``MEASURE@PLAYER:up|down`` (a name as
    :func:`indicator_names` lists it, then its direction) -> ``{"measure", "direction",
    "player"}`` (not checked).

    >>> parse_indicator("leads_share@client:up") == parse_indicator("leads_share:up@client")
    True
    """
    named, sep, direction = str(spec).rpartition(":")
    if sep and direction in ("up", "down") and "@" in named:
        measure, _, player = named.partition("@")
        if measure and player:
            return {"measure": measure, "direction": direction, "player": player}
    head, at, player = str(spec).partition("@")
    measure, sep, direction = head.rpartition(":")
    if not sep or not measure or direction not in ("up", "down") or (at and not player):
        raise ParameterError(f"an indicator must look like NAME:up or NAME:down with a name "
                             f"of 'improv goals measures' (e.g. leads_share@client:up), got "
                             f"{spec!r}")
    return {"measure": measure, "direction": direction, "player": player or None}


def parse_tag(spec: str) -> dict[str, Any]:
    """``TAG:up|down`` -> ``{"tag", "direction"}`` (the tag is checked when it is stored)."""
    tag, sep, direction = str(spec).rpartition(":")
    if not sep or not tag or direction not in ("up", "down"):
        raise ParameterError(f"a tag indicator must look like TAG:up or TAG:down (e.g. "
                             f"autonomy:leader:up), got {spec!r}")
    return {"tag": tag, "direction": direction}


def client_players(store, client: str) -> list[str]:
    """Player names in order of first appearance over the client's sessions."""
    names: list[str] = []
    for r in sorted(store.list(client=client), key=lambda r: r["started_utc"]):
        for p in r["players"]:
            if p["name"] not in names:
                names.append(p["name"])
    return names


def client_columns(store, client: str) -> set[str]:
    return {f"{r['player']}.{r['name']}" for r in store.catalog.features(client=client)
            if r["value"] is not None}


def matching_columns(columns: Iterable[str], measure: str, player: str | None) -> list[str]:
    """The columns an indicator reads: those the measure names (the end of the column name,
    as ``--features`` matches) of ``player``: a player, a pair ``a|b``, or a player inside a
    pair measure named after it (``leads_share@client`` reads
    ``client|therapist.client_leads_share``). A longer measure that ends with the name
    (``within_overlap_count`` for ``overlap_count``, ``n_notes`` for ``notes``) is another
    measure, not this one."""
    from analysis.features import feature_matches, split_column

    out = []
    for c in sorted(columns):
        if not feature_matches(c, measure):
            continue
        owner, _, name = split_column(c)
        whole = c == measure or c.endswith("." + measure)
        if not whole and name[:-len(measure) - 1] not in owner.split("|"):
            continue  # "_" + measure after something other than one of the pair's players
        if player is None or owner == player or (
                "|" in owner and player in owner.split("|") and name.startswith(player + "_")) or (
                "|" in player and owner == reversed_pair(player) and pair_turn(c) is not None):
            out.append(c)
    return out


# -- a pair named in either order ---------------------------------------------------------

#: Pair measures whose value is the same whichever player of the pair is named first (checked
#: against :func:`analysis.dialogue.analyze_dialogue` run both ways round on one recording):
#: a session that names the pair "room|client" gives the value "client|room" would.
ORDER_FREE_PAIR_MEASURES = frozenset({
    "joint_share", "silent_share", "floor_transfers", "floor_transfers_per_min", "gap_count",
    "overlap_count", "pause_count", "within_overlap_count", "gap_mean_s", "overlap_mean_s",
    "fto_median_s", "together_share", "lead_xcorr", "n_pairs", "asynchrony_sd_ms",
    "asynchrony_abs_mean_ms", "phase_locking", "shared_pulse_share", "tempo_coupling_r"})


def _negated(v: float) -> float:
    return -v


def _reciprocal(v: float) -> float:
    return 1.0 / v if v else float("nan")


#: Pair measures that are turned round with the pair, and how a value of "b|a" reads as one of
#: "a|b" (analysis.features: lead-lag "positive: the second player follows", asynchrony
#: "second minus first player", tempo ratio "second player over the first's"). Every other
#: pair measure keeps its order: a goal reads it only from sessions that name the pair so.
FLIPPED_PAIR_MEASURES: dict[str, Callable[[float], float]] = {
    "lead_lag_s": _negated, "lead_lag_density_s": _negated, "lead_lag_dynamics_s": _negated,
    "lead_lag_register_s": _negated, "asynchrony_mean_ms": _negated,
    "asynchrony_median_ms": _negated, "tempo_ratio_median": _reciprocal}


def reversed_pair(pair: str) -> str:
    """``"b|a"`` for ``"a|b"`` (a player's name is returned as it is)."""
    a, sep, b = pair.partition("|")
    return f"{b}|{a}" if sep else pair


def pair_turn(column: str) -> Callable[[float], float] | None:
    """How a value of ``column`` (a pair's measure) reads for the pair named the other way
    round: unchanged for an order-free measure (:data:`ORDER_FREE_PAIR_MEASURES`) and for one
    named after a player (``client_leads_share``), turned for one of
    :data:`FLIPPED_PAIR_MEASURES`; None for a player's measure and for a pair measure that
    keeps its order.

    >>> pair_turn("room|client.joint_share")(0.4), pair_turn("a|b.lead_lag_s")(0.2)
    (0.4, -0.2)
    >>> pair_turn("client.midi.notes_per_s") is None
    True
    """
    from analysis.features import split_column

    owner, _, name = split_column(column)
    if "|" not in owner:
        return None
    if name in ORDER_FREE_PAIR_MEASURES or any(name.startswith(p + "_")
                                                for p in owner.split("|")):
        return lambda v: v
    return FLIPPED_PAIR_MEASURES.get(name)


def same_pair_reversed(a: str, b: str) -> bool:
    """Whether columns ``a`` and ``b`` are one pair measure with the pair named both ways."""
    from analysis.features import split_column

    oa, sa, na = split_column(a)
    ob, sb, nb = split_column(b)
    return ("|" in oa and ob == reversed_pair(oa) and (sa, na) == (sb, nb)
            and pair_turn(a) is not None)


def distinct_columns(columns: Iterable[str]) -> list[str]:
    """``columns`` without the second of two that are one measure of a pair named both ways
    round ("client|room.joint_share" and "room|client.joint_share" are one measure)."""
    out: list[str] = []
    for c in columns:
        if not any(same_pair_reversed(k, c) for k in out):
            out.append(c)
    return out


def pair_value(values: dict[str, float], column: str,
               twins: Sequence[str] = ()) -> float | None:
    """A session's value of ``column``, or, where the session names the pair the other way
    round, of its twin in ``twins`` read in ``column``'s order (:func:`pair_turn`)."""
    v = values.get(column)
    if v is not None:
        return v
    for t in twins:
        if values.get(t) is not None:
            return pair_turn(t)(values[t])
    return None


#: What to measure instead of a curve or a word that has no number per session.
_INSTEAD = {"lead": "leads_share@PLAYER", "timing_lead": "leads_share@PLAYER",
            "leader": "leads_share@PLAYER", "timing_leader": "leads_share@PLAYER",
            "xcorr_leader": "leads_share@PLAYER", "pulse": "pulse_clarity",
            "key": "tonal_clarity", "joint": "joint_share", "silent": "silent_share",
            "asynchrony_ms": "asynchrony_abs_mean_ms", "shared_pulse": "shared_pulse_share"}


def session_measure_problem(measure: str) -> str | None:
    """Why ``measure`` cannot show progress over sessions, or None if it can.

    A curve alone (``lead``: who leads, window by window) has no value per session, and a word
    (``leader``, ``key``, ``pulse``) cannot rise or fall: a goal tied to either would read "0
    sessions so far" for ever. Names the feature list does not know (a player's pair measure
    such as ``leads_share``) pass.

    >>> session_measure_problem("notes_per_s") is None
    True
    >>> session_measure_problem("lead").endswith("use leads_share@PLAYER instead")
    True
    """
    from analysis.features import lookup

    found = lookup(measure)
    if found is None:
        return None
    f, fill = found
    what = f"{f.label.format(**fill)} ({measure})"
    if "summary" not in f.kinds:
        why = "is a curve within each session, with no value per session"
    elif not f.unit:
        why = "is a word, not a number, so it cannot rise or fall"
    else:
        return None
    instead = _INSTEAD.get(measure) or _summary_of(measure)
    return f"{what} {why}: " + (f"use {instead} instead" if instead else
                                "choose a measure with a value per session")


def _summary_of(curve: str) -> str | None:
    """The session measure of a curve (``level_dbfs`` -> ``level_dbfs_mean``), if it has one:
    its mean, or its integrated value, else the first listed."""
    from analysis.features import FEATURES

    names = [f.name for f in FEATURES
             if "summary" in f.kinds and f.unit and f.name.startswith(curve + "_")]
    names.sort(key=lambda n: not n.endswith(("_mean", "_integrated")))
    return names[0] if names else None


#: Keys the catalog keeps next to the measures: the analysis's own (never a goal's measure).
NOT_MEASURES = frozenset({"hop_s", "window_s", "duration_s", "status"})

#: Measures neither the add form offers nor ``improv goals add`` takes: numbers about the
#: analysis or about how sure an estimate is, not about the music, and the analysis's second
#: opinions kept for checking it. A therapist would not agree any of them with a client as a
#: sign of progress. Each by its name in :mod:`analysis.features`, with the reason.
NOT_GOALS = {
    # how sure an estimate is, not what was played
    "alpha_ci_level": "the confidence level of the bounds",
    "leader_confidence": "how sure the leader is",
    "timing_confidence": "how sure the leader by timing is",
    "lead_confidence_mean": "how sure the lead-lag windows are",
    "lead_xcorr": "how well the lead-lag's curves correlate",
    "tempo_alt_share": "how strong the runner-up tempo level is",
    "{x}_alpha_lo": "a bound of the phase correction",
    "{x}_alpha_hi": "a bound of the phase correction",
    # second opinions: the main measure says it for a therapist
    "tempo_alt_bpm": "the tempo at the runner-up level (Tempo is the one heard)",
    "tempo_bpm_tentative": "a tempo where there is no clear pulse",
    "lead_lag_density_s": "a part of Lead-lag",
    "lead_lag_dynamics_s": "a part of Lead-lag",
    "lead_lag_register_s": "a part of Lead-lag",
    "{x}_phase_correction": "the simple estimate of '{x} adapts (phase correction)'",
}


def not_a_goal_reason(measure: str) -> str | None:
    """Why a goal cannot follow ``measure`` (a summary key such as ``notes_per_s`` or
    ``client_leads_share``), or None if it can: the one list that the web page's add form
    offers and ``improv goals add`` takes.

    The rule, from the feature list (:mod:`analysis.features`): a goal's measure is something
    about the music that a therapist could agree with a client to change. Left out are the
    analysis's own settings and state (group ``analysis``: duration, window, hop, status),
    totals over a session (unit ``count``: notes, beats, turn changes, pauses; they grow with
    the session's length, and the rate per minute or the share says the same for sessions of
    any length), and the names in :data:`NOT_GOALS` (how sure an estimate is, second
    opinions). A name the list does not know (a measure analysed later) is taken.

    >>> not_a_goal_reason("floor_transfers")
    'a total that grows with the length of the session'
    >>> not_a_goal_reason("floor_transfers_per_min") is None
    True
    """
    from analysis.features import lookup

    found = lookup(measure)
    if found is None:
        return "a setting of the analysis" if measure in NOT_MEASURES else None
    f, fill = found
    if f.group == "analysis":
        return "a setting of the analysis"
    if f.unit == "count":
        return "a total that grows with the length of the session"
    if f.name in NOT_GOALS:
        return NOT_GOALS[f.name].format(**fill)
    return None


def offered_as_goal(measure: str) -> bool:
    """Whether a goal can follow ``measure`` (:func:`not_a_goal_reason` is None).

    >>> offered_as_goal("floor_transfers_per_min"), offered_as_goal("floor_transfers")
    (True, False)
    >>> offered_as_goal("client_alpha_lo"), offered_as_goal("client_leads_share")
    (False, True)
    """
    return not_a_goal_reason(measure) is None


def _summary_key(measure: str, player: str | None) -> str:
    """The summary key an indicator's measure stands for: ``client_alpha_lo`` for
    ``alpha_lo@client`` (a pair's measure named after its player), ``tempo_bpm`` for
    ``midi.tempo_bpm`` or a whole column."""
    from analysis.features import lookup

    name = measure.rsplit(".", 1)[-1]
    if player and "|" not in player and lookup(name) is None and lookup(f"{player}_{name}"):
        return f"{player}_{name}"
    return name


def goal_measures(store, client: str) -> list[str]:
    """The names of the measures a goal of ``client`` can follow, without their players: those
    of the client's analysed sessions (:func:`indicator_names`), else the feature list's, as a
    refused measure's answer names them."""
    names = [n["name"].split("@")[0].rsplit(".", 1)[-1] for n in indicator_names(store, client)]
    if not names:
        players, pairs = goal_players(store, client)
        names = [n["name"].split("@")[0] for n in _listed_names(players[:1], pairs[:1])]
    return list(dict.fromkeys(names))


def goal_players(store, client: str) -> tuple[list[str], list[str]]:
    """The players and the pairs (``a|b``, in the order the sessions name them first) a goal of
    ``client`` can name: those of the client's sessions; for a client without sessions yet (a
    goal agreed at intake) the usual ones, client and therapist."""
    from sessions.import_players import ROLE_WORDS

    players = client_players(store, client) or list(ROLE_WORDS)
    return players, [f"{a}|{b}" for i, a in enumerate(players) for b in players[i + 1:]]


def _intake_columns(players: Sequence[str], pairs: Sequence[str]) -> set[str]:
    """The columns the sessions of a client without sessions yet would have, from the feature
    list: each player's measures for each of ``players``, each pair measure for each of
    ``pairs``, a pair's measure named after its player (``client|therapist.client_leads_share``)
    for each player of each pair. :func:`indicator_names` names them as for a client with
    sessions."""
    import re

    from analysis.features import FEATURES

    out: set[str] = set()
    for f in FEATURES:
        fills = set(re.findall(r"{(\w+)}", f.name))
        if "summary" not in f.kinds:
            continue
        if not f.group.startswith("dialogue"):
            out |= {f"{p}.{f.name}" for p in players} if not fills else set()
        elif not fills:
            out |= {f"{q}.{f.name}" for q in pairs}
        elif fills == {"x"}:
            out |= {f"{q}.{f.name.format(x=p)}" for q in pairs for p in q.split("|")}
        elif fills == {"x", "y"}:
            out |= {f"{q}.{f.name.format(x=a, y=b)}" for q in pairs
                    for a, b in (q.split("|"), q.split("|")[::-1])}
    return out


def indicator_names(store, client: str) -> list[dict[str, str]]:
    """Every measure of the client's analysed sessions that a goal can follow, named as
    ``--indicator`` takes it, in the order of the web page's groups.

    A name reads exactly one of the client's columns (:func:`matching_columns`): the measure
    and its player (``tempo_bpm@client``; ``midi.tempo_bpm@client`` where the player has it
    from several inputs), a pair's measure that names its player by that player
    (``leads_share@client`` reads ``client|therapist.client_leads_share``), another pair
    measure by the pair (``joint_share@client|therapist``). Curves, words, roles and the
    analysis' settings are left out: they have no number per session to rise or fall. A
    client without sessions yet (goals agreed at intake) has the feature list's measures
    for the usual players, client and therapist, and their pair (:func:`_intake_columns`).

    Returns
    -------
    list of dict
        ``{"name", "label", "group", "column"}``: the name to type, the label with its unit as
        the tables show it (``client leads (%)``), the group's title, the catalog column.
    """
    from analysis.features import check_features, is_setting, lookup, split_column
    from improv.reports.labels import grouped, shown_unit

    columns = client_columns(store, client)
    players = client_players(store, client)
    if not columns and not players:  # no sessions yet: the usual players' (goal_players)
        players, pairs = goal_players(store, client)
        columns = _intake_columns(players, pairs)

    def rank(c: str) -> int:  # a measure's players in the order of the client's sessions
        owner = split_column(c)[0]
        return players.index(owner) if owner in players else len(players)

    out = []
    listed: list[str] = []
    for group, members in grouped(c for c in columns if "_role_" not in c
                                  and lookup(c) is not None and not is_setting(c)):
        first = {}  # each measure where it comes first in the group, its players together
        for k, c in enumerate(members):
            first.setdefault(lookup(c)[0].name, k)
        members = sorted(members, key=lambda c: (first[lookup(c)[0].name], rank(c), c))
        for c in members:
            owner, source, name = split_column(c)
            if session_measure_problem(name) is not None or not offered_as_goal(name):
                continue
            if any(same_pair_reversed(k, c) for k in listed):
                continue  # the pair named the other way round in some sessions: one measure
            listed.append(c)
            tries = [(name[len(p) + 1:], p) for p in owner.split("|")
                     if "|" in owner and name.startswith(p + "_")]
            tries += [(name, owner)] + ([(f"{source}.{name}", owner)] if source else [])
            for measure, player in tries:
                try:
                    check_features([measure])
                except ParameterError:
                    continue
                hits = matching_columns(columns, measure, player)
                if c in hits and len(distinct_columns(hits)) == 1:
                    break
            else:
                measure, player = c, None  # the whole column names itself
            ind = {"measure": measure, "player": player}
            unit, text = shown_unit(c), indicator_label(ind, c)
            if unit:  # "Tempo (tentative, BPM)", as the tables' headings write it
                text = f"{text[:-1]}, {unit})" if text.endswith(")") else f"{text} ({unit})"
            out.append({"name": f"{measure}@{player}" if player else measure,
                        "label": text, "group": group, "column": c})
    return out


#: Everyday words for a measure, typed where a measure's name belongs (``leading``), and the
#: measures they mean.
_LOUD = ("velocity_mean", "level_dbfs_mean", "loudness_lufs_integrated")
_MEANT = {"leading": ("leads_share",), "leads": ("leads_share",), "follow": ("leads_share",),
          "following": ("leads_share",), "together": ("joint_share", "together_share"),
          "loud": _LOUD, "loudness": _LOUD, "volume": _LOUD, "dynamics": _LOUD,
          "tempo": ("tempo_bpm",), "speed": ("tempo_bpm",),
          "density": ("notes_per_s", "onsets_per_s"), "silence": ("silence_share",),
          "synchrony": ("asynchrony_abs_mean_ms",)}


def suggested_indicators(measure: str, names: Sequence[dict[str, str]], *,
                         most: int = 4) -> list[str]:
    """The names of :func:`indicator_names` that a refused ``measure`` may have meant: the
    measure to use instead of a curve or a word (``lead`` -> ``leads_share@client``, ...),
    else those whose measure or label words are spelt most like it (``leading`` is like the
    label "client leads"), never a name that would be refused in turn.

    >>> names = [{"name": "leads_share@client", "label": "client leads (%)"},
    ...          {"name": "tempo_bpm@client", "label": "client (MIDI) · Tempo (BPM)"}]
    >>> suggested_indicators("leading", names), suggested_indicators("lead", names)
    (['leads_share@client'], ['leads_share@client'])
    """
    import difflib
    import re

    query = measure.rsplit(".", 1)[-1].lower()
    instead = {(_INSTEAD.get(query) or _summary_of(query) or "").split("@")[0],
               *_MEANT.get(query, ())} - {""}
    scored = []
    for k, entry in enumerate(names):
        bare = entry["name"].split("@")[0].rsplit(".", 1)[-1]
        if bare in instead:
            score = 2.0
        else:
            words = [bare] + re.findall(r"[a-z]+", entry["label"].lower())
            score = max(difflib.SequenceMatcher(None, query, w).ratio() for w in words)
        if score >= 0.6:
            scored.append((score, k, entry["name"]))
    if not scored:
        return []
    best = max(s for s, _, _ in scored)
    return [n for s, _, n in sorted(scored, key=lambda x: (-x[0], x[1]))
            if s >= best - 0.1][:most]


def _listed_names(players: Sequence[str], pairs: Sequence[str]) -> list[dict[str, str]]:
    """The feature list's measures with a number per session, for each of the client's players
    (or pairs, for the dialogue's), named as ``--indicator`` takes them: what a name may have
    meant when the client's analysed sessions have nothing like it (their values come once the
    sessions are analysed with them)."""
    from analysis.features import FEATURES

    out = []
    for f in FEATURES:
        if ("{" in f.name or "summary" not in f.kinds or not f.unit
                or session_measure_problem(f.name) is not None or not offered_as_goal(f.name)):
            continue
        for owner in (pairs if f.group.startswith("dialogue") else players):
            out.append({"name": f"{f.name}@{owner}", "label": f.label})
    return out


def _either(names: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


class AmbiguousIndicatorError(ParameterError):
    """A measure without a player that names several of the client's columns.

    The message names the indicator as the command line writes it (``MEASURE:up@PLAYER``);
    ``owners`` gives the candidates as data, so that another caller (the web page's Player
    list) can word it its own way.

    Attributes
    ----------
    measure, direction : str
        The indicator as given.
    columns : list of str
        The catalog columns the measure names, in the order of ``owners``.
    owners : list of str
        The player or pair (``client|therapist``) of each column, without repeats, in the order
        of the client's sessions.
    """

    def __init__(self, *, client: str, measure: str, direction: str,
                 columns: Sequence[str], order: Sequence[str] = ()) -> None:
        from analysis.features import split_column

        def rank(c: str) -> tuple[int, str]:
            owner = split_column(c)[0]
            return (list(order).index(owner) if owner in order else len(order), c)

        self.measure, self.direction = measure, direction
        self.columns = sorted(columns, key=rank)
        self.owners = list(dict.fromkeys(split_column(c)[0] for c in self.columns))
        super().__init__(
            f"indicator {measure} names {len(self.columns)} measures of client {client} "
            f"({', '.join(self.columns[:4])}); name one with @PLAYER, e.g. "
            f"{measure}:{direction}@{self.owners[0]}", parameter="indicator")


class UnknownPlayerError(ParameterError):
    """An indicator's player or pair that the client's sessions do not have.

    The message names them as the command line writes them (``client|therapist``); the
    attributes give them as data, so that the web page can say them its own way ("client and
    therapist").

    Attributes
    ----------
    player, measure, client : str
        The player or pair as given, the indicator's measure, the client's code.
    known : list of str
        The players and pairs the client's sessions have, in the order they name them first.
    """

    def __init__(self, *, client: str, measure: str, player: str,
                 known: Sequence[str]) -> None:
        self.client, self.measure, self.player, self.known = client, measure, player, list(known)
        super().__init__(f"player {player!r} of indicator {measure} is not in client {client}'s "
                         f"sessions (players: {', '.join(known) or 'none'})",
                         parameter="indicator")


def measure_owner(measure: str) -> str:
    """Whose measure ``measure`` is (a name as an indicator gives it, with or without its
    input, ``midi.tempo_bpm``): ``"player"`` (one player's playing: ``velocity_mean``),
    ``"pair"`` (two players together: ``joint_share``), ``"player of a pair"`` (one player
    within a pair, named after that player: ``leads_share``, ``client_leads_share``) or
    ``""`` (not in the feature list: any player).

    >>> [measure_owner(m) for m in ("velocity_mean", "joint_share", "leads_share")]
    ['player', 'pair', 'player of a pair']
    """
    from analysis.features import lookup

    name = measure.rsplit(".", 1)[-1]
    found = lookup(name)
    if found is None:  # a pair's measure without its player: "leads_share" ("{x}_leads_share")
        return "player of a pair" if lookup(f"x_{name}") is not None else ""
    f = found[0]
    if not f.group.startswith("dialogue"):
        return "player"
    return "player of a pair" if "{x}" in f.name else "pair"


def fitting_owners(measure: str, players: Sequence[str], pairs: Sequence[str]) -> list[str]:
    """Of ``players`` and ``pairs`` (``a|b``), those an indicator of ``measure`` can name:
    the players for a player's measure, the pairs for a pair's, for one player within a pair
    (``leads_share``) the players, for one named already (``client_leads_share``) the pairs
    with that player; every one for a measure the feature list does not know.

    >>> fitting_owners("joint_share", ["client", "therapist"], ["client|therapist"])
    ['client|therapist']
    >>> fitting_owners("client_leads_share", ["client", "room"], ["client|room"])
    ['client|room']
    """
    from analysis.features import lookup

    kind = measure_owner(measure)
    if kind == "player":
        return list(players)
    if kind == "pair":
        return list(pairs)
    if kind == "player of a pair":
        found = lookup(measure.rsplit(".", 1)[-1])
        x = found[1].get("x") if found else None
        if x is None:
            return list(players)
        return [p for p in pairs if x in p.split("|")]
    return list(players) + list(pairs)


def _owner_words(measure: str, player: str) -> str | None:
    """Whose measure ``measure`` is, where ``player`` (a player or a pair ``a|b``) cannot have
    it ("a measure of two players"), or None if it can: a pair's measure given one player, a
    player's measure given a pair."""
    from analysis.features import lookup

    kind, pair = measure_owner(measure), "|" in player
    if kind == "player" and pair:
        return "a measure of one player"
    if kind == "pair" and not pair:
        return "a measure of two players"
    if kind == "player of a pair":
        found = lookup(measure.rsplit(".", 1)[-1])
        x = found[1].get("x") if found else None
        if x is None and pair:
            return "a measure of one player"
        if x is not None and x not in player.split("|"):
            return f"a measure of {x}"
    return None


def owner_problem(measure: str, player: str | None) -> str | None:
    """Why ``player`` can never have ``measure``, in words, or None: "Both playing is a
    measure of two players, not of client" (a goal stored before such a pair was refused).

    >>> owner_problem("joint_share", "client")
    'Both playing is a measure of two players, not of client'
    >>> owner_problem("joint_share", "client|therapist") is None
    True
    """
    why = _owner_words(measure, player) if player else None
    if not why:
        return None
    return f"{measure_words(measure, player)} is {why}, not of {player.replace('|', ' & ')}"


class WrongOwnerError(ParameterError):
    """An indicator whose measure its player or pair can never have: a measure of two players
    (``joint_share``) given one player, a measure of one player (``velocity_mean``,
    ``leads_share``) given a pair. Such a goal would read "0 sessions so far" for ever.

    The message names them as the command line writes them; the attributes give them as data,
    so that the web page can say them its own way ("choose client & therapist under Player").

    Attributes
    ----------
    measure, player, direction : str
        The indicator as given.
    what : str
        The measure in words ("Both playing").
    why : str
        Whose measure it is ("a measure of two players").
    fits : list of str
        The client's players or pairs that can have it, in the order of the client's sessions.
    """

    def __init__(self, *, measure: str, player: str, direction: str, what: str, why: str,
                 fits: Sequence[str]) -> None:
        self.measure, self.player, self.direction = measure, player, direction
        self.what, self.why, self.fits = what, why, list(fits)
        e_g = f": name {_either(self.fits)}, e.g. {measure}@{self.fits[0]}:{direction}" \
            if self.fits else ""
        super().__init__(f"{what} is {why}, not of {player}{e_g}",
                         parameter="indicator")


def measure_words(measure: str, player: str | None) -> str:
    """A measure in words without its player: "Both playing", "client leads"."""
    from analysis.features import label, lookup

    name = measure.rsplit(".", 1)[-1]
    if lookup(name):
        return label(name)
    named = [p for p in (player or "").split("|") if p and lookup(f"{p}_{name}")]
    return label(f"{named[0]}_{name}") if named else name.replace("_", " ")


def check_indicators(store, client: str, indicators: Sequence[dict[str, Any]], *,
                     listing: str = "", keep: Sequence[dict[str, Any]] = ()) -> list[dict]:
    """Refuse measures that are not in the feature list or have no number per session
    (:func:`session_measure_problem`), those a goal does not follow (:func:`not_a_goal_reason`:
    the web page's add form leaves them out; ``keep``: indicators the goal has already, which
    stay), a player or pair who can never have the measure (:class:`WrongOwnerError`: a
    measure of two players given one, one player's given a pair), players the client's
    sessions do not have (:class:`UnknownPlayerError`; a pair
    may be named either way round where its measure allows: :func:`pair_turn`), and a measure
    without a player that names several of the client's columns
    (:class:`AmbiguousIndicatorError`, with the candidates as data). A refused measure
    is answered with the names the client's sessions have that it may have meant
    (:func:`suggested_indicators`), and ``listing``: where all of them are listed (the
    command line: ``'improv goals measures --client C07' lists them all``).

    A client without sessions yet (a goal agreed at intake) has the usual players, client and
    therapist (:func:`goal_players`)."""
    from analysis.features import check_features, label, lookup, split_column

    players, pairs = goal_players(store, client)
    columns = client_columns(store, client)
    owners = {split_column(c)[0] for c in columns}
    kept = {(i.get("measure"), i.get("player")) for i in keep}
    names: list[dict[str, str]] | None = None
    more = f" ({listing})" if listing else ""
    out = []
    for ind in indicators:
        try:
            check_features([ind["measure"]])
        except ParameterError:
            names = indicator_names(store, client) if names is None else names
            close = (suggested_indicators(ind["measure"], names)
                     or suggested_indicators(ind["measure"], _listed_names(players, pairs)))
            hint = (f"did you mean {_either(close)}?" if close
                    else "no measure of this client's sessions is spelt like it")
            raise ParameterError(f"unknown feature {ind['measure']!r}: {hint}{more}",
                                 parameter="indicator") from None
        problem = session_measure_problem(ind["measure"])
        if problem:
            names = indicator_names(store, client) if names is None else names
            close = suggested_indicators(ind["measure"], names)
            here = f" (for client {client}: {_either(close)})" if close else ""
            raise ParameterError(f"{problem}{here}{more}", parameter="indicator")
        player = ind.get("player")
        key = _summary_key(ind["measure"], player)
        why = not_a_goal_reason(key)
        if why and (ind["measure"], player) not in kept:
            shown = label(key) if lookup(key) else key
            raise ParameterError(
                f"a goal cannot follow {shown} ({ind['measure']}): {why}; a goal can follow "
                f"{', '.join(goal_measures(store, client))}{more}", parameter="indicator")
        why_not = _owner_words(ind["measure"], player) if player else None
        if why_not:
            every = list(players) + [p for p in pairs if p not in players]
            every += sorted(o for o in owners if o not in every and reversed_pair(o) not in every)
            fits = fitting_owners(ind["measure"], [o for o in every if "|" not in o],
                                  [o for o in every if "|" in o])
            if "|" in player and measure_owner(ind["measure"]) == "player of a pair":
                fits = [p for p in player.split("|") if p in fits] or fits
            raise WrongOwnerError(measure=ind["measure"], player=player,
                                  direction=ind["direction"],
                                  what=measure_words(ind["measure"], player), why=why_not,
                                  fits=fits)
        if player is not None and player not in players and player not in pairs \
                and player not in owners:
            turned = reversed_pair(player)
            if not ("|" in player and (turned in pairs or turned in owners)
                    and pair_turn(f"{player}.{key}") is not None):
                raise UnknownPlayerError(client=client, measure=ind["measure"], player=player,
                                         known=players + pairs)
        hits = distinct_columns(matching_columns(columns, ind["measure"], player))
        if player is None and len(hits) > 1:
            raise AmbiguousIndicatorError(client=client, measure=ind["measure"],
                                          direction=ind["direction"], columns=hits,
                                          order=players + pairs)
        out.append({"measure": ind["measure"], "direction": ind["direction"], "player": player})
    return out


def add_goal(store, client: str, *, text: str, since=None, indicators=(), tags=(), by=None,
             listing: str = ""):
    """:func:`sessions.goals.add_goal` with the measures checked against the feature list
    (``listing``: see :func:`check_indicators`). The client may have no sessions yet (a goal
    agreed at intake): its measures are checked against the feature list alone. A goal that
    an active goal of the client already is raises :class:`DuplicateGoalError`; the log is
    read for it under its lock, so two adds at the same instant cannot both pass."""
    from sessions import goals
    from sessions.manifest import check_code

    check_code(client, what="client")  # a bad client code first
    client = goals.stored_client(store, client)
    indicators = check_indicators(store, client, indicators, listing=listing)
    return goals.add_goal(store, client, text=text, since=since, tags=tags, by=by,
                          indicators=indicators, refuse=refuse_repeats(store, client))


class DuplicateGoalError(GoalError):
    r"""A new goal that an active goal of the client is already, or a change that would make a
    goal one (``change``; :func:`refuse_repeats`); nothing was written. ``goal_id`` names that
    goal: the command line says how to change (or end) it (``improv goals edit ID``), the web
    page where (its Change… button).

    >>> print(str(DuplicateGoalError({"id": "g-1", "since": "2026-01-05", "versions": [
    ...     {"text": "Plays louder", "indicators": [{}], "tags": []}]})
    ...     ).replace(", ", ",\n").replace("; ", ";\n"))
    this goal exists already: “Plays louder”,
    active since Jan 5,
    2026,
    follows the same measures the same way;
    change that goal instead of adding it again
    >>> print(str(DuplicateGoalError({"id": "g-1", "since": "2026-01-05", "versions": [
    ...     {"text": "Comes on time", "indicators": [], "tags": []}]}, change=True)
    ...     ).replace(", ", ",\n").replace("; ", ";\n"))
    this change would make the goal repeat “Comes on time”,
    active since Jan 5,
    2026,
    which has the same text;
    change or end that goal instead
    """

    def __init__(self, goal: dict[str, Any], *, change: bool = False):
        from sessions.timefmt import day_words

        self.goal_id, self.change = goal["id"], change
        cur = goal["versions"][-1]
        same = ("follows the same measures the same way" if cur.get("indicators")
                or cur.get("tags") else "has the same text")
        named = f"“{cur['text']}”, active since {day_words(goal['since'])}"
        super().__init__(
            f"this change would make the goal repeat {named}, which {same}; change or end "
            "that goal instead" if change else
            f"this goal exists already: {named}, {same}; change that goal instead of adding "
            "it again")


def _indicator_key(ind: dict[str, Any], columns: set[str]) -> tuple:
    """What an indicator follows, whatever way it is named: the client's columns it reads
    (``leads_share@client`` and ``client_leads_share@client|therapist`` read one column; a
    pair named either way round where its measure allows it is one pair), and its
    direction (turned with the pair for :data:`FLIPPED_PAIR_MEASURES`: ``lead_lag_s`` of
    "b|a" falls where that of "a|b" rises)."""
    from analysis.features import split_column

    def one(c: str) -> str:
        owner, _, _ = split_column(c)
        if "|" in owner and pair_turn(c) is not None and owner > reversed_pair(owner):
            return reversed_pair(owner) + c[len(owner):]
        return c

    player, direction = ind.get("player"), ind["direction"]
    hits = frozenset(one(c) for c in matching_columns(columns, ind["measure"], player))
    if player and "|" in player and player > reversed_pair(player) and (
            _summary_key(ind["measure"], player) in FLIPPED_PAIR_MEASURES):
        # the pair named the other way round: its lead-lag's rise is the other's fall
        direction = "down" if direction == "up" else "up"
    return hits or (_summary_key(ind["measure"], player), player), direction


def _goal_key(store, client: str) -> Callable[[str, Sequence, Sequence], tuple]:
    """What a goal's content follows (:func:`same_active_goal`), as a function of its text,
    indicators and tags, for ``client``'s columns (read once, from the catalog): the
    indicators' keys (:func:`_indicator_key`), the tags with their directions, and the text
    (spaces and case aside) only for a goal without either."""
    columns = client_columns(store, client)
    if not columns:  # before the first session: the usual players' measures
        columns = _intake_columns(*goal_players(store, client))

    def key(text: str, inds: Sequence[dict[str, Any]], tgs: Sequence[dict[str, Any]]) -> tuple:
        follows = (frozenset(_indicator_key(i, columns) for i in inds),
                   frozenset((str(t["tag"]).casefold(), t["direction"]) for t in tgs))
        if follows != (frozenset(), frozenset()):
            return follows
        return follows, " ".join(str(text).split()).casefold()

    return key


def _repeated(goals_now: Sequence[dict[str, Any]], key, *, text: str,
              indicators: Sequence[dict[str, Any]], tags: Sequence[dict[str, Any]],
              goal_id: str | None = None) -> dict[str, Any] | None:
    """The active goal of ``goals_now`` (:func:`sessions.goals.fold`'s) whose current version
    has the content ``key`` (:func:`_goal_key`) gives the new one; ``goal_id``, the goal being
    changed, is not compared with itself, nor with a goal it repeated already before the
    change (goals kept twice before repeats were refused may still be changed)."""
    new = key(text, indicators, tags)
    before = None
    for g in goals_now:
        if g["id"] == goal_id:
            cur = g["versions"][-1]
            before = key(cur["text"], cur["indicators"], cur["tags"])
    for g in goals_now:
        if g["status"] != "active" or g["id"] == goal_id:
            continue
        cur = g["versions"][-1]
        was = key(cur["text"], cur["indicators"], cur["tags"])
        if was == new and was != before:
            return g
    return None


def same_active_goal(store, client: str, *, text: str, indicators: Sequence[dict[str, Any]],
                     tags: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The active goal of ``client`` that a new goal would only repeat, or None: its current
    version follows the same measures (each with its player) and tags the same way (up or
    down), whatever order or spelling they are given in. Its text may differ (the same
    course would be followed twice under two names); a goal without measures or tags is
    the same only with the same text (spaces and case aside). Read without the log's lock:
    :func:`add_goal` and :func:`edit_goal` check under it (:func:`refuse_repeats`)."""
    from sessions import goals

    return _repeated(goals.client_goals(store, client)["goals"], _goal_key(store, client),
                     text=text, indicators=indicators, tags=tags)


def refuse_repeats(store, client: str) -> Callable[[list[dict[str, Any]], dict[str, Any]], None]:
    """The check :func:`sessions.goals.add_goal` and :func:`sessions.goals.edit_goal` run
    under the client's goal log's lock (:data:`sessions.goals.Refusal`): a new goal, or a
    goal's new version, that an active goal of ``client`` already is
    (:func:`same_active_goal`) raises :class:`DuplicateGoalError` naming that goal. The
    client's columns are read here, before the lock; the goals under it."""
    key = _goal_key(store, client)

    def refuse(goals_now: list[dict[str, Any]], rec: dict[str, Any]) -> None:
        change = rec["op"] == "edit"
        same = _repeated(goals_now, key, text=rec["text"], indicators=rec["indicators"],
                         tags=rec["tags"], goal_id=rec["id"] if change else None)
        if same is not None:
            raise DuplicateGoalError(same, change=change)

    return refuse


def edit_goal(store, goal_id: str, *, since=None, text=None, indicators=None, tags=None,
              agreed_on=None, by=None, listing: str = ""):
    """:func:`sessions.goals.edit_goal` with the measures checked against the feature list
    (``listing``: see :func:`check_indicators`); a measure the goal has already stays
    allowed, even one a new goal could not follow any more. ``agreed_on`` corrects the day
    the goal was agreed instead of changing it from ``since`` on. A change that would make
    the goal one that another active goal of the client already is raises
    :class:`DuplicateGoalError` (``change``), checked under the log's lock."""
    from sessions import goals

    client = goals.goal_client(store, goal_id)
    if indicators is not None:
        now = next((g for g in goals.client_goals(store, client)["goals"]
                    if g["id"] == goal_id), None)
        indicators = check_indicators(store, client, indicators, listing=listing,
                                      keep=now["indicators"] if now else ())
    return goals.edit_goal(store, client, goal_id, since=since, text=text,
                           indicators=indicators, tags=tags, agreed_on=agreed_on, by=by,
                           refuse=refuse_repeats(store, client))


def indicator_label(ind: dict[str, Any], column: str | None) -> str:
    """An indicator in words, from the feature list's labels: ``client (MIDI) · Silence``,
    ``client leads`` (a pair's measure that names its player), ``annotations tagged
    autonomy:leader per session``; never a field name."""
    from analysis.features import label, lookup, source_name, split_column
    from improv.reports.labels import shown_label

    if "tag" in ind:
        return f"annotations tagged {ind['tag']} per session"
    if column:  # the label the tables give a session's value (told apart from look-alikes)
        owner, source, name = split_column(column)
        if "|" in owner and any(name.startswith(p + "_") for p in owner.split("|")):
            return shown_label(column)  # client_leads_share names its player
        who = owner.replace("|", " & ") + (f" ({source_name(source)})" if source else "")
        return f"{who} · {shown_label(column)}" if owner else shown_label(column)
    measure, player = ind["measure"], ind.get("player")  # no values yet
    if player and lookup(measure) and any(measure.startswith(p + "_")
                                          for p in player.split("|")):
        return label(measure)  # a pair's measure that names its player: "client leads"
    if player and "|" not in player and lookup(f"{player}_{measure}"):
        return label(f"{player}_{measure}")
    text = label(measure) if lookup(measure) else measure.replace("_", " ")
    return f"{player.replace('|', ' & ')} · {text}" if player else text

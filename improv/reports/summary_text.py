"""A session in a therapist's words: short labelled parts built from the measures.

Every sentence is fixed wording with numbers filled in, and carries the measures it used (the
names as in ``--json`` and the catalog: ``client.midi.tempo_bpm``,
``client|therapist.joint_share``, ``duration_s``, ``annotations``), so each sentence can be
traced to a measure. Nothing here is generated prose; sentences whose measure is missing or
unclear are left out rather than guessed.

:func:`summary_groups` works on an analysis result (:func:`improv.analyze.analyze_session`)
and the session's annotations and gives the sentences in parts, each under a label a therapist
scans for: *Session* (length, players, how much each played, long silences), one part per
pair named in its label (*client & therapist*: together, turns, who led, imitation first, the
part's ``brief``; then alone, turn lengths, timing, how soon patterns were taken up),
*Tempo and pulse*, *Dynamics*, *Your annotations*. :func:`summary_sentences` is the same
sentences in one list (``--json``); :func:`session_summary` reads both from the store. The CLI
(``improv summary``, in the labelled parts), the session page (the details behind "More") and
the reports show the same sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from analysis.beats import CLEAR_SHARE
from improv.reports.labels import OFTEN_PULSED, OFTEN_PULSED_SHARE
from improv.reports.wording import unconfirmed
from sessions.timefmt import format_time

__all__ = ["summary_groups", "summary_sentences", "summary_html", "session_summary",
           "SUMMARY_FORMAT", "SESSION", "TEMPO", "DYNAMICS", "ANNOTATIONS", "silent_stretches",
           "beat_level_sentences", "MIN_SILENT_S", "MIN_SILENT_SHARE", "BEAT_LEVELS",
           "BEAT_LEVEL_TOL"]

#: The shape of the summary as the web app keeps it in a session's cache (a new number: answers
#: kept in an older shape are not served). 2: parts with a label each (:func:`summary_groups`);
#: 3: each part with ``brief`` (its first sentences that tell it in short), a player's share
#: of the time said once.
SUMMARY_FORMAT = 3
#: The parts' labels (a pair's part is labelled with its players: ``client & therapist``).
SESSION, TEMPO, DYNAMICS, ANNOTATIONS = ("Session", "Tempo and pulse", "Dynamics",
                                         "Your annotations")
#: A player's silence is told when it lasts this long [seconds] ...
MIN_SILENT_S = 10.0
#: ... and covers at least this share of the session (a quarter: "a long stretch", not a
#: breath between phrases).
MIN_SILENT_SHARE = 0.25
#: Tempo stability (0-1) from which the tempo reads "steady", and "fairly steady".
STEADY, FAIRLY_STEADY = 0.8, 0.5
#: The tempo range is told when the fastest window is this much faster than the slowest (10 %).
TEMPO_SPREAD = 0.10
#: Mean MIDI velocity (0-127) below which playing reads "soft", and from which it reads
#: "loud" (the usual p/mf/f thresholds of notation software: 49 and 80).
SOFT_VELOCITY, LOUD_VELOCITY = 49, 80
#: Fewest paired onsets for the asynchrony to be told (fewer is chance).
MIN_PAIRS = 10
#: Ratios between two tempi of one player that are one pulse counted at another beat level
#: (the whole-number ratios of MIREX's Acc2, :data:`analysis.level_fold.LEVEL_FACTORS`), with how a
#: sentence says the ratio and the beats: (ratio of the other input's tempo to the reference's,
#: "at ... the MIDI tempo", "counted in ... beats").
BEAT_LEVELS = ((0.5, "half", "longer"), (2.0, "twice", "shorter"),
               (1 / 3, "a third of", "longer"), (3.0, "three times", "shorter"))
#: How near [fraction] a ratio must come to one of :data:`BEAT_LEVELS`: 4 %, the tolerance
#: within which MIREX's tempo accuracy (Acc1, Acc2; Gouyon et al. 2006) counts two tempi as one.
BEAT_LEVEL_TOL = 0.04


def _m(**values: Any) -> dict[str, Any]:
    return dict(values)


def _pct(x: float) -> str:
    return f"{round(100 * x):d} %"


def _t(seconds: float) -> str:
    return format_time(seconds, decimals=0)


def _sentence(text: str, measures: dict[str, Any]) -> dict[str, Any]:
    """A sentence (its first letter a capital: "Client played …" for the player ``client``)
    with the measures it used."""
    return {"text": text[:1].upper() + text[1:], "measures": measures}


def _primary(entry: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The source a player's sentences use: MIDI first, then audio; one that was measured."""
    sources = entry.get("sources", {})
    for prefix in ("midi", "audio"):
        for name, res in sources.items():
            if name.startswith(prefix) and res.get("summary", {}).get("status") == "ok":
                return name, res
    return None


def silent_stretches(times: Sequence[float], values: Sequence[float | None], *, window_s: float,
                     duration_s: float) -> list[tuple[float, float]]:
    """Stretches in which a windowed activity curve is zero, as (start, end) [seconds].

    A run that takes in the first (last) window starts (ends) at the session's start (end).

    Parameters
    ----------
    times, values : sequence of float
        A curve reported at window centres (``{x}_active``: share of the window a player plays).
    window_s : float [seconds]
        The analysis window: a zero window centred at ``t`` means silence over
        ``[t - window_s/2, t + window_s/2]``, so a run of zero windows is silence over the union.
    duration_s : float [seconds]
        Session length; stretches are clipped to ``[0, duration_s]``.
    """
    out: list[tuple[float, float]] = []
    run: list[int] = []
    n = len(times)
    for k, (t, v) in enumerate([*zip(times, values, strict=False), (None, None)]):
        if t is not None and v is not None and v <= 0.0:
            run.append(k)
            continue
        if run:
            # the first and last windows stand for the session's start and end
            start = 0.0 if run[0] == 0 else max(0.0, times[run[0]] - window_s / 2)
            end = duration_s if run[-1] == n - 1 else min(duration_s,
                                                             times[run[-1]] + window_s / 2)
            out.append((start, end))
            run = []
    return out


def _length(result: dict[str, Any]) -> dict[str, Any]:
    players = list(result.get("players", {}))
    dur = result.get("duration_s") or 0.0
    who = (f"one player, {players[0]}" if len(players) == 1
           else f"{len(players)} players: {', '.join(players[:-1])} and {players[-1]}")
    return _sentence(f"The session lasted {_t(dur)} with {who}.", _m(duration_s=dur))


def _own_shares(result: dict[str, Any]) -> list[dict[str, Any]]:
    """How much each player of a session of several played, said once for all players (a
    player's share of the time is the same in every pair it is in: the pair's activity is the
    player's own notes over the session, :func:`analysis.dialogue.activity.analyze_activity`),
    so that a trio's pair parts do not say it twice. The sentence names every pair's measure
    of it."""
    shares: dict[str, float] = {}
    used: dict[str, Any] = {}
    for d in result.get("dialogue", []):
        for p in d["pair"]:
            v = d["summary"].get(f"{p}_active_share")
            if v is None:
                continue
            shares.setdefault(p, v)
            used[f"{d['name']}.{p}_active_share"] = v
    if len(shares) < 2:
        return []
    said = [f"{p} for {_pct(v)}" for p, v in shares.items()]
    first = said[0].replace(" for ", " played for ", 1) + " of the time"
    if len(said) == 2:
        text = f"{first} and {said[1]}."
    else:
        text = f"{first}, {', '.join(said[1:-1])} and {said[-1]}."
    return [_sentence(text, used)]


def _together(d: dict[str, Any]) -> dict[str, Any] | None:
    """How much of the time the pair played together (the part's opening)."""
    joint = d["summary"].get("joint_share")
    if joint is None:
        return None
    return _sentence(f"They played together for {_pct(joint)} of the time.",
                     {f"{d['name']}.joint_share": joint})


def _apart(d: dict[str, Any], *, n_players: int) -> dict[str, Any] | None:
    """How much each player of a pair played without the other, and how much neither played:
    in a duet "alone" and "both were silent"; with more players "without" the other and
    "neither of them played", as a third player may have played then."""
    s, name = d["summary"], d["name"]
    a, b = d["pair"]
    solo_a, solo_b, silent = s.get(f"{a}_solo_share"), s.get(f"{b}_solo_share"), \
        s.get("silent_share")
    if None in (solo_a, solo_b, silent):
        return None
    used = {f"{name}.{a}_solo_share": solo_a, f"{name}.{b}_solo_share": solo_b,
            f"{name}.silent_share": silent}
    if n_players <= 2:
        text = (f"{a} played alone for {_pct(solo_a)} of the time, {b} alone for "
                f"{_pct(solo_b)}, and both were silent for {_pct(silent)}.")
    else:
        text = (f"{a} played without {b} for {_pct(solo_a)} of the time, {b} without {a} for "
                f"{_pct(solo_b)}, and neither of them played for {_pct(silent)}.")
    return _sentence(text, used)


def _solo_amount(result: dict[str, Any]) -> list[dict[str, Any]]:
    """How much the one player of a solo session played (from its silence)."""
    if len(result.get("players", {})) != 1:
        return []
    (player, entry), = result["players"].items()
    found = _primary(entry)
    if not (found and found[1]["summary"].get("silence_share") is not None):
        return []
    src, res = found
    silence = res["summary"]["silence_share"]
    return [_sentence(f"{player} played for {_pct(1 - silence)} of the time.",
                      {f"{player}.{src}.silence_share": silence})]


def _silences(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Long silences of one player while the session goes on (from the dialogue curves)."""
    dur = result.get("duration_s") or 0.0
    window = result.get("window_s") or 0.0
    out, told = [], set()
    for d in result.get("dialogue", []):
        for p in d["pair"]:
            curve = d.get("curves", {}).get(f"{p}_active")
            if p in told or not curve:
                continue
            told.add(p)
            for start, end in silent_stretches(curve["times"], curve["values"], window_s=window,
                                               duration_s=dur):
                if end - start < max(MIN_SILENT_S, MIN_SILENT_SHARE * dur):
                    continue
                if start <= 0.0 and end >= dur:
                    text = f"{p} did not play."
                elif start <= 0.0:
                    text = f"{p} did not play until {_t(end)}."
                elif end >= dur:
                    text = f"{p} stopped playing at {_t(start)} and was silent to the end."
                else:
                    text = f"{p} was silent from {_t(start)} to {_t(end)}."
                out.append(_sentence(text, {f"{d['name']}.{p}_active": [start, end]}))
    return out


def _lead_shares(d: dict[str, Any]) -> tuple[dict[str, float], float] | None:
    """The share of the windows each player led in and the share in which they moved
    together (``{x}_leads_share``, ``together_share``), or None if any is missing."""
    s = d["summary"]
    shares = {p: s.get(f"{p}_leads_share") for p in d["pair"]}
    together = s.get("together_share")
    if together is None or None in shares.values():
        return None
    return shares, together


def _leader(d: dict[str, Any]) -> dict[str, Any] | None:
    """Who led, weighed against how the windows went: the session's leader (from timing, or
    from the music's changes) and, where the window shares are known, how much of the time
    they moved together and how often each one led, so that a leader of a duet that mostly
    moved together is not read as one who led the session."""
    s, name = d["summary"], d["name"]
    leader = s.get("leader")
    used = {f"{name}.leader": leader, f"{name}.leader_basis": s.get("leader_basis")}
    weighed = _lead_shares(d)
    if weighed:
        shares, together = weighed
        used.update({f"{name}.{p}_leads_share": v for p, v in shares.items()})
        used[f"{name}.together_share"] = together
    if leader in d["pair"]:
        other = d["pair"][1] if leader == d["pair"][0] else d["pair"][0]
        # what the leader's name rests on, said as what was heard
        timing = f"{other} adjusted their timing to {leader}'s, hardly the other way round"
        changes = f"changes in how much, how loud or how high they played came from {leader} first"
        why = {"timing": timing, "features": changes,
               "timing+features": f"{timing}, and {changes}"}.get(s.get("leader_basis"))
        conf = s.get("leader_confidence")
        sure = ""
        if conf is not None:
            used[f"{name}.leader_confidence"] = conf
            # a bootstrap share of 1.0 is not a certainty: said as "over 99 %"
            sure = f" (certainty {'over 99 %' if conf >= 0.995 else _pct(conf)})"
        if not weighed:
            return _sentence(f"{leader} led{': ' + why if why else ''}{sure}.", used)
        mine, theirs = shares[leader], shares[other]
        # moving together comes first where it is what they mostly did
        opening = (f"They mostly moved together ({_pct(together)} of the time); "
                   if together >= 0.5 else "")
        if mine > theirs:
            often = (f"{leader} led more often than {other} ({_pct(mine)} of the time against "
                     f"{_pct(theirs)}), and ")
        elif mine == theirs:
            often = f"{leader} and {other} each led {_pct(mine)} of the time, and over the session "
        else:  # the windows lean the other way: both are said, neither hidden
            often = (f"{other} led more often than {leader} ({_pct(theirs)} of the time against "
                     f"{_pct(mine)}), but over the whole session ")
        return _sentence(f"{opening}{often}{why or f'{leader} led'}{sure}.", used)
    if leader == "together":
        if weighed:
            a, b = d["pair"]
            return _sentence(f"They moved together ({_pct(together)} of the time); neither "
                             f"player led ({a} led {_pct(shares[a])} of the time, {b} "
                             f"{_pct(shares[b])}).", used)
        return _sentence("They moved together; neither player led.", used)
    if leader == "shared":
        if weighed:
            a, b = d["pair"]
            return _sentence(f"They took turns leading ({a} led {_pct(shares[a])} of the time, "
                             f"{b} {_pct(shares[b])}; together {_pct(together)}).", used)
        return _sentence("They took turns leading.", used)
    return None  # unclear or none: said nowhere rather than guessed


def _times(n: float) -> str:
    """``once``, ``twice``, ``3 times``."""
    return {1: "once", 2: "twice"}.get(int(n), f"{int(n)} times")


def _turns(d: dict[str, Any], *, n_players: int = 2) -> dict[str, Any] | None:
    """Turn-taking in words: whether the playing passed from one player to the other
    (turns: solo stretches of a second or more, :data:`analysis.dialogue.activity.MIN_TURN`),
    and how often (how long the turns were is :func:`_turn_lengths`); for a duet that played
    together throughout, that there was no turn-taking, not a turn change through a
    minute-long "overlap". With more than two players (``n_players``) a turn is playing
    "without the other", not "alone": a third player may have played then."""
    s, name = d["summary"], d["name"]
    a, b = d["pair"]
    n, turns = s.get("floor_transfers"), {p: s.get(f"{p}_turns") for p in (a, b)}
    if n is None or None in turns.values() or not (s.get(f"{a}_active_share")
                                                  and s.get(f"{b}_active_share")):
        return None  # one of them did not play: nothing passed between them
    used = {f"{name}.floor_transfers": n, **{f"{name}.{p}_turns": v for p, v in turns.items()}}
    if n == 0:
        alone = [p for p in (a, b) if turns[p]]
        duet = n_players <= 2
        if not alone:
            return _sentence(f"They did not take turns: neither played "
                             f"{'alone' if duet else 'without the other'} for a second or "
                             "more.", used)
        other = b if alone[0] == a else a
        return _sentence(f"They did not take turns: only {alone[0]} played "
                         f"{'alone' if duet else f'without {other}'} "
                         f"({_times(turns[alone[0]])}).", used)
    if n == 1:
        text = "The playing passed from one to the other once"
    else:
        text = f"They took turns: the playing passed between them {_times(n)}"
    rate = s.get("floor_transfers_per_min")
    if rate is not None and n >= 3:  # a rate of one or two changes says nothing more
        used[f"{name}.floor_transfers_per_min"] = rate
        text += f" ({rate:.1f} times a minute)"
    return _sentence(text + ".", used)


def _turn_lengths(d: dict[str, Any]) -> dict[str, Any] | None:
    """How long each player's turns lasted (a detail of :func:`_turns`), where the playing
    passed between them at all."""
    s, name = d["summary"], d["name"]
    if not s.get("floor_transfers") or _turns(d) is None:
        return None
    used, lengths = {}, []
    for p in d["pair"]:
        mean, n = s.get(f"{p}_turn_mean_s"), s.get(f"{p}_turns")
        if mean is not None and n:
            used[f"{name}.{p}_turn_mean_s"] = mean
            lengths.append(f"{p}'s {'turn' if n == 1 else 'turns'} "
                           f"{'lasted' if n == 1 else 'lasted on average'} {mean:.0f} s")
    if not lengths:
        return None
    return _sentence(" and ".join(lengths) + ".", used)


def _synchrony(d: dict[str, Any]) -> dict[str, Any] | None:
    s, name = d["summary"], d["name"]
    a, b = d["pair"]
    mean, n = s.get("asynchrony_mean_ms"), s.get("n_pairs")
    if mean is None or not n or n < MIN_PAIRS:
        return None
    used = {f"{name}.asynchrony_mean_ms": mean, f"{name}.n_pairs": n}
    ms = round(abs(mean))
    if ms < 1:
        return _sentence(f"When they played at the same moment ({int(n)} times), their notes "
                         "came together on average.", used)
    first, second = (a, b) if mean > 0 else (b, a)
    return _sentence(f"When they played at the same moment ({int(n)} times), {second} came on "
                     f"average {ms} ms after {first}.", used)


def _tempo_range(s: dict[str, Any], key: str, used: dict[str, Any]) -> str | None:
    """"between lo and hi" [BPM] where the windows' tempo spreads over more than
    :data:`TEMPO_SPREAD`, noting the two measures in ``used``; else None."""
    lo, hi = s.get("tempo_bpm_min"), s.get("tempo_bpm_max")
    if not (lo and hi and hi > lo * (1 + TEMPO_SPREAD)):
        return None
    used.update({key + "tempo_bpm_min": lo, key + "tempo_bpm_max": hi})
    return f"between {lo:.0f} and {hi:.0f}"


def _tempo(player: str, src: str, s: dict[str, Any]) -> dict[str, Any] | None:
    key = f"{player}.{src}."
    bpm, pulse = s.get("tempo_bpm"), s.get("pulse")
    if not bpm:
        tentative, share = s.get("tempo_bpm_tentative"), s.get("pulsed_share")
        if pulse == "intermittent" and tentative and share is not None:
            used = {key + "pulse": pulse, key + "pulsed_share": share,
                    key + "tempo_bpm_tentative": tentative}
            # the share counts the windows in which the player plays (analysis 1.15.0)
            if share >= CLEAR_SHARE:  # a pulse nearly throughout, but no one tempo vouched for
                span = _tempo_range(s, key, used)
                return _sentence(f"{player} played with a pulse for most of the time they "
                                 f"played ({_pct(share)}), but no single tempo fits it "
                                 f"(nearest: about {tentative:.0f} BPM"
                                 f"{'; ' + span if span else ''}).", used)
            when = OFTEN_PULSED if share >= OFTEN_PULSED_SHARE else "only at times"
            return _sentence(f"{player} had a clear pulse {when} ({_pct(share)} of the "
                             f"time they played), around {tentative:.0f} BPM.", used)
        if pulse in ("none", "rare"):
            return _sentence(f"{player} played without a clear pulse.", {key + "pulse": pulse})
        return None
    if pulse == "too short":
        # under one window of playing: a clip's tempo is in the tables, but a few seconds are
        # too little for a sentence to call it the player's tempo
        return None
    used = {key + "tempo_bpm": bpm, key + "pulse": pulse}
    text = f"{player} played at about {bpm:.0f} BPM"
    span, stab = _tempo_range(s, key, used), s.get("tempo_stability")
    if span:
        text += f" ({span})"
    if stab is not None:
        used[key + "tempo_stability"] = stab
        word = ("steady" if stab >= STEADY else "fairly steady" if stab >= FAIRLY_STEADY
                else "unsteady")
        text += f", and the tempo was {word} (stability {stab:.2f} of 1)"
    return _sentence(text + ".", used)


def _told_tempo(s: dict[str, Any]) -> tuple[str, float] | None:
    """The tempo a source's summary stands for, as :func:`_tempo` tells it: (its key, BPM) of a
    clear pulse's tempo, else of an intermittent pulse's tentative one; None without either
    (no pulse, or one so rare that its tempo may be chance)."""
    if s.get("status") != "ok" or s.get("pulse") in ("none", "rare"):
        return None
    if s.get("tempo_bpm"):
        return "tempo_bpm", s["tempo_bpm"]
    if s.get("pulse") == "intermittent" and s.get("tempo_bpm_tentative"):
        return "tempo_bpm_tentative", s["tempo_bpm_tentative"]
    return None


def _input_name(source: str) -> str:
    """A player's input in a sentence: ``MIDI``, ``microphone``, ``microphone “room”`` for the
    audio input ``room`` of a player with several."""
    if source == "midi":
        return "MIDI"
    kind, _, name = source.partition(":")
    return f"microphone “{name}”" if kind == "audio" and name else "microphone"


def beat_level_sentences(player: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Sentences for a player's inputs whose tempi are one pulse counted at another beat level.

    The input the summary reads (:func:`_primary`: MIDI first) is the reference; every other
    input of the player whose tempo is half, twice, a third or three times the reference's
    (:data:`BEAT_LEVELS`, within :data:`BEAT_LEVEL_TOL`) gets one sentence, so that a reader
    who meets both numbers (the report's and the session page's measures give each input's
    tempo) knows they do not disagree. A microphone that hears the player's clear MIDI is
    already read at the MIDI's level (``tempo_level_from``); this is said where it is not (an
    intermittent MIDI pulse, or a microphone that does not hear the notes).

    Parameters
    ----------
    player : str
        The player's name, as in the sentences.
    entry : dict
        The player's analysis (``result["players"][player]``: ``sources`` by input).

    Returns
    -------
    list of dict
        ``{"text": str, "measures": {name: value}}``, one per such input; empty where no
        input's tempo stands in such a ratio.

    Examples
    --------
    >>> entry = {"sources": {
    ...     "midi": {"summary": {"status": "ok", "pulse": "clear", "tempo_bpm": 96.0}},
    ...     "audio": {"summary": {"status": "ok", "pulse": "intermittent", "tempo_bpm": None,
    ...                           "tempo_bpm_tentative": 49.2}}}}
    >>> print(beat_level_sentences("client", entry)[0]["text"])  # doctest: +NORMALIZE_WHITESPACE
    The microphone counts client's beat at half the MIDI tempo (about 49 against 96 BPM): the
    same pulse, counted in longer beats.
    """
    found = _primary(entry)
    ref = _told_tempo(found[1]["summary"]) if found else None
    if ref is None:
        return []
    ref_src, (ref_key, ref_bpm) = found[0], ref
    of_ref = ("the MIDI tempo" if ref_src == "midi"
              else f"the tempo of the {_input_name(ref_src)}")
    out = []
    for src, res in entry.get("sources", {}).items():
        told = _told_tempo(res.get("summary", {})) if src != ref_src else None
        if told is None:
            continue
        key, bpm = told
        for ratio, times, beats in BEAT_LEVELS:
            if abs(bpm / ref_bpm / ratio - 1.0) <= BEAT_LEVEL_TOL:
                out.append(_sentence(
                    f"The {_input_name(src)} counts {player}'s beat at {times} {of_ref} "
                    f"(about {bpm:.0f} against {ref_bpm:.0f} BPM): the same pulse, counted in "
                    f"{beats} beats.",
                    {f"{player}.{src}.{key}": bpm, f"{player}.{ref_src}.{ref_key}": ref_bpm}))
                break
    return out


def _dynamics(player: str, src: str, s: dict[str, Any]) -> dict[str, Any] | None:
    key = f"{player}.{src}."
    if s.get("velocity_mean") is not None:
        v = s["velocity_mean"]
        word = "softly" if v < SOFT_VELOCITY else "loudly" if v >= LOUD_VELOCITY else "moderately"
        used = {key + "velocity_mean": v}
        text = f"{player} played {word} (mean velocity {v:.0f} of 127)"
    elif s.get("level_dbfs_mean") is not None:
        used = {key + "level_dbfs_mean": s["level_dbfs_mean"]}
        text = f"{player}'s mean level was {s['level_dbfs_mean']:.0f} dBFS"
    else:
        return None
    up, down = s.get("crescendo_count"), s.get("decrescendo_count")
    if up is not None and down is not None:
        used.update({key + "crescendo_count": up, key + "decrescendo_count": down})
        if up or down:
            text += (f", with {_counted(up, 'crescendo', 'crescendi')} and "
                     f"{_counted(down, 'decrescendo', 'decrescendi')}")
        else:
            text += ", without a lasting crescendo or decrescendo"
    return _sentence(text + ".", used)


def _counted(n: float, one: str, many: str) -> str:
    """``no crescendo``, ``1 crescendo``, ``2 crescendi``."""
    n = int(n)
    return f"no {one}" if n == 0 else f"1 {one}" if n == 1 else f"{n} {many}"


def _when(a: dict[str, Any]) -> str:
    """An annotation's time as the session page's table writes it: ``0:31.5``, a range
    ``0:54.0–1:00.5``."""
    end = a.get("end")
    return format_time(a["t"]) + (f"–{format_time(end)}" if end is not None else "")


def _listed(anns: list[dict[str, Any]]) -> str:
    """The times of up to six annotations, ``…`` for more."""
    return ", ".join(_when(a) for a in anns[:6]) + (", …" if len(anns) > 6 else "")


def _annotations(annotations: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    every = list(annotations)
    # the therapist's own annotations (and confirmed suggestions) are counted and their tags
    # listed; the analysis's unconfirmed role suggestions are said apart, as waiting for review
    anns = [a for a in every if not unconfirmed(a)]
    waiting = len(every) - len(anns)
    said = "One role suggestion of the analysis is" if waiting == 1 else \
        f"{waiting} role suggestions of the analysis are"
    review = ([_sentence(f"{said} waiting for review.", {"role_suggestions": waiting})]
              if waiting else [])
    if not anns:
        return [_sentence("There are no markers or annotations.", {"annotations": 0})] + review
    marked = [a for a in anns if "marker" in a.get("tags", [])]
    # a marker is a moment; a marked stretch with an end is a range, not a marker
    points = [a for a in marked if a.get("end") is None]
    ranges = [a for a in marked if a.get("end") is not None]
    tags = Counter(t for a in anns for t in a.get("tags", []) if t != "marker")
    used = {"annotations": len(anns), "markers": [round(a["t"], 2) for a in points]}
    if ranges:
        used["marked_ranges"] = [[round(a["t"], 2), round(a["end"], 2)] for a in ranges]
    text = f"There {'is 1 annotation' if len(anns) == 1 else f'are {len(anns)} annotations'}"
    # markers are annotations: "3 annotations, 2 of them markers", not 5 things
    kinds = [(len(which), one, many, which)
             for one, many, which in (("a marker", "markers", points),
                                      ("a marked range", "marked ranges", ranges)) if which]
    if len(anns) == 1 and kinds:
        text += f", {kinds[0][1]} ({_listed(kinds[0][3])})"
    elif len(kinds) == 1 and len(marked) == len(anns):
        text += f", all {kinds[0][2]} ({_listed(kinds[0][3])})"
    elif len(marked) == len(anns):  # markers and marked ranges, nothing else
        text += ": " + " and ".join(f"{one if n == 1 else f'{n} {many}'} ({_listed(which)})"
                                    for n, one, many, which in kinds)
    elif kinds:
        said = [f"{n} {one if n == 1 else many} ({_listed(which)})"
                for n, one, many, which in kinds]
        said[0] = said[0].replace(" ", " of them ", 1)
        text += ", " + " and ".join(said)
    out = [_sentence(text + ".", used)] + review
    if tags:
        top = tags.most_common(6)
        out.append(_sentence("Tags: " + ", ".join(f"{t} ({n})" for t, n in top)
                             + (", …" if len(tags) > 6 else "") + ".", {"tags": dict(tags)}))
    return out


def _imitation(d: dict[str, Any]) -> list[dict[str, Any]]:
    """One sentence per direction in which a player took up the other's patterns (episodes
    that chance would rarely give, :mod:`analysis.dialogue.imitation`): how often."""
    s, name = d["summary"], d["name"]
    out = []
    for x, y in (d["pair"], d["pair"][::-1]):
        key = f"{x}_imitates_{y}"
        n = s.get(f"{key}_count")
        if not n:
            continue
        # how sure is said with the delay, a detail; here where no delay was measured
        sure = (" (each a match that chance alone would rarely give)"
                if s.get(f"{key}_lag_median_s") is None else "")
        out.append(_sentence(f"{x} took up {y}'s rhythms or melodies {_times(n)}{sure}.",
                             {f"{name}.{key}_count": n}))
    return out


def _imitation_lags(d: dict[str, Any]) -> list[dict[str, Any]]:
    """How long after the other a player took up their patterns (a detail of
    :func:`_imitation`), per direction with a measured delay."""
    s, name = d["summary"], d["name"]
    out = []
    for x, y in (d["pair"], d["pair"][::-1]):
        key = f"{x}_imitates_{y}"
        lag = s.get(f"{key}_lag_median_s")
        if not s.get(f"{key}_count") or lag is None:
            continue
        out.append(_sentence(f"{x} took up {y}'s patterns typically about {lag:.1f} s after "
                             f"{y} had played them, each time a match that chance alone would "
                             "rarely give.", {f"{name}.{key}_lag_median_s": lag}))
    return out


def _named(sentence: dict[str, Any], pair: Sequence[str]) -> dict[str, Any]:
    """A pair's sentence with both players named where it starts "They" or "When they" (the
    first sentence of a pair's part, which no earlier sentence names them in)."""
    a, b = pair
    text = sentence["text"]
    if text.startswith("They "):
        text = f"{a} and {b} " + text[len("They "):]
    elif text.startswith("When they "):
        text = f"When {a} and {b} " + text[len("When they "):]
    else:
        return sentence
    return _sentence(text, sentence["measures"])


def _pair_part(d: dict[str, Any], *, n_players: int = 2) -> dict[str, Any] | None:
    """A pair's part, labelled with the pair (``client & therapist``); None if nothing is told.

    The part opens with what tells a therapist most, in a few short sentences (``brief``:
    how many): how much they played together, whether they took turns, who led, who took up
    the other's patterns. The details follow: how much each played without the other, how
    long the turns were, the timing of notes played at once, how soon patterns were taken up.
    What each player played of the whole session is said once, under :data:`SESSION`."""
    brief = [x for x in (_together(d), _turns(d, n_players=n_players), _leader(d)) if x] \
        + _imitation(d)
    more = [x for x in (_apart(d, n_players=n_players), _turn_lengths(d), _synchrony(d))
            if x] + _imitation_lags(d)
    said = brief + more
    if not said:
        return None
    said[0] = _named(said[0], d["pair"])
    return {"label": " & ".join(d["pair"]), "sentences": said, "brief": len(brief) or len(said)}


def summary_groups(result: dict[str, Any], *,
                   annotations: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """A session's summary in labelled parts, each a few sentences with the measures they used.

    Parameters
    ----------
    result : dict
        An analysis result (:func:`improv.analyze.analyze_session`), with its dialogue for a
        session of several players.
    annotations : iterable of dict
        The session's current annotations (``t`` [seconds], ``tags``); their text is not used.

    Returns
    -------
    list of dict
        ``{"label": str, "sentences": [{"text": str, "measures": {name: value}}, ...],
        "brief": int}`` in reading order, parts without a sentence left out; ``brief``: how
        many of the part's first sentences tell it in short (the session page shows the rest
        behind "More"; all of a part but a pair's). :data:`SESSION` (length and players,
        a player with nothing to measure, how much each player played, once however many
        pairs it is in, long silences), then one part per pair labelled ``a & b`` (first:
        together, turn-taking, who led, who took up the other's patterns; then the details:
        how much each played without the other, turn lengths, synchrony, how soon patterns
        were taken up; its first sentence names both players, never "They"), :data:`TEMPO`
        (each player's tempo, and another input's tempo that counts the same pulse at another
        beat level, :func:`beat_level_sentences`), :data:`DYNAMICS`, and :data:`ANNOTATIONS`
        (markers, role suggestions waiting for review, tags).

    Examples
    --------
    >>> result = {"duration_s": 60.0, "players": {"client": {"status": "empty", "sources": {}}}}
    >>> [(g["label"], [s["text"] for s in g["sentences"]]) for g in summary_groups(result)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Session', ['The session lasted 1:00 with one player, client.',
                  'Client has nothing to measure (empty).']),
     ('Your annotations', ['There are no markers or annotations.'])]
    """
    session = [_length(result)]
    tempo, dynamics = [], []
    for player, entry in result.get("players", {}).items():
        found = _primary(entry)
        if found is None:
            session.append(_sentence(f"{player} has nothing to measure "
                                     f"({entry.get('status')}).",
                                     {f"{player}.status": entry.get("status")}))
            continue
        src, res = found
        tempo += [s for s in (_tempo(player, src, res["summary"]),
                              *beat_level_sentences(player, entry)) if s]
        said = _dynamics(player, src, res["summary"])
        dynamics += [said] if said else []
    session += [*_solo_amount(result), *_own_shares(result), *_silences(result)]
    n_players = len(result.get("players", {}))
    pairs = [part for part in (_pair_part(d, n_players=n_players)
                               for d in result.get("dialogue", [])) if part]
    groups = [{"label": SESSION, "sentences": session}, *pairs,
              {"label": TEMPO, "sentences": tempo}, {"label": DYNAMICS, "sentences": dynamics},
              {"label": ANNOTATIONS, "sentences": _annotations(annotations)}]
    return [{**g, "brief": g.get("brief", len(g["sentences"]))} for g in groups
            if g["sentences"]]


def summary_sentences(result: dict[str, Any], *,
                      annotations: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The sentences of a session's summary in one list, each with the measures it used.

    Parameters
    ----------
    result : dict
        An analysis result (:func:`improv.analyze.analyze_session`), with its dialogue for a
        session of several players.
    annotations : iterable of dict
        The session's current annotations (``t`` [seconds], ``tags``); their text is not used.

    Returns
    -------
    list of dict
        ``{"text": str, "measures": {name: value}}``: the sentences of
        :func:`summary_groups`, part after part (a pair's sentences together, after the
        sentence that names the pair).
    """
    return [s for g in summary_groups(result, annotations=annotations) for s in g["sentences"]]


def summary_html(groups: list[dict[str, Any]]) -> str:
    """A plain summary's labelled parts (:func:`improv.reports.summary_text.summary_groups`)
    as paragraphs, each led by its label in bold (``Session:``, ``client & therapist:``,
    ``Dynamics:``), for the session report and each session of the client report.

    Examples
    --------
    >>> summary_html([{"label": "client & therapist",
    ...                "sentences": [{"text": "Client played for 62 %.", "measures": {}}]}])
    '<p class=summary><b>client &amp; therapist:</b> Client played for 62 %.</p>'
    """
    from improv.reports.page import esc

    return "".join(f"<p class=summary><b>{esc(g['label'])}:</b> "
                   + esc(" ".join(x["text"] for x in g["sentences"])) + "</p>"
                   for g in groups)


def session_summary(store, session_id: str, *, use_cache: bool = True) -> dict[str, Any]:
    """Analyse (or read the cached analysis of) a stored session and summarise it.

    Returns
    -------
    dict
        ``session_id``, ``analysis_version``, ``text`` (the paragraph), ``sentences`` (see
        :func:`summary_sentences`) and ``groups`` (the same sentences in labelled parts, see
        :func:`summary_groups`).
    """
    from improv.analyze import analyze_session

    session = store.session(session_id)
    result = analyze_session(store, session.id, dialogue=len(session.players) >= 2,
                             use_cache=use_cache)
    groups = summary_groups(result, annotations=session.annotations())
    sentences = [s for g in groups for s in g["sentences"]]
    return {"session_id": session.id, "analysis_version": result.get("analysis_version"),
            "text": " ".join(s["text"] for s in sentences), "sentences": sentences,
            "groups": groups}

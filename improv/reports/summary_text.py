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

from improv.reports.summary_playing import (
    BEAT_LEVEL_TOL,
    BEAT_LEVELS,
    _input_name,
    beat_level_sentences,
    dynamics_sentence,
    part_pulse,
    primary,
    tempo_sentence,
)
from improv.reports.tag_words import tag_words
from improv.reports.wording import percent as _pct
from improv.reports.wording import sentence as _sentence
from improv.reports.wording import unconfirmed
from sessions.timefmt import format_time

__all__ = ["summary_groups", "summary_sentences", "summary_html", "session_summary",
           "SUMMARY_FORMAT", "SESSION", "TEMPO", "DYNAMICS", "ANNOTATIONS", "silent_stretches",
           "beat_level_sentences", "MIN_SILENT_S", "MIN_SILENT_SHARE", "BEAT_LEVELS",
           "BEAT_LEVEL_TOL", "recorded_spans", "part_label", "DETAIL_LEAD", "NO_SOUND_DBFS"]

#: The shape of the summary as the web app keeps it in a session's cache (a new number: answers
#: kept in an older shape are not served). 2: parts with a label each (:func:`summary_groups`);
#: 3: each part with ``brief`` (its first sentences that tell it in short), a player's share
#: of the time said once; 4: a recording that ends (starts) apart from the session said as
#: such, not as silence; technical caveats (beat levels) among the details; no "0 %"; 5: a
#: player's share of their recording, a pair's shares of the time both were recorded, where a
#: recording is shorter than the session (dialogue 1.8); 6: a stretch an input did not record
#: said, with the player's shares of their recording; an audio input that recorded no sound
#: (or no playing) said as such, not as a player who did not play (analysis 1.23.0).
SUMMARY_FORMAT = 6
#: The parts' labels (a pair's part is labelled with its players: ``client & therapist``).
SESSION, TEMPO, DYNAMICS, ANNOTATIONS = ("Session", "Tempo and pulse", "Dynamics",
                                         "Your annotations")
#: A player's silence is told when it lasts this long [seconds] ...
MIN_SILENT_S = 10.0
#: ... and covers at least this share of the session (a quarter: "a long stretch", not a
#: breath between phrases).
MIN_SILENT_SHARE = 0.25
#: Fewest paired onsets for the asynchrony to be told (fewer is chance).
MIN_PAIRS = 10
#: How a part's details are led in where they are shown apart from its first sentences (the
#: terminal, the session page, the reports).
DETAIL_LEAD = "In detail:"


def _m(**values: Any) -> dict[str, Any]:
    return dict(values)


def _t(seconds: float) -> str:
    return format_time(seconds, decimals=0)


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


def _short(recorded: dict[str, tuple[float, float]], player: str, duration: float) -> bool:
    """Whether ``player``'s recording (``recorded``: :func:`recorded_spans`) is shorter than the
    session by more than the dialogue's slack
    (:data:`analysis.dialogue.activity.RECORDED_SLACK`): the dialogue's shares of such a
    player are over the time recorded."""
    from analysis.dialogue.activity import RECORDED_SLACK

    if player not in recorded:
        return False
    lo, hi = recorded[player]
    return lo > RECORDED_SLACK or hi < duration - RECORDED_SLACK


def _gapped(result: dict[str, Any]) -> dict[str, list[tuple[float, float]]]:
    """The players whose inputs did not record stretches of the session at least
    :data:`analysis.dialogue.activity.RECORDED_SLACK` long in all (a device lost for a while;
    the result's ``not_recorded``, since analysis 1.23.0), with those stretches [seconds]:
    their measures are over the time recorded. A dropout of a few milliseconds is not told."""
    from analysis.dialogue.activity import RECORDED_SLACK

    out = {}
    for p, gaps in (result.get("not_recorded") or {}).items():
        g = [(float(a), float(b)) for a, b in gaps if b > a]
        if sum(b - a for a, b in g) >= RECORDED_SLACK:
            out[p] = g
    return out


#: An audio input whose loudest 10 ms stays under this [dBFS] the whole session recorded no
#: sound at all, not even a room's background (:data:`analysis.percussive.SOUNDING_DBFS`: the
#: converter's floor is -100 dBFS): a dead, muted or unplugged input.
NO_SOUND_DBFS = -90.0


def _silent_inputs(entry: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A player's audio inputs (source, summary) measured as silent throughout."""
    return [(src, res.get("summary", {})) for src, res in entry.get("sources", {}).items()
            if src.startswith("audio") and res.get("summary", {}).get("status") == "silent"]


def _no_input(result: dict[str, Any]) -> set[str]:
    """The players with nothing measured but audio inputs that recorded no sound at all
    (:data:`NO_SOUND_DBFS`): an equipment fault, whose shares of the time say nothing of the
    playing."""
    out = set()
    for p, entry in result.get("players", {}).items():
        silent = _silent_inputs(entry)
        if (primary(entry) is None and silent
                and all(s.get("peak_dbfs") is not None and s["peak_dbfs"] < NO_SOUND_DBFS
                        for _, s in silent)):
            out.add(p)
    return out


def _unheard(player: str, entry: dict[str, Any], *, noticed: dict[str, float]
             ) -> dict[str, Any] | None:
    """What a player's audio input that was measured as silent throughout tells, said as what
    the recording shows rather than as the player's silence (review 36): no sound at all
    (digital silence, under :data:`NO_SOUND_DBFS`) is an input fault; a room's background and
    nothing over it is no playing *heard* (a microphone may point elsewhere or be turned
    down). ``noticed``: players whose input the recording warned of while it ran
    (``{player: seconds from the start when it first said so}``, the result's
    ``no_sound_warned``). None for a player with something measured."""
    silent = _silent_inputs(entry)
    if primary(entry) is not None or not silent:
        return None
    sources = list(entry.get("sources", {}))
    names = [_input_name(src, sources) for src, _ in silent]
    which = f"{player}'s {' and '.join(names)}"
    peaks = [s.get("peak_dbfs") for _, s in silent]
    used = {f"{player}.{src}.status": "silent" for src, _ in silent}
    used.update({f"{player}.{src}.peak_dbfs": s.get("peak_dbfs") for src, s in silent})
    said = ""
    if player in noticed:
        used[f"no_sound_warned.{player}"] = noticed[player]
        said = (" This was noticed while recording: improv warned of it "
                f"{_t(noticed[player])} after the start.")
    if peaks and all(v is not None and v < NO_SOUND_DBFS for v in peaks):
        return _sentence(
            f"No sound reached improv from {which} (it recorded silence from start to end, "
            "not even the room's background): check the input; this is not a measure of the "
            f"playing.{said}", used)
    loudest = max((v for v in peaks if v is not None), default=None)
    level = ("" if loudest is None else
             f" (its loudest moment was {-loudest:.0f} dB below the loudest the recording can "
             "hold)")
    return _sentence(
        f"No playing was heard from {which}: it recorded only quiet background{level}. If "
        f"{player} played, check where the microphone points and how far its level is turned "
        f"up.{said}", used)


def _stretch(a: float, b: float, *, dur: float) -> str:
    """A stretch ``a``..``b`` [seconds] of a session ``dur`` long, at whole seconds: ``from
    0:15 to 0:40``, ``from 0:15 to the end``; one whose ends read the same is a moment with
    its length, ``for a moment (0.2 s) at 0:03`` (review rev-pulse, finding 6: "from 0:03 to
    0:03")."""
    from sessions.gap_words import moment_length

    to_end = b >= dur - 0.5
    if _t(a) != _t(dur if to_end else b):
        return f"from {_t(a)} to the end" if to_end else f"from {_t(a)} to {_t(b)}"
    length = moment_length(max(0.0, min(b, dur) - a))
    return f"for a moment ({length}) at the end" if to_end else \
        f"for a moment ({length}) at {_t(a)}"


def _not_recorded(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One sentence per player whose input did not record a stretch of the session (a device
    lost for a while, :func:`_gapped`): when, and that their shares are of the time recorded.
    """
    dur = result.get("duration_s") or 0.0
    out = []
    for p, gaps in _gapped(result).items():
        midi = "midi" in (result.get("players", {}).get(p, {}).get("sources") or {})
        what, why = (("MIDI instrument", "it was lost") if midi
                     else ("microphone", "it was lost or dropped out"))
        total = sum(b - a for a, b in gaps)
        if len(gaps) <= 3:
            when = " and ".join(_stretch(a, b, dur=dur) for a, b in gaps)
        else:
            when = f"in {len(gaps)} stretches, {_t(total)} in all"
        out.append(_sentence(
            f"Nothing was recorded from {p}'s {what} {when} ({why}): {p}'s measures are of "
            f"the {_t(max(0.0, dur - total))} that was recorded.",
            {f"{p}.not_recorded": [[round(a, 2), round(b, 2)] for a, b in gaps]}))
    return out


def _own_shares(result: dict[str, Any], *,
                recorded: dict[str, tuple[float, float]] | None = None) -> list[dict[str, Any]]:
    """How much each player of a session of several played, said once for all players (a
    player's share of the time is the same in every pair it is in: the pair's activity is the
    player's own notes over the session, :func:`analysis.dialogue.activity.analyze_activity`),
    so that a trio's pair parts do not say it twice. The sentence names every pair's measure
    of it. A player whose recording is shorter than the session (``recorded``) played for a
    share of their recording (since dialogue 1.8)."""
    recorded = recorded or {}
    dur = result.get("duration_s") or 0.0
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
    gaps, dead = _gapped(result), _no_input(result)
    used = {k: v for k, v in used.items() if k.rsplit(".", 1)[1][:-len("_active_share")]
            not in dead}
    said = [f"{p} for {_pct(v)}"
            f"{' of their recording' if _short(recorded, p, dur) or p in gaps else ''}"
            for p, v in shares.items() if p not in dead]
    if len(said) < 2:
        return [_sentence(said[0].replace(" for ", " played for ", 1)
                          + ("" if said[0].endswith(" of their recording") else " of the time")
                          + ".", used)] if said else []
    first = said[0].replace(" for ", " played for ", 1)
    first += "" if first.endswith(" of their recording") else " of the time"
    if len(said) == 2:
        text = f"{first} and {said[1]}."
    else:
        text = f"{first}, {', '.join(said[1:-1])} and {said[-1]}."
    return [_sentence(text, used)]


#: The time a pair's shares are of: the session, or (since dialogue 1.8, where a recording of
#: either is shorter than the session) the time both were recorded.
OF_THE_TIME, OF_SHARED_TIME = "of the time", "of the time both were recorded"


def _together(d: dict[str, Any], *, of: str = OF_THE_TIME) -> dict[str, Any] | None:
    """How much of the time (``of``) the pair played together (the part's opening)."""
    joint = d["summary"].get("joint_share")
    if joint is None:
        return None
    return _sentence(f"They played together for {_pct(joint)} {of}.",
                     {f"{d['name']}.joint_share": joint})


def _apart(d: dict[str, Any], *, n_players: int, of: str = OF_THE_TIME) -> dict[str, Any] | None:
    """How much each player of a pair played without the other, and how much neither played:
    in a duet "alone" and "both were silent"; with more players "without" the other and
    "neither of them played", as a third player may have played then. ``of``: the time the
    shares are of."""
    s, name = d["summary"], d["name"]
    a, b = d["pair"]
    solo_a, solo_b, silent = s.get(f"{a}_solo_share"), s.get(f"{b}_solo_share"), \
        s.get("silent_share")
    if None in (solo_a, solo_b, silent):
        return None
    used = {f"{name}.{a}_solo_share": solo_a, f"{name}.{b}_solo_share": solo_b,
            f"{name}.silent_share": silent}
    duet = n_players <= 2
    # a share under half a per cent is left out: "0 %" tells nothing, and the turns said
    # (the part's first sentences) whether either played alone for a second or more
    said = [f"{x} played {'alone' if duet else f'without {y}'} for {_pct(v)}"
            for x, y, v in ((a, b, solo_a), (b, a, solo_b)) if _pct(v) != "0 %"]
    if len(said) == 2:
        said[1] = said[1].replace(" played", "", 1)
    if said:
        said[0] += f" {of}"
    if _pct(silent) != "0 %":
        neither = "both were silent" if duet else "neither of them played"
        said.append(f"{neither} for {_pct(silent)}{'' if said else f' {of}'}")
    if not said:
        return None
    text = " and ".join(said) if len(said) < 3 else f"{said[0]}, {said[1]}, and {said[2]}"
    return _sentence(text + ".", used)


def _solo_amount(result: dict[str, Any]) -> list[dict[str, Any]]:
    """How much the one player of a solo session played (from its silence)."""
    if len(result.get("players", {})) != 1:
        return []
    (player, entry), = result["players"].items()
    found = primary(entry)
    if not (found and found[1]["summary"].get("silence_share") is not None):
        return []
    src, res = found
    silence = res["summary"]["silence_share"]
    return [_sentence(f"{player} played for {_pct(1 - silence)} of the time.",
                      {f"{player}.{src}.silence_share": silence})]


def recorded_spans(manifest: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """When each player's recording runs in the session [seconds], where that is shorter than
    the session: a player recorded by microphones or audio files only (no MIDI input, which
    runs for the whole session) is recorded from the first of them starting (``t0``) to the
    last ending (``t0`` + its length).

    Parameters
    ----------
    manifest : dict
        The session's ``session.json``.

    Returns
    -------
    dict
        ``{player: (start, end)}`` [seconds of session time], only for players whose recording
        starts after the session or ends before it.

    Examples
    --------
    >>> recorded_spans({"duration_s": 210.0, "midi": {"ports": [{"player": "client"}]},
    ...     "audio": [{"t0": 5.0, "frames": 577320, "sr": 44100, "players": {"therapist": [1]}}]})
    {'therapist': (5.0, 18.09...)}
    """
    dur = float(manifest.get("duration_s") or 0.0)
    on_midi = {p.get("player") for p in (manifest.get("midi") or {}).get("ports", [])}
    spans: dict[str, tuple[float, float]] = {}
    for a in manifest.get("audio", []):
        if not a.get("sr"):
            continue
        t0 = float(a.get("t0") or 0.0)
        end = t0 + float(a.get("frames") or 0) / float(a["sr"])
        for p in a.get("players", {}):
            lo, hi = spans.get(p, (t0, end))
            spans[p] = (min(lo, t0), max(hi, end))
    return {p: (lo, hi) for p, (lo, hi) in spans.items()
            if p not in on_midi and (lo > 0.0 or hi < dur)}


def _silences(result: dict[str, Any], *,
              recorded: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """Long silences of one player while the session goes on (from the dialogue curves),
    within the player's recording (``recorded``: :func:`recorded_spans`); where the
    recording itself starts late or ends early by as long, that is said instead: improv does
    not know what the player did outside it."""
    dur = result.get("duration_s") or 0.0
    window = result.get("window_s") or 0.0
    least = max(MIN_SILENT_S, MIN_SILENT_SHARE * dur)
    out, told = [], set()
    for d in result.get("dialogue", []):
        for p in d["pair"]:
            curve = d.get("curves", {}).get(f"{p}_active")
            if p in told or not curve:
                continue
            if _silent_inputs(result.get("players", {}).get(p, {})) and primary(
                    result.get("players", {}).get(p, {})) is None:
                continue  # nothing heard from the input: said as such (_unheard), no silence
            told.add(p)
            lo, hi = recorded.get(p, (0.0, dur))
            lo, hi = (lo, hi) if lo >= least else (0.0, hi)  # a late start of a few seconds
            hi = hi if dur - hi >= least else dur  # ... and an early end are not told
            if lo > 0.0 or hi < dur:
                text = f"the recording of {p} {'starts at ' + _t(lo) if lo > 0.0 else ''}"
                if hi < dur:
                    text += (f"{' and ' if lo > 0.0 else ''}ends at {_t(hi)} (the session goes "
                             f"on to {_t(dur)})")
                out.append(_sentence(text + ".", {f"{p}.recorded": [round(lo, 2), round(hi, 2)]}))
            for start, end in silent_stretches(curve["times"], curve["values"], window_s=window,
                                               duration_s=dur):
                start, end = max(start, lo), min(end, hi)  # outside it nothing is known
                if end - start < least:
                    continue
                if start <= lo and end >= hi:
                    text = f"{p} did not play{' in it' if (lo, hi) != (0.0, dur) else ''}."
                elif start <= lo:
                    text = f"{p} did not play until {_t(end)}."
                elif end >= hi:
                    text = (f"{p} stopped playing at {_t(start)} and was silent to the end"
                            f"{' of the recording' if hi < dur else ''}.")
                else:
                    text = f"{p} was silent from {_t(start)} to {_t(end)}."
                out.append(_sentence(text, {f"{d['name']}.{p}_active": [start, end]}))
    return out


def _room_noise(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Where the room's background noise under a player's microphone raised the threshold
    under which the analysis counts a stretch as a pause (analysis 1.20.0,
    :func:`analysis.audio.noise_gate`), one sentence for that player saying so, in dB below
    the loudest the recording can hold as :func:`dynamics_sentence` says a level; nothing
    where the threshold stayed at :data:`analysis.audio.SILENCE_DBFS` (since 1.21.0)."""
    from analysis.audio import SILENCE_DBFS

    out = []
    for player, entry in result.get("players", {}).items():
        found = primary(entry)
        if found is None or not found[0].startswith("audio"):
            continue
        src, res = found
        s = res["summary"]
        gate, floor = s.get("silence_gate_dbfs"), s.get("noise_floor_dbfs")
        if gate is None or floor is None or gate <= SILENCE_DBFS:
            continue
        key = f"{player}.{src}."
        out.append(_sentence(
            f"The room's background noise in the recording of {player} was high (about "
            f"{-floor:.0f} dB below the loudest the recording can hold), so stretches more "
            f"than {-gate:.0f} dB below the loudest were counted as pauses: softer playing "
            "counts in a quieter room, or with the microphone closer to the instrument.",
            {key + "noise_floor_dbfs": floor, key + "silence_gate_dbfs": gate}))
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


def _hardly(share: float) -> str:
    """A share that shows as "0 %" in words: ``never`` (none), ``hardly ever``."""
    return "never" if share == 0 else "hardly ever"


def _each_led(shares: dict[str, float], pair: Sequence[str]) -> str:
    """How much of the time each of a pair led, a share under half a per cent in words:
    ``a led 30 % of the time, b 5 %``, ``a led 1 % of the time, b never``."""
    zero = [p for p in pair if _pct(shares[p]) == "0 %"]
    if len(zero) == 2:
        return "neither led for even 1 % of the time"
    if zero:
        (y,), (x,) = zero, [p for p in pair if p not in zero]
        return f"{x} led {_pct(shares[x])} of the time, {y} {_hardly(shares[y])}"
    a, b = pair
    return f"{a} led {_pct(shares[a])} of the time, {b} {_pct(shares[b])}"


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
        first, second, hi, lo = ((leader, other, mine, theirs) if mine >= theirs
                                 else (other, leader, theirs, mine))
        # the windows leaning the other way: both are said, neither hidden
        then = "and " if mine >= theirs else "but over the whole session "
        if _pct(hi) == "0 %":
            often = "neither led for even 1 % of the time, but over the whole session "
        elif mine == theirs:
            often = f"{leader} and {other} each led {_pct(mine)} of the time, and over the session "
        elif _pct(lo) == "0 %":  # not "against 0 %": the other never led
            often = f"{first} led for {_pct(hi)} of the time ({second} {_hardly(lo)} did), {then}"
        else:
            often = (f"{first} led more often than {second} ({_pct(hi)} of the time against "
                     f"{_pct(lo)}), {then}")
        return _sentence(f"{opening}{often}{why or f'{leader} led'}{sure}.", used)
    if leader == "together":
        if weighed:
            a, b = d["pair"]
            return _sentence(f"They moved together ({_pct(together)} of the time); neither "
                             f"player led ({_each_led(shares, d['pair'])}).", used)
        return _sentence("They moved together; neither player led.", used)
    if leader == "shared":
        if weighed:
            a, b = d["pair"]
            return _sentence(f"They took turns leading ({_each_led(shares, d['pair'])}; "
                             f"together {_pct(together)}).", used)
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
            # a minute or more as the session's length is written ("3:10"), not "190 s"
            lengths.append(f"{p}'s {'turn' if n == 1 else 'turns'} "
                           f"{'lasted' if n == 1 else 'lasted on average'} "
                           f"{_t(mean) if round(mean) >= 60 else f'{mean:.0f} s'}")
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


def _when(a: dict[str, Any]) -> str:
    """An annotation's time as the session page's table writes it: ``0:31.5``, a range
    ``0:54.0–1:00.5``; one whose ends read the same as its start, ``0:31.5``."""
    start, end = format_time(a["t"]), a.get("end")
    return start + (f"–{format_time(end)}" if end is not None and format_time(end) != start
                    else "")


def _listed(anns: list[dict[str, Any]]) -> str:
    """The times of up to six annotations, ``…`` for more."""
    return ", ".join(_when(a) for a in anns[:6]) + (", …" if len(anns) > 6 else "")


def _live_note(a: dict[str, Any]) -> bool:
    """Whether annotation ``a`` is a note typed while recording ("Note at this moment", the
    terminal's note key): written by the recording (``source``) and tagged ``note``."""
    return a.get("source") == "recording" and "note" in a.get("tags", [])


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
    # a marker is a moment; a marked stretch with an end is a range, not a marker; a note
    # typed in "Note at this moment" while recording is a note written while recording (it
    # read "one other annotation ... Tags: note (1)": review rev-pulse, finding 7); the rest
    # (tagged or written, without the tag "marker") are the other annotations
    points = [a for a in marked if a.get("end") is None]
    ranges = [a for a in marked if a.get("end") is not None]
    unmarked = [a for a in anns if "marker" not in a.get("tags", [])]
    notes = [a for a in unmarked if _live_note(a)]
    others = [a for a in unmarked if not _live_note(a)]
    # the tag "note" of a note written while recording is what it is called: not listed again
    tags = Counter(t for a in anns for t in a.get("tags", [])
                   if t != "marker" and not (t == "note" and _live_note(a)))
    used = {"annotations": len(anns), "markers": [round(a["t"], 2) for a in points]}
    if ranges:
        used["marked_ranges"] = [[round(a["t"], 2), round(a["end"], 2)] for a in ranges]
    if notes:
        used["notes_while_recording"] = [round(a["t"], 2) for a in notes]
    text = f"There {'is 1 annotation' if len(anns) == 1 else f'are {len(anns)} annotations'}"
    # markers are annotations: "3 annotations: 2 markers and one other annotation", not 5
    # things; each annotation is in one of the parts (a fourth, neither marker nor marked
    # range, was left unsaid: "4 annotations, 2 of them markers ... and 1 a marked range")
    kinds = [(len(which), one, many, which)
             for one, many, which in (("marker", "markers", points),
                                      ("marked range", "marked ranges", ranges),
                                      ("note written while recording",
                                       "notes written while recording", notes),
                                      ("other annotation", "other annotations", others))
             if which]
    named = marked or notes
    if len(anns) == 1 and named:
        text += f", a {kinds[0][1]} ({_listed(kinds[0][3])})"
    elif len(kinds) == 1 and named:
        text += f", all {kinds[0][2]} ({_listed(kinds[0][3])})"
    elif named:  # of two to four kinds
        said = [f"{'one ' + one if n == 1 else f'{n} {many}'} ({_listed(which)})"
                for n, one, many, which in kinds]
        text += ": " + (", ".join(said[:-1]) + " and " + said[-1])
    out = [_sentence(text + ".", used)] + review
    if tags:
        top = tags.most_common(6)
        out.append(_sentence("Tags: " + ", ".join(f"{tag_words(t)} ({n})" for t, n in top)
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
        out.append(_sentence(f"{x} took up {y}'s rhythms or melodies typically about "
                             f"{lag:.1f} s after {y} had played them, each time a match that "
                             "chance alone would rarely give.",
                             {f"{name}.{key}_lag_median_s": lag}))
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


def _pair_part(d: dict[str, Any], *, n_players: int = 2,
               shared: bool = False) -> dict[str, Any] | None:
    """A pair's part, labelled with the pair (``client & therapist``); None if nothing is told.

    The part opens with what tells a therapist most, in a few short sentences (``brief``:
    how many): how much they played together, whether they took turns, who led, who took up
    the other's patterns. The details follow: how much each played without the other, how
    long the turns were, the timing of notes played at once, how soon patterns were taken up.
    What each player played of the whole session is said once, under :data:`SESSION`.
    ``shared``: a recording of either is shorter than the session, so the pair's shares are
    of the time both were recorded (:data:`OF_SHARED_TIME`)."""
    of = OF_SHARED_TIME if shared else OF_THE_TIME
    brief = [x for x in (_together(d, of=of), _turns(d, n_players=n_players), _leader(d)) if x] \
        + _imitation(d)
    more = [x for x in (_apart(d, n_players=n_players, of=of), _turn_lengths(d),
                        _synchrony(d)) if x] + _imitation_lags(d)
    said = brief + more
    if not said:
        return None
    said[0] = _named(said[0], d["pair"])
    return {"label": " & ".join(d["pair"]), "sentences": said, "brief": len(brief) or len(said)}


def summary_groups(result: dict[str, Any], *, annotations: Iterable[dict[str, Any]] = (),
                   recorded: dict[str, tuple[float, float]] | None = None
                   ) -> list[dict[str, Any]]:
    """A session's summary in labelled parts, each a few sentences with the measures they used.

    Parameters
    ----------
    result : dict
        An analysis result (:func:`improv.analyze.analyze_session`), with its dialogue for a
        session of several players.
    annotations : iterable of dict
        The session's current annotations (``t`` [seconds], ``tags``); their text is not used.
    recorded : dict, optional
        When the recording of a player runs where it is shorter than the session,
        ``{player: (start, end)}`` [seconds] (:func:`recorded_spans` of the session's
        manifest): a silence outside it is said as the recording's start or end, not as the
        player's silence. None: every player is recorded throughout.

    Returns
    -------
    list of dict
        ``{"label": str, "sentences": [{"text": str, "measures": {name: value}}, ...],
        "brief": int}`` in reading order, parts without a sentence left out; ``brief``: how
        many of the part's first sentences tell it in short (the session page shows the rest
        behind "More"; all of a part but a pair's and Tempo and pulse's). :data:`SESSION`
        (length and players, a player with nothing to measure or whose microphone recorded
        no sound or no playing (:func:`_unheard`), how much each player played, once however
        many pairs it is in, the stretches an input did not record (the result's
        ``not_recorded``), long silences, a recording that starts late or ends early, a room
        whose background noise raised the threshold of a pause),
        then one part per pair labelled ``a & b`` (first: together,
        turn-taking, who led, who took up the other's patterns; then the details: how much
        each played without the other, turn lengths, synchrony, how soon patterns were taken
        up; its first sentence names both players, never "They"), :data:`TEMPO` (each
        player's tempo; then, as its details, another input's tempo that counts the same pulse
        at another beat level, :func:`beat_level_sentences`), :data:`DYNAMICS`, and
        :data:`ANNOTATIONS`
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
    noticed = dict(result.get("no_sound_warned") or {})
    tempo, levels, dynamics = [], [], []
    explained = False  # why a pulse clear part of the time has no single tempo: said once
    for player, entry in result.get("players", {}).items():
        found = primary(entry)
        if found is None:
            session.append(_unheard(player, entry, noticed=noticed) or _sentence(
                f"{player} has nothing to measure ({entry.get('status')}).",
                {f"{player}.status": entry.get("status")}))
            continue
        src, res = found
        told = tempo_sentence(player, src, res["summary"], explain=not explained)
        explained = explained or part_pulse(res["summary"])
        tempo += [told] if told else []
        levels += beat_level_sentences(player, entry)
        said = dynamics_sentence(player, src, res["summary"])
        dynamics += [said] if said else []
    recorded = recorded or {}
    session += [*_solo_amount(result), *_own_shares(result, recorded=recorded),
                *_not_recorded(result), *_silences(result, recorded=recorded),
                *_room_noise(result)]
    n_players = len(result.get("players", {}))
    dur = result.get("duration_s") or 0.0
    gapped, dead = _gapped(result), _no_input(result)
    # a pair with an input that recorded no sound at all has no dialogue to tell: its shares
    # would read the fault as one player playing alone
    pairs = [part for part in (
        _pair_part(d, n_players=n_players,
                   shared=any(_short(recorded, p, dur) or p in gapped for p in d["pair"]))
        for d in result.get("dialogue", []) if not dead & set(d["pair"])) if part]
    groups = [{"label": SESSION, "sentences": session}, *pairs,
              {"label": TEMPO, "sentences": tempo + levels, "brief": len(tempo) or len(levels)},
              {"label": DYNAMICS, "sentences": dynamics},
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


def part_label(label: str) -> str:
    """A part's label as it is shown, with a capital like the others: ``Client & therapist``
    for the pair ``client & therapist`` (the label itself stays as the players are named)."""
    return label[:1].upper() + label[1:]


def summary_html(groups: list[dict[str, Any]]) -> str:
    """A plain summary's labelled parts (:func:`improv.reports.summary_text.summary_groups`)
    as paragraphs, each led by its label in bold (``Session:``, ``Client & therapist:``,
    ``Dynamics:``), a part's details (after its ``brief`` sentences) in a paragraph of their
    own led by "In detail:", for the session report and each session of the client report.

    Examples
    --------
    >>> summary_html([{"label": "client & therapist", "brief": 1, "sentences": [
    ...     {"text": "They played together.", "measures": {}},
    ...     {"text": "Client played alone for 5 %.", "measures": {}}]}])
    ... # doctest: +NORMALIZE_WHITESPACE
    '<p class=summary><b>Client &amp; therapist:</b> They played together.</p><p
    class="summary summary-detail"><i>In detail:</i> Client played alone for 5 %.</p>'
    """
    from improv.reports.page import esc

    out = []
    for g in groups:
        n = g.get("brief", len(g["sentences"]))
        said = [" ".join(x["text"] for x in part)
                for part in (g["sentences"][:n], g["sentences"][n:])]
        out.append(f"<p class=summary><b>{esc(part_label(g['label']))}:</b> {esc(said[0])}</p>")
        if said[1]:
            out.append(f'<p class="summary summary-detail"><i>{DETAIL_LEAD}</i> '
                       f"{esc(said[1])}</p>")
    return "".join(out)


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
    groups = summary_groups(result, annotations=session.annotations(),
                            recorded=recorded_spans(session.manifest))
    sentences = [s for g in groups for s in g["sentences"]]
    return {"session_id": session.id, "analysis_version": result.get("analysis_version"),
            "text": " ".join(s["text"] for s in sentences), "sentences": sentences,
            "groups": groups}

"""The parts of a session's plain summary about each player's own playing: *Tempo and pulse*
(a player's tempo and how steady it was, and another input of the player that counts the same
pulse at another beat level) and *Dynamics* (how loud, crescendi and decrescendi), each from
the input the summary reads (:func:`primary`: MIDI first). :mod:`improv.reports.summary_text`
puts them in their parts."""

from __future__ import annotations

from typing import Any

from analysis.beats import CLEAR_SHARE
from improv.reports.labels import OFTEN_PULSED, OFTEN_PULSED_SHARE
from improv.reports.wording import percent, sentence

__all__ = ["primary", "tempo_sentence", "part_pulse", "beat_level_sentences", "dynamics_sentence",
           "BEAT_LEVELS", "BEAT_LEVEL_TOL", "STEADY", "FAIRLY_STEADY", "TEMPO_SPREAD",
           "SOFT_VELOCITY", "LOUD_VELOCITY"]

#: Tempo stability (0-1) from which the tempo reads "steady", and "fairly steady".
STEADY, FAIRLY_STEADY = 0.8, 0.5
#: The tempo range is told when the fastest window is this much faster than the slowest (10 %).
TEMPO_SPREAD = 0.10
#: Ratios between two tempi of one player that are one pulse counted at another beat level
#: (the whole-number ratios of MIREX's Acc2, :data:`analysis.level_fold.LEVEL_FACTORS`), with how a
#: sentence says the ratio and the beats: (ratio of the other input's tempo to the reference's,
#: "at ... the MIDI tempo", "counted in ... beats").
BEAT_LEVELS = ((0.5, "half", "longer"), (2.0, "twice", "shorter"),
               (1 / 3, "a third of", "longer"), (3.0, "three times", "shorter"))
#: How near [fraction] a ratio must come to one of :data:`BEAT_LEVELS`: 4 %, the tolerance
#: within which MIREX's tempo accuracy (Acc1, Acc2; Gouyon et al. 2006) counts two tempi as one.
BEAT_LEVEL_TOL = 0.04
#: Mean MIDI velocity (0-127) below which playing reads "soft", and from which it reads
#: "loud" (the usual p/mf/f thresholds of notation software: 49 and 80).
SOFT_VELOCITY, LOUD_VELOCITY = 49, 80


def primary(entry: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The source a player's sentences use: MIDI first, then audio; one that was measured."""
    sources = entry.get("sources", {})
    for prefix in ("midi", "audio"):
        for name, res in sources.items():
            if name.startswith(prefix) and res.get("summary", {}).get("status") == "ok":
                return name, res
    return None


def _tempo_range(s: dict[str, Any], key: str, used: dict[str, Any]) -> str | None:
    """"between lo and hi" [BPM] where the windows' tempo spreads over more than
    :data:`TEMPO_SPREAD`, noting the two measures in ``used``; else None."""
    lo, hi = s.get("tempo_bpm_min"), s.get("tempo_bpm_max")
    if not (lo and hi and hi > lo * (1 + TEMPO_SPREAD)):
        return None
    used.update({key + "tempo_bpm_min": lo, key + "tempo_bpm_max": hi})
    return f"between {lo:.0f} and {hi:.0f}"


def part_pulse(s: dict[str, Any]) -> bool:
    """Whether :func:`tempo_sentence` tells the summary ``s`` as a clear pulse part of the
    time (under :data:`analysis.beats.CLEAR_SHARE` of the playing) with no single tempo."""
    share = s.get("pulsed_share")
    return bool(not s.get("tempo_bpm") and s.get("pulse") == "intermittent"
                and s.get("tempo_bpm_tentative") and share is not None and share < CLEAR_SHARE)


def tempo_sentence(player: str, src: str, s: dict[str, Any], *,
                   explain: bool = True) -> dict[str, Any] | None:
    """A player's tempo [BPM] and how steady it was, from the summary ``s`` of the input
    ``src``; for a pulse that came and went, how much of the time it was clear, its rough
    tempo and range, and that the session has no single tempo (as the course charts say it:
    why, unless ``explain`` is false, where a sentence before said it: "... and no single
    tempo either"); "without a clear pulse"; None where nothing can be said (a clip too
    short)."""
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
                return sentence(f"{player} played with a pulse for most of the time they "
                                f"played ({percent(share)}), but no single tempo fits it "
                                f"(nearest: about {tentative:.0f} BPM"
                                f"{'; ' + span if span else ''}).", used)
            # a clear pulse part of the time gives the session no single tempo: the course
            # charts have none for it ("no single tempo (a clear pulse only part of the time)",
            # improv.reports.trend_plots.gap_words), and the sentence says why, with the range
            # a number "around 69 BPM" would hide (93 -> 48 BPM in review rev-months, 2); the
            # range is the pulsed windows', which the rough tempo may lie outside
            when = OFTEN_PULSED if share >= OFTEN_PULSED_SHARE else "only at times"
            span = _tempo_range(s, key, used)
            return sentence(f"{player} had a clear pulse {when} ({percent(share)} of the "
                            f"time they played), around {tentative:.0f} BPM"
                            f"{' (where it was clear, ' + span + ' BPM)' if span else ''}, "
                            + (f"but no single tempo for the session: that takes a clear pulse "
                               f"{percent(CLEAR_SHARE)} of the time." if explain
                               else "and no single tempo either."), used)
        if pulse in ("none", "rare"):
            return sentence(f"{player} played without a clear pulse.", {key + "pulse": pulse})
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
    return sentence(text + ".", used)


def _told_tempo(s: dict[str, Any]) -> tuple[str, float] | None:
    """The tempo a source's summary stands for, as :func:`tempo_sentence` tells it: (its key,
    BPM) of a clear pulse's tempo, else of an intermittent pulse's tentative one; None without
    either (no pulse, or one so rare that its tempo may be chance)."""
    if s.get("status") != "ok" or s.get("pulse") in ("none", "rare"):
        return None
    if s.get("tempo_bpm"):
        return "tempo_bpm", s["tempo_bpm"]
    if s.get("pulse") == "intermittent" and s.get("tempo_bpm_tentative"):
        return "tempo_bpm_tentative", s["tempo_bpm_tentative"]
    return None


def _input_name(source: str, sources: list[str]) -> str:
    """A player's input in a sentence: ``MIDI``, ``microphone``, or ``microphone 2`` for the
    second of a player's several audio inputs (``audio:<input>``): never the input's own name,
    which may be a file named after a person (as :func:`improv.reports.labels.input_name`).

    >>> _input_name("audio:anna", ["midi", "audio:room", "audio:anna"])
    'microphone 2'
    """
    if source == "midi":
        return "MIDI"
    audio = [x for x in sources if x.startswith("audio:")]
    return f"microphone {audio.index(source) + 1}" if source in audio else "microphone"


def beat_level_sentences(player: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Sentences for a player's inputs whose tempi are one pulse counted at another beat level.

    The input the summary reads (:func:`primary`: MIDI first) is the reference; every other
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
    found = primary(entry)
    ref = _told_tempo(found[1]["summary"]) if found else None
    if ref is None:
        return []
    ref_src, (ref_key, ref_bpm) = found[0], ref
    sources = list(entry.get("sources", {}))
    of_ref = ("the MIDI tempo" if ref_src == "midi"
              else f"the tempo of the {_input_name(ref_src, sources)}")
    out = []
    for src, res in entry.get("sources", {}).items():
        told = _told_tempo(res.get("summary", {})) if src != ref_src else None
        if told is None:
            continue
        key, bpm = told
        for ratio, times, beats in BEAT_LEVELS:
            if abs(bpm / ref_bpm / ratio - 1.0) <= BEAT_LEVEL_TOL:
                out.append(sentence(
                    f"The {_input_name(src, sources)} counts {player}'s beat at {times} {of_ref} "
                    f"(about {bpm:.0f} against {ref_bpm:.0f} BPM): the same pulse, counted in "
                    f"{beats} beats.",
                    {f"{player}.{src}.{key}": bpm, f"{player}.{ref_src}.{ref_key}": ref_bpm}))
                break
    return out


def dynamics_sentence(player: str, src: str, s: dict[str, Any]) -> dict[str, Any] | None:
    """How loud a player played (MIDI velocity in words with its value; a microphone's mean
    level as dB below the loudest the recording holds, not "dBFS") and their lasting
    crescendi and decrescendi, from the summary ``s`` of the input ``src``; None without
    either level."""
    key = f"{player}.{src}."
    if s.get("velocity_mean") is not None:
        v = s["velocity_mean"]
        word = "softly" if v < SOFT_VELOCITY else "loudly" if v >= LOUD_VELOCITY else "moderately"
        used = {key + "velocity_mean": v}
        text = f"{player} played {word} (mean velocity {v:.0f} of 127)"
    elif s.get("level_dbfs_mean") is not None:
        used = {key + "level_dbfs_mean": s["level_dbfs_mean"]}
        below = -s["level_dbfs_mean"]
        text = (f"{player}'s sound was on average {below:.0f} dB below the loudest the "
                "recording can hold" if round(below) > 0
                else f"{player}'s sound was on average at the loudest the recording can hold")
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
    return sentence(text + ".", used)


def _counted(n: float, one: str, many: str) -> str:
    """``no crescendo``, ``1 crescendo``, ``2 crescendi``."""
    n = int(n)
    return f"no {one}" if n == 0 else f"1 {one}" if n == 1 else f"{n} {many}"

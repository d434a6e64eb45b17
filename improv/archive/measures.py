"""Measure names and definitions as the exported tables have them.

Tidy dialogue measures
----------------------
The analysis names a pair's measures after the players (``client_leads_share``,
``client_imitates_therapist_per_min``: :data:`analysis.features.FEATURES` templates with
``{x}`` and ``{y}``). In the export the measure is the template without the players
(``leads_share``, ``imitates_per_min``) and the player it is about goes into the ``player``
column; for imitation that is the player who imitates (the one imitated is the pair's other
player). A role stays in the name (``role_leader_share``): roles are a fixed list. A measure of
the pair (``joint_share``, ``lead_lag_s``) has no player.

Curve definitions
-----------------
A feature that is a curve and a session value has one definition in the feature list, and it
is the session's ("global tempo"). The curves' dictionary needs what one window's value is:
:data:`PER_WINDOW` says it here (analysis/ has one definition per feature), and
``tests/improv/test_archive_dataset.py`` fails when the feature list gains a curve that is
also a session value without a per-window definition here.
"""

from __future__ import annotations

import functools
import re

__all__ = ["PER_WINDOW", "DIALOGUE_CURVE_NAMES", "split_dialogue", "tidy_name",
           "dialogue_definition", "curve_definition"]

#: One window's value of each feature that is both a curve and a session value, and of a few
#: curves whose definition does not say it is the window's (feature name or template ->
#: definition); ``{x}`` is "the player", as in the export's ``player``.
PER_WINDOW: dict[str, str] = {
    "tempo_bpm": "tempo of the playing in the window; empty where the window has no clear pulse",
    "pulse_clarity": "how clear the beat is in the window (salience of its strongest "
                     "periodicity); 0 in a window with fewer than 3 onsets; empty in a window "
                     "in which the player does not play (wholly in one of their silences, a "
                     "pause; 0 before analysis 1.18.0), which pulse_clarity in summaries (the "
                     "median over the windows with playing) leaves out too",
    "notes_per_s": "MIDI note onsets per second in the window",
    "onsets_per_s": "audio onsets per second in the window",
    "silence_share": "share of the window in gaps longer than 2 s in which nothing sounds (MTTB)",
    "tonal_clarity": "how clearly the notes sounding in the window point to one key "
                     "(Krumhansl-Kessler); empty with fewer than two pitch classes",
    "pitch_mean": "mean pitch of the notes in the window",
    "pitch_std": "spread of the pitches in the window (standard deviation)",
    "velocity_mean": "mean MIDI velocity of the notes in the window",
    "velocity_std": "standard deviation of the velocities in the window",
    "velocity_range": "loudest minus softest velocity in the window",
    "lead_lag_s": "lag at which the players' density, dynamics and register curves correlate "
                  "best in the window (positive: player_b follows); empty without a peak "
                  "inside +-2 s",
    "lead_xcorr": "peak correlation at that lag in the window",
    "{x}_alpha": "phase-correction gain of {x} around the window: share of the asynchrony {x} "
                 "corrects per beat, fitted on the paired beats within 30 s of the window "
                 "centre",
    "asynchrony_sd_ms": "spread (standard deviation) of the asynchronies of the window's "
                        "near-coincident onsets",
    "phase_locking": "how consistently one player's onsets fall at the same phase of the "
                     "other's intervals in the window (mean resultant length)",
    # curves only, whose definition does not say that it is the window's
    "asynchrony_ms": "mean asynchrony (player_b minus player_a) of the window's "
                     "near-coincident onsets (within 250 ms)",
    "shared_pulse": "1 where both players have a clear pulse in the window at the same tempo "
                    "(or half, double), else 0",
}

#: (unit, definition) of the dialogue curves named apart (:data:`DIALOGUE_CURVE_NAMES`).
_CURVE_DEFINITIONS: dict[str, tuple[str, str]] = {
    "synchrony_tempo_bpm": (
        "BPM", "the player's tempo in the window as the dialogue's synchrony analysis "
        "estimates it, the input of shared_pulse, tempo_coupling_r and tempo_ratio_median: "
        "the windowed tempo (analysis.tempo.tempo_curve) of the player's note or audio onsets "
        "with the notes of a chord (within 50 ms of its first) taken as one onset, every onset "
        "weighted alike; empty where that window's pulse is not clear. It is NOT the "
        "player's tempo_bpm curve in table curves, which is computed from the player's onset "
        "strength (MIDI notes weighted by velocity, or the recording's onset envelope) and "
        "takes a pulsed window's tempo from its tracked beats: the two can differ in value "
        "and in which windows are empty; use curves.tempo_bpm for a player's tempo"),
}

#: How the placeholders read in a definition of a tidy measure.
_WORDS = {"x": "the player", "y": "the other player"}


def tidy_name(template: str) -> str:
    """A feature template without its players: ``{x}_imitates_{y}_per_min`` ->
    ``imitates_per_min`` (``{role}`` stays a placeholder)."""
    name = template.replace("{y}_", "").replace("_{y}", "")
    return name.replace("{x}_", "").replace("_{x}", "")


@functools.lru_cache(maxsize=1)
def _features():
    """(the pair's measures without players (and the analysis' own: status, window_s ...),
    [(template, tidy template, feature)] of the per-player templates)."""
    from analysis.features import FEATURES

    plain = {f.name: f for f in FEATURES if "{" not in f.name
             and (f.group.startswith("dialogue") or f.group == "analysis")}
    per_player = [(f.name, tidy_name(f.name), f) for f in FEATURES if "{x}" in f.name]
    return plain, per_player


def _pattern(template: str, fill: dict[str, str]) -> re.Pattern:
    out = []
    for part in re.split(r"(\{\w+\})", template):
        key = part[1:-1] if part.startswith("{") and part.endswith("}") else None
        if key is None:
            out.append(re.escape(part))
        elif key in fill:
            out.append(re.escape(fill[key]))
        else:
            out.append(f"(?P<{key}>.+)")
    return re.compile("".join(out))


#: Tidy names of the dialogue's curves that differ from the feature's: the dialogue's
#: per-player tempo (``{x}_tempo_bpm``, :func:`analysis.dialogue.synchrony.analyze_synchrony`)
#: is another estimate than the player's ``tempo_bpm`` curve (table ``curves``), so it is
#: named apart (dataset format 3).
DIALOGUE_CURVE_NAMES: dict[str, str] = {"tempo_bpm": "synchrony_tempo_bpm"}


def split_dialogue(name: str, pair: tuple[str, str], *,
                   curve: bool = False) -> tuple[str, str | None]:
    """A pair's measure name as (tidy measure, the player it is about or None).

    Parameters
    ----------
    name : str
        As the analysis names it: ``client_imitates_therapist_per_min``, ``joint_share``.
    pair : (str, str)
        The pair's player names as the analysis has them.
    curve : bool
        A curve of the pair: named as :data:`DIALOGUE_CURVE_NAMES` says.

    Returns
    -------
    (str, str or None)
        ``("imitates_per_min", "client")``, ``("joint_share", None)``; a name the feature list
        does not know stays as it is, with no player.
    """
    if name in _features()[0]:
        return name, None
    for rx, tidy, x in _pair_patterns(*pair):
        m = rx.fullmatch(name)
        if m:
            measure = tidy.format(**m.groupdict())
            return (DIALOGUE_CURVE_NAMES.get(measure, measure) if curve else measure), x
    return name, None


@functools.lru_cache(maxsize=64)
def _pair_patterns(a: str, b: str) -> list[tuple[re.Pattern, str, str]]:
    """(the pair's name pattern, tidy template, player) of each per-player template."""
    return [(_pattern(template, {"x": x, "y": y}), tidy, x)
            for template, tidy, _ in _features()[1] for x, y in ((a, b), (b, a))]


def _tidy_feature(measure: str):
    """The feature of a tidy dialogue measure and its ``{role}`` fill, or None."""
    plain, per_player = _features()
    if measure in plain:
        return plain[measure], {}
    for _, tidy, f in per_player:
        m = _pattern(tidy, {}).fullmatch(measure)
        if m:
            return f, m.groupdict()
    return None


def dialogue_definition(measure: str, *, curve: bool = False) -> tuple[str, str]:
    """(unit, definition) of a tidy dialogue measure (``leads_share``), the player read as
    "the player"; with ``curve`` the definition of one window's value. ``("", "")`` if
    unknown."""
    if curve and measure in _CURVE_DEFINITIONS:
        return _CURVE_DEFINITIONS[measure]
    found = _tidy_feature(measure)
    if found is None:
        return "", ""
    f, fill = found
    text = (PER_WINDOW.get(f.name, f.definition) if curve else f.definition)
    return f.unit, text.format(**_WORDS, **fill)


def curve_definition(measure: str) -> tuple[str, str]:
    """(unit, definition of one window's value) of a player's curve; ``("", "")`` if
    unknown."""
    from analysis.features import lookup

    found = lookup(measure)
    if found is None:
        return "", ""
    f, fill = found
    return f.unit, PER_WINDOW.get(f.name, f.definition).format(**fill)

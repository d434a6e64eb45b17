"""What each compared feature means: unit and a one-line definition, and which names exist.

The analysis names its summaries and curves after the players for the measures of a pair
(``client_imitates_therapist_count``, ``therapist_role_leader_share``), so a definition is a
*template*: ``{x}`` and ``{y}`` stand for player names and ``{role}`` for a suggested role.
:func:`describe` fills them in for a column; :func:`check_features` tells, before any session
is analysed, whether a ``--features`` name can match a column at all, so that a misspelt name
is refused at once rather than after minutes of analysis.

docs/features.md has the full definitions and their references; a test checks that every
summary and curve the analysis produces has a definition here.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence

from improv.errors import ParameterError

__all__ = ["DEFINITIONS", "describe", "check_features", "feature_matches"]

#: (unit, definition) by feature name or name template. Player-level names first, then the
#: dialogue of a pair; curves and summaries share a name where they measure the same thing.
DEFINITIONS: dict[str, tuple[str, str]] = {
    # tempo and pulse
    "tempo_bpm": ("BPM", "global tempo; empty unless the pulse is clear"),
    "tempo_bpm_tentative": ("BPM", "the tempo estimate where the pulse is not clear (may be "
                                   "at a wrong metrical level)"),
    "n_beats": ("count", "tracked beats"),
    "tempo_alt_bpm": ("BPM", "the same music at the runner-up metrical level (x1/2, x2, x1/3, x3, "
                             "x2/3 or x3/2 of the tempo)"),
    "tempo_alt_share": ("0-1", "strength of the runner-up level against the chosen one "
                               "(0.5: a listener could tap either)"),
    "pulse_clarity": ("0-1", "how clear the beat is"),
    "pulsed_share": ("0-1", "share of the 6 s windows with a clear pulse"),
    "tempo_bpm_min": ("BPM", "slowest tempo of the windows with a clear pulse"),
    "tempo_bpm_max": ("BPM", "fastest tempo of the windows with a clear pulse"),
    "pulse": ("", "clear (pulse in 80 % of the windows or more), intermittent, rare (under "
                  "10 %), none"),
    "tempo_stability": ("0-1", "how steady the tempo stays over the session"),
    "tempo_source": ("", "windows, or clip (shorter than one window: tempo of the whole clip)"),
    # density
    "notes_per_s": ("notes/s", "MIDI note onsets per second over the session"),
    "onsets_per_s": ("onsets/s", "audio onsets per second over the session"),
    "silence_share": ("fraction", "share of time in gaps longer than 2 s (MTTB)"),
    "polyphony": ("notes", "number of notes sounding at once (time average over the window)"),
    "polyphony_mean": ("notes", "mean number of notes sounding at once"),
    "polyphony_max": ("notes", "most notes sounding at once (smoothed over windows)"),
    "n_notes": ("count", "notes played"),
    "n_onsets": ("count", "audio onsets detected"),
    # register, articulation, tonality
    "articulation": ("0-1", "note length over the time to the next note (0 staccato, 1 legato; "
                            "MTTB)"),
    "articulation_mean": ("0-1", "note length over the time to the next note (0 staccato, "
                                 "1 legato; MTTB)"),
    "tonal_clarity_mean": ("-1..1", "mean over windows of the best key-profile correlation"),
    "tonal_clarity": ("-1..1", "how clearly the notes point to one key (Krumhansl-Kessler)"),
    "key": ("", "the key the notes point to most (Krumhansl-Kessler)"),
    "pitch_mean": ("MIDI note", "mean pitch"),
    "pitch_std": ("semitones", "spread of the pitches (standard deviation)"),
    "pitch_min": ("MIDI note", "lowest note"),
    "pitch_max": ("MIDI note", "highest note"),
    # dynamics
    "velocity_mean": ("0-127", "mean MIDI velocity"),
    "velocity_p95_p5": ("0-127", "spread of velocities (95th minus 5th percentile)"),
    "velocity_std": ("0-127", "standard deviation of the velocities"),
    "velocity_range": ("0-127", "loudest minus softest velocity"),
    "crescendo_count": ("count", "rises lasting 3 s or more (audio: 6 dB, MIDI: 10 velocity "
                                 "units or more)"),
    "decrescendo_count": ("count", "falls lasting 3 s or more (audio: 6 dB, MIDI: 10 velocity "
                                   "units or more)"),
    "level_dbfs": ("dBFS", "audio level (RMS) over the window"),
    "level_dbfs_mean": ("dBFS", "mean audio level"),
    "level_dbfs_min": ("dBFS", "lowest level of the analysis windows"),
    "level_dbfs_max": ("dBFS", "highest level of the analysis windows"),
    "dynamic_range_db": ("dB", "95th minus 10th percentile of the 100 ms levels while playing"),
    "loudness_lufs": ("LUFS", "loudness (ITU-R BS.1770 K-weighted) over the window"),
    "loudness_lufs_momentary": ("LUFS", "400 ms loudness (EBU R128 momentary), every 100 ms"),
    "loudness_lufs_short_term": ("LUFS", "3 s loudness (EBU R128 short-term), every 100 ms"),
    "loudness_lufs_integrated": ("LUFS", "integrated loudness, ITU-R BS.1770"),
    "loudness_lufs_momentary_max": ("LUFS", "loudest 400 ms loudness (EBU R128 momentary)"),
    "loudness_lufs_short_term_max": ("LUFS", "loudest 3 s loudness (EBU R128 short-term)"),
    "loudness_range_lu": ("LU", "loudness range, EBU Tech 3342"),
    # the analysis itself
    "status": ("", "ok, or why there is nothing to measure (empty, silent, too short, ...)"),
    "duration_s": ("s", "length of the analysed recording"),
    "window_s": ("s", "analysis window of the curves"),
    "hop_s": ("s", "step between analysis windows"),
    # dialogue: activity and turn-taking
    "{x}_active": ("0-1", "share of the window in which {x} plays"),
    "{x}_solo": ("0-1", "share of the window in which only {x} plays"),
    "joint": ("0-1", "share of the window in which both play"),
    "silent": ("0-1", "share of the window in which neither plays"),
    "{x}_active_share": ("fraction", "share of time {x} plays"),
    "{x}_solo_share": ("fraction", "share of time only {x} plays"),
    "joint_share": ("fraction", "share of time both players play"),
    "silent_share": ("fraction", "share of time neither player plays"),
    "floor_transfers": ("count", "turn changes between the players"),
    "floor_transfers_per_min": ("1/min", "turn changes between the players per minute"),
    "gap_count": ("count", "turn changes through a silence of both"),
    "overlap_count": ("count", "turn changes through a stretch of playing together"),
    "pause_count": ("count", "silences of both after which the same player goes on"),
    "within_overlap_count": ("count", "brief joins by the other player that do not take the turn"),
    "gap_mean_s": ("s", "mean length of the silences at turn changes"),
    "overlap_mean_s": ("s", "mean length of the overlaps at turn changes"),
    "fto_median_s": ("s", "median floor-transfer offset (gap length, or minus overlap length)"),
    "{x}_turns": ("count", "turns (solo stretches) of {x}"),
    "{x}_turn_mean_s": ("s", "mean length of {x}'s turns"),
    "{x}_n_events": ("count", "events of {x} (chord notes within 50 ms merged)"),
    # dialogue: leading and following
    "lead_lag_s": ("s", "lag at which the players' density, dynamics and register curves "
                        "correlate best (positive: the second player follows)"),
    "lead_lag_density_s": ("s", "lead-lag of the onset density curves alone"),
    "lead_lag_dynamics_s": ("s", "lead-lag of the dynamics curves alone"),
    "lead_lag_register_s": ("s", "lead-lag of the register curves alone"),
    "lead_xcorr": ("-1..1", "peak correlation at that lag"),
    "lead": ("-1..1", "who leads in the window: + the first player, - the second, by "
                      "confidence"),
    "leader": ("", "who leads over the session: a player's name, shared, together or none"),
    "{x}_leads_share": ("fraction", "share of windows in which {x} leads"),
    "leads_share": ("fraction", "share of windows in which this player leads"),
    "together_share": ("fraction", "share of windows in which the players move together "
                                   "(lag under 0.1 s, confident)"),
    "lead_confidence_mean": ("0-1", "mean confidence of the lead-lag windows"),
    # dialogue: synchrony
    "n_pairs": ("count", "near-coincident onset pairs (within 250 ms)"),
    "{x}_paired_share": ("fraction", "share of {x}'s events that have a partner in the other "
                                     "player's"),
    "asynchrony_ms": ("ms", "mean asynchrony (second minus first player) of near-coincident "
                            "onsets"),
    "asynchrony_sd_ms": ("ms", "spread (standard deviation) of the asynchronies"),
    "asynchrony_mean_ms": ("ms", "mean asynchrony (second minus first player) of "
                                 "near-coincident onsets"),
    "asynchrony_median_ms": ("ms", "median asynchrony of near-coincident onsets"),
    "asynchrony_abs_mean_ms": ("ms", "mean absolute asynchrony of near-coincident onsets"),
    "phase_locking": ("0-1", "how consistently one player's onsets fall at the same phase of "
                             "the other's intervals (mean resultant length)"),
    "phase_locking_p": ("p", "chance of that phase locking from random phases (Rayleigh test)"),
    "{x}_phase_correction": ("0-1", "how much {x} corrects timing towards the other "
                                    "(linear phase-correction alpha)"),
    "{x}_tempo_bpm": ("BPM", "tempo of {x} in the window (empty: no clear pulse)"),
    "shared_pulse": ("0/1", "both have a clear pulse at the same tempo (or half, double)"),
    "shared_pulse_share": ("fraction", "share of windows with a shared pulse"),
    "tempo_coupling_r": ("-1..1", "correlation of the two players' tempo curves"),
    "tempo_ratio_median": ("ratio", "median tempo of the second player over the first's"),
    # dialogue: imitation and roles
    "{x}_imitates_{y}": ("1/min", "imitation episodes of {y} by {x} per minute in the window"),
    "{x}_imitates_{y}_count": ("count", "imitation episodes of {y} by {x} that beat chance"),
    "{x}_imitates_{y}_per_min": ("1/min", "imitation episodes of {y} by {x} per minute"),
    "{x}_imitates_{y}_lag_median_s": ("s", "median delay of {x}'s imitations of {y}"),
    "{x}_role_{role}_share": ("fraction", "share of the windows in which {x} was suggested the "
                                          "role {role} (Bruscia's autonomy profile)"),
}


def _regex(template: str) -> str:
    """A template as a regular expression with one named group per placeholder."""
    out, seen = [], set()
    for part in re.split(r"(\{\w+\})", template):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+)")
            seen.add(name)
        else:
            out.append(re.escape(part))
    return "".join(out)


@functools.lru_cache(maxsize=1)
def _compiled() -> list[tuple[re.Pattern, int, str]]:
    """(regex, literal length, template), most specific first (longest literal text)."""
    out = []
    for template in DEFINITIONS:
        literal = len(re.sub(r"\{\w+\}", "", template))
        out.append((re.compile(_regex(template)), literal, template))
    out.sort(key=lambda x: -x[1])
    return out


def describe(column: str) -> tuple[str, str]:
    """(unit, definition) of a column or summary key, from the last part of its name.

    Parameters
    ----------
    column : str
        ``client.midi.notes_per_s``, ``client|therapist.therapist_role_leader_share`` or a bare
        summary key such as ``tempo_bpm``.

    Returns
    -------
    tuple of str
        Unit and definition with the player names filled in; ``("", "")`` for an unknown name.

    Examples
    --------
    >>> describe("client|therapist.client_imitates_therapist_count")
    ('count', 'imitation episodes of therapist by client that beat chance')
    """
    last = column.rsplit(".", 1)[-1]
    for rx, _, template in _compiled():
        m = rx.fullmatch(last)
        if m:
            unit, text = DEFINITIONS[template]
            return unit, text.format(**m.groupdict())
    return "", ""


@functools.lru_cache(maxsize=1)
def _tails() -> list[re.Pattern]:
    """Every ending of every template at an underscore, as a regex: the names a ``--features``
    entry can give (columns match an entry that is their name or ends their name after ``_``)."""
    out = []
    for template in DEFINITIONS:
        parts = template.split("_")
        # a cut inside a placeholder leaves a placeholder: the same as cutting before it
        tails = ["_".join(parts[k:]) for k in range(len(parts))]
        # a bare placeholder would accept any name: player names are checked as columns
        out += [re.compile(_regex(t)) for t in tails if not re.fullmatch(r"\{\w+\}", t)]
    return out


def feature_matches(column: str, feature: str) -> bool:
    """Whether ``--features`` entry ``feature`` selects ``column`` (the column is the entry, or
    ends with it after a ``.`` or ``_``)."""
    return (column == feature or column.endswith("." + feature)
            or column.endswith("_" + feature))


def check_features(features: Sequence[str] | None, *, columns: Iterable[str] = ()) -> None:
    """Refuse ``--features`` entries that no analysis result can match, before any analysis.

    Parameters
    ----------
    features : sequence of str or None
        The entries (a feature name, its end, or ``player.source.name``).
    columns : iterable of str
        Column names already known (the catalog's) and the players' names: they count as well,
        so a name the analysis has produced is never refused even if it has no definition yet,
        and a player's name selects the pair measures that end with it.

    Raises
    ------
    ParameterError
        Naming the unknown entries and the closest known names.
    """
    if not features:
        return
    columns = list(columns)
    unknown = []
    for f in features:
        last = f.rsplit(".", 1)[-1]
        if any(rx.fullmatch(last) for rx in _tails()):
            continue
        if any(feature_matches(c, f) for c in columns):
            continue
        unknown.append(f)
    if unknown:
        plain = sorted({t.replace("{", "<").replace("}", ">") for t in DEFINITIONS})
        close = sorted({c for f in unknown
                        for c in difflib.get_close_matches(f.rsplit(".", 1)[-1], plain, n=3)})
        hint = f"did you mean {', '.join(close)}?" if close else "see docs/features.md"
        raise ParameterError(f"unknown feature {', '.join(map(repr, unknown))}: {hint}")

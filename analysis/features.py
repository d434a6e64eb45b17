"""The one list of every curve and summary value the analysis produces.

Each :class:`Feature` has a name (or a name *template*: ``{x}`` and ``{y}`` stand for player
names and ``{role}`` for a suggested role, as the measures of a pair are named after the
players: ``client_imitates_therapist_count``), a unit, a group, a short label for therapists,
a one-line definition and, where there is one, the reference it follows. Whoever shows a
feature reads it here: the CLI tables and the data dictionary (through :func:`describe`), the
plots, the reports, and the web page (the list is served by ``GET /api/features``).

docs/features.md has the full definitions. A new curve touches its function, this list, the
docs and a test; ``tests/analysis/test_features.py`` checks that every curve and summary value
the analysis produces is listed here and that every one listed is produced.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .errors import ParameterError

__all__ = ["Feature", "FEATURES", "GROUPS", "lookup", "describe", "label", "title", "source_name",
           "feature_list", "check_features", "feature_matches", "is_setting", "typed_value",
           "typed_summary", "split_column"]

#: Groups in display order.
GROUPS = ("tempo", "density", "register", "dynamics", "dialogue-activity", "dialogue-lead",
          "dialogue-synchrony", "dialogue-imitation", "dialogue-roles", "analysis")

CURVE, SUMMARY, BOTH = ("curve",), ("summary",), ("curve", "summary")

_MTTB = "Music Therapy Toolbox (Erkkilä et al. 2004; Luck et al. 2008)"
_KK = "Krumhansl & Kessler 1982 (Krumhansl-Schmuckler key finding)"
_R128 = "EBU R128 / EBU Tech 3341"
_TEMPO = "Grosche & Müller 2011; Percival & Tzanetakis 2014"
_PULSE = "Lartillot, Eerola, Toiviainen & Fornari 2008"
_ALT = "McKinney, Moelants, Davies & Klapuri 2007 (MIREX tempo task)"
_TURNS = "Heldner & Edlund 2010"
_LEAD = "MTTB lagged correlation; Keller & Appel 2010; Goebl & Palmer 2009"
_ASYNC = "Repp 2005; Rasch 1979"
_BGLS = "Vorberg & Schulze 2002; Repp 2005; Jacoby et al. 2015 (bGLS)"
_PHASE = "Pikovsky, Rosenblum & Kurths 2001"
_IMIT = "MTTB imitation (Erkkilä et al. 2004); Desain & Honing 2003"
_ROLES = "Bruscia 1987 (IAP autonomy profile)"


@dataclass(frozen=True)
class Feature:
    """One curve or summary value (or both under one name).

    Attributes
    ----------
    name : str
        The name, or a template with ``{x}``, ``{y}`` (player names) or ``{role}``.
    kinds : tuple of str
        ``("curve",)``, ``("summary",)`` or both: where the name occurs in an analysis result.
    unit : str
        ``"BPM"``, ``"dBFS"``, ``"0-1"``, ``"count"`` ...; ``""`` for a word (``pulse``, ``key``).
    group : str
        One of :data:`GROUPS`.
    label : str
        A short name for therapists ("Tempo", "Asynchrony (mean)"), templates filled in.
    definition : str
        One line; docs/features.md has the full definition.
    reference : str
        The paper or standard it follows, or ``""``.
    """

    name: str
    kinds: tuple[str, ...]
    unit: str
    group: str
    label: str
    definition: str
    reference: str = ""


_F = Feature

#: Every feature, player-level first, then the dialogue of a pair.
FEATURES: tuple[Feature, ...] = (
    # tempo and pulse
    _F("tempo_bpm", BOTH, "BPM", "tempo", "Tempo",
       "global tempo; empty unless the pulse is clear, but for a recording shorter than one "
       "window (pulse too short, tempo_source clip): the clip's tempo", _TEMPO),
    _F("tempo_bpm_tentative", SUMMARY, "BPM", "tempo", "Tempo (tentative)",
       "the tempo estimate where the pulse is not clear, from every window with or without a "
       "pulse (may be at a wrong metrical level, and outside the slowest..fastest of the "
       "pulsed windows)", _TEMPO),
    _F("n_beats", SUMMARY, "count", "tempo", "Beats", "tracked beats",
       "Ellis 2007 (dynamic-programming beat tracking)"),
    _F("beat_regularity", SUMMARY, "0-1", "tempo", "Beats on one tempo",
       "share of the intervals between tracked beats within 10 % of the tempo's beat; the pulse "
       "is clear only from 0.6"),
    _F("percussive_share", SUMMARY, "0-1", "tempo", "Percussive sound",
       "audio: share of the sound's energy in drum-like strokes rather than held tones; under "
       "0.2 the accents choose the metrical level",
       "Fitzgerald 2010 (harmonic/percussive separation by median filtering)"),
    _F("tempo_alt_bpm", SUMMARY, "BPM", "tempo", "Tempo (other level)",
       "the same music at the runner-up metrical level (x1/2, x2, x1/3, x3, x2/3 or x3/2 of "
       "the tempo)", _ALT),
    _F("tempo_alt_share", SUMMARY, "0-1", "tempo", "Other tempo level (strength)",
       "strength of the runner-up level against the chosen one (0.5: a listener could tap "
       "either)", _ALT),
    _F("pulse_clarity", BOTH, "0-1", "tempo", "Pulse clarity",
       "how clear the beat is (session: the median of the windows in which the player plays; "
       "the curve has no value in a window in which the player does not play, a pause)",
       _PULSE),
    _F("pulsed_share", SUMMARY, "fraction", "tempo", "Pulsed windows",
       "share of the 6 s windows in which the player plays that have a clear pulse (pauses, "
       "windows of silence, are left out)"),
    _F("tempo_bpm_min", SUMMARY, "BPM", "tempo", "Tempo (slowest)",
       "slowest tempo of the windows with a clear pulse"),
    _F("tempo_bpm_max", SUMMARY, "BPM", "tempo", "Tempo (fastest)",
       "fastest tempo of the windows with a clear pulse"),
    _F("pulse", SUMMARY, "", "tempo", "Pulse",
       "clear (pulse in 80 % of the windows with playing or more, its beats on one tempo), "
       "intermittent, rare (under 10 %), none, or too short (a recording shorter than one "
       "window, whose tempo is the clip's if it has a clear one, or a player who played for "
       "less than one window in all: no tempo)"),
    _F("tempo_stability", SUMMARY, "0-1", "tempo", "Tempo stability",
       "how steady the tempo stays over the session"),
    _F("tempo_source", SUMMARY, "", "tempo", "Tempo from",
       "windows, or clip (shorter than one window: tempo of the whole clip)"),
    _F("tempo_level_from", SUMMARY, "", "tempo", "Beat level from",
       "where a recording's metrical level comes from: audio (its own sound) or midi (the "
       "player's MIDI, clear and heard by the recording: its onsets fall on the notes)"),
    # density
    _F("notes_per_s", BOTH, "notes/s", "density", "Notes per second",
       "MIDI note onsets per second over the session"),
    _F("onsets_per_s", BOTH, "onsets/s", "density", "Onsets per second",
       "audio onsets per second over the session", "Böck & Widmer 2013 (SuperFlux)"),
    _F("silence_share", BOTH, "fraction", "density", "Silence",
       "share of time in gaps longer than 2 s (MTTB)", _MTTB),
    _F("polyphony", CURVE, "notes", "density", "Polyphony",
       "number of notes sounding at once (time average over the window)", _MTTB),
    _F("polyphony_mean", SUMMARY, "notes", "density", "Polyphony (mean)",
       "mean number of notes sounding at once", _MTTB),
    _F("polyphony_max", SUMMARY, "notes", "density", "Polyphony (busiest stretch)",
       "mean number of notes sounding at once in the busiest analysis window (6 s): the "
       "highest point of the polyphony curve, not the largest chord", _MTTB),
    _F("n_notes", SUMMARY, "count", "density", "Notes", "notes played"),
    _F("n_onsets", SUMMARY, "count", "density", "Onsets", "audio onsets detected"),
    # register, articulation, tonality
    _F("articulation", CURVE, "0-1", "register", "Articulation",
       "note length over the time to the next note (0 staccato, 1 legato; MTTB)", _MTTB),
    _F("articulation_mean", SUMMARY, "0-1", "register", "Articulation (mean)",
       "note length over the time to the next note (0 staccato, 1 legato; MTTB)", _MTTB),
    _F("tonal_clarity_mean", SUMMARY, "-1..1", "register", "Tonal clarity (mean)",
       "mean over windows of the best key-profile correlation", _KK),
    _F("tonal_clarity", BOTH, "-1..1", "register", "Tonal clarity",
       "how clearly the notes point to one key (Krumhansl-Kessler)", _KK),
    _F("key", SUMMARY, "", "register", "Key",
       "the key the notes point to most (Krumhansl-Kessler)", _KK),
    _F("percussion_share", SUMMARY, "fraction", "register", "Drum notes",
       "share of the notes on channel 10 (General MIDI percussion) or of an input marked as a "
       "drum kit, whose numbers name drums, not pitches: pitch, key, tonal clarity and "
       "articulation come from the other notes only, and are empty when every note is a drum"),
    _F("pitch_mean", BOTH, "MIDI note", "register", "Pitch (mean)", "mean pitch"),
    _F("pitch_std", BOTH, "semitones", "register", "Pitch spread",
       "spread of the pitches (standard deviation)"),
    _F("pitch_min", SUMMARY, "MIDI note", "register", "Lowest note", "lowest note"),
    _F("pitch_max", SUMMARY, "MIDI note", "register", "Highest note", "highest note"),
    # dynamics
    _F("velocity_mean", BOTH, "0-127", "dynamics", "Velocity (mean)", "mean MIDI velocity"),
    _F("velocity_p95_p5", SUMMARY, "0-127", "dynamics", "Velocity spread",
       "spread of velocities (95th minus 5th percentile)"),
    _F("velocity_std", BOTH, "0-127", "dynamics", "Velocity (SD)",
       "standard deviation of the velocities"),
    _F("velocity_range", BOTH, "0-127", "dynamics", "Velocity range",
       "loudest minus softest velocity"),
    _F("crescendo_count", SUMMARY, "count", "dynamics", "Crescendi",
       "rises lasting 3 s or more (audio: 6 dB, MIDI: 10 velocity units or more)"),
    _F("decrescendo_count", SUMMARY, "count", "dynamics", "Decrescendi",
       "falls lasting 3 s or more (audio: 6 dB, MIDI: 10 velocity units or more)"),
    _F("level_dbfs", CURVE, "dBFS", "dynamics", "Level", "audio level (RMS) over the window"),
    _F("level_dbfs_mean", SUMMARY, "dBFS", "dynamics", "Level (mean)",
       "mean audio level of the windows with playing (pauses left out)"),
    _F("level_dbfs_min", SUMMARY, "dBFS", "dynamics", "Level (quietest)",
       "lowest level of the 6 s windows with playing, each over its time outside the pauses "
       "of over 2 s (a window less than half playing is left out, as one wholly in a pause)"),
    _F("level_dbfs_max", SUMMARY, "dBFS", "dynamics", "Level (loudest)",
       "highest level of the 6 s windows with playing"),
    _F("dynamic_range_db", SUMMARY, "dB", "dynamics", "Dynamic range",
       "spread of the playing's own levels, moment to moment: 95th minus 10th percentile of "
       "the 100 ms levels above the silence gate"),
    _F("loudness_lufs", CURVE, "LUFS", "dynamics", "Loudness",
       "loudness (ITU-R BS.1770 K-weighted) over the window", "ITU-R BS.1770-4"),
    _F("loudness_lufs_momentary", CURVE, "LUFS", "dynamics", "Loudness (momentary)",
       "400 ms loudness (EBU R128 momentary), every 100 ms", _R128),
    _F("loudness_lufs_short_term", CURVE, "LUFS", "dynamics", "Loudness (short-term)",
       "3 s loudness (EBU R128 short-term), every 100 ms", _R128),
    _F("loudness_lufs_integrated", SUMMARY, "LUFS", "dynamics", "Loudness (integrated)",
       "integrated loudness, ITU-R BS.1770 (400 ms blocks that never reach the recording's "
       "silence gate left out: the room)", "ITU-R BS.1770-4"),
    _F("loudness_lufs_momentary_max", SUMMARY, "LUFS", "dynamics", "Loudness (momentary max)",
       "loudest 400 ms loudness (EBU R128 momentary)", _R128),
    _F("loudness_lufs_short_term_max", SUMMARY, "LUFS", "dynamics", "Loudness (short-term max)",
       "loudest 3 s loudness (EBU R128 short-term)", _R128),
    _F("loudness_range_lu", SUMMARY, "LU", "dynamics", "Loudness range",
       "loudness range, EBU Tech 3342 (3 s blocks that never reach the recording's silence "
       "gate left out: the room)", "EBU Tech 3342"),
    # the analysis itself
    _F("status", SUMMARY, "", "analysis", "Status",
       "ok, or why there is nothing to measure (empty, silent, too short, ...)"),
    _F("duration_s", SUMMARY, "s", "analysis", "Duration", "length of the analysed recording"),
    _F("window_s", SUMMARY, "s", "analysis", "Curves measured over",
       "analysis window of the curves: each point of a curve measures this long a stretch",
       _MTTB),
    _F("hop_s", SUMMARY, "s", "analysis", "Curve points every",
       "step between analysis windows (the hop)", _MTTB),
    _F("noise_floor_dbfs", SUMMARY, "dBFS", "analysis", "Room background",
       "audio: the recording's noise floor, 5th percentile of its 300 ms levels over the time "
       "it recorded (minimum statistics); null for a silent recording",
       "Martin 2001 (minimum statistics)"),
    _F("peak_dbfs", SUMMARY, "dBFS", "analysis", "Loudest moment",
       "audio: the loudest 10 ms of the time the input recorded; under -90 (the converter's "
       "floor is -100) no sound reached the recording at all: a dead, muted or unplugged "
       "input, not a silent player"),
    _F("silence_gate_dbfs", SUMMARY, "dBFS", "analysis", "Silence threshold",
       "audio: a 100 ms moment whose loudest 10 ms is under this is quiet; -50, raised (to at "
       "most -30) over a noise floor the recording sits at between louder playing",
       "Martin 2001 (minimum statistics)"),
    # dialogue: activity and turn-taking
    _F("{x}_active", CURVE, "fraction", "dialogue-activity", "{x} playing",
       "share of the window in which {x} plays", _TURNS),
    _F("{x}_solo", CURVE, "fraction", "dialogue-activity", "{x} solo",
       "share of the window in which only {x} plays", _TURNS),
    _F("joint", CURVE, "fraction", "dialogue-activity", "Both playing",
       "share of the window in which both play", _TURNS),
    _F("silent", CURVE, "fraction", "dialogue-activity", "Both silent",
       "share of the window in which neither plays", _TURNS),
    _F("{x}_active_share", SUMMARY, "fraction", "dialogue-activity", "{x} playing",
       "share of time {x} plays (of {x}'s recording where it is shorter than the session)",
       _TURNS),
    _F("{x}_solo_share", SUMMARY, "fraction", "dialogue-activity", "{x} solo",
       "share of time only {x} plays (of the time both are recorded)", _TURNS),
    _F("joint_share", SUMMARY, "fraction", "dialogue-activity", "Both playing",
       "share of time both players play (of the time both are recorded)", _TURNS),
    _F("silent_share", SUMMARY, "fraction", "dialogue-activity", "Both silent",
       "share of time neither player plays (of the time both are recorded)", _TURNS),
    _F("floor_transfers", SUMMARY, "count", "dialogue-activity", "Turn changes",
       "turn changes between the players (a turn: playing alone for 1 s or more)", _TURNS),
    _F("floor_transfers_per_min", SUMMARY, "1/min", "dialogue-activity",
       "Turn changes per minute",
       "turn changes between the players per minute of the time both are recorded", _TURNS),
    _F("gap_count", SUMMARY, "count", "dialogue-activity", "Gaps",
       "turn changes through a silence of both", _TURNS),
    _F("overlap_count", SUMMARY, "count", "dialogue-activity", "Overlaps",
       "turn changes through a stretch of playing together", _TURNS),
    _F("pause_count", SUMMARY, "count", "dialogue-activity", "Pauses",
       "silences of both after which the same player goes on", _TURNS),
    _F("within_overlap_count", SUMMARY, "count", "dialogue-activity", "Brief joins",
       "brief joins by the other player that do not take the turn", _TURNS),
    _F("gap_mean_s", SUMMARY, "s", "dialogue-activity", "Gap (mean)",
       "mean length of the silences at turn changes", _TURNS),
    _F("overlap_mean_s", SUMMARY, "s", "dialogue-activity", "Overlap (mean)",
       "mean length of the overlaps at turn changes", _TURNS),
    _F("fto_median_s", SUMMARY, "s", "dialogue-activity", "Turn-change offset (median)",
       "median floor-transfer offset (gap length, or minus overlap length)", _TURNS),
    _F("{x}_turns", SUMMARY, "count", "dialogue-activity", "{x} turns",
       "turns of {x}: stretches of 1 s or more in which {x} played alone", _TURNS),
    _F("{x}_turn_mean_s", SUMMARY, "s", "dialogue-activity", "{x} turn length (mean)",
       "mean length of {x}'s turns", _TURNS),
    _F("{x}_n_events", SUMMARY, "count", "dialogue-activity", "{x} events",
       "events of {x} (chord notes within 50 ms merged)"),
    # dialogue: leading and following
    _F("lead_lag_s", BOTH, "s", "dialogue-lead", "Lead-lag",
       "lag at which the players' density, dynamics and register curves correlate best "
       "(positive: the second player follows)", _LEAD),
    _F("lead_lag_density_s", SUMMARY, "s", "dialogue-lead", "Lead-lag (density)",
       "lead-lag of the onset density curves alone", _LEAD),
    _F("lead_lag_dynamics_s", SUMMARY, "s", "dialogue-lead", "Lead-lag (dynamics)",
       "lead-lag of the dynamics curves alone", _LEAD),
    _F("lead_lag_register_s", SUMMARY, "s", "dialogue-lead", "Lead-lag (register)",
       "lead-lag of the register curves alone", _LEAD),
    _F("lead_xcorr", BOTH, "-1..1", "dialogue-lead", "Lead-lag correlation",
       "peak correlation at that lag", _LEAD),
    _F("lead", CURVE, "-1..1", "dialogue-lead", "Who leads",
       "who leads in the window: + the first player, - the second, by confidence", _LEAD),
    _F("leader", SUMMARY, "", "dialogue-lead", "Leader",
       "who leads over the session: a player's name, shared, together, unclear or none "
       "(timing first, then density/dynamics/register)", _LEAD),
    _F("leader_confidence", SUMMARY, "0-1", "dialogue-lead", "Leader (certainty)",
       "how sure the named leader is, where timing named it (the timing confidence, "
       "bootstrap); empty where the density/dynamics/register changes named it, or no one",
       _BGLS),
    _F("leader_basis", SUMMARY, "", "dialogue-lead", "Leader named by",
       "what named the leader: timing, features, timing+features, conflict, or none (neither "
       "named one)"),
    _F("xcorr_leader", SUMMARY, "", "dialogue-lead", "Leader (by the music's changes)",
       "leader from the density/dynamics/register cross-correlation alone", _LEAD),
    _F("timing_leader", SUMMARY, "", "dialogue-lead", "Leader (by timing)",
       "leader from phase correction alone: the player who adapts less", _BGLS),
    _F("timing_confidence", SUMMARY, "0-1", "dialogue-lead", "Leader by timing (certainty)",
       "how sure the leader by timing alone (timing_leader) is, whatever named the session's "
       "leader (bootstrap)", _BGLS),
    _F("timing_lead", CURVE, "-1..1", "dialogue-lead", "Who leads (timing)",
       "who leads by timing in the window: + the first player, - the second, by confidence",
       _BGLS),
    _F("timing_n_beats", SUMMARY, "count", "dialogue-lead", "Paired beats",
       "paired beats the phase-correction model was fitted on", _BGLS),
    _F("alpha_ci_level", SUMMARY, "0-1", "dialogue-lead", "Confidence of the bounds",
       "confidence level of the lower and upper bounds of each player's phase-correction gain "
       "(0.95: the true gain lies between them with 95 % confidence)"),
    _F("{x}_alpha", BOTH, "0-1", "dialogue-lead", "{x} adapts (phase correction)",
       "phase-correction gain of {x}: share of the asynchrony {x} corrects per beat", _BGLS),
    _F("{x}_alpha_lo", SUMMARY, "0-1", "dialogue-lead", "{x} adapts (lower bound)",
       "lower confidence bound of {x}'s phase-correction gain; empty where the bootstrap gave "
       "no interval although the gain itself was fitted (read such a gain as uncertain)",
       _BGLS),
    _F("{x}_alpha_hi", SUMMARY, "0-1", "dialogue-lead", "{x} adapts (upper bound)",
       "upper confidence bound of {x}'s phase-correction gain; empty where the bootstrap gave "
       "no interval (as the lower bound)", _BGLS),
    _F("{x}_leads_share", SUMMARY, "fraction", "dialogue-lead", "{x} leads",
       "share of windows in which {x} leads", _LEAD),
    _F("together_share", SUMMARY, "fraction", "dialogue-lead", "Moving together",
       "share of windows in which the players move together (lag under 0.1 s, confident)",
       _LEAD),
    _F("lead_confidence_mean", SUMMARY, "0-1", "dialogue-lead", "Lead confidence (mean)",
       "mean confidence of the lead-lag windows", _LEAD),
    # dialogue: synchrony
    _F("n_pairs", SUMMARY, "count", "dialogue-synchrony", "Paired onsets",
       "near-coincident onset pairs (within 250 ms)", _ASYNC),
    _F("{x}_paired_share", SUMMARY, "fraction", "dialogue-synchrony", "{x} paired",
       "share of {x}'s events that have a partner in the other player's", _ASYNC),
    _F("asynchrony_ms", CURVE, "ms", "dialogue-synchrony", "Asynchrony",
       "mean asynchrony (second minus first player) of near-coincident onsets", _ASYNC),
    _F("asynchrony_sd_ms", BOTH, "ms", "dialogue-synchrony", "Asynchrony (SD)",
       "spread (standard deviation) of the asynchronies", _ASYNC),
    _F("asynchrony_mean_ms", SUMMARY, "ms", "dialogue-synchrony", "Asynchrony (mean)",
       "mean asynchrony (second minus first player) of near-coincident onsets", _ASYNC),
    _F("asynchrony_median_ms", SUMMARY, "ms", "dialogue-synchrony", "Asynchrony (median)",
       "median asynchrony of near-coincident onsets", _ASYNC),
    _F("asynchrony_abs_mean_ms", SUMMARY, "ms", "dialogue-synchrony",
       "Asynchrony (mean absolute)", "mean absolute asynchrony of near-coincident onsets",
       _ASYNC),
    _F("phase_locking", BOTH, "0-1", "dialogue-synchrony", "Phase locking",
       "how consistently one player's onsets fall at the same phase of the other's intervals "
       "(mean resultant length)", _PHASE),
    _F("phase_locking_p", CURVE, "p", "dialogue-synchrony", "Phase locking (chance)",
       "chance of that phase locking from random phases (Rayleigh test)",
       "Zar 2010 (Rayleigh test)"),
    _F("{x}_phase_correction", SUMMARY, "0-1", "dialogue-synchrony", "{x} phase correction",
       "how much {x} corrects timing towards the other (linear phase-correction alpha)",
       "Vorberg & Wing 1996; Wing et al. 2014"),
    _F("{x}_tempo_bpm", CURVE, "BPM", "dialogue-synchrony", "{x} tempo",
       "tempo of {x} in the window (empty: no clear pulse)", _TEMPO),
    _F("shared_pulse", CURVE, "0/1", "dialogue-synchrony", "Shared pulse",
       "both have a clear pulse at the same tempo (or half, double)", "Keller 2008"),
    _F("shared_pulse_share", SUMMARY, "fraction", "dialogue-synchrony", "Shared pulse",
       "share of windows with a shared pulse", "Keller 2008"),
    _F("tempo_coupling_r", SUMMARY, "-1..1", "dialogue-synchrony", "Tempo coupling",
       "correlation of the two players' tempo curves", "Keller 2008"),
    _F("tempo_ratio_median", SUMMARY, "ratio", "dialogue-synchrony", "Tempo ratio (median)",
       "median tempo of the second player over the first's", "Keller 2008"),
    # dialogue: imitation
    _F("{x}_imitates_{y}", CURVE, "1/min", "dialogue-imitation", "{x} imitates {y}",
       "imitation episodes of {y} by {x} per minute in the window", _IMIT),
    _F("{x}_imitates_{y}_count", SUMMARY, "count", "dialogue-imitation", "{x} imitates {y}",
       "imitation episodes of {y} by {x} that beat chance", _IMIT),
    _F("{x}_imitates_{y}_per_min", SUMMARY, "1/min", "dialogue-imitation",
       "{x} imitates {y} (per minute)", "imitation episodes of {y} by {x} per minute", _IMIT),
    _F("{x}_imitates_{y}_lag_median_s", SUMMARY, "s", "dialogue-imitation",
       "{x} imitates {y} (delay)", "median delay of {x}'s imitations of {y}", _IMIT),
    # dialogue: role suggestions
    _F("{x}_role_{role}_share", SUMMARY, "fraction", "dialogue-roles", "{x} as {role}",
       "share of the windows in which {x} was suggested the role {role} (Bruscia's autonomy "
       "profile)", _ROLES),
)

_BY_NAME = {f.name: f for f in FEATURES}


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
    for template in _BY_NAME:
        literal = len(re.sub(r"\{\w+\}", "", template))
        out.append((re.compile(_regex(template)), literal, template))
    out.sort(key=lambda x: -x[1])
    return out


def lookup(column: str) -> tuple[Feature, dict[str, str]] | None:
    """The feature of a column or summary key (from the last part of its name) and the values
    of its template's placeholders, or None for an unknown name.

    >>> f, fill = lookup("client|therapist.client_imitates_therapist_count")
    >>> f.name, fill
    ('{x}_imitates_{y}_count', {'x': 'client', 'y': 'therapist'})
    """
    last = column.rsplit(".", 1)[-1]
    for rx, _, template in _compiled():
        m = rx.fullmatch(last)
        if m:
            return _BY_NAME[template], m.groupdict()
    return None


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
    found = lookup(column)
    if found is None:
        return "", ""
    f, fill = found
    return f.unit, f.definition.format(**fill)


def label(column: str) -> str:
    """The short label of a column or summary key, player names filled in; the name itself
    for an unknown one.

    >>> label("a|b.asynchrony_mean_ms"), label("client.midi.tempo_bpm"), label("x.monkey")
    ('Asynchrony (mean)', 'Tempo', 'monkey')
    """
    found = lookup(column)
    if found is None:
        return column.rsplit(".", 1)[-1]
    f, fill = found
    return f.label.format(**fill)


def source_name(source: str) -> str:
    """An input kind as the screen names it: ``MIDI`` for ``midi``, an audio input by its own
    name.

    >>> source_name("midi"), source_name("audio")
    ('MIDI', 'audio')
    """
    return "MIDI" if source == "midi" else source


#: The input part of a player's column (``midi``, ``audio`` or ``audio:<input>``), at the end
#: of the column's head: a player's name may itself hold a ``.``.
_SOURCE_END = re.compile(r"\.(midi|audio(?::.*)?)$")


def split_column(column: str) -> tuple[str, str, str]:
    """(owner, source, name) of a column: a player and its input (``client.midi.notes_per_s``)
    or a pair and no input (``client|therapist.joint_share``), read from the right, so that
    player names with a ``.`` (``Dr.K``) stay whole.

    >>> split_column("Dr.K.midi.notes_per_s"), split_column("Dr.K|client.joint_share")
    (('Dr.K', 'midi', 'notes_per_s'), ('Dr.K|client', '', 'joint_share'))
    >>> split_column("client.audio:mic.2.level_dbfs_mean"), split_column("tempo_bpm")
    (('client', 'audio:mic.2', 'level_dbfs_mean'), ('', '', 'tempo_bpm'))
    """
    head, _, name = column.rpartition(".")
    m = _SOURCE_END.search(head)
    if m is None:
        return head, "", name
    return head[:m.start()], m.group(1), name


def title(column: str) -> str:
    """A column's heading for the screen: whose it is, from which input, and its label.

    >>> title("client.midi.notes_per_s"), title("client|therapist.joint_share")
    ('client (MIDI) · Notes per second', 'client & therapist · Both playing')
    """
    who, source, _ = split_column(column)
    if not who:
        return label(column)
    who = who.replace("|", " & ")
    if source:
        who += f" ({source_name(source)})"
    return f"{who} · {label(column)}"


def is_setting(column: str) -> bool:
    """Whether a column or summary key is a setting of the analysis (window, hop, analysed
    length: group "analysis"), not a measure to compare sessions by.

    >>> is_setting("client.midi.window_s"), is_setting("client.midi.tempo_bpm")
    (True, False)
    """
    found = lookup(column)
    return found is not None and found[0].group == "analysis"


def typed_value(column: str, value: Any) -> Any:
    """A summary value as JSON should carry it: a whole-numbered count as an int (the analysis
    keeps every number as a float, so that arrays and tables stay one type), ``-0.0`` as
    ``0.0``; anything else unchanged.

    >>> typed_value("a|b.gap_count", 10.0), typed_value("a|b.b_phase_correction", -0.0)
    (10, 0.0)
    """
    if not isinstance(value, float):
        return value
    if value == 0.0:
        value = 0.0  # no "-0.0" in what people read
    if value.is_integer():
        found = lookup(column)
        if found is not None and found[0].unit == "count":
            return int(value)
    return value


def typed_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """:func:`typed_value` over a flat summary, in place; returns it."""
    for k, v in summary.items():
        if isinstance(v, float):
            summary[k] = typed_value(k, v)
    return summary


def feature_list() -> list[dict]:
    """The list as JSON-ready dicts (``name``, ``kinds``, ``unit``, ``group``, ``label``,
    ``definition``, ``reference``), in :data:`FEATURES` order."""
    return [dict(asdict(f), kinds=list(f.kinds)) for f in FEATURES]


@functools.lru_cache(maxsize=1)
def _tails() -> list[re.Pattern]:
    """Every ending of every template at an underscore, as a regex: the names a feature
    selection can give (columns match an entry that is their name or ends their name after
    ``_``)."""
    out = []
    for template in _BY_NAME:
        parts = template.split("_")
        # a cut inside a placeholder leaves a placeholder: the same as cutting before it
        tails = ["_".join(parts[k:]) for k in range(len(parts))]
        # a bare placeholder would accept any name: player names are checked as columns
        out += [re.compile(_regex(t)) for t in tails if not re.fullmatch(r"\{\w+\}", t)]
    return out


def feature_matches(column: str, feature: str) -> bool:
    """Whether the selected feature ``feature`` selects ``column`` (the column is the entry, or
    ends with it after a ``.`` or ``_``)."""
    return (column == feature or column.endswith("." + feature)
            or column.endswith("_" + feature))


def check_features(features: Sequence[str] | None, *, columns: Iterable[str] = ()) -> None:
    """Refuse feature names that no analysis result can match, before any analysis.

    Parameters
    ----------
    features : sequence of str or None
        The entries (a feature name, its end, or ``player.source.name``).
    columns : iterable of str
        Column names already known (the catalog's) and the players' names: they count as well,
        so a name the analysis has produced is never refused even if it is not listed yet,
        and a player's name selects the pair measures that end with it.

    Raises
    ------
    ParameterError
        Naming the unknown entries and the closest known names (``parameter="features"``).
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
        plain = sorted({t.replace("{", "<").replace("}", ">") for t in _BY_NAME})
        close = sorted({c for f in unknown
                        for c in difflib.get_close_matches(f.rsplit(".", 1)[-1], plain, n=3)})
        hint = f"did you mean {', '.join(close)}?" if close else "see docs/features.md"
        raise ParameterError(f"unknown feature {', '.join(map(repr, unknown))}: {hint}",
                             parameter="features")

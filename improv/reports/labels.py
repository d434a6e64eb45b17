"""Measures as therapists read them: labels with units, values in those units, grouped.

Everything comes from the one feature list (:mod:`analysis.features`: :func:`label`,
:func:`lookup`, :func:`describe`); the CLI tables (``analyze``, ``analyze --dialogue``,
``compare``) and the reports show measures through these functions, while ``--json``, ``--csv``
and ``--raw`` keep the field names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from analysis.features import FEATURES, GROUPS, describe, label, lookup, source_name
from improv.reports.plain_measures import PLAIN

__all__ = ["GROUP_TITLES", "WORDS", "MOSTLY_PULSED", "note_name", "flat_key", "heading", "shown",
           "meaning", "plain_meaning",
           "shown_unit", "shown_band", "scale", "group_of", "grouped", "column_title",
           "source_name", "never_negative", "value_range", "decimals", "shown_fixed",
           "shown_slope", "input_name", "shown_label"]

#: Headings of the groups, in :data:`analysis.features.GROUPS` order (as on the web page).
GROUP_TITLES = {
    "tempo": "Tempo and pulse", "density": "Density", "register": "Register and tonality",
    "dynamics": "Dynamics", "dialogue-activity": "Playing together and turns",
    "dialogue-lead": "Leading and following", "dialogue-synchrony": "Synchrony",
    "dialogue-imitation": "Imitation", "dialogue-roles": "Roles", "analysis": "Analysis",
}
#: Units shown as a percentage (the value times 100).
_PERCENT = ("fraction",)
#: Units not written after a label: counts, words, MIDI notes (shown as names), 0/1 flags.
_NO_UNIT = ("", "count", "MIDI note", "0/1")
_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_ORDER = {f.name: k for k, f in enumerate(FEATURES)}
#: Stored words that are the analysis' own terms, said in plain words where people read them
#: (``--json``, ``--csv`` and ``--raw`` keep the stored word).
WORDS = {
    "tempo_source": {"windows": "windows over the session",
                     "clip": "the whole clip (shorter than one window)"},
    "tempo_level_from": {"audio": "this recording",
                         "midi": "the player's MIDI, which this recording hears"},
    # what named the session's leader (analysis.dialogue.leadership.combine)
    "leader_basis": {"timing": "timing (who adapts to whom)",
                     "features": "the music's changes (density, loudness, register)",
                     "timing+features": "timing and the music's changes",
                     "conflict": "nothing: timing and the music's changes disagree",
                     "none": "nothing: neither timing nor the music's changes"},
    # a leader who is no player (a player's name is shown as it is)
    **{key: {"together": "neither (together)", "none": "no one named", "shared": "shared"}
       for key in ("leader", "xcorr_leader", "timing_leader")},
    # the pulse label (analysis.beats), read after its label: "Pulse: only at times"
    "pulse": {"clear": "clear and steady", "intermittent": "only at times",
              "rare": "hardly ever", "none": "none found", "too short": "too short to tell"},
}
#: An intermittent pulse found in at least :data:`analysis.beats.CLEAR_SHARE` of the windows
#: with playing is a pulse whose tempo moved or whose level is in doubt, not one that comes
#: and goes (as the plain summary, the session page and the live panel say it; the live panel
#: says the same words, :data:`improv.cli.live_display.PULSE_WORDS`).
MOSTLY_PULSED = "most of the time, but no single tempo"
#: An intermittent pulse found in at least this share of the windows with playing (and under
#: :data:`analysis.beats.CLEAR_SHARE`) is there "much of the time", not "only at times": 70 %
#: of the playing is more than "at times" to a reader.
OFTEN_PULSED_SHARE = 0.5
OFTEN_PULSED = "much of the time"


#: Note names with flats, for a key whose signature has flats (:func:`note_name`).
_FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
#: Tonics of the minor keys with flats in their signature besides those spelled with a flat
#: (D minor: one flat, ..., F minor: four); F major has one.
_FLAT_MINORS = ("D", "G", "C", "F")


#: A pair's lags of the lead-lag correlation (analysis.dialogue.leadership): the peak of the
#: session's correlation, found whether or not it names a leader.
LAG_KEYS = ("lead_lag_s", "lead_lag_density_s", "lead_lag_dynamics_s", "lead_lag_register_s")


def lag_means_nothing(summary: Mapping[str, Any]) -> bool:
    """Whether the lead-lag correlation named no one ahead (``xcorr_leader``, or ``leader``
    in a summary without it, is ``none``, ``shared`` or ``unclear``): its lags
    (:data:`LAG_KEYS`) mean nothing then.

    >>> lag_means_nothing({"xcorr_leader": "unclear", "leader": "client"})
    True
    >>> lag_means_nothing({"leader": "client"})
    False
    """
    call = summary.get("xcorr_leader", summary.get("leader"))
    return call in ("none", "shared", "unclear")


def flat_key(key: str | None) -> bool:
    """Whether a key (as :data:`analysis.register.KEY_NAMES` writes it: ``Bb major``,
    ``D minor``) has flats in its signature: its notes are then spelled with flats.

    >>> flat_key("Bb major"), flat_key("F major"), flat_key("D minor"), flat_key("A minor")
    (True, True, True, False)
    >>> flat_key("F# major"), flat_key(None)
    (False, False)
    """
    if not isinstance(key, str) or " " not in key:
        return False
    tonic, mode = key.split(" ", 1)
    return (len(tonic) == 2 and tonic[1] == "b") or (mode == "major" and tonic == "F") or (
        mode == "minor" and tonic in _FLAT_MINORS)


def note_name(midi: float, *, key: str | None = None) -> str:
    """The name of the nearest MIDI note, middle C (60) as C4; with sharps, or with flats in
    a ``key`` with flats in its signature (``A#2`` is ``Bb2`` in Bb major, :func:`flat_key`).

    >>> note_name(60), note_name(63.6), note_name(21), note_name(46, key="Bb major")
    ('C4', 'E4', 'A0', 'Bb2')
    >>> note_name(46, key="E major")
    'A#2'
    """
    n = int(round(midi))
    names = _FLAT_NAMES if flat_key(key) else _NAMES
    return f"{names[n % 12]}{n // 12 - 1}"


def _key_of(column: str, summary: Mapping[str, Any] | None) -> str | None:
    """The key beside ``column`` in ``summary`` (``key`` for a summary key, ``c.midi.key`` for
    the column ``c.midi.pitch_mean``), if any."""
    if not summary:
        return None
    found = lookup(column)
    prefix = column[:-len(found[0].name)] if found and column.endswith(found[0].name) else ""
    key = summary.get(prefix + "key")
    return key if isinstance(key, str) else None


def shown_unit(column: str) -> str:
    """The unit a measure's values are shown in: ``%`` for a share, ``""`` for a count, a word
    or a note name (:func:`shown`), else its unit (``BPM``, ``ms``, ``0-1``)."""
    unit = describe(column)[0]
    if unit in _PERCENT:
        return "%"
    return "" if unit in _NO_UNIT else unit


#: Units whose values are shown as whole numbers, and in tenths (:func:`shown`).
_WHOLE = frozenset({"BPM", "0-127", "ms"})
_TENTHS = frozenset({"dBFS", "dB", "LUFS", "LU"})


def heading(column: str) -> str:
    """The label of a measure with its unit: ``Tempo (BPM)``, ``Asynchrony (mean, ms)``,
    ``Silence (%)``; a count or a word has no unit.

    >>> heading("a|b.asynchrony_mean_ms"), heading("client.midi.tempo_bpm")
    ('Asynchrony (mean, ms)', 'Tempo (BPM)')
    """
    text, unit = shown_label(column), shown_unit(column)
    if not unit:
        return text
    if text.endswith(")"):
        return f"{text[:-1]}, {unit})"
    return f"{text} ({unit})"


def shown(column: str, value: Any, *, summary: Mapping[str, Any] | None = None) -> str:
    """A value in the unit its :func:`heading` names: shares as percentages, MIDI notes as
    names, the analysis' own terms in plain words (:data:`WORDS`), ``–`` for a missing one.

    Parameters
    ----------
    column : str
        A column or summary key (``client.midi.pulse``, ``tempo_bpm``).
    value : object
        Its value as stored (``--json``).
    summary : mapping, optional
        The values ``value`` comes from, named as ``column`` is (a summary for a summary key, a
        row of columns for a column), for a word that depends on another measure: an
        intermittent ``pulse`` whose ``pulsed_share`` is at least
        :data:`analysis.beats.CLEAR_SHARE` reads :data:`MOSTLY_PULSED`; a note is spelled
        with flats where the ``key`` beside it has flats (:func:`note_name`).

    Returns
    -------
    str

    Examples
    --------
    >>> shown("x.silence_share", 0.25), shown("x.pitch_max", 67.0), shown("x.tempo_bpm", None)
    ('25', 'G4', '–')
    >>> shown("x.audio.tempo_level_from", "audio"), shown("x.midi.pulse", "intermittent")
    ('this recording', 'only at times')
    >>> shown("pulse", "intermittent", summary={"pulsed_share": 0.9})
    'most of the time, but no single tempo'
    >>> shown("c.midi.pulse", "intermittent", summary={"c.midi.pulsed_share": 0.4})
    'only at times'
    >>> shown("c.midi.pulse", "intermittent", summary={"c.midi.pulsed_share": 0.7})
    'much of the time'
    >>> shown("pitch_mean", 46.1, summary={"key": "Bb major"})
    'Bb2'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        found = lookup(column)
        if found is None:
            return value
        name = found[0].name
        if name == "pulse" and value == "intermittent" and summary is not None:
            from analysis.beats import CLEAR_SHARE

            share = summary.get(column[:-len("pulse")] + "pulsed_share")
            if isinstance(share, (int, float)) and share >= CLEAR_SHARE:
                return MOSTLY_PULSED
            if isinstance(share, (int, float)) and share >= OFTEN_PULSED_SHARE:
                return OFTEN_PULSED
        return WORDS.get(name, {}).get(value, value)
    if not isinstance(value, (int, float)):
        return str(value)
    unit = describe(column)[0]
    if unit == "MIDI note":  # with flats in a key that has them
        return note_name(value, key=_key_of(column, summary))
    if unit in _PERCENT:
        return f"{100 * value:.0f}"
    if abs(value) < 5e-4:  # a rounding residue (1e-12 ms), not a measure
        return "0"
    if float(value) == int(value) and abs(value) < 1e6:
        return str(int(value))
    if unit in _WHOLE:  # a tempo, a velocity, milliseconds: whole numbers, as the summary
        return f"{value:.0f}"
    if unit in _TENTHS:  # levels in dB: a tenth is below what anyone hears
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 0.01 else f"{value:.2f}" if abs(value) < 100 \
        else f"{value:.0f}"


#: The measures the client page and the reports show first (:data:`improv.reports.compare.
#: DEFAULT_FEATURES`) in a therapist's words, where the feature list's definition speaks the
#: analysis' language ("onsets", "windows", "(MTTB)", a field's name: a therapist's review
#: of the client page). The feature list keeps its definitions for the research export's data
#: dictionary and ``--json``.
_PLAIN = {n: PLAIN[n] for n in (
    "notes_per_s", "onsets_per_s", "silence_share", "tempo_bpm", "pulse_clarity", "velocity_mean",
    "level_dbfs_mean", "loudness_lufs_integrated", "asynchrony_abs_mean_ms", "{x}_leads_share")}


def meaning(column: str) -> str:
    """A measure's one-line definition (:func:`analysis.features.describe`) for people: where
    its values are said in plain words (:data:`WORDS`: the pulse), the definition says them in
    those words too, not in the analysis' own terms; the measures shown first
    (:data:`_PLAIN`) in a therapist's words.

    >>> meaning("client.midi.pulse")[:61]
    'how much of the playing has a beat. “clear and steady”: in 80'
    >>> meaning("client.midi.silence_share")
    'share of the session spent in pauses longer than 2 seconds'
    """
    found = lookup(column)
    if found is not None and found[0].name in _PLAIN:
        return _PLAIN[found[0].name].format(**found[1])
    if found is not None and found[0].name == "pulse":
        from analysis.beats import CLEAR_SHARE, RARE_PULSE_SHARE

        w = WORDS["pulse"]
        return (f"how much of the playing has a beat. “{w['clear']}”: in "
                f"{100 * CLEAR_SHARE:.0f} % or more of the windows with playing, on one tempo; "
                f"“{MOSTLY_PULSED}”: as often, not on one tempo; “{OFTEN_PULSED}”: in "
                f"{100 * OFTEN_PULSED_SHARE:.0f} % or more; “{w['intermittent']}”: less "
                f"often; “{w['rare']}”: under {100 * RARE_PULSE_SHARE:.0f} %; “{w['none']}”: "
                "in none")
    extra = _MEANINGS.get(found[0].name, "").format(**found[1]) if found else ""
    # the feature list's own terms in a meaning said in the report's words (review 29)
    said = describe(column)[1].replace("(pulse too short, tempo_source clip)",
                                       "(pulse “too short to tell”)")
    said = re.sub(r"in which (.+?) was suggested the role (\S+)",
                  r"for which the analysis suggested the role “\2” for \1", said)
    return said + extra


def plain_meaning(column: str) -> str:
    """What a measure means in a therapist's words, for every measure a screen shows (the
    client page, those behind its *Show all measures* too:
    :data:`improv.reports.plain_measures.PLAIN`), else :func:`meaning`. The session report's
    technical appendix keeps :func:`meaning`, whose definitions name the methods and sources
    its list of abbreviations writes out ("MTTB", "EBU R128").

    >>> plain_meaning("client.midi.pulsed_share")
    'share of the playing (pauses left out) in which a clear beat can be heard'
    >>> meaning("client.midi.pulsed_share")[:39]
    'share of the 6 s windows in which the p'
    """
    found = lookup(column)
    if found is not None and found[0].name in PLAIN:
        return PLAIN[found[0].name].format(**found[1])
    return meaning(column)


def scale(column: str) -> float:
    """The factor from a measure's stored unit to the unit of its :func:`heading` (100 for a
    share shown as a percentage, else 1): for differences and slopes of it."""
    return 100.0 if describe(column)[0] in _PERCENT else 1.0


def shown_band(column: str, band: dict | None, *, raw: bool = False,
               key: str | None = None) -> str:
    """A baseline band (``{"mean", "sd"}`` in the stored unit) as the reports, the goals and
    ``improv compare`` write it: the mean with the measure's :func:`decimals` in the unit of
    its :func:`heading` (a share in per cent to one decimal, a tempo in whole BPM), the SD
    with as many decimals, or one significant digit where those would round it to nothing
    (not "± 0"); a pitch by its note name (spelled in ``key``) ± semitones; ``–`` for none;
    ``raw``: the stored numbers (``--raw``).

    >>> shown_band("x.silence_share", {"mean": 0.25, "sd": 0.05})
    '25.0 ± 5.0'
    >>> shown_band("x.silence_share", {"mean": 0.0779, "sd": 0.00025})
    '7.8 ± 0.03'
    >>> shown_band("x.midi.tempo_bpm", {"mean": 124.6, "sd": 4.83})
    '125 ± 5'
    >>> shown_band("x.pitch_mean", {"mean": 64.2, "sd": 1.5})
    'E4 ± 1.5 semitones'
    """
    if not band:
        return "–"
    if raw:
        return f"{band['mean']:.3g} ± {band['sd']:.2g}"
    if describe(column)[0] == "MIDI note":
        return f"{note_name(band['mean'], key=key)} ± {band['sd']:.2g} semitones"
    sd = scale(column) * band["sd"]
    if abs(sd) < 1e-9 * max(1.0, abs(scale(column) * band["mean"])):
        sd = 0.0
    places = decimals(column)
    sd_text = f"{sd:.{places}f}" if sd == 0 or round(sd, places) else f"{sd:.1g}"
    return f"{shown_fixed(column, band['mean'])} ± {sd_text}"


def column_title(column: str) -> str:
    """A catalog column with its player (or pair) and source in words:
    ``client (MIDI): Tempo (BPM)``, ``client & therapist: Asynchrony (mean, ms)``.

    >>> column_title("client.midi.tempo_bpm"), column_title("a|b.joint_share")
    ('client (MIDI): Tempo (BPM)', 'a & b: Both playing (%)')
    """
    parts = column.split(".")
    who = parts[0].replace("|", " & ")
    if len(parts) >= 3:
        who += f" ({source_name('.'.join(parts[1:-1]))})"
    return f"{who}: {heading(column)}" if len(parts) >= 2 else heading(column)


#: Units of measures that cannot be below zero: rates, shares, counts, tempi, spreads.
_NON_NEGATIVE_UNITS = ("fraction", "0-1", "count", "notes/s", "onsets/s", "1/min", "BPM",
                       "notes", "0-127", "semitones", "dB", "LU", "ratio", "p", "0/1")
#: Measures in seconds or milliseconds that are lengths or spreads (not signed lags).
_NON_NEGATIVE_NAMES = ("asynchrony_abs_mean_ms", "asynchrony_sd_ms", "gap_mean_s",
                       "overlap_mean_s", "{x}_turn_mean_s", "{x}_imitates_{y}_lag_median_s",
                       "duration_s", "window_s", "hop_s", "polyphony_mean", "polyphony_max")


def never_negative(column: str) -> bool:
    """Whether a measure cannot be below zero (a rate, share, count, spread or absolute
    asynchrony): its bands and axes stop at zero."""
    found = lookup(column)
    if found is None:
        return False
    f = found[0]
    return f.unit in _NON_NEGATIVE_UNITS or f.name in _NON_NEGATIVE_NAMES


def group_of(column: str) -> str:
    """The group of a measure (``analysis`` for an unknown name)."""
    found = lookup(column)
    return found[0].group if found else "analysis"


def grouped(columns: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Columns by group, groups in page order, measures in feature-list order inside a group.

    Returns
    -------
    list of (str, list of str)
        ``(group title, columns)`` for every group that has a column.
    """
    by: dict[str, list[str]] = {}
    for c in columns:
        by.setdefault(group_of(c), []).append(c)

    def order(c: str) -> int:
        found = lookup(c)
        return _ORDER[found[0].name] if found else len(_ORDER)

    return [(GROUP_TITLES[g], sorted(by[g], key=order)) for g in GROUPS if g in by]


#: The range a measure's values can take, in the unit of its :func:`heading` (a share in per
#: cent), by its unit in the feature list: its bands and chart axes stop at these ends.
_RANGES = {"fraction": (0.0, 100.0), "0-1": (0.0, 1.0), "-1..1": (-1.0, 1.0),
           "0-127": (0.0, 127.0), "0/1": (0.0, 1.0)}


def value_range(column: str) -> tuple[float, float] | None:
    """The smallest and largest value a measure can take, in the unit of its :func:`heading`
    (``(0, 100)`` for a share in per cent, ``(0, 1)`` for a 0-1 score, ``(0, 127)`` for a
    velocity), or None for a measure without fixed ends (a tempo, a time).

    >>> value_range("x.silence_share"), value_range("x.midi.tempo_stability")
    ((0.0, 100.0), (0.0, 1.0))
    >>> value_range("x.midi.tempo_bpm") is None
    True
    """
    found = lookup(column)
    return None if found is None else _RANGES.get(found[0].unit)


#: Decimals of a measure's values in the reports' tables, by unit (in the unit of its
#: :func:`heading`): whole BPM, velocities, milliseconds and dB as the summary says them, a
#: share in per cent to one decimal, a 0-1 score to two.
_DECIMALS = {"BPM": 0, "0-127": 0, "ms": 0, "fraction": 1, "0-1": 2, "-1..1": 2,
             "notes/s": 2, "onsets/s": 2, "1/min": 1, "semitones": 1, "dBFS": 1, "dB": 1,
             "LUFS": 1, "LU": 1, "s": 2, "count": 0, "notes": 1}


def decimals(column: str) -> int:
    """The decimals a measure is shown with in a report's table (:data:`_DECIMALS`; two for a
    unit not listed).

    >>> decimals("x.midi.tempo_bpm"), decimals("x.silence_share"), decimals("x.midi.pulse_clarity")
    (0, 1, 2)
    """
    found = lookup(column)
    return 2 if found is None else _DECIMALS.get(found[0].unit, 2)


def shown_fixed(column: str, value: float | None) -> str:
    """A value in the unit of its :func:`heading` with the measure's :func:`decimals` (a
    share in per cent, a pitch by its note name), ``–`` for none.

    >>> shown_fixed("x.silence_share", 0.0779), shown_fixed("x.midi.tempo_bpm", 119.4)
    ('7.8', '119')
    >>> shown_fixed("x.midi.pitch_mean", 49.2), shown_fixed("x.midi.tempo_bpm", None)
    ('C#3', '–')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if describe(column)[0] == "MIDI note":
        return note_name(value)
    text = f"{scale(column) * value:.{decimals(column)}f}"
    return "0" if float(text) == 0 else text  # not "-0.0"


def shown_slope(column: str, value: float) -> str:
    """A change per session (a slope, or an end of its interval) in the unit of the measure's
    :func:`heading`: two significant digits, and no more decimals than one beyond the
    measure's own (:func:`decimals`), with its sign; ``0`` only for zero: a value those
    decimals would round to nothing has one significant digit, so that an interval that does
    not reach zero never reads as if it did ("[-0.05, 0]" beside a clear trend, where its end
    is -0.0014 %).

    >>> shown_slope("x.midi.notes_per_s", 0.000946), shown_slope("x.midi.tempo_bpm", 1.4321)
    ('+0.001', '+1.4')
    >>> shown_slope("x.silence_share", -0.000627), shown_slope("x.midi.notes_per_s", -0.0627)
    ('-0.06', '-0.063')
    >>> shown_slope("x.silence_share", -1.44e-05), shown_slope("x.midi.tempo_bpm", 0.0)
    ('-0.001', '0')
    """
    v = scale(column) * value
    if not math.isfinite(v) or v == 0:
        return "0"
    places = min(max(0, 1 - math.floor(math.log10(abs(v)))), decimals(column) + 1)
    text = f"{v:+.{places}f}"
    if float(text) == 0:  # one significant digit: -0.0014 % is "-0.001", not "0"
        text = f"{v:+.{-math.floor(math.log10(abs(v)))}f}"
    return text


def input_name(source: str, sources=()) -> str:
    """A player's input as a pseudonymised report names it: ``MIDI``, ``audio``, or ``audio
    2`` for the second of several audio inputs (``audio:<input>``, whose name may be a file
    named after a person, is never printed).

    >>> input_name("midi"), input_name("audio"), input_name("audio:anna", ["audio:x", "audio:anna"])
    ('MIDI', 'audio', 'audio 2')
    """
    if not source.startswith("audio:"):
        return source_name(source)
    audio = [s for s in sources if s.startswith("audio:")] or [source]
    return f"audio {audio.index(source) + 1}" if source in audio else "audio"


#: Labels that tell apart two measures whose labels in the feature list read alike (a
#: therapist's review: "Tonal clarity 0.71" beside "Tonal clarity 0.83"; "client adapts
#: (phase correction) 0.25" beside "client phase correction 0.28").
_LABELS = {
    "tonal_clarity": "Tonal clarity (whole session)",
    "tonal_clarity_mean": "Tonal clarity (mean of windows)",
    "{x}_phase_correction": "{x} phase correction (simple estimate)",
    "{x}_role_{role}_share": "{x} in the role “{role}”",
}
#: Meanings added to those of the feature list where a label alone would mislead.
_MEANINGS = {
    "{x}_phase_correction": " A simpler estimate than “{x} adapts”: {x}'s own least-squares "
                            "slope, from the synchrony measures; “{x} adapts” is the model "
                            "that names the leader. As a slope it may fall outside 0-1 (over "
                            "1: {x} more than made up the difference).",
    "tonal_clarity_mean": " (6 s windows by default; the whole session's is “Tonal clarity "
                          "(whole session)”)",
}


def shown_label(column: str) -> str:
    """The label of a measure as the reports and the CLI tables show it: the feature list's
    (:func:`analysis.features.label`), or a label of :data:`_LABELS` that tells it apart from
    a look-alike.

    >>> shown_label("x.midi.tonal_clarity"), shown_label("a|b.client_phase_correction")
    ('Tonal clarity (whole session)', 'client phase correction (simple estimate)')
    """
    found = lookup(column)
    if found is not None and found[0].name in _LABELS:
        return _LABELS[found[0].name].format(**found[1])
    return label(column)

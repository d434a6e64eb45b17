"""Audio that hears the player's own MIDI: its pulse reported at the MIDI's metrical level.

A player recorded both from a MIDI instrument and through a microphone in front of it gives
two readings of one performance. Each source chooses its metrical level on its own, and where
they choose differently a therapist reads two tempi for the same playing (a 6/8 piece: 60 BPM
from the MIDI, whose long bass chords mark the dotted quarter, 90 from the microphone, which
hears six even eighths), one of which must be wrong. Where the MIDI's pulse is "clear" its
level has the better evidence: its onsets are exact, its note cues (duration, bass, chord
size: :mod:`analysis.metre`) are cues the audio does not have, and "clear" is right at some
metrical level in 96 % of held-out recordings. An intermittent MIDI pulse vouches for nothing.

So where the MIDI is clear, the audio demonstrably hears the MIDI's playing
(:func:`heard_agreement`: its onsets fall on the notes' onsets clearly more often than chance
puts them there), and its tempo lies at a metrical relation to the MIDI's (:data:`RATIOS`,
within :data:`LEVEL_TOL`), its beats are tracked again at that multiple of its own tempo curve
and relabelled (:func:`analysis.metre.relabel`: "clear" still needs the audio's own beats to
keep to the tempo). The audio keeps its own curve and beats, only one level up or down: the two
readings stay two measurements, not one copied into the other. Audio that hears other playing,
or whose reading is off every level of the MIDI's (a 4:3 relation), keeps its own level.

:data:`HEARD_TOL` is the onset-detection tolerance of MIREX's onset task and :data:`LEVEL_TOL`
twice the Acc1 tolerance (each source's tempo is measured with an error); both were set before
any measurement. :data:`HEARD_AGREEMENT` was set on 22 renderings of held-out pieces (their
agreement with their own MIDI and with other recordings' MIDI) and checked on all 463
(docs/benchmarks.md, 1.14.0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate
from .beats import Pulse, _frame_tempo, track_beats
from .metre import CHORD_GAP, relabel

__all__ = ["HeardNotes", "heard_share", "heard_agreement", "level_factor", "apply_heard",
           "HEARD_TOL", "HEARD_AGREEMENT", "CHANCE_SHIFTS", "RATIOS", "LEVEL_TOL",
           "VOUCHING_PULSES"]

#: An audio onset and a note onset within this many seconds are one event (the tolerance of
#: the MIREX onset-detection task).
HEARD_TOL = 0.05
#: The audio hears the MIDI's playing if its onsets fall on the notes this much more often than
#: chance (:func:`heard_agreement`, a kappa: 0 is chance, 1 every onset on a note).
HEARD_AGREEMENT = 0.25
#: Shifts [seconds] of the notes (each both ways) at which the chance share is measured: spread
#: over a second, at spacings unrelated to common beat periods.
CHANCE_SHIFTS = (0.21, 0.347, 0.484, 0.621, 0.758, 0.895, 1.032, 1.169)
#: Tempo ratios (the MIDI's over the audio's) of levels of one metrical hierarchy: third,
#: half, the 3:2 relations of a dotted or triplet level, double and triple.
RATIOS = (1.0 / 3.0, 0.5, 2.0 / 3.0, 1.0, 1.5, 2.0, 3.0)
#: The audio's tempo times a ratio must lie within this fraction of the MIDI's.
LEVEL_TOL = 0.08
#: The MIDI pulse labels whose level the audio takes (:meth:`HeardNotes.from_midi`). A "clear"
#: MIDI pulse is right at some metrical level in 96 % of the 288 held-out recordings where it
#: is clear; taking the MIDI's tentative level as well (an intermittent pulse) lost piano
#: Acc2, 0.605 -> 0.583, and two-fold cross-validation chose "clear" only, on both folds
#: (docs/benchmarks.md, 1.14.0).
VOUCHING_PULSES = ("clear",)


@dataclass(frozen=True)
class HeardNotes:
    """What the same player's MIDI says of the playing an audio input may hear.

    Attributes
    ----------
    onsets : np.ndarray [seconds] — the notes' onsets, on the audio's own clock
    tempo_bpm : float [BPM] — the tempo the MIDI's analysis reports (:meth:`from_midi` gives
        it only where the MIDI's pulse is clear)
    """

    onsets: np.ndarray
    tempo_bpm: float

    @classmethod
    def from_midi(cls, midi, *, clock=None) -> "HeardNotes | None":
        """What the analysis of a player's MIDI (:class:`analysis.PlayerAnalysis`) tells the
        analysis of audio that may hear it, or None where it vouches for no level: only a
        "clear" MIDI pulse does (:data:`VOUCHING_PULSES`).

        Parameters
        ----------
        midi : PlayerAnalysis or None — the MIDI's result (``kind == "midi"``)
        clock : callable or None — maps the notes' times [seconds] onto the audio's clock
            (an audio input's measured drift); None: the same clock
        """
        if midi is None or not len(midi.onsets):
            return None
        s = midi.summary
        if s.get("pulse") not in VOUCHING_PULSES or not s.get("tempo_bpm"):
            return None
        t = np.asarray(midi.onsets, dtype=np.float64)
        return cls(onsets=t if clock is None else np.asarray(clock(t), dtype=np.float64),
                   tempo_bpm=float(s["tempo_bpm"]))


def _events(t: np.ndarray) -> np.ndarray:
    """Sorted onsets, the further notes of a chord (within :data:`analysis.metre.CHORD_GAP` of
    its first note) left out: a chord is one onset in audio."""
    from .dialogue.events import chord_starts  # the dialogue's rule (imported when used)

    t = np.sort(np.asarray(t, dtype=np.float64))
    return t[chord_starts(t, chord=CHORD_GAP)]


def _matched(a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    """Whether each of ``a`` lies within ``tol`` of some element of sorted ``b``."""
    if b.size == 0:
        return np.zeros(a.size, dtype=bool)
    k = np.clip(np.searchsorted(b, a), 1, max(b.size - 1, 1))
    near = np.minimum(np.abs(a - b[k - 1]), np.abs(b[np.minimum(k, b.size - 1)] - a))
    return near <= tol


def heard_share(onsets: np.ndarray, notes: np.ndarray, *, tol: float = HEARD_TOL,
                shift: float = 0.0) -> float:
    """The share of audio onsets within ``tol`` of a note onset (chords as one), the notes
    moved by ``shift`` seconds.

    Parameters
    ----------
    onsets : np.ndarray [seconds] — audio onsets
    notes : np.ndarray [seconds] — note onsets, on the audio's clock
    tol, shift : float [seconds]

    Returns
    -------
    float — 0..1; 0.0 if either has no onsets

    Examples
    --------
    >>> import numpy as np
    >>> heard_share(np.array([1.0, 2.01, 3.0, 4.0]), np.array([1.0, 1.02, 2.0, 3.0]))
    0.75
    """
    tol = _validate.positive("tol", tol, unit="s")
    a = np.asarray(onsets, dtype=np.float64)
    m = _events(notes) + shift
    if a.size == 0 or m.size == 0:
        return 0.0
    return float(np.mean(_matched(a, m, tol)))


def heard_agreement(onsets: np.ndarray, notes: np.ndarray, *, tol: float = HEARD_TOL) -> float:
    """How much more of the audio's onsets fall on the notes than chance puts there: Cohen's
    kappa form ``(s - c) / (1 - c)`` of the share ``s`` at the recorded alignment
    (:func:`heard_share`) and its mean ``c`` with the notes moved by each of
    :data:`CHANCE_SHIFTS` (dense playing puts many onsets near some note by chance; a steady
    pulse at every multiple of its period).

    Returns
    -------
    float — at most 1; about 0 for playing the audio does not hear; 0.0 if either has no
    onsets
    """
    s = heard_share(onsets, notes, tol=tol)
    if s == 0.0:
        return 0.0
    c = float(np.mean([heard_share(onsets, notes, tol=tol, shift=d)
                       for d in (*CHANCE_SHIFTS, *(-x for x in CHANCE_SHIFTS))]))
    return (s - c) / (1.0 - c) if c < 1.0 else 0.0


def level_factor(tempo_bpm: float, reference_bpm: float, *, ratios=RATIOS,
                 tol: float = LEVEL_TOL) -> float | None:
    """The ratio of :data:`RATIOS` that puts ``tempo_bpm`` within ``tol`` of
    ``reference_bpm`` (the nearest one, in log tempo), or None if none does.

    Examples
    --------
    >>> level_factor(49.2, 96.2)
    2.0
    >>> level_factor(72.0, 96.0) is None  # 3:4, off the hierarchy
    True
    """
    if not (tempo_bpm > 0 and reference_bpm > 0):
        return None
    r = np.asarray(ratios, dtype=np.float64)
    err = np.abs(np.log(tempo_bpm * r / reference_bpm))
    i = int(np.argmin(err))
    return float(r[i]) if err[i] <= np.log1p(tol) else None


def apply_heard(pulse: Pulse, env: np.ndarray, *, frame_rate: float, onsets: np.ndarray,
                heard: HeardNotes) -> tuple[Pulse, bool]:
    """The audio's pulse at the MIDI's metrical level, where the audio hears the MIDI's
    playing and its level is another of the same hierarchy.

    Parameters
    ----------
    pulse : Pulse — the audio's own (after its metre step)
    env : np.ndarray — the onset envelope its beats are tracked on, at ``frame_rate`` [Hz]
    onsets : np.ndarray [seconds] — the audio's onsets
    heard : HeardNotes

    Returns
    -------
    (Pulse, bool) — the pulse, and whether its level is the MIDI's rather than its own (False
    where the two already agree, the audio does not hear the notes, or the readings are not
    related).
    """
    tc = pulse.curve
    if tc.tempo_bpm <= 0 or pulse.beats.size < 3:
        return pulse, False
    f = level_factor(tc.tempo_bpm, float(heard.tempo_bpm))
    if f is None or f == 1.0:
        return pulse, False
    if heard_agreement(onsets, heard.onsets) < HEARD_AGREEMENT:
        return pulse, False
    base, _ = _frame_tempo(tc, env.size, frame_rate)
    beats = track_beats(env, frame_rate=frame_rate, bpm=base * f)
    if beats.size < 3:
        return pulse, False
    scores = {1.0: (float("nan"), pulse.beats), f: (float("nan"), beats)}
    return relabel(pulse, scores, f, float("nan")), True

"""Metre from note cues: which metrical level the beats belong to, and how sure that is.

The tempo stage (:mod:`analysis.tempo`, :mod:`analysis.beats`) chooses a metrical level from
the periodicity of the onsets alone, and confuses the beat with its dotted or triplet level
(3:2) or with its half or double. Listeners hear the beat where the *salient* notes fall:
longer notes, bass notes, chords with more notes and louder notes (Lerdahl & Jackendoff 1983,
metrical preference rules 3-6; Temperley 2001, "The Cognition of Basic Musical Structures",
ch. 2; Dixon 2001/2007, BeatRoot's salience = duration + pitch + velocity). Given notes (MIDI):

1. **Event salience** (:func:`event_salience`): notes starting within :data:`CHORD_GAP` form
   one event; each event has four cues, (a) its longest note's duration, (b) its lowest pitch
   (lower = more salient), (c) its number of notes and (d) its loudest velocity, each turned
   into its percentile rank within the performance (0..1, so the cues are comparable and no
   unit dominates); the event's salience is the weighted mean of the ranks
   (:data:`CUE_WEIGHTS`; velocity weighs 0 since 1.10.0, being circular: see there).
2. **Metrical salience of a level** (:func:`level_salience`): beats are tracked at the level
   (the tempo curve times a factor, :func:`analysis.beats.track_beats`); an event is on a beat
   if it lies within :data:`POSITION_TOL` of one. The level's metrical salience is the
   correlation, over the events, of salience with being on a beat, times the share of beats
   on an event: a level too slow leaves salient events between its beats, one too fast or a
   dotted/triplet level puts weak events (or none) on its beats (an earlier form, mean
   strength at the beats minus at the 1/3, 1/2, 2/3 positions between them, favoured the
   double level on 15 of the 24 MIDI evaluation files).
3. **Choice** (:func:`score_levels`, :func:`choose`, :func:`decide`): the levels at
   :data:`LEVEL_RATIOS` of the tempo stage's level are scored; one of :data:`SWITCH_RATIOS`
   replaces it if its metrical salience is higher by more than :data:`SWITCH_MARGIN`. The
   *confidence* is how much the reported level's salience exceeds that of the best rival off
   its hierarchy (:data:`DOUBT`) whose own salience reaches :data:`DOUBT_FLOOR`; "clear" also
   needs it to be at least :data:`CLEAR_MARGIN` (:func:`relabel`). Where the tempo stage's
   level scores 0 (every event on one of its beats: steady one-note-a-beat playing) the cues
   cannot judge it, and it stands (:data:`KEEP_SILENT`).

The cues need pitched notes: on the GM percussion channel (and from an input marked as a drum
kit) a note number names a drum, and a drum's length and "pitch" say nothing about its metrical
weight, so those notes are left out and a drums-only player keeps the tempo stage's level and
label.

The two margins were chosen by two-fold cross-validation over 223 ASAP piano performances of
pieces outside the shared evaluation set (``bench/heldout_cv.py``, analysis 1.10.0); on the
shared set's 24 files alone the cross-validation had shipped them off (docs/benchmarks.md).

References
----------
Lerdahl, F. & Jackendoff, R. (1983). A Generative Theory of Tonal Music. MIT Press.
Temperley, D. (2001). The Cognition of Basic Musical Structures. MIT Press.
Dixon, S. (2001). Automatic extraction of tempo and beat from expressive performances.
J. New Music Research 30(1), 39-58.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import _validate
from .beats import (
    REGULAR_SHARE,
    Pulse,
    _frame_tempo,
    analyze_pulse,
    pulse_label,
    track_beats,
    vouch,
)
from .density import silent_intervals
from .tempo import MIDI_FRAME_RATE, onset_envelope, stability
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, SILENCE_GAP

__all__ = ["event_salience", "audio_salience", "level_salience", "score_levels", "decide",
           "relabel", "apply_metre", "apply_salience", "pulse_from_notes", "choose",
           "CUE_WEIGHTS", "AUDIO_CUE_WEIGHTS", "LEVEL_RATIOS", "SWITCH_MARGIN", "CLEAR_MARGIN",
           "DOUBT", "DOUBT_FLOOR", "KEEP_SILENT"]

#: Performances longer than SAMPLE_SEGMENTS x SAMPLE_SEGMENT_S seconds have their levels
#: scored on that many evenly spread stretches of SAMPLE_SEGMENT_S seconds (:func:`score_levels`).
SAMPLE_SEGMENTS = 5
SAMPLE_SEGMENT_S = 120.0
#: Notes starting within this many seconds of the event's first note are one event (a chord).
CHORD_GAP = 0.05
#: Weights of the cues (duration, bass, chord size, velocity) in an event's salience: equal,
#: fixed a priori (Dixon's BeatRoot also adds its duration, pitch and velocity terms), but no
#: velocity since 1.10.0: every level's beats are tracked on the velocity-weighted onset
#: envelope, so they already sit on the louder notes, and loudness as a cue is circular
#: (random notes on a steady pulse gave a rival level a metrical salience of 0.1-0.2 with it).
CUE_WEIGHTS = (1.0, 1.0, 1.0, 0.0)
#: Tempo ratios of the rival levels to the tempo stage's level: half, double, and the 3:2
#: relations that a dotted or triplet level has to the beat.
LEVEL_RATIOS = (0.5, 2.0, 2.0 / 3.0, 1.5)
#: The rivals that may replace the tempo stage's level (a subset of :data:`LEVEL_RATIOS`; all
#: of them are rivals for the confidence).
SWITCH_RATIOS = LEVEL_RATIOS
#: An event belongs to a position within this many seconds of it, or within 15 % of the local
#: beat period if that is shorter (the subdivisions must stay apart).
POSITION_TOL = 0.07
#: A rival level replaces the tempo stage's level if its metrical salience is higher by more
#: than this (rank units). ``inf``: never (the tempo stage alone). Chosen by two-fold
#: cross-validation over 223 ASAP piano performances outside the shared evaluation set, with
#: 47 steady performances that must all stay right (``bench/heldout_cv.py``): the folds chose
#: 0.1 with all four rivals and 0 with the duple ones; the stricter ships.
SWITCH_MARGIN = 0.1
#: The kept level's metrical salience must exceed the best rival's by at least this much for
#: a "clear" pulse. ``-inf``: no condition. Chosen as :data:`SWITCH_MARGIN` by the label
#: objective (95 % precision's break-even; the folds chose 0.05 and 0.1: the stricter ships).
CLEAR_MARGIN = 0.1
#: The rivals "clear" is measured against: "unrelated", the levels that would put the tempo off
#: every level of the reported one's hierarchy (a 3:2 or 4:3 relation); a half or double
#: rival is the same tempo at another level (Acc2), not a doubt about the pulse.
DOUBT = "unrelated"
#: A rival off the hierarchy is doubt only if its own metrical salience reaches this: cues
#: that mark no level (random notes on a steady pulse) give every level a score near 0,
#: which is no evidence against the tempo stage's level. Both folds chose 0.1 (of -inf, 0.05,
#: 0.1), the least that keeps the steady performances "clear".
DOUBT_FLOOR = 0.1
#: Where the cues cannot judge the tempo stage's level, it stands: "level" when that level
#: scores 0 (every event on one of its beats, as in steady playing of single notes, or notes
#: all alike), "all" only when every level does. A rival scoring a little above 0 there is
#: an alias of a pattern, not evidence (a steady 120 BPM with its lowest note every third
#: beat puts every other beat of the 80 BPM level on it).
KEEP_SILENT = "level"
#: Weights of the audio cues (time to the next onset, flux below 200 Hz, total flux) in an
#: onset's salience (:func:`audio_salience`): equal. Of five cue sets measured on 223 held-out
#: piano renderings, both folds of a two-fold cross-validation chose all three
#: (docs/benchmarks.md, 1.13.0).
AUDIO_CUE_WEIGHTS = (1.0, 1.0, 1.0)


def _rank(x: np.ndarray) -> np.ndarray:
    """Percentile rank in 0..1 (ties share their mean rank; a constant cue is 0.5)."""
    if x.size < 2:
        return np.full(x.size, 0.5)
    _, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
    mean_rank = np.cumsum(cnt) - (cnt - 1) / 2.0  # 1-based, ties averaged
    return (mean_rank[inv.ravel()] - 1.0) / (x.size - 1.0)


def event_salience(
    start: np.ndarray,
    end: np.ndarray,
    pitch: np.ndarray,
    velocity: np.ndarray,
    *,
    weights: tuple[float, float, float, float] = CUE_WEIGHTS,
) -> tuple[np.ndarray, np.ndarray]:
    """Events (chords merged) and their metrical salience from note cues.

    Parameters
    ----------
    start, end : np.ndarray [shape=(n,), seconds], sorted by ``start``
    pitch : np.ndarray [shape=(n,), MIDI note number]
    velocity : np.ndarray [shape=(n,), MIDI velocity 1-127]
    weights : tuple of four floats
        Weights of duration, bass (low pitch), chord size and velocity.

    Returns
    -------
    times : np.ndarray [shape=(e,), seconds] — event onsets (first note of each)
    salience : np.ndarray [shape=(e,), 0..1] — weighted mean of the cue ranks

    Examples
    --------
    >>> import numpy as np
    >>> t, s = event_salience(np.array([0.0, 0.0, 0.5]), np.array([1.0, 1.0, 0.6]),
    ...                       np.array([40, 64, 72]), np.array([90, 80, 60]))
    >>> t.tolist(), bool(s[0] > s[1])
    ([0.0, 0.5], True)
    """
    start = _validate.times_1d("start", start)
    if start.size == 0:
        return np.zeros(0), np.zeros(0)
    end, pitch = np.asarray(end, float), np.asarray(pitch, float)
    velocity = np.asarray(velocity, float)
    # a chord is anchored on its first note: later notes join while within CHORD_GAP of it
    ev = np.zeros(start.size, dtype=np.int64)
    anchor, k = start[0], 0
    for i in range(1, start.size):
        if start[i] - anchor > CHORD_GAP:
            anchor, k = start[i], k + 1
        ev[i] = k
    first = start[np.r_[True, np.diff(ev) > 0]]
    n_ev = int(ev[-1]) + 1
    dur = np.zeros(n_ev)
    np.maximum.at(dur, ev, np.clip(end - start, 0.0, None))
    dur = np.round(dur, 3)  # under a millisecond (float noise, tick rounding) is no cue
    low = np.full(n_ev, np.inf)
    np.minimum.at(low, ev, pitch)
    size = np.bincount(ev, minlength=n_ev).astype(float)
    loud = np.zeros(n_ev)
    np.maximum.at(loud, ev, velocity)
    cues = (_rank(dur), _rank(-low), _rank(size), _rank(loud))
    w = np.asarray(weights, dtype=float)
    sal = sum(wi * c for wi, c in zip(w, cues, strict=True)) / max(float(w.sum()), 1e-12)
    return first, sal


def audio_salience(onsets: np.ndarray, regions: np.ndarray, *,
                   weights: tuple[float, float, float] = AUDIO_CUE_WEIGHTS) -> np.ndarray:
    """Metrical salience of audio onsets from the cues the spectrum gives without notes.

    Parameters
    ----------
    onsets : np.ndarray [shape=(n,), seconds], sorted
    regions : np.ndarray [shape=(n, 3), dB of flux] — each onset's flux in the analyser's three
        frequency regions (below 200 Hz, to 2 kHz, above;
        :data:`analysis.onset_spectrum.TEMPO_BAND_EDGES`)
    weights : tuple of three floats
        Weights of the time to the next onset, the flux below 200 Hz and the total flux.

    Returns
    -------
    np.ndarray [shape=(n,), 0..1] — weighted mean of the cue ranks: a longer interval after an
    event accents it (Povel & Essens 1985; the audio stand-in for a note's duration), a bass
    note marks a strong beat (the stand-in for the lowest pitch), and a louder onset marks it
    too (the stand-in for a chord's size: more notes, more flux).

    Examples
    --------
    >>> import numpy as np
    >>> on = np.array([0.0, 0.5, 0.75, 1.0])
    >>> reg = np.array([[9.0, 5, 5], [1, 2, 2], [1, 2, 2], [9, 5, 5]])
    >>> s = audio_salience(on, reg)
    >>> bool(s[0] > s[1] and s[3] > s[2])
    True
    """
    onsets = _validate.times_1d("onsets", onsets)
    regions = np.asarray(regions, dtype=float)
    if onsets.size == 0:
        return np.zeros(0)
    gap = np.median(np.diff(onsets)) if onsets.size > 1 else 0.0
    nxt = np.diff(np.r_[onsets, onsets[-1] + gap])
    cues = (_rank(np.round(nxt, 3)), _rank(regions[:, 0]), _rank(regions.sum(axis=1)))
    w = np.asarray(weights, dtype=float)
    return sum(wi * c for wi, c in zip(w, cues, strict=True)) / max(float(w.sum()), 1e-12)


def _strength(pos: np.ndarray, tol: np.ndarray, times: np.ndarray, sal: np.ndarray) -> np.ndarray:
    """Salience of the strongest event within ``tol`` of each position (0 if none)."""
    lo = np.searchsorted(times, pos - tol, side="left")
    hi = np.searchsorted(times, pos + tol, side="right")
    out = np.zeros(pos.size)
    for k in np.flatnonzero(hi > lo):
        out[k] = sal[lo[k]:hi[k]].max()
    return out


def level_salience(beats: np.ndarray, times: np.ndarray, sal: np.ndarray) -> float:
    """How well the beats pick out the salient events: the correlation, over the events
    between the first and last beat, of an event's salience with its lying on a beat, times
    the share of beats that fall on an event.

    A level that is too slow leaves salient events between its beats, one that is too fast
    (or a dotted or triplet level) puts weak events on its beats or has beats on nothing:
    each lowers the score.

    Parameters
    ----------
    beats : np.ndarray [seconds] — tracked beats of one level
    times, sal : np.ndarray — events and their salience (:func:`event_salience`)

    Returns
    -------
    float — -1..1; nan with fewer than three beats or two events, 0.0 if every event (or none)
    is on a beat
    """
    beats = np.asarray(beats, dtype=float)
    if beats.size < 3:
        return float("nan")
    ibi = np.diff(beats)
    tol = np.minimum(POSITION_TOL, 0.15 * np.r_[ibi, ibi[-1]])
    # beats that fall on an event (a level too fast has empty beats: Temperley's first rule)
    lo = np.searchsorted(times, beats - tol, side="left")
    hit = float(np.mean(np.searchsorted(times, beats + tol, side="right") > lo))
    inside = (times >= beats[0] - POSITION_TOL) & (times <= beats[-1] + POSITION_TOL)
    t, s = times[inside], sal[inside]
    if t.size < 2:
        return float("nan")
    k = np.clip(np.searchsorted(beats, t), 1, beats.size - 1)
    dist = np.minimum(np.abs(t - beats[k - 1]), np.abs(beats[k] - t))
    on = dist <= np.minimum(POSITION_TOL, 0.15 * ibi[k - 1])
    if on.all() or not on.any() or np.ptp(s) == 0:
        return 0.0  # the beats do not tell salient events from others
    return float(np.corrcoef(on.astype(float), s)[0, 1]) * hit


def score_levels(pulse: Pulse, env: np.ndarray, *, frame_rate: float, times: np.ndarray,
                 sal: np.ndarray) -> dict[float, tuple[float, np.ndarray]]:
    """Metrical salience and beats of the tempo stage's level (factor 1.0) and its rivals.

    Parameters
    ----------
    pulse : Pulse — the tempo stage's result (:func:`analysis.beats.analyze_pulse`)
    env : np.ndarray — its onset envelope, sampled at ``frame_rate`` [Hz]
    times, sal : np.ndarray — events and their salience (:func:`event_salience`)

    Returns
    -------
    dict — factor (tempo over the tempo stage's) -> (:func:`level_salience`, beats [seconds]);
    only levels with a finite salience, none if the pulse has no tempo or too few beats. A
    performance longer than :data:`SAMPLE_SEGMENTS` × :data:`SAMPLE_SEGMENT_S` is scored on
    that many evenly spread stretches and its rivals' beats are None (:func:`choose` tracks
    the chosen one over the whole): the level is one decision for the whole, and tracking five
    levels over an hour cost 1.4 s of CPU per player.
    """
    tc = pulse.curve
    if tc.tempo_bpm <= 0 or pulse.beats.size < 3 or times.size < 3:
        return {}
    base, _ = _frame_tempo(tc, env.size, frame_rate)
    levels = [1.0] + [f for f in LEVEL_RATIOS if np.all(base * f <= 600.0)]
    n_seg = int(SAMPLE_SEGMENTS)
    if env.size <= n_seg * SAMPLE_SEGMENT_S * frame_rate:  # short: the whole performance
        beats = {f: pulse.beats if f == 1.0 else
                 track_beats(env, frame_rate=frame_rate, bpm=base * f) for f in levels}
        out = {f: (level_salience(b, times, sal), b) for f, b in beats.items()}
        return {f: v for f, v in out.items() if np.isfinite(v[0])}
    # long: each level scored on evenly spread stretches (the mean over them, by events); a
    # rival's beats over the whole are tracked only once it is chosen (:func:`choose`)
    seg = int(SAMPLE_SEGMENT_S * frame_rate)
    firsts = np.linspace(0, env.size - seg, n_seg).astype(np.int64)
    vals: dict[float, list[tuple[float, int]]] = {f: [] for f in levels}
    for i0 in firsts:
        a, b = i0 / frame_rate, (i0 + seg) / frame_rate
        ev = (times >= a) & (times < b)
        for f in levels:
            if f == 1.0:
                bt = pulse.beats[(pulse.beats >= a) & (pulse.beats < b)]
            else:
                bt = a + track_beats(env[i0:i0 + seg], frame_rate=frame_rate,
                                     bpm=base[i0:i0 + seg] * f)
            v = level_salience(bt, times[ev], sal[ev])
            if np.isfinite(v):
                vals[f].append((v, int(ev.sum())))
    score = {f: float(np.average([v for v, _ in x], weights=[n for _, n in x]))
             for f, x in vals.items() if x and sum(n for _, n in x) > 0}
    return {f: (v, pulse.beats if f == 1.0 else None) for f, v in score.items()}


def _related(ratio: float) -> bool:
    """Whether two levels ``ratio`` apart are one metrical hierarchy's (x1/3, 1/2, 2, 3: the
    levels MIREX's Acc2 counts as the same tempo)."""
    return any(abs(ratio / r - 1.0) < 1e-6 for r in (1.0 / 3.0, 0.5, 1.0, 2.0, 3.0))


def decide(scores: dict, *, switch_margin: float = SWITCH_MARGIN,
           switch_ratios: tuple[float, ...] = SWITCH_RATIOS,
           doubt: str = DOUBT, doubt_floor: float = DOUBT_FLOOR) -> tuple[float, float]:
    """The level to report and the confidence in it, from :func:`score_levels`.

    Parameters
    ----------
    scores : dict — from :func:`score_levels`
    switch_margin, switch_ratios — see :data:`SWITCH_MARGIN`, :data:`SWITCH_RATIOS`
    doubt : {"unrelated", "all"} — the rivals the confidence is measured against: those that
        would put the tempo off every level of the reported one's hierarchy (3:2, 4:3, 3:4
        relations; :data:`DOUBT`), or every other scored level
    doubt_floor : float — a rival is doubt only if its own metrical salience reaches this
        (:data:`DOUBT_FLOOR`): one near 0 is no evidence of another level

    Returns
    -------
    (factor, confidence) — the best level among 1.0 and ``switch_ratios`` if its salience
    exceeds the tempo stage's by more than ``switch_margin`` (else 1.0), and its salience minus
    the best rival's (nan if no rival was scored).
    """
    if 1.0 not in scores:
        return 1.0, float("nan")
    cands = [f for f in scores if f == 1.0 or any(abs(f - r) < 1e-9 for r in switch_ratios)]
    best = max(cands, key=lambda f: (scores[f][0], f == 1.0))
    pick = best if scores[best][0] - scores[1.0][0] > switch_margin else 1.0
    rivals = [v for f, (v, _) in scores.items()
              if f != pick and (doubt == "all" or not _related(f / pick)) and v >= doubt_floor]
    conf = scores[pick][0] - max(rivals) if rivals else float("nan")
    return pick, float(conf)


def relabel(pulse: Pulse, scores: dict, factor: float, confidence: float, *,
            clear_margin: float = CLEAR_MARGIN, clear_share: float | None = None,
            regular_share: float = REGULAR_SHARE) -> Pulse:
    """The pulse at the level ``factor`` (tempo curve and beats), its label also requiring
    ``confidence >= clear_margin`` for "clear" (a nan confidence, no rival scored, is no
    doubt) and beats that keep to the tempo (:func:`analysis.beats.vouch`)."""
    tc = pulse.curve
    beats = pulse.beats
    if factor != 1.0:
        old, new = scores[1.0][0], scores[factor][0]
        share = old / (old + new) if old > 0 and new > 0 else float("nan")
        beats = scores[factor][1]
        # the tempo of the new level's beats (the tempo stage's global tempo can sit at
        # another level than its curve, which the beats follow)
        tempo = 60.0 / float(np.median(np.diff(beats)))
        # the stability is the share of windows on the reported tempo: measured again at
        # the new level (the tempo stage's may have been measured against a tempo its
        # windows did not keep: a 4:3 reading; before 1.14.0 it was kept, and a steady 6/8
        # read stability 0)
        bpm = tc.bpm * factor
        stab = stability(bpm, tempo) if tc.times.size else tc.stability
        tc = replace(tc, bpm=bpm, tempo_bpm=tempo, alt_bpm=tc.tempo_bpm, alt_share=share,
                     stability=stab)
    kw = {} if clear_share is None else {"clear_share": clear_share}
    label = pulse_label(pulse.share, pulse.cross, n_windows=tc.times.size,
                        tempo_bpm=tc.tempo_bpm, agreement=tc.agreement, **kw)
    if label == "clear" and np.isfinite(confidence) and confidence < clear_margin:
        label = "intermittent"
    label = vouch(label, beats, tempo_bpm=tc.tempo_bpm, regular_share=regular_share)
    if pulse.label in ("none", "rare", "too short"):
        label = pulse.label
    return Pulse(tc, beats, label, pulse.share, pulse.cross)


def apply_metre(
    pulse: Pulse,
    env: np.ndarray,
    *,
    frame_rate: float,
    start: np.ndarray,
    end: np.ndarray,
    pitch: np.ndarray,
    velocity: np.ndarray,
    switch_margin: float = SWITCH_MARGIN,
    clear_margin: float = CLEAR_MARGIN,
    regular_share: float = REGULAR_SHARE,
) -> Pulse:
    """The pulse at the metrical level the note cues choose, labelled with their confidence.

    Parameters
    ----------
    pulse : Pulse — from :func:`analysis.beats.analyze_pulse` on ``env``
    env : np.ndarray — onset envelope sampled at ``frame_rate`` [Hz]
    start, end, pitch, velocity : np.ndarray — the notes (seconds, MIDI numbers)
    switch_margin, clear_margin : float — see :data:`SWITCH_MARGIN`, :data:`CLEAR_MARGIN`
    regular_share : float — see :data:`analysis.beats.REGULAR_SHARE`

    Returns
    -------
    Pulse — unchanged if both margins are off, or as :func:`choose` leaves it.
    """
    if switch_margin == np.inf and clear_margin == -np.inf:
        return pulse
    times, sal = event_salience(start, end, pitch, velocity)
    return apply_salience(pulse, env, frame_rate=frame_rate, times=times, sal=sal,
                          switch_margin=switch_margin, clear_margin=clear_margin,
                          regular_share=regular_share)


def apply_salience(
    pulse: Pulse,
    env: np.ndarray,
    *,
    frame_rate: float,
    times: np.ndarray,
    sal: np.ndarray,
    switch_margin: float = SWITCH_MARGIN,
    clear_margin: float = CLEAR_MARGIN,
    regular_share: float = REGULAR_SHARE,
) -> Pulse:
    """The pulse at the metrical level that events of a given salience choose: the step
    :func:`apply_metre` (note cues) and the audio analyser (:func:`audio_salience`) share.

    Parameters
    ----------
    pulse : Pulse — from :func:`analysis.beats.analyze_pulse` on ``env``
    env : np.ndarray — onset envelope sampled at ``frame_rate`` [Hz]
    times, sal : np.ndarray — events [seconds] and their salience (0..1)
    switch_margin, clear_margin : float — see :data:`SWITCH_MARGIN`, :data:`CLEAR_MARGIN`
    regular_share : float — see :data:`analysis.beats.REGULAR_SHARE`

    Returns
    -------
    Pulse — unchanged if both margins are off, or as :func:`choose` leaves it.
    """
    if switch_margin == np.inf and clear_margin == -np.inf:
        return pulse
    env = np.asarray(env, dtype=float)
    scores = score_levels(pulse, env, frame_rate=frame_rate, times=times, sal=sal)
    return choose(pulse, scores, switch_margin=switch_margin, clear_margin=clear_margin,
                  env=env, frame_rate=frame_rate, regular_share=regular_share)


def choose(pulse: Pulse, scores: dict, *, switch_margin: float = SWITCH_MARGIN,
           clear_margin: float = CLEAR_MARGIN, switch_ratios: tuple[float, ...] = SWITCH_RATIOS,
           doubt: str = DOUBT, doubt_floor: float = DOUBT_FLOOR,
           keep_silent: str = KEEP_SILENT, env: np.ndarray | None = None,
           frame_rate: float = 0.0, regular_share: float = REGULAR_SHARE) -> Pulse:
    """The pulse at the level the scores choose (:func:`decide`), relabelled (:func:`relabel`),
    or unchanged where the cues cannot judge the tempo stage's level.

    Parameters
    ----------
    pulse : Pulse — the tempo stage's result
    scores : dict — from :func:`score_levels` on ``pulse``
    switch_margin, clear_margin, switch_ratios, doubt, doubt_floor — see :func:`decide`,
        :func:`relabel`
    keep_silent : {"level", "all"} — unchanged if the tempo stage's level scores 0 (its beats
        do not tell salient events from others: every event on a beat, none, or all alike;
        :data:`KEEP_SILENT`), or only if every level does
    env, frame_rate : the onset envelope the scores came from [Hz]; needed where a long
        performance changes level (its beats over the whole are tracked then)
    regular_share : float — see :data:`analysis.beats.REGULAR_SHARE`

    Returns
    -------
    Pulse
    """
    if not scores or not any(v for v, _ in scores.values()):
        return pulse
    if keep_silent == "level" and scores.get(1.0, (0.0,))[0] == 0.0:
        return pulse
    factor, conf = decide(scores, switch_margin=switch_margin, switch_ratios=switch_ratios,
                          doubt=doubt, doubt_floor=doubt_floor)
    if scores[factor][1] is None:  # a long performance's rival: its beats over the whole
        if env is None:
            raise ValueError("choose: a long performance's level needs its onset envelope "
                             "(env, frame_rate)")
        base, _ = _frame_tempo(pulse.curve, env.size, frame_rate)
        scores = dict(scores)
        scores[factor] = (scores[factor][0],
                          track_beats(env, frame_rate=frame_rate, bpm=base * factor))
    return relabel(pulse, scores, factor, conf, clear_margin=clear_margin,
                   regular_share=regular_share)


def pulse_from_notes(
    notes,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    switch_margin: float = SWITCH_MARGIN,
    clear_margin: float = CLEAR_MARGIN,
    regular_share: float = REGULAR_SHARE,
    silences: np.ndarray | None = None,
) -> Pulse:
    """Tempo, beats and pulse label of notes: :func:`analysis.beats.pulse_curve` on their
    onsets (velocity-weighted), then :func:`apply_metre` with the cues of the pitched ones
    (all notes give the onsets; drums (:attr:`analysis.convert.NoteTable.percussion`) give no
    cues). Windows in which no note sounds are pauses, left out of the pulsed share.

    Parameters
    ----------
    notes : analysis.convert.NoteTable
    duration : float [seconds]
    window, hop : float [seconds]
    switch_margin, clear_margin : float — see :data:`SWITCH_MARGIN`, :data:`CLEAR_MARGIN`
    regular_share : float — see :data:`analysis.beats.REGULAR_SHARE`
    silences : np.ndarray [shape=(k, 2), seconds] or None
        The notes' silences (:func:`analysis.density.silent_intervals`) if the caller has them;
        None: found here.

    Returns
    -------
    Pulse
    """
    env = onset_envelope(notes.start, duration=duration, weights=notes.velocity / 127.0)
    if silences is None:
        silences = silent_intervals(notes.start, notes.end, duration=duration, gap=SILENCE_GAP)
    pulse = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=duration, window=window,
                          hop=hop, regular_share=regular_share, silences=silences)
    tones = notes.pitched()
    if len(tones) < 3:
        return pulse  # drums only: no note cues to weigh the levels by
    return apply_metre(pulse, env, frame_rate=MIDI_FRAME_RATE, start=tones.start, end=tones.end,
                       pitch=tones.pitch, velocity=tones.velocity, switch_margin=switch_margin,
                       clear_margin=clear_margin, regular_share=regular_share)

"""The metrical level of a whole performance, chosen from its periodicity (step 5 of
:mod:`analysis.tempo`).

The salience of longer windows (:data:`GLOBAL_WINDOW`, 12 s: at least four beats even at
20 BPM) is averaged over the whole performance. Each tempo is scored by its own mean salience
plus the mean of the salience of its half and double (:data:`FAMILY_WEIGHT`: a real beat sits
in a duple metrical hierarchy, so its neighbouring levels are strong too; a 3:2 or 4:3
cross-rhythm has weak ones), times the log-normal prior. The family is the average of the mean
and the maximum of the two neighbours (one strong neighbour suffices, both count more), and it
is measured for every candidate, including the double of the fastest ones (grid extended to
twice :data:`analysis.periodicity.MAX_BPM`). The best score fixes the session's metrical
level, unless a level in a 3:2 or 3:1 relation to it scores almost as well: then
cross-correlation with pulse trains (Percival & Tzanetakis 2014, :func:`pulse_train_score`)
decides between the two, since a cross-rhythm has autocorrelation peaks but no single phase at
which all its pulses fall on events; each is tried within half a grid bin of its grid tempo
(:data:`TIE_SPREAD`). The runner-up level (:data:`ALTERNATIVE_RATIOS`) and its share are kept,
as MIREX reports two tempi.

(:mod:`analysis.metre` may move the level afterwards, from note or audio cues.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate
from .errors import ParameterError
from .periodicity import BINS_PER_OCTAVE, MAX_BPM, _log_prior, _segments, tempo_salience
from .windows import window_starts

__all__ = ["MetricalLevel", "metrical_level", "global_tempo", "pulse_train_score",
           "GLOBAL_WINDOW", "GLOBAL_HOP", "TIE_MARGIN", "TIE_SPREAD", "TIE_VARIANCE",
           "RELATED_RATIOS", "ALTERNATIVE_RATIOS", "PULSE_TRAIN_TAPS"]

#: Window and hop [seconds] of the whole-performance salience that chooses the metrical level:
#: twice the curve window, so that slow rubato beats (35-60 BPM) get 7-12 beats per window.
GLOBAL_WINDOW = 12.0
GLOBAL_HOP = 2.0
#: Weight of the half- and double-tempo salience in the metrical-level score (mean of the two):
#: Klapuri, Eronen & Astola (2006) and Dixon (2001) score a beat hypothesis by its related levels.
FAMILY_WEIGHT = 1.0
#: The family support of a level is capped at this multiple of the level's own salience, so a
#: level with no events of its own (the double tempo of a slow click) cannot win on its family.
FAMILY_CAP = 2.0
#: Shortest clip [seconds] for which a global tempo is attempted (two beats at 60 BPM).
MIN_CLIP = 2.0
#: Impulses (multiple of the beat period, weight) of the pulse trains of
#: :func:`pulse_train_score`: four beats, four half-bars and four dotted beats (Percival &
#: Tzanetakis 2014; Essentia ``PercivalEvaluatePulseTrains``).
PULSE_TRAIN_TAPS = tuple((b * k, w) for b in range(4)
                         for k, w in ((1.0, 1.0), (2.0, 0.5), (1.5, 0.5)))
#: Tempo ratios between the best level and a rival that the pulse trains may overturn, and the
#: tolerance [octaves] of the relation. Only non-duple relations (3:2, 3:1): against its half
#: or double the pulse trains are no judge, since the slower of two duple levels hits every one
#: of its impulses wherever the faster does, and its dotted (1.5 x period) impulses land on the
#: faster level's beats (an isochronous click train scores ~1.2 times higher at half its tempo;
#: allowing 2:1 overturns turned 160 BPM clicks into 80).
RELATED_RATIOS = (1.0 / 3.0, 2.0 / 3.0, 1.5, 3.0)
RELATED_TOL = 0.05
#: A related rival level whose score is within this fraction of the best one goes to the
#: pulse-train tie-break (the evaluation results are the same for 0.2-0.4). Percival &
#: Tzanetakis's combined score (maximum plus variance over phases) gave the same choices at
#: small margins and worse ones at larger margins, so only the maximum is used.
TIE_MARGIN = 0.3
#: How far [octaves] from each candidate's grid tempo the tie-break's pulse trains are tried in
#: each window, the best counting (:func:`pulse_train_score` ``spread``): half a grid bin. The
#: two candidates come from the grid (1.7 % a bin), and a pulse train's far impulses (up to 6
#: beats on) miss by up to 0.9 % of 6 beats at a grid tempo between the true one and its
#: neighbour: before 1.16.0 a 120 BPM stream of sixteenths, read at the bin 119.2, lost the
#: tie-break to its 3:2 rival 80.0 (a bin that fell on the true tempo) and was reported at 80
#: with a "clear" pulse (docs/benchmarks.md, session 23).
TIE_SPREAD = 0.5 / BINS_PER_OCTAVE
#: Whether the tie-break's window score adds the variance over phases to the maximum, as
#: Percival & Tzanetakis's own score does (:func:`pulse_train_score` ``variance``). Measured
#: again on held-out recordings in session 24: off (docs/benchmarks.md).
TIE_VARIANCE = False
#: Relations [tempo ratio] in which the runner-up metrical level is looked for: the MIREX
#: tempo task asks for two tempi and the share of the first (McKinney, Moelants, Davies &
#: Klapuri 2007), because listeners themselves split between such levels.
ALTERNATIVE_RATIOS = (1.0 / 3.0, 0.5, 2.0 / 3.0, 1.5, 2.0, 3.0)


@dataclass(frozen=True)
class MetricalLevel:
    """The metrical level chosen for a whole performance, and the runner-up.

    Attributes
    ----------
    tempo_bpm : float [BPM] — the chosen level (0.0: no periodicity at all)
    salience : float [0..1] — mean harmonic salience at that level
    alt_ratio : float — the runner-up's tempo over the chosen one (one of
        :data:`ALTERNATIVE_RATIOS`), or 0.0 if there is none
    alt_share : float [0..1] or nan — the runner-up's level score over the sum of both scores
        (0.5: as likely as the chosen level; above 0.5 only when the pulse-train tie-break
        overruled the scores)
    """

    tempo_bpm: float
    salience: float
    alt_ratio: float = 0.0
    alt_share: float = float("nan")


def global_tempo(
    env: np.ndarray,
    *,
    frame_rate: float,
    duration: float | None = None,
    window: float = GLOBAL_WINDOW,
    hop: float = GLOBAL_HOP,
) -> tuple[float, float]:
    """The metrical level of a whole performance: one tempo and its salience.

    The first two fields of :func:`metrical_level` (same parameters).

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.tempo import MIDI_FRAME_RATE, onset_envelope
    >>> env = onset_envelope(np.arange(0, 40, 1.5), duration=40.0)  # 40 BPM
    >>> round(global_tempo(env, frame_rate=MIDI_FRAME_RATE)[0])
    40
    """
    level = metrical_level(env, frame_rate=frame_rate, duration=duration, window=window, hop=hop)
    return level.tempo_bpm, level.salience


def metrical_level(
    env: np.ndarray,
    *,
    frame_rate: float,
    duration: float | None = None,
    window: float = GLOBAL_WINDOW,
    hop: float = GLOBAL_HOP,
    slower_tie: bool = True,
) -> MetricalLevel:
    """The metrical level of a whole performance, its salience and the runner-up level.

    Parameters
    ----------
    env : np.ndarray [shape=(n,)]
        Onset strength sampled at ``frame_rate``.
    frame_rate : float [Hz]
    duration : float [seconds] or None
        Default ``len(env) / frame_rate``. A shorter recording than ``window`` is analysed as
        one window (down to :data:`MIN_CLIP`; shorter gives tempo 0.0).
    window, hop : float [seconds]
    slower_tie : bool
        Whether the pulse-train tie-break may move the level to a slower rival (2:3 or 1:3);
        False: only to a faster one (:data:`analysis.audio_pulse.PERCUSSIVE_SLOWER_TIE`).

    Returns
    -------
    MetricalLevel
        ``tempo_bpm`` [BPM]: argmax over the tempo grid of
        ``(s(T) + FAMILY_WEIGHT * min(f(T), FAMILY_CAP * s(T))) * prior(T)``
        where ``s`` is the harmonic salience averaged over all windows, ``f`` the average of
        the mean and the maximum of ``s(T/2)`` and ``s(2T)`` and ``prior`` the log-normal
        preferred-tempo prior (:data:`analysis.periodicity.PRIOR_BPM`, ``PRIOR_OCTAVES``).
        ``s`` is measured up to ``2 * MAX_BPM`` so that the fastest candidate levels have
        their double scored like every other level (before 1.2 a level near the top had only
        its half as family, which favoured a sixteenth-note level over the beat); ``T``
        itself is at most :data:`MAX_BPM`.
        If a local maximum of the score at a 3:2 or 3:1 relation to the best one
        (:data:`RELATED_RATIOS`) scores within :data:`TIE_MARGIN` of it, the one of the two with
        the higher :func:`pulse_train_score` is taken (since 1.3; since 1.16.0 each within
        half a grid bin of its grid tempo, :data:`TIE_SPREAD`).
        ``salience`` [0..1]: ``s`` at that tempo (0.0: no periodicity at all).
        ``alt_ratio``, ``alt_share``: the best local maximum of the score at one of
        :data:`ALTERNATIVE_RATIOS` of the chosen tempo, and its share of the two scores
        (since 1.4; MIREX reports two tempi and their relative strength).

    References
    ----------
    Dixon, S. (2001). Automatic extraction of tempo and beat from expressive performances.
    J. New Music Research 30(1).
    Klapuri, A., Eronen, A. & Astola, J. (2006). Analysis of the meter of acoustic musical
    signals. IEEE TASLP 14(1).
    Moelants, D. (2002). Preferred tempo reconsidered. ICMPC 7.
    McKinney, M., Moelants, D., Davies, M. & Klapuri, A. (2007). Evaluation of audio beat
    tracking and music tempo extraction algorithms. J. New Music Research 36(1).
    Percival, G. & Tzanetakis, G. (2014). Streamlined tempo estimation based on autocorrelation
    and cross-correlation with pulses. IEEE/ACM TASLP 22(12).

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.tempo import MIDI_FRAME_RATE, onset_envelope
    >>> env = onset_envelope(np.arange(0, 40, 1.5), duration=40.0)  # 40 BPM
    >>> lv = metrical_level(env, frame_rate=MIDI_FRAME_RATE)
    >>> round(lv.tempo_bpm), lv.alt_ratio, bool(lv.alt_share < 0.5)
    (40, 0.5, True)
    """
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    env = np.asarray(env, dtype=np.float64)
    if duration is None:
        duration = env.size / frame_rate
    duration = _validate.nonnegative("duration", duration)
    if duration < MIN_CLIP:
        return MetricalLevel(0.0, 0.0)
    if duration < window:
        window = hop = duration
    _, bpm, sal = tempo_salience(env, frame_rate=frame_rate, duration=duration, window=window,
                                 hop=hop, max_bpm=2.0 * MAX_BPM)
    if sal.shape[0] == 0:
        return MetricalLevel(0.0, 0.0)
    mean = np.clip(sal, 0.0, None, out=sal).mean(axis=0)  # in place: a copy was 8.5 MB for 3 h
    del sal
    if not np.any(mean > 0):
        return MetricalLevel(0.0, 0.0)
    lb = np.log2(bpm)
    score = _level_score(bpm, mean)
    i = int(np.argmax(score))
    # tie-break between metrically related levels with pulse trains (Percival & Tzanetakis 2014)
    peak = np.zeros(score.size, dtype=bool)
    peak[1:-1] = (score[1:-1] > score[:-2]) & (score[1:-1] >= score[2:])
    rel_dist, _ = _relation(lb, i, RELATED_RATIOS)
    rivals = np.flatnonzero(peak & (rel_dist < RELATED_TOL)
                            & (score >= (1.0 - TIE_MARGIN) * score[i])
                            & (slower_tie | (bpm > bpm[i])))
    if rivals.size:
        j = int(rivals[np.argmax(score[rivals])])
        pt = pulse_train_score(env, frame_rate=frame_rate, duration=duration, bpm=bpm[[i, j]],
                               window=window, hop=hop, spread=TIE_SPREAD,
                               variance=TIE_VARIANCE)
        if pt[1] > pt[0]:
            i = j
    # the runner-up: the best local maximum of the score in a metrical relation to the level
    alt_dist, alt_ratio = _relation(lb, i, ALTERNATIVE_RATIOS)
    alts = np.flatnonzero(peak & (alt_dist < RELATED_TOL) & np.isfinite(score) & (score > 0))
    if alts.size == 0 or not score[i] > 0:
        return MetricalLevel(float(bpm[i]), float(mean[i]))
    k = int(alts[np.argmax(score[alts])])
    ratio = ALTERNATIVE_RATIOS[int(alt_ratio[k])]
    return MetricalLevel(float(bpm[i]), float(mean[i]), float(ratio),
                         float(score[k] / (score[k] + score[i])))


def _level_score(bpm: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The metrical-level score of every grid tempo (see :func:`metrical_level`)."""
    lb = np.log2(bpm)
    fam = _family(bpm, mean)
    prior = np.exp(_log_prior(lb))
    # family support is capped by the level's own salience (FAMILY_CAP)
    score = (mean + FAMILY_WEIGHT * np.minimum(fam, FAMILY_CAP * mean)) * prior
    score[bpm > MAX_BPM * (1 + 1e-9)] = -np.inf  # the extended grid only serves as family
    return score


def _family(bpm: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The family support of every grid tempo: the average of the mean and the maximum of the
    salience ``mean`` at its half and double (those inside the grid)."""
    lb = np.log2(bpm)
    # mean salience of the half and double tempo, over those inside the measurable range
    half = np.interp(lb - 1.0, lb, mean)
    double = np.interp(lb + 1.0, lb, mean)
    has_h = lb - 1.0 >= lb[0]
    has_d = lb + 1.0 <= lb[-1]
    n_fam = has_h.astype(np.float64) + has_d
    mean_fam = np.where(n_fam > 0, (half * has_h + double * has_d) / np.maximum(n_fam, 1.0), 0.0)
    # half mean (both neighbours support the level), half max (one strong neighbour suffices:
    # an isochronous pulse without subdivisions is still a beat)
    return 0.5 * (mean_fam + np.maximum(half * has_h, double * has_d))


def _relation(log_bpm: np.ndarray, i: int, ratios) -> tuple[np.ndarray, np.ndarray]:
    """For every grid tempo: distance [octaves] to the nearest ``ratio * bpm[i]``, and which."""
    d = np.abs((log_bpm[:, None] - log_bpm[i]) - np.log2(ratios)[None, :])
    return d.min(axis=1), d.argmin(axis=1)


def pulse_train_score(
    env: np.ndarray,
    *,
    frame_rate: float,
    bpm: np.ndarray,
    duration: float | None = None,
    window: float = GLOBAL_WINDOW,
    hop: float = GLOBAL_HOP,
    spread: float = 0.0,
    spread_steps: int = 2,
    variance: bool = False,
) -> np.ndarray:
    """How well pulse trains at each tempo, at their best phase (and, with ``spread``, their
    best tempo near it), match the onset envelope.

    For each window (mean removed, scaled to unit energy) and each candidate beat period
    ``P``, the envelope is cross-correlated with a pulse train of impulses at ``0, P, 2P, 3P``
    (weight 1), ``0, 2P, 4P, 6P`` (0.5) and ``0, 1.5P, 3P, 4.5P`` (0.5) at every phase
    (:data:`PULSE_TRAIN_TAPS`); the window's score is the maximum over phases. Unlike the
    autocorrelation, which only compares the envelope with itself, the pulse train asks for
    events at *one* phase on every beat: a 3:2 or 2:1 neighbour of the beat has peaks in the
    autocorrelation (every second or third of its pulses falls on an event) but not at one
    phase of all its pulses.

    Parameters
    ----------
    env : np.ndarray [shape=(n,)]
        Onset strength sampled at ``frame_rate``.
    frame_rate : float [Hz]
    bpm : np.ndarray [shape=(c,), BPM]
        Candidate tempi.
    duration : float [seconds] or None
        Default ``len(env) / frame_rate``; a shorter recording than ``window`` is one window.
    window, hop : float [seconds]
    spread : float [octaves]
        Each window's pulse trains are also tried at ``2 * spread_steps`` tempi evenly spaced
        within this distance of each candidate, and its best tempo counts (0: the candidate
        only). :func:`metrical_level` passes :data:`TIE_SPREAD`, half a grid bin.
    spread_steps : int
        Tempi tried on each side of the candidate.
    variance : bool
        Add the variance over phases to each window's maximum (Percival & Tzanetakis's
        score; :data:`TIE_VARIANCE`).

    Returns
    -------
    np.ndarray [shape=(c,)]
        Mean over windows of the best-phase correlation (0 for silence).

    References
    ----------
    Percival, G. & Tzanetakis, G. (2014). Streamlined tempo estimation based on autocorrelation
    and cross-correlation with pulses. IEEE/ACM TASLP 22(12), 1765-1776 (the pulse trains of
    their section III-D; their score adds the variance over phases, see :data:`TIE_MARGIN`).

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.tempo import MIDI_FRAME_RATE, onset_envelope
    >>> env = onset_envelope(np.arange(0, 30, 0.6), duration=30.0)  # 100 BPM
    >>> s = pulse_train_score(env, frame_rate=MIDI_FRAME_RATE, bpm=np.array([100.0, 150.0]))
    >>> bool(s[0] > s[1])
    True
    """
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    env = np.asarray(env, dtype=np.float64)
    bpm = np.atleast_1d(np.asarray(bpm, dtype=np.float64))
    if np.any(~np.isfinite(bpm) | (bpm <= 0)):
        raise ParameterError(f"bpm must be positive and finite, got {bpm!r}")
    if duration is None:
        duration = env.size / frame_rate
    duration = _validate.nonnegative("duration", duration)
    out = np.zeros(bpm.size)
    if duration < window:
        window = hop = duration
    n = int(round(window * frame_rate))
    starts = np.round(window_starts(duration, window=window, hop=hop) * frame_rate).astype(np.int64)
    if n < 2 or starts.size == 0:
        return out
    segs = _segments(env, np.minimum(starts, env.size), n)
    segs -= segs.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", segs, segs))
    live = norm > 1e-12
    if not live.any():
        return out
    segs = segs[live] / norm[live, None]
    spread = _validate.nonnegative("spread", spread, unit="octaves")
    steps = (np.linspace(-spread, spread, 2 * spread_steps + 1)
             if spread > 0 and spread_steps > 0 else np.zeros(1))
    for c, b in enumerate(bpm):
        best = np.full(segs.shape[0], -np.inf)
        for step in steps:
            period = 60.0 * frame_rate / (b * 2.0 ** step)
            phase = np.arange(int(np.ceil(period)))
            acc = np.zeros((segs.shape[0], phase.size))
            for off, w in PULSE_TRAIN_TAPS:
                idx = np.round(phase + off * period).astype(np.int64)
                ok = idx < n
                acc[:, ok] += w * segs[:, idx[ok]]
            score = acc.max(axis=1)
            if variance:
                score += acc.var(axis=1)
            np.maximum(best, score, out=best)
        out[c] = float(best.sum() / starts.size)
    return out

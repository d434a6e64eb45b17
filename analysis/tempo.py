"""The tempo curve of one player: tempo and pulse clarity over time, and the global tempo.

One estimator serves MIDI (an envelope built from note onsets and velocities,
:func:`onset_envelope`) and audio (a spectral-flux envelope, see :mod:`analysis.audio`):

1. **Local autocorrelation** and 2. **harmonic salience** of each tempo in each window
   (:mod:`analysis.periodicity`): a true beat period has autocorrelation peaks at all its
   multiples; periods in a 3:2 or 4:3 relation to the beat do not.
3. **Pulse clarity** of a window is the highest salience (0..1): the "maximum of the
   autocorrelation" descriptor of Lartillot, Eerola, Toiviainen & Fornari (2008), which they
   found the best single predictor of perceived pulse clarity. Windows under
   :data:`PULSE_THRESHOLD` are reported as pulse-less (tempo NaN: no value, since 1.8; 0.0
   before), not forced onto a tempo; so
   are windows with fewer than :data:`MIN_PULSE_EVENTS` events, and sparse windows whose
   clarity random events of their number would reach by chance (:data:`CHANCE_SLOPE`).
4. **Tempo path** (:mod:`analysis.tempo_path`). A Viterbi path through the salience (plus a
   broad log-normal tempo prior, Moelants 2002 / Ellis 2007) with a penalty on tempo jumps
   between neighbouring windows gives a continuous curve that follows rubato but does not flip
   metrical levels window by window.
   The path is the windows' own reading: a path drawn to the session's level (:data:`ANCHOR`,
   against a sixteenth-note groove's 4:3 cross-rhythm) was measured with 1.13.0 and ships off
   (docs/benchmarks.md).
5. **Metrical level from the whole performance** (:mod:`analysis.level_choice`): the
   salience of 12 s windows averaged over the performance, each tempo scored with its half and
   double and the prior, and a pulse-train tie-break between 3:2 or 3:1 rivals.
6. **Curve and global tempo.** The curve is folded onto that level (each window moved by the
   factor in :data:`analysis.level_fold.LEVEL_FACTORS` that brings it closest), and the global
   tempo is the median of the pulsed windows within :data:`MODE_RANGE` of it (the tempo a
   listener would tap most of the time: robust to rubato, to a few wrong windows, and not
   pulled between two levels). :func:`analysis.tempo_path.summary_tempo` (every window's
   salience peak near the level, :data:`SUMMARY`) was measured under two-fold
   cross-validation for 1.10 and ships off (docs/benchmarks.md).

There is no fixed tempo floor: the slowest tempo that can be measured is the one whose beat
period is half the window (two beats per window), 20 BPM for the 6 s default. A recording
shorter than one window has no curve, but still gets a global tempo from the whole clip used as
one window (``TempoCurve.short``), if it has a clear pulse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate
from .errors import ParameterError
from .level_choice import GLOBAL_HOP, GLOBAL_WINDOW, MetricalLevel, metrical_level
from .level_fold import _agreement, _cross_fold, _dominant_tempo, _fold, _fold_path, _level_distance
from .periodicity import _env_1d, _log_prior, tempo_salience
from .tempo_path import PATH_SIGMA, _refine_peaks, _viterbi, summary_tempo
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, count_in_windows

__all__ = [
    "MIDI_FRAME_RATE",
    "PULSE_THRESHOLD",
    "TempoCurve",
    "onset_envelope",
    "tempo_from_envelope",
    "tempo_curve",
    "stability",
]

#: Frame rate of the MIDI onset envelope [Hz] (10 ms frames: finer than human timing precision).
MIDI_FRAME_RATE = 100.0
#: Pulse clarity below which a window is reported as having no pulse (tempo NaN). Calibrated on
#: synthetic free playing (Poisson onsets, clarity mostly < 0.1) against metrical playing with
#: 5 % timing jitter (> 0.3); see tests/analysis/test_tempo.py.
PULSE_THRESHOLD = 0.2
#: Fewest events (onset-envelope peaks at least 50 ms apart) a window needs for a pulse: a
#: beat is a repetition, and two or three scattered notes make autocorrelation peaks by chance
#: (two notes alone give a salience of about 0.25 at their distance).
MIN_PULSE_EVENTS = 3
#: The fewer events a window has, the higher the clarity that random (Poisson) events reach by
#: chance: its 95th percentile over 600 windows of n random events is 0.196 + 0.48 / n
#: (n = 4..40; bench/pulse_chance.py). A window with n events needs a clarity of at least
#: ``threshold + CHANCE_SLOPE / n`` for a pulse if it has fewer than :data:`CHANCE_EVENTS`
#: events (since 1.5): sparse free playing (0.3-1 notes per second) was reported with a tempo
#: in 15-65 % of its windows before, and is in 0-5 % now.
CHANCE_SLOPE = 0.5
#: From this many events on, the chance level is within 0.04 of :data:`PULSE_THRESHOLD`
#: (which was calibrated on dense random playing, 18 events per window) and the threshold is
#: left as it is: raising it there too took the pulsed windows of dense random playing (3 notes
#: per second) from about 9 % to 3 %, but cost rendered piano windows (bench/evaluate.py:
#: rendered Acc2 0.708 -> 0.667, median curve error 7.6 -> 8.7 %).
CHANCE_EVENTS = 12
#: Smoothing of the MIDI onset impulses [seconds] (Gaussian sd; tolerates ~20 ms human timing).
ONSET_SMOOTH = 0.02
#: Windows within this distance [octaves] of the chosen level (±15 %, under half the 0.415 octave
#: of a 4:3 relation) make the global tempo; MODE_ITER re-centrings (wider ranges and more
#: iterations were tried and were no better on the evaluation data).
MODE_RANGE = 0.2
MODE_ITER = 1
#: A pulsed window counts as on the tempo, for the tempo stability, within this fraction of it
#: (MIREX's Acc1 tolerance).
STABLE_TOL = 0.04
#: Weight of the session's metrical level in the tempo path (0: off). Each tempo's prior is
#: lowered by ``ANCHOR`` times the square of its distance [octaves] from the nearest of the
#: level's :data:`analysis.level_fold.LEVEL_FACTORS`
#: (:func:`analysis.level_fold._level_distance`), and :attr:`TempoCurve.agreement` records
#: how often the windows' own reading agrees. Measured on held-out recordings
#: (``bench/label_levers.py``; docs/benchmarks.md, session 18): 4 keeps the curve of a
#: sixteenth-note groove on the beat where its windows read the 4:3 cross-rhythm (drum audio
#: tempo stability 0.77 -> 0.99), but moves the level the audio cues choose for piano
#: renderings (Acc2 0.605 -> 0.570). Off.
ANCHOR = 0.0
#: How the global tempo summarises the windows (issue 17): ``"pulsed"`` the median of the
#: pulsed windows near the level (shipped); ``"all"`` the salience-weighted
#: median over every window of its local salience peak within
#: :data:`analysis.tempo_path.SUMMARY_SPAN` of that
#: level; ``"fill"`` the pulsed windows' tempo (weighted by their clarity) and that peak in the
#: pulse-less ones. See :func:`analysis.tempo_path.summary_tempo`.
SUMMARY = "pulsed"


@dataclass(frozen=True)
class TempoCurve:
    """Tempo over time of one player.

    Attributes
    ----------
    times : np.ndarray [seconds] — window centres
    bpm : np.ndarray [BPM] — NaN where the window has no clear pulse (no value; 0.0 before
        1.8, which averaged in)
    clarity : np.ndarray [0..1] — pulse clarity per window; NaN in a window in which the
        player does not play (:func:`analysis.beats.over_the_playing`, since 1.18.0)
    tempo_bpm : float [BPM] — global tempo (0.0 if no pulsed window)
    pulse_clarity : float [0..1] — median window clarity
    stability : float [0..1] or nan — share of pulsed windows within ±4 % of ``tempo_bpm``
    short : bool — the recording is shorter than one window: no curve, and ``tempo_bpm`` and
        ``pulse_clarity`` come from the whole clip as one window
    alt_bpm : float [BPM] — the same music counted at the runner-up metrical level
        (``tempo_bpm`` times :attr:`MetricalLevel.alt_ratio`); 0.0 if there is none
    alt_share : float [0..1] or nan — how strong that level is against the chosen one
        (:attr:`MetricalLevel.alt_share`; near 0.5: a listener could tap either)
    agreement : float [0..1] or nan — share of the pulsed windows whose own reading (the tempo
        path without the session's level, :data:`ANCHOR`) lies within 10 % of the curve at one
        of its metrical levels; nan where the path has no anchor (it is then the curve)
    """

    times: np.ndarray
    bpm: np.ndarray
    clarity: np.ndarray
    tempo_bpm: float
    pulse_clarity: float
    stability: float
    short: bool = False
    alt_bpm: float = 0.0
    alt_share: float = float("nan")
    agreement: float = float("nan")

    @classmethod
    def empty(cls) -> "TempoCurve":
        z = np.zeros(0)
        return cls(z, z.copy(), z.copy(), 0.0, 0.0, float("nan"))


def onset_envelope(
    onsets: np.ndarray,
    *,
    duration: float,
    weights: np.ndarray | None = None,
    frame_rate: float = MIDI_FRAME_RATE,
    smooth: float = ONSET_SMOOTH,
) -> np.ndarray:
    """An onset-strength envelope from event times (e.g. MIDI note onsets).

    Parameters
    ----------
    onsets : np.ndarray [shape=(n,), seconds]
    duration : float [seconds]
        Length of the envelope; onsets outside ``[0, duration)`` are dropped.
    weights : np.ndarray [shape=(n,)] or None
        Strength of each onset (e.g. ``velocity / 127``); default 1.
    frame_rate : float [Hz]
    smooth : float [seconds]
        Standard deviation of the Gaussian that spreads each impulse (0 = none).

    Returns
    -------
    np.ndarray [shape=(ceil(duration*frame_rate),), float64]
        Onsets within one frame add up; the sum is compressed with ``log1p`` so that dense
        chords count more than single notes, but not proportionally to their note count.
    """
    t = _validate.times_1d("onsets", onsets)
    duration = _validate.nonnegative("duration", duration)
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    smooth = _validate.nonnegative("smooth", smooth)
    n = int(np.ceil(duration * frame_rate))
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != t.shape:
        raise ParameterError(f"weights must have the shape of onsets {t.shape}, got {w.shape}")
    idx = np.round(t * frame_rate).astype(np.int64)
    keep = (idx >= 0) & (idx < n)
    env = np.bincount(idx[keep], weights=w[keep], minlength=n).astype(np.float64)[:n]
    env = np.log1p(env)
    if smooth > 0 and n:
        from scipy.ndimage import gaussian_filter1d

        env = gaussian_filter1d(env, smooth * frame_rate, mode="constant")
    return env


def stability(curve: np.ndarray, tempo: float) -> float:
    """Tempo stability: the share of pulsed windows (finite tempo) within
    :data:`STABLE_TOL` of ``tempo`` [BPM]; nan without a pulsed window or a tempo."""
    c = np.asarray(curve, dtype=np.float64)
    c = c[np.isfinite(c) & (c > 0)]
    if c.size == 0 or not tempo > 0:
        return float("nan")
    return float(np.mean(np.abs(c / tempo - 1.0) <= STABLE_TOL))


def _event_frames(env: np.ndarray, *, frame_rate: float) -> np.ndarray:
    """Frames of the envelope's events: local maxima at least 50 ms apart (notes of a chord
    or a roll closer than that are one event) above 1/1000 of the envelope's maximum."""
    from scipy.ndimage import maximum_filter1d

    env = np.asarray(env, dtype=np.float64)
    if env.size == 0 or not env.max() > 0:
        return np.zeros(0, dtype=np.int64)
    half = max(1, int(round(0.05 * frame_rate)))
    top = env == maximum_filter1d(env, 2 * half + 1, mode="constant")
    idx = np.flatnonzero(top & (env > 1e-3 * env.max()))
    return idx[np.r_[True, np.diff(idx) > 1]] if idx.size else idx  # a flat top is one event


def _alternative(choice: MetricalLevel, tempo: float) -> dict:
    """TempoCurve fields of the runner-up level at ``tempo`` (none without one)."""
    if tempo <= 0 or choice.alt_ratio == 0.0:
        return {}
    return {"alt_bpm": float(tempo * choice.alt_ratio), "alt_share": choice.alt_share}


def tempo_from_envelope(
    env: np.ndarray,
    *,
    frame_rate: float,
    duration: float | None = None,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    threshold: float = PULSE_THRESHOLD,
    cross_fold: tuple[float, ...] = (),
    slower_tie: bool = True,
) -> TempoCurve:
    """Tempo curve, pulse clarity and global tempo from an onset-strength envelope.

    Parameters
    ----------
    env : np.ndarray [shape=(n,)]
        Onset strength sampled at ``frame_rate``; frame ``i`` is at ``i / frame_rate`` seconds.
    frame_rate : float [Hz]
    duration : float [seconds] or None
        Session length; default ``len(env) / frame_rate``.
    window, hop : float [seconds]
        Analysis window and hop (MTTB default 6 s / 1 s). The slowest measurable tempo is
        ``120 / window`` BPM.
    threshold : float [0..1]
        Pulse clarity under which a window counts as pulse-less.
    cross_fold : tuple of float
        Tempo ratios besides :data:`analysis.level_fold.LEVEL_FACTORS` (e.g. 4/3 and 3/4, a
        cross-rhythm) at which a window's tempo is moved onto the session's level
        (:func:`analysis.level_fold._cross_fold`; measured, off: docs/benchmarks.md, session 21).
    slower_tie : bool
        See :func:`analysis.level_choice.metrical_level`.

    Returns
    -------
    TempoCurve
        Empty arrays if the session is shorter than one window (then ``short`` is True and
        the global tempo comes from the whole clip); ``tempo_bpm`` 0.0 for silence or no
        pulse, ``bpm`` NaN in the windows without a pulse.

    References
    ----------
    Ellis, D. (2007). Beat tracking by dynamic programming. J. New Music Research 36(1).
    Grosche, P. & Müller, M. (2011). Extracting predominant local pulse information from music
    recordings. IEEE TASLP 19(6).
    Lartillot, O., Eerola, T., Toiviainen, P. & Fornari, J. (2008). Multi-feature modeling of
    pulse clarity: design, validation and optimisation. ISMIR 2008.
    Percival, G. & Tzanetakis, G. (2014). Streamlined tempo estimation based on autocorrelation
    and cross-correlation with pulses. IEEE/ACM TASLP 22(12).
    """
    threshold = _validate.nonnegative("threshold", threshold, unit="0..1")
    # checked before the metrical level, which runs first (never beside the windows' salience)
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    window, hop, env = *_validate.window_hop(window, hop), _env_1d(env)
    duration = env.size / frame_rate if duration is None else duration
    choice = metrical_level(env, frame_rate=frame_rate, duration=duration,
                            window=max(GLOBAL_WINDOW, window), hop=max(GLOBAL_HOP, hop),
                            slower_tie=slower_tie)
    # the events too (their peak-picking temporaries are 1.08 million frames each for 3 h)
    event_t = _event_frames(env, frame_rate=frame_rate) / frame_rate
    times, bpm, sal = tempo_salience(env, frame_rate=frame_rate, duration=duration,
                                     window=window, hop=hop)
    level, level_sal = choice.tempo_bpm, choice.salience

    if times.size == 0:  # a clip shorter than one window: the whole clip is the window
        n_clip = event_t.size
        chance = CHANCE_SLOPE / n_clip if 0 < n_clip < CHANCE_EVENTS else 0.0
        if level > 0 and n_clip >= MIN_PULSE_EVENTS and level_sal >= threshold + chance:
            z = np.zeros(0)
            return TempoCurve(z, z.copy(), z.copy(), level, min(level_sal, 1.0), float("nan"),
                              short=True, **_alternative(choice, level))
        e = TempoCurve.empty()
        return TempoCurve(e.times, e.bpm, e.clarity, 0.0, min(level_sal, 1.0), e.stability,
                          short=True)
    clarity = np.clip(sal.max(axis=1), 0.0, 1.0)
    _, n_events = count_in_windows(event_t, duration=duration, window=window, hop=hop)
    clarity[n_events < MIN_PULSE_EVENTS] = 0.0  # too few events for a beat
    # the clarity random events reach by chance rises as they get fewer (CHANCE_SLOPE)
    sparse = n_events < CHANCE_EVENTS
    pulsed = clarity >= threshold + np.where(sparse, CHANCE_SLOPE / np.maximum(n_events, 1), 0.0)
    log_bpm = np.log2(bpm)
    prior = _log_prior(log_bpm)
    # Emission: salience scaled so that a clear peak (0.5) outweighs the prior across an octave;
    # pulse-less windows only carry the path through (computed inside the Viterbi: no score
    # table beside the salience, issue 22)
    sigma = PATH_SIGMA * np.sqrt(hop)
    path = _viterbi(sal.T, prior, pulsed, log_bpm, sigma)
    # refine each window's tempo between grid bins (parabolic interpolation of the salience)
    curve = _refine_peaks(sal, path, bpm)
    if not pulsed.any():
        return TempoCurve(times, curve * np.nan, clarity, 0.0, float(np.median(clarity)),
                          float("nan"))
    ref = level if level > 0 else _dominant_tempo(curve[pulsed], clarity[pulsed])
    agreement = float("nan")
    if ANCHOR > 0 and level > 0:
        # the path again, drawn to the session's level: the windows' own reading (``curve``)
        # may sit in a 4:3 or 3:2 relation to it, a cross-rhythm the 6 s windows favour
        free = _fold(curve[pulsed], ref)
        anchored = prior - ANCHOR * _level_distance(log_bpm, level) ** 2
        curve = _refine_peaks(sal, _viterbi(sal.T, anchored, pulsed, log_bpm, sigma), bpm)
        agreement = _agreement(free, curve[pulsed])
    curve = _fold_path(curve, pulsed, ref)
    if cross_fold:
        curve = _cross_fold(curve, ref, cross_fold)
    curve = np.where(pulsed, curve, np.nan)
    glob = float(ref)
    for _ in range(MODE_ITER):  # mean-shift style: median of the windows near the current estimate
        near = pulsed & (np.abs(np.log2(np.where(pulsed, curve, 1.0) / glob)) <= MODE_RANGE)
        if not near.any():  # the windows disagree with the whole-performance level: trust it
            break
        glob = float(np.median(curve[near]))
    stab = stability(curve, glob)
    if SUMMARY != "pulsed":
        glob = summary_tempo(sal, bpm, curve, clarity, level=glob, mode=SUMMARY)
    return TempoCurve(times, curve, clarity, glob, float(np.median(clarity)), stab,
                      agreement=agreement, **(_alternative(choice, glob) if level > 0 else {}))


def tempo_curve(
    onsets: np.ndarray,
    *,
    duration: float,
    weights: np.ndarray | None = None,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
) -> TempoCurve:
    """Tempo over time from event onsets (e.g. MIDI note starts).

    Parameters
    ----------
    onsets : np.ndarray [shape=(n,), seconds]
    duration : float [seconds]
    weights : np.ndarray [shape=(n,)] or None
        Onset strengths, e.g. ``velocity / 127``.
    window, hop : float [seconds]

    Returns
    -------
    TempoCurve

    Examples
    --------
    >>> import numpy as np
    >>> clicks = np.arange(0, 30, 0.5)  # 120 BPM
    >>> round(tempo_curve(clicks, duration=30.0).tempo_bpm)
    120
    """
    env = onset_envelope(onsets, duration=duration, weights=weights, frame_rate=MIDI_FRAME_RATE)
    return tempo_from_envelope(env, frame_rate=MIDI_FRAME_RATE, duration=duration,
                               window=window, hop=hop)

"""Tempo and pulse clarity over time, from an onset-strength envelope.

One estimator serves MIDI (an envelope built from note onsets and velocities) and audio
(a spectral-flux envelope, see :mod:`analysis.audio`):

1. **Local autocorrelation.** For each analysis window the mean-removed envelope segment is
   autocorrelated and normalised by its energy (lag 0), as in the autocorrelation tempogram
   (Grosche & Müller 2011; librosa ``tempogram``) and Ellis (2007).
2. **Harmonic salience.** The salience of a beat period ``L`` is the mean of the normalised
   autocorrelation at ``L, 2L, 3L, 4L`` (those that fit in the window). A true beat period has
   peaks at all its multiples; periods in a 3:2 or 4:3 relation to the beat do not, which is
   what separates the beat from other metrical levels (the "enhanced autocorrelation" idea of
   Percival & Tzanetakis 2014).
3. **Pulse clarity** of a window is the highest salience (0..1): the "maximum of the
   autocorrelation" descriptor of Lartillot, Eerola, Toiviainen & Fornari (2008), which they
   found the best single predictor of perceived pulse clarity. Windows under
   :data:`PULSE_THRESHOLD` are reported as pulse-less (tempo NaN: no value, since 1.8; 0.0
   before), not forced onto a tempo; so
   are windows with fewer than :data:`MIN_PULSE_EVENTS` events, and sparse windows whose
   clarity random events of their number would reach by chance (:data:`CHANCE_SLOPE`).
4. **Tempo path.** A Viterbi path through the salience (plus a broad log-normal tempo prior,
   Moelants 2002 / Ellis 2007) with a penalty on tempo jumps between neighbouring windows gives a
   continuous curve that follows rubato but does not flip metrical levels window by window.
   The path is the windows' own reading: a path drawn to the session's level (:data:`ANCHOR`,
   against a sixteenth-note groove's 4:3 cross-rhythm) was measured with 1.13.0 and ships off
   (docs/benchmarks.md).
5. **Metrical level from the whole performance** (:func:`global_tempo`). The salience of longer
   windows (:data:`GLOBAL_WINDOW`, 12 s: at least four beats even at 20 BPM) is averaged over
   the whole performance. Each tempo is scored by its own mean salience plus the mean of the
   salience of its half and double (:data:`FAMILY_WEIGHT`: a real beat sits in a duple metrical
   hierarchy, so its neighbouring levels are strong too; a 3:2 or 4:3 cross-rhythm has weak
   ones), times the log-normal prior. The family is the average of the mean and the maximum of
   the two neighbours (one strong neighbour suffices, both count more), and it is measured for
   every candidate, including the double of the fastest ones (grid extended to twice
   :data:`MAX_BPM`). The best score fixes the session's metrical level, unless a level in a
   3:2 or 3:1 relation to it scores almost as well: then cross-correlation with pulse trains
   (Percival & Tzanetakis 2014, :func:`pulse_train_score`) decides between the two, since a
   cross-rhythm has autocorrelation peaks but no single phase at which all its pulses fall on
   events; each is tried within half a grid bin of its grid tempo (:data:`TIE_SPREAD`).
6. **Curve and global tempo.** The curve is folded onto that level (each window moved by the
   factor in :data:`LEVEL_FACTORS` that brings it closest), and the global tempo is the median
   of the pulsed windows within :data:`MODE_RANGE` of it (the tempo a listener would tap most of
   the time: robust to rubato, to a few wrong windows, and not pulled between two levels).
   :func:`summary_tempo` (every window's salience peak near the level, :data:`SUMMARY`) was
   measured under two-fold cross-validation for 1.10 and ships off (docs/benchmarks.md).

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
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, count_in_windows, window_starts

__all__ = [
    "MIDI_FRAME_RATE",
    "PULSE_THRESHOLD",
    "TempoCurve",
    "onset_envelope",
    "tempo_salience",
    "tempo_from_envelope",
    "tempo_curve",
    "global_tempo",
    "stability",
    "metrical_level",
    "MetricalLevel",
    "pulse_train_score",
    "GLOBAL_WINDOW",
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
#: Fastest beat considered [BPM]: beats faster than ~5 per second are heard as subdivisions
#: (London 2004, "Hearing in Time": beat periods 200 ms .. 2 s).
MAX_BPM = 300.0
#: Centre [BPM] and width [octaves] of the log-normal tempo prior (preferred tapping tempo around
#: 100-120 BPM, Moelants 2002; librosa uses 120 BPM / 1 octave).
PRIOR_BPM = 120.0
PRIOR_OCTAVES = 0.8
#: Tempo grid resolution [bins per octave] (1.7 % per bin, refined by parabolic
#: interpolation of the salience between bins).
BINS_PER_OCTAVE = 40
#: Standard deviation of the tempo change between windows [octaves per sqrt(second)] allowed by
#: the Viterbi path (about 7 % per second: enough for strong rubato, too little for an octave jump).
PATH_SIGMA = 0.1
#: Smoothing of the MIDI onset impulses [seconds] (Gaussian sd; tolerates ~20 ms human timing).
ONSET_SMOOTH = 0.02


@dataclass(frozen=True)
class TempoCurve:
    """Tempo over time of one player.

    Attributes
    ----------
    times : np.ndarray [seconds] — window centres
    bpm : np.ndarray [BPM] — NaN where the window has no clear pulse (no value; 0.0 before
        1.8, which averaged in)
    clarity : np.ndarray [0..1] — pulse clarity per window
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


def _bpm_grid(window: float, max_bpm: float = MAX_BPM) -> np.ndarray:
    lo = 60.0 / (window / 2.0)
    n = int(np.floor(np.log2(max_bpm / lo) * BINS_PER_OCTAVE)) + 1
    return lo * 2.0 ** (np.arange(n) / BINS_PER_OCTAVE)


#: Threads per batched FFT (pocketfft splits the rows between them; results are identical).
FFT_WORKERS = 2


#: Windows per FFT batch of :func:`_local_acf` and per block of :func:`tempo_salience`:
#: bounds memory for long sessions (512 before issue 22: 30 MB of FFT temporaries for the
#: 12 s windows of a MIDI player at 100 Hz; the rows are transformed one by one, so the values
#: do not depend on it).
_ACF_CHUNK = 128


def _local_acf(env: np.ndarray, starts: np.ndarray, n_win: int) -> np.ndarray:
    """Energy-normalised autocorrelation of each mean-removed window, lags 0..n_win-1.

    Returns
    -------
    np.ndarray [shape=(n_win, len(starts))]
        Transposed (one row per lag), so the salience lookups gather contiguous rows.
    """
    import scipy.fft

    out = np.zeros((n_win, len(starts)), dtype=np.float64)
    nfft = scipy.fft.next_fast_len(2 * n_win)
    starts = np.minimum(starts, env.size)
    chunk = _ACF_CHUNK
    for a in range(0, len(starts), chunk):
        seg = _segments(env, starts[a : a + chunk], n_win)
        seg -= seg.mean(axis=1, keepdims=True)
        spec = scipy.fft.rfft(seg, n=nfft, axis=1, workers=FFT_WORKERS)
        r = scipy.fft.irfft(spec.real**2 + spec.imag**2, n=nfft, axis=1,
                            workers=FFT_WORKERS)[:, :n_win]
        r0 = r[:, :1]
        out[:, a : a + chunk] = np.where(r0 > 1e-12, r / np.maximum(r0, 1e-12), 0.0).T
    return out


def _segments(env: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """``env[s:s + n]`` for each start ``s <= env.size`` (zeros past the end), as a new
    [len(starts), n] array: the rows of the envelope padded with ``n`` zeros, without a padded
    copy of the whole envelope (8.6 MB for 3 hours of MIDI at 100 Hz, issue 22)."""
    tail0 = max(0, env.size - n)  # windows from here on reach past the end
    tail = np.concatenate([env[tail0:], np.zeros(n)])
    out = np.empty((starts.size, n))
    inside = starts < tail0
    if inside.any():
        out[inside] = np.lib.stride_tricks.sliding_window_view(env, n)[starts[inside]]
    out[~inside] = np.lib.stride_tricks.sliding_window_view(tail, n)[starts[~inside] - tail0]
    return out


def tempo_salience(
    env: np.ndarray,
    *,
    frame_rate: float,
    duration: float | None = None,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    max_bpm: float = MAX_BPM,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Harmonic autocorrelation salience of each tempo in each window.

    Parameters
    ----------
    env : np.ndarray [shape=(n,)]
        Onset strength sampled at ``frame_rate``.
    frame_rate : float [Hz]
    duration : float [seconds] or None
    window, hop : float [seconds]
    max_bpm : float [BPM]
        Top of the tempo grid (default :data:`MAX_BPM`; :func:`global_tempo` looks one octave
        further, to score the double of the fastest beat it considers).

    Returns
    -------
    times : np.ndarray [shape=(k,), seconds]
    bpm : np.ndarray [shape=(m,), BPM] — the tempo grid
    salience : np.ndarray [shape=(k, m)] — in [-1, 1]
    """
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    window, hop = _validate.window_hop(window, hop)
    env = _env_1d(env)
    if duration is None:
        duration = env.size / frame_rate
    max_bpm = _validate.positive("max_bpm", max_bpm, unit="BPM")
    shortest = _validate.MIN_WINDOW * MAX_BPM / max_bpm  # a grid of 240..300 BPM at least
    if window < shortest:
        raise ParameterError(
            f"window must be at least {shortest:g} s for tempo (it holds two beats of the "
            f"slowest tempo measured, up to {max_bpm:g} BPM), got {window!r}")
    bpm = _bpm_grid(window, max_bpm)
    starts = window_starts(duration, window=window, hop=hop)
    if starts.size == 0:
        return starts, bpm, np.zeros((0, bpm.size))
    n_win = int(round(window * frame_rate))
    frames = np.round(starts * frame_rate).astype(np.int64)
    lag = 60.0 * frame_rate / bpm  # beat period in frames (fractional)
    # (tempo, window), filled a block of windows at a time: the autocorrelations of all
    # windows at once took n_win x windows values (3 h of MIDI at 6 s: over 100 MB) and their
    # lookups as much again; each window's values are its own, so blocks give the same numbers
    sal_t = np.zeros((bpm.size, starts.size))
    for a in range(0, starts.size, _ACF_CHUNK):
        sal_t[:, a:a + _ACF_CHUNK] = _salience_t(_local_acf(env, frames[a:a + _ACF_CHUNK], n_win),
                                                 lag, n_win)
    sal = sal_t.T
    return starts + window / 2.0, bpm, sal


def _env_1d(env) -> np.ndarray:
    env = np.asarray(env, dtype=np.float64)
    if env.ndim != 1:
        raise ParameterError(f"env must be 1-D, got shape {env.shape}")
    return env


def _salience_t(acf: np.ndarray, lag: np.ndarray, n_win: int) -> np.ndarray:
    """Harmonic salience (tempo, window) of windows' ACFs ``acf`` (lags, windows) at beat
    periods ``lag`` [frames] (see :func:`tempo_salience`)."""
    # computed as (tempo, window) so that every lag lookup is a contiguous row
    sal_t = np.zeros((lag.size, acf.shape[1]))
    cnt = np.zeros(lag.size)
    first = None
    for k in (1, 2, 3, 4):
        lk = k * lag
        ok = lk <= (n_win - 1) * 0.75  # use only multiples with at least 1/4 window of overlap
        if k == 1:
            ok[:] = True
        if not ok.any():
            continue
        vals = _interp_rows(acf, lk[ok])
        if k == 1:
            first = vals  # r(L) itself, all tempi
        sal_t[ok] += vals
        cnt[ok] += 1
    sal_t /= np.maximum(cnt, 1)[:, None]
    # A beat needs events on the beat itself: weight the harmonic mean by the first lag
    # (geometric mean of r(L) and the harmonic mean), so a period with nothing at L itself
    # (e.g. the double tempo of a slow click) gets no salience.
    return np.sqrt(np.clip(first, 0.0, None) * np.clip(sal_t, 0.0, None))


def _interp_rows(acf_t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Linear interpolation of every window's ACF at fractional lags ``x`` -> [len(x), windows].

    ``acf_t`` is the ACF transposed (lags, windows), so the lookups gather contiguous rows.
    """
    i0 = np.floor(x).astype(np.int64)
    i1 = np.minimum(i0 + 1, acf_t.shape[0] - 1)
    f = x - i0
    return acf_t[i0] * (1 - f)[:, None] + acf_t[i1] * f[:, None]


def _viterbi(sal_t: np.ndarray, prior: np.ndarray, pulsed: np.ndarray, log_bpm: np.ndarray,
             sigma: float, *, gain: float = 8.0) -> np.ndarray:
    """Best path (indices) through the salience ``sal_t`` [m tempi, k windows] with Gaussian
    log-tempo transitions.

    The emission of window ``i`` at tempo ``j`` is ``max(sal_t[j, i], 0) * gain + prior[j]``
    in a ``pulsed`` window and ``prior[j]`` in another (pulse-less windows only carry the path
    through); it is computed inside the compiled recursion, so no windows x tempi score table
    exists besides the salience (13 MB for 3 hours at a 1 s hop; issue 22). ``log_bpm`` is a
    uniform grid; transitions further than 3 sigma are ignored (banded DP).
    """
    m, k = sal_t.shape
    step = float(log_bpm[1] - log_bpm[0]) if m > 1 else 1.0
    band = max(1, int(np.ceil(3 * sigma / step)))
    offs = np.arange(-band, band + 1)
    trans = -0.5 * (offs * step / sigma) ** 2
    # window j of the padded accumulator covers source bins to - band .. to + band; the
    # transition weight for source = to + o is trans at offset -o, i.e. reversed
    rtrans = trans[::-1].copy()
    from ._kernels import viterbi_band  # compiled banded max-plus recursion (same float ops)

    back = np.empty((k, m), dtype=np.int16 if m < 2**15 else np.int32)  # back-pointers
    return viterbi_band(np.ascontiguousarray(sal_t, dtype=np.float64), float(gain),
                        np.ascontiguousarray(prior, dtype=np.float64),
                        np.ascontiguousarray(pulsed, dtype=np.bool_), rtrans, band, back)


#: Integer tempo ratios between metrical levels (beat vs. half/double, triple/third), as allowed
#: by the MIREX Acc2 measure. A window whose tempo lies near such a multiple of the session's
#: dominant tempo is folded onto it, so that one curve keeps one metrical level.
LEVEL_FACTORS = (1.0 / 3.0, 0.5, 1.0, 2.0, 3.0)
#: Kernel width of the tempo histogram that finds the dominant tempo [octaves] (about 3 %).
MODE_BANDWIDTH = 0.04
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
#: Windows within this distance [octaves] of the chosen level (±15 %, under half the 0.415 octave
#: of a 4:3 relation) make the global tempo; MODE_ITER re-centrings (wider ranges and more
#: iterations were tried and were no better on the evaluation data).
MODE_RANGE = 0.2
MODE_ITER = 1
#: A pulsed window counts as on the tempo, for the tempo stability, within this fraction of it
#: (MIREX's Acc1 tolerance).
STABLE_TOL = 0.04
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


def _dominant_tempo(bpm: np.ndarray, weight: np.ndarray) -> float:
    """Most common tempo: peak of the clarity-weighted kernel density of log2 tempo (O(n))."""
    lb = np.log2(bpm)
    step = MODE_BANDWIDTH / 8.0
    lo = lb.min() - 4 * MODE_BANDWIDTH
    idx = np.round((lb - lo) / step).astype(np.int64)
    hist = np.bincount(idx, weights=weight, minlength=int(idx.max()) + 33)
    from scipy.ndimage import gaussian_filter1d

    dens = gaussian_filter1d(hist, 8.0, mode="constant")
    return float(2.0 ** (lo + step * int(np.argmax(dens))))


#: Cost of a level switch in :func:`_fold_path`, per octave of jump in the folded tempo, in
#: units of one pulsed window an octave away from the session's level. 0 (off): each window is
#: folded on its own onto the level nearest the session's. Two-fold cross-validation over
#: 0, 1, 2, 4, 8 chose 0 on both halves (by the training half's median piano curve err*: equal
#: on one half, rendered err* 11.9 -> 17.9 % on the other), although 4 keeps the synthetic
#: 80-130 BPM rubato on its beat level (docs/benchmarks.md).
LEVEL_SWITCH = 0.0


def _fold_path(curve: np.ndarray, pulsed: np.ndarray, ref: float,
               switch: float | None = None) -> np.ndarray:
    """Fold the tempo path onto metrical levels near ``ref`` with few level switches.

    A Viterbi path over the factors of :data:`LEVEL_FACTORS`: each pulsed window costs its
    distance [octaves] from ``ref`` after folding, and a change between neighbouring windows
    costs ``switch`` times the jump it makes in the folded log tempo. ``switch`` 0 is the
    per-window fold onto the level nearest ``ref`` (:func:`_fold`).
    """
    switch = LEVEL_SWITCH if switch is None else switch
    if switch <= 0 or curve.size < 2:
        return _fold(curve, ref)
    lf = np.log2(np.asarray(LEVEL_FACTORS))
    lc = np.log2(curve)[:, None] + lf[None, :]  # [windows, levels]: folded log tempo
    emit = np.where(pulsed[:, None], np.abs(lc - np.log2(ref)), 0.0)
    cost = emit[0].copy()
    back = np.zeros(lc.shape, dtype=np.int64)
    for i in range(1, curve.size):
        trans = cost[None, :] + switch * np.abs(lc[i][:, None] - lc[i - 1][None, :])
        back[i] = np.argmin(trans, axis=1)
        cost = trans[np.arange(lf.size), back[i]] + emit[i]
    k = np.zeros(curve.size, dtype=np.int64)
    k[-1] = int(np.argmin(cost))
    for i in range(curve.size - 1, 0, -1):
        k[i - 1] = back[i, k[i]]
    return 2.0 ** lc[np.arange(curve.size), k]


#: Weight of the session's metrical level in the tempo path (0: off). Each tempo's prior is
#: lowered by ``ANCHOR`` times the square of its distance [octaves] from the nearest of the
#: level's :data:`LEVEL_FACTORS` (:func:`_level_distance`), and :attr:`TempoCurve.agreement`
#: records how often the windows' own reading agrees. Measured on held-out recordings
#: (``bench/label_levers.py``; docs/benchmarks.md, session 18): 4 keeps the curve of a
#: sixteenth-note groove on the beat where its windows read the 4:3 cross-rhythm (drum audio
#: tempo stability 0.77 -> 0.99), but moves the level the audio cues choose for piano
#: renderings (Acc2 0.605 -> 0.570). Off.
ANCHOR = 0.0


def _level_distance(log_bpm: np.ndarray, level) -> np.ndarray:
    """Distance [octaves] of each log2 tempo from the nearest multiple of ``level`` [BPM; one,
    or one per tempo] by :data:`LEVEL_FACTORS`."""
    lf = np.log2(np.asarray(level, dtype=np.float64))[..., None] + np.log2(LEVEL_FACTORS)
    return np.min(np.abs(np.asarray(log_bpm)[:, None] - lf), axis=-1)


#: Tolerance [tempo ratio minus one] of :attr:`TempoCurve.agreement`.
AGREE_TOL = 0.1


def _agreement(free: np.ndarray, curve: np.ndarray) -> float:
    """Share of windows where ``free`` lies within :data:`AGREE_TOL` of ``curve`` at one of
    the :data:`LEVEL_FACTORS` (nan for none)."""
    if free.size == 0:
        return float("nan")
    # LEVEL_FACTORS holds each factor's inverse: the distance is the same either way round
    return float(np.mean(_level_distance(np.log2(curve), free) <= np.log2(1.0 + AGREE_TOL)))


def stability(curve: np.ndarray, tempo: float) -> float:
    """Tempo stability: the share of pulsed windows (finite tempo) within
    :data:`STABLE_TOL` of ``tempo`` [BPM]; nan without a pulsed window or a tempo."""
    c = np.asarray(curve, dtype=np.float64)
    c = c[np.isfinite(c) & (c > 0)]
    if c.size == 0 or not tempo > 0:
        return float("nan")
    return float(np.mean(np.abs(c / tempo - 1.0) <= STABLE_TOL))


#: Tolerance [octaves] of :func:`_cross_fold` (about 4 %).
CROSS_FOLD_TOL = 0.057


def _cross_fold(curve: np.ndarray, ref: float, ratios: tuple[float, ...]) -> np.ndarray:
    """Move each tempo that lies within :data:`CROSS_FOLD_TOL` of ``ratio * ref`` (a ratio
    of ``ratios``) to ``tempo / ratio``: the windows' cross-rhythm reading put on the level."""
    out = np.asarray(curve, dtype=np.float64).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        lr = np.log2(out / ref)
        for r in ratios:
            hit = np.abs(lr - np.log2(r)) <= CROSS_FOLD_TOL
            out[hit] = out[hit] / r
    return out


def _fold(bpm: np.ndarray, ref: float) -> np.ndarray:
    """Move each tempo by the factor in LEVEL_FACTORS that brings it closest to ``ref``."""
    cands = bpm[:, None] * np.asarray(LEVEL_FACTORS)[None, :]
    best = np.argmin(np.abs(np.log2(cands / ref)), axis=1)
    return cands[np.arange(bpm.size), best]


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
    >>> env = onset_envelope(np.arange(0, 40, 1.5), duration=40.0)  # 40 BPM
    >>> round(global_tempo(env, frame_rate=MIDI_FRAME_RATE)[0])
    40
    """
    level = metrical_level(env, frame_rate=frame_rate, duration=duration, window=window, hop=hop)
    return level.tempo_bpm, level.salience


def _level_score(bpm: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The metrical-level score of every grid tempo (see :func:`metrical_level`)."""
    lb = np.log2(bpm)
    fam = _family(bpm, mean)
    prior = np.exp(-0.5 * ((lb - np.log2(PRIOR_BPM)) / PRIOR_OCTAVES) ** 2)
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
        False: only to a faster one (:data:`analysis.audio.PERCUSSIVE_SLOWER_TIE`).

    Returns
    -------
    MetricalLevel
        ``tempo_bpm`` [BPM]: argmax over the tempo grid of
        ``(s(T) + FAMILY_WEIGHT * min(f(T), FAMILY_CAP * s(T))) * prior(T)``
        where ``s`` is the harmonic salience averaged over all windows, ``f`` the average of
        the mean and the maximum of ``s(T/2)`` and ``s(2T)`` and ``prior`` the log-normal
        preferred-tempo prior (:data:`PRIOR_BPM`, :data:`PRIOR_OCTAVES`). ``s`` is measured up
        to ``2 * MAX_BPM`` so that the fastest candidate levels have their double scored like
        every other level (before 1.2 a level near the top had only its half as family, which
        favoured a sixteenth-note level over the beat); ``T`` itself is at most :data:`MAX_BPM`.
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


def _alternative(choice: MetricalLevel, tempo: float) -> dict:
    """TempoCurve fields of the runner-up level at ``tempo`` (none without one)."""
    if tempo <= 0 or choice.alt_ratio == 0.0:
        return {}
    return {"alt_bpm": float(tempo * choice.alt_ratio), "alt_share": choice.alt_share}


def _refine_peaks(sal: np.ndarray, idx: np.ndarray, bpm: np.ndarray) -> np.ndarray:
    """Tempo [BPM] of the grid bin ``idx[w]`` of each window ``w``, refined between bins by
    parabolic interpolation of the salience (the grid's end bins are not refined)."""
    rows = np.arange(idx.size)
    i0 = np.clip(idx, 1, bpm.size - 2)
    a, b, c = sal[rows, i0 - 1], sal[rows, i0], sal[rows, i0 + 1]
    den = a - 2 * b + c
    delta = np.where(den < -1e-12, 0.5 * (a - c) / np.where(den < -1e-12, den, -1.0), 0.0)
    delta = np.clip(delta, -0.5, 0.5)
    out = 2.0 ** (np.log2(bpm[i0]) + delta / BINS_PER_OCTAVE)
    return np.where(idx == i0, out, bpm[idx])


#: How the global tempo summarises the windows (issue 17): ``"pulsed"`` the median of the
#: pulsed windows near the level (shipped); ``"all"`` the salience-weighted
#: median over every window of its local salience peak within :data:`SUMMARY_SPAN` of that
#: level; ``"fill"`` the pulsed windows' tempo (weighted by their clarity) and that peak in the
#: pulse-less ones. See :func:`summary_tempo`.
SUMMARY = "pulsed"
#: Half-width of the band [tempo ratio] around the level in which :func:`summary_tempo` looks
#: for each window's peak (±20 %: rubato within a piece, under the 3:2 and 4:3 relations).
SUMMARY_SPAN = 0.2


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The value at which the cumulative weight of the sorted ``x`` reaches half the total."""
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, 0.5 * cw[-1])])


def level_peaks(sal: np.ndarray, bpm: np.ndarray, *, level: float,
                span: float = SUMMARY_SPAN) -> tuple[np.ndarray, np.ndarray]:
    """Each window's highest local salience maximum within ``level`` times
    ``1 / (1 + span) .. 1 + span``: its tempo [BPM] (refined between grid bins) and salience
    (-inf where the band has no interior maximum; NaN tempo then)."""
    lb = np.log2(bpm / level)
    band = np.flatnonzero(np.abs(lb) <= np.log2(1.0 + span))
    if band.size < 3 or sal.shape[0] == 0:
        return np.full(sal.shape[0], np.nan), np.full(sal.shape[0], -np.inf)
    sub = sal[:, band]
    peak = np.zeros(sub.shape, dtype=bool)  # interior local maxima of the band
    peak[:, 1:-1] = (sub[:, 1:-1] > sub[:, :-2]) & (sub[:, 1:-1] >= sub[:, 2:])
    score = np.where(peak, sub, -np.inf)
    j = np.argmax(score, axis=1)
    w = score[np.arange(j.size), j]
    return np.where(np.isfinite(w), _refine_peaks(sal, band[j], bpm), np.nan), w


def summary_tempo(sal: np.ndarray, bpm: np.ndarray, curve: np.ndarray, clarity: np.ndarray, *,
                  level: float, mode: str = "all", span: float = SUMMARY_SPAN) -> float:
    """Global tempo from every window, pulsed or not, at the session's metrical level.

    In each window the highest local maximum of the salience within ``level`` times
    ``1 / (1 + span) .. 1 + span`` is that window's tempo at the level (refined between grid
    bins), weighted by its salience, even where it is under the pulse threshold: where the
    pulse is intermittent the pulse-less windows are often the slow, soft stretches, which the
    median of the pulsed windows alone does not see.

    Parameters
    ----------
    sal : np.ndarray [shape=(k, m)] — salience per window and grid tempo (:func:`tempo_salience`)
    bpm : np.ndarray [shape=(m,), BPM] — the grid
    curve : np.ndarray [shape=(k,), BPM] — the windowed tempo, NaN where not pulsed
    clarity : np.ndarray [shape=(k,), 0..1] — pulse clarity per window
    level : float [BPM] — the session's tempo at its metrical level
    mode : str — ``"all"`` (every window's peak) or ``"fill"`` (the ``curve`` of the pulsed
        windows within the band, weighted by ``clarity``; the peak in the others)
    span : float — half-width of the band (tempo ratio minus one)

    Returns
    -------
    float [BPM] — the weighted median; ``level`` if no window has a positive peak in the band
    """
    if mode not in ("all", "fill"):
        raise ParameterError(f"mode must be 'all' or 'fill', got {mode!r}")
    tempo, w = level_peaks(sal, bpm, level=level, span=span)
    if mode == "fill":  # the pulsed windows at the level (within the band) keep their tempo
        with np.errstate(invalid="ignore"):
            pulsed = np.abs(np.log2(curve / level)) <= np.log2(1.0 + span)
        tempo = np.where(pulsed, curve, tempo)
        w = np.where(pulsed, clarity, w)
    ok = np.isfinite(w) & (w > 0)
    if not ok.any():
        return float(level)
    return _weighted_median(tempo[ok], w[ok])


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
        Tempo ratios besides :data:`LEVEL_FACTORS` (e.g. 4/3 and 3/4, a cross-rhythm) at
        which a window's tempo is moved onto the session's level (:func:`_cross_fold`;
        measured, off: docs/benchmarks.md, session 21).
    slower_tie : bool
        See :func:`metrical_level`.

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
    prior = -0.5 * ((log_bpm - np.log2(PRIOR_BPM)) / PRIOR_OCTAVES) ** 2
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

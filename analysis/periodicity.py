"""The windowed periodicity of an onset envelope: how strongly each tempo recurs in each window.

Steps 1 and 2 of the tempo estimator (:mod:`analysis.tempo`): for each analysis window the
mean-removed envelope segment is autocorrelated and normalised by its energy (the
autocorrelation tempogram of Grosche & Müller 2011; librosa ``tempogram``; Ellis 2007), and the
salience of a beat period ``L`` is the mean of that autocorrelation at ``L, 2L, 3L, 4L``
weighted by ``r(L)`` itself (the "enhanced autocorrelation" idea of Percival & Tzanetakis
2014), on a log-spaced tempo grid (:data:`BINS_PER_OCTAVE`) up to :data:`MAX_BPM`. Also the
grid's log-normal preferred-tempo prior (:data:`PRIOR_BPM`, :data:`PRIOR_OCTAVES`), which the
tempo path and the metrical level both weigh the salience with.
"""

from __future__ import annotations

import numpy as np

from . import _validate
from .errors import ParameterError
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, window_starts

__all__ = ["tempo_salience", "MAX_BPM", "PRIOR_BPM", "PRIOR_OCTAVES", "BINS_PER_OCTAVE",
           "FFT_WORKERS"]

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
#: Threads per batched FFT (pocketfft splits the rows between them; results are identical).
FFT_WORKERS = 2
#: Windows per FFT batch of :func:`_local_acf` and per block of :func:`tempo_salience`:
#: bounds memory for long sessions (512 before issue 22: 30 MB of FFT temporaries for the
#: 12 s windows of a MIDI player at 100 Hz; the rows are transformed one by one, so the values
#: do not depend on it).
_ACF_CHUNK = 128


def _bpm_grid(window: float, max_bpm: float = MAX_BPM) -> np.ndarray:
    lo = 60.0 / (window / 2.0)
    n = int(np.floor(np.log2(max_bpm / lo) * BINS_PER_OCTAVE)) + 1
    return lo * 2.0 ** (np.arange(n) / BINS_PER_OCTAVE)


def _log_prior(log_bpm: np.ndarray) -> np.ndarray:
    """The log-normal preferred-tempo prior (:data:`PRIOR_BPM`, :data:`PRIOR_OCTAVES`) of each
    log2 tempo, as a log weight (0 at the centre): the tempo path adds it to each window's
    emission, the metrical level multiplies its score by its exponential."""
    return -0.5 * ((log_bpm - np.log2(PRIOR_BPM)) / PRIOR_OCTAVES) ** 2


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
        Top of the tempo grid (default :data:`MAX_BPM`; the metrical level
        (:func:`analysis.level_choice.metrical_level`) looks one octave
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

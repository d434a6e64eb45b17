"""Reading tempi off the windows' salience: the tempo path (step 4 of :mod:`analysis.tempo`).

:func:`_viterbi` finds a path through the salience of every window and grid tempo
(:func:`analysis.periodicity.tempo_salience`), plus the log-normal tempo prior (Moelants 2002 /
Ellis 2007), with a Gaussian penalty on log-tempo jumps between neighbouring windows
(:data:`PATH_SIGMA`): a continuous curve that follows rubato but does not flip metrical levels
window by window. :func:`_refine_peaks` refines each window's grid tempo between bins by
parabolic interpolation. :func:`level_peaks` and :func:`summary_tempo` read every window's
salience peak near a given level, the global tempo from all windows (measured under
cross-validation for 1.10 and off: :data:`analysis.tempo.SUMMARY`).
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError
from .periodicity import BINS_PER_OCTAVE

__all__ = ["level_peaks", "summary_tempo", "PATH_SIGMA", "SUMMARY_SPAN"]

#: Standard deviation of the tempo change between windows [octaves per sqrt(second)] allowed by
#: the Viterbi path (about 7 % per second: enough for strong rubato, too little for an octave jump).
PATH_SIGMA = 0.1


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
    sal : np.ndarray [shape=(k, m)] — salience per window and grid tempo
        (:func:`analysis.periodicity.tempo_salience`)
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

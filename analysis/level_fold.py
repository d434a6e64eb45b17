"""Putting a tempo curve on one metrical level (step 6 of :mod:`analysis.tempo`).

Each window's tempo is moved by the whole-number factor of :data:`LEVEL_FACTORS` (1/3, 1/2,
1, 2, 3: MIREX's Acc2 relations) that brings it closest to the session's level
(:func:`_fold`; or along a path with a cost per level switch, :func:`_fold_path`, measured,
off), so that one curve keeps one metrical level. Also: the dominant tempo of the windows when
the whole performance gives no level (:func:`_dominant_tempo`), the distance of a tempo from a
level's family (:func:`_level_distance`) and the windows' agreement with the curve
(:func:`_agreement`), and the cross-rhythm fold (:func:`_cross_fold`, measured, off).
"""

from __future__ import annotations

import numpy as np

__all__ = ["LEVEL_FACTORS", "LEVEL_SWITCH"]

#: Integer tempo ratios between metrical levels (beat vs. half/double, triple/third), as allowed
#: by the MIREX Acc2 measure. A window whose tempo lies near such a multiple of the session's
#: dominant tempo is folded onto it, so that one curve keeps one metrical level.
LEVEL_FACTORS = (1.0 / 3.0, 0.5, 1.0, 2.0, 3.0)
#: Kernel width of the tempo histogram that finds the dominant tempo [octaves] (about 3 %).
MODE_BANDWIDTH = 0.04
#: Cost of a level switch in :func:`_fold_path`, per octave of jump in the folded tempo, in
#: units of one pulsed window an octave away from the session's level. 0 (off): each window is
#: folded on its own onto the level nearest the session's. Two-fold cross-validation over
#: 0, 1, 2, 4, 8 chose 0 on both halves (by the training half's median piano curve err*: equal
#: on one half, rendered err* 11.9 -> 17.9 % on the other), although 4 keeps the synthetic
#: 80-130 BPM rubato on its beat level (docs/benchmarks.md).
LEVEL_SWITCH = 0.0
#: Tolerance [octaves] of :func:`_cross_fold` (about 4 %).
CROSS_FOLD_TOL = 0.057
#: Tolerance [tempo ratio minus one] of :attr:`analysis.tempo.TempoCurve.agreement`.
AGREE_TOL = 0.1


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


def _fold(bpm: np.ndarray, ref: float) -> np.ndarray:
    """Move each tempo by the factor in LEVEL_FACTORS that brings it closest to ``ref``."""
    cands = bpm[:, None] * np.asarray(LEVEL_FACTORS)[None, :]
    best = np.argmin(np.abs(np.log2(cands / ref)), axis=1)
    return cands[np.arange(bpm.size), best]


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


def _level_distance(log_bpm: np.ndarray, level) -> np.ndarray:
    """Distance [octaves] of each log2 tempo from the nearest multiple of ``level`` [BPM; one,
    or one per tempo] by :data:`LEVEL_FACTORS`."""
    lf = np.log2(np.asarray(level, dtype=np.float64))[..., None] + np.log2(LEVEL_FACTORS)
    return np.min(np.abs(np.asarray(log_bpm)[:, None] - lf), axis=-1)


def _agreement(free: np.ndarray, curve: np.ndarray) -> float:
    """Share of windows where ``free`` lies within :data:`AGREE_TOL` of ``curve`` at one of
    the :data:`LEVEL_FACTORS` (nan for none)."""
    if free.size == 0:
        return float("nan")
    # LEVEL_FACTORS holds each factor's inverse: the distance is the same either way round
    return float(np.mean(_level_distance(np.log2(curve), free) <= np.log2(1.0 + AGREE_TOL)))

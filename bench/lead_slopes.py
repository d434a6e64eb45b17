"""Who leads, dialogue 1.7 study: the slope estimators of ``bench/lead_order.py``.

Each estimator maps a pair's equations (:class:`analysis.dialogue.coupling.BeatPairs` with the
players' raw beat intervals ``ioi``) to ``(xy (2, 3, k), w (3, k))`` as
:func:`analysis.dialogue.coupling._equations`: row 0 the asynchrony's AR(1) (the sum of the
gains), rows 1-2 each player's interval deviation on the asynchrony to the other (the split).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from analysis.dialogue import coupling as C  # noqa: E402


def _irls(x, y, weight, n_iter=30, w0=None):
    """Weighted slope fit of ``y ~ c + s*x`` iterated with ``weight(r, state) -> w``."""
    w = np.ones(y.size) if w0 is None else w0.copy()
    state: dict = {}
    for _ in range(n_iter):
        s = float(C._wls(x, y, w))
        r = y - s * x
        r = r - np.sum(w * r) / np.sum(w)
        w = weight(r, state)
    return w, state


def _t_weight(r, state):
    """Student-t EM weights with the scale and degrees of freedom re-estimated (profile
    likelihood over a grid of nu)."""
    from scipy.special import gammaln

    s2 = state.get("s2", (1.4826 * np.median(np.abs(r))) ** 2 + 1e-12)
    nu = state.get("nu", 4.0)
    w = (nu + 1) / (nu + r * r / s2)
    s2 = float(np.sum(w * r * r) / r.size) + 1e-12
    grid = np.array([1.0, 1.5, 2, 3, 4, 5, 7, 10, 15, 30, 100])
    z = r * r / s2
    ll = [r.size * (gammaln((v + 1) / 2) - gammaln(v / 2) - 0.5 * np.log(v))
          - (v + 1) / 2 * np.sum(np.log1p(z / v)) for v in grid]
    state["nu"], state["s2"] = float(grid[int(np.argmax(ll))]), s2
    return (state["nu"] + 1) / (state["nu"] + r * r / s2)


def _lad_weight(r, state):
    scale = 1.4826 * np.median(np.abs(r)) + 1e-12
    return 1.0 / np.maximum(np.abs(r), 0.01 * scale)


def eq_library(bp):
    return C._equations(bp)


def eq_weights(weight):
    def eq(bp):
        xy, w = C._equations(bp)
        for row in (1, 2):
            w[row] = _irls(xy[0, row], xy[1, row], weight)[0]
        return xy, w
    return eq


def _demean(v, groups, w):
    out = v.copy()
    for g in np.unique(groups):
        m = groups == g
        out[m] -= np.sum(w[m] * v[m]) / max(np.sum(w[m]), 1e-12)
    return out


def eq_pooled(span, robust=True):
    """The slopes on raw intervals with one intercept per window of ``span`` beats
    (a step reference period instead of the running median); robust weights as the library."""
    def eq(bp):
        xy, w = C._equations(bp)
        groups = np.arange(bp.t.size) // span
        for row, i in ((1, 0), (2, 1)):
            y, x = bp.ioi[i], xy[0, row]
            wr = np.ones(y.size)
            for _ in range(3):
                xd, yd = _demean(x, groups, wr), _demean(y, groups, wr)
                wr = C._robust(xd, yd) if robust else wr
            xy[0, row], xy[1, row], w[row] = xd, yd, wr
        return xy, w
    return eq


ESTIMATORS = {
    "library 1.6.1 (Huber, bisquare 4)": eq_library,
    "Student-t, nu estimated (EM)": eq_weights(_t_weight),
    "least absolute deviation (IRLS)": eq_weights(_lad_weight),
    "pooled, intercept per 16 beats": eq_pooled(16),
    "pooled, intercept per 32 beats": eq_pooled(32),
    "pooled, intercept per 64 beats": eq_pooled(64),
}


def gapped_reference(ioi, *, gap, half):
    """Reference period per interval: median of the ``half`` intervals on each side beyond
    ``gap`` (the ``gap`` nearest on each side and the interval itself left out)."""
    from numpy.lib.stride_tricks import sliding_window_view

    k = ioi.size
    pad = np.r_[np.full(gap + half, np.nan), ioi, np.full(gap + half, np.nan)]
    win = sliding_window_view(pad, 2 * (gap + half) + 1)[:k].copy()
    win[:, half:half + 2 * gap + 1] = np.nan
    ref = np.nanmedian(win, axis=1)
    return np.where(np.isfinite(ref), ref, np.median(ioi))


def eq_gapped(gap, half):
    """The library's equations with each player's deviation from :func:`gapped_reference`."""
    def eq(bp):
        dev = np.vstack([bp.ioi[i] - gapped_reference(bp.ioi[i], gap=gap, half=half)
                         for i in range(2)])
        sub = C.BeatPairs(bp.t, bp.asyn, dev, bp.run, bp.locking)
        return C._equations(sub)
    return eq


ESTIMATORS |= {f"running median, gap {g}, {h} each side": eq_gapped(g, h)
               for g, h in ((0, 15), (4, 15), (8, 15), (8, 23))}


def eq_trim(ratio):
    """The library's equations without the rows where either player's interval is off the
    pulse (outside ``1/ratio .. ratio`` of its running median): ornaments and fills."""
    from scipy.ndimage import median_filter

    def eq(bp):
        xy, w = C._equations(bp)
        off = np.zeros(bp.t.size, bool)
        for i in range(2):
            r = bp.ioi[i] / median_filter(bp.ioi[i], size=C._RUNNING, mode="nearest")
            off |= (r > ratio) | (r < 1 / ratio)
        w[:, off] = 0.0
        w[0, np.r_[False, off[:-1]]] = 0.0  # the transition into an off-pulse beat
        return xy, w
    return eq


def eq_robust_sum(bp):
    """The library's equations with robust weights on the asynchrony's AR(1) too."""
    xy, w = C._equations(bp)
    ok = w[0] > 0
    rw = np.zeros(bp.t.size)
    if ok.sum() > 2:
        rw[ok] = C._robust(xy[0, 0, ok], xy[1, 0, ok])
    w[0] = rw
    return xy, w


ESTIMATORS |= {"trim off-pulse intervals, ratio 1.25": eq_trim(1.25),
               "trim off-pulse intervals, ratio 1.15": eq_trim(1.15),
               "robust AR(1) sum (Huber, bisquare 4)": eq_robust_sum}


def forward_reference(ioi, *, size):
    """Reference period per interval: median of the interval and the ``size - 1`` after it
    (the last ``size`` for the final intervals). The intervals before ``n`` hold the player's
    own timing noise that moved the asynchrony ``A(n)``; a reference that contains them
    correlates with ``A(n)`` (Nickell's bias of a fixed-effects dynamic panel)."""
    from numpy.lib.stride_tricks import sliding_window_view

    if ioi.size <= size:
        return np.full(ioi.size, np.median(ioi))
    med = np.median(sliding_window_view(ioi, size), axis=1)
    return np.r_[med, np.full(size - 1, med[-1])]


def eq_forward(size):
    def eq(bp):
        dev = np.vstack([bp.ioi[i] - forward_reference(bp.ioi[i], size=size) for i in range(2)])
        return C._equations(C.BeatPairs(bp.t, bp.asyn, dev, bp.run, bp.locking))
    return eq


ESTIMATORS |= {f"forward median, {n} intervals": eq_forward(n) for n in (9, 15, 31)}


def eq_shared(size):
    """The library's equations with one reference period for both players: the running median
    of their mean interval (the ensemble's tempo)."""
    from scipy.ndimage import median_filter

    def eq(bp):
        ref = median_filter(bp.ioi.mean(0), size=size, mode="nearest")
        return C._equations(C.BeatPairs(bp.t, bp.asyn, bp.ioi - ref, bp.run, bp.locking))
    return eq


ESTIMATORS |= {f"shared reference, running median {n}": eq_shared(n) for n in (15, 31)}


def _sum_ahead(d, run, k):
    """Per row n: ``d[n] + ... + d[n + k - 1]`` and whether those rows lie in n's run."""
    n = d.size
    cs = np.r_[0.0, np.cumsum(d)]
    end = np.arange(n) + k
    same = (end <= n) & (run[np.minimum(end - 1, n - 1)] == run)
    return np.where(same, cs[np.minimum(end, n)] - cs[:n], 0.0), same


def eq_horizon(k=None, *, c=None, kmax=16):
    """Each player's *cumulative* response over ``k`` beats (a local projection, Jorda 2005):
    the sum of its interval deviations from beat n to n + k - 1 on the asynchrony at n. In the
    linear model every player's sum is ``alpha_i (1 - (1 - s)^k) / s`` times the asynchrony
    (``s`` the sum of the gains), so the share ``c_i / (c_a + c_b)`` is the same at every
    horizon, and a follower with a small gain adds up its corrections while the leader's
    timing was hoped to average out. With ``c`` the horizon follows the pair:
    ``k = round(c / s)`` within 1..``kmax``. The deviations are first cleaned by the library's
    robust weights (the residual of an interval far off scaled by its weight)."""
    def eq(bp):
        xy, w = C._equations(bp)
        kk = k
        if c is not None:
            s = float(1.0 - C._wls(xy[0, 0], xy[1, 0], w[0]))
            kk = int(np.clip(round(c / max(s, 1e-3)), 1, kmax))
        if kk == 1:
            return xy, w
        for row, i in ((1, 0), (2, 1)):
            x, d, wr = xy[0, row], bp.dev[i], w[row]
            slope = float(C._wls(x, d, wr))
            fitted = np.sum(wr * (d - slope * x)) / np.sum(wr) + slope * x
            y, same = _sum_ahead(fitted + wr * (d - fitted), bp.run, kk)
            xy[1, row], w[row] = y, same.astype(float)
        return xy, w
    return eq


ESTIMATORS |= {f"cumulative response, {k} beats": eq_horizon(k) for k in (2, 4, 8)}
ESTIMATORS |= {"cumulative response, round(1 / sum) beats": eq_horizon(c=1.0)}


def windowed_reference(ioi, *, half, past_gap=0, self_out=True, local_linear=False):
    """Reference period per interval ``n`` from the intervals ``n - half .. n + half`` without
    the ``past_gap`` just before ``n`` (the player's own timing that moved the asynchrony
    ``A(n)``) and, with ``self_out``, without ``n`` itself: their median, or with
    ``local_linear`` the level at ``n`` of a Huber-weighted straight line through them (a
    reference that follows a ritardando or a drift, which a median of 31 does not: the
    leaders who slowed from 0.55 to 1.0 s intervals under 90 ms delay read their own timing
    as correction, session 29)."""
    k = ioi.size
    out = np.empty(k)
    for n in range(k):
        j = np.arange(max(0, n - half), min(k, n + half + 1))
        j = j[~((j >= n - past_gap) & (j < n)) & ~((j == n) & self_out)]
        if j.size < 3:
            out[n] = np.median(ioi)
        elif not local_linear:
            out[n] = np.median(ioi[j])
        else:
            x, y, w = (j - n).astype(float), ioi[j], np.ones(j.size)
            for _ in range(4):
                sw = np.sqrt(w)
                beta = np.linalg.lstsq(np.c_[sw, sw * x], sw * y, rcond=None)[0]
                r = y - beta[0] - beta[1] * x
                s = 1.4826 * np.median(np.abs(r)) + 1e-9
                w = np.minimum(1.0, 1.5 * s / np.maximum(np.abs(r), 1e-12))
            out[n] = beta[0]
    return out


def eq_windowed(**kw):
    """The library's equations with each player's deviation from :func:`windowed_reference`."""
    def eq(bp):
        dev = np.vstack([bp.ioi[i] - windowed_reference(bp.ioi[i], **kw) for i in range(2)])
        return C._equations(C.BeatPairs(bp.t, bp.asyn, dev, bp.run, bp.locking))
    return eq


ESTIMATORS |= {
    f"median of 15 each side, past gap {g}, self {'out' if so else 'in'}":
        eq_windowed(half=15, past_gap=g, self_out=so)
    for g in (0, 3, 6) for so in (False, True)}
ESTIMATORS |= {f"local linear, {h} each side, past gap {g}":
               eq_windowed(half=h, past_gap=g, local_linear=True)
               for g in (0, 3) for h in (10, 15)}

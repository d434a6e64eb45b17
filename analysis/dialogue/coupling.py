"""Who adapts to whom: the bivariate linear phase-correction model, its gains from the
asynchrony's dynamics (sum) and each player's own slope (split).

Each player's next inter-onset interval (IOI) is its own reference period, plus a share
``alpha`` of the asynchrony to the other (the linear phase-correction model of Vorberg & Wing
1996, for two players Vorberg & Schulze 2002, for ensembles Wing et al. 2014):

    IOI_i(n) - T_i(n) = c_i + alpha_i * (t_j(n) - t_i(n)) + e_i(n)

The player who adapts less (smaller ``alpha``) leads.

Estimation:

1. **Pairs by the shared pulse.** Chord notes merge (:func:`~.synchrony.event_onsets`); onsets
   are paired as mutual nearest neighbours within 250 ms (:func:`~.synchrony.pair_onsets`);
   only consecutive pairs whose two IOIs are both one beat of the same pulse (each IOI at most
   2 s, the two within a ratio of 1.5) give an equation. Runs of consecutive beats are kept
   apart (a rest or a subdivision breaks a run).
2. **Reference period** ``T_i``: running median of 31 of the player's own IOIs (follows tempo
   drift, e.g. a ritardando, without absorbing a single interval).
3. **Sum from the asynchrony.** Subtracting the two equations, the asynchrony ``A = b - a``
   follows ``A(n+1) = (1 - alpha_a - alpha_b) A(n) + noise``: the players' shared expressive
   timing cancels, so the AR(1) coefficient of ``A`` (within runs) gives the sum tightly.
4. **Split by each player's slope** ``c_i`` of its interval deviation on the asynchrony to
   the other (robust weights: Huber, k = 1.5 robust sd, then Tukey's bisquare, k = 4 robust
   sd, since 1.6.1: ornaments and fills that push one interval far off get weight 0). A
   player who does not adapt has ``c_i = 0`` in expectation, however expressive its own
   timing; that timing only widens ``c_i``'s interval.
   ``alpha_i = sum * max(c_i, 0) / (max(c_a, 0) + max(c_b, 0))``, within :data:`ALPHA_RANGE`.
   Measured on the constructed pairs (docs/benchmarks.md), this beat the joint bGLS fit
   with MA(1) motor noise (Jacoby et al. 2015) that dialogue 1.5 used: GLS whitening lowered
   "follower's gain larger" from 0.90 to 0.84; first differences (a random-walk reference)
   read the follower's own timing noise as correction (median error 0.20). The split's error is
   the sample correlation of the players' shared expressive timing with the asynchrony; cross
   terms (the other's concurrent or previous interval), a Granger-style t split and local
   steadiness weights were measured for 1.6.1 and did not narrow it (docs/benchmarks.md).
5. **Confidence intervals:** moving-block bootstrap (blocks of 8 beats), the sum and both
   slopes resampled with the same beats, so the interval of the share keeps their correlation.

A player *adapts* when the lower bound of its gain's interval at :data:`CI_LEVEL` exceeds
:data:`TOGETHER_ALPHA`. The session reads ``a`` (or ``b``) as leader when only the other
adapts, or both do and the interval of ``alpha_b - alpha_a`` excludes 0; ``together`` when both
adapt alike; otherwise ``unclear`` (also without enough paired beats or phase locking). Never a
guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..windows import DEFAULT_HOP, DEFAULT_WINDOW, window_starts
from .events import PlayerEvents
from .synchrony import MAX_CYCLE, MIN_LOCKING, event_onsets, pair_onsets, phase_locking

__all__ = ["ALPHA_RANGE", "CI_LEVEL", "TOGETHER_ALPHA", "MIN_INTERVALS", "LOCAL_SPAN",
           "WINDOW_LEVEL",
           "BeatPairs", "CouplingResult", "beat_pairs", "fit_alphas", "decide",
           "analyze_coupling"]

#: Bounds of a player's phase-correction gain. 0 ignores the other; 1 corrects the whole
#: asynchrony within one interval. Steady ensemble and tapping data give 0.0-0.8 (Repp 2005;
#: Wing et al. 2014); a negative gain (moving away from the other) or one above 1
#: (over-correcting every beat) would make the pair drift apart or oscillate, so an estimate
#: there is noise and is held at the bound instead of flipping sign.
ALPHA_RANGE = (0.0, 1.0)
#: Coverage of the confidence intervals behind a leader (see :func:`decide`). Chosen by two-fold
#: cross-validation over the shared duets (bench/evaluate_dialogue.py --constructed,
#: docs/benchmarks.md): tuned on recording block 1 the rule chose 0.95, on block 2 0.9; the
#: stricter is kept, as a wrong leader costs more than an "unclear".
CI_LEVEL = 0.95
#: A player *adapts* when its gain's lower interval bound is above this; both adapting with no
#: clear difference reads "together" (mutual adaptation) rather than "unclear".
TOGETHER_ALPHA = 0.05
#: Fewer usable beats than this (session) give "unclear": with ~30 intervals the bootstrap
#: interval of alpha is already +-0.3 wide on human timing.
MIN_INTERVALS = 30
#: Per-window estimates use the beats within this span [seconds] around the window centre:
#: a 6 s window holds ~10 beats, too few for a gain; 30 s holds ~60 at 120 BPM.
LOCAL_SPAN = 30.0
#: Coverage of the per-window intervals: a session reads many overlapping windows, so each
#: must be surer than the session call; at 0.9, two players locked to one grid with motor
#: noise had 13-25 % of windows "led", at 0.98 a few per cent.
WINDOW_LEVEL = 0.98
#: Fewer beats in the local span give no per-window estimate.
MIN_LOCAL = 16
_RUNNING = 31  # reference period: running median length [intervals]
_HUBER = 1.5  # Huber constant [robust sd]
#: Bisquare constant [robust sd] after the Huber start; two-fold CV over the recording blocks
#: chose 3.5 (tuned on block 1) and 4.0 (block 2); 4.0 kept (docs/benchmarks.md, dialogue 1.6.1).
_BISQUARE = 4.0
_N_BOOT = 400
_BLOCK = 8  # bootstrap block length [intervals]
_PULSE_RATIO = 1.5  # the two IOIs of a beat pair lie within this ratio


@dataclass(frozen=True)
class BeatPairs:
    """Equations of the phase-correction model, one row per paired beat ``n``.

    Attributes
    ----------
    t : np.ndarray [seconds] — player a's onset of beat n
    asyn : np.ndarray [seconds] — ``b_n - a_n``
    dev : np.ndarray [shape=(2, k), seconds] — each player's IOI minus its reference period
    run : np.ndarray [int] — run of consecutive beats each row belongs to
    locking : float — phase locking of the two players (0..1, NaN if too few onsets)
    """

    t: np.ndarray
    asyn: np.ndarray
    dev: np.ndarray
    run: np.ndarray
    locking: float


def beat_pairs(a: np.ndarray, b: np.ndarray) -> BeatPairs:
    """Paired beats of two onset sequences (see the module docstring, steps 1-2).

    Parameters
    ----------
    a, b : np.ndarray [seconds] — onsets (any order; chord notes are merged)
    """
    from scipy.ndimage import median_filter

    ea, eb = event_onsets(a), event_onsets(b)
    ia, ib = pair_onsets(ea, eb)
    lock = phase_locking(ea, eb)
    empty = BeatPairs(np.zeros(0), np.zeros(0), np.zeros((2, 0)), np.zeros(0, np.int64), lock)
    if ia.size < 3:
        return empty
    ta, tb = ea[ia], eb[ib]
    ioa, iob = np.diff(ta), np.diff(tb)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = ioa / iob
    ok = ((np.diff(ia) == 1) & (np.diff(ib) == 1) & (ioa <= MAX_CYCLE) & (iob <= MAX_CYCLE)
          & (ratio <= _PULSE_RATIO) & (ratio >= 1 / _PULSE_RATIO))
    if ok.sum() < 3:
        return empty
    run = np.cumsum(np.r_[True, ~ok[:-1]])[ok]  # a new run after each broken interval
    dev = []
    for ioi in (ioa, iob):
        ref = median_filter(ioi[ok], size=_RUNNING, mode="nearest")
        dev.append(ioi[ok] - ref)
    return BeatPairs(ta[:-1][ok], (tb - ta)[:-1][ok], np.vstack(dev), run, lock)


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares slope of ``y ~ c + slope*x`` along the last axis (NaN where
    the weights sum to 0, e.g. a window without a weighted pair)."""
    sw = w.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mx, my = (w * x).sum(-1) / sw, (w * y).sum(-1) / sw
        xc = x - mx[..., None]
        return (w * xc * (y - my[..., None])).sum(-1) / (w * xc * xc).sum(-1)


def _robust(x: np.ndarray, y: np.ndarray, n_iter: int = 5) -> np.ndarray:
    """Robust weights of the regression ``y ~ c + slope*x``: Huber (k = :data:`_HUBER` robust
    sd), then Tukey's bisquare (k = :data:`_BISQUARE` robust sd) started from it.

    The bisquare gives an interval far off (an ornament, a fill, a stumble) weight 0 instead of
    Huber's ``k / |r|``; the players' expressive timing is heavy-tailed (excess kurtosis ~3 on
    the Jazz-Jitter performers), so this narrows each player's slope (docs/benchmarks.md).
    """
    w = np.ones(y.size)
    for i in range(2 * n_iter):
        slope = float(_wls(x, y, w))
        r = y - slope * x
        r = r - np.median(r)
        scale = 1.4826 * float(np.median(np.abs(r))) + 1e-9
        if i < n_iter:
            w = np.minimum(1.0, _HUBER * scale / np.maximum(np.abs(r), 1e-12))
        else:
            u = np.abs(r) / (_BISQUARE * scale)
            bw = np.where(u < 1.0, (1.0 - u * u) ** 2, 0.0)
            if np.count_nonzero(bw) < 3:  # degenerate (e.g. machine-exact timing): keep Huber's
                break
            w = bw
    return w


def _split(total: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Gains from their sum and each player's covariance slope: ``total * c+ / sum(c+)``
    (shape (..., 2)); no positive slope: neither adapts."""
    cp = np.maximum(c, 0.0)
    den = cp.sum(-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(den > 0, cp / den, 0.0)
    return np.clip(np.clip(total, 0.0, 2.0)[..., None] * share, *ALPHA_RANGE)


def _equations(bp: BeatPairs) -> tuple[np.ndarray, np.ndarray]:
    """Per row n: the regressors and responses ``(x, y)`` of shape (3, k): row 0 the
    asynchrony's AR(1) (``A(n)`` -> ``A(n+1)``, weight 0 where the run breaks), rows 1-2 each
    player's interval deviation against the asynchrony to the other; and the weights (3, k)."""
    k = bp.t.size
    nxt = np.r_[bp.asyn[1:], 0.0]
    ok = np.r_[bp.run[1:] == bp.run[:-1], False].astype(float)
    x = np.vstack([bp.asyn, bp.asyn, -bp.asyn])
    y = np.vstack([nxt, bp.dev[0], bp.dev[1]])
    w = np.vstack([ok, _robust(x[1], y[1]), _robust(x[2], y[2])]) if k > 2 else np.ones((3, k))
    return np.stack([x, y]), w


def _alphas(xy: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gains (..., 2) from the equations (see :func:`fit_alphas`)."""
    slope = _wls(xy[0], xy[1], w)  # (..., 3)
    return _split(1.0 - slope[..., 0], slope[..., 1:])


def _block_index(n: int, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    k = int(np.ceil(n / _BLOCK))
    starts = rng.integers(0, max(n - _BLOCK, 0) + 1, size=(n_boot, k))
    idx = (starts[:, :, None] + np.arange(_BLOCK)[None, None, :]).reshape(n_boot, -1)
    return np.minimum(idx[:, :n], n - 1)


#: Resampled equation values per chunk of bootstrap draws in :func:`_boot_alphas` (8 MB of
#: float64): a whole 3-hour session has ~20,000 beat pairs, and all 400 draws at once took
#: (2, 3, 400, n) values and as many temporaries, over 1 GB.
_BOOT_ELEMENTS = 1 << 20


def _boot_alphas(xy: np.ndarray, w: np.ndarray, rng: np.random.Generator,
                 n_boot: int) -> np.ndarray:
    """Gains (n_boot, 2) of moving-block bootstrap resamples of the equations, a chunk of
    draws at a time so that memory does not grow with the number of beats.

    The same values as all draws at once: the generator gives the same integers drawn in
    chunks of rows, and each draw's sums run along its own row.
    """
    n = xy.shape[-1]
    chunk = max(1, _BOOT_ELEMENTS // (xy.shape[0] * xy.shape[1] * max(n, 1)))
    out = []
    for i in range(0, n_boot, chunk):
        idx = _block_index(n, rng, min(chunk, n_boot - i))
        out.append(_alphas(xy[:, :, idx].transpose(0, 2, 1, 3), w[:, idx].transpose(1, 0, 2)))
    return np.concatenate(out) if out else np.zeros((0, 2))


def fit_alphas(bp: BeatPairs, *, seed: int = 0, n_boot: int = _N_BOOT,
               min_n: int = MIN_INTERVALS, **_: object) -> dict:
    """Phase-correction gains of both players with bootstrap draws.

    The asynchrony ``A = b - a`` evolves as ``A(n+1) = (1 - alpha_a - alpha_b) A(n) + noise``,
    so its AR(1) coefficient gives the *sum* of the gains tightly (the players' shared
    expressive timing cancels in it). The sum is split by each player's own slope of its
    interval deviation on the asynchrony to the other (robust weighted least squares): a player
    who does not adapt has slope 0 in expectation, whatever its own timing. ``alpha_i = sum *
    max(c_i, 0) / (max(c_a, 0) + max(c_b, 0))``, bounded to :data:`ALPHA_RANGE`.

    Parameters
    ----------
    bp : BeatPairs
    seed : int — bootstrap generator seed (results are reproducible)
    n_boot : int — moving-block bootstrap resamples (blocks of :data:`_BLOCK` beats; the sum
        and both slopes are resampled with the same beats, so the share keeps their
        correlation)
    min_n : int — fewest intervals to estimate from

    Returns
    -------
    dict
        ``alpha`` (2,), ``boot`` (n_boot, 2) bootstrap gains, ``alpha_sum`` (the AR(1)
        estimate), ``n`` intervals used; ``alpha`` NaN and ``boot`` empty below ``min_n``.
    """
    n = bp.t.size
    if n < min_n:
        return {"alpha": np.full(2, np.nan), "boot": np.zeros((0, 2)), "n": n,
                "alpha_sum": float("nan")}
    xy, w = _equations(bp)
    alpha = _alphas(xy, w)
    boot = _boot_alphas(xy, w, np.random.default_rng(seed), n_boot)
    total = float(1.0 - _wls(xy[0, 0], xy[1, 0], w[0]))
    return {"alpha": alpha, "boot": boot, "n": n, "alpha_sum": total}


def decide(alpha: np.ndarray, boot: np.ndarray, *, names: tuple[str, str],
           level: float = CI_LEVEL) -> tuple[str, float, np.ndarray]:
    """Leader from the gains: ``(label, confidence 0..1, intervals (2, 2))``.

    A player *adapts* when the lower bound of its gain's interval exceeds
    :data:`TOGETHER_ALPHA`. ``label`` is a name when only the other player adapts, or when both
    do and the interval of ``d = alpha_b - alpha_a`` excludes 0 (that player adapts clearly
    less); ``together`` when both adapt and ``d`` does not exclude 0; ``unclear`` when neither
    adapts clearly (the intervals are too wide to tell, or nobody corrects); ``none`` without
    an estimate (too few paired beats). ``confidence`` = ``2 * P(d > 0) - 1`` over the
    bootstrap (0: a coin flip), for the named direction; for ``together`` the bootstrap share
    in which both gains exceed :data:`TOGETHER_ALPHA`.
    """
    if boot.shape[0] == 0 or not np.all(np.isfinite(alpha)):
        return "none", 0.0, np.full((2, 2), np.nan)
    q = [(1 - level) / 2, (1 + level) / 2]
    ci = np.quantile(boot, q, axis=0).T  # row = player, (lo, hi)
    d = boot[:, 1] - boot[:, 0]
    lo, hi = np.quantile(d, q)
    p_pos = float(np.mean(d > 0) + 0.5 * np.mean(d == 0))
    adapts = ci[:, 0] > TOGETHER_ALPHA
    if (lo > 0 or (adapts[1] and not adapts[0])) and p_pos > 0.5:
        return names[0], 2 * p_pos - 1, ci
    if (hi < 0 or (adapts[0] and not adapts[1])) and p_pos < 0.5:
        return names[1], 1 - 2 * p_pos, ci
    if np.all(adapts):
        return "together", float(np.mean(np.all(boot > TOGETHER_ALPHA, axis=1))), ci
    return "unclear", 0.0, ci


@dataclass(frozen=True)
class CouplingResult:
    """Timing-based lead and follow.

    Attributes
    ----------
    times : np.ndarray [seconds] — window centres
    leader : list[str] — per window: a name, ``together``, ``unclear`` or ``none`` (too few
        beats in the span)
    confidence : np.ndarray [0..1] — per window, for the named leader (0 otherwise)
    alpha : np.ndarray [shape=(2, n_windows)] — local gains (NaN: too few beats)
    summary : dict — see :func:`analyze_coupling`
    """

    times: np.ndarray
    leader: list[str]
    confidence: np.ndarray
    alpha: np.ndarray
    summary: dict = field(default_factory=dict)


def _local(bp: BeatPairs, times: np.ndarray, names: tuple[str, str], level: float):
    """Per-window gains and leader from the beats within :data:`LOCAL_SPAN` of each centre
    (bGLS + bootstrap with fewer resamples)."""
    leader = ["none"] * times.size
    conf = np.zeros(times.size)
    alpha = np.full((2, times.size), np.nan)
    if bp.t.size < MIN_LOCAL:
        return leader, conf, alpha
    lo = np.searchsorted(bp.t, times - LOCAL_SPAN / 2)
    hi = np.searchsorted(bp.t, times + LOCAL_SPAN / 2)
    cache: dict[tuple[int, int], tuple] = {}
    for w in range(times.size):
        key = (int(lo[w]), int(hi[w]))
        if key[1] - key[0] < MIN_LOCAL:
            continue
        if key not in cache:
            s = slice(*key)
            sub = BeatPairs(bp.t[s], bp.asyn[s], bp.dev[:, s], bp.run[s], bp.locking)
            fit = fit_alphas(sub, seed=int(lo[w]), n_boot=200, min_n=MIN_LOCAL)
            cache[key] = (fit["alpha"], *decide(fit["alpha"], fit["boot"], names=names,
                                                level=max(level, WINDOW_LEVEL))[:2])
        alpha[:, w], leader[w], conf[w] = cache[key]
    return leader, conf, alpha


def analyze_coupling(
    a: PlayerEvents,
    b: PlayerEvents,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    names: tuple[str, str] = ("a", "b"),
    level: float = CI_LEVEL,
) -> CouplingResult:
    """Who adapts to whom, per window and over the session (timing only).

    Parameters
    ----------
    a, b : PlayerEvents
    duration : float [seconds]
    window, hop : float [seconds] — the analysis windows (estimates use :data:`LOCAL_SPAN`)
    names : (str, str)
    level : float (0..1) — coverage of the intervals (:data:`CI_LEVEL`)

    Returns
    -------
    CouplingResult
        Summary ``{name}_alpha``, ``{name}_alpha_lo``, ``{name}_alpha_hi`` (gain and interval;
        None when not estimable), ``timing_leader`` (name, ``together``, ``unclear``,
        ``none`` = not estimable),
        ``timing_confidence`` (0..1), ``timing_n_beats`` (equations used),
        ``alpha_ci_level``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> a = np.cumsum(0.5 + rng.normal(0, 0.02, 240))
    >>> b = a.copy()
    >>> for n in range(239):  # b copies a's intervals and corrects half its asynchrony
    ...     b[n + 1] = b[n] + (a[n + 1] - a[n]) + rng.normal(0, 0.012) - 0.5 * (b[n] - a[n])
    >>> r = analyze_coupling(PlayerEvents(a), PlayerEvents(b), duration=125.0)
    >>> r.summary["timing_leader"], abs(r.summary["b_alpha"] - 0.5) < 0.15  # true gain 0.5
    ('a', True)
    """
    starts = window_starts(duration, window=window, hop=hop)
    times = starts + window / 2.0
    bp = beat_pairs(a.onsets, b.onsets)
    if not bp.locking >= MIN_LOCKING:  # unrelated onsets pair by accident (synchrony.py)
        bp = BeatPairs(bp.t[:0], bp.asyn[:0], bp.dev[:, :0], bp.run[:0], bp.locking)
    fit = fit_alphas(bp)
    label, conf, ci = decide(fit["alpha"], fit["boot"], names=names, level=level)
    summary: dict = {"timing_leader": label, "timing_confidence": round(conf, 3),
                     "timing_n_beats": float(fit["n"]), "alpha_ci_level": level}
    for i, name in enumerate(names):
        ok = np.isfinite(fit["alpha"][i])
        summary[f"{name}_alpha"] = float(fit["alpha"][i]) if ok else None
        summary[f"{name}_alpha_lo"] = float(ci[i, 0]) if ok else None
        summary[f"{name}_alpha_hi"] = float(ci[i, 1]) if ok else None
    leader, wconf, alpha = _local(bp, times, names, level)
    if label == "together":
        # local spans are short and their bootstrap overconfident (with dialogue 1.5's fit two
        # players locked to one grid had 6-15 % of windows "led" although the session is
        # clearly mutual); a window may then read together or unclear, not a leader
        leader = ["together" if x in names else x for x in leader]
        wconf = np.where([x == "together" for x in leader], wconf, 0.0)
    return CouplingResult(times, leader, wconf, alpha, summary)

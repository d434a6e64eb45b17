"""Leading and following: lagged cross-correlation of the players' feature curves.

Each player's playing is turned into smooth curves on a 20 Hz grid (:func:`feature_curves`):

- ``density``: onsets per second (Gaussian kernel density of the onsets);
- ``dynamics``: kernel-weighted mean velocity (MIDI) or onset level (audio, dBFS);
- ``register``: kernel-weighted mean pitch (MIDI).

In every analysis window the Pearson correlation ``r(lag)`` between player a's curve and player
b's curve shifted by ``lag`` is computed for lags up to :data:`MAX_LAG`; the correlations of the
available features are averaged. If b repeats or answers what a did ``lag`` seconds later, ``r``
peaks at a positive lag: a leads, b follows. This is the lagged-correlation idea behind the
Music Therapy Toolbox's interaction measures (initiation, imitation, integration; Erkkilä,
Lartillot, Luck, Riikkilä & Toiviainen 2004, "Intelligent music systems in music therapy",
Music Therapy Today 5(5); Luck et al. 2008) and of cross-correlation leader-follower analyses of
ensemble playing (e.g. Keller & Appel 2010; Goebl & Palmer 2009).

Sign convention everywhere: **lag > 0 means b follows a** (b does it later).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validate
from ..windows import DEFAULT_HOP, DEFAULT_WINDOW, window_starts
from ._grid import Curve, num
from .coupling import CouplingResult, analyze_coupling
from .events import PlayerEvents

__all__ = [
    "FRAME_RATE",
    "SMOOTH",
    "MAX_LAG",
    "MIN_LEAD_LAG",
    "R_NULL",
    "LeadershipResult",
    "feature_curves",
    "lagged_xcorr",
    "analyze_leadership",
    "combine",
]

#: Frame rate of the feature curves [Hz]: 50 ms frames (peak interpolation resolves finer lags).
FRAME_RATE = 20.0
#: Gaussian kernel standard deviation of the feature curves [seconds]: smooths single notes into
#: a curve that changes at the phrase scale (0.25 s is an eighth note at 120 BPM).
SMOOTH = 0.25
#: Largest lag searched [seconds]: answers and imitations within 2 s of the model (a musical
#: "immediate response"; longer delays are the imitation module's business, up to 4 s).
MAX_LAG = 2.0
#: Lags shorter than this [seconds] count as playing together (no leader): 100 ms is about the
#: largest asynchrony still heard as simultaneous in ensemble playing (Rasch 1979; Repp 2005).
MIN_LEAD_LAG = 0.1
#: Peak correlations below this mean no detectable relation in a window. Calibrated on
#: independent synthetic players (random phrases, 6 s windows): their peak correlation has median
#: 0.45 and 90th percentile 0.75, because a 6 s window holds only ~12 independent samples of a
#: 0.25 s-smoothed curve. With 0.6, about 5 % of such windows reach confidence >= 0.5, while a
#: follower copying with 0.3 s delay and 30 ms jitter reaches it in > 99 % of windows.
R_NULL = 0.6
#: Difference between the peak and the correlation at the mirrored lag (-lag) that gives full
#: confidence in the direction. A pure shift of smooth curves keeps the mirror at the curve's
#: autocorrelation at twice the lag (about 0.6 for 0.3 s), so the margin cannot be asked to be
#: large.
ASYM_FULL = 0.25
#: Share of windows a player must lead with confidence >= 0.5 to be the session's leader (and
#: of windows confidently together for "together"): twice what independent players reach by
#: chance in both directions together (about 5 %, :data:`R_NULL`). Before dialogue 1.4 one
#: confident window of 58 named a leader.
MIN_LEAD_SHARE = 0.1
#: Correlation peaks within this of the highest are a tie (a steady pulse repeats the peak
#: every beat period); the tie nearest lag 0 is taken (since dialogue 1.3).
PEAK_TIE = 0.02
#: Fewer valid frames than this share of the window (a player silent, so no dynamics/register)
#: and the feature is skipped in that window.
MIN_VALID = 0.5
_MIN_DENSITY = 0.2  # events/s below which kernel-weighted means (dynamics, register) are undefined


def _kernel(x: np.ndarray, sd_frames: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter1d

    return gaussian_filter1d(x, sd_frames, mode="constant") if x.size else x


def feature_curves(
    player: PlayerEvents, *, duration: float, frame_rate: float = FRAME_RATE, smooth: float = SMOOTH
) -> dict[str, np.ndarray]:
    """Smooth density, dynamics and register curves of one player on a regular grid.

    Parameters
    ----------
    player : PlayerEvents
    duration : float [seconds]
    frame_rate : float [Hz]
    smooth : float [seconds] — Gaussian kernel standard deviation

    Returns
    -------
    dict
        ``density`` [events per second] always; ``dynamics`` [velocity 0-127 or dBFS] when the
        player has velocities or levels; ``register`` [MIDI note number] when it has pitches.
        Frame ``k`` is at ``k / frame_rate`` seconds. Dynamics and register are NaN where the
        player plays fewer than 0.2 events per second.
    """
    duration = _validate.nonnegative("duration", duration)
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    smooth = _validate.positive("smooth", smooth)
    n = int(np.ceil(duration * frame_rate - 1e-9))
    idx = np.round(player.onsets * frame_rate).astype(np.int64)
    keep = (idx >= 0) & (idx < n)
    sd = smooth * frame_rate

    def impulses(w: np.ndarray | None) -> np.ndarray:
        ww = np.ones(int(keep.sum())) if w is None else w[keep]
        return np.bincount(idx[keep], weights=ww, minlength=n).astype(np.float64)[:n]

    dens = _kernel(impulses(None), sd) * frame_rate
    out = {"density": dens}
    for name, w in (("dynamics", player.weights), ("register", player.pitches)):
        if w is not None:
            num_ = _kernel(impulses(w), sd) * frame_rate
            with np.errstate(invalid="ignore", divide="ignore"):
                out[name] = np.where(dens >= _MIN_DENSITY, num_ / dens, np.nan)
    return out


#: Elements per block of rows in :func:`_pearson_rows`: a whole-session correlation has
#: ``2 * max_lag + 1`` rows of the session's length (3 h: 81 x 216,000 frames), and its
#: temporaries, computed a block at a time, stay a few MB whatever the length.
_BLOCK_ELEMENTS = 1 << 19


def _pearson_rows(x: np.ndarray, Y: np.ndarray, min_n: int) -> np.ndarray:
    """NaN-aware Pearson correlation of ``x`` (n,) with every row of ``Y`` (k, n).

    Rows are independent: they are computed a block at a time (the same values as all at once,
    each row's sums being taken along that row alone)."""
    rows = max(1, _BLOCK_ELEMENTS // max(x.size, 1))
    if Y.shape[0] <= rows:
        return _pearson_block(x, Y, min_n)
    return np.concatenate([_pearson_block(x, Y[i:i + rows], min_n)
                           for i in range(0, Y.shape[0], rows)])


def _pearson_block(x: np.ndarray, Y: np.ndarray, min_n: int) -> np.ndarray:
    """:func:`_pearson_rows` of one block of rows."""
    valid = np.isfinite(x)[None, :] & np.isfinite(Y)
    cnt = valid.sum(axis=1)
    xv = np.where(valid, x[None, :], 0.0)
    yv = np.where(valid, Y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = xv.sum(1) / cnt
        my = yv.sum(1) / cnt
        dx = np.where(valid, xv - mx[:, None], 0.0)
        dy = np.where(valid, yv - my[:, None], 0.0)
        sxx = (dx * dx).sum(1)
        syy = (dy * dy).sum(1)
        r = (dx * dy).sum(1) / np.sqrt(sxx * syy)
        # a flat curve (no variation) carries no timing information
        flat = (sxx <= 1e-9 * cnt) | (syy <= 1e-9 * cnt)
    r[(cnt < min_n) | flat | ~np.isfinite(r)] = np.nan
    return r


def lagged_xcorr(
    x: np.ndarray, y: np.ndarray, *, start: int, length: int, max_lag: int,
    min_valid: float = MIN_VALID
) -> np.ndarray:
    """Correlation of ``x[start:start+length]`` with ``y`` shifted by each lag.

    Parameters
    ----------
    x, y : np.ndarray [shape=(n,)] — curves on the same grid (NaN = undefined)
    start, length, max_lag : int [frames]
    min_valid : float [0..1] — fewer valid frames than this share gives NaN

    Returns
    -------
    np.ndarray [shape=(2*max_lag+1,)]
        ``r[max_lag + l]`` correlates ``x[t]`` with ``y[t + l]``: a peak at ``l > 0`` means y
        does what x did ``l`` frames later.
    """
    n = x.size
    xs = np.full(length, np.nan)
    a, b = max(start, 0), min(start + length, n)
    if b > a:
        xs[a - start:b - start] = x[a:b]
    ypad = np.full(length + 2 * max_lag, np.nan)
    lo = start - max_lag
    a, b = max(lo, 0), min(lo + ypad.size, n)
    if b > a:
        ypad[a - lo:b - lo] = y[a:b]
    Y = np.lib.stride_tricks.sliding_window_view(ypad, length)  # row j: y[start - max_lag + j + t]
    return _pearson_rows(xs, Y, max(int(min_valid * length), 3))


def _mean_rows(rows: list[np.ndarray]) -> np.ndarray:
    """Mean over features of the correlation at each lag, ignoring NaN (all-NaN -> NaN)."""
    m = np.vstack(rows)
    ok = np.isfinite(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, m, 0.0).sum(0) / ok.sum(0)


def _peak(r: np.ndarray, max_lag: int, frame_rate: float) -> tuple[float, float, float]:
    """(lag [s], peak r, the rival on the other side of lag 0), the lag interpolated.

    A steady pulse played by both makes equal peaks one beat period apart (b 0.3 s after a at
    120 BPM is also b 0.2 s before a's next beat): of the peaks within :data:`PEAK_TIE` of the
    highest, the one nearest lag 0 is taken, and the rival is the highest peak on the other
    side of lag 0 (at least the correlation at the mirrored lag), so that such a tie gives no
    confidence in either direction (:func:`_confidence`). Before dialogue 1.3 the highest
    peak was taken wherever it lay and only the mirrored lag was compared: two metronomes
    were "led" at -2 s with full confidence.

    When the highest value lies at an end of the lag range (no peak inside it: the
    correlation still rises towards ±``max_lag``), the lag is NaN: the best alignment is at
    or beyond the range, which is no lag found (before dialogue 1.4 the end of the range was
    reported as the lag, +2.0 s exactly).
    """
    inner = np.zeros(r.size, dtype=bool)
    inner[1:-1] = (r[1:-1] >= r[:-2]) & (r[1:-1] >= r[2:])  # NaN compares False
    top = np.nanmax(r)
    ties = np.flatnonzero(inner & (r >= top - PEAK_TIE))
    if not ties.size:
        return float("nan"), float(top), float("nan")
    j = int(ties[np.argmin(np.abs(ties - max_lag))])
    off = 0.0
    if 0 < j < r.size - 1 and np.isfinite(r[j - 1]) and np.isfinite(r[j + 1]):
        den = r[j - 1] - 2 * r[j] + r[j + 1]
        if den < 0:
            off = float(np.clip(0.5 * (r[j - 1] - r[j + 1]) / den, -0.5, 0.5))
    rival = float(r[2 * max_lag - j])
    side = np.sign(np.arange(r.size) - max_lag)
    others = np.flatnonzero(inner & (side == -np.sign(j - max_lag)) & (side != 0))
    if others.size and np.isfinite(r[others]).any():
        best = float(np.nanmax(r[others]))
        rival = best if not np.isfinite(rival) else max(rival, best)
    return (j - max_lag + off) / frame_rate, float(r[j]), rival


def _confidence(peak: float, mirror: float, lag: float) -> float:
    """How sure the leader call is (0..1): a peak clearly above chance and clearly asymmetric
    (0 without a lag in the searched range)."""
    if not np.isfinite(peak) or peak < R_NULL or not np.isfinite(lag):
        return 0.0
    strength = (peak - R_NULL) / (1.0 - R_NULL)
    if abs(lag) < MIN_LEAD_LAG:
        return float(np.clip(strength, 0.0, 1.0))
    asym = (peak - mirror) / ASYM_FULL if np.isfinite(mirror) else 1.0
    return float(np.clip(strength * np.clip(asym, 0.0, 1.0), 0.0, 1.0))


@dataclass(frozen=True)
class LeadershipResult:
    """Leading and following per window.

    Attributes
    ----------
    times : np.ndarray [seconds] — window centres
    lag : np.ndarray [seconds] — lag of the correlation peak (> 0: b follows a); NaN = no
        data, or no peak inside the searched range
    peak : np.ndarray [-1..1] — peak correlation
    leader : list[str] — per window, timing and features combined (:func:`combine`): a name,
        ``"together"``, ``"unclear"`` or ``"none"``
    confidence : np.ndarray [0..1] — of ``leader``
    curves, summary : see :func:`analyze_leadership`
    xcorr_leader, xcorr_confidence : the feature cross-correlation's own per-window call
    coupling : CouplingResult or None — the timing analysis (:mod:`.coupling`)
    """

    times: np.ndarray
    lag: np.ndarray
    peak: np.ndarray
    leader: list[str]
    confidence: np.ndarray
    curves: dict[str, Curve] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    xcorr_leader: list[str] = field(default_factory=list)
    xcorr_confidence: np.ndarray = field(default_factory=lambda: np.zeros(0))
    coupling: CouplingResult | None = None


def combine(timing: str, t_conf: float, feature: str, f_conf: float,
            names: tuple[str, str]) -> tuple[str, float, str]:
    """One leader from timing (phase correction) and features (cross-correlation).

    Returns ``(label, confidence, basis)``. Timing decides when it names a player, unless the
    features confidently (>= 0.5) name the other: then ``unclear`` (basis ``conflict``), not a
    guess. When timing finds both adapting (``together``), cannot tell (``unclear``) or has
    no estimate (``none``), a feature leader (who changes density, dynamics or register
    first) is taken (basis ``features``); otherwise timing's ``together`` or ``unclear``, or
    (timing ``none``) the features' label.
    """
    f_named = feature in names and f_conf >= 0.5
    if timing in names:
        if f_named and feature != timing:
            return "unclear", 0.0, "conflict"
        both = feature == timing and f_named
        return timing, max(t_conf, f_conf) if both else t_conf, (
            "timing+features" if both else "timing")
    if feature in names:
        return feature, f_conf, "features"
    if timing == "together":
        return "together", max(t_conf, f_conf if feature == "together" else 0.0), "timing"
    if feature in ("together", "shared"):
        return feature, f_conf, "features"
    return ("unclear" if timing == "unclear" else feature), 0.0, "none"


def _window_xcorr(fa: dict, fb: dict, feats: list[str], starts: np.ndarray,
                  names: tuple[str, str], L: int, W: int):
    """Per window: lag, peak, confidence and leader label of the feature cross-correlation."""
    fr = FRAME_RATE
    lags = np.full(starts.size, np.nan)
    peaks = np.full(starts.size, np.nan)
    conf = np.zeros(starts.size)
    leader = ["none"] * starts.size
    for w, s in enumerate(starts):
        rs = [lagged_xcorr(fa[k], fb[k], start=int(round(s * fr)), length=W, max_lag=L)
              for k in feats]
        rs = [r for r in rs if np.isfinite(r).any()]
        if not rs:
            continue
        r = _mean_rows(rs)
        lag, pk, mirror = _peak(r, L, fr)
        lags[w], peaks[w] = lag, pk
        conf[w] = _confidence(pk, mirror, lag)
        if pk >= R_NULL and np.isfinite(lag):
            leader[w] = ("together" if abs(lag) < MIN_LEAD_LAG
                         else (names[0] if lag > 0 else names[1]))
    return lags, peaks, conf, leader


def _session_lags(fa: dict, fb: dict, feats: list[str], n: int, L: int) -> dict:
    """Whole-session lags per feature and averaged (``lead_lag_*``, ``lead_xcorr``)."""
    summary: dict = {}
    glob = []
    for k in ("density", "dynamics", "register"):
        val = None
        if k in feats and n > 2 * L:
            r = lagged_xcorr(fa[k], fb[k], start=0, length=n, max_lag=L, min_valid=0.0)
            if np.isfinite(r).any():
                glob.append(r)
                val = num(_peak(r, L, FRAME_RATE)[0])
        summary[f"lead_lag_{k}_s"] = val
    if glob:
        g_lag, g_pk, _ = _peak(_mean_rows(glob), L, FRAME_RATE)
        summary["lead_lag_s"], summary["lead_xcorr"] = num(g_lag), num(g_pk)
    else:
        summary["lead_lag_s"], summary["lead_xcorr"] = None, None
    return summary


def _shared_windows(a: PlayerEvents, b: PlayerEvents, *, duration: float, window: float,
                    hop: float, n: int) -> np.ndarray | None:
    """Per window, whether it holds time in which both players are recorded
    (:func:`~.activity.shared_mask`); None where both are recorded throughout."""
    from ..windows import window_means
    from ._grid import GRID_STEP
    from .activity import shared_mask

    shared = shared_mask(a, b, duration=duration)
    if shared is None:
        return None
    _, part = window_means(shared, duration=duration, window=window, hop=hop, step=GRID_STEP)
    out = np.zeros(n, dtype=bool)
    k = min(n, part.size)
    out[:k] = np.nan_to_num(part[:k]) > 0
    return out


def _window_leader(leader: list[str], conf: np.ndarray, names: tuple[str, str],
                   within: np.ndarray | None = None) -> tuple[str, dict[str, int]]:
    """Session label from per-window labels (:data:`MIN_LEAD_SHARE`) and the confident counts,
    over the windows ``within`` (bool per window; None: all), those with time in which both
    players are recorded (since dialogue 1.9)."""
    sure = conf >= 0.5
    if within is not None:
        sure = sure & within
    lab = np.array(leader, dtype=object)
    counts = {x: int(np.sum(sure & (lab == x))) for x in (*names, "together")}
    least = MIN_LEAD_SHARE * (len(leader) if within is None else int(np.sum(within)))
    if leader and max(counts[names[0]], counts[names[1]]) >= least:
        out = names[0] if counts[names[0]] > counts[names[1]] else (
            names[1] if counts[names[1]] > counts[names[0]] else "shared")
    else:
        out = "together" if leader and counts["together"] >= least else "none"
    return out, counts


def analyze_leadership(
    a: PlayerEvents,
    b: PlayerEvents,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    names: tuple[str, str] = ("a", "b"),
    max_lag: float = MAX_LAG,
    smooth: float = SMOOTH,
    timing: bool = True,
) -> LeadershipResult:
    """Who leads and who follows, per window and over the session.

    Parameters
    ----------
    a, b : PlayerEvents
    duration : float [seconds]
    window, hop : float [seconds]
    names : (str, str)
    max_lag : float [seconds] — largest lag searched (must be < window)
    smooth : float [seconds] — kernel of :func:`feature_curves`
    timing : bool — also fit the phase-correction model (:mod:`.coupling`) and combine

    Returns
    -------
    LeadershipResult
        Curves ``lead_lag_s`` (lag of the peak, > 0: b follows a), ``lead_xcorr`` (peak
        correlation), ``lead`` (signed confidence of the combined leader: +c when a leads, -c
        when b leads, 0 otherwise), ``timing_lead`` (the same from timing alone) and
        ``{name}_alpha`` (local phase-correction gain). Summary ``lead_lag_s`` and
        ``lead_xcorr`` (whole session, features averaged), ``lead_lag_{feature}_s``,
        ``leader`` (name, ``shared``, ``together``, ``unclear`` or ``none``),
        ``leader_confidence``, ``leader_basis``, ``xcorr_leader``, the timing keys of
        :func:`~.coupling.analyze_coupling`, ``{name}_leads_share``, ``together_share`` (share
        of windows with combined confidence >= 0.5, of the windows with time in which both
        are recorded since dialogue 1.9; null without such a window), ``lead_confidence_mean``.

    Raises
    ------
    ParameterError
        ``max_lag`` not in (0, window).
    """
    duration = _validate.nonnegative("duration", duration)
    window, hop = _validate.window_hop(window, hop)
    max_lag = _validate.positive("max_lag", max_lag)
    if max_lag >= window:
        from ..errors import ParameterError

        raise ParameterError(f"max_lag must be < window ({window!r} s), got {max_lag!r}")
    fa = feature_curves(a, duration=duration, smooth=smooth)
    fb = feature_curves(b, duration=duration, smooth=smooth)
    feats = [k for k in ("density", "dynamics", "register") if k in fa and k in fb]
    L, W = int(round(max_lag * FRAME_RATE)), int(round(window * FRAME_RATE))
    starts = window_starts(duration, window=window, hop=hop)
    times = starts + window / 2.0
    lags, peaks, xconf, xleader = _window_xcorr(fa, fb, feats, starts, names, L, W)
    summary = _session_lags(fa, fb, feats, int(np.ceil(duration * FRAME_RATE - 1e-9)), L)
    within = _shared_windows(a, b, duration=duration, window=window, hop=hop,
                             n=starts.size)
    x_label, _ = _window_leader(xleader, xconf, names, within)
    cp = (analyze_coupling(a, b, duration=duration, window=window, hop=hop, names=names)
          if timing else None)
    t_lab = cp.leader if cp else ["none"] * starts.size
    t_conf = cp.confidence if cp else np.zeros(starts.size)
    comb = [combine(t_lab[w], t_conf[w], xleader[w], xconf[w], names)
            for w in range(starts.size)]
    leader = [c[0] for c in comb]
    conf = np.array([c[1] for c in comb], dtype=np.float64)

    def signed(lab: list[str], c: np.ndarray) -> np.ndarray:
        return c * np.array([1.0 if x == names[0] else -1.0 if x == names[1] else 0.0
                             for x in lab])

    curves = {"lead_lag_s": (times, lags), "lead_xcorr": (times, peaks),
              "lead": (times, signed(leader, conf)),
              "timing_lead": (times, signed(t_lab, t_conf))}
    if cp:
        summary.update(cp.summary)
        for i, name in enumerate(names):
            curves[f"{name}_alpha"] = (times, cp.alpha[i])
    s_t = cp.summary["timing_leader"] if cp else "none"
    s_tc = cp.summary["timing_confidence"] if cp else 0.0
    label, lconf, basis = combine(s_t, s_tc, x_label, 1.0, names)
    _, counts = _window_leader(leader, conf, names, within)
    # shares of the windows with time in which both are recorded (all windows of a pair
    # recorded throughout); none without such a window
    nw = starts.size if within is None else int(np.sum(within))
    for name in names:
        summary[f"{name}_leads_share"] = counts[name] / nw if nw else None
    summary["together_share"] = counts["together"] / nw if nw else None
    summary.update({"leader": label, "leader_basis": basis, "xcorr_leader": x_label,
                    "leader_confidence": (round(lconf, 3) if basis.startswith("timing")
                                          and label in names else None)})
    summary["lead_confidence_mean"] = num(conf.mean()) if starts.size else None
    return LeadershipResult(times, lags, peaks, leader, conf, curves, summary,
                            xleader, xconf, cp)

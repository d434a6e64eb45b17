"""Synchrony: onset asynchrony, phase locking, phase correction, tempo coupling, shared pulse.

- **Asynchrony** (Repp 2005; Rasch 1979): near-coincident onsets of the two players are paired
  (mutual nearest neighbours within :data:`PAIR_TOLERANCE`), and ``b - a`` is measured for each
  pair. Chords (onsets within 50 ms, ``analysis.register.CHORD_TOLERANCE``) count as one event
  at their first onset. Ensemble players typically show asynchronies with a standard deviation of
  30-50 ms (Rasch 1979).
- **Phase locking** (Pikovsky, Rosenblum & Kurths 2001, "Synchronization"): each onset of one
  player gets a phase ``2*pi*(t - a_k)/(a_{k+1} - a_k)`` within the other's inter-onset
  interval; the mean resultant length ``R = |mean(exp(i*phase))|`` is 1 for a fixed phase
  relation (lock-step, or a constant delay) and near 0 for unrelated playing (its chance level
  is about ``sqrt(pi)/(2*sqrt(n))`` for ``n`` onsets). The larger of the two directions is
  reported, so that one player playing twice as fast still counts as locked.
- **Phase correction** (linear phase-correction model, Vorberg & Wing 1996; Wing, Endo, Bradbury
  & Vorberg 2014 "Optimal feedback correction in string quartet synchronization"): the next
  inter-onset interval of a player shortens by ``alpha`` times its asynchrony to the other,
  ``IOI_a(k) - T_a(k) = -alpha_a * (a_k - b_k) + noise``, estimated by least squares
  (``T_a`` = running median of 31 IOIs). The player who corrects more follows; ``alpha`` near 0 for
  both means neither adapts.
- **Tempo coupling**: Pearson correlation of the two players' tempo curves
  (:func:`analysis.tempo.tempo_curve`) over windows where both have a pulse, and the share of
  windows whose tempi agree within 4 % at a 1:1, 1:2 or 2:1 ratio (**shared pulse**).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validate
from ..register import CHORD_TOLERANCE
from ..tempo import tempo_curve
from ..windows import DEFAULT_HOP, DEFAULT_WINDOW, window_means, windowed_values
from ._grid import GRID_STEP, Curve, num
from .activity import shared_mask
from .events import PlayerEvents, chord_starts

__all__ = [
    "PAIR_TOLERANCE",
    "MAX_CYCLE",
    "TEMPO_TOLERANCE",
    "SynchronyResult",
    "event_onsets",
    "pair_onsets",
    "phase_locking",
    "rayleigh_p",
    "phase_correction",
    "analyze_synchrony",
]

#: Largest asynchrony paired [seconds]. 250 ms is beyond the asynchronies of ensemble playing
#: (tens of ms; Rasch 1979) and of networked playing with up to 180 ms delay, and is half the
#: inter-onset interval at 120 BPM, where "together" and "on the off-beat" become ambiguous.
PAIR_TOLERANCE = 0.25
#: Inter-onset intervals longer than this [seconds] are rests, not a cycle to take a phase in.
MAX_CYCLE = 2.0
#: Tempi within this relative difference [share] count as the same (the 4 % of MIREX tempo
#: accuracy).
TEMPO_TOLERANCE = 0.04
_MIN_EVENTS = 4  # fewer onsets in a window give no phase locking or asynchrony spread
#: Running-median length [intervals] of the reference period in phase correction: long enough
#: that the current interval barely moves it (a short median biases alpha towards 0), short
#: enough (~15 s at 120 BPM) to follow tempo drift.
_RUNNING = 31
#: Phase correction is only estimated for players whose phase locking reaches this: pairing
#: unrelated onsets selects pairs whose next interval "corrects" by construction.
MIN_LOCKING = 0.5
#: Spread of log tempo over the windows [natural log units, about 1 %] below which a player's
#: tempo counts as constant for the tempo coupling: the curve's own precision (1.7 % grid bins,
#: refined by interpolation) makes smaller changes noise.
MIN_TEMPO_SPREAD = 0.01


def event_onsets(onsets: np.ndarray, *, chord: float = CHORD_TOLERANCE) -> np.ndarray:
    """Sorted onsets with chord notes (within ``chord`` seconds of the chord's first note)
    merged into that first note.

    A note more than ``chord`` after the first note of the current chord starts a new event,
    however close it follows the previous note (:func:`~analysis.dialogue.events.chord_starts`).

    Examples
    --------
    >>> event_onsets(np.array([0.0, 0.02, 0.5, 1.0, 1.03])).tolist()
    [0.0, 0.5, 1.0]
    >>> event_onsets(np.arange(0.0, 0.2, 0.03)).round(2).tolist()  # a run, 30 ms apart
    [0.0, 0.06, 0.12, 0.18]
    """
    t = np.sort(np.asarray(onsets, dtype=np.float64))
    return t[chord_starts(t, chord=chord)]


def pair_onsets(
    a: np.ndarray, b: np.ndarray, *, tolerance: float = PAIR_TOLERANCE
) -> tuple[np.ndarray, np.ndarray]:
    """Pair near-coincident onsets of two players (mutual nearest neighbours).

    Parameters
    ----------
    a, b : np.ndarray [shape=(n,), (m,), seconds] — sorted event onsets
    tolerance : float [seconds] — largest ``|b - a|`` paired

    Returns
    -------
    ia, ib : np.ndarray [int] — indices of the paired onsets; ``b[ib] - a[ia]`` are the
        asynchronies (> 0: b later)

    Examples
    --------
    >>> ia, ib = pair_onsets(np.array([0.0, 1.0, 2.0]), np.array([0.03, 1.5, 2.01]))
    >>> ia.tolist(), ib.tolist()
    ([0, 2], [0, 2])
    """
    tolerance = _validate.positive("tolerance", tolerance)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z

    def nearest(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        j = (np.clip(np.searchsorted(y, x), 1, y.size - 1) if y.size > 1
             else np.zeros(x.size, np.int64))
        if y.size > 1:
            j = np.where(np.abs(y[j - 1] - x) <= np.abs(y[j] - x), j - 1, j)
        return j

    ja = nearest(a, b)  # nearest b of each a
    jb = nearest(b, a)  # nearest a of each b
    ia = np.arange(a.size)
    mutual = (jb[ja] == ia) & (np.abs(b[ja] - a) <= tolerance)
    return ia[mutual], ja[mutual]


def _phases(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Phase [radians] of each onset of ``x`` in the enclosing inter-onset interval of ``y``."""
    if x.size == 0 or y.size < 2:
        return np.zeros(0)
    k = np.searchsorted(y, x, side="right") - 1
    ok = (k >= 0) & (k < y.size - 1)
    k, xs = k[ok], x[ok]
    cyc = y[k + 1] - y[k]
    ok = cyc <= MAX_CYCLE
    return 2 * np.pi * (xs[ok] - y[k][ok]) / cyc[ok]


def _locking(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """Phase-locking index of the better direction and its number of phases (NaN, 0 if none)."""
    best, n_best = np.nan, 0
    for x, y in ((a, b), (b, a)):
        ph = _phases(np.asarray(x, np.float64), np.asarray(y, np.float64))
        if ph.size >= _MIN_EVENTS:
            r = float(np.abs(np.mean(np.exp(1j * ph))))
            if not np.isfinite(best) or r > best:
                best, n_best = r, int(ph.size)
    return best, n_best


def phase_locking(a: np.ndarray, b: np.ndarray) -> float:
    """Phase-locking index (0..1) of two onset sequences; NaN with fewer than 4 phases.

    Examples
    --------
    >>> a = np.arange(0, 10, 0.5)
    >>> round(phase_locking(a, a + 0.1), 3)
    1.0
    """
    return _locking(a, b)[0]


def rayleigh_p(r: float, n: int) -> float:
    """P-value of Rayleigh's test that ``n`` phases with mean resultant length ``r`` are uniform.

    With few phases a high phase-locking index comes easily by chance (four random phases
    reach 0.5 one time in three); the test says how easily. Zar (2010), Biostatistical
    Analysis, eq. 27.4 (after Greenwood & Durand 1955). NaN without phases.

    Examples
    --------
    >>> round(rayleigh_p(0.5, 4), 2), rayleigh_p(0.5, 40) < 1e-3
    (0.39, True)
    """
    if n < 1 or not np.isfinite(r):
        return float("nan")
    rn = n * r
    return float(min(1.0, np.exp(np.sqrt(1 + 4 * n + 4 * (n * n - rn * rn)) - (1 + 2 * n))))


def phase_correction(
    a: np.ndarray, b: np.ndarray, ia: np.ndarray, ib: np.ndarray
) -> tuple[float, float]:
    """Phase-correction gains ``(alpha_a, alpha_b)`` from paired onsets (NaN if not estimable).

    Only runs of consecutive events paired with consecutive events are used (no rests longer
    than :data:`MAX_CYCLE`). ``alpha`` is the least-squares slope of the IOI deviation (from a
    running median of 31 IOIs) on minus the asynchrony; 0 = ignores the other, 1 = fully corrects.
    Needs at least 8 usable intervals and varying asynchronies.
    """
    out = []
    for x, y, ix, iy in ((a, b, ia, ib), (b, a, ib, ia)):
        if ix.size < 3:
            out.append(np.nan)
            continue
        ok = (np.diff(ix) == 1) & (np.diff(iy) == 1)
        ioi = np.diff(x[ix])
        ok &= ioi <= MAX_CYCLE
        asyn = (x[ix] - y[iy])[:-1]
        if ok.sum() < 8:
            out.append(np.nan)
            continue
        from scipy.ndimage import median_filter

        ref = median_filter(ioi, size=_RUNNING, mode="nearest")
        dev = (ioi - ref)[ok]
        s = asyn[ok] - asyn[ok].mean()
        den = float(np.sum(s * s))
        out.append(float(-np.sum(s * (dev - dev.mean())) / den) if den > 1e-12 else np.nan)
    return out[0], out[1]


@dataclass(frozen=True)
class SynchronyResult:
    """Paired onsets and synchrony measures.

    Attributes
    ----------
    pairs : np.ndarray [shape=(k, 2), seconds] — (a onset, b onset) of each pair
    curves, summary : see :func:`analyze_synchrony`
    """

    pairs: np.ndarray
    curves: dict[str, Curve] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


def _shared(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = x / y
        return np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0) & np.any(
            [np.abs(ratio / m - 1.0) <= TEMPO_TOLERANCE for m in (1.0, 2.0, 0.5)], axis=0)


def analyze_synchrony(
    a: PlayerEvents,
    b: PlayerEvents,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    names: tuple[str, str] = ("a", "b"),
    tolerance: float = PAIR_TOLERANCE,
    tempo: bool = True,
) -> SynchronyResult:
    """Asynchrony, phase locking, phase correction, tempo coupling and shared pulse of two players.

    Parameters
    ----------
    a, b : PlayerEvents
    duration : float [seconds]
    window, hop : float [seconds]
    names : (str, str)
    tolerance : float [seconds] — see :func:`pair_onsets`
    tempo : bool — compute tempo curves (the slowest part); False skips tempo coupling

    Returns
    -------
    SynchronyResult
        Curves ``asynchrony_ms`` (mean ``b - a`` of the pairs in the window), ``asynchrony_sd_ms``,
        ``phase_locking`` (0..1), ``phase_locking_p`` (Rayleigh p-value of the window's phase
        locking, :func:`rayleigh_p`), ``{name}_tempo_bpm`` (NaN = no pulse), ``shared_pulse`` (0/1).
        Summary ``n_pairs``, ``{name}_paired_share``, ``asynchrony_mean_ms``,
        ``asynchrony_median_ms``, ``asynchrony_sd_ms``, ``asynchrony_abs_mean_ms``,
        ``phase_locking``, ``{name}_phase_correction`` (None when phase locking < 0.5),
        ``tempo_coupling_r``, ``tempo_ratio_median``, ``shared_pulse_share``. Sign: asynchrony > 0
        means b plays later.

        Where a player is not recorded for the whole session (:attr:`PlayerEvents.recorded`,
        :attr:`PlayerEvents.gaps`), ``shared_pulse_share`` is over the time both are recorded
        (each window weighted by its share of that time; None without any) and the
        ``shared_pulse`` curve has no value (NaN) in a window without such time (since
        dialogue 1.9).

    References
    ----------
    Repp, B. H. (2005). Sensorimotor synchronization: a review of the tapping literature.
    Psychonomic Bulletin & Review 12(6), 969-992.
    Rasch, R. A. (1979). Synchronization in performed ensemble music. Acustica 43, 121-131.
    Pikovsky, A., Rosenblum, M. & Kurths, J. (2001). Synchronization. Cambridge Univ. Press.
    Wing, A. M., Endo, S., Bradbury, A. & Vorberg, D. (2014). Optimal feedback correction in
    string quartet synchronization. J. R. Soc. Interface 11, 20131125.
    Keller, P. E. (2008). Joint action in music performance. In Enacting Intersubjectivity.
    """
    duration = _validate.nonnegative("duration", duration)
    window, hop = _validate.window_hop(window, hop)
    ea = event_onsets(a.onsets)
    eb = event_onsets(b.onsets)
    ia, ib = pair_onsets(ea, eb, tolerance=tolerance)
    asyn_ms = (eb[ib] - ea[ia]) * 1000.0
    pairs = np.stack([ea[ia], eb[ib]], axis=1) if ia.size else np.zeros((0, 2))

    times, groups = windowed_values(ea[ia], asyn_ms, duration=duration, window=window, hop=hop)
    amean = np.array([g.mean() if g.size else np.nan for g in groups])
    asd = np.array([g.std(ddof=1) if g.size >= _MIN_EVENTS else np.nan for g in groups])
    pl = np.full(times.size, np.nan)
    pl_p = np.full(times.size, np.nan)
    for w, c in enumerate(times):
        s, e = c - window / 2, c + window / 2
        pl[w], n = _locking(ea[(ea >= s) & (ea < e)], eb[(eb >= s) & (eb < e)])
        pl_p[w] = rayleigh_p(pl[w], n)
    curves: dict[str, Curve] = {"asynchrony_ms": (times, amean), "asynchrony_sd_ms": (times, asd),
                                "phase_locking": (times, pl), "phase_locking_p": (times, pl_p)}
    locking = phase_locking(ea, eb)
    alpha_a, alpha_b = (phase_correction(ea, eb, ia, ib) if locking >= MIN_LOCKING
                        else (np.nan, np.nan))
    summary: dict = {
        "n_pairs": float(ia.size),
        f"{names[0]}_paired_share": ia.size / ea.size if ea.size else None,
        f"{names[1]}_paired_share": ib.size / eb.size if eb.size else None,
        "asynchrony_mean_ms": num(asyn_ms.mean()) if asyn_ms.size else None,
        "asynchrony_median_ms": num(np.median(asyn_ms)) if asyn_ms.size else None,
        "asynchrony_sd_ms": num(asyn_ms.std(ddof=1)) if asyn_ms.size >= 2 else None,
        "asynchrony_abs_mean_ms": num(np.abs(asyn_ms).mean()) if asyn_ms.size else None,
        "phase_locking": num(locking),
        f"{names[0]}_phase_correction": num(alpha_a),
        f"{names[1]}_phase_correction": num(alpha_b),
    }
    summary.update({"tempo_coupling_r": None, "tempo_ratio_median": None,
                    "shared_pulse_share": None})
    if tempo:
        ta = tempo_curve(ea, duration=duration, window=window, hop=hop)
        tb = tempo_curve(eb, duration=duration, window=window, hop=hop)
        curves[f"{names[0]}_tempo_bpm"] = (ta.times, ta.bpm)
        curves[f"{names[1]}_tempo_bpm"] = (tb.times, tb.bpm)
        shared = _shared(ta.bpm, tb.bpm)
        both = np.isfinite(ta.bpm) & np.isfinite(tb.bpm) & (ta.bpm > 0) & (tb.bpm > 0)
        recorded = shared_mask(a, b, duration=duration)
        if recorded is None:
            curves["shared_pulse"] = (ta.times, shared.astype(np.float64))
            if ta.times.size:
                summary["shared_pulse_share"] = float(shared.mean())
        else:
            # only the time both are recorded (since dialogue 1.9): each window weighs by its
            # share of that time, and one without any has no value
            _, part = window_means(recorded, duration=duration, window=window, hop=hop,
                                   step=GRID_STEP)
            curves["shared_pulse"] = (ta.times, np.where(part > 0, shared.astype(np.float64),
                                                         np.nan))
            if part.sum() > 0:
                summary["shared_pulse_share"] = float(np.sum(shared * part) / part.sum())
        if both.any():
            summary["tempo_ratio_median"] = num(np.median(ta.bpm[both] / tb.bpm[both]))
        if both.sum() >= 5:
            x, y = np.log(ta.bpm[both]), np.log(tb.bpm[both])
            # a tempo steadier than the estimator's own precision has no course to follow:
            # correlating its jitter gave r = 1.0 for two metronomes (since dialogue 1.3)
            if x.std() > MIN_TEMPO_SPREAD and y.std() > MIN_TEMPO_SPREAD:
                summary["tempo_coupling_r"] = num(np.corrcoef(x, y)[0, 1])
    return SynchronyResult(pairs, curves, summary)

"""Change over a course of therapy: trends, baseline bands and outlying sessions.

Pure functions on one feature's per-session values (one value per session,
with the session dates).  The Music Therapy Toolbox kept a mean ± SD per
client and overlaid it on later sessions (Luck et al. 2008); this module
adds a robust trend with a confidence interval.

- **Trend**: the Theil–Sen slope (median of pairwise slopes; Sen 1968) with
  its 95 % confidence interval (``scipy.stats.theilslopes``).  It tolerates
  an outlying session, which ordinary least squares does not; the OLS slope
  and its p-value are reported beside it.  A trend is *distinguishable from
  no change* when the Mann–Kendall test (Kendall's tau between session order
  and value; Mann 1945, Kendall 1975) rejects "no trend" at 5 %, with its
  exact null distribution for up to 33 sessions without tied values (scipy's
  rule; else the normal approximation with the tie correction, which is
  close by then).  The interval rests on the normal
  approximation of the same statistic, which is far too liberal for three or
  four sessions: on pure noise it excluded zero for 34 % of three-session and
  8 % of four-session series (5 % intended), while the exact test cannot
  reject at all below five sessions (its smallest p-values are 0.33 and
  0.083) and holds its level from there on.  Slopes are given per session
  (on the session index) and per 30 days (on the dates), since sessions are
  not always evenly spaced; the one per 30 days only when the sessions span
  at least :data:`MIN_SPAN_DAYS` (four weeks), so that a month's change is
  never extrapolated from a few days (four sessions on four days in a row
  read +330 BPM and a velocity change of +170 on its 0-127 scale).
- **Baseline band**: mean ± k·SD (k = 2 by default; the sample SD, ddof 1) of
  the chosen baseline sessions (by default the first three); sessions outside
  it are listed.  With three baseline sessions the SD is itself uncertain:
  the band is a guide for the eye, not a test.
- **Outliers**: sessions whose residual from the Theil–Sen line is more than
  3.5 robust z-scores away (median absolute deviation scaled by 1.4826;
  Iglewicz & Hoaglin 1993).  When more than half the residuals are equal the
  MAD is 0 and every other session would be "infinitely" far: then the mean
  absolute deviation scaled by 1.2533 stands in for it (the usual fallback of
  the modified z-score), and if that is 0 too there is no outlier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from analysis import _validate
from analysis.errors import ParameterError

MIN_SESSIONS_FOR_TREND = 3
OUTLIER_Z = 3.5


#: Shortest span of session dates [days] from which a trend per 30 days is given: four
#: weeks, so that the rate over a month is measured over about a month, not extrapolated
#: (sessions on four days in a row gave a tempo +330 BPM per 30 days). Weekly sessions have
#: it from the fifth session on; half a day less counts (the fifth weekly session an hour
#: earlier in the day than the first).
MIN_SPAN_DAYS = 28.0

@dataclass(frozen=True)
class Trend:
    """A trend of one feature across sessions.

    Attributes
    ----------
    n : int
        Sessions with a value.
    slope_per_session : float
        Theil–Sen slope on the session index [feature unit per session].
    ci_low, ci_high : float
        95 % confidence interval of ``slope_per_session``.
    slope_per_30_days : float or None
        Theil–Sen slope on the session dates [feature unit per 30 days]; None when the
        sessions with a value span less than :data:`MIN_SPAN_DAYS` (four weeks; half a day
        less counts).
    ols_slope_per_session : float
        Least-squares slope, for comparison.
    ols_p : float or None
        Its two-sided p-value; None when it is undefined (all values equal).
    mk_p : float or None
        Two-sided p-value of the Mann–Kendall test of "no trend" (exact without ties); None
        when all values are equal.
    distinguishable : bool
        True if ``mk_p`` is below ``1 - confidence``.
    """

    n: int
    slope_per_session: float
    ci_low: float
    ci_high: float
    slope_per_30_days: float | None
    ols_slope_per_session: float
    ols_p: float | None
    mk_p: float | None
    distinguishable: bool

    def to_dict(self) -> dict:
        return asdict(self)


def _clean(values, days) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    try:
        v = np.asarray(values, dtype=np.float64)
        d = np.asarray(days, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("values and days must be numbers (NaN for a session without a "
                             "value)") from None
    if v.shape != d.shape or v.ndim != 1:
        raise ParameterError(
            f"values and days must be 1-d of equal length, got {v.shape} and {d.shape}")
    keep = np.isfinite(v) & np.isfinite(d)
    return v[keep], d[keep], np.flatnonzero(keep)


def trend(values, *, days, confidence: float = 0.95) -> Trend | None:
    """Theil–Sen trend of per-session values.

    Parameters
    ----------
    values : array [shape=(n,)]
        One value per session (NaN for sessions without one).
    days : array [shape=(n,), days]
        Session dates as days since any origin, in session order.
    confidence : float
        Width of the slope interval.

    Returns
    -------
    Trend or None
        None when fewer than three sessions have a value.

    Examples
    --------
    >>> t = trend([1.0, 2.0, 3.0, 4.0, 5.0], days=[0, 7, 14, 21, 28])
    >>> round(t.slope_per_session, 6), round(t.slope_per_30_days, 4), t.distinguishable
    (1.0, 4.2857, True)
    >>> trend([1.0, 2.0, 3.0, 4.0], days=[0, 7, 14, 21]).distinguishable  # p = 1/12
    False
    >>> trend([1.0, 2.0, 3.0, 4.0], days=[0, 1, 2, 3]).slope_per_30_days is None  # 3 days
    True
    """
    from scipy import stats

    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must be in (0, 1), got {confidence!r}")
    v, d, idx = _clean(values, days)
    if len(v) < MIN_SESSIONS_FOR_TREND:
        return None
    x = idx.astype(np.float64)
    res = stats.theilslopes(v, x, alpha=confidence)
    slope, low, high = float(res[0]), float(res[2]), float(res[3])
    # a rate per 30 days only from about a month of sessions: a slope over minutes (a demo)
    # scaled to 30 days read +14,699,049 BPM, one over 3 days +330 BPM
    per_30 = (float(stats.theilslopes(v, d, alpha=confidence)[0]) * 30.0
              if np.ptp(d) >= MIN_SPAN_DAYS - 0.5 else None)
    ols = stats.linregress(x, v)
    mk = stats.kendalltau(x, v).pvalue  # 'auto': exact for n <= 33 without ties
    mk_p = float(mk) if np.isfinite(mk) else None
    return Trend(
        n=int(len(v)),
        slope_per_session=slope,
        ci_low=low,
        ci_high=high,
        slope_per_30_days=per_30,
        ols_slope_per_session=float(ols.slope),
        ols_p=float(ols.pvalue) if np.isfinite(ols.pvalue) else None,
        mk_p=mk_p,
        distinguishable=mk_p is not None and mk_p < 1.0 - confidence,
    )


@dataclass(frozen=True)
class Band:
    """A baseline band: ``mean ± k · sd`` of the baseline sessions."""

    mean: float
    sd: float
    k: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


def baseline_band(values, *, baseline, k: float = 2.0,
                  without_spread: bool = False) -> Band | None:
    """The band of the baseline sessions.

    Parameters
    ----------
    values : array [shape=(n,)]
    baseline : array of int
        Indices of the baseline sessions.
    k : float
        Half-width in standard deviations.
    without_spread : bool
        Whether baseline sessions that all have the same value give a band (of zero width,
        ``sd`` 0): for a caller that widens every band to the smallest change that matters
        (:func:`improv.reports.compare.floored_band`). A client who never led in four sessions
        has a baseline of 0, 0, 0, 0, and a fifth session at 100 % is then outside its band.

    Returns
    -------
    Band or None
        None if fewer than two baseline sessions have a value, or if they all have the same
        value and ``without_spread`` is False (a band of zero width would put every other
        session "outside").
    """
    k = _validate.positive("k", k, unit="standard deviations")
    v = np.asarray(values, dtype=np.float64)
    idx = np.asarray(baseline)
    if idx.size and (idx.dtype.kind not in "iu" or idx.ndim != 1):
        raise ParameterError(
            f"baseline must be session indices (whole numbers), got {list(np.ravel(baseline))!r}")
    if idx.size and (idx.min() < 0 or idx.max() >= v.size or len(set(idx.tolist())) != idx.size):
        raise ParameterError(
            f"baseline must be distinct session indices in 0..{v.size - 1}, got {idx.tolist()!r}")
    b = v[idx.astype(int)] if idx.size else np.array([])
    b = b[np.isfinite(b)]
    if len(b) < 2:
        return None
    mean, sd = float(np.mean(b)), float(np.std(b, ddof=1))
    if not sd > 1e-9 * max(abs(mean), 1e-300):
        if not without_spread:
            return None  # the baseline sessions are all alike: no spread to draw a band from
        sd = 0.0
    return Band(mean=mean, sd=sd, k=float(k), low=mean - k * sd, high=mean + k * sd, n=int(len(b)))


def outside_band(values, band: Band | None) -> list[int]:
    """Indices of sessions whose value lies outside the band."""
    if band is None:
        return []
    v = np.asarray(values, dtype=np.float64)
    return [int(i) for i in np.flatnonzero(np.isfinite(v) & ((v < band.low) | (v > band.high)))]


def outliers(values, *, z: float = OUTLIER_Z) -> list[int]:
    """Sessions far from the robust trend line (robust z of the residual > ``z``)."""
    from scipy import stats

    z = _validate.positive("z", z, unit="robust z-score")
    v, _, idx = _clean(values, np.zeros(len(values)))
    if len(v) < 4:
        return []
    x = idx.astype(np.float64)
    slope, intercept = stats.theilslopes(v, x)[:2]
    resid = v - (intercept + slope * x)
    dev = np.abs(resid - np.median(resid))
    scale = max(float(np.max(np.abs(v))), 1e-300)
    spread = float(np.median(dev)) * 1.4826
    if spread <= 1e-9 * scale:  # more than half the residuals equal (or rounding noise)
        spread = float(np.mean(dev)) * 1.2533
        if spread <= 1e-9 * scale:
            return []
    robust_z = dev / spread
    return [int(i) for i, rz in zip(idx, robust_z, strict=False) if rz > z]

import numpy as np
import pytest

from analysis.errors import ParameterError
from analysis.trends import baseline_band, outliers, outside_band, trend


def _course(rng, *, n=12, start=1.0, per_session=0.25, noise=0.05, outlier_at=7, outlier=+3.0):
    """Weekly sessions with a known rise per session, noise and one outlier."""
    days = np.arange(n) * 7.0
    v = start + per_session * np.arange(n) + rng.normal(0, noise, n)
    v[outlier_at] += outlier
    return v, days


def test_trend_band_and_outlier_come_out_as_built(rng):
    v, days = _course(rng)
    t = trend(v, days=days)
    # Theil-Sen ignores the outlier: slope within 0.03 of the built 0.25/session
    assert t.slope_per_session == pytest.approx(0.25, abs=0.03)
    assert t.slope_per_30_days == pytest.approx(0.25 * 30 / 7, abs=0.15)
    assert t.distinguishable and t.ci_low > 0
    assert outliers(v) == [7]
    band = baseline_band(v, baseline=[0, 1, 2])
    assert band.mean == pytest.approx(1.25, abs=0.06)
    # the rise takes later sessions out of the first three's band
    out = outside_band(v, band)
    assert 7 in out and out[-1] == 11 and 0 not in out


def test_no_change_is_not_distinguishable(rng):
    v = 2.0 + rng.normal(0, 0.3, 12)
    t = trend(v, days=np.arange(12) * 7.0)
    assert not t.distinguishable and t.ci_low < 0 < t.ci_high
    assert outliers(v) == []


@pytest.mark.parametrize("n, most", [(3, 0.0), (4, 0.0), (6, 0.05), (12, 0.05)])
def test_noise_is_called_a_change_at_most_at_the_test_level(rng, n, most):
    """The verdict is the exact Mann-Kendall test: with three or four sessions it can never
    reject (its smallest p-values are 1/3 and 1/12), where the interval of the slope excluded
    zero for 34 % and 8 % of pure-noise series; beyond, the share stays at or under 5 %."""
    days = np.arange(n) * 7.0
    calls = [trend(rng.normal(size=n), days=days) for _ in range(1000)]
    share = np.mean([t.distinguishable for t in calls])
    assert share <= most + 0.015, share
    assert all(t.mk_p is not None and 0 < t.mk_p <= 1 for t in calls)
    if n <= 4:  # even a steady rise is no evidence yet
        assert not trend(np.arange(n, dtype=float), days=days).distinguishable


def test_undefined_statistics_are_none_not_nan():
    """Equal values have no least-squares p-value, and sessions on one day no slope per day:
    None, as in the JSON, rather than NaN."""
    t = trend([2.0, 2.0, 2.0, 2.0], days=[0, 7, 14, 21])
    assert t.slope_per_session == 0.0 and t.ols_p is None and t.mk_p is None
    assert not t.distinguishable
    t = trend([1.0, 2.0, 3.0], days=[5, 5, 5])
    assert t.slope_per_30_days is None and t.slope_per_session == pytest.approx(1.0)
    minutes = np.array([0, 5, 10]) / (24 * 60)  # three demo sessions made minutes apart
    assert trend([1.0, 2.0, 3.0], days=minutes).slope_per_30_days is None


def test_missing_values_and_too_few_sessions():
    assert trend([1.0, np.nan], days=[0, 7]) is None
    t = trend([1.0, np.nan, 3.0, 4.0], days=[0, 7, 14, 21])
    assert t.n == 3 and t.slope_per_session == pytest.approx(1.0)
    assert baseline_band([1.0, 2.0], baseline=[0]) is None


@pytest.mark.parametrize("call, match", [
    (lambda: trend([1, 2, 3], days=[0, 1]), "equal length"),
    (lambda: trend([1, 2, 3], days=[0, 1, 2], confidence=1.5), "confidence"),
    (lambda: baseline_band([1, 2, 3], baseline=[0, 1], k=0), "k must be"),
    (lambda: baseline_band([1, 2, 3], baseline=[0, 1], k=float("inf")), "k must be a finite"),
    (lambda: baseline_band([1, 2, 3], baseline=[0, 5]), r"indices in 0\.\.2, got \[0, 5\]"),
    (lambda: baseline_band([1, 2, 3], baseline=[-1, 0]), "distinct session indices"),
    (lambda: baseline_band([1, 2, 3], baseline=[0, 0]), "distinct session indices"),
    (lambda: baseline_band([1, 2, 3, 4], baseline=[True, True, False, False]),
     "session indices \\(whole numbers\\)"),
    (lambda: outliers([1, 2, 3, 4], z=float("nan")), "z must be a finite number"),
    (lambda: trend(["a", "b", "c"], days=[0, 1, 2]), "values and days must be numbers"),
])
def test_bad_parameters(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_outliers_when_most_sessions_are_alike():
    # an exactly linear course with one dense week: only that week (its residual is the only
    # one that is not 0 or rounding noise, where the MAD alone would be 0)
    v = 1.0 + 0.25 * np.arange(8)
    v[5] += 3.0
    assert outliers(v) == [5]
    # four sessions on a line but one: the MAD of the residuals is 0, and every session was
    # called an outlier before; four are too few to call even the odd one out (z = 3.2)
    assert outliers([2.0, 2.25, 5.5, 2.75]) == []
    # five sessions at 0 and three modest values: a spread, not three outliers
    assert outliers([0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.57, 0.56]) == []
    assert outliers([2.0] * 6) == []


def test_no_band_from_a_baseline_without_spread():
    v = [0.0, 0.0, 0.0, 0.0012, 0.3]
    assert baseline_band(v, baseline=[0, 1, 2]) is None
    assert outside_band(v, baseline_band(v, baseline=[0, 1, 2])) == []


def test_a_baseline_without_spread_gives_a_band_of_no_width_when_asked():
    """For a caller that widens every band (a client who never led: 0, 0, 0, then 100 %)."""
    v = [0.0, 0.0, 0.0, 0.0012, 1.0]
    band = baseline_band(v, baseline=[0, 1, 2], without_spread=True)
    assert (band.mean, band.sd, band.low, band.high, band.n) == (0.0, 0.0, 0.0, 0.0, 3)
    assert outside_band(v, band) == [3, 4]  # unwidened: any difference is outside
    assert baseline_band([1.0, 2.0], baseline=[0], without_spread=True) is None  # one session


def test_a_rate_per_30_days_needs_about_four_weeks_of_sessions():
    """Four sessions on four days in a row read a tempo of +330 BPM per 30 days and a velocity
    of +170 on its 0-127 scale (a therapist's review): a month's change is given only from
    sessions that span four weeks (half a day less counts: a later hour of the first day)."""
    tempo = [80.0, 92.0, 101.0, 113.0]
    assert trend(tempo, days=[0, 1, 2, 3]).slope_per_30_days is None
    assert trend(tempo + [120.0], days=[0, 7, 14, 21, 27.6]).slope_per_30_days is not None
    assert trend(tempo + [120.0], days=[0, 7, 14, 21, 27.4]).slope_per_30_days is None
    # the span of the sessions with a value: a first session without one does not count
    t = trend([np.nan, 1.0, 2.0, 3.0], days=[0, 7, 14, 28])
    assert t.slope_per_30_days is None and t.slope_per_session == pytest.approx(1.0)
    t = trend([1.0, 2.0, 3.0, 4.0, 5.0], days=[0, 7, 14, 21, 28])
    assert t.slope_per_30_days == pytest.approx(30 / 7)

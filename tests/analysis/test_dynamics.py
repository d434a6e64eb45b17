import numpy as np
import pytest

from analysis.convert import NoteTable
from analysis.dynamics import dynamic_changes, level_dbfs, velocity_curves
from analysis.errors import ParameterError


def test_velocity_curves_known_values():
    # one note per second, velocities alternate 40 / 80: mean 60, sd 20, range 40 in every window
    s = np.arange(0.0, 12.0)
    v = np.where(np.arange(12) % 2 == 0, 40, 80)
    nt = NoteTable.from_arrays(s, s + 0.5, np.full(12, 60), v)
    c = velocity_curves(nt, duration=12.0, window=6.0, hop=1.0)
    assert np.allclose(c["velocity_mean"][1], 60.0)
    assert np.allclose(c["velocity_std"][1], 20.0)
    assert np.allclose(c["velocity_range"][1], 40.0)


def test_level_dbfs():
    # a sine of amplitude a has mean square a^2/2: -20 dBFS RMS at a = 0.1*sqrt(2)
    ms = np.array([(0.1 * np.sqrt(2)) ** 2 / 2, 0.0, 1.0])
    assert np.allclose(level_dbfs(ms), [-20.0, -100.0, 0.0])
    assert np.allclose(level_dbfs(np.array([0.0]), amin=1e-3), [-60.0])
    with pytest.raises(ParameterError, match="ref must be"):
        level_dbfs(ms, ref=0.0)


def test_crescendo_and_decrescendo():
    t = np.arange(0.0, 40.0)
    # flat 50, ramp up to 90 over 10 s (with +-2 wobble), flat, ramp down to 40 over 8 s
    v = np.concatenate([np.full(10, 50.0), np.linspace(50, 90, 10), np.full(10, 90.0),
                        np.linspace(90, 40, 10)])
    v = v + np.where(np.arange(40) % 2 == 0, 2.0, -2.0)
    ch = dynamic_changes(t, v, min_change=10.0, min_duration=3.0)
    assert [c.kind for c in ch] == ["crescendo", "decrescendo"]
    assert ch[0].change == pytest.approx(40.0, abs=5.0)
    assert 8.0 <= ch[0].start <= 11.0 and 18.0 <= ch[0].end <= 30.0
    assert ch[1].change == pytest.approx(-50.0, abs=5.0)


def test_no_change_in_flat_or_wobbly_curve():
    t = np.arange(0.0, 30.0)
    v = 60 + 4 * np.sin(t)  # +-4 wobble < 10
    assert dynamic_changes(t, v, min_change=10.0) == []
    assert dynamic_changes(t[:1], v[:1], min_change=10.0) == []
    with pytest.raises(ParameterError, match="min_change must be"):
        dynamic_changes(t, v, min_change=0.0)

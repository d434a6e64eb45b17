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


def test_change_is_the_full_rise_between_the_turning_points():
    """Analysis 1.19: a velocity curve steady at 40, a ramp over 10-25 s, steady at 100 rises by
    60. Before, the change was taken between the trimmed start and end (each within
    min_change / 2 of its extreme) and read 51.75; start and end still time the ramp."""
    t = np.arange(0.0, 40.0, 0.25)
    v = np.interp(t, [0, 10, 25, 40], [40, 40, 100, 100])
    (c,) = dynamic_changes(t, v, min_change=10.0)
    assert c.kind == "crescendo" and c.change == 60.0
    # the ramp leaves 40 + 5 at 11.25 s and reaches 100 - 5 at 23.75 s
    assert c.start == pytest.approx(11.25) and c.end == pytest.approx(23.75)
    # a decrescendo of 30 dB in a level curve (min_change 6 dB) is -30.0, not -24 dB
    (d,) = dynamic_changes(t, np.interp(t, [0, 10, 25, 40], [-25.2, -25.2, -55.2, -55.2]),
                           min_change=6.0)
    assert d.kind == "decrescendo" and d.change == pytest.approx(-30.0)


def test_midi_velocity_ramp_reports_the_full_crescendo():
    """Through analyze_midi: notes every 0.25 s at velocity 40, ramping to 100 over 10-25 s;
    the windowed velocity_mean runs 40 -> 100 and the crescendo's change is 60 (51.75 before
    analysis 1.19)."""
    from analysis.summary import analyze_midi

    s = np.arange(0.0, 39.5, 0.25)
    vel = np.interp(s, [0, 10, 25, 40], [40, 40, 100, 100]).round()
    nt = NoteTable.from_arrays(s, s + 0.2, 60 + np.arange(s.size) % 7, vel)
    r = analyze_midi(nt, duration=40.0)
    assert [c.kind for c in r.changes] == ["crescendo"]
    assert r.changes[0].change == pytest.approx(60.0)

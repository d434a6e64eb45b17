import numpy as np
import pytest

from analysis.convert import NoteTable
from analysis.register import (
    KEY_NAMES,
    articulation,
    key_correlations,
    pitch_curves,
    tonal_clarity_curve,
)


def scale(pitches, step=0.5, dur=0.5, reps=4):
    p = np.tile(pitches, reps)
    s = np.arange(p.size) * step
    return NoteTable.from_arrays(s, s + dur, p, np.full(p.size, 80))


def test_key_of_c_major_scale():
    nt = scale([60, 62, 64, 65, 67, 69, 71, 72])
    w = np.bincount(nt.pitch % 12, weights=nt.duration, minlength=12)
    kc = key_correlations(w)
    assert KEY_NAMES[int(np.argmax(kc))] == "C major"
    _, tcl = tonal_clarity_curve(nt, duration=16.0)
    assert np.all(tcl > 0.7)  # a diatonic scale correlates ~0.8 with its KK profile


def test_chromatic_is_tonally_unclear():
    nt = scale(list(range(60, 72)), reps=3)
    _, tcl = tonal_clarity_curve(nt, duration=18.0, window=6.0, hop=6.0)
    assert np.all(np.isnan(tcl) | (tcl < 0.2))  # flat distribution: no key (NaN) or weak


def test_pitch_curves():
    nt = scale([60, 64], reps=12)
    _, mean = pitch_curves(nt, duration=12.0)["pitch_mean"]
    assert np.allclose(mean, 62.0)
    assert np.allclose(pitch_curves(nt, duration=12.0)["pitch_std"][1], 2.0)


@pytest.mark.parametrize("dur, expect", [(0.5, 1.0), (0.25, 0.5), (0.9, 1.0)])
def test_articulation(dur, expect):
    art = articulation(scale([60, 62], step=0.5, dur=dur))
    assert np.allclose(art[:-1], expect) and np.isnan(art[-1])

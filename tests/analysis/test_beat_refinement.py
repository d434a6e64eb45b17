"""Beats that follow fast rubato (the loose tightness where the tempo is not steady) and beats
moved onto the onsets near them (issue 17, 1.9.0), with synthetic known answers."""

import numpy as np
import pytest

from analysis.beats import (
    LOOSE_TIGHTNESS,
    REFINE_WINDOW,
    TIGHTNESS,
    analyze_pulse,
    refine_beats,
)
from analysis.errors import ParameterError
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope


def swinging_beats(lo, hi, period, duration=120.0):
    """Beats of a tempo map swinging lo -> hi -> lo BPM every ``period`` seconds."""
    t, beats = 0.5, []
    while t < duration - 0.5:
        beats.append(t)
        t += 60.0 / ((hi + lo) / 2 - (hi - lo) / 2 * np.cos(2 * np.pi * t / period))
    return np.asarray(beats)


def recall(est, ref, tol=0.07):
    """Share of the reference beats with a tracked beat within ``tol`` seconds."""
    return float(np.mean(np.abs(ref[:, None] - est[None, :]).min(axis=1) <= tol))


def performance(beats, rng):
    """Envelope of the beats (10 ms jitter) with soft off-beat eighths under half of them."""
    eighths = ((beats[:-1] + beats[1:]) / 2.0)[rng.uniform(size=beats.size - 1) < 0.5]
    on = np.concatenate([beats + rng.normal(0, 0.01, beats.size), eighths])
    w = np.concatenate([np.full(beats.size, 0.9), np.full(eighths.size, 0.5)])
    return onset_envelope(on, duration=120.0, weights=w)


def test_beats_follow_a_tempo_swinging_faster_than_the_windows(rng):
    """80 <-> 120 BPM every 20 s: the 6 s windows smear it (stability under 0.9), and only the
    looser tracker keeps a beat on every annotated one."""
    assert LOOSE_TIGHTNESS < TIGHTNESS
    beats = swinging_beats(80.0, 120.0, 20.0)
    env = performance(beats, rng)
    loose = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0)
    tight = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0,
                          loose_tightness=TIGHTNESS)
    assert loose.curve.stability < 0.9
    assert recall(loose.beats, beats) > 0.99
    assert recall(tight.beats, beats) < recall(loose.beats, beats)


def test_a_steady_tempo_keeps_the_tight_tracker(rng):
    beats = np.arange(0.5, 119.0, 0.5)
    env = performance(beats, rng)
    p = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0, refine=0.0)
    q = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0, refine=0.0,
                      loose_tightness=1.0)
    assert p.curve.stability >= 0.9 and np.array_equal(p.beats, q.beats)
    assert recall(p.beats, beats) > 0.99


def test_refined_beats_land_on_the_onsets_near_them():
    onsets = np.array([1.02, 1.47, 2.0, 2.65])
    env = onset_envelope(onsets, duration=4.0)
    tracked = np.array([1.0, 1.5, 2.0, 2.5])
    moved = refine_beats(tracked, env, frame_rate=MIDI_FRAME_RATE, window=REFINE_WINDOW)
    # 20-30 ms away: moved onto the onset; 150 ms away (far beyond 40 ms): left as it was
    assert np.allclose(moved, [1.02, 1.47, 2.0, 2.5], atol=0.006)
    assert np.array_equal(refine_beats(tracked, env, frame_rate=MIDI_FRAME_RATE, window=0.0),
                          tracked)
    assert refine_beats(np.zeros(0), env, frame_rate=MIDI_FRAME_RATE, window=0.04).size == 0


def test_refinement_without_onsets_leaves_the_beats():
    tracked = np.array([1.0, 1.5, 2.0])
    assert np.array_equal(refine_beats(tracked, np.zeros(400), frame_rate=100.0, window=0.04),
                          tracked)


def test_refined_beats_stay_increasing():
    env = np.zeros(300)
    env[100] = 1.0  # one onset within reach of both beats: only the first takes it
    one = refine_beats(np.array([1.0, 1.02]), env, frame_rate=100.0, window=0.04)
    assert one.tolist() == [1.0, 1.02]
    env[:] = 0.0
    env[104] = 1.0  # one onset past both beats: moving the first would pass the second
    two = refine_beats(np.array([1.0, 1.02]), env, frame_rate=100.0, window=0.04)
    assert np.all(np.diff(two) > 0) and two.tolist() == [1.0, 1.02]


@pytest.mark.parametrize("kw, match", [({"window": -0.01}, "window"),
                                       ({"window": float("nan")}, "window"),
                                       ({"frame_rate": 0.0}, "frame_rate")])
def test_refinement_refuses_bad_parameters(kw, match):
    args = {"frame_rate": 100.0, "window": 0.04, **kw}
    with pytest.raises(ParameterError, match=match):
        refine_beats(np.array([1.0]), np.ones(300), **args)

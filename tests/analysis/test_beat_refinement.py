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
    steady_windows,
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


def steady_then_swinging(seed):
    """A steady minute at 120 BPM of eighths with tresillo accents (3+3+2 sixteenths over two
    beats: a loose tracker can follow the accents at 3/4 of the beat), then a minute swinging
    80 <-> 120 BPM; the annotated beats and the envelope."""
    r = np.random.default_rng(seed)
    steady = np.arange(0.5, 60.0, 0.5)
    swing = 60.0 + swinging_beats(80.0, 120.0, 20.0, duration=60.0)
    eighths = np.arange(0.5, 60.0, 0.25)
    tresillo = (np.arange(0.5, 59.0, 1.0)[:, None] + np.array([0.0, 0.375, 0.75])).ravel()
    offbeats = ((swing[:-1] + swing[1:]) / 2.0)[r.uniform(size=swing.size - 1) < 0.5]
    on = np.concatenate([eighths, tresillo, swing, offbeats])
    w = np.concatenate([np.full(eighths.size, 0.5), np.full(tresillo.size, 0.8),
                        np.full(swing.size, 0.9), np.full(offbeats.size, 0.5)])
    env = onset_envelope(on + r.normal(0, 0.008, on.size), duration=120.0, weights=w)
    return steady, swing, env


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_a_steady_stretch_keeps_its_beat_in_an_unsteady_performance(seed):
    """The performance is not steady overall, so it is tracked loosely, except in its steady
    stretch (1.11.0): there the beats stay on the beat instead of slipping onto the tresillo
    accents, and the swinging minute is still followed."""
    steady, swing, env = steady_then_swinging(seed)
    p = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0)
    whole = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0, stretch_share=1.1)
    assert p.curve.stability < 0.9
    first = steady[steady < 59.0]
    assert recall(p.beats[p.beats < 60.0], first) > 0.95
    assert recall(whole.beats[whole.beats < 60.0], first) < 0.6  # loose throughout: slipped
    assert recall(p.beats, swing[swing > 62.0]) > 0.95


def test_steady_windows_by_their_neighbourhood():
    bpm = np.r_[np.full(30, 120.0), np.nan, 80.0 + 40.0 * np.abs(np.sin(np.arange(30) / 3.0))]
    st = steady_windows(bpm, windows=5, share=0.7)
    assert st[:25].all() and not st[30] and not st[41:].any()
    assert not steady_windows(bpm, windows=5, share=1.1).any()
    assert not steady_windows(np.full(2, 120.0), windows=5, share=0.7).any()  # too few

import numpy as np
import pytest

from analysis.errors import ParameterError
from analysis.tempo import PULSE_THRESHOLD, tempo_curve


def jittered_clicks(bpm, dur, rng, jitter=0.02):
    """Beats at ``bpm`` with Gaussian timing jitter (sd ``jitter`` seconds)."""
    t = np.arange(0.25, dur, 60.0 / bpm)
    return np.sort(t + rng.normal(0, jitter, t.size))


@pytest.mark.parametrize("bpm", [40.0, 60.0, 90.0, 120.0, 150.0])
def test_click_train_with_jitter(bpm, rng):
    # 20 ms jitter sd is typical of human tapping; tolerance 4 % (MIREX Acc1)
    tc = tempo_curve(jittered_clicks(bpm, 60.0, rng), duration=60.0)
    assert tc.tempo_bpm == pytest.approx(bpm, rel=0.04)
    assert tc.pulse_clarity > PULSE_THRESHOLD


def test_slow_tempo_no_floor(rng):
    # 30 BPM needs an 8 s window (two beats per window); the default 6 s reaches down to 20 BPM.
    tc = tempo_curve(jittered_clicks(30.0, 120.0, rng, 0.01), duration=120.0, window=10.0)
    assert tc.tempo_bpm == pytest.approx(30.0, rel=0.04)


def test_notes_with_subdivisions(rng):
    # eighth notes at 100 BPM with accents on the beat: the beat, not the eighths (or 3:2)
    beat = 0.6
    t = np.arange(0.0, 60.0, beat / 2)
    v = np.where(np.arange(t.size) % 2 == 0, 1.0, 0.5)
    t = t + rng.normal(0, 0.01, t.size)
    tc = tempo_curve(np.sort(t), duration=60.0, weights=v[np.argsort(t)])
    assert tc.tempo_bpm == pytest.approx(100.0, rel=0.04)


@pytest.mark.parametrize("start_bpm, end_bpm", [(90.0, 130.0), (130.0, 90.0)])
def test_accelerando_ritardando_curve(start_bpm, end_bpm, rng):
    # tempo changes linearly in time; beat times from integrating the tempo
    dur = 60.0
    tt = np.linspace(0, dur, 60001)
    bpm_t = start_bpm + (end_bpm - start_bpm) * tt / dur
    phase = np.cumsum(bpm_t / 60.0) * (tt[1] - tt[0])
    beats = np.interp(np.arange(1, int(phase[-1])), phase, tt)
    beats = np.sort(beats + rng.normal(0, 0.01, beats.size))
    tc = tempo_curve(beats, duration=dur)
    expect = start_bpm + (end_bpm - start_bpm) * tc.times / dur
    # within 6 %: a 6 s window averages a tempo that changes by ~4 BPM across it
    assert np.all(np.abs(tc.bpm / expect - 1) < 0.06)
    assert (tc.bpm[-1] > tc.bpm[0]) == (end_bpm > start_bpm)


def test_free_playing_is_pulseless(rng):
    # Poisson onsets (3 per second) have no pulse: most windows must say so
    t = np.sort(rng.uniform(0, 120, 360))
    tc = tempo_curve(t, duration=120.0)
    assert np.mean(tc.bpm > 0) < 0.2
    assert tc.pulse_clarity < PULSE_THRESHOLD


def test_silence_and_short():
    tc = tempo_curve(np.zeros(0), duration=30.0)
    assert tc.tempo_bpm == 0.0 and np.all(tc.bpm == 0.0) and tc.times.size == 25
    short = tempo_curve(np.arange(0, 3, 0.5), duration=3.0)
    assert short.times.size == 0 and short.tempo_bpm == 0.0


def test_bad_params():
    with pytest.raises(ParameterError, match="window must be"):
        tempo_curve(np.arange(10.0), duration=10.0, window=-6.0)
    with pytest.raises(ParameterError, match="weights must have the shape"):
        tempo_curve(np.arange(10.0), duration=10.0, weights=np.ones(3))

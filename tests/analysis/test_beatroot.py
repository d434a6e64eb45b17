"""The multi-agent beat tracker (analysis.beatroot) on synthetic performances with known beats."""

import numpy as np
import pytest

from analysis.beatroot import (
    agrees,
    beats_from_envelope,
    beats_from_notes,
    ioi_clusters,
    level_factor,
    track,
)
from analysis.errors import ParameterError
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope


def near(est, ref, tol=0.07):
    """Share of reference beats with an estimated beat within ``tol`` seconds, and vice versa."""
    d_ref = np.abs(ref[:, None] - est[None, :]).min(axis=1)
    d_est = np.abs(est[:, None] - ref[None, :]).min(axis=1)
    return float(np.mean(d_ref <= tol)), float(np.mean(d_est <= tol))


def rubato_map(n=160, bpm=100.0, depth=0.08, seed=0):
    """Beats of a tempo map swinging +-``depth`` around ``bpm`` (period 24 beats), 5 ms jitter."""
    rng = np.random.default_rng(seed)
    ibi = 60.0 / bpm * (1 + depth * np.sin(2 * np.pi * np.arange(n) / 24))
    return 1.0 + np.cumsum(ibi) + rng.normal(0, 0.005, n)


def test_rubato_beats_within_70ms_at_the_beat_level():
    beats = rubato_map()
    ibi = np.diff(beats)
    # a melody in eighths (soft, short, high) over beats with a bass note (long, low, loud)
    start = np.concatenate([beats, beats[:-1] + ibi / 2])
    pitch = np.concatenate([np.full(beats.size, 40), np.full(ibi.size, 76)])
    dur = np.concatenate([np.full(beats.size, 0.5), np.full(ibi.size, 0.15)])
    vel = np.concatenate([np.full(beats.size, 90), np.full(ibi.size, 60)])
    o = np.argsort(start, kind="stable")
    r = beats_from_notes(start[o], start[o] + dur[o], pitch[o], vel[o])
    recall, precision = near(r.beats, beats[2:-2])
    assert recall >= 0.95 and precision >= 0.95
    assert r.tempo_bpm == pytest.approx(60.0 / np.median(ibi), rel=0.04)
    assert r.taken > 0.9


def test_waltz_with_bass_on_the_downbeat_is_tracked_at_the_beat_not_a_3_2_level():
    bpm, bars = 120.0, 60
    q = 60.0 / bpm
    beats = 0.5 + q * np.arange(3 * bars)
    start, end, pitch, vel = [], [], [], []
    for i, b in enumerate(beats):
        if i % 3 == 0:  # bass on the downbeat
            start.append(b), end.append(b + 3 * q), pitch.append(36), vel.append(95)
        else:  # a chord of two notes on beats 2 and 3
            for p in (60, 64):
                start.append(b), end.append(b + 0.3), pitch.append(p), vel.append(70)
        # a melody note a third of a beat later on some beats (triplet feel)
        if i % 2 == 1:
            start.append(b + q / 3), end.append(b + q / 2), pitch.append(79), vel.append(55)
    o = np.argsort(start, kind="stable")
    a = [np.asarray(x, float)[o] for x in (start, end, pitch, vel)]
    r = beats_from_notes(*a)
    assert r.tempo_bpm == pytest.approx(bpm, rel=0.04)
    recall, precision = near(r.beats, beats[1:-1])
    assert recall >= 0.95 and precision >= 0.95


def test_poisson_free_playing_has_no_steady_track():
    rng = np.random.default_rng(3)
    onsets = np.cumsum(rng.exponential(1.0 / 1.5, 240))  # 1.5 notes/s, no pulse
    r = track(onsets, np.ones(onsets.size))
    assert r.taken < 0.7
    steady = track(0.5 + 0.5 * np.arange(240), np.ones(240))
    assert steady.taken > 0.95 and steady.tempo_bpm == pytest.approx(120.0, rel=0.01)


def test_audio_envelope_peaks_give_the_beats():
    beats = rubato_map(n=100, bpm=110.0)
    dur = beats[-1] + 1.0
    env = onset_envelope(beats, duration=dur)
    r = beats_from_envelope(env, frame_rate=MIDI_FRAME_RATE)
    assert r.tempo_bpm == pytest.approx(60.0 / np.median(np.diff(beats)), rel=0.04)
    assert near(r.beats, beats[2:-2])[0] >= 0.9


def test_ioi_clusters_rank_the_beat_period_with_its_multiples():
    onsets = 0.5 * np.arange(40)
    iv, score = ioi_clusters(onsets)
    assert iv[0] == pytest.approx(0.5, abs=0.01)
    assert np.all(np.diff(score) <= 0)


def test_level_factor():
    assert level_factor(160.0, 82.0) == 0.5
    assert level_factor(100.0, 150.0) == 1.5
    assert level_factor(100.0, 150.0, ratios=(0.5, 1.0, 2.0)) == 1.0
    assert level_factor(None, 100.0) == 1.0 and level_factor(100.0, None) == 1.0


def test_agrees():
    assert agrees(120.0, 122.0) and not agrees(120.0, 130.0)
    assert not agrees(120.0, 60.0) and agrees(120.0, 60.0, ratios=(0.5, 1.0, 2.0))
    assert not agrees(None, 60.0) and not agrees(120.0, None)


def test_given_periods_are_the_hypotheses():
    beats = 0.5 + 0.5 * np.arange(120)
    # eighths between the beats: the given period keeps the agents at the beat level
    onsets = np.sort(np.concatenate([beats, beats + 0.25]))
    r = track(onsets, np.ones(onsets.size), periods=[0.5], center=0.0)
    assert r.tempo_bpm == pytest.approx(120.0, rel=0.01)
    assert r.hypotheses.tolist() == [0.5]


def test_few_events_give_no_tempo():
    r = track(np.array([1.0]), np.array([1.0]))
    assert r.tempo_bpm is None and r.beats.size == 0


@pytest.mark.parametrize("kw, match", [
    (dict(times=[0.0, np.nan], salience=[1, 1]), "times"),
    (dict(times=[0.0, 0.5, 1.0], salience=[1, 1]), "salience"),
    (dict(times=[0.0, 0.5], salience=[1, 1], max_agents=0), "max_agents"),
    (dict(times=[0.0, 0.5], salience=[1, 1], periods=[0.5, -1.0]), "periods"),
])
def test_bad_input_is_a_parameter_error(kw, match):
    with pytest.raises(ParameterError, match=match):
        track(**kw)

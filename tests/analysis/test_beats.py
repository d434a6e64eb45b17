"""Beats and the pulse label on synthetic performances with known beats."""

import numpy as np
import pytest

from analysis.beats import (
    REGULAR_SHARE,
    analyze_pulse,
    beat_curve,
    beat_regularity,
    beat_tempo,
    tempo_summary,
    track_beats,
)
from analysis.convert import NoteTable
from analysis.errors import ParameterError
from analysis.summary import analyze_midi
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope


def hit_rates(est, ref, tol=0.07):
    """(share of reference beats with an estimate within tol, share of estimates near one)."""
    est, ref = np.asarray(est), np.asarray(ref)
    if est.size == 0 or ref.size == 0:
        return 0.0, 0.0
    d_ref = np.abs(ref[:, None] - est[None, :]).min(axis=1)
    d_est = np.abs(est[:, None] - ref[None, :]).min(axis=1)
    return float(np.mean(d_ref <= tol)), float(np.mean(d_est <= tol))


def pulse_of(onsets, duration, weights=None):
    env = onset_envelope(onsets, duration=duration, weights=weights)
    return analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=duration)


def rubato_beats(duration=120.0, lo=90.0, hi=125.0):
    """Beats of a tempo map swinging lo -> hi -> lo BPM (period 60 s): strong rubato."""
    t, beats = 0.5, []
    while t < duration - 0.5:
        beats.append(t)
        bpm = (hi + lo) / 2 - (hi - lo) / 2 * np.cos(2 * np.pi * t / 60.0)
        t += 60.0 / bpm
    return np.asarray(beats)


@pytest.mark.parametrize("lo, hi", [
    (90.0, 125.0),
    pytest.param(80.0, 130.0, marks=pytest.mark.xfail(
        strict=True, reason="issue 17: each window's tempo is folded onto the level nearest "
        "the global tempo, so at 80 BPM (0.7 octave below 130) the eighths' 160 is nearer "
        "and the beats double there (analysis.level_fold.LEVEL_SWITCH = 4 fixes it, but "
        "cross-validation kept it off)")),
])
def test_rubato_beats_follow_the_tempo_map(lo, hi, rng):
    beats = rubato_beats(lo=lo, hi=hi)
    # beats plus off-beat eighths, 15 ms timing jitter; the eighths softer
    eighths = (beats[:-1] + beats[1:]) / 2.0
    on = np.concatenate([beats, eighths]) + rng.normal(0, 0.015, beats.size + eighths.size)
    w = np.concatenate([np.full(beats.size, 0.9), np.full(eighths.size, 0.5)])
    p = pulse_of(on, 120.0, w)
    recall, precision = hit_rates(p.beats, beats)
    assert recall > 0.9 and precision > 0.9, (recall, precision)
    # the tempo from the tracked beats follows the map within 5 % in every full window
    bc = beat_curve(p.beats, p.curve.times, window=6.0)
    ref = beat_curve(beats, p.curve.times, window=6.0)
    ok = np.isfinite(bc) & np.isfinite(ref)
    assert ok.mean() > 0.9 and np.median(np.abs(bc[ok] / ref[ok] - 1)) < 0.03
    assert np.max(np.abs(bc[ok] / ref[ok] - 1)) < 0.08
    # the pulse is there throughout, but half its beats are over 10 % off any one tempo: no
    # tempo is vouched for (1.12.0; "clear" before), the estimate stays tentative
    assert p.share == 1.0 and p.label == "intermittent" and p.tempo_bpm is None
    assert beat_regularity(beats, tempo_bpm=p.curve.tempo_bpm) < REGULAR_SHARE


def test_three_four_known_beats(rng):
    # waltz at 120 BPM (quarter beats): strong downbeat, two light beats
    beats = np.arange(0.5, 89.5, 0.5)
    w = np.where(np.arange(beats.size) % 3 == 0, 1.0, 0.5)
    on = beats + rng.normal(0, 0.01, beats.size)
    p = pulse_of(on, 90.0, w)
    assert p.curve.tempo_bpm == pytest.approx(120.0, rel=0.04)
    recall, precision = hit_rates(p.beats, beats)
    assert recall > 0.95 and precision > 0.95


@pytest.mark.xfail(strict=True, reason="issue 17: no metre inference yet; 6/8 eighths at 180 "
                   "come out at 90 (a duple grouping of the eighths), the 3:2 confusion")
def test_six_eight_known_beats(rng):
    # 6/8: eighths at 180 per minute, dotted-quarter beats at 60 BPM accented;
    # the beat must come out at a level of the 6/8 hierarchy (60 or 180), never a duple 90/120
    eighths = np.arange(0.5, 89.5, 1.0 / 3.0)
    k = np.arange(eighths.size)
    w = np.where(k % 6 == 0, 1.0, np.where(k % 3 == 0, 0.8, 0.35))
    on = eighths + rng.normal(0, 0.01, eighths.size)
    p = pulse_of(on, 90.0, w)
    ratio = p.curve.tempo_bpm / 60.0
    assert min(abs(ratio - r) for r in (1.0, 3.0)) < 0.04, p.curve.tempo_bpm
    dotted = eighths[k % 3 == 0]
    recall, _ = hit_rates(p.beats, dotted)
    assert recall > 0.95
    if ratio < 2:  # at the dotted-quarter level, every beat is a dotted quarter
        assert hit_rates(p.beats, dotted)[1] > 0.95


@pytest.mark.parametrize("rate", [0.5, 2.0, 4.0])
def test_free_poisson_playing_stays_pulseless(rate):
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        t = np.sort(rng.uniform(0, 120, rng.poisson(rate * 120)))
        v = rng.integers(40, 110, t.size)
        res = analyze_midi(NoteTable.from_arrays(t, t + 0.2, np.full(t.size, 60), v),
                           duration=120.0)
        s = res.summary
        assert s["pulse"] != "clear" and s["tempo_bpm"] is None, s
        if s["pulse"] in ("none", "rare"):
            assert res.beats.size == 0 and s["n_beats"] == 0


def test_beats_in_the_analysis_output(rng):
    beats = np.arange(1.0, 59.0, 0.5)
    on = beats + rng.normal(0, 0.01, beats.size)
    res = analyze_midi(NoteTable.from_arrays(on, on + 0.1, np.full(on.size, 60),
                                             np.full(on.size, 90)), duration=60.0)
    d = res.to_dict()
    assert hit_rates(d["beats"], beats)[0] > 0.95
    assert res.summary["pulse"] == "clear"
    assert res.summary["tempo_bpm"] == pytest.approx(120, rel=0.04)
    assert res.summary["n_beats"] == len(d["beats"])


def test_no_beats_in_silence():
    assert track_beats(np.zeros(1000), frame_rate=100.0, bpm=120.0).size == 0
    p = analyze_pulse(np.zeros(3000), frame_rate=100.0)
    s = tempo_summary(p)
    assert p.beats.size == 0 and s["tempo_bpm"] is None and s["tempo_bpm_tentative"] is None


def test_same_beats_as_librosa(rng):
    """The compiled tracker is librosa's recursion: the same beats on the same envelope."""
    librosa = pytest.importorskip("librosa")
    beats = rubato_beats(60.0)
    on = beats + rng.normal(0, 0.01, beats.size)
    env = onset_envelope(on, duration=60.0)
    bpm = np.interp(np.arange(env.size) / 100.0, beats[1:], 60.0 / np.diff(beats))
    ours = track_beats(env, frame_rate=100.0, bpm=bpm)
    _, ref = librosa.beat.beat_track(onset_envelope=env, sr=100.0, hop_length=1, bpm=bpm,
                                     units="time")
    assert hit_rates(ours, ref, tol=0.011) == (1.0, 1.0) or (
        min(hit_rates(ours, ref, tol=0.011)) > 0.97 and abs(ours.size - ref.size) <= 2)


def test_a_window_without_a_pulse_has_no_tempo(rng):
    """Analysis 1.8: 30 s at 120 BPM, then 30 s of silence: the silent windows' tempo is NaN
    in the curve and None in to_dict (0.0 before, which averaged into means)."""
    beats = np.arange(0.25, 30.0, 0.5)
    on = beats + rng.normal(0, 0.01, beats.size)
    res = analyze_midi(NoteTable.from_arrays(on, on + 0.1, np.full(on.size, 60),
                                             np.full(on.size, 90)), duration=60.0)
    t, bpm = res.curves["tempo_bpm"]
    late = t > 40.0
    assert late.any() and np.all(np.isnan(bpm[late]))
    assert np.nanmedian(bpm[t < 25.0]) == pytest.approx(120.0, rel=0.04)
    vals = np.asarray(res.to_dict()["curves"]["tempo_bpm"]["values"], dtype=object)
    assert all(v is None for v in vals[late]) and 0.0 not in list(vals)
    assert res.summary["tempo_bpm_min"] == pytest.approx(120.0, rel=0.04)


def test_tempo_at_each_beat_follows_a_known_tempo_map(rng):
    """60 / inter-beat interval, at the beat that ends it: the rubato map beat by beat."""
    beats = rubato_beats(lo=90.0, hi=125.0)
    t, bpm = beat_tempo(beats)
    np.testing.assert_array_equal(t, beats[1:])
    np.testing.assert_allclose(bpm, 60.0 / np.diff(beats))
    assert 89.0 < bpm.min() < 92.0 and 123.0 < bpm.max() < 126.0
    # tracked beats of the performance give the same curve within 5 % at nearly every beat
    eighths = (beats[:-1] + beats[1:]) / 2.0
    on = np.concatenate([beats, eighths]) + rng.normal(0, 0.01, beats.size + eighths.size)
    w = np.concatenate([np.full(beats.size, 0.9), np.full(eighths.size, 0.5)])
    tt, tb = beat_tempo(pulse_of(on, 120.0, w).beats)
    ref = np.interp(tt, t, bpm)
    assert np.mean(np.abs(tb / ref - 1) < 0.05) > 0.9


@pytest.mark.parametrize("beats, n", [(np.zeros(0), 0), (np.array([3.0]), 0),
                                      (np.array([1.0, 2.0]), 1)])
def test_tempo_at_each_beat_of_few_beats(beats, n):
    t, bpm = beat_tempo(beats)
    assert t.size == bpm.size == n


@pytest.mark.parametrize("beats, match", [(np.array([1.0, 1.0]), "increasing"),
                                          (np.array([2.0, 1.0]), "increasing"),
                                          (np.array([1.0, np.nan]), "finite")])
def test_tempo_at_each_beat_refuses_bad_beats(beats, match):
    with pytest.raises(ParameterError, match=match):
        beat_tempo(beats)

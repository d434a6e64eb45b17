"""The global tempo over all windows (analysis.tempo_path.summary_tempo, level_peaks): measured in
the 1.10 round and shipped off (SUMMARY "pulsed"); known answers for the function and the
checks the issue asks of it (steady music unmoved, free playing still pulseless)."""

import numpy as np
import pytest

import analysis.tempo as tempo
from analysis.errors import ParameterError
from analysis.periodicity import _bpm_grid, tempo_salience
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope, tempo_from_envelope
from analysis.tempo_path import level_peaks, summary_tempo


def _bumps(peaks, weights, bpm):
    """A salience table with one Gaussian bump per window at ``peaks`` [BPM] of height
    ``weights`` (0.05 octaves wide)."""
    lb = np.log2(bpm)[None, :]
    return np.asarray(weights)[:, None] * np.exp(
        -0.5 * ((lb - np.log2(np.asarray(peaks))[:, None]) / 0.05) ** 2)


def test_summary_weighs_every_window_by_its_salience():
    bpm = _bpm_grid(6.0)
    # four loud windows at 120 BPM (weight 4 x 0.5 = 2.0), six soft ones at 105 (6 x 0.4 = 2.4)
    peaks = [120.0] * 4 + [105.0] * 6
    w = [0.5] * 4 + [0.4] * 6
    sal = _bumps(peaks, w, bpm)
    curve = np.array([120.0] * 4 + [np.nan] * 6)
    clarity = np.array(w)
    assert summary_tempo(sal, bpm, curve, clarity, level=120.0, mode="all") == pytest.approx(
        105.0, rel=0.01)
    # at the band's edge (120 / 1.2 = 100 BPM) a bump is no local maximum inside it
    edge = _bumps([120.0] * 4 + [100.0] * 6, w, bpm)
    assert summary_tempo(edge, bpm, curve, clarity, level=120.0, mode="all") == pytest.approx(
        120.0, rel=0.01)
    # soft windows weaker than the loud ones in total: the loud tempo
    sal2 = _bumps(peaks, [0.5] * 4 + [0.3] * 6, bpm)
    assert summary_tempo(sal2, bpm, curve, clarity, level=120.0, mode="all") == pytest.approx(
        120.0, rel=0.01)
    # "fill": the pulsed windows keep their curve value (weighted by their clarity)
    curve_f = np.array([121.0] * 4 + [np.nan] * 6)
    assert summary_tempo(sal2, bpm, curve_f, clarity, level=120.0,
                         mode="fill") == pytest.approx(121.0, rel=1e-9)


def test_peaks_outside_the_band_do_not_count():
    bpm = _bpm_grid(6.0)
    # a window peaking at 150 BPM (+25 %) has no peak inside the ±20 % band around 120
    sal = _bumps([120.0, 150.0, 150.0], [0.3, 0.9, 0.9], bpm)
    t, w = level_peaks(sal, bpm, level=120.0, span=0.2)
    assert t[0] == pytest.approx(120.0, rel=0.01) and np.isnan(t[1:]).all()
    assert np.all(np.isinf(w[1:]))
    assert summary_tempo(sal, bpm, np.full(3, np.nan), np.zeros(3), level=120.0,
                         mode="all") == pytest.approx(120.0, rel=0.01)
    # with a ±30 % band they count, and outweigh it
    assert summary_tempo(sal, bpm, np.full(3, np.nan), np.zeros(3), level=120.0, mode="all",
                         span=0.3) == pytest.approx(150.0, rel=0.01)
    # no peak at all: the level itself
    flat = np.zeros((3, bpm.size))
    assert summary_tempo(flat, bpm, np.full(3, np.nan), np.zeros(3), level=120.0,
                         mode="all") == 120.0


def test_a_bad_mode_is_a_parameter_error():
    bpm = _bpm_grid(6.0)
    with pytest.raises(ParameterError, match="mode must be 'all' or 'fill', got 'median'"):
        summary_tempo(np.zeros((1, bpm.size)), bpm, np.zeros(1), np.zeros(1), level=120.0,
                      mode="median")


def test_level_peaks_follow_a_steady_click_train(rng):
    t = np.sort(np.arange(0.25, 60.0, 0.6) + rng.normal(0, 0.01, 100))  # 100 BPM
    env = onset_envelope(t, duration=60.0)
    _, bpm, sal = tempo_salience(env, frame_rate=MIDI_FRAME_RATE, duration=60.0)
    peak, w = level_peaks(sal, bpm, level=105.0)
    assert np.all(w > 0.2)
    assert np.median(np.abs(peak / 100.0 - 1.0)) < 0.01


@pytest.mark.parametrize("mode", ["all", "fill"])
def test_steady_music_is_not_moved(mode, rng, monkeypatch):
    # a click train and a rock pattern (kick, snare, eighth hi-hats) at a steady tempo
    beat = 60.0 / 97.0
    clicks = np.arange(0.25, 90.0, beat)
    hats = np.arange(0.25, 90.0, beat / 2)
    for t in (clicks, np.sort(np.concatenate([clicks, hats]))):
        t = np.sort(t + rng.normal(0, 0.008, t.size))
        env = onset_envelope(t, duration=90.0)
        before = tempo_from_envelope(env, frame_rate=MIDI_FRAME_RATE, duration=90.0)
        monkeypatch.setattr(tempo, "SUMMARY", mode)
        after = tempo_from_envelope(env, frame_rate=MIDI_FRAME_RATE, duration=90.0)
        monkeypatch.setattr(tempo, "SUMMARY", "pulsed")
        assert before.tempo_bpm == pytest.approx(97.0, rel=0.02)
        assert after.tempo_bpm == pytest.approx(before.tempo_bpm, rel=0.01)


@pytest.mark.parametrize("rate", [0.3, 1.0])
def test_free_playing_stays_pulseless_with_the_summary_over_all_windows(rate, monkeypatch):
    from analysis.beats import analyze_pulse
    from analysis.summary import tempo_summary

    monkeypatch.setattr(tempo, "SUMMARY", "all")
    for seed in range(4):
        rng = np.random.default_rng(seed)
        t = np.sort(rng.uniform(0, 120, rng.poisson(rate * 120)))
        p = analyze_pulse(onset_envelope(t, duration=120.0), frame_rate=MIDI_FRAME_RATE)
        s = tempo_summary(p)
        assert s["pulse"] in ("none", "rare", "intermittent") and s["tempo_bpm"] is None

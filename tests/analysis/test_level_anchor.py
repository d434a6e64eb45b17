"""The tempo path drawn to the session's metrical level (:data:`analysis.tempo.ANCHOR`, measured
in session 18 and shipped off; docs/benchmarks.md): a sixteenth-note groove whose accents fall
3 + 3 + 2 (a tresillo) has its 6 s windows at the dotted-eighth cross-rhythm, 4:3 of the beat
that the whole performance's level finds; drawn to the level, the curve and beats keep the
beat, and "clear" waits for the windows' own reading to agree."""

import numpy as np
import pytest

from analysis import level_fold
from analysis import tempo as atempo
from analysis.beats import AGREE_SHARE, analyze_pulse, pulse_label
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope, tempo_from_envelope

BPM = 100.0


def tresillo(*, backbeat: bool = False) -> np.ndarray:
    """A minute of sixteenths at 100 BPM, accents 3 + 3 + 2 (plus snare on 2 and 4)."""
    t = np.arange(0.0, 60.0, 60.0 / BPM / 4)
    k = np.arange(t.size) % 16
    loud = np.isin(k, [0, 3, 6, 8, 11, 14]) | (backbeat & np.isin(k, [4, 12]))
    return onset_envelope(t, duration=60.0, weights=np.where(loud, 1.0, 0.25))


def test_off_by_default_the_windows_read_the_cross_rhythm():
    assert atempo.ANCHOR == 0.0
    tc = tempo_from_envelope(tresillo(), frame_rate=MIDI_FRAME_RATE)
    assert tc.tempo_bpm == pytest.approx(BPM, rel=0.02)  # the level: the beat
    assert np.nanmedian(tc.bpm) == pytest.approx(BPM * 4 / 3, rel=0.02)  # the windows: 4:3
    assert tc.stability == 0.0
    assert np.isnan(tc.agreement)  # not measured without an anchor


def test_anchor_draws_the_curve_to_the_level(monkeypatch):
    monkeypatch.setattr(atempo, "ANCHOR", 4.0)
    tc = tempo_from_envelope(tresillo(), frame_rate=MIDI_FRAME_RATE)
    assert tc.tempo_bpm == pytest.approx(BPM, rel=0.02)
    assert np.nanmedian(tc.bpm) == pytest.approx(BPM, rel=0.02)
    assert tc.stability == 1.0
    assert tc.agreement == 0.0  # every window's own reading was the cross-rhythm
    pulse = analyze_pulse(tresillo(), frame_rate=MIDI_FRAME_RATE)
    assert np.median(np.diff(pulse.beats)) == pytest.approx(60.0 / BPM, rel=0.02)
    assert pulse.label == "intermittent"  # the windows disagree: not "clear"


def test_anchor_keeps_an_agreeing_groove_clear(monkeypatch):
    """With a backbeat the windows read the beat themselves: nothing for the anchor to move."""
    plain = analyze_pulse(tresillo(backbeat=True), frame_rate=MIDI_FRAME_RATE)
    monkeypatch.setattr(atempo, "ANCHOR", 4.0)
    anchored = analyze_pulse(tresillo(backbeat=True), frame_rate=MIDI_FRAME_RATE)
    assert plain.label == anchored.label == "clear"
    assert anchored.curve.agreement == 1.0
    np.testing.assert_allclose(anchored.curve.bpm, plain.curve.bpm)


def test_agreement_only_takes_clear_away():
    kw = {"n_windows": 50, "tempo_bpm": 100.0}
    assert pulse_label(0.9, 0.0, agreement=float("nan"), **kw) == "clear"  # no condition
    assert pulse_label(0.9, 0.0, agreement=AGREE_SHARE, **kw) == "clear"
    assert pulse_label(0.9, 0.0, agreement=AGREE_SHARE - 0.01, **kw) == "intermittent"
    assert pulse_label(0.9, 0.0, agreement=0.0, agree_share=0.0, **kw) == "clear"
    assert pulse_label(0.05, 0.0, agreement=0.0, **kw) == "rare"


def test_cross_fold_puts_the_cross_rhythm_on_the_beat():
    """``cross_fold`` (session 21, shipped off for percussive audio,
    :data:`analysis.audio_pulse.PERCUSSIVE_CROSS_FOLD`): the windows 4:3 from the level move onto
    it, the beats follow the beat and keep to the tempo, so the groove reads "clear"."""
    from analysis.audio_pulse import PERCUSSIVE_CROSS_FOLD

    assert PERCUSSIVE_CROSS_FOLD == ()
    plain = analyze_pulse(tresillo(), frame_rate=MIDI_FRAME_RATE)
    folded = analyze_pulse(tresillo(), frame_rate=MIDI_FRAME_RATE, cross_fold=(4 / 3,))
    assert plain.label == "intermittent"
    assert np.nanmedian(folded.curve.bpm) == pytest.approx(BPM, rel=0.02)
    assert np.median(np.diff(folded.beats)) == pytest.approx(60.0 / BPM, rel=0.02)
    assert folded.label == "clear" and folded.tempo_bpm == pytest.approx(BPM, rel=0.02)
    # a window at another ratio stays where it is
    c = level_fold._cross_fold(np.array([133.3, 150.0, 100.0, np.nan]), 100.0, (4 / 3,))
    np.testing.assert_allclose(c, [99.98, 150.0, 100.0, np.nan], rtol=1e-3)

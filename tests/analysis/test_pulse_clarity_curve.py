"""The pulse clarity curve has no value in a window in which the player does not play
(analysis 1.18.0; review 29, research finding 10): it read 0.0 in an 8 s count-in, where the
velocity, pitch and tempo curves are null, while the session's clarity leaves those windows
out, so a researcher who averaged the curve got a lower number than the session's."""

import json

import numpy as np
import pytest

from analysis import analyze_audio, analyze_midi
from analysis.convert import NoteTable

from .test_audio import SR, clicks
from .test_pauses import steady_notes

COUNT_IN = 8.0


def _count_in_windows(times: np.ndarray, window: float = 6.0) -> np.ndarray:
    """The windows wholly inside the count-in ``[0, COUNT_IN)``."""
    return times + window / 2 <= COUNT_IN


def test_midi_count_in_has_no_clarity_like_the_velocity_curve(rng):
    res = analyze_midi(steady_notes([(COUNT_IN + 0.05, 60.0)], 120.0, rng), duration=60.0)
    times, clarity = res.curves["pulse_clarity"]
    quiet = _count_in_windows(times)
    assert quiet.sum() == 3  # windows [0, 6), [1, 7), [2, 8)
    assert np.isnan(clarity[quiet]).all()
    assert np.isnan(res.curves["velocity_mean"][1][quiet]).all()  # marked as the others are
    assert np.isfinite(clarity[~quiet]).all()  # every window with playing keeps its value
    assert res.summary["pulse"] == "clear"
    # the mean a researcher takes of the curve's values is that of the windows with playing,
    # and their median is the session's clarity
    assert np.nanmedian(clarity) == pytest.approx(res.summary["pulse_clarity"])
    assert np.nanmean(clarity) > 0.3
    # null in the JSON form, not 0.0
    values = json.loads(json.dumps(res.to_dict()))["curves"]["pulse_clarity"]["values"]
    assert values[:3] == [None, None, None] and None not in values[3:]


def test_audio_count_in_has_no_clarity(rng):
    beats = COUNT_IN + np.arange(0.0, 30.0, 0.5)
    res = analyze_audio(clicks(beats, COUNT_IN + 32.0, rng=rng), sr=SR)
    times, clarity = res.curves["pulse_clarity"]
    quiet = _count_in_windows(times)
    assert quiet.sum() >= 3
    assert np.isnan(clarity[quiet]).all()
    assert np.isfinite(clarity[~quiet]).all()
    assert np.nanmedian(clarity) == pytest.approx(res.summary["pulse_clarity"])


def test_a_player_who_did_not_play_has_no_clarity_anywhere():
    midi = analyze_midi(NoteTable.empty(), duration=30.0)
    audio = analyze_audio(np.zeros(SR * 30, np.float32), sr=SR)
    for res in (midi, audio):
        times, clarity = res.curves["pulse_clarity"]
        assert times.size > 0 and np.isnan(clarity).all(), res.kind
        assert np.isnan(res.curves["tempo_bpm"][1]).all()

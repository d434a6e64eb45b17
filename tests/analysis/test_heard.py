"""Audio that hears the player's MIDI takes the MIDI's metrical level (analysis.heard)."""

import numpy as np
import pytest

from analysis import HeardNotes, analyze_audio
from analysis.heard import HEARD_AGREEMENT, heard_agreement, heard_share, level_factor
from tests.analysis.test_audio import SR, clicks


@pytest.mark.parametrize(("tempo", "reference", "factor"), [
    (49.2, 96.2, 2.0),      # the demo's client: the audio at half the MIDI's tempo
    (144.0, 96.0, 2.0 / 3.0),  # a dotted level
    (32.5, 96.0, 3.0),
    (96.0, 98.0, 1.0),      # the same level
    (72.0, 96.0, None),     # 3:4: off the hierarchy
    (49.2, 80.0, None),     # related to nothing within 8 %
    (0.0, 96.0, None),
    (96.0, float("nan"), None),
])
def test_level_factor_relates_the_two_readings(tempo, reference, factor):
    got = level_factor(tempo, reference)
    assert got == (None if factor is None else pytest.approx(factor))


def test_onsets_on_the_notes_are_told_from_chance(rng):
    notes = np.sort(rng.uniform(0, 60, 240))  # free playing, 4 notes a second
    heard = np.sort(np.r_[rng.choice(notes, 190, replace=False) + rng.normal(0.012, 0.008, 190),
                          rng.uniform(0, 60, 20)])  # most notes found, late by ~12 ms; extras
    assert heard_agreement(heard, notes) > 0.6
    other = np.sort(rng.uniform(0, 60, 240))  # other playing, as dense
    assert heard_share(other, notes) > 0.25  # near some note by chance...
    assert abs(heard_agreement(other, notes)) < 0.1  # ...but no more than chance
    grid = np.arange(0.0, 60.0, 0.5)  # a steady pulse is near itself at every period
    assert heard_agreement(grid + 0.01, grid) > 0.6
    assert heard_agreement(grid + 0.25, grid) < HEARD_AGREEMENT  # the off-beat: other playing
    assert heard_agreement(np.zeros(0), grid) == 0.0 == heard_agreement(grid, np.zeros(0))


@pytest.fixture
def quarter_clicks(rng):
    """Clicks at 100 BPM with 10 ms jitter, and their times."""
    beats = np.arange(0.5, 40.0, 0.6) + rng.normal(0, 0.01, 66)
    return clicks(beats, 40.0, rng=rng), beats


def test_audio_that_hears_the_notes_takes_their_level(quarter_clicks):
    y, beats = quarter_clicks
    own = analyze_audio(y, sr=SR).summary
    assert own["tempo_bpm"] == pytest.approx(100.0, rel=0.04)
    assert own["tempo_level_from"] == "audio"
    # the player's MIDI, the same notes, counts them in half notes
    res = analyze_audio(y, sr=SR, heard=HeardNotes(onsets=beats, tempo_bpm=50.0))
    s = res.summary
    assert s["tempo_level_from"] == "midi"
    assert s["tempo_bpm"] == pytest.approx(50.0, rel=0.04) and s["pulse"] == "clear"
    assert res.beats.size == pytest.approx(beats.size / 2, abs=2)
    assert s["tempo_alt_bpm"] == pytest.approx(own["tempo_bpm"], rel=0.01)  # its own reading
    assert res.onsets.size == beats.size  # only the level moves


@pytest.mark.parametrize("reference", [100.0, 75.0])
def test_a_reading_that_agrees_or_is_unrelated_stands(quarter_clicks, reference):
    y, beats = quarter_clicks
    s = analyze_audio(y, sr=SR, heard=HeardNotes(onsets=beats, tempo_bpm=reference)).summary
    assert s["tempo_level_from"] == "audio"
    assert s["tempo_bpm"] == pytest.approx(100.0, rel=0.04)


def test_audio_that_hears_other_playing_keeps_its_level(quarter_clicks, rng):
    y, _ = quarter_clicks
    other = np.sort(rng.uniform(0, 40, 160))  # a MIDI player the microphone does not hear
    s = analyze_audio(y, sr=SR, heard=HeardNotes(onsets=other, tempo_bpm=50.0)).summary
    assert s["tempo_level_from"] == "audio"
    assert s["tempo_bpm"] == pytest.approx(100.0, rel=0.04)


def test_only_a_clear_midi_pulse_vouches_for_a_level(rng):
    from analysis import analyze_midi
    from tests.analysis.test_metre import six_eight

    notes, _ = six_eight(rng, seconds=40.0)
    midi = analyze_midi(notes, duration=40.0)
    assert midi.summary["pulse"] == "clear"
    h = HeardNotes.from_midi(midi, clock=lambda t: t + 0.5)
    assert h.tempo_bpm == midi.summary["tempo_bpm"]
    np.testing.assert_allclose(h.onsets, midi.onsets + 0.5)
    t = np.sort(rng.uniform(0, 40, 120))  # Poisson notes: no pulse to vouch for
    free = analyze_midi(type(notes).from_arrays(t, t + 0.2, np.full(t.size, 60),
                                                np.full(t.size, 80)), duration=40.0)
    assert free.summary["pulse"] != "clear"
    assert HeardNotes.from_midi(free) is None and HeardNotes.from_midi(None) is None

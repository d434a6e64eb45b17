""""Clear" only where the beats keep to the tempo it reports (analysis 1.12.0, issue 17):
known answers for :func:`analysis.beats.beat_regularity`, a performance in two tempi that the
label used to call clear at one of them, and steady playing that stays clear."""

import numpy as np
import pytest

from analysis import NoteTable, analyze_midi
from analysis.beats import REGULAR_SHARE, analyze_pulse, beat_regularity, vouch
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope


def test_regularity_counts_the_intervals_near_the_beat_period():
    beats = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.3, 2.8])  # one interval of 0.3 s among 0.5 s
    assert beat_regularity(beats, tempo_bpm=120.0) == pytest.approx(5 / 6)
    # +-10 %: 0.545 s is inside (ratio 1.09), 0.56 s outside (1.12)
    assert beat_regularity(np.array([0.0, 0.545, 1.105]), tempo_bpm=120.0) == 0.5
    # the same beats against a tempo a third faster: none near its period
    assert beat_regularity(beats, tempo_bpm=160.0) == 0.0


def test_regularity_is_nan_with_nothing_to_judge():
    assert np.isnan(beat_regularity(np.array([0.0, 0.5]), tempo_bpm=120.0))
    assert np.isnan(beat_regularity(np.arange(0, 10, 0.5), tempo_bpm=0.0))


def test_vouch_only_takes_clear_away():
    steady, wandering = np.arange(0, 30, 0.5), np.cumsum(np.r_[0.0, np.tile([0.4, 0.6], 30)])
    assert vouch("clear", steady, tempo_bpm=120.0) == "clear"
    assert vouch("clear", wandering, tempo_bpm=120.0) == "intermittent"
    assert vouch("clear", wandering, tempo_bpm=120.0, regular_share=0.0) == "clear"
    assert vouch("intermittent", steady, tempo_bpm=120.0) == "intermittent"
    assert vouch("none", np.zeros(0), tempo_bpm=0.0) == "none"
    assert vouch("clear", np.zeros(0), tempo_bpm=120.0) == "clear"  # nothing to judge


def two_tempi(seed):
    """A minute at 80 BPM, then a minute at 130 BPM: a clear pulse throughout, but no one
    tempo (either number is wrong for half the session)."""
    r = np.random.default_rng(seed)
    on = np.r_[np.arange(0.5, 60.0, 60.0 / 80.0), 60.0 + np.arange(0.0, 60.0, 60.0 / 130.0)]
    return on + r.normal(0, 0.008, on.size)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_tempi_are_not_one_clear_tempo(seed):
    env = onset_envelope(two_tempi(seed), duration=120.0)
    old = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0, regular_share=0.0)
    new = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=120.0)
    assert old.label == "clear"  # before 1.12.0: "clear" at one of the two tempi
    assert beat_regularity(new.beats, tempo_bpm=new.curve.tempo_bpm) < REGULAR_SHARE
    assert new.label == "intermittent"
    assert new.tempo_bpm is None and new.beats.size == old.beats.size


def test_the_summary_keeps_the_estimate_as_tentative():
    on = two_tempi(0)
    notes = NoteTable(on, on + 0.2, np.full(on.size, 60), np.full(on.size, 80),
                      np.zeros(on.size, dtype=int))
    s = analyze_midi(notes, duration=120.0).summary
    assert s["pulse"] == "intermittent" and s["tempo_bpm"] is None
    assert s["tempo_bpm_tentative"] == pytest.approx(130.0, rel=0.04)
    assert s["pulsed_share"] > 0.9
    assert s["beat_regularity"] < REGULAR_SHARE  # why it is not clear, in the summary


@pytest.mark.parametrize("bpm", [60.0, 90.0, 120.0, 150.0])
def test_steady_playing_stays_clear(bpm, rng):
    on = np.arange(0.5, 90.0, 60.0 / bpm)
    on = on + rng.normal(0, 0.01, on.size)
    notes = NoteTable(on, on + 0.2, rng.integers(48, 72, on.size), rng.integers(40, 110, on.size),
                      np.zeros(on.size, dtype=int))
    s = analyze_midi(notes, duration=90.0).summary
    assert s["pulse"] == "clear" and s["beat_regularity"] > 0.9
    assert s["tempo_bpm"] == pytest.approx(bpm, rel=0.04)


def test_no_beats_no_regularity():
    on = np.random.default_rng(3).uniform(0, 60, 40)  # free playing: no pulse, no beats
    on.sort()
    notes = NoteTable(on, on + 0.2, np.full(on.size, 60), np.full(on.size, 80),
                      np.zeros(on.size, dtype=int))
    s = analyze_midi(notes, duration=60.0).summary
    assert s["n_beats"] == 0 and s["beat_regularity"] is None

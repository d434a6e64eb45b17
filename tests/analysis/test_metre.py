"""Known answers for metre from note cues (analysis.metre)."""

import numpy as np
import pytest

from analysis.beats import analyze_pulse
from analysis.convert import NoteTable
from analysis.metre import (
    apply_metre,
    decide,
    event_salience,
    level_salience,
    pulse_from_notes,
    score_levels,
)
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope


def six_eight(rng, seconds=90.0):
    """6/8 at 60 dotted-quarter beats per minute: eighths at 180 per minute; each beat a
    long, loud bass note with a chord, the other eighths single short soft treble notes."""
    eighths = np.arange(0.5, seconds - 0.5, 1.0 / 3.0)
    k = np.arange(eighths.size)
    beat = k % 3 == 0
    on = eighths + rng.normal(0, 0.01, eighths.size)
    start, end, pitch, vel = [], [], [], []
    for t, b, i in zip(on, beat, k, strict=True):
        if b:
            for p in (36, 55, 60):  # bass plus a chord, held for the dotted quarter
                start.append(t), end.append(t + 0.9), pitch.append(p)
                vel.append(100 if i % 6 == 0 else 85)
        else:
            start.append(t), end.append(t + 0.12), pitch.append(72), vel.append(45)
    return NoteTable.from_arrays(start, end, pitch, vel), eighths[beat]


def test_event_salience_merges_chords_and_ranks_the_cues():
    # a long, loud bass chord; a short soft treble note; a medium note
    t, s = event_salience(np.array([0.0, 0.01, 0.02, 0.5, 1.0]),
                          np.array([1.0, 1.0, 1.0, 0.6, 1.3]),
                          np.array([36, 48, 60, 84, 70]), np.array([100, 90, 90, 40, 70]))
    assert t.tolist() == [0.0, 0.5, 1.0]
    assert s[0] > s[2] > s[1]
    assert s[1] == pytest.approx(0.25 * 0.25)  # shortest, highest, softest; one note of three


def test_event_salience_of_no_notes():
    t, s = event_salience(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
    assert t.size == 0 and s.size == 0


def test_level_salience_prefers_the_beats_that_carry_the_salient_notes(rng):
    notes, beats = six_eight(rng)
    t, s = event_salience(notes.start, notes.end, notes.pitch, notes.velocity)
    right = level_salience(beats, t, s)
    dotted_wrong = level_salience(np.arange(0.5, 89.0, 2.0 / 3.0), t, s)  # a duple 90 BPM
    too_slow = level_salience(beats[::2], t, s)
    too_fast = level_salience(np.arange(0.5, 89.0, 1.0 / 3.0), t, s)
    assert right > 0.9
    assert right > max(dotted_wrong, too_slow, too_fast) + 0.3
    assert np.isnan(level_salience(beats[:2], t, s))  # two beats are no level


def test_six_eight_with_note_cues_comes_out_on_its_beat(rng):
    notes, beats = six_eight(rng)
    env = onset_envelope(notes.start, duration=90.0, weights=notes.velocity / 127.0)
    p = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=90.0)
    t, s = event_salience(notes.start, notes.end, notes.pitch, notes.velocity)
    scores = score_levels(p, env, frame_rate=MIDI_FRAME_RATE, times=t, sal=s)
    factor, conf = decide(scores, switch_margin=0.05)
    assert factor != 1.0 and conf > 0.05
    got = apply_metre(p, env, frame_rate=MIDI_FRAME_RATE, start=notes.start, end=notes.end,
                      pitch=notes.pitch, velocity=notes.velocity, switch_margin=0.05)
    tempo = got.curve.tempo_bpm
    assert min(abs(tempo / 60.0 - r) for r in (1.0, 3.0)) < 0.04, (p.curve.tempo_bpm, tempo)
    hits = np.min(np.abs(got.beats[:, None] - beats[None, :]), axis=1) < 0.07
    assert hits.mean() > 0.9


def test_a_doubtful_level_is_not_clear(rng):
    # isochronous notes, all alike: no cue says which level; a clear margin withholds "clear"
    t = np.arange(0.5, 60.0, 0.5) + rng.normal(0, 0.005, 119)
    notes = NoteTable.from_arrays(t, t + 0.2, np.full(t.size, 60), np.full(t.size, 80))
    assert pulse_from_notes(notes, duration=60.0).label == "clear"
    strict = pulse_from_notes(notes, duration=60.0, clear_margin=0.5)
    assert strict.label == "intermittent" and strict.tempo_bpm is None

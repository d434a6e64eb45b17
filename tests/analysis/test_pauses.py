"""Pauses in a session: windows in which a player is silent neither count for a pulse nor
against it (analysis 1.15.0). A therapy session stops between pieces, for talk or to listen;
a steady beat with pauses around it is "clear", not "intermittent"."""

import numpy as np
import pytest

from analysis import NoteTable, analyze_audio, analyze_midi
from analysis.beats import analyze_pulse, pause_windows
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope

from .test_audio import SR, clicks


def steady_notes(spans, bpm, rng, jitter=0.01):
    """Notes at ``bpm`` (one every beat, 100 ms long) within each (start, end) span [s]."""
    t = np.concatenate([np.arange(a, b, 60.0 / bpm) for a, b in spans])
    t = np.sort(t + rng.normal(0, jitter, t.size))
    return NoteTable.from_arrays(t, t + 0.1, np.full(t.size, 60), np.full(t.size, 90))


def test_pause_windows_are_the_windows_wholly_in_a_silence():
    sil = np.array([[10.0, 20.0], [30.0, 31.0]])
    centres = np.array([12.0, 13.0, 15.0, 17.0, 18.0, 30.5, 40.0])
    # 6 s windows: [10, 16] and [14, 20] touch the silence's ends and lie in it; [9, 15] and
    # [15, 21] reach out of it; a silence shorter than a window holds none
    assert pause_windows(centres, silences=sil, window=6.0).tolist() == [
        False, True, True, True, False, False, False]
    assert not pause_windows(centres, silences=None, window=6.0).any()
    assert not pause_windows(centres, silences=np.zeros((0, 2)), window=6.0).any()


def test_a_steady_beat_between_long_pauses_is_clear(rng):
    # 60 s at 100 BPM, 90 s of talk, 60 s more, then 60 s of silence to the end: two thirds of
    # the session's windows are silent
    notes = steady_notes([(5.0, 65.0), (155.0, 215.0)], 100.0, rng)
    res = analyze_midi(notes, duration=275.0)
    s = res.summary
    assert s["pulse"] == "clear", s
    assert s["tempo_bpm"] == pytest.approx(100.0, rel=0.03)
    assert s["pulsed_share"] > 0.9
    assert s["silence_share"] > 0.5
    # every window counted (as before 1.15.0): the same playing read "intermittent"
    env = onset_envelope(notes.start, duration=275.0, weights=notes.velocity / 127.0)
    old = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=275.0)
    assert old.label == "intermittent" and old.share < 0.5


def test_recorded_silence_after_the_playing_leaves_the_pulse_clear(rng):
    # 40 s of clicks at 120 BPM, then two minutes of the recording's noise floor (-80 dBFS,
    # under the silence gate): a recording left running after the music stopped
    beats = np.arange(0.5, 40.0, 0.5) + rng.normal(0, 0.008, 79)
    y = clicks(beats, 160.0, rng=rng)
    res = analyze_audio(y, sr=SR)
    s = res.summary
    assert s["pulse"] == "clear", s
    assert s["tempo_bpm"] == pytest.approx(120.0, rel=0.04)
    assert s["pulsed_share"] > 0.9


@pytest.mark.parametrize("rate", [0.3, 1.0])
def test_sparse_free_playing_with_pauses_stays_pulseless(rate):
    # random playing with pauses of 10-40 s between bursts: leaving the pauses out raises
    # the share of pulsed windows among the rest no nearer to "clear"
    for seed in range(4):
        rng = np.random.default_rng(seed)
        spans, t0 = [], 0.0
        while t0 < 240.0:
            spans.append((t0, t0 + rng.uniform(15, 40)))
            t0 = spans[-1][1] + rng.uniform(10, 40)
        t = np.sort(np.concatenate([rng.uniform(a, b, rng.poisson(rate * (b - a)))
                                    for a, b in spans]))
        notes = NoteTable.from_arrays(t, t + 0.2, rng.integers(48, 72, t.size),
                                      np.full(t.size, 80))
        s = analyze_midi(notes, duration=280.0).summary
        assert s["pulse"] in ("none", "rare", "intermittent") and s["tempo_bpm"] is None, s

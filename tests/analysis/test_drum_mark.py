"""Notes of an input marked as a drum kit are drums on every channel (NoteTable.drum), as the
notes on General MIDI channel 10 are."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import NoteTable
from analysis.dialogue import PlayerEvents
from analysis.errors import ParameterError
from analysis.summary import analyze_midi

T = np.arange(0.0, 30.0, 0.25)
#: kick, snare and hi-hat numbers on channel 16 (0-based 15): C, D and F# if read as pitches
KIT = np.array([36, 42, 38, 42])[np.arange(T.size) % 4]


def _kit(drum):
    return NoteTable.from_arrays(T, T + 0.05, KIT, np.full(T.size, 100), np.full(T.size, 15),
                                 drum=drum)


def test_a_marked_kit_on_channel_16_has_no_key_or_pitch():
    s = analyze_midi(_kit(np.ones(T.size, bool)), duration=30.0).summary
    assert s["percussion_share"] == 1.0
    assert s["key"] is None and s["tonal_clarity"] is None and s["tonal_clarity_mean"] is None
    assert s["pitch_mean"] is None and s["articulation_mean"] is None
    assert s["n_notes"] == T.size and s["tempo_bpm"] > 0


def test_unmarked_it_reads_as_before():
    plain = analyze_midi(_kit(None), duration=30.0).summary
    assert plain["percussion_share"] == 0.0 and plain["key"] is not None
    assert plain["pitch_mean"] == pytest.approx(KIT.mean())
    # the same numbers as a table built without the new column at all
    old = NoteTable(*(getattr(_kit(None), k) for k in ("start", "end", "pitch", "velocity",
                                                       "channel")))
    assert analyze_midi(old, duration=30.0).summary == plain


def test_the_mark_follows_the_notes_and_is_checked():
    notes = NoteTable.from_arrays([2.0, 1.0], [2.5, 1.5], [38, 60], [90, 90], [0, 0],
                                  drum=[True, False])
    assert notes.pitch.tolist() == [60, 38] and notes.drum.tolist() == [False, True]
    assert notes.pitched().pitch.tolist() == [60]
    assert analyze_midi(notes, duration=1.8).summary["n_notes"] == 1  # cut at the end
    half = PlayerEvents.from_notes(notes)
    assert half.pitches is not None  # a melody beside the kit keeps its pitches
    assert PlayerEvents.from_notes(notes.take(notes.drum)).pitches is None
    with pytest.raises(ParameterError, match="equal length"):
        NoteTable.from_arrays([0.0], [1.0], [60], [90], drum=[True, False])
    with pytest.raises(ParameterError, match="drum must be a bool array"):
        NoteTable(np.zeros(1), np.ones(1), np.full(1, 60), np.full(1, 90), np.zeros(1),
                  np.zeros(1))

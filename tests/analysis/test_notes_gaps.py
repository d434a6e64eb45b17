"""A MIDI input lost for a while (analysis 1.23.0): a note held as the keyboard was unplugged
ends where it was lost, and the time not recorded is neither playing nor silence.

Review 36: a keyboard unplugged at 7.5 s in the middle of a note, back at 15 s, in a 23.6 s
recording: the note ran to the end of the session, and the player's silence share read 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis import analyze_midi, notes_from_events
from analysis.errors import ParameterError

ON, OFF, CC = 0x90, 0x80, 0xB0


def _events(rows):
    t, st, d1, d2 = zip(*rows, strict=True)
    return (np.array(t, float), np.array(st, np.uint8), np.array(d1, np.uint8),
            np.array(d2, np.uint8))


def test_a_note_held_when_the_input_was_lost_ends_there():
    ev = _events([(1.0, ON, 60, 100), (2.0, OFF, 60, 0), (7.054, ON, 62, 90),
                  (16.0, ON, 64, 80), (16.5, OFF, 64, 0)])
    nt = notes_from_events(*ev, end_time=23.6, gaps=[(7.528, 15.024)])
    assert nt.start.tolist() == [1.0, 7.054, 16.0]
    assert nt.end.tolist() == [2.0, 7.528, 16.5]
    # without the gap it sounded to the end of the recording, as before
    assert notes_from_events(*ev, end_time=23.6).end.tolist() == [2.0, 23.6, 16.5]


def test_a_note_off_after_the_gap_finds_no_note():
    ev = _events([(7.0, ON, 62, 90), (16.0, OFF, 62, 0), (17.0, ON, 62, 90), (18.0, OFF, 62, 0)])
    nt = notes_from_events(*ev, end_time=20.0, gaps=[(7.5, 15.0)])
    assert nt.start.tolist() == [7.0, 17.0] and nt.end.tolist() == [7.5, 18.0]


def test_the_pedal_is_up_after_a_gap_and_its_notes_end_at_the_loss():
    ev = _events([(1.0, CC, 64, 127), (1.0, ON, 60, 90), (1.5, OFF, 60, 0),
                  (16.0, ON, 62, 90), (16.5, OFF, 62, 0), (20.0, CC, 64, 0)])
    nt = notes_from_events(*ev, end_time=21.0, sustain=True, gaps=[(3.0, 15.0)])
    # the pedal-held note ends at the loss; after it, the pedal is not taken as still down
    assert nt.end.tolist() == [3.0, 16.5]
    held = notes_from_events(*ev, end_time=21.0, sustain=True)
    assert held.end.tolist() == [20.0, 20.0]


def test_a_gap_to_the_end_and_one_after_the_last_event():
    ev = _events([(1.0, ON, 60, 90)])
    assert notes_from_events(*ev, end_time=10.0, gaps=[(4.0, 10.0)]).end.tolist() == [4.0]
    # a gap that starts after end_time changes nothing
    assert notes_from_events(*ev, end_time=10.0, gaps=[(12.0, 13.0)]).end.tolist() == [10.0]


def test_gaps_are_checked():
    ev = _events([(1.0, ON, 60, 90)])
    with pytest.raises(ParameterError, match="gaps must be"):
        notes_from_events(*ev, gaps=[(1.0, 2.0, 3.0)])
    with pytest.raises(ParameterError, match="finite"):
        notes_from_events(*ev, gaps=[(float("nan"), 2.0)])


def _steady(until: float, *, skip=(None, None), step: float = 0.25):
    rows = []
    for t in np.arange(0.0, until, step):
        if skip[0] is not None and skip[0] <= t < skip[1]:
            continue
        rows += [(float(t), ON, 60, 90), (float(t) + step / 2, OFF, 60, 0)]
    return _events(rows)


def test_rates_and_silence_are_over_the_time_recorded():
    """Four notes a second for 60 s, the input lost from 20 to 40 s: 4 notes/s of the 40 s
    recorded and no silence, where it read 2.7 notes/s and a third of silence."""
    ev = _steady(60.0, skip=(20.0, 40.0))
    nt = notes_from_events(*ev, end_time=60.0, gaps=[(20.0, 40.0)])
    res = analyze_midi(nt, duration=60.0, gaps=[(20.0, 40.0)])
    s = res.summary
    assert s["notes_per_s"] == pytest.approx(4.0)
    assert s["silence_share"] == pytest.approx(0.0)
    before = analyze_midi(nt, duration=60.0)  # as it read before 1.23.0
    assert before.summary["notes_per_s"] == pytest.approx(160 / 60)
    assert before.summary["silence_share"] == pytest.approx(20 / 60, abs=0.01)
    # a window mostly not recorded has no rate, share or tempo; one wholly recorded its own
    t, rate = res.curves["notes_per_s"]
    inside = (t > 24.0) & (t < 36.0)
    assert np.isnan(rate[inside]).all()
    assert np.isnan(res.curves["silence_share"][1][inside]).all()
    assert np.isnan(res.curves["tempo_bpm"][1][inside]).all()
    whole = (t < 16.0) | (t > 44.0)
    assert rate[whole] == pytest.approx(4.0, abs=0.2)
    # a window partly recorded (more than half): its rate per recorded second
    part = np.flatnonzero((t > 17.5) & (t < 19.5))
    assert part.size and np.all(rate[part] == pytest.approx(4.0, abs=0.3))


def test_a_silence_next_to_a_gap_is_only_the_recorded_part():
    """Playing to 10 s, silent 10-14 s, lost 14-30 s, playing 30-40 s: 4 s of silence out of
    24 s recorded."""
    ev = _steady(40.0, skip=(10.0, 30.0))
    nt = notes_from_events(*ev, end_time=40.0, gaps=[(14.0, 30.0)])
    s = analyze_midi(nt, duration=40.0, gaps=[(14.0, 30.0)]).summary
    assert s["silence_share"] == pytest.approx(4.0 / 24.0, abs=0.01)


def test_without_gaps_the_analysis_is_unchanged():
    ev = _steady(30.0, skip=(10.0, 14.0))
    nt = notes_from_events(*ev, end_time=30.0)
    assert notes_from_events(*ev, end_time=30.0, gaps=()).end.tolist() == nt.end.tolist()
    a, b = analyze_midi(nt, duration=30.0), analyze_midi(nt, duration=30.0, gaps=[])
    assert a.summary == b.summary
    for k, (_t, v) in a.curves.items():
        np.testing.assert_array_equal(v, b.curves[k][1], err_msg=k)

import numpy as np
import pytest

from analysis.convert import NoteTable, notes_from_events
from analysis.errors import AnalysisError, ParameterError


def ev(rows):
    t, s, d1, d2 = zip(*rows, strict=False)
    return np.array(t, float), np.array(s, np.uint8), np.array(d1, np.uint8), np.array(d2, np.uint8)


def test_pairs_on_off_and_velocity_zero_off():
    nt = notes_from_events(*ev([(0.0, 0x90, 60, 100), (0.1, 0x91, 64, 50), (0.5, 0x80, 60, 0),
                                (0.7, 0x91, 64, 0)]))
    assert nt.start.tolist() == [0.0, 0.1]
    assert nt.end.tolist() == [0.5, 0.7]
    assert nt.pitch.tolist() == [60, 64]
    assert nt.velocity.tolist() == [100, 50]
    assert nt.channel.tolist() == [0, 1]
    assert np.allclose(nt.duration, [0.5, 0.6])


def test_same_pitch_other_channel_is_another_note():
    nt = notes_from_events(*ev([(0.0, 0x90, 60, 90), (0.2, 0x91, 60, 80), (0.3, 0x80, 60, 0),
                                (0.9, 0x81, 60, 0)]))
    assert sorted(zip(nt.channel.tolist(), nt.end.tolist(), strict=False)) == [(0, 0.3), (1, 0.9)]


def test_unterminated_and_restrike():
    nt = notes_from_events(*ev([(0.0, 0x90, 60, 90), (1.0, 0x90, 60, 70), (2.0, 0xB0, 7, 100)]))
    # re-strike ends the first; the last ends at the last event
    assert nt.end.tolist() == [1.0, 2.0]
    nt2 = notes_from_events(*ev([(0.0, 0x90, 60, 90)]), end_time=5.0)
    assert nt2.end.tolist() == [5.0]


def test_sustain_pedal_extends_notes_only_when_asked():
    rows = [(0.0, 0xB0, 64, 127), (0.1, 0x90, 60, 90), (0.2, 0x80, 60, 0), (1.5, 0xB0, 64, 0),
            (2.0, 0xB0, 1, 0)]
    assert notes_from_events(*ev(rows)).end.tolist() == [0.2]
    assert notes_from_events(*ev(rows), sustain=True).end.tolist() == [1.5]


def test_unmatched_off_is_ignored_and_empty_input():
    nt = notes_from_events(*ev([(0.0, 0x80, 60, 0)]))
    assert len(nt) == 0
    e = notes_from_events(np.zeros(0), np.zeros(0, np.uint8), np.zeros(0, np.uint8),
                          np.zeros(0, np.uint8))
    assert len(e) == 0 and e.start.dtype == np.float64 and e.pitch.dtype == np.int16


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.array([1.0, 0.5]), np.array([0x90, 0x80]), np.array([60, 60]), np.array([9, 0])),
         "sorted"),
        ((np.array([0.0]), np.array([0x90, 0x80]), np.array([60]), np.array([9])), "equal length"),
        ((np.array([np.nan]), np.array([0x90]), np.array([60]), np.array([9])), "finite"),
    ],
)
def test_bad_events_raise(args, match):
    with pytest.raises(ParameterError, match=match):
        notes_from_events(*args)


def test_note_table_validation():
    with pytest.raises(ParameterError, match="end must be >= start"):
        NoteTable.from_arrays([1.0], [0.5], [60], [90])
    with pytest.raises(ParameterError, match="pitch must be in range 0..127"):
        NoteTable.from_arrays([0.0], [0.5], [128], [90])
    with pytest.raises(ParameterError, match="equal length"):
        NoteTable.from_arrays([0.0, 1.0], [0.5], [60], [90])
    assert issubclass(ParameterError, AnalysisError) and issubclass(ParameterError, ValueError)
    nt = NoteTable.from_arrays([1.0, 0.0], [1.5, 0.5], [62, 60], [80, 90])
    assert nt.start.tolist() == [0.0, 1.0] and nt.pitch.tolist() == [60, 62]
    # built directly, an unsorted table is refused: the windows bisect its start times and
    # gave 60.0 for the window at 4 s (the note sounding there is 48) before
    i16 = np.array([48, 72], dtype=np.int16)
    with pytest.raises(ParameterError, match="start times must be sorted"):
        NoteTable(np.array([10.0, 1.0]), np.array([11.0, 9.0]), i16, i16, i16 * 0)


def test_times_before_the_session_start_are_refused():
    """Times are seconds from the session start: a negative one is a caller's error (it made a
    silence from -4 s to -1 s and a silence share of 1.0 before)."""
    from analysis.dialogue import PlayerEvents
    from analysis.errors import ParameterError

    with pytest.raises(ParameterError, match=r"start must be >= 0 \[seconds from the session"):
        NoteTable.from_arrays([-5.0, 1.0], [-4.0, 2.0], [60, 62], [80, 80])
    with pytest.raises(ParameterError, match=r"onsets must be >= 0 \[seconds from the session"):
        PlayerEvents(onsets=np.array([-1.0, 2.0]))
    with pytest.raises(ParameterError, match="onsets must be numbers"):
        PlayerEvents(onsets=["a", "b"])


def test_end_time_must_be_a_finite_number():
    with pytest.raises(ParameterError, match="end_time must be a finite number"):
        notes_from_events([0.0], [0x90], [60], [80], end_time=float("nan"))

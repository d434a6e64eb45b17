"""The demo duet (improv.demo): deterministic, and its closing part's dynamics read as playing
(phrases that swell and relax) with a quieter ending only at the end, not a ramp over minutes
that looked like an analysis fault in a long demo's dynamics curve."""

from __future__ import annotations

import numpy as np

from improv.demo import ENDING_S, demo_notes


def _velocity_curve(notes, *, player: str, start: float, end: float, window: float = 6.0,
                    hop: float = 1.0):
    """Mean velocity of ``player``'s notes per window [start, end) (as the analysis windows)."""
    t = np.array([n.start for n in notes if n.player == player])
    v = np.array([n.velocity for n in notes if n.player == player], dtype=float)
    mids, means = [], []
    for a in np.arange(start, end - window + 1e-9, hop):
        inside = (t >= a) & (t < a + window)
        if inside.any():
            mids.append(a + window / 2)
            means.append(v[inside].mean())
    return np.array(mids), np.array(means)


def test_the_demo_is_deterministic_and_a_long_one_begins_as_the_short_one():
    assert demo_notes() == demo_notes()
    short, long = demo_notes(duration=90.0), demo_notes(duration=600.0)
    assert [n for n in long if n.end < 54] == [n for n in short if n.end < 54]


def test_a_long_demo_swells_and_relaxes_with_a_quieter_ending_only_at_the_end():
    duration = 600.0
    notes = demo_notes(duration=duration)
    for player in ("client", "therapist"):
        t, v = _velocity_curve(notes, player=player, start=61.0, end=duration - ENDING_S)
        # no trend over the nine minutes before the ending (it faded from 100 to 40 before)
        slope_per_min = np.polyfit(t, v, 1)[0] * 60
        assert abs(slope_per_min) < 1.0, slope_per_min
        assert abs(v[: len(v) // 2].mean() - v[len(v) // 2:].mean()) < 3.0
        # phrases that swell and relax: the curve rises and falls again and again, by more than
        # a few velocity steps
        turns = np.sum(np.diff(np.sign(np.diff(v))) != 0)
        assert turns >= (t[-1] - t[0]) / 12.5, turns
        assert np.ptp(v) > 15
        # the ending is quieter: its last seconds below every phrase before it
        _, tail = _velocity_curve(notes, player=player, start=duration - 8.0, end=duration)
        assert tail.max() < v.min(), (tail, v.min())


def test_the_default_demo_s_closing_part_reaches_its_peak_and_ends_quieter():
    notes = demo_notes()
    client = [n for n in notes if n.player == "client" and n.start > 61]
    before = [n.velocity for n in client if n.start < 90 - ENDING_S]
    last = [n.velocity for n in client if n.start > 90 - 5]
    assert max(before) >= 90  # the closing part's first phrase reaches its peak
    assert max(last) < min(before) + 5


def test_a_demo_too_short_for_a_closing_part_has_none():
    for duration in (3.0, 61.0, 62.5):
        notes = demo_notes(duration=duration)
        assert all(n.end < duration for n in notes)
        assert not [n for n in notes if n.start > 60]

"""Dialogue 1.9: the imitation rate and the shared pulse count only the time both players are
recorded (review 31, M3), as the activity measures do since 1.8; a pair recorded throughout
gives the same values as before.

Known answers by construction: b copies a's melody, or both play one steady beat, and b's
recording is shorter than the session or has a gap.
"""

import numpy as np
import pytest

from analysis.dialogue import PlayerEvents, analyze_dialogue
from analysis.dialogue.imitation import analyze_imitation
from analysis.dialogue.synchrony import analyze_synchrony

D = 60.0
NAMES = ("a", "b")


def melody(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random melody without rests over the session: intervals 0.25/0.5/0.75 s."""
    rng = np.random.default_rng(seed)
    on = np.cumsum(rng.choice([0.25, 0.5, 0.75], int(D / 0.25)))
    on = on[on < D - 0.5]
    return on, rng.integers(55, 76, on.size).astype(float)


def test_imitation_rate_is_over_the_time_both_are_recorded():
    """b's recording covers only the first 30 s, in which b copies a 0.5 s later: one episode
    in the half minute both are recorded is 2 a minute (1 a minute over the session before)."""
    on, p = melody(4)
    a = PlayerEvents(on, on + 0.2, p)
    inside = on + 0.5 < 29.0
    b = PlayerEvents(on[inside] + 0.5, on[inside] + 0.7, p[inside], recorded=(0.0, 30.0))
    r = analyze_imitation(a, b, duration=D, names=NAMES)
    assert r.summary["b_imitates_a_count"] == 1.0
    assert r.summary["b_imitates_a_per_min"] == pytest.approx(2.0)
    assert r.summary["a_imitates_b_per_min"] == 0.0
    times, rate = r.curves["b_imitates_a"]
    # no value where b is not recorded (windows from 30 s on), the rate per minute elsewhere
    assert np.all(np.isnan(rate[times - 3.0 >= 30.0]))
    assert np.all(np.isfinite(rate[times + 3.0 <= 30.0]))
    assert np.nansum(rate[times == 3.0]) == pytest.approx(10.0)  # one episode in 6 s


def test_imitation_rate_leaves_out_a_gap():
    """b's recording lost 20-40 s (PlayerEvents.gaps); b copies a outside it: two episodes in
    the 40 s both are recorded, 3 a minute (2 a minute over the session before)."""
    on, p = melody(6)
    keep = (on + 0.5 < 19.5) | (on + 0.5 >= 40.5)
    b = PlayerEvents(on[keep] + 0.5, on[keep] + 0.7, p[keep], gaps=((20.0, 40.0),))
    d = analyze_dialogue(PlayerEvents(on, on + 0.2, p), b, duration=D, names=NAMES, tempo=False)
    assert d.summary["b_imitates_a_count"] == 2.0
    assert d.summary["b_imitates_a_per_min"] == pytest.approx(3.0)
    times, rate = d.curves["b_imitates_a"]
    assert np.all(np.isnan(rate[(times - 3.0 >= 20.0) & (times + 3.0 <= 40.0)]))


def test_shared_pulse_is_over_the_time_both_are_recorded():
    """Both play one beat at 120 BPM; b's recording ends at 30 s. Where both are recorded the
    pulse is shared throughout: the share is about 1 (about 0.5 over the session before), and
    the curve has no value after b's recording."""
    ta = np.arange(0.0, D, 0.5)
    tb = ta[ta < 30.0] + 0.01
    a = PlayerEvents(ta, ta + 0.2, np.full(ta.size, 60.0))
    b = PlayerEvents(tb, tb + 0.2, np.full(tb.size, 64.0), recorded=(0.0, 30.0))
    s = analyze_synchrony(a, b, duration=D, names=NAMES)
    assert s.summary["shared_pulse_share"] >= 0.9
    times, shared = s.curves["shared_pulse"]
    assert np.all(np.isnan(shared[times - 3.0 >= 30.0]))
    assert np.all(shared[times + 3.0 <= 30.0] == 1.0)
    # not recorded together at all: no share
    late = PlayerEvents(tb + 30.0, tb + 30.2, np.full(tb.size, 64.0), recorded=(30.0, D))
    early = PlayerEvents(tb, tb + 0.2, np.full(tb.size, 60.0), recorded=(0.0, 30.0))
    s = analyze_synchrony(early, late, duration=D, names=NAMES)
    assert s.summary["shared_pulse_share"] is None


@pytest.mark.parametrize("span", [None, (0.5, D - 0.4)])
def test_a_pair_recorded_throughout_is_measured_as_before(span):
    """Recorded for the whole session (or with ends within a second of the session's, which
    count as the session's): the imitation rate is the count over the session and the shared
    pulse share the mean of its curve, exactly as before dialogue 1.9."""
    on, p = melody(8)
    beat_a = np.arange(0.0, D, 0.5)
    a = PlayerEvents(np.sort(np.concatenate([on, beat_a])), None, None)
    on_b = np.sort(np.concatenate([on[on < 40.0] + 0.3, beat_a + 0.02]))
    b = PlayerEvents(on_b, recorded=span)
    d = analyze_dialogue(a, b, duration=D, names=NAMES)
    s = d.summary
    assert s["b_imitates_a_per_min"] == s["b_imitates_a_count"] / D * 60.0
    assert s["a_imitates_b_per_min"] == s["a_imitates_b_count"] / D * 60.0
    assert s["shared_pulse_share"] == float(np.mean(d.curves["shared_pulse"][1]))
    times, rate = d.curves["b_imitates_a"]
    assert np.all(np.isfinite(rate))
    ref = analyze_dialogue(a, PlayerEvents(on_b), duration=D, names=NAMES)
    assert s == ref.summary
    for k, (_t, v) in ref.curves.items():
        np.testing.assert_array_equal(d.curves[k][1], v)

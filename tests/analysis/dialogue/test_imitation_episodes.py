"""Imitation episodes (dialogue 1.9): one imitated passage is one episode, however often the
imitator's own playing repeats a figure of it; separate passages are separate episodes; episodes
never overlap (review 31, M4: a continuous copy gave 14 overlapping episodes a minute).

Known answers by construction: the imitator plays the model's notes a fixed lag later.
"""

import numpy as np
import pytest

from analysis.dialogue import PlayerEvents, analyze_dialogue
from analysis.dialogue.imitation import find_imitations

from .conftest import player


def melody(seed: int, duration: float) -> tuple[np.ndarray, np.ndarray]:
    """A random melody without rests: intervals of 0.25, 0.5 or 0.75 s, pitches 55-75."""
    rng = np.random.default_rng(seed)
    on = np.cumsum(rng.choice([0.25, 0.5, 0.75], int(duration / 0.25)))
    on = on[on < duration]
    return on, rng.integers(55, 76, on.size).astype(float)


def apart(eps: list[dict]) -> bool:
    """No two episodes overlap in the imitator's time."""
    return all(e0["end"] <= e1["t"] for e0, e1 in zip(eps, eps[1:], strict=False))


def test_a_continuous_copy_is_one_episode():
    """The review's probe: b plays a's random melody exactly 0.2 s later for 57 s. Before
    dialogue 1.9 this gave 14 overlapping episodes: a pattern that b had played in the 4 s
    before by chance (three note values repeat often) broke the run, and a new run started
    inside the previous one."""
    on, p = melody(7, 58.0)
    a = PlayerEvents(on, on + 0.2, p)
    b = PlayerEvents(on + 0.2, on + 0.4, p)
    eps = find_imitations(a, b)
    assert len(eps) == 1
    (e,) = eps
    assert e["lag_s"] == pytest.approx(0.2)
    # it covers the copy: from one of b's first notes to its last
    assert e["t"] <= on[8] + 0.2 and e["end"] == pytest.approx(on[-1] + 0.2)
    assert find_imitations(b, a) == []
    # the rate counts the passage once
    d = analyze_dialogue(a, b, duration=60.0, names=("a", "b"), tempo=False)
    assert d.summary["b_imitates_a_count"] == 1.0
    assert d.summary["b_imitates_a_per_min"] == pytest.approx(1.0)
    assert d.summary["a_imitates_b_count"] == 0.0
    assert len(d.imitations) == 1


def test_two_imitated_passages_are_two_episodes():
    """b copies a's melody 0.5 s later for 20 s, rests 20 s while a goes on, and copies again
    for the last 20 s: two episodes, one in each copy, apart."""
    on, p = melody(3, 60.0)
    copied = (on < 20.0) | (on >= 40.0)
    a = player(on, p, dur=0.2)
    b = player(on[copied] + 0.5, p[copied], dur=0.2)
    eps = find_imitations(a, b)
    assert len(eps) == 2 and apart(eps)
    first, second = eps
    assert first["t"] < 5.0 and 19.0 < first["end"] <= 20.5
    assert 40.5 <= second["t"] < 45.0 and second["end"] == pytest.approx(on[-1] + 0.5)
    assert all(e["lag_s"] == pytest.approx(0.5) for e in eps)


def test_no_imitation_in_unison_or_the_other_way():
    """Playing together is no imitation; nor is the model playing the other's melody later
    (then the other imitates, once)."""
    on, p = melody(5, 40.0)
    a = player(on, p, dur=0.2)
    assert find_imitations(a, player(on, p, dur=0.2)) == []
    earlier = player(on - 0.6, p, dur=0.2)  # b plays it first, a 0.6 s later
    assert find_imitations(a, earlier) == []
    (e,) = find_imitations(earlier, a)
    assert e["lag_s"] == pytest.approx(0.6)


def test_a_recurring_figure_does_not_split_the_imitated_passage():
    """a's melody returns to one five-note figure every few seconds (between free notes, no
    rest); b copies all of it 1.0 s later. Each return of the figure is one b had played
    itself in the 4 s before, which broke the passage into one episode per return before
    dialogue 1.9."""
    rng = np.random.default_rng(2)
    fig_t = np.array([0.0, 0.25, 0.5, 1.0, 1.25])  # two eighths, a quarter, two eighths
    fig_p = np.array([60.0, 64.0, 67.0, 72.0, 67.0])
    on, p, t = [], [], 0.0
    for _ in range(10):
        on += list(t + fig_t)
        p += list(fig_p)
        t += 1.75
        for ioi in rng.choice([0.25, 0.5, 0.75], 4):  # four free notes before the next return
            on.append(t)
            p.append(float(rng.integers(55, 76)))
            t += float(ioi)
    on_a, p_a = np.array(on), np.array(p)
    a = player(on_a, p_a, dur=0.2)
    b = player(on_a + 1.0, p_a, dur=0.2)
    eps = find_imitations(a, b)
    assert len(eps) == 1
    assert eps[0]["lag_s"] == pytest.approx(1.0)
    assert eps[0]["end"] == pytest.approx(on_a[-1] + 1.0)

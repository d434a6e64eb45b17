"""Taking turns is coupling: a call and response is suggested as partnership (dialogue 1.10)."""

from __future__ import annotations

import collections

import numpy as np

from analysis.dialogue import PlayerEvents, analyze_dialogue


def _exchange(*, gap: float, seed: int = 5, duration: float = 120.0):
    """Two players answering each other: phrases of 2-4 s on eighths and quarters at 120 BPM,
    each beginning ``gap`` seconds after the other's last note ends (0.2 s)."""
    rng = np.random.default_rng(seed)
    ons: list[list[float]] = [[], []]
    t, who = 1.0, 0
    while t < duration - 6:
        length = rng.uniform(2.0, 4.0)
        u = t
        while u < t + length:
            ons[who].append(u)
            u += float(rng.choice([0.25, 0.5]))
        t = ons[who][-1] + 0.2 + gap
        who = 1 - who
    return [PlayerEvents(np.array(o), offsets=np.array(o) + 0.2,
                         pitches=rng.integers(55, 75, len(o)).astype(float)) for o in ons]


def _roles(a, b, duration=120.0):
    d = analyze_dialogue(a, b, duration=duration, tempo=False)
    both = [r for r in d.roles if r["role"] not in ("solo", "silence")]
    return collections.Counter(r["role"] for r in both), len(both), d


def test_a_call_and_response_is_a_partnership_not_resistance():
    roles, n, d = _roles(*_exchange(gap=0.3))
    assert n > 50
    assert roles["partner"] / n >= 0.8, roles  # dialogue 1.9: resister in nearly every window
    assert roles["resister"] / n <= 0.1, roles
    partners = [r for r in d.roles if r["role"] == "partner"]
    assert {r["confidence"] for r in partners} >= {0.5}  # the turn-taking confidence


def test_turns_far_apart_are_no_exchange():
    """Each answers only after 2 s of silence: no prompt response, so taking turns is not the
    coupling (the windows are mostly silence and solos, and no partnership from turns)."""
    roles, n, _ = _roles(*_exchange(gap=2.0))
    assert roles["partner"] / max(n, 1) <= 0.1, roles

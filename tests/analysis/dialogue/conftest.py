"""Constructed duets whose answers are known by construction."""

import numpy as np
import pytest

from analysis.dialogue import PlayerEvents


def random_phrases(rng: np.random.Generator,
                   duration: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Irregular phrases: 3-8 notes with eighth/quarter/dotted IOIs, pitch and loudness per phrase,
    rests of 0.5-2.5 s. Returns onsets [s], pitches, velocities."""
    on, pitch, vel = [], [], []
    t = 0.0
    while t < duration:
        n = int(rng.integers(3, 9))
        iois = rng.choice([0.125, 0.25, 0.375, 0.5], size=n)
        base, loud = int(rng.integers(50, 80)), int(rng.integers(40, 110))
        for k in range(n):
            on.append(t)
            pitch.append(base + int(rng.integers(-5, 6)))
            vel.append(int(np.clip(loud + rng.integers(-10, 11), 1, 127)))
            t += float(iois[k])
        t += float(rng.uniform(0.5, 2.5))
    on_a = np.array(on)
    keep = on_a < duration
    return on_a[keep], np.array(pitch)[keep], np.array(vel)[keep]


@pytest.fixture
def phrases():
    return random_phrases


def player(onsets, pitches=None, velocities=None, dur=None):
    onsets = np.asarray(onsets, dtype=float)
    offsets = None if dur is None else onsets + dur
    return PlayerEvents(onsets, offsets, pitches, velocities)

"""Partners by mutual imitation (dialogue 1.9): each imitates the other in a window when an
episode of each overlaps it. One imitated passage is one episode since 1.9, which may have
started windows before; counting only the episodes that start in a window left the windows
inside a long passage without their imitation."""

import numpy as np

from analysis.dialogue import PlayerEvents
from analysis.dialogue.roles import suggest_roles

NAMES = ("client", "therapist")


def _roles(episodes):
    starts = np.arange(0.0, 55.0, 1.0)
    n = starts.size
    t = np.arange(0.0, 60.0, 0.5)
    out = suggest_roles(
        (PlayerEvents(t), PlayerEvents(t + 0.25)), names=NAMES, starts=starts, window=6.0,
        active=(np.full(n, 0.8), np.full(n, 0.8)), leader=["none"] * n,
        lead_confidence=np.zeros(n), locking=np.zeros(n), episodes=episodes)
    return {(r["t"], r["player"]): r["role"] for r in out}


def test_windows_inside_long_mutual_passages_are_partners():
    episodes = [{"t": 5.0, "end": 40.0, "imitator": "client"},
                {"t": 8.0, "end": 45.0, "imitator": "therapist"}]
    roles = _roles(episodes)
    # windows [20, 26) and [30, 36): inside both episodes, neither starts there
    for w in (20.0, 30.0):
        assert roles[(w, "client")] == roles[(w, "therapist")] == "partner"
    # [46, 52): after both; [0, 6) only the client's episode overlaps
    assert roles[(46.0, "client")] == "resister"
    assert roles[(0.0, "client")] == "resister"


def test_one_way_imitation_alone_is_not_mutual():
    roles = _roles([{"t": 5.0, "end": 40.0, "imitator": "client"}])
    assert roles[(20.0, "client")] == roles[(20.0, "therapist")] == "resister"

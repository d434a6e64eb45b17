"""Role suggestions for call and response, and for independent players (chance).

Run from the repository root with the project's venv::

    .venv/bin/python bench/turn_taking_roles.py [--minutes 3] [--reps 4] [--seed 1]

Call and response: the players take turns, each turn a phrase of 2-5 s on the rhythmic
vocabulary of ``bench/imitation_chance.py``, the answer 0.1-0.8 s after the call ends (or with
an overlap of up to 0.3 s); ``answers copy`` has every answer copy the call's rhythm, transposed.
These are partners in Bruscia's sense (each leads and follows in turn), so "resister" there is a
wrong suggestion. Independent players (Poisson 1/s and 3/s, phrases, drums, as in
``imitation_chance.py``) must not read as partners by chance more than rarely.

Prints the share of the windows in which each role is suggested (both players pooled).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from imitation_chance import VOCAB, phrases, poisson  # noqa: E402


def phrase(rng: np.random.Generator, t: float, length: float):
    """Onsets [s] and pitches of one phrase starting at ``t``, about ``length`` seconds."""
    on, pitch = [], []
    base = int(rng.integers(50, 80))
    u = t
    while u < t + length:
        on.append(u)
        pitch.append(base + int(rng.integers(-5, 6)))
        u += float(rng.choice(VOCAB))
    return on, pitch


def call_and_response(rng: np.random.Generator, duration: float, *, copy: bool = False):
    """Two players taking turns; returns (a_on, a_p), (b_on, b_p)."""
    ons: list[list[float]] = [[], []]
    ps: list[list[float]] = [[], []]
    t, who = 1.0, 0
    last: tuple[list[float], list[float]] | None = None
    while t < duration - 6:
        if copy and last is not None and who == 1:
            shift = t - last[0][0]
            on = [x + shift for x in last[0]]
            step = int(rng.integers(-5, 6))
            pitch = [p + step for p in last[1]]
        else:
            on, pitch = phrase(rng, t, float(rng.uniform(2.0, 5.0)))
        ons[who] += on
        ps[who] += pitch
        last = (on, pitch)
        end = on[-1] + 0.25
        # the answer: after a short gap, or overlapping the call's last note a little
        t = end + (float(rng.uniform(0.1, 0.8)) if rng.random() < 0.8
                   else -float(rng.uniform(0.0, 0.3)))
        who = 1 - who
    return tuple((np.array(o), np.array(p, dtype=float)) for o, p in zip(ons, ps, strict=True))


def roles(a, b, duration: float, *, pitched: bool = True) -> list[str]:
    from analysis.dialogue import PlayerEvents, analyze_dialogue

    def ev(on, p):
        return PlayerEvents(on, on + 0.2, p if pitched else None, np.full(on.size, 80.0))

    res = analyze_dialogue(ev(*a), ev(*b), duration=duration, tempo=False)
    return [r["role"] for r in res.roles]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    dur = args.minutes * 60.0
    rng = np.random.default_rng(args.seed)
    kinds = {
        "call and response": lambda: (*call_and_response(rng, dur), True),
        "answers copy": lambda: (*call_and_response(rng, dur, copy=True), True),
        "call and response, drums": lambda: (*call_and_response(rng, dur), False),
        "independent poisson 1/s": lambda: (poisson(rng, dur, 1.0), poisson(rng, dur, 1.0), True),
        "independent poisson 3/s": lambda: (poisson(rng, dur, 3.0), poisson(rng, dur, 3.0), True),
        "independent phrases": lambda: (phrases(rng, dur), phrases(rng, dur), True),
        "independent drums": lambda: (phrases(rng, dur), phrases(rng, dur), False),
    }
    shown = ("partner", "resister", "leader", "follower", "dependent", "solo", "silence")
    print(f"{args.reps} x {args.minutes:g} min per kind; share of windows per role (both players)")
    print(f"{'kind':26s} " + " ".join(f"{r:>9s}" for r in shown))
    for name, make in kinds.items():
        found: list[str] = []
        for _ in range(args.reps):
            a, b, pitched = make()
            found += roles(a, b, dur, pitched=pitched)
        n = max(len(found), 1)
        print(f"{name:26s} " + " ".join(f"{found.count(r) / n:9.3f}" for r in shown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

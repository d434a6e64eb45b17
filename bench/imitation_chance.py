"""How often imitation is found by chance, and how often a planted imitation is found.

Run from the repository root with the project's venv::

    .venv/bin/python bench/imitation_chance.py [--minutes 5] [--reps 4] [--seed 1]

Chance: two *independent* players, so every imitation episode found between them is a false
one. Three kinds of playing:

* ``poisson r/s``: Poisson onsets at r notes per second, pitches uniform over two octaves;
* ``phrases``: phrases of 3-8 notes on a shared rhythmic vocabulary (eighths, quarters, dotted
  eighths at 120 BPM) around a pitch centre, rests of 0.5-2.5 s: the hard case, since two
  players with the same vocabulary do repeat each other's rhythms by chance;
* ``drums``: the same phrases without pitches (rhythmic imitation only).

Planted: player b plays its own phrases but every 12-20 s copies 5-8 notes of a's last phrase,
0.5-3.5 s after a played them, with 3 % timing noise per interval, transposed by -5..5
semitones. A copy is found when an episode of b imitating a starts inside it. Episodes outside
the copies count as false.

Prints episodes per minute (both directions summed) and the planted recall, per kind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VOCAB = np.array([0.125, 0.25, 0.375, 0.5])  # IOIs [s]: 16th, 8th, dotted 8th, quarter at 120


def phrases(rng: np.random.Generator, duration: float) -> tuple[np.ndarray, np.ndarray]:
    """Onsets [s] and pitches of phrases of 3-8 notes separated by rests of 0.5-2.5 s."""
    on, pitch = [], []
    t = 0.0
    while t < duration:
        n = int(rng.integers(3, 9))
        base = int(rng.integers(50, 80))
        for ioi in rng.choice(VOCAB, size=n):
            on.append(t)
            pitch.append(base + int(rng.integers(-5, 6)))
            t += float(ioi)
        t += float(rng.uniform(0.5, 2.5))
    on_a, p_a = np.array(on), np.array(pitch, dtype=float)
    keep = on_a < duration
    return on_a[keep], p_a[keep]


def poisson(rng: np.random.Generator, duration: float, rate: float):
    n = rng.poisson(rate * duration)
    return np.sort(rng.uniform(0, duration, n)), rng.integers(48, 73, n).astype(float)


def planted(rng: np.random.Generator, duration: float):
    """a's phrases, b's phrases with copies of a; returns a, b and the copies' (start, end)."""
    a_on, a_p = phrases(rng, duration)
    b_on, b_p = phrases(rng, duration)
    copies = []
    t = float(rng.uniform(5, 10))
    keep_b = np.ones(b_on.size, bool)
    add_on, add_p = [], []
    while t < duration - 15:
        # the model: 5-8 consecutive notes of a starting after t with no rest over 1.5 s
        i = int(np.searchsorted(a_on, t))
        n = int(rng.integers(5, 9))
        if i + n > a_on.size or np.any(np.diff(a_on[i:i + n]) > 1.5):
            t += 1.0
            continue
        lag = float(rng.uniform(0.5, 3.5))
        ioi = np.diff(a_on[i:i + n]) * (1 + rng.normal(0, 0.03, n - 1))
        c_on = a_on[i] + lag + np.concatenate(([0.0], np.cumsum(ioi)))
        c_p = a_p[i:i + n] + int(rng.integers(-5, 6))
        # b rests around its copy, so the copy stands as one phrase
        keep_b &= (b_on < c_on[0] - 0.6) | (b_on > c_on[-1] + 0.6)
        add_on.append(c_on)
        add_p.append(c_p)
        copies.append((float(c_on[0]), float(c_on[-1])))
        t = float(c_on[-1]) + float(rng.uniform(12, 20))
    b_on = np.concatenate([b_on[keep_b]] + add_on)
    b_p = np.concatenate([b_p[keep_b]] + add_p)
    o = np.argsort(b_on)
    return (a_on, a_p), (b_on[o], b_p[o]), copies


def events(on, pitch, *, pitched: bool = True):
    from analysis.dialogue import PlayerEvents

    return PlayerEvents(on, on + 0.1, pitch if pitched else None, np.full(on.size, 80.0))


def episodes(a, b):
    from analysis.dialogue.imitation import find_imitations

    return find_imitations(a, b), find_imitations(b, a)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    dur = args.minutes * 60.0
    rng = np.random.default_rng(args.seed)
    print(f"independent players, {args.reps} x {args.minutes:g} min: false episodes per minute")
    kinds = {
        "poisson 1/s": lambda: (poisson(rng, dur, 1.0), True),
        "poisson 3/s": lambda: (poisson(rng, dur, 3.0), True),
        "phrases": lambda: (phrases(rng, dur), True),
        "drums": lambda: (phrases(rng, dur), False),
    }
    for name, make in kinds.items():
        rates = []
        for _ in range(args.reps):
            (a_on, a_p), pitched = make()
            (b_on, b_p), _ = make()
            ab, ba = episodes(events(a_on, a_p, pitched=pitched),
                              events(b_on, b_p, pitched=pitched))
            rates.append((len(ab) + len(ba)) / args.minutes)
        runs = ", ".join(f"{r:.1f}" for r in rates)
        print(f"  {name:12s} {np.mean(rates):5.2f} per min (runs {runs})")
    print("planted copies (b copies a): recall, and false episodes per minute outside the copies")
    for pitched in (True, False):
        found = total = false = 0
        for _ in range(args.reps):
            (a_on, a_p), (b_on, b_p), copies = planted(rng, dur)
            a, b = events(a_on, a_p, pitched=pitched), events(b_on, b_p, pitched=pitched)
            b_imit, a_imit = episodes(a, b)
            starts = np.array([e["t"] for e in b_imit])
            inside = np.zeros(starts.size, bool)
            for s, e in copies:
                hit = (starts >= s - 0.05) & (starts <= e)
                found += bool(hit.any())
                inside |= hit
            total += len(copies)
            false += int((~inside).sum()) + len(a_imit)
        label = "melodic+rhythmic" if pitched else "rhythm only"
        print(f"  {label:16s} recall {found / total:.2f} ({found}/{total}), "
              f"false {false / (args.reps * args.minutes):.2f} per min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

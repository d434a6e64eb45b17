"""The pulse clarity that random events reach by chance, by how many events a window holds.

Run from the repository root with the project's venv::

    .venv/bin/python bench/pulse_chance.py [--reps 600] [--window 6]

For each event count ``n``, ``--reps`` windows of ``n`` uniformly random onsets (and, for
comparison, of ``n`` evenly spaced onsets with 20 ms timing jitter) go through the MIDI onset
envelope and :func:`analysis.periodicity.tempo_salience`; the script prints percentiles of the
windows' clarity (their highest salience) and the least-squares fit ``q95 = a + b / n`` that
:data:`analysis.tempo.CHANCE_SLOPE` rests on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def clarity(onsets: list[np.ndarray], window: float) -> np.ndarray:
    """Clarity of each window; ``onsets[k]`` are the times [s] within window ``k``."""
    from analysis.periodicity import tempo_salience
    from analysis.tempo import MIDI_FRAME_RATE, onset_envelope

    n = len(onsets)
    t = np.concatenate([k * window + o for k, o in enumerate(onsets)])
    env = onset_envelope(t, duration=n * window)
    _, _, sal = tempo_salience(env, frame_rate=MIDI_FRAME_RATE, duration=n * window,
                               window=window, hop=window)
    return sal.max(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=600)
    ap.add_argument("--window", type=float, default=6.0)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    w = args.window
    counts = np.array([3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 24, 32, 40])
    q95 = []
    print(f"{'n':>3}  random clarity q50 / q90 / q95 / q99      even (20 ms jitter) q5 / q50")
    for n in counts:
        rand = clarity([np.sort(rng.uniform(0.05, w - 0.05, n)) for _ in range(args.reps)], w)
        even = clarity([np.clip(np.sort((np.arange(n) + 0.5) * w / n + rng.normal(0, 0.02, n)),
                                0.0, w - 0.01) for _ in range(args.reps)], w)
        q = np.percentile(rand, [50, 90, 95, 99])
        q95.append(q[2])
        e = np.percentile(even, [5, 50])
        print(f"{n:3d}  {q[0]:.3f} / {q[1]:.3f} / {q[2]:.3f} / {q[3]:.3f}"
              f"                   {e[0]:.3f} / {e[1]:.3f}")
    fit = counts >= 4
    a = np.stack([np.ones(fit.sum()), 1.0 / counts[fit]], axis=1)
    coef, *_ = np.linalg.lstsq(a, np.asarray(q95)[fit], rcond=None)
    print(f"random q95 ~ {coef[0]:.3f} + {coef[1]:.3f} / n  (n = 4..{counts[-1]})")


if __name__ == "__main__":
    main()

"""Speed and memory of the multi-agent beat tracker (analysis.beatroot) on a 60-minute player.

Usage::

    .venv/bin/python bench/bench_agents.py [--minutes 60] [--caps 25 50 100 200]

A synthetic MIDI player (beats drifting +-8 % around 110 BPM, eighth notes, a bass note on
every beat, 20 s of silence every 5 minutes, 5 % of the eighths left out; about 12,000 notes
an hour) and the same onsets as a 43 Hz audio-style envelope are tracked once per agent cap,
each in a fresh subprocess (so its peak RSS is its own), after one warm-up run that fills
numba's cache. Prints CPU seconds, wall seconds and peak RSS per run, and the tempo found.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def notes(minutes: float, seed: int = 5) -> tuple[np.ndarray, ...]:
    """start, end, pitch, velocity of the synthetic player (sorted by start)."""
    rng = np.random.default_rng(seed)
    dur, t, out = minutes * 60.0, 0.5, []
    while t < dur:
        ibi = 60.0 / (110.0 * (1 + 0.08 * np.sin(2 * np.pi * t / 240.0)))
        if (t % 300.0) > 20.0:
            out.append((t + rng.normal(0, 0.01), 0.5, 40 + rng.integers(0, 8), 90))
            if rng.random() > 0.05:
                out.append((t + ibi / 2 + rng.normal(0, 0.01), 0.15, 70 + rng.integers(0, 12), 60))
        t += ibi
    a = np.asarray(sorted(out))
    return a[:, 0], a[:, 0] + a[:, 1], a[:, 2], a[:, 3]


def child(kind: str, minutes: float, cap: int) -> None:
    sys.path.insert(0, str(REPO))
    from analysis import beatroot
    from analysis.tempo import onset_envelope

    s, e, p, v = notes(minutes)
    env = onset_envelope(s, duration=e.max() + 1.0, frame_rate=43.07) if kind == "audio" else None
    c0, w0 = time.process_time(), time.perf_counter()
    if kind == "midi":
        r = beatroot.beats_from_notes(s, e, p, v, max_agents=cap)
    else:
        r = beatroot.beats_from_envelope(env, frame_rate=43.07, max_agents=cap)
    out = {"cpu": time.process_time() - c0, "wall": time.perf_counter() - w0,
           "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
           "tempo": r.tempo_bpm, "beats": int(r.beats.size), "notes": int(s.size)}
    print(json.dumps(out))


def spawn(kind: str, minutes: float, cap: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--minutes", str(minutes), "--caps", str(cap)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--caps", type=int, nargs="+", default=[25, 50, 100, 200])
    ap.add_argument("--child", choices=("midi", "audio"))
    a = ap.parse_args(argv)
    if a.child:
        child(a.child, a.minutes, a.caps[0])
        return 0
    spawn("midi", 1.0, a.caps[0])  # warm-up: numba's cache
    for kind in ("midi", "audio"):
        for cap in a.caps:
            r = spawn(kind, a.minutes, cap)
            print(f"{kind:5s} {a.minutes:.0f} min, {r['notes']} notes, max_agents {cap:4d}: "
                  f"{r['cpu']:.2f} s CPU, {r['wall']:.2f} s wall, peak RSS {r['rss_mb']:.0f} MB, "
                  f"tempo {r['tempo']:.1f} BPM, {r['beats']} beats")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

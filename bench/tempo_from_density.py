"""The global tempo from note density scaled by the pulsed windows (issue 17; measured, not kept).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/tempo_from_density.py [--data ../shared/evaldata]
        [--cache DIR]

Where the pulse is intermittent, today's global tempo is the median of the pulsed 6 s windows,
which in slow rubato pieces are the fast stretches (docs/benchmarks.md, 1.9.0 diagnosis). The
idea measured here: if the texture is even, the notes per beat are the same in the pulse-less
windows as in the pulsed ones, so each window's tempo is ``60 * rate / k``, with ``rate`` the
window's note onsets per second (chord notes merged within 30 ms) and ``k`` the median notes
per beat over the pulsed windows; the global tempo is the median over every window with a
note. Prints, per MIDI file of the shared set, today's global tempo and this one beside the
reference (the manifest's 60 / median annotated inter-beat interval), with Acc2 (4 %). Uses
the envelopes cached by ``bench/evaluate.py --cv``; no parameter is tuned.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from analysis.beats import analyze_pulse  # noqa: E402

WINDOW = 6.0  # seconds, as the tempo curve's windows


def density_tempo(onsets: np.ndarray, times: np.ndarray, bpm: np.ndarray) -> float:
    """Median over the windows at ``times`` of ``60 * rate / k`` (see the module docstring);
    NaN without a pulsed window."""
    rate = np.array([np.count_nonzero((onsets >= t - WINDOW / 2) & (onsets < t + WINDOW / 2))
                     for t in times]) / WINDOW
    pulsed = np.isfinite(bpm)
    if not pulsed.any():
        return float("nan")
    k = np.median(rate[pulsed] * 60.0 / bpm[pulsed])
    return float(np.median(60.0 * rate[rate > 0] / k))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/improv-eval-cache"))
    args = ap.parse_args(argv)
    import evaluate_cv
    from evaluate import acc, merge_onsets

    warnings.simplefilter("ignore")
    hits = {"today": 0, "density": 0}
    n = 0
    print(f"{'file':36s} {'ref':>6s} {'today':>6s} {'ratio':>5s}  {'density':>7s} {'ratio':>5s}"
          f"  pulsed")
    for it in evaluate_cv.load_items(args.data, None, args.cache):
        if it["group"] != "midi":
            continue
        tc = analyze_pulse(it["env"], frame_rate=it["frame_rate"], duration=it["duration"]).curve
        new = density_tempo(merge_onsets(np.sort(it["notes"].start)), tc.times, tc.bpm)
        ref, est = it["ref"], tc.tempo_bpm
        ok_t, ok_d = acc(est, ref)[1], acc(new, ref)[1]
        hits["today"] += ok_t
        hits["density"] += ok_d
        n += 1
        print(f"{Path(it['file']).stem[:36]:36s} {ref:6.1f} {est:6.1f} x{est / ref:4.2f}"
              f"{' ' if ok_t else '!'} {new:7.1f} x{new / ref:4.2f}{' ' if ok_d else '!'}"
              f"  {np.isfinite(tc.bpm).mean():.2f}")
    print(f"Acc2 (MIDI, {n} files): today {hits['today'] / n:.3f}, "
          f"density {hits['density'] / n:.3f}   (! = miss)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

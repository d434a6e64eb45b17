"""Per-file diagnosis of the tempo misses of the evaluation set (docs/benchmarks.md, 1.9.0).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/diagnose_tempo.py [--data ../shared/evaldata]
        [--render-dir DIR] [--cache DIR] [--all]

For each MIDI (and, with ``--render-dir``, rendered) performance whose tempo misses Acc2 (all
files with ``--all``) prints: the reference (the manifest's 60 / median annotated inter-beat
interval, as ``bench/evaluate.py`` scores it) beside 60 / mean IBI; our global tempo and its
ratio to the reference; how many 6 s windows have a pulse; the median of the annotated beats'
per-window tempo over our pulsed windows and over all windows (a difference is a selection
effect: the reference sees stretches we give no tempo); the share of our pulsed windows at
×1, ×3⁄2, ×2, ×3, ×4 of the annotated tempo (within 4 %; several shares mean the curve changes
metrical level within the piece); and the tracked beats' 60 / median IBI and beat F (mir_eval,
70 ms). Uses the envelopes cached by ``bench/evaluate.py --cv``.
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

from analysis.beats import _pulsed, analyze_pulse  # noqa: E402

RATIOS = (1.0, 1.5, 2.0, 3.0, 4.0)


def diagnose(it: dict) -> str | None:
    """One line for one evaluated recording (None if it has no annotated beats)."""
    import mir_eval
    from evaluate import acc, beat_tempo_windows

    p = analyze_pulse(it["env"], frame_rate=it["frame_rate"], duration=it["duration"])
    tc, rb = p.curve, it["ref_beats"]
    est, ref = tc.tempo_bpm, it["ref"]
    head = (f"{it['group']:8s} {Path(it['file']).stem[:38]:38s} ref {ref:6.1f} "
            f"est {est:6.1f} x{est / ref:4.2f} {'ok  ' if acc(est, ref)[1] else 'MISS'}")
    if rb is None or not tc.times.size:
        return head
    gt = beat_tempo_windows(rb, tc.times, 6.0)
    pu = _pulsed(tc.bpm) & np.isfinite(gt)
    r = tc.bpm[pu] / gt[pu]
    at = " ".join(f"x{k:g}:{np.mean(np.abs(r / k - 1) <= 0.04):.2f}" for k in RATIOS)
    line = (f"{head} mean-IBI ref {60 / np.mean(np.diff(rb)):6.1f} | pulsed {pu.sum():3d}/"
            f"{tc.times.size:3d} annotated pulsed/all {np.median(gt[pu]):6.1f}/"
            f"{np.nanmedian(gt):6.1f} | at {at}")
    if p.beats.size > 3:
        f = mir_eval.beat.f_measure(mir_eval.beat.trim_beats(rb),
                                    mir_eval.beat.trim_beats(p.beats), 0.07)
        line += f" | beats {60 / np.median(np.diff(p.beats)):6.1f} F {f:.2f}"
    return line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--render-dir", type=Path, default=None)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/improv-eval-cache"))
    ap.add_argument("--all", action="store_true", help="every file, not only the misses")
    args = ap.parse_args(argv)
    import evaluate_cv
    from evaluate import acc

    warnings.simplefilter("ignore")
    for it in evaluate_cv.load_items(args.data, args.render_dir, args.cache):
        if it["group"] == "clip":
            continue
        if not args.all:
            tc = analyze_pulse(it["env"], frame_rate=it["frame_rate"],
                               duration=it["duration"]).curve
            if acc(tc.tempo_bpm, it["ref"])[1]:
                continue
        print(diagnose(it))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

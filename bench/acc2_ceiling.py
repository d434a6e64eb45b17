"""How far a tempo summarised from 6 s windows can reach on the held-out piano (issue 17,
session 19; results unchanged).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/acc2_ceiling.py --asap /tmp/heldout/asap \\
        [--render-dir /tmp/heldout/render]

The reference tempo of an ASAP performance is 60 / the median interval between all its
annotated beats: a median over *beats*. The analyser summarises *windows* (the median tempo
of the pulsed 6 s windows at the session's metrical level). This script replaces the
analyser's windows by the annotation's own (60 / the median annotated interval inside each
6 s window, 1 s hop, as ``bench/evaluate.py`` measures the curve) and asks how often a summary
of perfect windows is within 4 % of the reference:

* **the shipped windows, weighted by their tempo**: the analyser's own pulsed windows within
  ``MODE_RANGE`` of its summary, each counted as often as it holds beats;
* **every window, median**: the shipped statistic, with every window perfect and pulsed;
* **every window, weighted by its tempo**: each window counts as often as it holds beats,
  so the median moves towards the median over beats;
* **the shipped level, perfect windows**: each perfect window moved by the factor of
  1/3-3 that brings it nearest the shipped summary (its metrical level), then the median
  (and, in the next row, the tempo-weighted median): the shipped level choice with a perfect
  curve, counted at Acc2;
* **the shipped windows made perfect**: the shipped summary recomputed from the pulsed
  windows only, each replaced by the perfect window (at the shipped level).

Printed: each figure over the 223 held-out pieces (Acc1, or Acc2 where the level is the
analyser's), next to the shipped Acc2, and how many of the shipped pulsed windows lie within
4 % of the perfect window at some Acc2 factor. The annotations are the reference only; what
the analyser sees is the note list (or, with ``--render-dir``, its FluidSynth rendering), as in
``bench/evaluate_heldout.py``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import evaluate  # noqa: E402
import evaluate_heldout as eh  # noqa: E402

import analysis  # noqa: E402
from analysis.level_fold import _fold as to_level  # noqa: E402  (the analyser's per-window fold)
from analysis.tempo_path import _weighted_median as weighted_median  # noqa: E402

FACTORS = np.asarray(evaluate.FACTORS)  # the Acc2 factors
#: The shipped summary's range around the level [octaves] (analysis.tempo.MODE_RANGE).
MODE_RANGE = analysis.tempo.MODE_RANGE


def _one(job: tuple[dict, Path | None]) -> dict:
    """The shipped summary and curve of one piece (of its rendering with a render folder),
    and its perfect windows [BPM]."""
    it, render_dir = job
    warnings.simplefilter("ignore")
    if render_dir is None:
        nt, dur = evaluate.load_notes(Path(it["path"]))
        res = analysis.analyze_midi(nt, duration=dur)
    else:
        y, sr = evaluate.load_audio(evaluate.render(Path(it["path"]), render_dir))
        res = analysis.analyze_audio(y, sr=sr, duration=y.size / sr)
    times, bpm = res.curves["tempo_bpm"]
    perfect = evaluate.beat_tempo_windows(it["beats"], np.asarray(times), analysis.DEFAULT_WINDOW)
    return {"name": it["name"], "ref": it["ref"], "est": eh.reported_tempo(res.summary),
            "curve": np.asarray(bpm, dtype=float), "perfect": perfect}


#: The summaries :func:`figures` scores, in the order printed (see the module notes).
ROWS = ("shipped (Acc2)", "shipped windows, tempo-weighted (Acc2)",
        "every window, median (Acc1)", "every window, tempo-weighted (Acc1)",
        "shipped level, perfect windows (Acc2)", "the same, tempo-weighted (Acc2)",
        "shipped windows made perfect (Acc2)")


def figures(row: dict) -> dict[str, bool]:
    """Which summaries of one piece are within 4 % of its reference (:data:`ROWS`; False
    where the piece gives a summary nothing to work on)."""
    ref, est, c = row["ref"], row["est"], row["curve"]
    out = dict.fromkeys(ROWS, False)
    out["shipped (Acc2)"] = evaluate.acc(est, ref)[1]
    g = np.isfinite(row["perfect"])
    w = row["perfect"][g]
    if g.any():
        out["every window, median (Acc1)"] = evaluate.acc(float(np.median(w)), ref)[0]
        out["every window, tempo-weighted (Acc1)"] = evaluate.acc(weighted_median(w, w), ref)[0]
    if est <= 0:
        return out
    near = np.isfinite(c) & (np.abs(np.log2(np.where(np.isfinite(c), c, 1.0) / est))
                             <= MODE_RANGE)
    if near.any():
        out["shipped windows, tempo-weighted (Acc2)"] = evaluate.acc(
            weighted_median(c[near], c[near]), ref)[1]
    if g.any():
        lw = to_level(w, est)
        out["shipped level, perfect windows (Acc2)"] = evaluate.acc(float(np.median(lw)), ref)[1]
        out["the same, tempo-weighted (Acc2)"] = evaluate.acc(weighted_median(lw, lw), ref)[1]
    p = g & np.isfinite(c)
    if p.any():
        out["shipped windows made perfect (Acc2)"] = evaluate.acc(
            float(np.median(to_level(row["perfect"][p], est))), ref)[1]
    return out


def window_hits(row: dict) -> tuple[int, int]:
    """(shipped pulsed windows within 4 % of the perfect window at a factor of 1/3-3, of those
    with a perfect window)."""
    p = np.isfinite(row["perfect"]) & np.isfinite(row["curve"])
    ratio = row["curve"][p][:, None] / (FACTORS[None, :] * row["perfect"][p][:, None])
    return int(np.sum(np.min(np.abs(ratio - 1.0), axis=1) <= 0.04)), int(p.sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, required=True,
                    help="a checkout of fosfrancesco/asap-dataset")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--render-dir", type=Path, default=None,
                    help="measure the FluidSynth renderings (made there if missing) instead")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    pieces, _ = eh.shared_sources(args.shared)
    items = eh.asap_items(args.asap, pieces)
    if args.render_dir is not None:
        args.render_dir.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(args.jobs) as ex:
        rows = list(ex.map(_one, [(it, args.render_dir) for it in items], chunksize=4))
    table = [figures(r) for r in rows]
    kind = "MIDI" if args.render_dir is None else "renderings"
    print(f"held-out ASAP {kind}, {len(rows)} pieces (analysis {analysis.ANALYSIS_VERSION})")
    for key in ROWS:
        print(f"  {key:40s} {np.mean([t[key] for t in table]):.3f}")
    hit, n = np.sum([window_hits(r) for r in rows], axis=0)
    print(f"  shipped pulsed windows right at an Acc2 factor: {hit} of {n} ({hit / n:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The analysis window's length on the held-out piano, per fold (issue 17, session 25; results
unchanged).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/window_length.py --asap /tmp/heldout/asap \\
        [--windows 4,5,6,7,8,10] [--render-dir /tmp/heldout/render] [--jobs 2]

The 6 s window (:data:`analysis.windows.DEFAULT_WINDOW`) was chosen on the shared files. Each
length runs the shipped analyser on the 223 held-out ASAP performances of
``bench/evaluate_heldout.py`` (their note lists, or with ``--render-dir`` their FluidSynth
renderings), with ``window=W`` and everything else as shipped (hop 1 s, the pulse label and its
bounds). Printed per length: Acc1 and Acc2 of the reported tempo, Acc2 on each half (the
``fold`` of ``bench/label_levers.py``, by piece), and how often the pulse is "clear" with how
many of those are wrong at every metrical level. The annotations are the reference only.
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
import label_levers  # noqa: E402

import analysis  # noqa: E402


def _one(job: tuple[dict, float]) -> dict:
    it, window = job
    warnings.simplefilter("ignore")
    if "wav" in it:
        y, sr = evaluate.load_audio(Path(it["wav"]))
        res = analysis.analyze_audio(y, sr=sr, duration=y.size / sr, window=window)
    else:
        notes, dur = evaluate.load_notes(Path(it["path"]))
        res = analysis.analyze_midi(notes, duration=dur, window=window)
    s = res.summary
    a1, a2 = evaluate.acc(eh.reported_tempo(s), it["ref"])
    return {"name": it["name"], "a1": a1, "a2": a2, "clear": s["pulse"] == "clear"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--asap", type=Path, required=True, help="the ASAP dataset's folder")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata",
                    help="the shared set (its pieces are left out)")
    ap.add_argument("--windows", default="4,5,6,7,8,10", help="lengths in seconds")
    ap.add_argument("--render-dir", type=Path, default=None,
                    help="measure the FluidSynth renderings kept here instead of the MIDI")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    try:
        windows = [float(w) for w in args.windows.split(",")]
    except ValueError:
        ap.error(f"--windows must be numbers separated by commas, got {args.windows!r}")
    if not windows or min(windows) <= 0:
        ap.error("--windows must be positive lengths in seconds")
    pieces, _ = eh.shared_sources(args.shared)
    its = eh.asap_items(args.asap, pieces)
    if args.render_dir is not None:
        its = [dict(it, wav=str(evaluate.render(it["path"], args.render_dir))) for it in its]
    what = "renderings" if args.render_dir is not None else "MIDI"
    print(f"{len(its)} held-out ASAP performances ({what})")
    print("window  Acc1   Acc2   Acc2 fold 0 / fold 1   clear (wrong)")
    for w in windows:
        with ProcessPoolExecutor(args.jobs) as ex:
            rows = list(ex.map(_one, [(it, w) for it in its], chunksize=4))
        halves = [[r["a2"] for r in rows if label_levers.fold(r["name"]) == k] for k in (0, 1)]
        clear = [r for r in rows if r["clear"]]
        print(f"{w:5.1f} s {np.mean([r['a1'] for r in rows]):.3f}  "
              f"{np.mean([r['a2'] for r in rows]):.3f}  "
              f"{np.mean(halves[0]):.3f} / {np.mean(halves[1]):.3f} ({sum(halves[0])} of "
              f"{len(halves[0])}, {sum(halves[1])} of {len(halves[1])})   "
              f"{len(clear)} ({sum(not r['a2'] for r in clear)})", flush=True)


if __name__ == "__main__":
    main()

"""The global tempo from the tracked beats, measured on the held-out piano MIDI (issue 17,
session 18; results unchanged).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/beat_summary.py --asap /tmp/heldout/asap

The annotation's reference tempo is 60 / the median interval between annotated beats; about
half of the held-out piano misses at Acc2 are at the right metrical level but 4-15 % off it,
most of them too fast (the summary is the median of the pulsed windows, which leaves out the
slow, pulse-less passages). The same statistic of the tracked beats (the analyser tracks them
through the pulse-less windows too, :data:`analysis.beats.ALL_BEATS`) is the exact analogue of
the reference. For each tolerance, the summary is replaced by 60 / the median tracked beat
interval, moved to the summary's level by a factor of 1/3-3, where the two lie within the
tolerance of each other (0: never). Printed: Acc1 / Acc2 over the 223 held-out pieces and the
objective Acc2 + 0.1 Acc1 on each half by the SHA-1 of the piece's name.
"""

from __future__ import annotations

import argparse
import hashlib
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

TOLERANCES = (0.0, 0.03, 0.06, 0.1, 0.15, 0.25)
FACTORS = np.array([1 / 3, 1 / 2, 1.0, 2.0, 3.0])


def _one(it: dict) -> tuple[str, float, float, float]:
    """(name, reference, summary tempo, 60 / median tracked beat interval) [BPM]."""
    warnings.simplefilter("ignore")
    nt, dur = evaluate.load_notes(Path(it["path"]))
    res = analysis.analyze_midi(nt, duration=dur)
    est = eh.reported_tempo(res.summary)
    beats = np.asarray(res.beats, dtype=float)
    from_beats = 60.0 / float(np.median(np.diff(beats))) if beats.size > 2 else 0.0
    return it["name"], it["ref"], est, from_beats


def summary(row: tuple, tol: float) -> float:
    _, _, est, from_beats = row
    if from_beats <= 0 or est <= 0:
        return est
    cands = from_beats * FACTORS
    near = cands[np.argmin(np.abs(np.log2(cands / est)))]
    return float(near) if abs(near / est - 1.0) <= tol else est


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    pieces, _ = eh.shared_sources(args.shared)
    its = [{"name": i["name"], "ref": i["ref"], "path": str(i["path"])}
           for i in eh.asap_items(args.asap, pieces)]
    with ProcessPoolExecutor(args.jobs) as ex:
        rows = list(ex.map(_one, its, chunksize=4))
    half = [int(hashlib.sha1(r[0].encode()).hexdigest(), 16) % 2 for r in rows]
    print(f"held-out piano MIDI ({len(rows)} pieces)")
    for tol in TOLERANCES:
        acc = np.array([evaluate.acc(summary(r, tol), r[1]) for r in rows], dtype=float)
        obj = acc[:, 1] + 0.1 * acc[:, 0]
        halves = " / ".join(f"{obj[np.array(half) == k].mean():.3f}" for k in (0, 1))
        print(f"  tolerance {tol:4.2f}: Acc1 {acc[:, 0].mean():.3f}  Acc2 {acc[:, 1].mean():.3f}"
              f"  objective by half {halves}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

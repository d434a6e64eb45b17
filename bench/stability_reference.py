"""Tempo stability against the annotated beats of held-out piano performances: which windows
should the stability be measured on?

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/stability_reference.py --asap /tmp/heldout/asap

and, for an earlier analyser, from a worktree of its commit (this script copied in; 1.13.0 is
ae0e79a)::

    git worktree add /tmp/wt ae0e79a && cp bench/stability_reference.py /tmp/wt/bench/
    PYTHONPATH=/tmp/wt .venv/bin/python /tmp/wt/bench/stability_reference.py \
        --asap /tmp/heldout/asap --shared ../shared/evaldata

The plain summary calls a performance "steady" (stability >= 0.8), "fairly steady" (>= 0.5) or
"unsteady" (``improv.reports.summary_text``). The stability is the share of pulsed windows
within 4 % of the reported tempo (:func:`analysis.tempo.stability`). Until 1.14.0 the metre
step moved the curve and the tempo to another level but kept the stability measured before,
against the old tempo; the "curve" row recomputes it from the reported curve and tempo, which
is what 1.14.0 reports. The reference is the same share on the annotated beats: each 6 s
window's tempo is 60 / the median interval of the annotated beats in it, against 60 / the
median interval of all of them (the reference tempo of ``bench/evaluate_heldout.py``).

Recordings: one annotated performance per ASAP piece outside the shared set (223 MIDI files).
Printed, for the shipped stability and for the stability of the reported curve against the
reported tempo: Spearman's rho with the reference, the median absolute difference, and how
often the summary's word (steady / fairly steady / unsteady) is the reference's, on all pieces,
on each half (by the SHA-1 of the name; nothing is chosen on either half) and on the pieces
whose pulse is "clear" (the only ones the plain summary gives the word for).
"""

from __future__ import annotations

import argparse
import hashlib
import os
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

#: the plain summary's bounds (improv.reports.summary_text.STEADY, FAIRLY_STEADY)
STEADY, FAIRLY_STEADY = 0.8, 0.5


def stability(curve, tempo: float) -> float:
    """The share of windows with a tempo within 4 % of ``tempo``: the definition of
    :func:`analysis.tempo.stability`, restated so that this script also runs on analyser
    versions without it (1.13.0: see the usage above)."""
    c = np.asarray(curve, dtype=np.float64)
    c = c[np.isfinite(c) & (c > 0)]
    if c.size == 0 or not tempo > 0:
        return float("nan")
    return float(np.mean(np.abs(c / tempo - 1.0) <= 0.04))


def _word(x: float) -> str:
    return "steady" if x >= STEADY else "fairly steady" if x >= FAIRLY_STEADY else "unsteady"


def _row(it: dict) -> dict | None:
    warnings.simplefilter("ignore")
    nt, dur = evaluate.load_notes(Path(it["path"]))
    res = analysis.analyze_midi(nt, duration=dur)
    s = res.summary
    tempo = eh.reported_tempo(s)
    times, curve = res.curves["tempo_bpm"]
    ref_curve = evaluate.beat_tempo_windows(it["beats"], np.asarray(times), res.summary["window_s"])
    ref = stability(ref_curve, it["ref"])
    if not (tempo > 0 and np.isfinite(ref)):
        return None
    return {"name": it["name"], "ref": ref, "clear": s["pulse"] == "clear",
            "shipped": s["tempo_stability"],
            "curve": stability(np.asarray(curve, dtype=float), tempo)}


def _fold(name: str) -> int:
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 2


def report(rows: list[dict]) -> None:
    from scipy.stats import spearmanr

    for label, rs in (("all", rows), ("half 0", [r for r in rows if _fold(r["name"]) == 0]),
                      ("half 1", [r for r in rows if _fold(r["name"]) == 1]),
                      ("clear: where the plain summary says the word",
                       [r for r in rows if r["clear"]])):
        ref = np.array([r["ref"] for r in rs])
        print(f"{label} ({len(rs)} pieces; reference: {np.mean(ref >= STEADY):.0%} steady, "
              f"{np.mean((ref >= FAIRLY_STEADY) & (ref < STEADY)):.0%} fairly steady)")
        for k in ("shipped", "curve"):
            est = np.array([np.nan if r[k] is None else r[k] for r in rs], dtype=float)
            ok = np.isfinite(est)
            rho = spearmanr(est[ok], ref[ok])[0]
            words = np.mean([_word(e) == _word(f) for e, f in zip(est[ok], ref[ok], strict=True)])
            print(f"  {k:8s} rho {rho:.3f}  median |difference| "
                  f"{np.median(np.abs(est[ok] - ref[ok])):.3f}  mean {np.mean(est[ok]):.2f} "
                  f"(reference {np.mean(ref[ok]):.2f})  same word {words:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    pieces, _ = eh.shared_sources(args.shared)
    its = [{"name": it["name"], "path": str(it["path"]), "beats": it["beats"], "ref": it["ref"]}
           for it in eh.asap_items(args.asap, pieces)]
    with ProcessPoolExecutor(args.jobs) as ex:
        rows = [r for r in ex.map(_row, its, chunksize=4) if r is not None]
    report(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

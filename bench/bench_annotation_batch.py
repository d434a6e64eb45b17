"""Confirming and discarding every role suggestion of a session at once ("Confirm all" on the
session page): the time for 50, 200 and 1000 suggestions.

Writes a demo duet into a temporary store, adds N role suggestions as annotations
(:func:`improv.analyze.roles.accept_roles`), then times
:func:`improv.analyze.roles.confirm_suggestions` of all of them; again with a fresh set for
:func:`improv.analyze.roles.discard_suggestions`. Nothing is analysed: the suggestions are
made up, spread over the session.

Usage::

    .venv/bin/python bench/bench_annotation_batch.py [--sizes 50 200 1000] [--code DIR]
        [--only confirm|discard]

``--code DIR`` runs the same measurement against another checkout of improv (e.g. an older
commit in a ``git worktree``), to compare before and after.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _runs(n: int, duration: float) -> list[dict]:
    step = duration / (n + 1)
    return [{"t": round(k * step, 3), "end": round(k * step + step / 2, 3),
             "player": "client" if k % 2 else "therapist", "role": "leader",
             "confidence": 0.9} for k in range(n)]


def measure(n: int, *, duration: float, kinds=("confirm", "discard")) -> dict[str, float]:
    from improv.analyze.roles import accept_roles, confirm_suggestions, discard_suggestions
    from improv.demo import create_demo_session
    from sessions.store import Store

    out = {}
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "store") as store:
        sid = create_demo_session(store, duration=duration, sr=8000)["id"]
        for kind, fn in (("confirm", confirm_suggestions), ("discard", discard_suggestions)):
            if kind not in kinds:
                continue
            runs = _runs(n, duration)
            if kind == "discard":  # another set: shifted by a millisecond
                runs = [dict(r, t=r["t"] + 0.001, end=r["end"] + 0.001) for r in runs]
            written = accept_roles(store, sid, runs)
            assert len(written) == n, (len(written), n)
            items = [{"id": a["id"], "rev": a["rev"]} for a in written]
            t0 = time.perf_counter()
            done = fn(store, sid, items)
            out[kind] = time.perf_counter() - t0
            assert len(done) == n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    ap.add_argument("--duration", type=float, default=120.0,
                    help="length of the demo session in seconds (default 120)")
    ap.add_argument("--only", choices=["confirm", "discard"],
                    help="measure only this (the old code takes many minutes for 1000)")
    ap.add_argument("--code", type=Path, default=REPO,
                    help="the improv checkout to measure (default: this one)")
    args = ap.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import improv

    print(f"code: {Path(improv.__file__).resolve().parents[1]}")
    print(f"{'suggestions':>11}  {'confirm all':>11}  {'discard all':>11}")
    for n in args.sizes:
        t = measure(n, duration=args.duration,
                    kinds=(args.only,) if args.only else ("confirm", "discard"))
        shown = [f"{t[k]:>9.2f} s" if k in t else f"{'–':>11}" for k in ("confirm", "discard")]
        print(f"{n:>11}  {'  '.join(shown)}", flush=True)


if __name__ == "__main__":
    main()

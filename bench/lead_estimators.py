"""Who leads: alternative splits of the phase-correction gains, measured side by side.

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/lead_estimators.py [--data ../shared/evaldata]

Point estimates (no bootstrap, no leader label) on the coupled constructed pairs of
``bench/constructed_lead.py`` (one-way, two-way, ritardando; real Jazz-Jitter onsets as the
leader), per recording block: the share of pairs in which the follower's gain is the larger,
Spearman rho of true vs estimated gains, median |error|. Then the standard two-timekeeper
phase-correction model, where the follower does not copy the leader's intervals (leader 20 ms
white timing noise, follower 12 ms; 30 runs of 250 beats at 0.5 s): mean gains for true
(0, 0.5) and (0.2, 0.4). Every estimator takes the sum of the gains from the asynchrony's AR(1)
(as :func:`analysis.dialogue.coupling.fit_alphas`) and differs only in each player's slope.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

import constructed_lead  # noqa: E402
from evaluate_dialogue import jazz_jitter  # noqa: E402

from analysis.dialogue import coupling as C  # noqa: E402


def _lag(x, run, k=1):
    out = np.r_[np.zeros(k), x[:-k]]
    return np.where(np.r_[np.zeros(k, bool), run[k:] == run[:-k]], out, 0.0)


def _fit(X, y, k=1.5, bisquare=None, w0=None, n_iter=5):
    """Huber (then optionally bisquare) weighted least squares: (coefficients, weights, resid)."""
    w0 = np.ones(y.size) if w0 is None else w0
    w = w0.copy()
    for i in range(n_iter * (2 if bisquare else 1)):
        sw = np.sqrt(w)
        b = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
        r = y - X @ b
        r = r - np.median(r)
        u = np.abs(r) / (1.4826 * np.median(np.abs(r)) + 1e-9)
        if i < n_iter:
            w = w0 * np.minimum(1.0, k / np.maximum(u, 1e-12))
        else:
            w = w0 * np.where(u < bisquare, (1 - (u / bisquare) ** 2) ** 2, 0.0)
    sw = np.sqrt(w)
    b = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
    return b, w, y - X @ b


def split(bp, *, extra=(), bisquare=None, local=0, tstat=False):
    """Gains (2,) of one BeatPairs: the AR(1) sum split by each player's slope on the
    asynchrony, with optional extra regressors ('own1', 'oth0' concurrent, 'oth1' previous
    interval deviation), bisquare constant, local-steadiness weights over ``local`` beats, or
    the split by t statistics (a Granger-style per-player evidence) instead of slopes."""
    A, n = bp.asyn, bp.asyn.size
    ok = np.r_[bp.run[1:] == bp.run[:-1], False].astype(float)
    total = 1.0 - C._wls(A, np.r_[A[1:], 0.0], ok)
    w0 = None
    if local:
        from scipy.ndimage import uniform_filter1d
        m = bp.dev.mean(0)
        v = (uniform_filter1d(m * m, local, mode="nearest") * local - m * m) / (local - 1)
        w0 = 1.0 / np.maximum(v, 0.1 * np.median(v))
    c = []
    for i, sgn in ((0, 1), (1, -1)):
        cols = [sgn * A, np.ones(n)]
        cols += [{"own1": _lag(bp.dev[i], bp.run), "oth0": bp.dev[1 - i],
                  "oth1": _lag(bp.dev[1 - i], bp.run)}[e] for e in extra]
        X = np.column_stack(cols)
        b, w, r = _fit(X, bp.dev[i], bisquare=bisquare, w0=w0)
        if tstat:
            s2 = np.sum(w * r * r) / (w.sum() - X.shape[1])
            b = b / np.sqrt(s2 * np.diag(np.linalg.inv((X * w[:, None]).T @ X)))
        c.append(b[0])
    return C._split(np.array(total), np.array(c))


ESTIMATORS = {
    "library (fit_alphas)": lambda bp: C._alphas(*C._equations(bp)),
    "1.6.0: Huber 1.5": lambda bp: split(bp),
    "Huber then bisquare 3.5": lambda bp: split(bp, bisquare=3.5),
    "Huber then bisquare 4.0": lambda bp: split(bp, bisquare=4.0),
    "Huber then bisquare 4.685": lambda bp: split(bp, bisquare=4.685),
    "+ other's concurrent interval": lambda bp: split(bp, extra=("oth0",)),
    "+ other's previous interval": lambda bp: split(bp, extra=("oth1",)),
    "+ own and other's previous": lambda bp: split(bp, extra=("own1", "oth1")),
    "Granger t split (+ previous)": lambda bp: split(bp, extra=("own1", "oth1"), tstat=True),
    "local steadiness weights, 16": lambda bp: split(bp, local=16),
    "local steadiness weights, 32": lambda bp: split(bp, local=32),
}


def standard_onsets(alpha, runs=30, beats=250, seed=5):
    """Onsets (a, b) [seconds, from 1 s] of ``runs`` runs of the standard two-timekeeper
    model: period 0.5 s, a with 20 ms white timing noise, b 12 ms, gains ``alpha`` (a, b)."""
    rng = np.random.default_rng(seed)
    for _ in range(runs):
        a, b = np.zeros(beats), np.zeros(beats)
        b[0] = rng.normal(0, 0.01)
        for k in range(beats - 1):
            A = b[k] - a[k]
            a[k + 1] = a[k] + 0.5 + rng.normal(0, 0.020) + alpha[0] * A
            b[k + 1] = b[k] + 0.5 + rng.normal(0, 0.012) - alpha[1] * A
        yield a + 1, b + 1


def point_table(rows, fns, pairs_of=C.beat_pairs):
    """Print the point-estimate table: per estimator (``fns``: name -> gains (2,) of a
    BeatPairs), per recording block F>L / rho / median |error| over ``rows`` (coupled pairs
    with ``bp``), and the mean gains of the standard model for (0, 0.5) and (0.2, 0.4)
    (``pairs_of(a, b)`` builds its BeatPairs)."""
    from scipy.stats import spearmanr

    print("| slope estimator | block 1: F>L / rho / err | block 2: F>L / rho / err "
          "| standard (0, 0.5) | standard (0.2, 0.4) |")
    print("|---|---|---|---|---|")
    for name, fn in fns.items():
        cells = []
        for fold in ("block 1", "block 2"):
            sel = [r for r in rows if r["fold"] == fold]
            # the fit reads (a, b); "truth" names the leader
            est = np.array([fn(r["bp"])[::1 if r["truth"] == "a" else -1] for r in sel])
            tru = np.array([r["alpha_true"] for r in sel], float)
            ok = np.isfinite(est).all(1)
            cells.append(f"{np.mean(est[ok, 1] > est[ok, 0]):.3f} / "
                         f"{spearmanr(tru[ok].ravel(), est[ok].ravel()).statistic:.3f} / "
                         f"{np.median(np.abs(est[ok] - tru[ok])):.3f}")
        for al, seed in (((0.0, 0.5), 5), ((0.2, 0.4), 6)):
            m = np.mean([fn(pairs_of(a, b)) for a, b in standard_onsets(al, seed=seed)], 0)
            cells.append(f"{m[0]:.2f}, {m[1]:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def duets(data: Path) -> list[dict]:
    """The Jazz-Jitter duets: {id, fold ("block 1" / "block 2"), keys, drums}."""
    class Args:
        pass
    Args.data = data
    rows = list(csv.DictReader(open(data / "interplay_manifest.csv", newline="")))
    return [{"id": r["id"], "fold": "block " + re.search(r"block=(\d+)", r["condition"])[1],
             "keys": k, "drums": d} for r, k, d in jazz_jitter(Args, rows)]


def constructed_onsets(data: Path) -> list[tuple[dict, tuple[np.ndarray, np.ndarray]]]:
    """Every constructed pair of :func:`constructed_lead.build` with the onsets (a, b) that
    its fit read."""
    seen, orig = [], constructed_lead.beat_pairs
    constructed_lead.beat_pairs = lambda a, b: seen.append((a, b)) or orig(a, b)
    try:
        res = constructed_lead.build(duets(data))
    finally:
        constructed_lead.beat_pairs = orig
    return list(zip(res, seen, strict=True))


def pairs(data: Path) -> list[dict]:
    """The coupled constructed pairs with their BeatPairs (``bp``)."""
    return [{**r, "bp": C.beat_pairs(*on)} for r, on in constructed_onsets(data)
            if r["kind"] != "independent"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "evaldata")
    rows = pairs(ap.parse_args(argv).data)
    print(f"{len(rows)} coupled pairs\n")
    point_table(rows, ESTIMATORS)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())

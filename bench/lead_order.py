"""Who leads, dialogue 1.7 study: heavier-tailed slopes, pooled windows, bootstrap coverage and
a leader from the bootstrap order of the gains.

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/lead_order.py [--data ../shared/evaldata]
        [--cache /tmp/lead_pairs.json] [--part estimators,coverage,standard,pairing,order]
        [--estimators "NAME;NAME"] [--block 8]

* ``estimators``: point estimates of each slope estimator on the 468 coupled constructed pairs
  of ``bench/constructed_lead.py`` (per recording block: follower's gain larger, Spearman rho of
  true vs estimated gains, median |error|) and on the standard two-timekeeper model (leader
  20 ms white timing noise, follower 12 ms, 30 runs of 250 beats; mean gains for true (0, 0.5)
  and (0.2, 0.4)). Every row takes the sum from the asynchrony's AR(1) (as
  :func:`analysis.dialogue.coupling.fit_alphas`) and differs only in each player's slope.
* ``coverage``: share of 100 standard-model runs (and of the constructed pairs) whose bootstrap
  interval at 0.95 holds the true gain, for moving-block lengths 1, 8 and 16 beats.
* ``standard``: the session labels on 100 runs of the standard model per true (a, b) gains
  (a with 20 ms timing noise, b 12 ms), including independent and nearly independent players.
* ``pairing``: how many of the real Jazz-Jitter onsets give equations, by today's pairing and
  by the pulse with unpaired ornaments bridged.
* ``autocorr``: the autocorrelation of the leaders' timing (whether a metrical pattern could be
  removed before the split).
* ``horizon``: the players' cumulative slopes over 1-12 beats (session 22: why summing the
  follower's corrections over a horizon does not narrow the split).
* ``order``: the leader from the bootstrap probability that one gain is the smaller (>= p)
  with the other adapting (its lower bound above 0 or 0.05), two-fold cross-validated over the
  recording blocks like ``bench/evaluate_dialogue.py --constructed``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

import constructed_lead  # noqa: E402
import lead_estimators  # noqa: E402
import lead_slopes  # noqa: E402
from lead_slopes import ESTIMATORS, eq_library  # noqa: E402

from analysis.dialogue import coupling as C  # noqa: E402
from analysis.dialogue.leadership import combine  # noqa: E402
from analysis.dialogue.synchrony import MAX_CYCLE, event_onsets, pair_onsets  # noqa: E402

NAMES = ("a", "b")


# --- pairs ---------------------------------------------------------------------------------

class Pairs(C.BeatPairs):
    pass


def raw_pairs(a, b):
    """The library's BeatPairs plus each player's raw beat IOIs (``ioi``, (2, k))."""
    bp = C.beat_pairs(a, b)
    ea, eb = event_onsets(a), event_onsets(b)
    ia, ib = pair_onsets(ea, eb)
    ioi = np.zeros((2, 0))
    if bp.t.size:
        ta, tb = ea[ia], eb[ib]
        ioa, iob = np.diff(ta), np.diff(tb)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = ioa / iob
        ok = ((np.diff(ia) == 1) & (np.diff(ib) == 1) & (ioa <= MAX_CYCLE) & (iob <= MAX_CYCLE)
              & (ratio <= C._PULSE_RATIO) & (ratio >= 1 / C._PULSE_RATIO))
        ioi = np.vstack([ioa[ok], iob[ok]])
    obj = object.__new__(Pairs)
    for k in ("t", "asyn", "dev", "run", "locking"):
        object.__setattr__(obj, k, getattr(bp, k))
    object.__setattr__(obj, "ioi", ioi)
    return obj


def load(data: Path, cache: Path | None) -> list[dict]:
    """All constructed pairs (``bench/constructed_lead.py``) with their onsets ``on``."""
    if cache and cache.exists():
        rows = json.loads(cache.read_text())
    else:
        built = lead_estimators.constructed_onsets(data)
        rows = [{k: r[k] for k in ("id", "fold", "kind", "alpha_true", "truth", "xcorr")}
                | {"on": [a.tolist(), b.tolist()]} for r, (a, b) in built]
        if cache:
            cache.write_text(json.dumps(rows))
    for r in rows:
        bp = raw_pairs(np.array(r["on"][0]), np.array(r["on"][1]))
        if not bp.locking >= 0.5:
            bp = raw_pairs(np.zeros(0), np.zeros(0))
        r["bp"] = bp
    return rows


# --- figures -------------------------------------------------------------------------------

def standard_runs(alpha, runs=30, beats=250, seed=5):
    """BeatPairs (with ``ioi``) of the standard model's runs
    (:func:`lead_estimators.standard_onsets`)."""
    for a, b in lead_estimators.standard_onsets(alpha, runs=runs, beats=beats, seed=seed):
        yield raw_pairs(a, b)


def fit(eq, bp, n_boot=400, block=8, seed=0):
    """(alpha (2,), boot (n_boot, 2)) with the equations of ``eq``; NaN/empty when too few."""
    if bp.t.size < C.MIN_INTERVALS:
        return np.full(2, np.nan), np.zeros((0, 2))
    xy, w = eq(bp)
    old, C._BLOCK = C._BLOCK, block
    try:
        boot = C._boot_alphas(xy, w, np.random.default_rng(seed), n_boot) if n_boot else None
    finally:
        C._BLOCK = old
    return C._alphas(xy, w), boot


def _oriented(r, a):
    return a if r["truth"] in (None, "a") else a[::-1]


def part_estimators(rows):
    cpl = [r for r in rows if r["kind"] != "independent"]
    print(f"{len(cpl)} coupled pairs\n")
    lead_estimators.point_table(cpl, {name: (lambda bp, eq=eq: fit(eq, bp, n_boot=0)[0])
                                      for name, eq in ESTIMATORS.items()}, pairs_of=raw_pairs)
    nus = [lead_slopes._irls(xy[0, k], xy[1, k], lead_slopes._t_weight)[1]["nu"]
           for r in cpl if r["bp"].t.size >= C.MIN_INTERVALS
           for xy in [C._equations(r["bp"])[0]] for k in (1, 2)]
    print("\nStudent-t degrees of freedom, quartiles over players: "
          + " / ".join(f"{q:g}" for q in np.quantile(nus, [0.25, 0.5, 0.75])))


def part_coverage(rows, eq=eq_library, runs=100):
    print("\n| block [beats] | standard (0, 0.5): leader / follower | standard (0.2, 0.4) "
          "| constructed block 1: leader / follower | block 2 |")
    print("|---|---|---|---|---|")
    cpl = [r for r in rows if r["kind"] != "independent"]
    for block in (1, 8, 16):
        cells = []
        for al, sd in (((0.0, 0.5), 15), ((0.2, 0.4), 16)):
            hit = []
            for bp in standard_runs(al, runs=runs, seed=sd):
                _, boot = fit(eq, bp, block=block)
                lo, hi = np.quantile(boot, [0.025, 0.975], axis=0)
                hit.append((lo <= np.array(al)) & (np.array(al) <= hi))
            h = np.mean(hit, 0)
            cells.append(f"{h[0]:.2f} / {h[1]:.2f}")
        for fold in ("block 1", "block 2"):
            hit = []
            for r in (x for x in cpl if x["fold"] == fold):
                a, boot = fit(eq, r["bp"], block=block)
                if boot.shape[0]:
                    lo, hi = np.quantile(boot, [0.025, 0.975], axis=0)
                    t = np.array(r["alpha_true"], float)
                    hit.append((_oriented(r, lo) <= t) & (t <= _oriented(r, hi)))
            h = np.mean(hit, 0)
            cells.append(f"{h[0]:.2f} / {h[1]:.2f}")
        print(f"| {block} | " + " | ".join(cells) + " |", flush=True)


# --- the leader from the bootstrap order ---------------------------------------------------

P_GRID = (0.8, 0.9, 0.95, 0.975, 0.99)


def decide_order(alpha, boot, *, p, floor):
    """(label, confidence): ``a`` leads when ``P(alpha_b > alpha_a) >= p`` over the bootstrap
    and b's lower bound (the 1 - p quantile) exceeds ``floor``; ``together`` / ``unclear``
    as :func:`analysis.dialogue.coupling.decide`."""
    if boot.shape[0] == 0 or not np.all(np.isfinite(alpha)):
        return "none", 0.0
    d = boot[:, 1] - boot[:, 0]
    p_pos = float(np.mean(d > 0) + 0.5 * np.mean(d == 0))
    lo = np.quantile(boot, 1 - p, axis=0)
    if p_pos >= p and lo[1] > floor:
        return "a", 2 * p_pos - 1
    if 1 - p_pos >= p and lo[0] > floor:
        return "b", 1 - 2 * p_pos
    lab, conf, _ = C.decide(alpha, boot, names=NAMES)
    return (lab, conf) if lab == "together" else ("unclear", 0.0)


def labelled(rows, eq, rules, block=8):
    """Rows for :func:`constructed_lead.metrics`: labels per rule key."""
    out = []
    for r in rows:
        alpha, boot = fit(eq, r["bp"], block=block)
        labels = {}
        for key, rule in rules.items():
            lab, conf = rule(alpha, boot)
            labels[key] = {"timing": lab, "leader": combine(lab, conf, r["xcorr"], 1.0, NAMES)[0]}
        out.append({**{k: r[k] for k in ("id", "fold", "kind", "alpha_true", "truth")},
                    "alpha_est": _oriented(r, alpha).tolist(), "labels": labels})
    return out


def cv(rows, keys):
    """Two-fold CV of the rule parameter over ``keys`` (the selection rule of
    constructed_lead.tune)."""
    out = {}
    for f in sorted({r["fold"] for r in rows}):
        train = [r for r in rows if r["fold"] != f]
        test = [r for r in rows if r["fold"] == f]
        good = []
        for i, k in enumerate(keys):
            m = constructed_lead.metrics(train, k)
            if m["independent_no_leader"] >= 0.95 and m["wrong_leader_one_way"] <= 0.02:
                good.append((m["leader_acc_alpha_ge_0.3"], -i, k))
        k = max(good)[2] if good else keys[-1]
        out[f] = {"param": k, **constructed_lead.metrics(test, k)}
    return out


SHOWN = ["leader_acc_alpha_ge_0.3", "wrong_leader_one_way", "independent_no_leader",
         "spearman_all_alpha", "follower_gt_leader", "two-way_leader_acc", "drift_leader_acc",
         "unclear_share_one_way"]


def _row(name, fold_metrics):
    cells = [" / ".join(f"{m[k]:.3f}" for m in fold_metrics) for k in SHOWN]
    print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def part_order(rows, estimators=("library 1.6.1 (Huber, bisquare 4)",), block=8):
    rules = {("interval", lv): (lambda a, b, lv=lv: C.decide(a, b, names=NAMES, level=lv)[:2])
             for lv in constructed_lead.LEVELS}
    for floor in (0.0, 0.05):
        rules |= {("order", floor, p): (lambda a, b, p=p, fl=floor:
                                        decide_order(a, b, p=p, floor=fl)) for p in P_GRID}
    print(f"\nblock {block}; cells block 1 / block 2 (held out)\n")
    print("| estimator, rule (param) | " + " | ".join(SHOWN) + " |")
    print("|---" * (len(SHOWN) + 1) + "|")
    for name in estimators:
        lab = labelled(rows, ESTIMATORS[name], rules, block=block)
        fam = {"interval": [k for k in rules if k[0] == "interval"],
               "order >0": [k for k in rules if k[:2] == ("order", 0.0)],
               "order >0.05": [k for k in rules if k[:2] == ("order", 0.05)]}
        for fname, keys in fam.items():
            res = cv(lab, keys)
            _row(f"{name}, {fname}, CV ({', '.join(str(v['param'][-1]) for v in res.values())})",
                 list(res.values()))
            for k in keys:
                if k[-1] in (0.95, 0.9, 0.975):
                    _row(f"{name}, {fname}, fixed {k[-1]}",
                         [constructed_lead.metrics([r for r in lab if r["fold"] == f], k)
                          for f in ("block 1", "block 2")])


def part_standard(estimators, runs=100):
    """Labels on the standard two-timekeeper model (the session's locking check applied):
    counts of the 100 runs per true (a, b) gains; player a has 20 ms timing noise, b 12 ms."""
    from collections import Counter

    print(f"\n| estimator | true (a, b) | mean (a, b) | labels of {runs} runs |")
    print("|---|---|---|---|")
    for name in estimators:
        for al, sd in (((0.0, 0.5), 25), ((0.0, 0.3), 26), ((0.2, 0.4), 27), ((0.0, 0.0), 28),
                       ((0.0, 0.05), 29)):
            cnt, est = Counter(), []
            for bp in standard_runs(al, runs=runs, seed=sd):
                if not bp.locking >= 0.5:
                    cnt["not locked"] += 1
                    continue
                a, boot = fit(ESTIMATORS[name], bp)
                est.append(a)
                lab = C.decide(a, boot, names=("a leads", "b leads"))[0]
                cnt[lab] += 1
            m = np.mean(est, 0)
            print(f"| {name} | {al} | {m[0]:.3f}, {m[1]:.3f} | "
                  + ", ".join(f"{k} {v}" for k, v in sorted(cnt.items())) + " |", flush=True)


def part_pairing(data: Path):
    """How many of the real Jazz-Jitter duets' onsets become equations: the library's pairing
    (consecutive paired onsets) against pairing by the pulse (consecutive *paired* onsets,
    unpaired ornaments bridged, each interval within 1/1.4..1.4 of the player's running
    median)."""
    from scipy.ndimage import median_filter

    tot = np.zeros(5, np.int64)
    for duet in lead_estimators.duets(data):
        ea, eb = event_onsets(duet["keys"].onsets), event_onsets(duet["drums"].onsets)
        ia, ib = pair_onsets(ea, eb)
        ioa, iob = np.diff(ea[ia]), np.diff(eb[ib])
        ratio = ioa / iob
        base = ((ioa <= MAX_CYCLE) & (iob <= MAX_CYCLE) & (ratio <= C._PULSE_RATIO)
                & (ratio >= 1 / C._PULSE_RATIO))
        cons = (np.diff(ia) == 1) & (np.diff(ib) == 1)
        pulse = np.ones(ioa.size, bool)
        for ioi in (ioa, iob):
            rel = ioi / median_filter(ioi, size=C._RUNNING, mode="nearest")
            pulse &= (rel < 1.4) & (rel > 1 / 1.4)
        tot += [ea.size, eb.size, ia.size, (base & cons).sum(), (base & pulse).sum()]
    print(f"\nJazz-Jitter: keys events {tot[0]}, drums events {tot[1]}, paired {tot[2]}, "
          f"equations: library {tot[3]}, by the pulse {tot[4]}")


def part_autocorr(rows, lags=12):
    """Median autocorrelation of the leader's interval deviation (from its running median, as
    the library's equations) at lags 1..``lags``, one-way pairs, per recording block: a metrical
    pattern (e.g. every 4th beat longer) would show at lags 2, 4, 8 and could be removed before
    the split; a white deviation cannot be predicted."""
    print("\n| block | pairs | " + " | ".join(f"lag {k}" for k in range(1, lags + 1)) + " |")
    print("|---|---|" + "---|" * lags)
    for fold in sorted({r["fold"] for r in rows}):
        acs = []
        for r in rows:
            bp = r["bp"]
            if r["kind"] != "one-way" or r["fold"] != fold or bp.t.size < C.MIN_INTERVALS:
                continue
            d = bp.dev[0 if r["truth"] == "a" else 1]
            d = d - d.mean()
            acs.append([np.sum(d[:-k] * d[k:]) / np.sum(d * d) for k in range(1, lags + 1)])
        med = np.median(acs, axis=0)
        print(f"| {fold} | {len(acs)} | " + " | ".join(f"{x:+.2f}" for x in med) + " |")


def part_horizon(rows, horizons=(1, 2, 4, 8, 12)):
    """Why a longer horizon does not narrow the split: per true gain of the one-way pairs, the
    leader's and the follower's cumulative slope (:func:`lead_slopes.eq_horizon`) over k beats,
    their spread over the pairs and the follower's mean over the leader's spread."""
    print("\n| follower's alpha | k | leader: mean / sd | follower: mean / sd "
          "| follower mean / leader sd | F>L |")
    print("|---|---|---|---|---|---|")
    one = [r for r in rows if r["kind"] == "one-way" and r["bp"].t.size >= C.MIN_INTERVALS]
    for a in sorted({max(r["alpha_true"]) for r in one}):
        sel = [r for r in one if max(r["alpha_true"]) == a]
        for k in horizons:
            lead, foll = [], []
            for r in sel:
                xy, w = lead_slopes.eq_horizon(k)(r["bp"])
                sl = C._wls(xy[0], xy[1], w)
                i = (1, 2) if r["truth"] == "a" else (2, 1)
                lead.append(sl[i[0]])
                foll.append(sl[i[1]])
            lead, foll = np.array(lead), np.array(foll)
            print(f"| {a:g} | {k} | {lead.mean():+.3f} / {lead.std():.3f} | "
                  f"{foll.mean():+.3f} / {foll.std():.3f} | {foll.mean() / lead.std():.2f} | "
                  f"{np.mean(foll > lead):.3f} |", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--cache", type=Path, default=None, help="pairs' onsets (JSON), reused")
    ap.add_argument("--part", default="estimators,coverage,standard,pairing,order")
    ap.add_argument("--estimators", default="library 1.6.1 (Huber, bisquare 4)",
                    help="';'-separated estimator names for coverage, standard and order")
    ap.add_argument("--block", type=int, default=8)
    args = ap.parse_args(argv)
    rows = load(args.data, args.cache)
    parts = args.part.split(",")
    if "estimators" in parts:
        part_estimators(rows)
    if "coverage" in parts:
        for name in args.estimators.split(";"):
            print(f"\ncoverage of the 0.95 intervals, {name}")
            part_coverage(rows, ESTIMATORS[name])
    if "pairing" in parts:
        part_pairing(args.data)
    if "standard" in parts:
        part_standard(tuple(args.estimators.split(";")))
    if "order" in parts:
        part_order(rows, tuple(args.estimators.split(";")), block=args.block)
    if "autocorr" in parts:
        part_autocorr(rows)
    if "horizon" in parts:
        part_horizon(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

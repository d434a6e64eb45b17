"""Measure analysis.dialogue against real duets and trios.

Usage::

    .venv/bin/python bench/evaluate_dialogue.py [--data ../shared/evaldata] [--json OUT.json] [-v]

* **Jazz-Jitter duets** (Cheston, Cross & Harrison): a pianist and a drummer improvising over a
  network with an imposed delay (0-180 ms) and jitter; each player's quarter-note onsets as MIDI.
  The analyser gets onset times, pitches and velocities only; the imposed delay (read from the
  manifest) is used only to group and correlate the results. Reports, per delay condition, the
  measured asynchrony, phase locking, phase correction, cross-correlation lead lag and leader
  shares, and their Spearman correlation with the imposed delay over all performances.
* **Jazz Trio Database** manual onset annotations (piano, bass, drums): asynchrony per
  instrument pair (mean and spread of ``second - first``), median over excerpts.

Reads the data in place and never copies it.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from analysis.dialogue import PlayerEvents, analyze_dialogue  # noqa: E402
from analysis.dialogue.synchrony import analyze_synchrony  # noqa: E402

MEASURES = ["keys_alpha", "drums_alpha", "asynchrony_mean_ms", "asynchrony_abs_mean_ms",
            "asynchrony_sd_ms", "phase_locking",
            "keys_phase_correction", "drums_phase_correction", "lead_lag_s", "keys_leads_share",
            "drums_leads_share", "tempo_coupling_r", "n_pairs"]


def load_midi(path: Path) -> PlayerEvents:
    """Notes of a MIDI file: onsets/offsets [s] from the file's own timing, pitch, velocity."""
    import mido

    t = 0.0
    on: dict[tuple[int, int], list[tuple[float, int]]] = {}
    notes = []
    for msg in mido.MidiFile(str(path)):
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            on.setdefault((msg.channel, msg.note), []).append((t, msg.velocity))
        elif msg.type in ("note_off", "note_on"):
            stack = on.get((msg.channel, msg.note))
            if stack:
                s, v = stack.pop(0)
                notes.append((s, t, msg.note, v))
    for (_ch, note), stack in on.items():
        notes += [(s, t, note, v) for s, v in stack]
    a = np.array(sorted(notes), dtype=np.float64).reshape(-1, 4)
    return PlayerEvents(a[:, 0], a[:, 1], a[:, 2], a[:, 3])


def load_onsets(path: Path) -> np.ndarray:
    rows = [ln.split("\t")[0] for ln in path.read_text().splitlines()[1:] if ln.strip()]
    return np.sort(np.array([float(x) for x in rows]))


def condition(text: str) -> tuple[float, float]:
    lat = float(re.search(r"latency_ms=([\d.]+)", text).group(1))
    jit = float(re.search(r"jitter_scale=([\d.]+)", text).group(1))
    return lat, jit


def spearman(x, y) -> tuple[float, float, int]:
    from scipy.stats import spearmanr

    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 4:
        return float("nan"), float("nan"), int(ok.sum())
    r = spearmanr(x[ok], y[ok])
    return float(r.statistic), float(r.pvalue), int(ok.sum())


def fmt(x, nd=2) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def jazz_jitter(args, rows):
    """(manifest row, keys, drums) of each Jazz-Jitter duet whose onsets load; a file that
    does not load is reported and left out (per-item failures are isolated)."""
    for r in rows:
        if r["group"] != "jazz_jitter_duo":
            continue
        try:
            keys = load_midi(args.data / r["player_a_beats_or_onsets_file"])
            drums = load_midi(args.data / r["player_b_beats_or_onsets_file"])
        except Exception as e:
            print(f"{r['id']}: failed: {e}", file=sys.stderr)
            continue
        yield r, keys, drums


def jazz_jitter_folder(root: Path, skip_trials: set[int]):
    """(id, block, keys, drums) of every performance in a checkout's
    ``data/raw/midi_bpm_cleaning`` (``trial_N/block_M/Condition K - LAT JIT - Keys-glued.mid``)
    whose duo (trial) is not in ``skip_trials``; a file that does not load is reported and left
    out."""
    pat = re.compile(r"Condition (\d+) - .* - Keys-glued\.mid$")
    for keys_path in sorted(root.glob("trial_*/block_*/Condition * - Keys-glued.mid")):
        m = pat.search(keys_path.name)
        trial = int(keys_path.parent.parent.name.split("_")[1])
        block = int(keys_path.parent.name.split("_")[1])
        if m is None or trial in skip_trials:
            continue
        try:
            keys = load_midi(keys_path)
            drums = load_midi(keys_path.with_name(keys_path.name.replace("Keys", "Drums")))
        except Exception as e:
            print(f"{keys_path}: failed: {e}", file=sys.stderr)
            continue
        yield f"jj_t{trial}_b{block}_c{int(m[1]):02d}", block, keys, drums


def constructed(args, rows) -> int:
    """Constructed lead/follow pairs from the duets' real onsets, two-fold cross-validated
    (fold = recording block 1 or 2 of each duo); with ``--jj-dir``, from the duos the shared
    set does not hold, also scored at the library's own interval level (no tuning at all)."""
    from constructed_lead import LEVELS, build, cross_validate, metrics

    from analysis.dialogue.coupling import CI_LEVEL

    t0 = time.perf_counter()
    duets = []
    if args.jj_dir is not None and args.by_duo:
        for pid, _block, keys, drums in jazz_jitter_folder(args.jj_dir, set()):
            duo = pid.split("_")[1]
            duets.append({"id": pid, "fold": f"duo {duo[1:]}", "keys": keys, "drums": drums})
        print("every duo of the folder, each held out in turn (the level chosen on the others)")
    elif args.jj_dir is not None:
        shared = {int(m[1]) for r in rows if r["group"] == "jazz_jitter_duo"
                  for m in [re.search(r"duo=trial_(\d+)", r["condition"])] if m}
        for pid, block, keys, drums in jazz_jitter_folder(args.jj_dir, shared):
            duets.append({"id": pid, "fold": f"block {block}", "keys": keys, "drums": drums})
        print(f"held-out duos: the trials not in the shared set ({sorted(shared)} left out)")
    else:
        for r, keys, drums in jazz_jitter(args, rows):
            fold = re.search(r"block=(\d+)", r["condition"]).group(1)
            duets.append({"id": r["id"], "fold": f"block {fold}", "keys": keys, "drums": drums})
    res = build(duets)
    print(f"## Constructed lead/follow: {len(res)} pairs from {len(duets)} performances "
          f"({time.perf_counter() - t0:.0f} s)\n")
    cv = cross_validate(res)
    keys = list(next(iter(cv.values())))
    print("| measure | " + " | ".join(f"test {f}" for f in cv) + " |")
    print("|---" * (len(cv) + 1) + "|")
    for k in keys:
        print(f"| {k} | " + " | ".join(fmt(v[k], 3) for v in cv.values()) + " |")
    if args.jj_dir is not None and not args.by_duo:
        print(f"\nThe library as it ships (level {CI_LEVEL}), per block and all pairs:")
        for f in sorted({r["fold"] for r in res}):
            m = metrics([r for r in res if r["fold"] == f], CI_LEVEL)
            print(f, {k: round(v, 3) for k, v in m.items()})
        m = metrics(res, CI_LEVEL)
        print("all", {k: round(v, 3) for k, v in m.items()})
    print("\nAll pairs, per level (not cross-validated; for the choice of level):")
    for lv in LEVELS:
        m = metrics(res, lv)
        print(lv, {k: round(v, 3) for k, v in m.items()})
    if args.json:
        args.json.write_text(json.dumps({"constructed": res, "cv": cv}, indent=1, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--json", type=Path, default=None, help="write per-file results here")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--constructed", action="store_true",
                    help="only the constructed lead/follow pairs (bench/constructed_lead.py)")
    ap.add_argument("--jj-dir", type=Path, default=None,
                    help="--constructed from the Jazz-Jitter duos the shared set does not hold: "
                         "a checkout's data/raw/midi_bpm_cleaning folder")
    ap.add_argument("--by-duo", action="store_true",
                    help="with --jj-dir: every duo of the folder, shared ones too, "
                         "cross-validated leave-one-duo-out")
    args = ap.parse_args(argv)
    rows = list(csv.DictReader(open(args.data / "interplay_manifest.csv", newline="")))
    if args.constructed:
        return constructed(args, rows)
    t0 = time.perf_counter()
    duets = []
    for r, keys, drums in jazz_jitter(args, rows):
        try:
            dur = float(max(keys.onsets.max(), drums.onsets.max())) + 1.0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                d = analyze_dialogue(keys, drums, duration=dur, names=("keys", "drums"))
        except Exception as e:  # isolate per-item failures
            print(f"{r['id']}: failed: {e}", file=sys.stderr)
            continue
        lat, jit = condition(r["condition"])
        res = {"id": r["id"], "latency_ms": lat, "jitter": jit,
               **{m: d.summary.get(m) for m in MEASURES},
               "leader": d.summary["leader"], "timing_leader": d.summary["timing_leader"]}
        duets.append(res)
        if args.verbose:
            print(r["id"], lat, jit,
                  {m: fmt(res[m] if res[m] is not None else np.nan) for m in MEASURES})

    def col(m, sel=None):
        return np.array([np.nan if x[m] is None else x[m] for x in (sel or duets)], float)

    print(f"## Jazz-Jitter duets: {len(duets)} performances ({time.perf_counter() - t0:.0f} s)\n")
    lats = sorted({x["latency_ms"] for x in duets})
    shown = ["asynchrony_mean_ms", "asynchrony_abs_mean_ms", "asynchrony_sd_ms", "phase_locking",
             "keys_phase_correction", "drums_phase_correction", "lead_lag_s", "keys_leads_share",
             "drums_leads_share", "keys_alpha", "drums_alpha"]
    print("| delay ms | n | " + " | ".join(shown) + " |")
    print("|---" * (len(shown) + 2) + "|")
    for lat in lats:
        sel = [x for x in duets if x["latency_ms"] == lat]
        cells = [fmt(np.nanmedian(col(m, sel)),
                     3 if "share" in m or m in ("phase_locking", "lead_lag_s")
                     or "correction" in m else 1) for m in shown]
        print(f"| {lat:g} | {len(sel)} | " + " | ".join(cells) + " |")
    print("\n(median over performances per delay condition)\n")
    print("| measure | Spearman rho vs delay | p | n |")
    print("|---|---|---|---|")
    corr = {}
    for m in shown + ["tempo_coupling_r"]:
        rho, p, n = spearman(col("latency_ms"), col(m))
        corr[m] = {"rho": rho, "p": p, "n": n}
        print(f"| {m} | {fmt(rho)} | {fmt(p, 3)} | {n} |")

    for k in ("leader", "timing_leader"):
        vals = [x[k] for x in duets]
        print(f"\n{k}: " + ", ".join(f"{v} {vals.count(v)}" for v in sorted(set(vals))))

    print("\n## Jazz Trio Database: asynchrony between instruments (manual onsets)\n")
    trio = []
    pairs = [("piano", "bass"), ("piano", "drums"), ("bass", "drums")]
    for r in rows:
        if r["group"] != "jtd_trio_manual_annotations":
            continue
        files = {r["player_a"]: r["player_a_beats_or_onsets_file"],
                 r["player_b"]: r["player_b_beats_or_onsets_file"],
                 r["player_c"]: r["player_c_onsets_file"]}
        on = {k: load_onsets(args.data / v) for k, v in files.items()}
        dur = max(float(x.max()) for x in on.values() if x.size) + 1.0
        res = {"id": r["id"]}
        for x, y in pairs:
            s = analyze_synchrony(PlayerEvents(on[x]), PlayerEvents(on[y]), duration=dur,
                                  names=(x, y), tempo=False, tolerance=0.1).summary
            res[f"{x}-{y}"] = {k: s[k] for k in ("asynchrony_mean_ms", "asynchrony_sd_ms",
                                                 "n_pairs", "phase_locking")}
        trio.append(res)
    print("| pair (b - a) | excerpts | median of mean async ms | IQR | median sd ms "
          "| median pairs |")
    print("|---|---|---|---|---|---|")
    for x, y in pairs:
        k = f"{x}-{y}"
        m = np.array([t[k]["asynchrony_mean_ms"] for t in trio
                      if t[k]["asynchrony_mean_ms"] is not None])
        sd = np.array([t[k]["asynchrony_sd_ms"] for t in trio
                       if t[k]["asynchrony_sd_ms"] is not None])
        n = np.array([t[k]["n_pairs"] for t in trio])
        q1, q3 = np.percentile(m, [25, 75]) if m.size else (np.nan, np.nan)
        print(f"| {y} - {x} | {m.size} | {fmt(np.median(m), 1)} | {fmt(q1, 1)} .. {fmt(q3, 1)} | "
              f"{fmt(np.median(sd), 1)} | {fmt(np.median(n), 0)} |")
    if args.json:
        args.json.write_text(json.dumps({"duets": duets, "duet_correlations": corr, "trio": trio},
                                        indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The pulse label's levers on held-out recordings, MIDI and audio, with a second block of drum
performances that no choice was made on (issue 17, session 18).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/label_levers.py --asap /tmp/heldout/asap \\
        --groove /tmp/heldout/gmd/groove [--cache /tmp/heldout/labels] [--levers base,anchor]

Recordings (none from the shared set): one annotated performance per ASAP piece (223; MIDI and
its FluidSynth rendering) and 240 Groove MIDI "beat" performances of 20 s or more, dealt by
the SHA-1 of their path (``bench/evaluate_heldout.py``). Block A is the first 120, on which
1.13.0's audio constants were chosen (``bench/audio_metre_cv.py``); block B is the next 120,
rendered for this bench and never tuned on. The grooves' hi-hat edge strokes, which a GM kit
does not play, are rendered as GM hi-hats (``evaluate.TD11_TO_GM``, since session 21). Each
recording runs through the shipped analyser (:func:`analysis.analyze_midi`,
:func:`analysis.analyze_audio`) with the label's share and regularity conditions off, so that
any (``CLEAR_SHARE``, ``REGULAR_SHARE``) is applied afterwards from the summary's
``pulsed_share`` and ``beat_regularity``.

The levers (each one full pass, cached):

``base``
    the shipped analysis;
``anchor``
    the tempo path drawn to the session's metrical level (:data:`analysis.tempo.ANCHOR` 4),
    with "clear" withheld where the windows' own reading agrees with it in under 60 % of them
    (:data:`analysis.beats.AGREE_SHARE`);
``tie43``
    the pulse-train tie-break (Percival & Tzanetakis 2014) also between levels in a 4:3
    relation (:data:`analysis.level_choice.RELATED_RATIOS`), the dotted-eighth cross-rhythm of a
    sixteenth-note groove;
``flat``
    every peak of percussive audio's tempo envelope the same height
    (:data:`analysis.audio_pulse.PERCUSSIVE_HEIGHTS` ``"flat"``; session 21);
``fold43``
    a percussive recording's windows 4:3 or 3:4 from its level moved onto it
    (:data:`analysis.audio_pulse.PERCUSSIVE_CROSS_FOLD`; session 21); ``fold43up`` only the windows
    4:3 faster (the dotted-eighth grouping of sixteenths over a level that counts four);
    ``fold43up+cross0.45``, ``fold43up+cross0.4`` with the ``cross`` bound below as well
    (session 22);
``cross0.5``, ``cross0.45``, ``cross0.4``, ``cross0.35``, ``cross0.3``
    no "clear" where the runner-up level in a 3:2 relation has at least this share
    (:data:`analysis.beats.CROSS_SHARE`, 1.0 = off since 1.7);
``pcross0.45``, ``pcross0.4`` (also with ``fold43up+``)
    the same bound for percussive audio only, where no cue chooses the level
    (:data:`analysis.audio_pulse.PERCUSSIVE_CROSS_SHARE`; session 23);
``notiespread``
    the pulse-train tie-break at the two grid tempi only, as before 1.16.0
    (:data:`analysis.level_choice.TIE_SPREAD` 0; session 23);
``tievar``
    the tie-break's window score is the maximum plus the variance over phases, Percival &
    Tzanetakis's own score (:data:`analysis.level_choice.TIE_VARIANCE`; session 24, after every
    block had been seen);
``noslowtie`` (also with ``fold43up+``)
    percussive audio's tie-break never moves the level to the slower of a 3:2 or 3:1 pair
    (:data:`analysis.audio_pulse.PERCUSSIVE_SLOWER_TIE` False; session 24).

With ``--blocks 3`` a third block of 120 grooves (C) is analysed as well: the grooves after
block B, first analysed in session 23, after the levers above were chosen. ``--block-d`` adds
block D, every other "beat" groove of 10 s or more outside the shared set and blocks A-C (50:
the 12 of 20 s or more left over and 38 of 10-20 s), first analysed in session 24 after
``noslowtie`` was chosen.

Printed: per set and lever, Acc1 / Acc2, "clear" and its precision (Acc2 where "clear") at
the shipped share and regularity, and the mean tempo stability; the two-fold
cross-validation of each lever against ``base`` on block A and the piano (by Acc2 + 0.1 Acc1
for the tempo levers, by the label objective right "clear" minus 19 per wrong one for the
label levers), tested on the other fold and on block B; and the label's frontier: "clear" and
its precision over a grid of share and regularity bounds, cross-validated the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import pickle
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
from analysis import audio_pulse as aaudio_pulse  # noqa: E402
from analysis import beats as abeats  # noqa: E402
from analysis import level_choice as alevel  # noqa: E402
from analysis import metre as ametre  # noqa: E402
from analysis import tempo as atempo  # noqa: E402

LEVERS = {
    "base": {},
    "anchor": {"anchor": 4.0},
    "tie43": {"related": (0.75, 4.0 / 3.0)},
    "cross0.5": {"cross_share": 0.5},
    "cross0.45": {"cross_share": 0.45},
    "cross0.4": {"cross_share": 0.4},
    "cross0.35": {"cross_share": 0.35},
    "cross0.3": {"cross_share": 0.3},
    "regions": {"regions": True},
    "flat": {"heights": "flat"},
    "fold43": {"cross_fold": (0.75, 4.0 / 3.0)},
    "fold43up": {"cross_fold": (4.0 / 3.0,)},
    "fold43up+cross0.45": {"cross_fold": (4.0 / 3.0,), "cross_share": 0.45},
    "fold43up+cross0.4": {"cross_fold": (4.0 / 3.0,), "cross_share": 0.4},
    "notiespread": {"tie_spread": 0.0},
    "pcross0.45": {"perc_cross_share": 0.45},
    "pcross0.4": {"perc_cross_share": 0.4},
    "fold43up+pcross0.45": {"cross_fold": (4.0 / 3.0,), "perc_cross_share": 0.45},
    "fold43up+pcross0.4": {"cross_fold": (4.0 / 3.0,), "perc_cross_share": 0.4},
    "tievar": {"tie_variance": True},
    "noslowtie": {"perc_slower_tie": False},
    "fold43up+noslowtie": {"cross_fold": (4.0 / 3.0,), "perc_slower_tie": False},
}
#: lever settings that reach only the audio analysis: such a lever's MIDI rows are base's
AUDIO_ONLY = {"regions", "heights", "cross_fold", "perc_cross_share", "perc_slower_tie"}
#: levers judged by the tempo (Acc2 + 0.1 Acc1) or by the label objective
TEMPO_LEVERS = ("anchor", "tie43", "regions", "flat", "notiespread", "tievar")
#: the shipped tie-break spread (the levers' default)
SHIPPED_TIE_SPREAD = alevel.TIE_SPREAD
SHARES = (0.5, 0.6, 0.7, 0.8, 0.9)
REGULAR = (0.5, 0.6, 0.7, 0.8, 0.9)
WRONG_CLEAR_COST = 19.0
#: sets whose recordings the cross-validation trains on (block B is only ever tested)
TRAIN = ("MIDI piano", "MIDI drums A", "audio piano", "audio drums A")


def _set_lever(lever: dict) -> None:
    """Apply one lever in this process. The label's share and regularity bounds are turned off
    (they are applied afterwards); the functions that take them as keyword defaults get new
    defaults, since their callers inside the analyser pass none."""
    atempo.ANCHOR = lever.get("anchor", 0.0)
    alevel.TIE_SPREAD = lever.get("tie_spread", SHIPPED_TIE_SPREAD)
    alevel.TIE_VARIANCE = lever.get("tie_variance", False)
    aaudio_pulse.PERCUSSIVE_REGIONS = lever.get("regions", False)
    aaudio_pulse.PERCUSSIVE_HEIGHTS = lever.get("heights", "log")
    aaudio_pulse.PERCUSSIVE_CROSS_FOLD = lever.get("cross_fold", ())
    aaudio_pulse.PERCUSSIVE_CROSS_SHARE = lever.get("perc_cross_share")
    aaudio_pulse.PERCUSSIVE_SLOWER_TIE = lever.get("perc_slower_tie", True)
    base = tuple(r for r in alevel.RELATED_RATIOS if r not in (0.75, 4.0 / 3.0))
    alevel.RELATED_RATIOS = base + tuple(lever.get("related", ()))
    for mod in (abeats, ametre):
        for f in vars(mod).values():
            kd = getattr(f, "__kwdefaults__", None)
            if not kd:
                continue
            for k in ("clear_share", "regular_share"):
                if kd.get(k) is not None:
                    kd[k] = 0.0
            if "cross_share" in kd:
                kd["cross_share"] = lever.get("cross_share", 1.0)


def _row(it: dict, res) -> dict:
    s = res.summary
    a1, a2 = evaluate.acc(eh.reported_tempo(s), it["ref"])
    return {"set": it["set"], "name": it["name"], "a1": a1, "a2": a2, "pulse": s["pulse"],
            "share": s["pulsed_share"], "reg": s["beat_regularity"],
            "stab": s["tempo_stability"]}


def _one(job: tuple[dict, dict]) -> dict:
    it, lever = job
    warnings.simplefilter("ignore")
    _set_lever(lever)
    if "wav" in it:
        y, sr = evaluate.load_audio(Path(it["wav"]))
        return _row(it, analysis.analyze_audio(y, sr=sr, duration=y.size / sr))
    nt, dur = evaluate.load_notes(Path(it["path"]))
    return _row(it, analysis.analyze_midi(nt, duration=dur))


def items(args) -> list[dict]:
    pieces, grooves = eh.shared_sources(args.shared)
    out = []
    for it in eh.asap_items(args.asap, pieces):
        out.append({"set": "MIDI piano", "name": it["name"], "ref": it["ref"],
                    "path": str(it["path"])})
        out.append({"set": "audio piano", "name": it["name"], "ref": it["ref"],
                    "wav": str(evaluate.render(it["path"], args.render_dir))})
    gs = eh.groove_items(args.groove, grooves, n=args.blocks * args.block, min_seconds=20.0)
    blocks = ["ABCDEFGH"[k // args.block] for k in range(len(gs))]
    if args.block_d:
        taken = {g["name"] for g in eh.groove_items(args.groove, grooves, n=3 * args.block,
                                                    min_seconds=20.0)}
        rest = [g for g in eh.groove_items(args.groove, grooves, n=10 ** 6, min_seconds=10.0)
                if g["name"] not in taken]
        gs, blocks = gs + rest, blocks + ["D"] * len(rest)
    for g, block in zip(gs, blocks, strict=True):
        out.append({"set": f"MIDI drums {block}", "name": g["name"], "ref": g["ref"],
                    "path": str(g["path"])})
        out.append({"set": f"audio drums {block}", "name": g["name"], "ref": g["ref"],
                    "wav": str(evaluate.render(g["path"], args.render_dir))})
    return out


def compute(its: list[dict], name: str, cache: Path, jobs: int) -> list[dict]:
    tag = hashlib.sha1("\n".join([analysis.ANALYSIS_VERSION, name]
                                 + [it.get("wav", it.get("path")) for it in its]).encode())
    path = cache / f"labels_{name}_{tag.hexdigest()[:10]}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    with ProcessPoolExecutor(jobs) as ex:
        rows = list(ex.map(_one, [(it, LEVERS[name]) for it in its], chunksize=4))
    path.write_bytes(pickle.dumps(rows))
    return rows


def fold(name: str) -> int:
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 2


def is_clear(r: dict, share: float = abeats.CLEAR_SHARE,
             regular: float = abeats.REGULAR_SHARE) -> bool:
    reg = np.nan if r["reg"] is None else r["reg"]
    return r["pulse"] == "clear" and r["share"] >= share and not reg < regular


def clear_stats(rows: list[dict], share: float = abeats.CLEAR_SHARE,
                regular: float = abeats.REGULAR_SHARE) -> tuple[int, int]:
    """(how many "clear", how many of them wrong at every metrical level)."""
    c = [r for r in rows if is_clear(r, share, regular)]
    return len(c), sum(not r["a2"] for r in c)


def tempo_obj(rows: list[dict]) -> float:
    return float(sum(r["a2"] + 0.1 * r["a1"] for r in rows))


def label_obj(rows: list[dict], share: float = abeats.CLEAR_SHARE,
              regular: float = abeats.REGULAR_SHARE) -> float:
    n, wrong = clear_stats(rows, share, regular)
    return (n - wrong) - WRONG_CLEAR_COST * wrong


def _fmt(rows: list[dict], **kw) -> str:
    n, wrong = clear_stats(rows, **kw)
    prec = (n - wrong) / n if n else float("nan")
    return f"{n:3d} ({n / max(len(rows), 1):4.0%}) at {prec:.3f}"


def report(res: dict[str, list[dict]]) -> None:
    sets = list(dict.fromkeys(r["set"] for r in res["base"]))
    print("per set and lever, at the shipped share and regularity bounds:")
    for s in sets:
        print(s)
        for name, rows in res.items():
            rs = [r for r in rows if r["set"] == s]
            stab = np.nanmean([np.nan if r["stab"] is None else r["stab"] for r in rs])
            print(f"  {name:10s} Acc1 {np.mean([r['a1'] for r in rs]):.3f}  Acc2 "
                  f"{np.mean([r['a2'] for r in rs]):.3f}  clear {_fmt(rs)}  stability {stab:.2f}")
    print("\neach lever against base, two-fold (trained on the other fold of "
          + ", ".join(TRAIN) + "):")
    for name in res:
        if name == "base":
            continue
        obj = tempo_obj if name in TEMPO_LEVERS else label_obj
        picks = {}
        for k in (0, 1):
            scores = {n: obj([r for r in res[n] if r["set"] in TRAIN and fold(r["name"]) != k])
                      for n in ("base", name)}
            picks[k] = name if scores[name] > scores["base"] else "base"
            print(f"  {name}: fold {k} training objective base {scores['base']:.1f}, "
                  f"{name} {scores[name]:.1f} -> {picks[k]}")
    label_levers = [n for n in res if n not in TEMPO_LEVERS]
    if len(label_levers) > 2:
        print("\none choice among the label levers run (" + ", ".join(label_levers)
              + "), two-fold by the label objective:")
        pick = {}
        for k in (0, 1):
            scores = {n: label_obj([r for r in res[n] if r["set"] in TRAIN
                                    and fold(r["name"]) != k]) for n in label_levers}
            pick[k] = max(label_levers, key=lambda n: (scores[n], n == "base"))
            print(f"  fold {k}: " + ", ".join(f"{n} {v:.0f}" for n, v in scores.items())
                  + f" -> {pick[k]}")
        print("  pooled test folds (block B under each fold's choice as well):")
        for s in sets:
            n = wrong = 0
            for k in (0, 1):
                a, b = clear_stats([r for r in res[pick[k]]
                                    if r["set"] == s and fold(r["name"]) == k])
                n, wrong = n + a, wrong + b
            total = sum(r["set"] == s for r in res["base"])
            print(f"    {s:14s} clear {n:3d} ({n / total:.0%}) at "
                  f"{(n - wrong) / max(n, 1):.3f}   base: "
                  f"{_fmt([r for r in res['base'] if r['set'] == s])}")
    print("\nthe label's frontier (base): clear (share of the set) at precision")
    for s in sets:
        rs = [r for r in res["base"] if r["set"] == s]
        print(s)
        print("  share \\ regularity" + "".join(f"{x:>21}" for x in REGULAR))
        for sh in SHARES:
            print(f"  {sh:<19}" + "".join(f"{_fmt(rs, share=sh, regular=x):>21}"
                                          for x in REGULAR))
    grid = list(itertools.product(SHARES, REGULAR))
    choice = {}
    for k in (0, 1):
        train = [r for r in res["base"] if r["set"] in TRAIN and fold(r["name"]) != k]
        choice[k] = max(grid, key=lambda p: label_obj(train, *p))
        print(f"fold {k}: the label objective on the other fold chose share, regularity "
              f"{choice[k]}")
    print("pooled test folds (block B under each fold's choice as well):")
    for s in sets:
        rs = [r for r in res["base"] if r["set"] == s]
        n = wrong = 0
        for k in (0, 1):
            a, b = clear_stats([r for r in rs if fold(r["name"]) == k], *choice[k])
            n, wrong = n + a, wrong + b
        print(f"  {s:14s} clear {n:3d} ({n / len(rs):.0%}) at {(n - wrong) / max(n, 1):.3f}"
              f"   shipped: {_fmt(rs)}")


def add_set_args(ap: argparse.ArgumentParser) -> None:
    """The held-out recordings' options (``--asap``, ``--groove``, ``--shared``, ``--block``,
    ``--render-dir``, ``--whole-file-renders``), shared with ``bench/heard_level.py``."""
    ap.add_argument("--asap", type=Path, required=True)
    ap.add_argument("--groove", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--block", type=int, default=120, help="drum performances per block")
    ap.add_argument("--blocks", type=int, default=2, choices=range(1, 9),
                    help="how many drum blocks (A, B, then C, ...: 3 takes the 120 grooves "
                         "after block B, first measured in session 23)")
    ap.add_argument("--block-d", action="store_true",
                    help="also block D: every other groove of 10 s or more outside blocks "
                         "A-C (the 12 of 20 s or more left, and those of 10-20 s), first "
                         "measured in session 24 after its lever was chosen")
    ap.add_argument("--render-dir", type=Path, default=Path("/tmp/heldout/render"))
    ap.add_argument("--whole-file-renders", action="store_true",
                    help="render each file to its end, not to its last sounding message "
                         "(as before session 22: some grooves ran on for minutes of silence)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_args(ap)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/heldout/labels"))
    ap.add_argument("--levers", default=",".join(LEVERS),
                    help="comma-separated, of: " + ", ".join(LEVERS))
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    names = [n for n in args.levers.split(",") if n]
    unknown = sorted(set(names) - set(LEVERS))
    if unknown:
        ap.error(f"unknown lever {unknown[0]!r}: choose from {', '.join(LEVERS)}")
    if "base" not in names:
        names.insert(0, "base")
    warnings.simplefilter("ignore")
    args.cache.mkdir(parents=True, exist_ok=True)
    args.render_dir.mkdir(parents=True, exist_ok=True)
    evaluate.TRIM_TO_NOTES = not args.whole_file_renders
    its = items(args)
    res = {"base": compute(its, "base", args.cache, args.jobs)}
    for n in names:
        if n == "base":
            continue
        if set(LEVERS[n]) <= AUDIO_ONLY:  # the MIDI rows are base's
            audio = iter(compute([it for it in its if "wav" in it], n, args.cache, args.jobs))
            res[n] = [next(audio) if "wav" in it else row
                      for it, row in zip(its, res["base"], strict=True)]
        else:
            res[n] = compute(its, n, args.cache, args.jobs)
    report(res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

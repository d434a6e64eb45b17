"""Audio that hears the player's MIDI, reported at the MIDI's metrical level (analysis.heard):
measured on held-out recordings rendered from their MIDI.

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/heard_level.py --asap /tmp/heldout/asap \\
        --groove /tmp/heldout/gmd/groove [--render-dir /tmp/heldout/render] [-j 2]

Recordings (none from the shared set): one annotated performance per ASAP piece (223) and the
240 Groove MIDI "beat" performances of 20 s or more of ``bench/label_levers.py``, each as its
MIDI and its FluidSynth rendering: a player recorded from a MIDI instrument and through a
microphone at once. Each pair goes through the shipped analyser as a session would: the MIDI
(:func:`analysis.analyze_midi`) over the rendering's length, then the rendering on its own
(:func:`analysis.analyze_audio`) and with the MIDI's notes and tempo
(``heard=HeardNotes(...)``).

Three rules for the audio's level are compared: its own, the MIDI's whatever the MIDI's label
("always", the MIDI's tentative tempo too), and the shipped one (the MIDI's only where its
pulse is clear, :meth:`analysis.HeardNotes.from_midi`). Printed, per set: Acc1 / Acc2 of the
MIDI and of the audio under each rule; how often the audio's reading agrees with its MIDI's
(within 4 %, the first table a therapist reads showing one tempo for one performance); how
often the MIDI's level was taken, and how often that made the audio right or wrong at Acc2;
"clear" and its precision; the choice of the rule by two-fold cross-validation; and the
guard: how far beyond chance the onsets of each rendering fall on its own MIDI's notes and on
another recording's MIDI of the same set (:func:`analysis.heard.heard_agreement`; the latter
must stay under :data:`analysis.heard.HEARD_AGREEMENT`, so that audio hearing other playing
keeps its own level).
"""

from __future__ import annotations

import argparse
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
import label_levers as ll  # noqa: E402

import analysis  # noqa: E402
from analysis import heard as aheard  # noqa: E402


def items(args) -> list[dict]:
    pieces, grooves = eh.shared_sources(args.shared)
    out = [{"set": "piano", "name": it["name"], "ref": it["ref"], "path": str(it["path"])}
           for it in eh.asap_items(args.asap, pieces)]
    out += [{"set": "drums", "name": g["name"], "ref": g["ref"], "path": str(g["path"])}
            for g in eh.groove_items(args.groove, grooves, n=args.blocks * args.block,
                                     min_seconds=20.0)]
    for it in out:
        it["wav"] = str(evaluate.render(Path(it["path"]), args.render_dir))
    # the control: each rendering beside the next recording's MIDI of its set
    for s in ("piano", "drums"):
        its = [it for it in out if it["set"] == s]
        for a, b in zip(its, its[1:] + its[:1], strict=True):
            a["other"] = b["path"]
    return out


def _row(it: dict) -> dict:
    warnings.simplefilter("ignore")
    y, sr = evaluate.load_audio(Path(it["wav"]))
    dur = y.size / sr
    nt, _ = evaluate.load_notes(Path(it["path"]))
    other, _ = evaluate.load_notes(Path(it["other"]))
    midi = analysis.analyze_midi(nt, duration=dur)
    m = midi.summary
    t_midi = eh.reported_tempo(m)
    own = analysis.analyze_audio(y, sr=sr, duration=dur)
    if t_midi > 0:
        with_midi = analysis.analyze_audio(
            y, sr=sr, duration=dur, heard=analysis.HeardNotes(onsets=nt.start, tempo_bpm=t_midi))
    else:
        with_midi = own
    row = {"set": it["set"], "name": it["name"], "ref": it["ref"], "t_midi": t_midi,
           "share": aheard.heard_agreement(own.onsets, nt.start),
           "share_other": aheard.heard_agreement(own.onsets, other.start),
           "from_midi": with_midi.summary["tempo_level_from"] == "midi"}
    for k, s in (("midi", m), ("own", own.summary), ("heard", with_midi.summary)):
        t = eh.reported_tempo(s)
        row[k] = {"t": t, "acc": evaluate.acc(t, it["ref"]), "pulse": s["pulse"]}
    return row


def _agree(a: float, b: float) -> bool:
    return a > 0 and b > 0 and abs(a / b - 1.0) <= 0.04


#: Which audio result each rule reports: its own, the one with the MIDI's level whatever the
#: MIDI's label ("always", the MIDI's tentative tempo too), or the shipped rule (only where the
#: MIDI's pulse is clear: :meth:`analysis.HeardNotes.from_midi` gives the same notes and tempo
#: there, and nothing elsewhere, so its result is "always"'s there and "own"'s elsewhere).
RULES = {
    "own": lambda r: r["own"],
    "always": lambda r: r["heard"],
    "shipped: MIDI clear": lambda r: r["heard"] if r["midi"]["pulse"] == "clear" else r["own"],
}
WRONG_CLEAR_COST = ll.WRONG_CLEAR_COST
_fold = ll.fold


def _tempo_obj(rows: list[dict], rule) -> float:
    return float(sum(rule(r)["acc"][1] + 0.1 * rule(r)["acc"][0] for r in rows))


def _label_obj(rows: list[dict], rule) -> float:
    clear = [rule(r) for r in rows if rule(r)["pulse"] == "clear"]
    wrong = sum(not x["acc"][1] for x in clear)
    return (len(clear) - wrong) - WRONG_CLEAR_COST * wrong


def _line(what: str, got: list[dict], midi: list[dict] | None) -> str:
    a1 = np.mean([x["acc"][0] for x in got])
    a2 = np.mean([x["acc"][1] for x in got])
    clear = [x for x in got if x["pulse"] == "clear"]
    prec = np.mean([x["acc"][1] for x in clear]) if clear else float("nan")
    line = f"  {what:28s} Acc1 {a1:.3f}  Acc2 {a2:.3f}  clear {len(clear):3d} at {prec:.3f}"
    if midi is not None:
        agree = [_agree(x["t"], m["t"]) for x, m in zip(got, midi, strict=True)]
        on_clear = [a for a, m in zip(agree, midi, strict=True) if m["pulse"] == "clear"]
        line += (f"  within 4 % of the MIDI's tempo {np.mean(agree):.3f}, where the MIDI is "
                 f"clear {np.mean(on_clear):.3f}")
    return line


def report(rows: list[dict]) -> None:
    for s in ("piano", "drums"):
        rs = [r for r in rows if r["set"] == s]
        if not rs:
            continue
        print(f"{s} ({len(rs)} recordings, MIDI and its rendering)")
        print(_line("MIDI", [r["midi"] for r in rs], None))
        for name, rule in RULES.items():
            print(_line(f"audio, {name}", [rule(r) for r in rs], [r["midi"] for r in rs]))
        for name, rule in list(RULES.items())[1:]:
            moved = [r for r in rs if r["from_midi"] and rule(r) is r["heard"]]
            fixed = sum(r["heard"]["acc"][1] and not r["own"]["acc"][1] for r in moved)
            broke = sum(r["own"]["acc"][1] and not r["heard"]["acc"][1] for r in moved)
            print(f"  {name}: the MIDI's level taken in {len(moved)} ({len(moved) / len(rs):.0%});"
                  f" right at Acc2 only with it {fixed}, wrong only with it {broke}")
        sh = np.array([r["share"] for r in rs])
        so = np.array([r["share_other"] for r in rs])
        lim = aheard.HEARD_AGREEMENT
        print(f"  onsets on the notes beyond chance (kappa), own MIDI: median {np.median(sh):.2f},"
              f" 5th percentile {np.percentile(sh, 5):.2f}, under {lim}: {int(np.sum(sh < lim))}")
        print(f"  the same with another recording's MIDI: median {np.median(so):.2f}, 95th "
              f"percentile {np.percentile(so, 95):.2f}, at {lim} or more: {int(np.sum(so >= lim))}")
    print("\nthe rule, two-fold (folds by the SHA-1 of the name, both sets; ties keep 'own'):")
    for oname, obj in (("tempo (Acc2 + 0.1 Acc1)", _tempo_obj),
                       (f"label (right clear - {WRONG_CLEAR_COST:.0f} x wrong)", _label_obj)):
        picks = {}
        for k in (0, 1):
            train = [r for r in rows if _fold(r["name"]) != k]
            sc = {n: obj(train, rule) for n, rule in RULES.items()}
            picks[k] = max(sc, key=lambda n: (sc[n], n == "own"))
            print(f"  {oname}, fold {k}: " + ", ".join(f"{n} {v:.1f}" for n, v in sc.items())
                  + f" -> {picks[k]}")
        for s in ("piano", "drums"):
            got = [RULES[picks[_fold(r["name"])]](r) for r in rows if r["set"] == s]
            print("  pooled test folds, " + _line(s, got, None).strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ll.add_set_args(ap)
    ap.add_argument("--limit", type=int, default=0, help="only the first N of each set")
    ap.add_argument("--json", type=Path, help="also write every recording's row here")
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    if args.block_d:
        ap.error("--block-d is measured by bench/label_levers.py only; leave it out here")
    warnings.simplefilter("ignore")
    args.render_dir.mkdir(parents=True, exist_ok=True)
    evaluate.TRIM_TO_NOTES = not args.whole_file_renders
    its = items(args)
    if args.limit:
        its = [it for s in ("piano", "drums") for it in
               [x for x in its if x["set"] == s][: args.limit]]
    with ProcessPoolExecutor(args.jobs) as ex:
        rows = list(ex.map(_row, its, chunksize=2))
    report(rows)
    if args.json:
        import json

        args.json.write_text(json.dumps(rows, default=float, indent=0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Tempo, beats and the pulse label on recordings outside the shared evaluation set.

Usage::

    git -C /work/.mirror/fosfrancesco+asap-dataset/repo archive HEAD | tar -x -C /tmp/heldout/asap
    git -C /work/.mirror/zharry29+drums-with-llm/repo archive HEAD groove \\
        | tar -x -C /tmp/heldout/gmd
    PYTHONPATH=$PWD .venv/bin/python bench/evaluate_heldout.py \\
        --asap /tmp/heldout/asap --groove /tmp/heldout/gmd/groove [--shared ../shared/evaldata] [-v]

The shared set (``../shared/evaldata``) has been looked at for many rounds of tuning, so its
figures flatter the analysis even when cross-validated. This script measures the shipped
analysis, unchanged, on the same *kinds* of recordings from the same public datasets, leaving
out every piece the shared set holds (a second performance of a piece we tuned on is not
unseen music):

* ASAP (Foscarin et al. 2020): one human piano performance per remaining piece, the first by
  file name, with its annotated beats;
* Groove MIDI (Gillick et al. 2019): the "beat" grooves of at least ``--min-seconds`` that the
  shared set does not hold, dealt by the SHA-1 of their path, at most ``--groove-n``. Their
  tempo is the click they were played to; it is read from the file name for the reference
  only, never handed to the analysis.

The analyser gets note times, pitches and velocities only. Reported as ``bench/evaluate.py``
does: Acc1 / Acc2 (MIREX, 4 %), the piano tempo-curve error (strict and after one per-file
factor), beat F-measure (``mir_eval``, 70 ms, first 5 s trimmed, ASAP only), and how often the
pulse label is "clear" and right there. Baseline: librosa's ``beat_track`` on a velocity onset
envelope (its tempo and beats). ``--render N`` also renders N of the pieces with FluidSynth and
measures the audio analysis against librosa's ``beat_track`` on the same audio;
``--render-grooves`` does the same for every groove (with ``--groove-n 360``, blocks A-C of
``bench/label_levers.py``). The datasets
are read where they are, never copied into the project.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import evaluate  # noqa: E402

import analysis  # noqa: E402

GROOVE_NAME = re.compile(r"^\d+_(?P<style>[^_]+)_(?P<bpm>\d+)_(?P<kind>beat|fill)_")


def shared_sources(shared: Path) -> tuple[set[str], set[str]]:
    """The ASAP pieces (folders) and Groove files the shared set holds, from its manifest."""
    pieces, grooves = set(), set()
    with open(shared / "manifest.csv") as fh:
        for row in csv.DictReader(fh):
            src = row["source"]
            if ":" not in src:
                continue
            path = src.split(":", 1)[1]
            if "asap-dataset" in src:
                pieces.add(str(Path(path).parent))
            elif "drums-with-llm" in src:
                grooves.add(path)
    return pieces, grooves


def asap_items(root: Path, skip_pieces: set[str], *, every: bool = False) -> list[dict]:
    """One annotated performance per ASAP piece outside the shared set (the first by name), or
    with ``every`` all of them (``name`` stays the piece, so folds keep a piece together)."""
    by_piece: dict[str, list[Path]] = {}
    for ann in sorted(root.rglob("*_annotations.txt")):
        if ann.name == "midi_score_annotations.txt":
            continue
        mid = ann.with_name(ann.name[: -len("_annotations.txt")] + ".mid")
        piece = str(ann.parent.relative_to(root))
        if mid.exists() and piece not in skip_pieces:
            by_piece.setdefault(piece, []).append(mid)
    items = []
    for piece, mids in sorted(by_piece.items()):
        for mid in mids if every else mids[:1]:
            ann = mid.with_name(mid.stem + "_annotations.txt")
            beats = evaluate.read_tsv_times(ann)
            if beats.size < 8:
                continue
            items.append({"name": piece, "path": mid, "kind": "asap", "beats": beats,
                          "ref": 60.0 / float(np.median(np.diff(beats)))})
    return items


def groove_items(root: Path, skip: set[str], *, n: int, min_seconds: float) -> list[dict]:
    """Groove MIDI "beat" performances outside the shared set, dealt by the SHA-1 of the path."""
    import mido

    cands = []
    for mid in root.rglob("*.mid"):
        m = GROOVE_NAME.match(mid.name)
        rel = "groove/" + str(mid.relative_to(root))
        if m is None or m["kind"] != "beat" or rel in skip:
            continue
        cands.append((hashlib.sha1(rel.encode()).hexdigest(), rel, mid, float(m["bpm"])))
    items = []
    for _, rel, mid, bpm in sorted(cands):
        if len(items) >= n:
            break
        try:
            length = mido.MidiFile(str(mid)).length
        except (OSError, ValueError, EOFError):
            continue
        if length >= min_seconds:
            items.append({"name": rel, "path": mid, "kind": "groove", "beats": None, "ref": bpm})
    return items


def librosa_midi(nt, duration: float) -> tuple[float, np.ndarray]:
    """librosa ``beat_track`` on a velocity-weighted onset envelope: (tempo [BPM], beats [s])."""
    import librosa

    env, sr, hop = evaluate.velocity_envelope(nt, duration)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tempo, frames = librosa.beat.beat_track(onset_envelope=env, sr=sr, hop_length=hop)
    return float(np.atleast_1d(tempo)[0]), librosa.frames_to_time(frames, sr=sr, hop_length=hop)


def beat_f(ref: np.ndarray, est: np.ndarray) -> float:
    import mir_eval

    return float(mir_eval.beat.f_measure(mir_eval.beat.trim_beats(np.asarray(ref, float)),
                                         mir_eval.beat.trim_beats(np.asarray(est, float)),
                                         f_measure_threshold=0.07))


def score(it: dict) -> dict:
    """The shipped analysis and the librosa baseline on one recording."""
    nt, dur = evaluate.load_notes(it["path"])
    res = analysis.analyze_midi(nt, duration=dur)
    return scored(it, it["kind"], res, *librosa_midi(nt, dur))


def score_rendered(it: dict, outdir: Path) -> dict:
    """The shipped audio analysis and librosa's ``beat_track`` on a FluidSynth rendering."""
    import librosa

    wav = evaluate.render(it["path"], outdir)
    y, sr = evaluate.load_audio(wav)
    res = analysis.analyze_audio(y, sr=sr, duration=y.size / sr)
    yl, srl = librosa.load(str(wav))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tempo, frames = librosa.beat.beat_track(y=yl, sr=srl)
    return scored(it, "rendered", res, float(np.atleast_1d(tempo)[0]),
                  librosa.frames_to_time(frames, sr=srl))


def reported_tempo(summary: dict) -> float:
    """The tempo a summary reports [BPM]: the clear one, else the tentative one, else 0.0."""
    t = summary["tempo_bpm"]
    return float((t if t is not None else summary["tempo_bpm_tentative"]) or 0.0)


def scored(it: dict, kind: str, res, lb_tempo: float, lb_beats: np.ndarray) -> dict:
    """One recording's row: our tempo (the tentative one where there is no clear pulse), its
    label and accuracy, librosa's, and with annotated beats the curve errors and beat F."""
    s = res.summary
    est = reported_tempo(s)
    out = {"name": it["name"], "kind": kind, "ref": it["ref"], "est": est, "pulse": s["pulse"],
           "lb": lb_tempo}
    out["a1"], out["a2"] = evaluate.acc(est, it["ref"])
    out["lb_a1"], out["lb_a2"] = evaluate.acc(lb_tempo, it["ref"])
    if it["beats"] is not None:
        times, bpm = res.curves["tempo_bpm"]
        gt = evaluate.beat_tempo_windows(it["beats"], times, analysis.DEFAULT_WINDOW)
        out["ce"], out["cf"] = evaluate.curve_errors(np.nan_to_num(bpm), gt)
        out["bf"] = beat_f(it["beats"], np.asarray(res.beats, dtype=float))
        out["lb_bf"] = beat_f(it["beats"], lb_beats)
    return out


def report(rows: list[dict], title: str) -> None:
    if not rows:
        return
    n = len(rows)

    def mean(key):
        return float(np.mean([r[key] for r in rows]))

    clear = [r for r in rows if r["pulse"] == "clear"]
    print(f"\n{title} ({n})")
    print(f"  ours:    Acc1 {mean('a1'):.3f}  Acc2 {mean('a2'):.3f}", end="")
    if "ce" in rows[0]:
        ce = np.nanmedian([r["ce"] for r in rows])
        cf = np.nanmedian([r["cf"] for r in rows])
        print(f"  curve err {100 * ce:.1f} %  curve err* {100 * cf:.1f} %"
              f"  beat F {mean('bf'):.3f}", end="")
    prec = np.mean([r["a2"] for r in clear]) if clear else float("nan")
    print(f"  clear {len(clear)} ({len(clear) / n:.0%}), Acc2 there {prec:.3f}")
    print(f"  librosa: Acc1 {mean('lb_a1'):.3f}  Acc2 {mean('lb_a2'):.3f}", end="")
    if "lb_bf" in rows[0]:
        print(f"  beat F {mean('lb_bf'):.3f}", end="")
    print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, help="a checkout of fosfrancesco/asap-dataset")
    ap.add_argument("--groove", type=Path,
                    help="the groove/ folder of the Groove MIDI Dataset (drummerN/sessionM/...)")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata",
                    help="the shared evaluation set, whose pieces are left out")
    ap.add_argument("--groove-n", type=int, default=60)
    ap.add_argument("--min-seconds", type=float, default=20.0)
    ap.add_argument("--render", type=int, default=0, metavar="N",
                    help="also render N of the ASAP pieces (dealt by the SHA-1 of their name) "
                         "with FluidSynth and measure the audio analysis on them")
    ap.add_argument("--render-grooves", action="store_true",
                    help="also render the grooves and measure their audio against librosa's "
                         "beat_track on the same audio")
    ap.add_argument("--render-dir", type=Path, default=Path("/tmp/heldout/render"),
                    help="renderings are kept here by content")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per file")
    args = ap.parse_args(argv)
    if args.asap is None and args.groove is None:
        ap.error("give --asap and/or --groove")
    t0 = time.time()
    pieces, grooves = shared_sources(args.shared)
    items = []
    if args.asap is not None:
        items += asap_items(args.asap, pieces)
    if args.groove is not None:
        items += groove_items(args.groove, grooves, n=args.groove_n,
                              min_seconds=args.min_seconds)
    rows = []
    for it in items:
        r = score(it)
        rows.append(r)
        if args.verbose:
            mark = "*" if r["a2"] else " "
            print(f"  {r['name'][:56]:56s} ref {r['ref']:7.2f} ours {r['est']:7.2f}{mark}"
                  f" {r['pulse'][:5]:5s} librosa {r['lb']:7.2f}"
                  f"{'*' if r['lb_a2'] else ' '}"
                  + (f" beatF {r['bf']:.2f}/{r['lb_bf']:.2f}" if "bf" in r else ""), flush=True)
    if args.render:
        args.render_dir.mkdir(parents=True, exist_ok=True)
        asap = sorted((it for it in items if it["kind"] == "asap"),
                      key=lambda it: hashlib.sha1(it["name"].encode()).hexdigest())
        for it in asap[:args.render]:
            r = score_rendered(it, args.render_dir)
            rows.append(r)
            if args.verbose:
                print(f"  rendered {r['name'][:47]:47s} ref {r['ref']:7.2f} ours {r['est']:7.2f}"
                      f"{'*' if r['a2'] else ' '} {r['pulse'][:5]:5s} librosa {r['lb']:7.2f}"
                      f"{'*' if r['lb_a2'] else ' '} beatF {r['bf']:.2f}/{r['lb_bf']:.2f}",
                      flush=True)
    if args.render_grooves:
        args.render_dir.mkdir(parents=True, exist_ok=True)
        for it in (it for it in items if it["kind"] == "groove"):
            r = score_rendered(it, args.render_dir) | {"kind": "rendered groove"}
            rows.append(r)
            if args.verbose:
                print(f"  rendered {r['name'][:47]:47s} ref {r['ref']:7.2f} ours {r['est']:7.2f}"
                      f"{'*' if r['a2'] else ' '} {r['pulse'][:5]:5s} librosa {r['lb']:7.2f}"
                      f"{'*' if r['lb_a2'] else ' '}", flush=True)
    report([r for r in rows if r["kind"] == "asap"],
           "ASAP piano, one performance per piece outside the shared set")
    report([r for r in rows if r["kind"] == "rendered"],
           "The same pieces rendered (FluidSynth FluidR3_GM), audio analysis; librosa beat_track")
    report([r for r in rows if r["kind"] == "groove"],
           "Groove MIDI beats outside the shared set")
    report([r for r in rows if r["kind"] == "rendered groove"],
           "The same grooves rendered (FluidSynth, GM kit), audio analysis; librosa beat_track")
    print(f"\n(analysis {analysis.ANALYSIS_VERSION}; {time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Metre from audio cues where the audio is pitched, a compressed envelope where it is
percussive: the cue set, the percussive-share bound and the heights, cross-validated on held-out
renderings (analysis 1.13.0, issue 17).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/audio_metre_cv.py --asap /tmp/heldout/asap \\
        --groove /tmp/heldout/gmd/groove [--grooves 120] [--cache /tmp/heldout/levers]

Recordings: every held-out ASAP piece rendered with FluidSynth (piano, with annotated beats),
``--grooves`` held-out Groove MIDI "beat" performances rendered the same way (drums; tempo
from the file name), the shared set's renderings and its audio clips (never tuned on). For
each, the tempo stage's pulse and, for each of five cue sets, the level the audio cues choose
(:func:`analysis.metre.audio_salience`, with the metre's constants chosen on MIDI); and the
percussive share the analyser reports (:mod:`analysis.percussive`). The cues apply where the
share is below the bound.

For percussive audio (share at or above the bound) the tempo stage runs on the envelope with
each of :data:`HEIGHTS` (:data:`analysis.audio_pulse.PERCUSSIVE_HEIGHTS`).

Two-fold cross-validation by the SHA-1 of the recording's name over the held-out piano and
drum renderings: each fold chooses (cue set, bound, heights) on the other fold's recordings by
Acc2 (all) + beat F (piano) + 0.1 Acc1 (all); "off" (no cues anywhere, dB heights
everywhere or another heights for all audio) competes. Printed: the
choices, the pooled test folds against the tempo stage alone and librosa's ``beat_track``,
and the never-tuned sets under each fold's choice. ``--shipped`` prints the library's own
constants (:data:`analysis.audio_pulse.PITCHED_SHARE`,
:data:`analysis.metre.AUDIO_CUE_WEIGHTS`, :data:`analysis.audio_pulse.PERCUSSIVE_HEIGHTS`) on
every set; ``--shared-cv`` cross-validates within the shared set's audio alone as well.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import beat_levers as bl  # noqa: E402
import evaluate  # noqa: E402
import evaluate_heldout as eh  # noqa: E402

import analysis  # noqa: E402
import analysis.audio_pulse as aaudio_pulse  # noqa: E402
import analysis.beats as abeats  # noqa: E402
import analysis.onset_spectrum as aspectrum  # noqa: E402
import analysis.onsets as aonsets  # noqa: E402
from analysis import metre  # noqa: E402
from analysis.tempo import ONSET_SMOOTH  # noqa: E402

#: the impulse heights of the tempo envelope for percussive audio (share at or above the
#: bound; analysis.audio_pulse.PERCUSSIVE_HEIGHTS): dB above the local mean (before 1.13.0), log1p
#: of it, or its square root (measured here only)
HEIGHTS = ("dB", "log", "sqrt", "flat")
CUE_SETS = {"interval": (1, 0, 0), "bass": (0, 1, 0), "interval+bass": (1, 1, 0),
            "interval+bass+total": (1, 1, 1), "bass+total": (0, 1, 1)}
BOUNDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
TRAIN = ("held-out renderings", "held-out groove renderings")
#: the shared set's audio, cross-validated within itself with --shared-cv (the issue's
#: figure; 35 recordings, so each fold's choice rests on 17 or 18)
SHARED = ("shared renderings, piano", "shared renderings, drums", "shared audio clips")


def _share(wav: str) -> float | None:
    y, sr = evaluate.load_audio(Path(wav))
    return analysis.analyze_audio(y, sr=sr).summary["percussive_share"]


def _levels(it: dict, cache: Path) -> dict:
    """The tempo stage's row, each heights' and each cue set's, from the analyser's cached
    region flux."""
    env3, dur = bl._cached(cache, "regions:" + str(it["wav"]), bl._regions, it["wav"])
    n = int(np.ceil(dur * bl.FR))
    env3 = np.pad(env3[:n].astype(np.float64), ((0, max(0, n - env3.shape[0])), (0, 0)))
    env, tenv = aspectrum._split_env(env3)
    peaks = aonsets.onset_peaks(tenv, frame_rate=bl.FR)
    pulse = abeats.analyze_pulse(peaks, frame_rate=bl.FR, duration=dur)
    on = aonsets.pick_onsets(env, frame_rate=bl.FR)
    on = on[on < dur]
    row = {"off": bl._row(pulse.curve.tempo_bpm, it["ref"], pulse.label, it["beats"],
                          pulse.beats)}
    row["heights dB"] = row["off"]  # the tempo stage's own envelope
    for h in HEIGHTS[1:]:
        p = abeats.analyze_pulse(_peaks(tenv, h), frame_rate=bl.FR, duration=dur)
        row["heights " + h] = bl._row(p.curve.tempo_bpm, it["ref"], p.label, it["beats"],
                                      p.beats)
    reg = aonsets._onset_regions(env3, on, frame_rate=bl.FR)
    for name, w in CUE_SETS.items():
        p = pulse
        if on.size >= 3:
            sc = metre.score_levels(pulse, peaks, frame_rate=bl.FR, times=on,
                                    sal=metre.audio_salience(on, reg, weights=w))
            p = metre.choose(pulse, sc, env=peaks, frame_rate=bl.FR)
        row[name] = bl._row(p.curve.tempo_bpm, it["ref"], p.label, it["beats"], p.beats)
    return row


def _peaks(tenv: np.ndarray, heights: str) -> np.ndarray:
    if heights != "sqrt":
        return aonsets.onset_peaks(tenv, frame_rate=bl.FR, heights=heights)
    from scipy.ndimage import gaussian_filter1d

    raw = aonsets.onset_peaks(tenv, frame_rate=bl.FR, smooth=0.0)
    return gaussian_filter1d(np.sqrt(raw), ONSET_SMOOTH * bl.FR, mode="constant")


def _one(job: tuple[dict, Path]) -> dict:
    it, cache = job
    warnings.simplefilter("ignore")
    out = {"rows": _levels(it, cache),
           "share": bl._cached(cache, "share1:" + str(it["wav"]), _share, str(it["wav"]))}
    if it["beats"] is not None:
        _, lb = bl._cached(cache, "librosa:" + str(it["wav"]), bl._librosa, it["wav"])
        out["librosa"] = eh.beat_f(it["beats"], lb)
    return out


def items(args) -> list[dict]:
    out = bl.audio_items(args)
    pieces, grooves = eh.shared_sources(args.shared)
    for g in eh.groove_items(args.groove, grooves, n=args.grooves, min_seconds=20.0):
        out.append(dict(kind="held-out groove renderings", name=g["name"], ref=g["ref"],
                        beats=None, wav=evaluate.render(g["path"], args.render_dir)))
    return out


def pick(r: dict, choice: tuple[str, float, str]) -> tuple:
    """An item's row under (cue set or "off", bound, heights for percussive audio)."""
    cues, bound, heights = choice
    s = r["share"]
    if s is None:
        return r["rows"]["off"]
    if s < bound:
        return r["rows"][cues] if cues != "off" else r["rows"]["off"]
    return r["rows"]["heights " + heights]


def objective(rs: list[dict], choice) -> float:
    x = np.array([pick(r, choice) for r in rs], float)
    f = x[:, 3][np.isfinite(x[:, 3])]
    return x[:, 1].mean() + (f.mean() if f.size else 0.0) + 0.1 * x[:, 0].mean()


def fold(name: str) -> int:
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 2


def cross_validate(res: list[dict], grid: list[tuple], train_kinds: tuple[str, ...]) -> None:
    """Two-fold cross-validation over the recordings of ``train_kinds``: each fold's choice
    from the other fold; the pooled test folds, and every other set under each choice."""
    choice = {}
    for k in (0, 1):
        train = [r for r in res if r["kind"] in train_kinds and fold(r["name"]) != k]
        choice[k] = max(grid, key=lambda c: objective(train, c))
        print(f"fold {k} (trained on fold {1 - k}) chose {choice[k]}")
    print("\npooled test folds (every choice cross-validated):")
    for kind in dict.fromkeys(r["kind"] for r in res):
        rs = [r for r in res if r["kind"] == kind]
        if kind in train_kinds:
            print(kind)
            print(bl._line("tempo stage alone", [r["rows"]["off"] for r in rs]))
            print(bl._line("cross-validated", [pick(r, choice[fold(r["name"])]) for r in rs]))
            lib = [r["librosa"] for r in rs if "librosa" in r]
            if lib:
                print(f"  {'librosa beat_track':34s} beat F {np.mean(lib):.3f}")
        else:
            print(kind)
            print(bl._line("tempo stage alone", [r["rows"]["off"] for r in rs]))
            for k in (0, 1):
                print(bl._line(f"fold {k}'s choice {choice[k]}", [pick(r, choice[k]) for r in rs]))
            lib = [r["librosa"] for r in rs if "librosa" in r]
            if lib:
                print(f"  {'librosa beat_track':34s} beat F {np.mean(lib):.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, required=True)
    ap.add_argument("--groove", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--render", type=int, default=223, metavar="N")
    ap.add_argument("--grooves", type=int, default=120, metavar="N")
    ap.add_argument("--render-dir", type=Path, default=Path("/tmp/heldout/render"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/heldout/levers"))
    ap.add_argument("--shared-cv", action="store_true",
                    help="also cross-validate within the shared set's audio alone")
    ap.add_argument("--shipped", action="store_true",
                    help="also print the library's constants on every set")
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    args.cache.mkdir(parents=True, exist_ok=True)
    args.render_dir.mkdir(parents=True, exist_ok=True)
    its = items(args)
    with ProcessPoolExecutor(args.jobs) as ex:
        res = list(ex.map(_one, [(it, args.cache) for it in its], chunksize=2))
    for it, r in zip(its, res, strict=True):
        r.update(kind=it["kind"], name=it["name"])
    grid = ([("off", 1.0, "dB")] + list(itertools.product(CUE_SETS, BOUNDS, HEIGHTS))
            + [("off", 0.0, h) for h in HEIGHTS[1:]])
    print("percussive share by set (min / 5 % / median / 95 % / max):")
    for kind in dict.fromkeys(r["kind"] for r in res):
        v = np.array([r["share"] for r in res if r["kind"] == kind and r["share"] is not None])
        print(f"  {kind:30s} n {v.size:3d}  "
              + " / ".join(f"{x:.3f}" for x in np.percentile(v, [0, 5, 50, 95, 100])))
    cross_validate(res, grid, TRAIN)
    if args.shared_cv:
        print("\n--- the same two-fold cross-validation within the shared set alone ---")
        cross_validate(res, grid, SHARED)
    if args.shipped:
        w = tuple(metre.AUDIO_CUE_WEIGHTS)
        name = next(n for n, v in CUE_SETS.items() if tuple(map(float, v)) == w)
        ship = (name, aaudio_pulse.PITCHED_SHARE, aaudio_pulse.PERCUSSIVE_HEIGHTS)
        print(f"\nshipped: {ship}")
        for kind in dict.fromkeys(r["kind"] for r in res):
            rs = [r for r in res if r["kind"] == kind]
            print(bl._line(kind, [pick(r, ship) for r in rs]))
        print("\nthe shipped cues and bound, percussive audio's heights in dB (before 1.13.0):")
        for kind in dict.fromkeys(r["kind"] for r in res):
            rs = [r for r in res if r["kind"] == kind]
            print(bl._line(kind, [pick(r, ship[:2] + ("dB",)) for r in rs]))
    print(f"\n(analysis {analysis.ANALYSIS_VERSION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

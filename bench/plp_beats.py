"""Predominant local pulse (PLP) beats against ours, on held-out piano recordings.

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/plp_beats.py --asap /tmp/heldout/asap \\
        [--part midi,audio] [--cache /tmp/heldout/levers]

Issue 17 names ``librosa.beat.plp`` (Grosche & Müller 2011) among the building blocks for
beats that follow rubato: each frame's strongest tempogram component, overlap-added as
windowed sinusoids, so the pulse curve's peaks follow the local tempo. The beats are the
curve's local maxima (as in librosa's own example). Measured, beat F-measure (70 ms,
``mir_eval``) against the annotated beats:

* ``midi``: the held-out ASAP MIDI performances (one per piece), on the analyser's own
  velocity-weighted onset envelope (100 Hz): PLP over librosa's default tempo range
  (30-300 BPM), and PLP restricted to ±25 % or ±50 % of our chosen metrical level (so it
  follows the local tempo at our level), with 3.84, 6 and 8 s windows; ours and librosa's
  ``beat_track`` beside them.
* ``audio``: the same pieces rendered with FluidSynth (``bench/evaluate_heldout.py --render``
  makes and keeps them in ``--render-dir``): PLP on librosa's onset envelope, aggregated by
  the mean (``onset_strength``'s default) or the median (what ``beat_track`` uses), against
  ``beat_track`` and ours; and the median signed offset of each method's beats from the
  annotated beats they match (within 70 ms).
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

import beat_levers as bl  # noqa: E402
import evaluate  # noqa: E402
import evaluate_heldout as eh  # noqa: E402

import analysis  # noqa: E402
from analysis.metre import pulse_from_notes  # noqa: E402
from analysis.tempo import MIDI_FRAME_RATE, onset_envelope  # noqa: E402

#: (half-width of the tempo band around our level [ratio], PLP window [frames at 100 Hz])
BANDED = tuple((b, w) for b in (1.25, 1.5) for w in (384, 600, 800))


def plp_beats(env: np.ndarray, *, sr: float, hop: int, tempo_min: float, tempo_max: float,
              win_length: int = 384) -> np.ndarray:
    """Times [s] of the local maxima of librosa's PLP curve of the onset envelope ``env``."""
    import librosa

    pulse = librosa.beat.plp(onset_envelope=env, sr=sr, hop_length=hop, tempo_min=tempo_min,
                             tempo_max=tempo_max, win_length=win_length)
    return np.flatnonzero(librosa.util.localmax(pulse)) * hop / sr


def _midi_one(it: dict) -> dict:
    warnings.simplefilter("ignore")
    nt, dur = evaluate.load_notes(it["path"])
    pulse = pulse_from_notes(nt, duration=dur)
    env = onset_envelope(nt.start, duration=dur, weights=nt.velocity / 127.0)
    # 100 Hz as sr / hop = 1000 / 10 (librosa wants an integer hop)
    plp = dict(sr=1000, hop=int(1000 / MIDI_FRAME_RATE))
    out = {"ours": eh.beat_f(it["beats"], pulse.beats),
           "librosa beat_track": eh.beat_f(it["beats"], eh.librosa_midi(nt, dur)[1]),
           "PLP 30-300 BPM": eh.beat_f(it["beats"], plp_beats(env, tempo_min=30.0,
                                                              tempo_max=300.0, **plp))}
    level = pulse.curve.tempo_bpm
    for band, win in BANDED:
        key = f"PLP at our level ±{round(100 * (band - 1))} %, {win / MIDI_FRAME_RATE:g} s"
        if level > 0 and pulse.beats.size:
            out[key] = eh.beat_f(it["beats"], plp_beats(env, tempo_min=level / band,
                                                        tempo_max=level * band,
                                                        win_length=win, **plp))
        else:  # no level, no beats of ours: the lever cannot act, the row keeps ours
            out[key] = out["ours"]
    return out


def _offsets(ref: np.ndarray, est: np.ndarray, tol: float = 0.07) -> np.ndarray:
    """Signed offset [s] of the nearest estimated beat from each reference beat, within tol."""
    if est.size == 0 or ref.size == 0:
        return np.zeros(0)
    j = np.searchsorted(est, ref)
    near = np.stack([est[np.clip(j - 1, 0, est.size - 1)], est[np.clip(j, 0, est.size - 1)]])
    d = near - ref[None, :]
    d = d[np.argmin(np.abs(d), axis=0), np.arange(ref.size)]
    return d[np.abs(d) < tol]


def _audio_one(it: dict, cache: Path) -> dict:
    import librosa

    warnings.simplefilter("ignore")
    env3, dur = bl._cached(cache, "regions:" + str(it["wav"]), bl._regions, it["wav"])
    n = int(np.ceil(dur * bl.FR))
    env3 = np.pad(env3[:n].astype(np.float64), ((0, max(0, n - env3.shape[0])), (0, 0)))
    _, tenv = bl.aspectrum._split_env(env3)
    peaks = bl.aonsets.onset_peaks(tenv, frame_rate=bl.FR)
    ours = bl.abeats.analyze_pulse(peaks, frame_rate=bl.FR, duration=dur).beats
    _, lb = bl._cached(cache, "librosa:" + str(it["wav"]), bl._librosa, it["wav"])
    y, sr = librosa.load(str(it["wav"]))
    beats = {"ours": ours, "librosa beat_track": lb}
    for agg, name in ((np.mean, "mean"), (np.median, "median")):
        env = librosa.onset.onset_strength(y=y, sr=sr, aggregate=agg)
        beats[f"PLP 30-300 BPM, {name} onset strength"] = plp_beats(
            env, sr=sr, hop=512, tempo_min=30.0, tempo_max=300.0)
    return {k: (eh.beat_f(it["beats"], b), _offsets(it["beats"], np.asarray(b, float)))
            for k, b in beats.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--part", default="midi,audio", help="comma-separated: midi, audio")
    ap.add_argument("--render", type=int, default=223, metavar="N",
                    help="held-out pieces rendered (by the SHA-1 of their name)")
    ap.add_argument("--render-dir", type=Path, default=Path("/tmp/heldout/render"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/heldout/levers"),
                    help="region fluxes and librosa's beats per rendering (bench/beat_levers.py)")
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    parts = set(args.part.split(","))
    if parts - {"midi", "audio"}:
        ap.error(f"--part: unknown {sorted(parts - {'midi', 'audio'})}")
    warnings.simplefilter("ignore")
    pieces, _ = eh.shared_sources(args.shared)
    if "midi" in parts:
        items = eh.asap_items(args.asap, pieces)
        with ProcessPoolExecutor(args.jobs) as ex:
            rows = list(ex.map(_midi_one, items))
        print(f"\nheld-out ASAP MIDI ({len(rows)}): mean beat F")
        for k in rows[0]:
            print(f"  {k:34s} {np.mean([r[k] for r in rows]):.3f}")
    if "audio" in parts:
        items = [it for it in bl.audio_items(args) if it["kind"] == "held-out renderings"]
        args.cache.mkdir(parents=True, exist_ok=True)
        with ProcessPoolExecutor(args.jobs) as ex:
            rows = list(ex.map(_audio_one, items, [args.cache] * len(items)))
        print(f"\nheld-out renderings ({len(rows)}): mean beat F, median offset of matched beats")
        for k in rows[0]:
            off = np.concatenate([r[k][1] for r in rows])
            print(f"  {k:40s} {np.mean([r[k][0] for r in rows]):.3f}"
                  f"  {1000 * np.median(off):+.1f} ms")
    print(f"\n(analysis {analysis.ANALYSIS_VERSION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

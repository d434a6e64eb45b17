"""Six more levers on the metrical level and the beats, measured on held-out recordings.

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/beat_levers.py --asap /tmp/heldout/asap \\
        --groove /tmp/heldout/gmd/groove [--part audio,midi,drums] [--cache /tmp/heldout/levers]

(See ``bench/evaluate_heldout.py`` for how the held-out sets are unpacked; the renderings are
made by it, ``--render 223``, or here, into ``--render-dir``.) Each lever is compared with the
shipped analysis on the same recordings (docs/benchmarks.md, "six more levers"; the sixth,
tightness per stretch, shipped in analysis 1.11.0: "per performance" is the tracking before
it, and the band and scale variants are measured on that tracking, as they were; since
analysis 1.13.0 the audio part's "shipped" row is the tempo stage alone, without the cues and
the percussive heights that 1.13.0 ships, which ``bench/audio_metre_cv.py`` measures):

* ``audio``: every held-out ASAP piece rendered with FluidSynth, the shared set's MIDI
  renderings and its audio clips (steady drums and bands, which must stay right):
  - **metre from audio cues**: the note cues of :mod:`analysis.metre` need notes, so for audio
    each onset gets the cues the analyser's own three frequency regions can give: the time to
    the next onset (a longer interval after an event accents it: Povel & Essens 1985), the
    flux below 200 Hz (a bass note), its share of the onset's flux, and the onset's total flux;
    scored with the constants chosen on MIDI (:data:`analysis.metre.SWITCH_MARGIN`,
    :data:`~analysis.metre.CLEAR_MARGIN`), never tuned on audio;
  - **beats on a dense envelope**: the beats tracked on the regions' mean flux or the
    full-band flux, instead of the peak-picked envelope the tempo comes from;
  - librosa's ``beat_track`` on the same audio, the baseline.
* ``midi``: the held-out ASAP MIDI performances (one per piece) and Groove grooves:
  - **a rubato band in the beat tracker**: beyond ±``band`` (log ratio) of the local beat
    period the interval penalty grows ``stiff`` times faster, so the beats follow rubato but
    cannot slip into a 3:4 or 2:3 relation to the curve (BeatRoot bounds its agents' tempo
    the same way, Dixon 2001);
  - **the tracker's envelope scale**: the local score divided by ``C`` times the mean peak
    height of the envelope instead of its standard deviation (a sparse envelope's peaks stand
    far above its deviation, which weakens the interval penalty against them);
  - **tightness per stretch** (shipped in 1.11.0 with k 10, share 0.7): a performance whose
    tempo is not steady overall (the loose tightness's case) is tracked tightly where it is
    steady locally: at least ``share`` of the pulsed windows within ±``k`` windows lie within
    4 % of their median (:func:`analysis.beats.steady_windows`).
* ``drums``: the Groove grooves with **drum cues** for the level: kick, then snare and crash,
  then toms, then hi-hats, ride and the rest (Goto 2001: bass drum on the strong beats, snare
  on the backbeats).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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
import analysis.audio_pulse as aaudio_pulse  # noqa: E402
import analysis.beats as abeats  # noqa: E402
import analysis.onset_spectrum as aspectrum  # noqa: E402
import analysis.onsets as aonsets  # noqa: E402
from analysis import metre  # noqa: E402

FR = aspectrum.ANALYSIS_SR / aspectrum.HOP_LENGTH
AUDIO_CUES = ("ioi", "low", "ioi+low", "ioi+lowshare", "ioi+low+tot")
BANDS = ((0.1, 400.0), (0.15, 400.0), (0.2, 400.0), (0.3, 400.0), (0.15, 2000.0))
SCALES = (0.25, 0.5, 1.0)
LOCAL = ((5, 0.9), (10, 0.9), (20, 0.9), (5, 0.7), (10, 0.7))
#: GM percussion notes by how strongly they mark a beat (others: 0.25)
DRUM_WEIGHT = {35: 1.0, 36: 1.0, 37: .75, 38: .75, 39: .75, 40: .75, 49: .75, 52: .75, 55: .75,
               57: .75, 41: .5, 43: .5, 45: .5, 47: .5, 48: .5, 50: .5}


def _line(label: str, rows: list[tuple]) -> str:
    """``label``: n, Acc1 / Acc2, "clear" count and precision, mean beat F (rows: a1, a2, clear,
    beat F or nan)."""
    r = np.array(rows, dtype=float)
    cl = r[:, 2] > 0
    prec = f"{r[cl, 1].mean():.3f}" if cl.any() else "  -  "
    bf = f" beat F {np.nanmean(r[:, 3]):.3f}" if np.isfinite(r[:, 3]).any() else ""
    return (f"  {label:34s} n {len(r):3d}  Acc1 {r[:, 0].mean():.3f}  Acc2 {r[:, 1].mean():.3f}"
            f"  clear {int(cl.sum()):3d} at {prec}{bf}")


def _row(tempo: float, ref: float, label: str, ref_beats, beats) -> tuple:
    a1, a2 = evaluate.acc(tempo or 0.0, ref)
    ok = ref_beats is not None and len(ref_beats) > 4
    return a1, a2, label == "clear", eh.beat_f(ref_beats, beats) if ok else np.nan


# -- audio ------------------------------------------------------------------------------------

def audio_items(args) -> list[dict]:
    """Held-out renderings (the first ``--render`` by the SHA-1 of the piece), the shared
    set's MIDI renderings and its audio clips."""
    pieces, _ = eh.shared_sources(args.shared)
    asap = sorted(eh.asap_items(args.asap, pieces),
                  key=lambda it: hashlib.sha1(it["name"].encode()).hexdigest())[:args.render]
    out = [dict(kind="held-out renderings", name=it["name"], ref=it["ref"], beats=it["beats"],
                wav=evaluate.render(it["path"], args.render_dir)) for it in asap]
    with open(args.shared / "manifest.csv") as fh:
        for r in csv.DictReader(fh):
            beats = (evaluate.read_tsv_times(args.shared / r["beats_file"])
                     if r["beats_file"] else None)
            if r["kind"] == "midi":
                kind = "shared renderings, " + ("piano" if "asap" in r["file"] else "drums")
                wav = evaluate.render(args.shared / r["file"], args.render_dir)
            else:
                kind, wav = "shared audio clips", args.shared / r["file"]
            out.append(dict(kind=kind, name=r["file"], ref=float(r["tempo_bpm"]), beats=beats,
                            wav=wav))
    return out


def _regions(wav: Path) -> tuple[np.ndarray, float]:
    """The analyser's (frames, 3) region flux of a recording, and its length [s]."""
    got = {}
    orig = aaudio_pulse._split_env

    def keep(env):
        got["env3"] = np.asarray(env, dtype=np.float32).copy()
        return orig(env)

    aaudio_pulse._split_env = keep
    try:
        y, sr = evaluate.load_audio(wav)
        analysis.analyze_audio(y, sr=sr, duration=y.size / sr)
    finally:
        aaudio_pulse._split_env = orig
    return got["env3"], y.size / sr


def _librosa(wav: Path) -> tuple[float, np.ndarray]:
    import librosa

    y, sr = librosa.load(str(wav))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tempo, frames = librosa.beat.beat_track(y=y, sr=sr)
    return float(np.atleast_1d(tempo)[0]), librosa.frames_to_time(frames, sr=sr)


def _cached(cache: Path, name: str, make, *args):
    path = cache / (hashlib.sha1(name.encode()).hexdigest()[:16] + ".pkl")
    if path.exists():
        return pickle.loads(path.read_bytes())
    value = make(*args)
    path.write_bytes(pickle.dumps(value))
    return value


def _audio_cues(on: np.ndarray, reg: np.ndarray, which: str) -> np.ndarray:
    """Salience of audio onsets: the mean rank of the chosen cues."""
    ioi = np.diff(np.r_[on, on[-1] + np.median(np.diff(on))])
    tot = reg.sum(axis=1) + 1e-9
    cues = {"ioi": np.round(ioi, 3), "low": reg[:, 0], "lowshare": reg[:, 0] / tot, "tot": tot}
    names = which.split("+")
    return sum(metre._rank(cues[k]) for k in names) / len(names)


def audio_part(args) -> None:
    items = audio_items(args)
    rows: dict[str, dict[str, list]] = {}
    for it in items:
        env3, dur = _cached(args.cache, "regions:" + str(it["wav"]), _regions, it["wav"])
        n = int(np.ceil(dur * FR))
        env3 = np.pad(env3[:n].astype(np.float64), ((0, max(0, n - env3.shape[0])), (0, 0)))
        env, tenv = aspectrum._split_env(env3)
        peaks = aonsets.onset_peaks(tenv, frame_rate=FR)
        pulse = abeats.analyze_pulse(peaks, frame_rate=FR, duration=dur)
        dense = ("beats on the region flux", "beats on the full flux")
        # a lever that cannot act on a recording (too few onsets, no beats) leaves it shipped
        res = dict.fromkeys(("shipped", *("cues " + w for w in AUDIO_CUES), *dense), pulse)
        on = aonsets.pick_onsets(env, frame_rate=FR)
        on = on[on < dur]
        if on.size >= 3:
            reg = aonsets._onset_regions(env3, on, frame_rate=FR)  # as the analyser reads them
            for which in AUDIO_CUES:
                sc = metre.score_levels(pulse, peaks, frame_rate=FR, times=on,
                                        sal=_audio_cues(on, reg, which))
                res["cues " + which] = metre.choose(pulse, sc, env=peaks, frame_rate=FR)
        beats = {k: p.beats for k, p in res.items()}
        if pulse.beats.size:
            tc = pulse.curve
            loose = abeats.LOOSE_TIGHTNESS if tc.stability < abeats.STEADY_STABILITY else None
            for label, e in zip(dense, (tenv, env), strict=True):
                e = np.clip(e, 0, None)
                b, _ = abeats._beats(e, tc, frame_rate=FR, tightness=abeats.TIGHTNESS,
                                     loose=loose, window=6.0, beat_tempo=False,
                                     all_beats=abeats.ALL_BEATS)
                beats[label] = abeats.refine_beats(b, e, frame_rate=FR,
                                                   window=abeats.REFINE_WINDOW)
        _set_tracker("per performance")
        label = "one tightness per performance (1.10.0)"
        res[label] = abeats.analyze_pulse(peaks, frame_rate=FR, duration=dur)
        beats[label] = res[label].beats
        _set_tracker("shipped")
        by = rows.setdefault(it["kind"], {})
        for k, p in res.items():
            by.setdefault(k, []).append(_row(p.curve.tempo_bpm, it["ref"], p.label, it["beats"],
                                             beats[k]))
        if it["kind"] == "held-out renderings":
            lt, lb = _cached(args.cache, "librosa:" + str(it["wav"]), _librosa, it["wav"])
            by.setdefault("librosa beat_track", []).append(_row(lt, it["ref"], "", it["beats"],
                                                                lb))
    for kind, by in rows.items():
        print(f"\n{kind}")
        for k, r in by.items():
            print(_line(k, r))


# -- MIDI: the beat tracker --------------------------------------------------------------------

def _band_dp():
    import numba

    @numba.njit(cache=False, nogil=True)
    def beat_dp_band(score, fpb, tightness, band, stiff):
        # analysis._kernels.beat_dp with the rubato band's extra penalty
        n = score.shape[0]
        backlink = np.full(n, -1, dtype=np.int32)
        thresh = 0.01 * score.max() if n else 0.0
        first = True
        for i in range(n):
            local = score[i]
            p = np.float64(fpb[i])
            best = -np.inf
            loc_best = -1
            lo = i - 2 * int(p) - 1
            loc = i - int(np.round(p / 2.0))
            while loc > lo and loc >= 0:
                x = np.log(i - loc) - np.log(p)
                out = abs(x) - band if abs(x) > band else 0.0
                s = score[loc] - tightness * x * x - stiff * out * out
                if s > best:
                    best = s
                    loc_best = loc
                loc -= 1
            score[i] = local + best if loc_best >= 0 else local
            if first and local < thresh:
                backlink[i] = -1
            else:
                backlink[i] = loc_best
                first = False
        return backlink

    return beat_dp_band


def _set_tracker(variant: str) -> None:
    """Patch the tracker of this (worker) process. "shipped": as it is; "per performance":
    one tightness per performance (1.10.0: loose throughout an unsteady one); "local K SHARE":
    tightness per stretch with those constants; "band B S" and "scale C": 1.10.0's tracking
    with the band (on the loose tracking) or the scale."""
    import analysis._kernels as kernels

    if not hasattr(_set_tracker, "orig"):
        _set_tracker.orig = kernels.beat_dp
    orig = _set_tracker.orig
    kernels.beat_dp = orig
    abeats._track = _TRACK
    stretch = None if variant == "shipped" else (0, 1.1)  # 1.1: no stretch is steady
    if variant.startswith("local"):
        _, k, share = variant.split()
        stretch = (int(k), float(share))
    if stretch is None:
        abeats._beats = _BEATS
    else:
        abeats._beats = lambda env, tc, **kw: _BEATS(env, tc, **{**kw, "stretch": stretch})
    if variant.startswith("band"):
        _, b, s = variant.split()
        dp = _band_dp()
        # an unsteady performance (per-frame flags) is tracked loosely, within the band
        kernels.beat_dp = (lambda score, fpb, t, loose, steady: orig(score, fpb, t, loose, steady)
                           if steady.size == 0 else dp(score, fpb, loose, float(b), float(s)))
    elif variant.startswith("scale"):
        c = float(variant.split()[1])

        def track(env, fpb, *, frame_rate, tightness, loose=0.0, steady=None):
            # the local score divided by c x the mean peak height instead of the deviation:
            # the same beats as the deviation's with the tightness times c x peak / deviation
            pk = (env[1:-1] > env[:-2]) & (env[1:-1] >= env[2:]) & (env[1:-1] > 0)
            h = env[1:-1][pk]
            sd = env.std(ddof=1)
            f = c * float(h.mean()) / sd if h.size and sd > 0 else 1.0
            return _TRACK(env, fpb, frame_rate=frame_rate, tightness=tightness * f,
                          loose=loose * f, steady=steady)

        abeats._track = track


_TRACK = abeats._track
_BEATS = abeats._beats


def _midi_one(job: tuple[str, dict]) -> tuple:
    variant, it = job
    _set_tracker(variant)
    nt, dur = evaluate.load_notes(it["path"])
    res = analysis.analyze_midi(nt, duration=dur)
    s = res.summary
    return _row(eh.reported_tempo(s), it["ref"], s["pulse"], it["beats"],
                np.asarray(res.beats, float))


def midi_part(args, items: list[dict]) -> None:
    variants = (["shipped", "per performance"] + [f"band {b} {s}" for b, s in BANDS]
                + [f"scale {c}" for c in SCALES] + [f"local {k} {s}" for k, s in LOCAL])
    if args.midi_variants:
        variants = [v for v in variants if v.split()[0] in args.midi_variants.split(",")]
    with ProcessPoolExecutor(args.jobs) as ex:
        for kind in ("asap", "groove"):
            its = [it for it in items if it["kind"] == kind]
            if not its:
                continue
            print(f"\nheld-out {kind} MIDI")
            for v in variants:
                rows = list(ex.map(_midi_one, [(v, it) for it in its], chunksize=4))
                print(_line(v, rows), flush=True)


# -- drums ---------------------------------------------------------------------------------

def _drums_one(it: dict) -> dict[str, tuple]:
    from analysis.tempo import MIDI_FRAME_RATE, onset_envelope

    nt, dur = evaluate.load_notes(it["path"])
    env = onset_envelope(nt.start, duration=dur, weights=nt.velocity / 127.0)
    pulse = abeats.analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=dur)
    labels = ("drum cues, all rivals", "drum cues, half and double", "drum cues, label only")
    out = dict.fromkeys(("shipped", *labels), pulse)
    order = np.argsort(nt.start, kind="stable")
    start, pitch = nt.start[order], nt.pitch[order]
    if start.size >= 3:
        # chords merged as for pitched notes, each event's salience the rank of its strongest
        # drum: analysis.metre's bass cue alone, fed minus the drum's weight (lower = stronger)
        weight = np.array([DRUM_WEIGHT.get(int(p), 0.25) for p in pitch])
        times, sal = metre.event_salience(start, start, -weight, nt.velocity[order],
                                          weights=(0.0, 1.0, 0.0, 0.0))
        sc = metre.score_levels(pulse, env, frame_rate=MIDI_FRAME_RATE, times=times, sal=sal)
        for label, kw in zip(labels, ({}, {"switch_ratios": (0.5, 2.0)},
                                      {"switch_margin": np.inf}), strict=True):
            out[label] = metre.choose(pulse, sc, env=env, frame_rate=MIDI_FRAME_RATE, **kw)
    return {k: _row(p.curve.tempo_bpm, it["ref"], p.label, None, None) for k, p in out.items()}


def drums_part(args, items: list[dict]) -> None:
    its = [it for it in items if it["kind"] == "groove"]
    with ProcessPoolExecutor(args.jobs) as ex:
        res = list(ex.map(_drums_one, its, chunksize=4))
    print(f"\nheld-out Groove MIDI, drum cues for the level ({len(its)})")
    for k in res[0] if res else ():
        print(_line(k, [r[k] for r in res if k in r]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asap", type=Path, required=True)
    ap.add_argument("--groove", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "evaldata")
    ap.add_argument("--part", default="audio,midi,drums",
                    help="comma-separated: audio, midi, drums")
    ap.add_argument("--render", type=int, default=223, metavar="N",
                    help="held-out pieces to render (by the SHA-1 of their name)")
    ap.add_argument("--render-dir", type=Path, default=Path("/tmp/heldout/render"))
    ap.add_argument("--groove-n", type=int, default=60)
    ap.add_argument("--midi-variants", default="",
                    help="comma-separated kinds of the MIDI part: shipped, per (performance), "
                         "band, scale, local (default: all)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/heldout/levers"),
                    help="region fluxes and librosa's beats per rendering are kept here")
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    parts = set(args.part.split(","))
    if parts - {"audio", "midi", "drums"}:
        ap.error(f"--part: unknown {sorted(parts - {'audio', 'midi', 'drums'})}")
    warnings.simplefilter("ignore")
    args.cache.mkdir(parents=True, exist_ok=True)
    args.render_dir.mkdir(parents=True, exist_ok=True)
    pieces, grooves = eh.shared_sources(args.shared)
    items = eh.asap_items(args.asap, pieces) + eh.groove_items(
        args.groove, grooves, n=args.groove_n, min_seconds=20.0)
    if "audio" in parts:
        audio_part(args)
    if "midi" in parts:
        midi_part(args, items)
    if "drums" in parts:
        drums_part(args, items)
    print(f"\n(analysis {analysis.ANALYSIS_VERSION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

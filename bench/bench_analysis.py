"""Speed and memory of the full analysis of a 60-minute session, against naive and floor pipelines.

Usage::

    .venv/bin/python bench/bench_analysis.py [--minutes 60] [--keep DIR]

Generates a synthetic session into a temporary directory (never into the repo): a 2-channel
48 kHz 16-bit WAV (one player per channel: tone bursts at a drifting tempo over noise, with
loudness swells and silences) and two MIDI players with about 40,000 notes in total. Each
pipeline then runs in a fresh subprocess (so peak RSS is its own):

* ours:  analysis.AudioAnalyzer per channel fed from ``soundfile.blocks`` (30 s blocks), and
         analysis.analyze_midi per MIDI player — every feature;
* naive: ``librosa.load`` of the whole file at 22.05 kHz, then per channel ``onset_strength``,
         ``feature.tempo``, ``beat_track``, ``feature.rms`` and ``onset_detect``;
* floor: reading the file blockwise, resampling to 22.05 kHz with soxr and one float32 STFT
         pass (1024/256, scipy.fft) per channel — the least any onset analysis must do.

A short warm-up run of every pipeline first fills numba's cache, so no pipeline pays JIT compile.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SR = 48000
BLOCK_S = 30


def generate(path: Path, minutes: float, seed: int = 7) -> dict:
    """Write the synthetic WAV (blockwise) and MIDI note arrays (.npz) next to it."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    dur = minutes * 60.0
    n_total = int(dur * SR)
    # beat times per channel: tempo drifting around 96 and 132 BPM, with 20 s silences every 5 min
    beats = []
    for base in (96.0, 132.0):
        t, out = 0.5, []
        while t < dur:
            bpm = base * (1 + 0.08 * np.sin(2 * np.pi * t / 240.0))
            if (t % 300.0) > 20.0:
                out.append(t + rng.normal(0, 0.01))
            t += 60.0 / bpm
        beats.append(np.asarray(out))
    burst_n = int(0.03 * SR)
    k = np.arange(burst_n)
    bursts = [np.sin(2 * np.pi * f * k / SR) * np.exp(-k / (0.008 * SR)) for f in (1800.0, 600.0)]
    with sf.SoundFile(str(path), "w", SR, 2, subtype="PCM_16") as fh:
        for a in range(0, n_total, BLOCK_S * SR):
            n = min(BLOCK_S * SR, n_total - a)
            blk = (rng.normal(0, 0.003, (n, 2))).astype(np.float32)
            tt = (a + np.arange(n)) / SR
            for ch in range(2):
                gain = 0.3 * (0.55 + 0.45 * np.sin(2 * np.pi * tt[::4800] / (60.0 + 30 * ch)))
                sel = beats[ch][(beats[ch] >= a / SR - 0.05) & (beats[ch] < (a + n) / SR)]
                for b in sel:
                    i = int(round(b * SR)) - a
                    lo, hi = max(i, 0), min(i + burst_n, n)
                    if hi > lo:
                        g = gain[min(lo // 4800, gain.size - 1)]
                        blk[lo:hi, ch] += g * bursts[ch][lo - i : hi - i]
            fh.write(blk)
    # MIDI: two players, ~20,000 notes each in 60 min (triplets at 100 BPM and 120 BPM, 5 % jitter)
    midi = {}
    for p, base in enumerate((100.0, 120.0)):
        ioi = 60.0 / base / 3 * (1 + 0.05 * rng.standard_normal(int(dur * 7)))
        s = np.cumsum(np.abs(ioi))
        s = s[s < dur - 1][:20000]
        midi[f"start{p}"] = s
        midi[f"end{p}"] = s + rng.uniform(0.05, 0.6, s.size)
        midi[f"pitch{p}"] = rng.integers(36, 96, s.size)
        midi[f"vel{p}"] = rng.integers(20, 120, s.size)
    np.savez(path.with_suffix(".npz"), duration=dur, **midi)
    return {"duration": dur, "n_notes": int(sum(midi[f"start{p}"].size for p in range(2)))}


# ----------------------------------------------------------------------------- pipelines
def run_ours(wav: str) -> dict:
    import soundfile as sf

    sys.path.insert(0, str(REPO))
    import analysis

    info = sf.info(wav)
    an = [analysis.AudioAnalyzer(sr=info.samplerate) for _ in range(info.channels)]
    for blk in sf.blocks(wav, blocksize=BLOCK_S * info.samplerate, dtype="float32", always_2d=True):
        for ch, a in enumerate(an):
            a.push(blk[:, ch])
    res = [a.finish(duration=info.frames / info.samplerate) for a in an]
    m = np.load(Path(wav).with_suffix(".npz"))
    for p in range(2):
        nt = analysis.NoteTable.from_arrays(m[f"start{p}"], m[f"end{p}"], m[f"pitch{p}"],
                                            m[f"vel{p}"])
        res.append(analysis.analyze_midi(nt, duration=float(m["duration"])))
    return {"tempo_bpm": [r.summary["tempo_bpm"] for r in res],
            "n_curves": sum(len(r.curves) for r in res)}


def run_naive(wav: str) -> dict:
    import librosa

    y, sr = librosa.load(wav, sr=22050, mono=False)
    out = []
    for ch in range(y.shape[0]):
        env = librosa.onset.onset_strength(y=y[ch], sr=sr)
        t = librosa.feature.tempo(onset_envelope=env, sr=sr)
        librosa.beat.beat_track(onset_envelope=env, sr=sr)
        librosa.feature.rms(y=y[ch])
        librosa.onset.onset_detect(onset_envelope=env, sr=sr)
        out.append(float(t[0]))
    return {"tempo_bpm": out}


def run_floor(wav: str) -> dict:
    import scipy.fft
    import soundfile as sf
    import soxr

    info = sf.info(wav)
    rs = [soxr.ResampleStream(info.samplerate, 22050, 1, dtype="float32")
          for _ in range(info.channels)]
    carry = [np.zeros(0, np.float32) for _ in range(info.channels)]
    win = np.hanning(1025)[:-1].astype(np.float32)
    frames = 0

    def stft(buf: np.ndarray) -> int:
        n = 1 + (buf.size - 1024) // 256 if buf.size >= 1024 else 0
        if n:
            fr = np.lib.stride_tricks.sliding_window_view(buf, 1024)[::256][:n]
            np.abs(scipy.fft.rfft(fr * win, axis=1))
        return n

    blocks = sf.blocks(wav, blocksize=BLOCK_S * info.samplerate, dtype="float32", always_2d=True)
    for blk in blocks:
        for ch in range(info.channels):
            buf = np.concatenate([carry[ch],
                                  rs[ch].resample_chunk(np.ascontiguousarray(blk[:, ch]))])
            n = stft(buf)
            frames += n
            carry[ch] = buf[n * 256 :]
    return {"frames": frames}


def child(kind: str, wav: str) -> None:
    t0 = time.perf_counter()
    c0 = time.process_time()
    info = {"ours": run_ours, "naive": run_naive, "floor": run_floor}[kind](wav)
    info["seconds"] = time.perf_counter() - t0
    info["cpu_s"] = time.process_time() - c0  # user + system CPU of all threads
    info["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(info))


def spawn(kind: str, wav: Path) -> dict:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "improv-bench-numba"))
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(wav)], capture_output=True,
                         text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--keep", type=Path, default=None, help="generate into / reuse this directory")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "WAV"), help=argparse.SUPPRESS)
    ap.add_argument("--skip-naive", action="store_true",
                    help="skip the (slow, 3+ GB) naive pipeline")
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    tmp = None
    d = args.keep
    if d is None:
        tmp = tempfile.TemporaryDirectory(prefix="improv-bench-")
        d = Path(tmp.name)
    d.mkdir(parents=True, exist_ok=True)
    wav = d / f"session_{args.minutes:g}min.wav"
    warm = d / "warmup.wav"
    t0 = time.perf_counter()
    if not wav.exists():
        meta = generate(wav, args.minutes)
        print(f"generated {args.minutes:g} min, 2 ch x {SR} Hz + {meta['n_notes']} MIDI notes "
              f"in {time.perf_counter() - t0:.0f} s ({wav.stat().st_size / 1e6:.0f} MB)")
    if not warm.exists():
        generate(warm, 0.5)
    kinds = ["floor", "ours"] + ([] if args.skip_naive else ["naive"])
    for k in kinds:
        spawn(k, warm)
    res = {k: spawn(k, wav) for k in kinds}
    print(f"\n60-min session analysis ({args.minutes:g} min, 2 audio channels at 48 kHz, "
          "2 MIDI players)")
    print(f"{'pipeline':8s} {'seconds':>8s} {'CPU s':>8s} {'peak RSS MB':>12s}")
    for k in kinds:
        print(f"{k:8s} {res[k]['seconds']:8.1f} {res[k]['cpu_s']:8.1f} "
              f"{res[k]['peak_rss_mb']:12.0f}")
    o, oc = res["ours"]["seconds"], res["ours"]["cpu_s"]
    if "naive" in res:
        print(f"ours / naive = {o / res['naive']['seconds']:.2f} "
              f"(naive is {res['naive']['seconds'] / o:.1f}x slower)"
              f"; CPU {oc / res['naive']['cpu_s']:.2f}")
    print(f"ours / floor = {o / res['floor']['seconds']:.2f}; CPU {oc / res['floor']['cpu_s']:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    met = (o < 15 and res["ours"]["peak_rss_mb"] < 600
           and ("naive" not in res or o < res["naive"]["seconds"]))
    print(f"targets: ours < naive, < 15 s, peak RSS < 600 MB -> "
          f"{'met' if met else 'NOT met'}")
    print("ours tempo_bpm per player: "
          f"{[None if x is None else round(x, 1) for x in res['ours']['tempo_bpm']]}")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How much of a real recording the dialogue takes as playing, with each audio onset held
0.25 s (before analysis 1.24.0) and with each onset's sound lasting until it ends
(:func:`analysis.onsets.onset_ends`, since 1.24.0).

Reads every ``*.wav`` in ``--data``/audio (the shared evaluation set's clips: drums, full-band
mixes, a tamborim, a guitar), mixed to mono, analyses it as one player
(:func:`analysis.analyze_audio`) and prints, per clip, its length, onsets, the activity share
(:func:`analysis.dialogue.activity.activity_intervals` over the clip) both ways, the clip's
silence share and the median sound length [s]. No ground truth of "playing" is read: the
figures say where the rule changes what the dialogue sees, not whether it is right.

Usage::

    .venv/bin/python bench/bench_sound_ends.py --data ../shared/evaldata
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _share(iv: np.ndarray, duration: float) -> float:
    return float((iv[:, 1] - iv[:, 0]).sum() / duration) if len(iv) and duration > 0 else 0.0


def main(argv: list[str] | None = None) -> None:
    import soundfile as sf

    from analysis import analyze_audio
    from analysis.dialogue import PlayerEvents
    from analysis.dialogue.activity import activity_intervals

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="the evaluation set's folder")
    args = ap.parse_args(argv)
    clips = sorted((args.data / "audio").glob("*.wav"))
    if not clips:
        sys.exit(f"bench_sound_ends: no .wav files in {args.data / 'audio'}: give the shared "
                 "evaluation set's folder with --data")
    print(f"{'clip':40s} {'length':>7s} {'onsets':>6s} {'held 0.25 s':>11s} {'sound':>6s} "
          f"{'silence':>7s} {'median sound':>12s}")
    for f in clips:
        y, sr = sf.read(f, dtype="float32", always_2d=True)
        y = y.mean(axis=1)
        duration = len(y) / sr
        pa = analyze_audio(y, sr=sr)
        on, ends = pa.onsets, np.maximum(pa.onset_ends, pa.onsets)
        held = activity_intervals(PlayerEvents(on), duration=duration)
        sound = activity_intervals(PlayerEvents(on, offsets=ends), duration=duration)
        median = f"{np.median(ends - on):.2f} s" if on.size else "–"
        print(f"{f.stem[:40]:40s} {duration:6.1f}s {on.size:6d} {_share(held, duration):11.3f} "
              f"{_share(sound, duration):6.3f} {pa.summary['silence_share']:7.3f} {median:>12s}")


if __name__ == "__main__":
    main()

"""How much space ``improv sessions compress`` saves on real recordings, and how long it takes.

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_compress.py [--data ../shared/evaldata] [--repeat 8]

Each 16-bit recording of the evaluation data's ``audio/`` folder is stored as the recorder
stores audio (a 32-bit float WAV in a session of a temporary store), repeated ``--repeat``
times end to end so that the timing is not dominated by start-up, and then compressed. Prints
per file the float WAV size, the FLAC size and their ratio, and the compression time (check of
the samples, FLAC encoding, the read-back comparison and the checksums). The evaluation data is
read where it lies, never copied.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    import soundfile as sf

    from sessions.compress import compress_session
    from sessions.store import Store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path,
                    default=Path(__file__).resolve().parents[2] / "shared" / "evaldata")
    ap.add_argument("--repeat", type=int, default=8)
    args = ap.parse_args(argv)
    files = sorted((args.data / "audio").glob("*.wav"))
    if not files:
        print(f"no WAV files in {args.data / 'audio'}", file=sys.stderr)
        return 1
    print(f"{'file':38s} {'min':>5s} {'float WAV MB':>12s} {'FLAC MB':>8s} {'ratio':>6s} "
          f"{'s':>6s} {'x realtime':>10s}")
    total_in = total_out = total_s = total_t = 0.0
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "store") as store:
        for path in files:
            y, sr = sf.read(path, dtype="float32", always_2d=True)
            if not np.any(y):
                continue  # digital silence says nothing about compression
            y = np.tile(y, (args.repeat, 1))
            w = store.create_session(client="B01", players=["p"])
            a = w.add_audio_input("mic", sr=sr, channels=y.shape[1], players={"p": [1]}, t0=0.0)
            for i in range(0, len(y), 1 << 15):
                a.write(y[i:i + (1 << 15)].copy())
            sid = w.finalize(duration_s=len(y) / sr)["id"]
            t0 = time.perf_counter()
            (r,) = compress_session(store, sid)
            dt = time.perf_counter() - t0
            secs = len(y) / sr
            if r.status != "compressed":
                print(f"{path.stem[:38]:38s} kept: {r.reason}")
                continue
            total_in += r.bytes_before
            total_out += r.bytes_after
            total_s += secs
            total_t += dt
            print(f"{path.stem[:38]:38s} {secs / 60:5.1f} {r.bytes_before / 1e6:12.1f} "
                  f"{r.bytes_after / 1e6:8.1f} {r.bytes_after / r.bytes_before:6.3f} "
                  f"{dt:6.2f} {secs / dt:10.0f}")
    print(f"{'all':38s} {total_s / 60:5.1f} {total_in / 1e6:12.1f} {total_out / 1e6:8.1f} "
          f"{total_out / total_in:6.3f} {total_t:6.2f} {total_s / total_t:10.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

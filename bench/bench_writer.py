"""Session writer throughput and memory.

Appends N MIDI events and M minutes of 2-channel 48 kHz float32 audio through
``SessionWriter`` (the path the live recorder uses), interleaved as in a real
session, then finalizes.  Prints events/s, audio MB/s, RSS over time, peak
RSS and finalize time.  The producer waits whenever more than 2,000 items are
queued, as a real-time producer is far slower than the writer; RSS then
shows what the writer itself holds.

    python bench/bench_writer.py --events 1000000 --minutes 60 [--dir /tmp]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sessions.store import Store  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--dir", default=None, help="where to create the temporary store")
    args = ap.parse_args()

    sr, channels, block = 48000, 2, 1024
    n_blocks = int(args.minutes * 60 * sr / block)
    events_per_block = args.events / max(n_blocks, 1)
    root = Path(tempfile.mkdtemp(prefix="improv-bench-", dir=args.dir))
    try:
        store = Store(root / "store")
        w = store.create_session(client="B01", players=["client", "therapist"])
        audio = w.add_audio_input("interface", sr=sr, channels=channels,
                                  players={"client": [1], "therapist": [2]})
        rng = np.random.default_rng(0)
        blocks = [rng.uniform(-0.5, 0.5, (block, channels)).astype(np.float32) for _ in range(8)]
        note = bytes([0x90, 60, 100])
        rss_samples = []
        sent = 0
        owed = 0.0
        t_start = time.perf_counter()
        for b in range(n_blocks):
            t = b * block / sr
            audio.write(blocks[b % 8])
            if b % 47 == 0:
                audio.anchor(frame=b * block, t=t)
            owed += events_per_block
            while owed >= 1 and sent < args.events:
                w.midi(t, player="client" if sent % 2 else "therapist", port="Keys",
                       data=note, delta_s=0.001)
                sent += 1
                owed -= 1
            if b % 256 == 0:
                while w.queue_depth > 2000:
                    time.sleep(0.001)
            if b % (n_blocks // 10 or 1) == 0:
                rss_samples.append((round(100 * b / n_blocks), rss_mb()))
        while sent < args.events:
            w.midi(n_blocks * block / sr, player="client", port="Keys", data=note)
            sent += 1
        while w.queue_depth > 0:
            time.sleep(0.01)
        t_appended = time.perf_counter()
        manifest = w.finalize()
        t_done = time.perf_counter()
        rss_samples.append((100, rss_mb()))
        audio_mb = n_blocks * block * channels * 4 / 1e6
        append_s = t_appended - t_start
        print(f"events           {manifest['midi']['events']:,} ({sent / append_s:,.0f} events/s "
              "interleaved with the audio)")
        print(f"audio            {audio_mb:,.0f} MB, {args.minutes:g} min 2 ch 48 kHz float32 "
              f"({audio_mb / append_s:,.0f} MB/s)")
        print(f"append time      {append_s:.1f} s")
        print(f"finalize time    {t_done - t_appended:.1f} s (SMF, checksums, catalog)")
        print("RSS over time    " + ", ".join(f"{p}%: {m:.0f} MB" for p, m in rss_samples))
        print(f"peak RSS         {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
        store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

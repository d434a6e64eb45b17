"""How long checking a client's sessions for damage takes (``why_left_out`` of each session).

A client's course, goals and page (``compare_client``, ``goals``) ask
:func:`improv.reports.compare.why_left_out` of every session of the client each time they are
computed: on every load of the client's web page. It opens the session and checks its
``midi.tsv`` against the manifest's checksum. Builds (or reuses) a store of ``--sessions``
imported MIDI sessions of one client (``--notes`` notes per player, two players), then times
one pass over all of them (``--runs`` passes in one process; the first pass apart, later
passes' median), in wall-clock and in this process's CPU time (steadier on a busy machine).

Usage::

    .venv/bin/python bench/bench_left_out.py --store /tmp/benchleft/store \\
        [--sessions 70] [--notes 4000] [--runs 7]

Prints one JSON object (times in milliseconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CLIENT = "C01"


def _midi(path: Path, *, notes: int, seed: int) -> Path:
    """A type 1 MIDI file of two players' tracks, ``notes`` random notes each."""
    import mido
    import numpy as np

    rng = np.random.default_rng(seed)
    mid = mido.MidiFile(type=1, ticks_per_beat=480)  # 120 BPM: 960 ticks a second
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500_000)]))
    for name, channel in (("client", 0), ("therapist", 1)):
        starts = np.sort(rng.integers(0, 960 * 45 * 60, notes))
        events = []
        for t in starts:
            pitch = int(rng.integers(48, 84))
            events.append((int(t), mido.Message("note_on", channel=channel, note=pitch,
                                                 velocity=int(rng.integers(40, 110)))))
            events.append((int(t) + 200, mido.Message("note_off", channel=channel, note=pitch)))
        events.sort(key=lambda e: e[0])
        track, last = mido.MidiTrack([mido.MetaMessage("track_name", name=name)]), 0
        for tick, msg in events:
            track.append(msg.copy(time=tick - last))
            last = tick
        mid.tracks.append(track)
    mid.save(path)
    return path


def build(store, *, sessions: int, notes: int) -> None:
    """Import the client's sessions that the store does not hold yet."""
    from sessions.importer import import_files

    have = len(store.catalog.sessions(client=CLIENT))
    start = datetime(2025, 1, 6, 10, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        for week in range(have, sessions):
            path = _midi(Path(tmp) / f"w{week}.mid", notes=notes, seed=week)
            import_files(store, [path], client=CLIENT,
                         players=[f"client={path.name}:2", f"therapist={path.name}:3"],
                         started=start + timedelta(days=7 * week))


def main() -> None:
    from improv.reports.compare import why_left_out
    from sessions.store import Store

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--sessions", type=int, default=70)
    ap.add_argument("--notes", type=int, default=4000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    store = Store(args.store)
    build(store, sessions=args.sessions, notes=args.notes)
    ids = [r["id"] for r in store.catalog.sessions(client=CLIENT)][:args.sessions]
    midi_bytes = sum((store.folder(s) / "midi.tsv").stat().st_size for s in ids)
    times, cpu, left_out = [], [], 0
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        left_out = sum(why_left_out(store, s) is not None for s in ids)
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    print(json.dumps({"sessions": len(ids), "midi_tsv_mb": round(midi_bytes / 1e6, 1),
                      "runs": args.runs, "first_pass_ms": round(times[0], 1),
                      "first_pass_cpu_ms": round(cpu[0], 1),
                      "later_passes_median_ms": round(statistics.median(times[1:]), 1),
                      "later_passes_median_cpu_ms": round(statistics.median(cpu[1:]), 1),
                      "later_passes_ms": [round(t, 1) for t in times[1:]],
                      "left_out": left_out}))


if __name__ == "__main__":
    main()

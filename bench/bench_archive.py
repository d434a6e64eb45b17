"""Throughput of ``improv analyze --all`` on Dask, and memory of one long session's analysis.

Usage::

    .venv/bin/python bench/bench_archive.py [--sessions 40] [--minutes 10] [--dir DIR]
        [--skip-throughput] [--skip-memory]

Archive: one demo duet of ``--minutes`` (two MIDI players and one two-channel 48 kHz input,
:func:`improv.demo.create_demo_session`) copied into ``--sessions`` session folders with their
own IDs (the audio hard-linked: the file system holds it once; the page cache then serves
every copy, as it would a store read twice). It is analysed three ways, each recomputing
everything:

1. serially: :func:`improv.analyze.analyze_session` on each session in one process;
2. ``--workers 2``: :func:`improv.archive.batch.run_batch` on a LocalCluster of 2 processes
   (time includes starting the cluster);
3. a ``dask scheduler`` and two ``dask worker`` processes started as separate processes,
   ``run_batch(scheduler=...)`` (time from submitting; workers started beforehand).

Prints sessions/min, hours of audio/min, parallel efficiency (serial time / (2 × parallel
time)) and each worker process's peak RSS.

Memory: a session of 1 h and one of 3 h (the demo's audio and MIDI repeated end to end through
the session writer), each analysed in a fresh process, with and without ``--dialogue``: wall
time and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


# ----------------------------------------------------------------------------- archive
def make_archive(root: Path, *, sessions: int, minutes: float) -> list[str]:
    from improv.demo import create_demo_session
    from sessions.fsutil import atomic_write_json, read_json
    from sessions.store import Store

    store = Store(root)
    if len(store.session_ids()) >= sessions:
        return store.session_ids()[:sessions]
    first = create_demo_session(store, duration=minutes * 60.0)["id"]
    src = store.folder(first)
    for k in range(1, sessions):
        sid = f"{first[:-4]}{k:04x}"
        dst = store.folder(sid)
        shutil.copytree(src, dst, copy_function=os.link, ignore=shutil.ignore_patterns("cache"))
        m = read_json(dst / "session.json")
        m["id"] = sid
        for name in ("session.json",):
            (dst / name).unlink()  # hard-linked: write a file of its own
            atomic_write_json(dst / name, m)
    store.reindex()
    store.close()
    return sorted(Store(root).session_ids())


def long_session(root: Path, *, hours: float, demo_minutes: float = 10.0) -> str:
    """A session of ``hours``: a demo of ``demo_minutes`` written again and again."""
    import numpy as np

    from improv.demo import create_demo_session
    from sessions.store import Store

    store = Store(root)
    demo = store.session(create_demo_session(store, duration=demo_minutes * 60.0)["id"])
    inp = demo.audio_inputs()[0]
    ev = demo.midi_events()
    seg = demo.duration_s
    w = store.create_session(client="LONG", players=["client", "therapist"], source="generated",
                             demo=True)
    ports = {"client": "Demo Keyboard", "therapist": "Demo Pads"}
    for player, port in ports.items():
        w.add_midi_input(port, player=player)
    audio = w.add_audio_input("room-mics", sr=inp.sr, channels=2,
                              players={"client": [1], "therapist": [2]}, t0=0.0)
    for r in range(int(round(hours * 3600 / seg))):
        for t, player, st, d1, d2 in zip(ev.t, ev.player, ev.status, ev.data1, ev.data2,
                                         strict=True):
            w.midi(float(t) + r * seg, player=str(player), port=ports[str(player)],
                   data=bytes([int(st), int(d1), int(d2)]))
        for block in demo.audio_blocks(inp.name, blocksize=1 << 16):
            audio.write(np.ascontiguousarray(block))
    sid = w.finalize(duration_s=seg * round(hours * 3600 / seg))["id"]
    store.close()
    return sid


def _long_id(root: Path, hours: float) -> str | None:
    """A long session made by an earlier run with ``--dir`` (reused)."""
    from sessions.store import Store

    if not (root / "sessions").is_dir():
        return None
    with Store(root) as store:
        for sid in store.session_ids():
            s = store.session(sid)
            if s.client == "LONG" and abs(s.duration_s - hours * 3600) < 1:
                return sid
    return None


# ----------------------------------------------------------------------------- runs
def serial(root: Path, sids: list[str]) -> float:
    from improv.analyze import analyze_session
    from sessions.store import Store

    with Store(root) as store:
        t = time.monotonic()
        for sid in sids:
            analyze_session(store, sid, use_cache=False)
        return time.monotonic() - t


def batch(root: Path, **kw) -> dict:
    from improv.archive.batch import run_batch
    from sessions.store import Store

    with Store(root) as store:
        t = time.monotonic()
        out = run_batch(store, force=True, **kw)
        out["wall_s"] = time.monotonic() - t
        assert not out["failed"], out["failed"]
        return out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_cluster(root: Path, log_dir: Path) -> dict:
    dask = str(Path(sys.executable).with_name("dask"))
    port = _port()
    addr = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], env=_env(),
                              stderr=open(log_dir / "scheduler.log", "wb"))]
    try:
        for i in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", addr, "--nthreads", "1", "--nworkers", "1", "--host",
                 "127.0.0.1", "--no-dashboard"], env=_env(),
                stderr=open(log_dir / f"worker{i}.log", "wb")))
        from distributed import Client

        with Client(addr, timeout="30s") as c:
            c.wait_for_workers(2, timeout=120)
        return batch(root, scheduler=addr)
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(30)


_CHILD = """
import json, resource, sys, time
t = time.monotonic()
from improv.analyze import analyze_session, compute_session
from sessions.store import Store
with Store(sys.argv[1]) as s:
    if sys.argv[4] == "worker":  # what a Dask worker runs: compute only, nothing written
        compute_session(s, sys.argv[2], dialogue=sys.argv[3] == "1", use_cache=False)
    else:
        analyze_session(s, sys.argv[2], dialogue=sys.argv[3] == "1", use_cache=False,
                        catalog=False)
hwm = [x for x in open("/proc/self/status") if x.startswith("VmHWM:")]  # not ru_maxrss:
peak = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": time.monotonic() - t, "peak_mb": peak / 1024}))
"""


def memory(root: Path, sid: str, *, dialogue: bool, worker: bool = False) -> dict:
    """Peak RSS (VmHWM: Linux keeps ru_maxrss across exec, so a child started by this
    process would report this process's peak) and wall time of one analysis
    (``analyze_session``; with ``worker``, ``compute_session`` only, as on a Dask worker)."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(root), sid, "1" if dialogue else "0",
                          "worker" if worker else "session"],
                         env=_env(), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--dir", type=Path, help="keep the generated stores here (reused)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args(argv)
    base = args.dir or Path(tempfile.mkdtemp(prefix="bench_archive-"))
    base.mkdir(parents=True, exist_ok=True)
    if not args.skip_throughput:
        root = base / "archive"
        sids = make_archive(root, sessions=args.sessions, minutes=args.minutes)
        hours = len(sids) * args.minutes / 60.0
        print(f"archive: {len(sids)} sessions x {args.minutes:g} min (2-ch audio, 2 MIDI "
              f"players) = {hours:.2f} h of audio", flush=True)
        serial(root, sids[:1])  # warm-up: numba cache, page cache
        t1 = serial(root, sids)
        rows = [("serial (1 process)", t1, None)]
        b = batch(root, workers=2)
        rows.append(("--workers 2 (LocalCluster)", b["wall_s"], b["worker_peak_rss_mb"]))
        c = with_cluster(root, base)
        rows.append(("dask scheduler + 2 dask worker", c["wall_s"], c["worker_peak_rss_mb"]))
        print("| run | wall s | sessions/min | audio h/min | parallel efficiency | "
              "peak RSS per worker MB |\n|---|---|---|---|---|---|")
        for name, t, rss in rows:
            eff = "—" if rss is None else f"{t1 / (2 * t):.0%}"
            mem = "—" if rss is None else ", ".join(f"{v:.0f}" for v in rss.values())
            print(f"| {name} | {t:.1f} | {len(sids) / t * 60:.1f} | {hours / t * 60:.2f} | "
                  f"{eff} | {mem} |", flush=True)
    if not args.skip_memory:
        root = base / "long"
        ids = {}
        for h in (1.0, 3.0):
            ids[h] = _long_id(root, h) or long_session(root, hours=h)
            print(f"generated a {h:g} h session", flush=True)
        print("| session | dialogue | wall s | peak RSS MB | worker (compute only) MB |\n"
              "|---|---|---|---|---|")
        for h, sid in ids.items():
            for dialogue in (False, True):
                m = memory(root, sid, dialogue=dialogue)
                w = memory(root, sid, dialogue=dialogue, worker=True)
                print(f"| {h:g} h, 2 ch | {'yes' if dialogue else 'no'} | {m['seconds']:.1f} | "
                      f"{m['peak_mb']:.0f} | {w['peak_mb']:.0f} |", flush=True)
    if not args.dir:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

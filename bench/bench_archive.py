"""Throughput of ``improv analyze --all`` on Dask, and memory of one long session's analysis.

Usage::

    .venv/bin/python bench/bench_archive.py [--sessions 40] [--minutes 10] [--dir DIR]
        [--skip-throughput] [--skip-memory]

Archive: one demo duet of ``--minutes`` (two MIDI players and one two-channel 48 kHz input,
:func:`improv.demo.create_demo_session`) copied into ``--sessions`` session folders with their
own IDs (the audio hard-linked: the file system holds it once; the page cache then serves
every copy, as it would a store read twice). It is analysed three ways, each recomputing
everything:

1. serially: :func:`improv.analyze.analyze_session` on each session in one process, as it
   runs by default (its batched FFTs use 2 threads: ``analysis.periodicity.FFT_WORKERS``) and with
   one thread only (``FFT_WORKERS = 1``);
2. ``--workers 2``: :func:`improv.archive.batch.run_batch` on a LocalCluster of 2 processes
   (time includes starting the cluster; its start is also printed on its own);
3. a ``dask scheduler`` and two ``dask worker`` processes started as separate processes,
   ``run_batch(scheduler=...)`` (time from submitting; workers started beforehand).

Prints sessions/min, hours of audio/min, parallel efficiency (T_serial / (2 × T_2), T_serial
the faster serial run), the CPU time (user + system) each run spent and where (the
coordinating process, which in the LocalCluster run also holds the scheduler; the workers;
the separate scheduler) and each worker process's peak RSS.

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
def _cpu_s(*, children: bool = False) -> float:
    """CPU seconds (user + system) of this process, or of its ended and waited-for children
    (a LocalCluster's nannies, and through them its workers)."""
    t = os.times()
    return t.children_user + t.children_system if children else t.user + t.system


def serial(root: Path, sids: list[str], *, fft_threads: int = 2) -> dict:
    """Wall and CPU seconds of analysing ``sids`` one after the other in this process, the
    batched FFTs on ``fft_threads`` threads."""
    import analysis.audio
    import analysis.periodicity
    from improv.analyze import analyze_session
    from sessions.store import Store

    default = analysis.periodicity.FFT_WORKERS
    analysis.periodicity.FFT_WORKERS = analysis.audio.FFT_WORKERS = fft_threads
    try:
        with Store(root) as store:
            t, c = time.monotonic(), _cpu_s()
            for sid in sids:
                analyze_session(store, sid, use_cache=False)
            return {"wall_s": time.monotonic() - t, "cpu_s": _cpu_s() - c,
                    "load": os.getloadavg()}
    finally:
        analysis.periodicity.FFT_WORKERS = analysis.audio.FFT_WORKERS = default


def batch(root: Path, **kw) -> dict:
    from improv.archive.batch import run_batch
    from sessions.store import Store

    with Store(root) as store:
        t, c, k = time.monotonic(), _cpu_s(), _cpu_s(children=True)
        out = run_batch(store, force=True, include_demo=True, **kw)  # the archive is demos
        out["wall_s"] = time.monotonic() - t
        out["coordinator_cpu_s"] = _cpu_s() - c
        out["children_cpu_s"] = _cpu_s(children=True) - k  # a LocalCluster's, once ended
        out["load"] = os.getloadavg()
        assert not out["failed"], out["failed"]
        return out


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its descendants (a ``dask worker`` runs under a nanny)."""
    import psutil

    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    return sum(sum(p.cpu_times()[:2]) for p in procs)


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
        before = [_tree_cpu_s(p.pid) for p in procs]
        out = batch(root, scheduler=addr)
        after = [_tree_cpu_s(p.pid) for p in procs]
        out["scheduler_cpu_s"] = after[0] - before[0]
        out["children_cpu_s"] = sum(after[1:]) - sum(before[1:])  # nannies and workers
        return out
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


def _table(runs: dict[str, dict], *, sessions: int, hours: float) -> None:
    """Print the throughput runs as a Markdown table, then where their CPU time went."""
    t1 = min(r["wall_s"] for r in runs.values() if "workers" not in r)
    print("| run | wall s | cluster start s | sessions/min | audio h/min | parallel efficiency "
          "| without the start | CPU s | peak RSS per worker MB |\n|---|---|---|---|---|---|---|"
          "---|---|")
    for name, r in runs.items():
        t, start = r["wall_s"], r.get("cluster_start_s")
        par = "workers" in r
        cpu = r["cpu_s"] if not par else (r["coordinator_cpu_s"] + r.get("scheduler_cpu_s", 0)
                                          + r["children_cpu_s"])
        print(f"| {name} | {t:.1f} | {'—' if start is None else f'{start:.1f}'} | "
              f"{sessions / t * 60:.1f} | {hours / t * 60:.2f} | "
              f"{f'{t1 / (2 * t):.0%}' if par else '—'} | "
              f"{f'{t1 / (2 * (t - start)):.0%}' if par else '—'} | {cpu:.1f} | "
              f"{', '.join(f'{v:.0f}' for v in r['worker_peak_rss_mb'].values()) if par else '—'}"
              " |", flush=True)
    cpu1 = min(r["cpu_s"] for r in runs.values() if "workers" not in r)
    for name, r in runs.items():
        if "workers" in r:  # what the run's CPU time would give on 2 otherwise idle cores
            total = r["coordinator_cpu_s"] + r.get("scheduler_cpu_s", 0) + r["children_cpu_s"]
            print(f"{name}: CPU-bound efficiency (least serial CPU time / the run's) "
                  f"{cpu1 / total:.0%}")
    for name, r in runs.items():
        print(f"{name}: load average at its end {r['load'][0]:.2f} (1 min), "
              f"{r['load'][1]:.2f} (5 min)", end="; ")
        if "workers" in r:
            print(f"CPU s coordinator {r['coordinator_cpu_s']:.1f}, scheduler process "
                  f"{r.get('scheduler_cpu_s', 0):.1f}, nannies and workers "
                  f"{r['children_cpu_s']:.1f}, of which the workers "
                  + ", ".join(f"{v:.1f}" for v in r["worker_cpu_s"].values()))
        else:
            print(f"CPU {r['cpu_s']:.1f} s in {r['wall_s']:.1f} s wall "
                  f"({r['cpu_s'] / r['wall_s']:.2f} cores)")


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
        # the batch runs analyse every session of the store: one store per archive size
        root = base / ("archive" if (args.sessions, args.minutes) == (40, 10.0)
                       else f"archive-{args.sessions}x{args.minutes:g}min")
        sids = make_archive(root, sessions=args.sessions, minutes=args.minutes)
        hours = len(sids) * args.minutes / 60.0
        print(f"archive: {len(sids)} sessions x {args.minutes:g} min (2-ch audio, 2 MIDI "
              f"players) = {hours:.2f} h of audio", flush=True)
        serial(root, sids[:1])  # warm-up: numba cache, page cache
        runs = {"serial (1 process)": serial(root, sids),
                "serial, FFTs on 1 thread": serial(root, sids, fft_threads=1)}
        runs["--workers 2 (LocalCluster)"] = batch(root, workers=2)
        runs["dask scheduler + 2 dask worker"] = with_cluster(root, base)
        _table(runs, sessions=len(sids), hours=hours)
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

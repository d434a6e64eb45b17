"""Do live measures endanger capture? Two recorders side by side in one run, one with live
measures (``--live-measures``) and one without, on the same JACK server and the same players.

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_live.py [--seconds 60]

The sender (bench_recording.py's, a separate process) plays two MIDI ports, each with 50
jittered pitch-bend messages a second (unique: their timing is measured, as in
``bench_recording.py load``) and 4 notes a second (so the live measures have music to
measure), and a click train on two audio channels. Both ``improv record`` processes record all
of it into their own stores. Figures per recorder: process CPU (utime + stime, /proc) over the
wall time from 10 s after the start to the end, RSS growth, MIDI lost and timing error
(stamp - scheduled, pitch bends only), audio gaps, click spacing; for the one with live
measures also the CPU its measuring thread used and the number of updates. One JSON object on
stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_recording import (  # noqa: E402
    SR,
    go,
    jittered,
    load_context,
    match_in_order,
    proc_cpu_s,
    proc_rss_bytes,
    recorder,
    sender_result,
    session_of,
    start_sender,
    stats_ms,
)


def _with_notes(events: list, *, seconds: float, status: int) -> list:
    """``events`` plus a note every 0.25 s (off 0.125 s later), sorted by time."""
    ch = status & 0x0F
    notes = []
    for k in range(int(seconds * 4)):
        t = 0.25 * k + 0.003
        notes += [[t, bytes([0x90 | ch, 60 + k % 12, 60 + k % 40]).hex()],
                  [t + 0.125, bytes([0x80 | ch, 60 + k % 12, 0]).hex()]]
    return sorted(events + notes, key=lambda e: e[0])


def _wire(ctl, sources: list[str]) -> None:
    """Connect the sender's audio ports to in_1, in_2 of every recorder's PortAudio client."""
    from tests.rig.jackrig import recorder_audio_ports, wait_for

    ports = wait_for(lambda: (lambda p: p if len(p) >= 2 * len(sources) else None)(
        recorder_audio_ports(ctl)), timeout=30, what="both recorders' audio ports")
    clients = sorted({p.split(":")[0] for p in ports})
    for dst in ports:
        for src in ctl.get_all_connections(dst):
            ctl.disconnect(src, dst)
    for c in clients:
        mine = [p for p in ports if p.startswith(c + ":")]
        for src, dst in zip(sources, mine, strict=False):
            ctl.connect(src, dst)


def _figures(store: Path, res: dict, sent: dict, span: tuple) -> dict:
    from tests.rig.jackrig import find_clicks

    s = session_of(store, res)
    start = s.manifest["settings"]["clock"]["start_counter_s"]
    timing, lost = {}, {}
    for player, name in (("client", "kb1"), ("therapist", "kb2")):
        ev = s.midi_events(players=[player])
        data = sent["midi"][name]["data"]
        t = match_in_order(ev.t + start, [bytes(r).hex() for r in ev.raw], data)
        lost[name] = int((~np.isfinite(t)).sum())
        bend = np.array([d.startswith("e") for d in data])  # the pitch bends: unique
        err = (t - np.array(sent["midi"][name]["counter"]))[bend & np.isfinite(t)]
        timing[name] = stats_ms(err)
    clicks = find_clicks(s.read_audio(s.audio_inputs()[0].name)[:, 0])
    cpu0, cpu1, wall0, wall1, rss0, rss1 = span
    return {"cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 2),
            "rss_growth_mb": round((rss1 - rss0) / 1e6, 2), "midi_lost": lost,
            "midi_timing": timing, "audio_gaps": res["audio"][0]["gaps"],
            "audio_overflows": res["audio"][0]["overflows"], "clicks_found": int(len(clicks)),
            "click_spacing_ok": bool(np.all(np.diff(clicks) == int(0.5 * SR))),
            "live_measures": res.get("live_measures")}


def bench_live(args, tmp: Path) -> dict:
    import jack

    from tests.rig.jackrig import JackServer, wait_for

    rng = np.random.default_rng(5)
    srv = JackServer(period=1024, log_dir=tmp).start()
    ctl = jack.Client("benchctl", no_start_server=True, servername=srv.name)
    ctl.activate()
    procs = {}
    try:
        n = int(args.seconds * 50)
        midi = [{"name": name, "events": _with_notes(jittered(n, rate=50, rng=rng, status=st),
                                                     seconds=args.seconds, status=st)}
                for name, st in (("kb1", 0x90), ("kb2", 0x91))]
        sender, ready = start_sender({"server": srv.name, "midi": midi, "clicks": {
            "name": "mic", "interval_s": 0.5, "count": int(args.seconds / 0.5)}}, tmp)
        for mode in ("with", "without"):
            flag = "--live-measures" if mode == "with" else "--no-live-measures"
            procs[mode] = recorder(tmp / f"store-{mode}", [
                "--player", "client=midi:kb1", "--player", "therapist=midi:kb2",
                "--player", "client=audio:system:1", "--player", "therapist=audio:system:2",
                "--jack-server", srv.name, flag, "--duration", str(args.seconds + 15)],
                env=os.environ.copy())
        _wire(ctl, ready["audio_ports"])
        wait_for(lambda: all(sum(c.name.startswith("improv-midi") for c in
                                 ctl.get_all_connections(p)) >= 2
                             for p in ("kb1:out", "kb2:out")), timeout=30, what="recorders")
        go(sender, 0.5)
        time.sleep(10.0)
        first = {m: (proc_cpu_s(p.pid), time.monotonic(), proc_rss_bytes(p.pid))
                 for m, p in procs.items()}
        sent = sender_result(sender, args.seconds + 120)
        last = {m: (proc_cpu_s(p.pid), time.monotonic(), proc_rss_bytes(p.pid))
                for m, p in procs.items()}
        out = {"bench": "live", "seconds": args.seconds, "period_frames": 1024,
               "jack_xrun_lines": None, "load": load_context()}
        for m, p in procs.items():
            res = json.loads(p.communicate(timeout=120)[0])
            (c0, w0, r0), (c1, w1, r1) = first[m], last[m]
            out[f"{m}_live_measures"] = _figures(tmp / f"store-{m}", res, sent,
                                                 (c0, c1, w0, w1, r0, r1))
        out["jack_xrun_lines"] = (tmp / f"jackd-{srv.name}.log").read_text().count("XRun")
        return out
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait(10)
        ctl.deactivate()
        ctl.close()
        srv.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="improv-bench-live-") as tmp:
        print(json.dumps(bench_live(args, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()

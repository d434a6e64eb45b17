"""Recording benchmarks through real JACK servers (dummy driver).

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_recording.py midi-timing  [--seconds 60] [--period 128]
                                                           [--hog N [--hog-nice -10] [--cpu 0]]
    .venv/bin/python bench/bench_recording.py alignment    [--seconds 30] [--period 256]
    .venv/bin/python bench/bench_recording.py load         [--seconds 600]
    .venv/bin/python bench/bench_recording.py burst        [--seconds 60]

Every run starts its own JACK server(s) with unique names, plays from a
separate *sender* process (JACK-Client, frame-exact schedule; the JACK frame
of each message is mapped to CLOCK_MONOTONIC_RAW with jack_frames_to_time),
records with a real ``improv record`` process, and stops everything (clients
before servers).  Figures go to stdout as one JSON object per run.

* midi-timing: one sender port at 50 messages/s with jittered spacing; the
  recorder and a bare python-rtmidi receiver (callback stamps
  CLOCK_MONOTONIC_RAW, nothing else) listen to the same port on a MIDI server
  with a small period, while audio runs on a second server at 1024 frames.
  Error = stamp - scheduled time.  ``--hog N`` runs N busy-looping processes
  beside it (``--hog-nice``: at that nice value; ``--cpu``: they and the recorder
  on one CPU), to see what a starved machine does to the stamps; also counted:
  stamps more than ``max_correction_s`` (20 ms) late.
* alignment: one server; the sender writes a MIDI note and the onset of a
  click at the same JACK frame every 0.25 s (random frame offsets); error =
  MIDI stamp - audio time of the click (t0 + n/sr with the fitted drift).
* load: 2 MIDI ports at 50 messages/s each + 2 audio channels at 48 kHz;
  recorder process CPU time (utime + stime from /proc) over the wall time
  between 10 s after start and the end, and RSS growth over the same span.
* burst: 2,000 MIDI messages/s for the given time, received at once by the
  recorder in both MIDI modes (``--midi-capture queue`` and ``callback``) and
  by a bare python-rtmidi callback receiver; messages lost by each, and by
  all (= lost by the sender or JACK).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SR = 48000


# -- roles in child processes ---------------------------------------------------------------


def role_sender(spec_path: str) -> None:
    """Create the players, print 'ready', start on 'go', print what was sent as JSON."""
    import jack

    from tests.rig.jackrig import AudioPlayer, MidiPlayer, click_train

    spec = json.loads(Path(spec_path).read_text())

    class Srv:
        name = spec["server"]

        @staticmethod
        def client(name):
            return jack.Client(name, no_start_server=True, servername=spec["server"])

    players = []
    midis = []
    for m in spec.get("midi", []):
        p = MidiPlayer(Srv, name=m["name"],
                       events=[(t, bytes.fromhex(h)) for t, h in m["events"]])
        midis.append(p)
        players.append(p)
    audio = None
    if spec.get("clicks"):
        c = spec["clicks"]
        sig, onsets = click_train(sr=SR, interval_s=c["interval_s"], count=c["count"])
        pre = np.zeros(int(c.get("offset_s", 0) * SR), np.float32)
        sig = np.concatenate([pre, sig])
        onsets = onsets + len(pre)
        audio = AudioPlayer(Srv, name=c["name"], signals=[sig, sig * 0.5], marks=onsets)
        players.append(audio)
    print(json.dumps({"ready": True, "audio_ports": audio.port_names if audio else []}),
          flush=True)
    line = sys.stdin.readline()
    delay = float(line.split()[1])
    f0 = players[0].start(delay_s=delay)
    for p in players:
        p.start_frame = f0
    for p in players:
        p.wait_done(spec.get("timeout", 3600))
    out = {"start_frame": f0, "midi": {}, "clicks_counter": []}
    for p in midis:
        out["midi"][p.name] = {"counter": p.sent_counter_times().tolist(),
                               "data": [b.hex() for b in p.sent]}
    if audio is not None:
        out["clicks_counter"] = audio.mark_counter.tolist()
    print(json.dumps(out), flush=True)
    for p in players:
        p.close()


def role_bare(server: str, port: str) -> None:
    """A bare python-rtmidi receiver: stamp CLOCK_MONOTONIC_RAW in the callback."""
    import rtmidi

    os.environ["JACK_DEFAULT_SERVER"] = server
    got = []
    clock = time.clock_gettime
    raw = time.CLOCK_MONOTONIC_RAW

    def cb(msg, data):
        got.append((clock(raw), msg[0]))

    m = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name="bare")
    m.set_callback(cb)
    m.open_port([i for i, n in enumerate(m.get_ports()) if port.lower() in n.lower()][0])
    print("ready", flush=True)
    sys.stdin.readline()
    m.close_port()
    m.delete()
    print(json.dumps([[t, bytes(b).hex()] for t, b in got]), flush=True)


# -- helpers in the bench process -----------------------------------------------------------


def start_sender(spec: dict, tmp: Path) -> tuple[subprocess.Popen, dict]:
    path = tmp / f"spec-{len(list(tmp.glob('spec-*')))}.json"
    path.write_text(json.dumps(spec))
    p = subprocess.Popen([sys.executable, __file__, "_sender", str(path)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, cwd=REPO)
    ready = json.loads(p.stdout.readline())
    return p, ready


def go(sender: subprocess.Popen, delay_s: float) -> None:
    sender.stdin.write(f"go {delay_s}\n")
    sender.stdin.flush()


def sender_result(sender: subprocess.Popen, timeout: float) -> dict:
    line = sender.stdout.readline()
    sender.wait(timeout)
    return json.loads(line)


#: CPU the recorder is pinned to (``--cpu``), or None
PIN_CPU: int | None = None
#: the recorder's ``--midi-stamps`` (``frame`` or ``cycle``)
MIDI_STAMPS = "frame"


def recorder(store: Path, args: list[str], *, env: dict) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "improv", "--store", str(store), "record", "--client", "B01",
           "--midi-api", "jack", "--audio-api", "JACK", "--no-display", "--json",
           "--midi-stamps", MIDI_STAMPS, *args]

    def pin() -> None:
        os.sched_setaffinity(0, {PIN_CPU})

    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=REPO, preexec_fn=pin if PIN_CPU is not None else None)


def connected(client, port: str, prefix: str) -> bool:
    return any(p.name.startswith(prefix) for p in client.get_all_connections(port))


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def proc_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def stats_ms(err_s: np.ndarray) -> dict:
    e = np.asarray(err_s) * 1e3
    a = np.abs(e)
    return {"n": int(len(e)), "median_ms": round(float(np.median(e)), 3),
            "abs_median_ms": round(float(np.median(a)), 3),
            "abs_p99_ms": round(float(np.percentile(a, 99)), 3),
            "abs_max_ms": round(float(a.max()), 3)}


def jittered(n: int, *, rate: float, rng, status: int = 0x90) -> list:
    """n messages at ``rate``/s on average, spacing jittered +-40 %, each unique
    (a 14-bit counter in a pitch-bend message on channel ``status & 15``)."""
    gaps = (1.0 / rate) * (1 + rng.uniform(-0.4, 0.4, n))
    t = np.cumsum(gaps) - gaps[0]
    ch = status & 0x0F
    return [[float(x), bytes([0xE0 | ch, i & 0x7F, (i >> 7) & 0x7F]).hex()]
            for i, x in enumerate(t)]


def match_times(t, data, sched, sent_data) -> np.ndarray:
    """Arrival time of each sent message (NaN if it never arrived); messages are unique."""
    where = {h: i for i, h in enumerate(sent_data)}
    out = np.full(len(sched), np.nan)
    for ti, h in zip(t, data, strict=False):
        if h in where:
            out[where[h]] = ti
    return out


def load_context() -> dict:
    return {"loadavg_1min": os.getloadavg()[0], "cpus": os.cpu_count()}


def session_of(store: Path, result: dict):
    from sessions.store import Store

    return Store(store).session(result["id"])


def recorded_facts(s) -> dict:
    """The JACK xruns the recorder journaled while recording, and its ``midi_stamps`` event
    (how many MIDI messages were stamped at their frame, how many at their cycle)."""
    ev = s.manifest["events"]
    stamps = next((e for e in ev if e["kind"] == "midi_stamps"), None)
    return {"xruns_while_recording": sum(int(e.get("n") or 0) for e in ev
                                         if e["kind"] == "jack_xruns"),
            "midi_stamps_event": None if stamps is None else
            {k: stamps.get(k) for k in ("frame", "cycle", "unmatched", "waits")}}


# -- benchmarks ------------------------------------------------------------------------------


def bench_midi_timing(args, tmp: Path) -> dict:
    import jack

    from tests.rig.jackrig import JackServer, wait_for

    rng = np.random.default_rng(1)
    midi_srv = JackServer(period=args.period, log_dir=tmp).start()
    audio_srv = JackServer(period=1024, log_dir=tmp).start()
    ctl = jack.Client("benchctl", no_start_server=True, servername=midi_srv.name)
    ctl.activate()
    try:
        n = int(args.seconds * 50)
        sender, _ = start_sender({"server": midi_srv.name,
                                  "midi": [{"name": "kb1",
                                            "events": jittered(n, rate=50, rng=rng)}]},
                                 tmp)
        bare = subprocess.Popen([sys.executable, __file__, "_bare", midi_srv.name, "kb1"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        bare.stdout.readline()
        store = tmp / "store"
        rec = recorder(store, ["--player", "client=midi:kb1", "--jack-server", audio_srv.name,
                               "--jack-midi-server", midi_srv.name,
                               "--duration", str(args.seconds + 5)], env=os.environ.copy())
        wait_for(lambda: connected(ctl, "kb1:out", "improv-midi"), timeout=30, what="recorder")
        go(sender, 0.5)
        sent = sender_result(sender, args.seconds + 60)
        bare.stdin.write("stop\n")
        bare.stdin.flush()
        bare_got = json.loads(bare.stdout.readline())
        bare.wait(10)
        res = json.loads(rec.communicate(timeout=args.seconds + 60)[0])
        s = session_of(store, res)
        start = s.manifest["settings"]["clock"]["start_counter_s"]
        sched = np.array(sent["midi"]["kb1"]["counter"])
        ev = s.midi_events()
        data = sent["midi"]["kb1"]["data"]
        rec_t = match_times(ev.t + start, [bytes(r).hex() for r in ev.raw], sched, data)
        bare_t = match_times(np.array([t for t, _ in bare_got]), [h for _, h in bare_got],
                             sched, data)
        rec_err = rec_t - sched
        bare_err = bare_t - sched
        both = np.isfinite(rec_err) & np.isfinite(bare_err)
        xruns = (tmp / f"jackd-{midi_srv.name}.log").read_text().count("XRun")
        out = {"bench": "midi-timing", "midi_period_frames": args.period, "sr": SR,
               "messages": len(sched), "recorder_lost": int((~np.isfinite(rec_err)).sum()),
               "bare_lost": int((~np.isfinite(bare_err)).sum()), "jack_xrun_lines": xruns,
               "recorder": stats_ms(rec_err[both]), "bare_rtmidi": stats_ms(bare_err[both]),
               "recorder_over_20ms_late": int((rec_err[np.isfinite(rec_err)] > 0.020).sum()),
               "bare_over_20ms_late": int((bare_err[np.isfinite(bare_err)] > 0.020).sum()),
               "p99_recorder_minus_bare_ms": round(
                   float(np.percentile(np.abs(rec_err[both]), 99)
                         - np.percentile(np.abs(bare_err[both]), 99)) * 1e3, 3),
               "load": load_context()}
        return out
    finally:
        ctl.deactivate()
        ctl.close()
        midi_srv.stop()
        audio_srv.stop()


def bench_alignment(args, tmp: Path) -> dict:
    import jack

    from tests.rig.jackrig import JackServer, find_clicks, wait_for, wire_audio

    rng = np.random.default_rng(2)
    srv = JackServer(period=args.period, log_dir=tmp).start()
    ctl = jack.Client("benchctl", no_start_server=True, servername=srv.name)
    ctl.activate()
    try:
        count = int(args.seconds / 0.25)
        # clicks every 0.25 s starting at a random sub-period offset; notes at the same frames
        offset = float(rng.uniform(0, args.period / SR))
        notes = [[offset + 0.25 * k, bytes([0x99, 36, 100]).hex()] for k in range(count)]
        sender, ready = start_sender({"server": srv.name,
                                      "midi": [{"name": "kb1", "events": notes}],
                                      "clicks": {"name": "mic", "interval_s": 0.25, "count": count,
                                                 "offset_s": offset}}, tmp)
        store = tmp / "store"
        rec = recorder(store, ["--player", "client=midi:kb1", "--player", "client=audio:system:1",
                               "--player", "therapist=audio:system:2", "--jack-server", srv.name,
                               "--duration", str(args.seconds + 4)], env=os.environ.copy())
        wire_audio(ctl, ready["audio_ports"])
        wait_for(lambda: connected(ctl, "kb1:out", "improv-midi"), timeout=30, what="recorder")
        go(sender, 0.5)
        sent = sender_result(sender, args.seconds + 60)
        res = json.loads(rec.communicate(timeout=args.seconds + 60)[0])
        s = session_of(store, res)
        start = s.manifest["settings"]["clock"]["start_counter_s"]
        (a,) = s.audio_inputs()
        clicks = find_clicks(s.read_audio(a.name)[:, 0])
        ev = s.midi_events()
        t_audio_all = a.frame_to_time(clicks)
        sched = np.array(sent["clicks_counter"]) - start
        # pair every scheduled click with the recorded click and note nearest to it
        def nearest(x, ref):
            i = np.clip(np.searchsorted(x, ref), 1, max(len(x) - 1, 1))
            right = x[np.minimum(i, len(x) - 1)]
            j = np.where(np.abs(x[i - 1] - ref) < np.abs(right - ref), i - 1, i)
            j = np.minimum(j, len(x) - 1)
            ok = np.abs(x[j] - ref) < 0.1
            return np.where(ok, x[j], np.nan)
        t_audio = nearest(t_audio_all, sched)
        t_midi = nearest(ev.t, sched)
        both = np.isfinite(t_audio) & np.isfinite(t_midi)
        align = (t_midi - t_audio)[both]
        xruns = (tmp / f"jackd-{srv.name}.log").read_text().count("XRun")
        return {"bench": "alignment", "period_frames": args.period, "sr": SR, "pairs": count,
                "clicks_missing": int((~np.isfinite(t_audio)).sum()),
                "notes_missing": int((~np.isfinite(t_midi)).sum()), "jack_xrun_lines": xruns,
                "midi_minus_audio": stats_ms(align),
                "audio_minus_schedule": stats_ms((t_audio - sched)[both]),
                "midi_minus_schedule": stats_ms((t_midi - sched)[both]),
                "drift_ppm": a.drift_ppm, "audio_gaps": res["audio"][0]["gaps"],
                **recorded_facts(s),
                "audio_overflows": res["audio"][0]["overflows"], "load": load_context()}
    finally:
        ctl.deactivate()
        ctl.close()
        srv.stop()


def bench_load(args, tmp: Path) -> dict:
    import jack

    from tests.rig.jackrig import JackServer, find_clicks, wait_for, wire_audio

    rng = np.random.default_rng(3)
    srv = JackServer(period=1024, log_dir=tmp).start()
    ctl = jack.Client("benchctl", no_start_server=True, servername=srv.name)
    ctl.activate()
    try:
        n = int(args.seconds * 50)
        count = int(args.seconds / 0.5)
        sender, ready = start_sender({
            "server": srv.name,
            "midi": [{"name": "kb1", "events": jittered(n, rate=50, rng=rng)},
                     {"name": "kb2", "events": jittered(n, rate=50, rng=rng, status=0x91)}],
            "clicks": {"name": "mic", "interval_s": 0.5, "count": count}}, tmp)
        bare = subprocess.Popen([sys.executable, __file__, "_bare", srv.name, "kb1"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        bare.stdout.readline()
        store = tmp / "store"
        rec = recorder(store, ["--player", "client=midi:kb1", "--player", "therapist=midi:kb2",
                               "--player", "client=audio:system:1",
                               "--player", "therapist=audio:system:2", "--jack-server", srv.name,
                               "--duration", str(args.seconds + 15)], env=os.environ.copy())
        wire_audio(ctl, ready["audio_ports"])
        wait_for(lambda: connected(ctl, "kb1:out", "improv-midi")
                 and connected(ctl, "kb2:out", "improv-midi"), timeout=30, what="recorder")
        go(sender, 0.5)
        time.sleep(10.0)
        cpu0, wall0, rss0 = proc_cpu_s(rec.pid), time.monotonic(), proc_rss_bytes(rec.pid)
        load0 = os.getloadavg()[0]
        sent = sender_result(sender, args.seconds + 120)
        cpu1, wall1, rss1 = proc_cpu_s(rec.pid), time.monotonic(), proc_rss_bytes(rec.pid)
        bare.stdin.write("stop\n")
        bare.stdin.flush()
        bare_got = json.loads(bare.stdout.readline())
        bare.wait(10)
        bare_t = match_in_order(np.array([t for t, _ in bare_got]), [h for _, h in bare_got],
                                sent["midi"]["kb1"]["data"])
        res = json.loads(rec.communicate(timeout=120)[0])
        s = session_of(store, res)
        lost = {}
        start = s.manifest["settings"]["clock"]["start_counter_s"]
        timing = {}
        for player, name in (("client", "kb1"), ("therapist", "kb2")):
            ev = s.midi_events(players=[player])
            sched = np.array(sent["midi"][name]["counter"])
            t = match_in_order(ev.t + start, [bytes(r).hex() for r in ev.raw],
                               sent["midi"][name]["data"])
            lost[name] = int((~np.isfinite(t)).sum())
            if name == "kb1":
                rec_t_kb1 = t
            timing[name] = stats_ms((t - sched)[np.isfinite(t)])
        xruns = (tmp / f"jackd-{srv.name}.log").read_text().count("XRun")
        clicks = find_clicks(s.read_audio(s.audio_inputs()[0].name)[:, 0])
        return {"bench": "load", "seconds": args.seconds, "period_frames": 1024,
                "cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 2),
                "rss_start_mb": round(rss0 / 1e6, 1), "rss_end_mb": round(rss1 / 1e6, 1),
                "rss_growth_mb": round((rss1 - rss0) / 1e6, 2),
                "midi_lost": lost, "midi_timing": timing, "jack_xrun_lines": xruns,
                "clicks_expected": count, "clicks_found": int(len(clicks)),
                "click_spacing_ok": bool(np.all(np.diff(clicks) == int(0.5 * SR))),
                # padded gaps keep later clicks on the grid; a gap inside a click splits it
                "clicks_off_grid": int(np.sum((clicks - clicks[0]) % int(0.5 * SR) != 0)),
                "bare_rtmidi_callback_lost_kb1": int((~np.isfinite(bare_t)).sum()),
                "lost_by_recorder_and_bare_kb1": int((~np.isfinite(bare_t)
                                                      & ~np.isfinite(rec_t_kb1)).sum()),
                "audio_gaps": res["audio"][0]["gaps"],
                "audio_overflows": res["audio"][0]["overflows"],
                "midi_counters": res["midi_counters"], **recorded_facts(s),
                "load": {"loadavg_1min_start": load0, **load_context()}}
    finally:
        ctl.deactivate()
        ctl.close()
        srv.stop()


def bench_burst(args, tmp: Path) -> dict:
    import jack

    from tests.rig.jackrig import JackServer, wait_for

    srv = JackServer(period=args.period, log_dir=tmp).start()
    ctl = jack.Client("benchctl", no_start_server=True, servername=srv.name)
    ctl.activate()
    modes = ["queue", "callback"]
    try:
        n = int(args.seconds * 2000)
        events = [[i / 2000, bytes([0x90 | (i % 16), i % 128, 1 + i % 127]).hex()]
                  for i in range(n)]
        sender, _ = start_sender({"server": srv.name, "midi": [{"name": "kb1", "events": events}]},
                                 tmp)
        bare = subprocess.Popen([sys.executable, __file__, "_bare", srv.name, "kb1"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        bare.stdout.readline()
        recs = {}
        for k, mode in enumerate(modes):
            recs[mode] = recorder(tmp / f"store-{mode}",
                                  ["--player", "client=midi:kb1", "--jack-server", srv.name,
                                   "--midi-capture", mode, "--duration", str(args.seconds + 5)],
                                  env=os.environ.copy())
            wait_for(lambda k=k: sum(p.name.startswith("improv-midi")
                                     for p in ctl.get_all_connections("kb1:out")) > k,
                     timeout=30, what=f"recorder ({mode})")
        go(sender, 0.5)
        cpu0 = {m: proc_cpu_s(p.pid) for m, p in recs.items()}
        wall0 = time.monotonic()
        sent = sender_result(sender, args.seconds + 60)
        cpu1 = {m: proc_cpu_s(p.pid) for m, p in recs.items()}
        wall1 = time.monotonic()
        bare.stdin.write("stop\n")
        bare.stdin.flush()
        bare_got = json.loads(bare.stdout.readline())
        bare.wait(10)
        want = sent["midi"]["kb1"]["data"]
        sched = np.array(sent["midi"]["kb1"]["counter"])
        bare_t = match_in_order(np.array([t for t, _ in bare_got]), [h for _, h in bare_got], want)
        lost_all = ~np.isfinite(bare_t)
        out = {"bench": "burst", "rate_per_s": 2000, "seconds": args.seconds,
               "period_frames": args.period, "sent": len(want),
               "bare_rtmidi_callback_lost": int((~np.isfinite(bare_t)).sum())}
        for mode, p in recs.items():
            res = json.loads(p.communicate(timeout=60)[0])
            s = session_of(tmp / f"store-{mode}", res)
            start = s.manifest["settings"]["clock"]["start_counter_s"]
            ev = s.midi_events()
            t = match_in_order(ev.t + start, [bytes(r).hex() for r in ev.raw], want)
            ok = np.isfinite(t)
            lost_all &= ~ok
            out[f"recorder_{mode}"] = {
                "lost": int((~ok).sum()), "timing": stats_ms((t - sched)[ok]),
                "midi_counters": res["midi_counters"], **recorded_facts(s),
                "cpu_percent_of_one_core": round(
                    100 * (cpu1[mode] - cpu0[mode]) / (wall1 - wall0), 2),
            }
        out["lost_by_all_receivers"] = int(lost_all.sum())
        out["jack_xrun_lines"] = (tmp / f"jackd-{srv.name}.log").read_text().count("XRun")
        out["load"] = load_context()
        return out
    finally:
        ctl.deactivate()
        ctl.close()
        srv.stop()


def match_in_order(t, data, sent_data) -> np.ndarray:
    """Arrival time of each sent message, matching received messages in order (NaN: lost)."""
    out = np.full(len(sent_data), np.nan)
    j = 0
    for ti, h in zip(t, data, strict=False):
        k = j
        while k < len(sent_data) and sent_data[k] != h and k < j + 4096:
            k += 1
        if k < len(sent_data) and sent_data[k] == h:
            out[k] = ti
            j = k + 1
    return out


class hogs:
    """``n`` processes that each keep a core busy while the block runs, at ``nice`` (below 0
    needs root: ahead of the recorder's ordinary-priority threads; JACK's real-time threads
    still come first)."""

    def __init__(self, n: int, nice: int = 0) -> None:
        self.n = n
        self.nice = nice
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> hogs:
        def place() -> None:
            if self.nice:
                os.setpriority(os.PRIO_PROCESS, 0, self.nice)
            if PIN_CPU is not None:
                os.sched_setaffinity(0, {PIN_CPU})

        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                       preexec_fn=place)
                      for _ in range(self.n)]
        return self

    def __exit__(self, *exc) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_sender":
        return role_sender(sys.argv[2])
    if len(sys.argv) > 1 and sys.argv[1] == "_bare":
        return role_bare(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bench", choices=["midi-timing", "alignment", "load", "burst"])
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--period", type=int)
    ap.add_argument("--hog", type=int, default=0,
                    help="busy processes running beside the benchmark (default 0)")
    ap.add_argument("--hog-nice", type=int, default=0,
                    help="their nice value (default 0; below 0 needs root)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="pin the recorder and the busy processes to this CPU")
    ap.add_argument("--midi-stamps", choices=["frame", "cycle"], default="frame",
                    help="the recorder's MIDI stamps under JACK (default frame)")
    args = ap.parse_args()
    defaults = {"midi-timing": (60, 128), "alignment": (30, 256), "load": (600, 1024),
                "burst": (60, 256)}
    secs, period = defaults[args.bench]
    args.seconds = args.seconds or secs
    args.period = args.period or period
    global PIN_CPU, MIDI_STAMPS
    PIN_CPU, MIDI_STAMPS = args.cpu, args.midi_stamps
    fn = {"midi-timing": bench_midi_timing, "alignment": bench_alignment, "load": bench_load,
          "burst": bench_burst}[args.bench]
    with tempfile.TemporaryDirectory(prefix="improv-bench-") as tmp, hogs(args.hog, args.hog_nice):
        print(json.dumps({**fn(args, Path(tmp)), "hogs": args.hog, "hog_nice": args.hog_nice,
                          "cpu": args.cpu, "midi_stamps": args.midi_stamps}),
              flush=True)


if __name__ == "__main__":
    main()

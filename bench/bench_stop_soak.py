"""Stopping a real ``improv record`` process through JACK, many times in a row.

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_stop_soak.py [--trials 30] [--hog N] [--seed 1]

One JACK server (dummy driver, 48 kHz, period 1024 frames) is started for the run
(:class:`tests.rig.jackrig.JackServer`). Each trial:

* a fresh store in a temporary folder;
* a sender process (``bench_recording.py``'s, with the rig's ``MidiPlayer`` and
  ``AudioPlayer``) plays 50 unique MIDI messages/s (jittered spacing) from ``kb1:out`` and a
  click every 0.25 s from ``mic:out_1``;
* ``improv record --player client=midi:kb1 --player client=audio:system:1`` records it for
  2-4 s (uniform, from the start of the playing) and is stopped while the sender still plays,
  by SIGINT (Ctrl-C) or SIGTERM, alternately (both stop the CLI cleanly: ``improv/cli/record.py``);
* a recorder that has not ended 30 s after the signal froze: it gets SIGABRT (``improv record``
  turns faulthandler on: every thread's stack goes to its log), the end of its log is kept
  for the report, and it is killed;
* ``improv sessions verify --all --json`` on the store: is the session whole;
* what the session holds against what was played: MIDI messages sent inside the session
  (more than 0.1 s before its end) and not recorded, messages recorded that were never sent;
  where the audio ends against the session's end and against the moment the signal was sent
  [s], clicks expected in the audio's span and found, clicks off the 0.25 s grid. A trial's data
  is "off" if MIDI was lost or added, the audio ends more than 0.05 s before the signal, or a
  click is missing or off its grid.

``--hog N`` runs N busy-looping processes beside it for the whole run (``bench_recording``'s).
Prints one JSON object: trials, froze, nonzero exits, sessions not verified, trials whose data
is off, seconds from the signal to the recorder's exit (median, max), and one line per trial.
Logs of trials that went wrong are kept in ``--keep`` (default ``/tmp/bench-stop-soak-<pid>``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_recording import (  # noqa: E402
    go,
    hogs,
    jittered,
    load_context,
    sender_result,
    start_sender,
)
from tests.rig.jackrig import (  # noqa: E402
    JackServer,
    find_clicks,
    wait_for,
    wire_audio,
)

SR = 48000
PERIOD = 1024
CLICK_S = 0.25  # click spacing [s]
MIDI_RATE = 50.0  # MIDI messages per second
TAIL_S = 1.5  # the sender plays this long after the stop [s]
STOP_TIMEOUT_S = 30.0  # a recorder not ended this long after the signal froze [s]
END_MARGIN_S = 0.1  # MIDI sent this close to the session's end may miss it [s]


def start_recorder(*, server: JackServer, store: Path, log: Path) -> subprocess.Popen:
    """``improv record`` with one MIDI and one audio input on ``server``, logging to ``log``."""
    cmd = [sys.executable, "-m", "improv", "--store", str(store), "record", "--client", "B01",
           "--jack-server", server.name, "--midi-api", "jack", "--audio-api", "JACK",
           "--no-display", "--json", "--player", "client=midi:kb1",
           "--player", "client=audio:system:1"]
    with open(log, "wb") as err:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, cwd=REPO,
                                env={**server.env, "PYTHONUNBUFFERED": "1"},
                                start_new_session=True)  # a Ctrl-C of the bench is not its stop


def midi_connected(ctl) -> bool:
    return any(p.name.startswith("improv-midi") for p in ctl.get_all_connections("kb1:out"))


def verify(store: Path, sid: str | None) -> dict:
    """``improv sessions verify --all --json``: exit status and whether ``sid`` is whole."""
    r = subprocess.run([sys.executable, "-m", "improv", "--store", str(store), "sessions",
                        "verify", "--all", "--json"], capture_output=True, text=True, cwd=REPO,
                       timeout=300)
    try:
        reports = json.loads(r.stdout)
    except json.JSONDecodeError:
        return {"rc": r.returncode, "whole": False, "problems": [r.stderr.strip()[-300:]]}
    mine = [x for x in reports if x.get("id") == sid]
    problems = [p for x in reports for p in x.get("problems", [])]
    whole = (r.returncode == 0 and len(mine) == 1 and mine[0].get("ok") is True
             and not mine[0].get("recording"))
    return {"rc": r.returncode, "whole": whole, "problems": problems[:5]}


def data_check(store: Path, result: dict, sent: dict, *, signal_counter_s: float) -> dict:
    """What the session holds against what the sender played (see the module notes).

    ``signal_counter_s`` [s of CLOCK_MONOTONIC_RAW, the session clock's counter] is when the
    stop signal was sent."""
    from sessions.store import Store

    s = Store(store).session(result["id"])
    start = s.manifest["settings"]["clock"]["start_counter_s"]
    dur = float(result["duration_s"])
    t_signal = signal_counter_s - start
    # MIDI: the messages are unique; every one sent inside the session should be there
    t_sent = np.asarray(sent["midi"]["kb1"]["counter"]) - start
    data = sent["midi"]["kb1"]["data"]
    ev = s.midi_events()
    got = {bytes(r).hex() for r in ev.raw}
    inside = [h for t, h in zip(t_sent, data, strict=True) if 0.0 <= t < dur - END_MARGIN_S]
    missing = [h for h in inside if h not in got]
    extra = got - set(data)
    # audio: its length against the session's, and the clicks on their grid
    (a,) = s.audio_inputs()
    y = s.read_audio(a.name)[:, 0]
    audio_end = a.frame_to_time(len(y))
    t_clicks = np.asarray(sent["clicks_counter"]) - start
    lo, hi = a.t0 + 0.01, audio_end - 0.01
    expected = int(np.sum((t_clicks >= lo) & (t_clicks < hi)))
    found = find_clicks(y)
    step = int(round(CLICK_S * SR))
    off_grid = int(np.sum(np.abs(((found - found[0]) + step // 2) % step - step // 2) > 1)) \
        if len(found) else 0
    return {"duration_s": round(dur, 3), "midi_sent_inside": len(inside),
            "midi_recorded": len(got), "midi_missing": len(missing), "midi_extra": len(extra),
            "audio_s": round(len(y) / SR, 3),
            "audio_short_s": round(float(dur - audio_end), 3),
            "end_after_signal_s": round(float(dur - t_signal), 3),
            "audio_end_after_signal_s": round(float(audio_end - t_signal), 3),
            "midi_after_audio_end": int(np.sum(ev.t > audio_end)),
            "audio_gap_frames": int(sum(g["frames"] for g in s.manifest["audio"][0]["gaps"])),
            "clicks_expected": expected, "clicks_found": int(len(found)),
            "clicks_off_grid": off_grid}


def data_ok(d: dict) -> bool:
    """Nonzero and about right: no MIDI lost inside, the audio up to the stop signal (its stamp
    is a period early under JACK: 0.05 s allowed), every click expected there on its grid."""
    return (d["midi_recorded"] > 0 and d["midi_missing"] == 0 and d["midi_extra"] == 0
            and d["audio_s"] > 0 and d["audio_end_after_signal_s"] > -0.05
            and abs(d["clicks_found"] - d["clicks_expected"]) <= 1 and d["clicks_off_grid"] == 0)


def trial(k: int, *, server: JackServer, ctl, tmp: Path, rng, keep: Path) -> dict:
    """One recording, stopped by SIGINT (even ``k``) or SIGTERM (odd ``k``)."""
    tdir = tmp / f"trial-{k}"
    tdir.mkdir()
    store, log = tdir / "store", tdir / "record.log"
    sig = signal.SIGINT if k % 2 == 0 else signal.SIGTERM
    rec_s = float(rng.uniform(2.0, 4.0))
    play_s = rec_s + TAIL_S
    n_midi = int(play_s * MIDI_RATE)
    sender, ready = start_sender({
        "server": server.name, "timeout": 120,
        "midi": [{"name": "kb1", "events": jittered(n_midi, rate=MIDI_RATE, rng=rng)}],
        "clicks": {"name": "mic", "interval_s": CLICK_S, "count": int(play_s / CLICK_S) + 1}},
        tdir)
    rec = start_recorder(server=server, store=store, log=log)
    out: dict = {"trial": k, "signal": sig.name, "record_s": round(rec_s, 2)}
    try:
        wire_audio(ctl, ready["audio_ports"][:1], timeout=60)
        wait_for(lambda: midi_connected(ctl), timeout=60, what="the recorder's MIDI input")
        go(sender, 0.2)
        time.sleep(0.2 + rec_s)
        t_sig = time.monotonic()
        sig_counter = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
        rec.send_signal(sig)
        try:
            rec.wait(STOP_TIMEOUT_S)
            out["stop_s"] = round(time.monotonic() - t_sig, 3)
            out["froze"] = False
        except subprocess.TimeoutExpired:
            out["froze"] = True
            rec.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            try:
                rec.wait(15)
            except subprocess.TimeoutExpired:
                rec.kill()
                rec.wait(15)
        out["exit"] = rec.returncode
        result_text = rec.stdout.read().decode(errors="replace")
        sent = sender_result(sender, 120)
        result = None
        try:
            result = json.loads(result_text)
        except json.JSONDecodeError:
            pass
        if result is not None:
            out["status"] = result.get("status")
            out["stop_reason"] = result.get("stop_reason")
        v = verify(store, result.get("id") if result else None)
        out["verified"] = v["whole"]
        if not v["whole"]:
            out["verify"] = v
        if result is not None and result.get("id"):
            out["data"] = data_check(store, result, sent, signal_counter_s=sig_counter)
            out["data_ok"] = data_ok(out["data"])
        else:
            out["data_ok"] = False
    finally:
        if rec.poll() is None:
            rec.kill()
            rec.wait(15)
        if sender.poll() is None:
            sender.kill()
            sender.wait(15)
    if out["froze"] or out["exit"] != 0 or not out["verified"] or not out["data_ok"]:
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, keep / f"trial-{k}-record.log")
        out["log"] = str(keep / f"trial-{k}-record.log")
        out["log_tail"] = log.read_text(errors="replace").splitlines()[-60:]
    return out


def summary(trials: list[dict]) -> dict:
    stops = np.array([t["stop_s"] for t in trials if "stop_s" in t])
    return {"trials": len(trials), "froze": sum(t["froze"] for t in trials),
            "nonzero_exits": sum(t["exit"] != 0 for t in trials),
            "not_verified": sum(not t["verified"] for t in trials),
            "data_off": sum(not t["data_ok"] for t in trials),
            "audio_short_over_0_2_s": sum(t.get("data", {}).get("audio_short_s", 0) > 0.2
                                          for t in trials),
            "stop_s_median": round(float(np.median(stops)), 3) if len(stops) else None,
            "stop_s_max": round(float(stops.max()), 3) if len(stops) else None,
            "by_signal": {s: {"trials": sum(t["signal"] == s for t in trials),
                              "stop_s_median": round(float(np.median(
                                  [t["stop_s"] for t in trials
                                   if t["signal"] == s and "stop_s" in t] or [np.nan])), 3)}
                          for s in ("SIGINT", "SIGTERM")}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=30, help="recordings to stop (default 30)")
    ap.add_argument("--hog", type=int, default=0,
                    help="busy processes running beside the benchmark (default 0)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the lengths and MIDI spacing")
    ap.add_argument("--keep", type=Path, default=Path(f"/tmp/bench-stop-soak-{os.getpid()}"),
                    help="folder for the logs of trials that went wrong")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="improv-stop-soak-") as tmp_name, \
            hogs(args.hog):
        tmp = Path(tmp_name)
        server = JackServer(period=PERIOD, rate=SR, log_dir=tmp).start()
        ctl = server.client("soakctl")
        ctl.activate()
        trials = []
        try:
            for k in range(args.trials):
                trials.append(trial(k, server=server, ctl=ctl, tmp=tmp, rng=rng,
                                    keep=args.keep))
                print(json.dumps({"progress": trials[-1]}), file=sys.stderr, flush=True)
        finally:
            ctl.deactivate()
            ctl.close()
            server.stop()
            xruns = server.log_path.read_text(errors="replace").count("XRun")
    print(json.dumps({"bench": "stop-soak", **summary(trials), "hogs": args.hog,
                      "seed": args.seed, "period_frames": PERIOD, "sr": SR,
                      "jack_xrun_lines": xruns, "wall_s": round(time.time() - t0, 1),
                      "load": {"loadavg_1min_start": load0, **load_context()},
                      "per_trial": trials}), flush=True)


if __name__ == "__main__":
    main()

"""Device loss and return through a real JACK server: duplicates and losses (issue 21, item 12).

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_device_loss.py [--tries 30] [--medium midi audio]
        [--how kill close unregister stall disconnect] [--period 1024]

A *source* process (tests/rig/numbered.py) plays a numbered sequence: MIDI, one control-change
message every 3 ms whose channel and data bytes count up; audio, a ramp whose every sample is
``k * 2**-23`` with ``k`` counting the source's frames. An in-process
:class:`improv.capture.recorder.Recorder` records it. Each try loses the source mid-stream and
brings it back under the same name, numbering on from a new start (one *life* per source):

* ``kill``: the source process is SIGKILLed, a new one starts;
* ``close``: the source deactivates and closes its client, a new one starts;
* ``unregister``: the source unregisters its port and registers it again (same client);
* ``stall``: the source stops writing its port for 60 ms (a hung or dying client), then
  unregisters it and registers it again;
* ``disconnect``: the connection is removed (as ``jack_disconnect`` does) and made again; the
  recorder leaves a connection removed on purpose alone and journals no gap.

Afterwards the recording is read back and, per medium and way of losing, it prints tries,
duplicates (a number recorded twice: provable from the sequence; ``steps_back`` counts the
places where the sequence goes back), holes inside one life's recorded run with the numbers
missing there, what was played before each loss but not recorded (``tail_not_recorded``), the
gaps and repeats the session journaled, and re-connections that did not come within 20 s.
A holed run of ``kill`` or ``close`` is a loss outside the journaled gaps (each life's start
before its re-connection is the gap); with ``unregister`` and ``stall`` the source numbers on
in one life, so one hole per try is its gap (what it played after its return before the
re-connection) and more are losses. One JSON object per run on stdout.
"""

from __future__ import annotations

import argparse
import collections
import json
import mmap
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LIFE = {"midi": 4_000, "audio": 150_000}
"""Numbers reserved for one life of the source [MIDI messages (12 s), audio frames (3.1 s)];
with 50 tries they stay below 2**18 (MIDI) and 2**23 (audio)."""
STALL_S = 0.06
"""How long the source stalls before it unregisters its port (``--how stall``)."""


# -- the source (child process) ---------------------------------------------------------------


def role_source(args) -> None:
    """Play the numbered sequence (tests/rig/numbered.py) until told otherwise.

    Commands on stdin: ``stall``, ``unregister``, ``register``, ``quit``. Prints ``ready`` when
    active. The last number written to the port is kept in the shared file ``args.shm``.
    """
    from tests.rig.numbered import NumberedSource

    with open(args.shm, "r+b") as f:
        shared = mmap.mmap(f.fileno(), 8)
    src = NumberedSource(None, name=args.name, medium=args.medium, start=args.start,
                         last=np.frombuffer(shared, dtype=np.int64, count=1))
    print("ready", src.client.name, flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "stall":
            src.stalled = True
        elif cmd == "unregister":
            src.unregister()
        elif cmd == "register":
            src.register()
        elif cmd == "quit":
            break
        print("ok", flush=True)
    src.close()


# -- the controller -----------------------------------------------------------------------------


class Source:
    """One source process (one or more lives: ``unregister`` keeps the process)."""

    def __init__(self, server, *, name: str, medium: str, start: int, tmp: Path) -> None:
        self.shm = tmp / f"{name}-{start}.last"
        self.shm.write_bytes(np.int64(-1).tobytes())
        self.start = start
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "source", "--name", name, "--medium", medium,
             "--start", str(start), "--shm", str(self.shm)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=server.env, text=True, cwd=REPO)
        ready = self.proc.stdout.readline().split()
        assert ready[:1] == ["ready"], "source did not start"
        #: the name JACK gave the client (another if the old one was still there)
        self.client_name = ready[1]

    def last_sent(self) -> int:
        return int(np.frombuffer(self.shm.read_bytes(), dtype=np.int64)[0])

    def command(self, cmd: str) -> None:
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        if cmd != "quit":
            assert self.proc.stdout.readline().strip() == "ok"

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.command("quit")
            self.proc.wait(10)


def _connected(ctl, source: str) -> bool:
    try:
        return bool(ctl.get_all_connections(source))
    except Exception:  # noqa: BLE001 - the port is not there (yet)
        return False


def _exists(ctl, port: str) -> bool:
    return any(p.name == port for p in ctl.get_ports())


def run(*, medium: str, how: str, tries: int, period: int, tmp: Path) -> dict:
    """Record one session with ``tries`` losses and returns; returns the figures."""
    from improv.capture.recorder import Recorder
    from improv.capture.setups import parse_player_spec
    from sessions.store import Store
    from tests.rig.jackrig import JackServer, wait_for, wire_audio
    from tests.rig.numbered import audio_numbers, number_of

    server = JackServer(period=period, log_dir=tmp).start()
    os.environ["JACK_DEFAULT_SERVER"] = server.name
    ctl = server.client("benchctl")
    ctl.activate()
    name = "kb1" if medium == "midi" else "mic"
    port = f"{name}:out" if medium == "midi" else f"{name}:out_1"
    spec = "client=midi:kb1" if medium == "midi" else "client=audio:system:1"
    store = Store(tmp / f"store-{medium}-{how}")
    src = Source(server, name=name, medium=medium, start=1, tmp=tmp)
    rec = Recorder(store=store, client="C07", inputs=[parse_player_spec(spec)],
                   jack_server=server.name, midi_api="jack", audio_api="JACK")
    rec.start()
    lives = [1]
    sent_last: list[int] = []
    not_back = 0
    renamed = 0
    try:
        if medium == "audio":
            (dst,) = wire_audio(ctl, [port])
        else:
            wait_for(lambda: _connected(ctl, port), timeout=15, what="MIDI wiring")
            dst = ctl.get_all_connections(port)[0].name
        time.sleep(1.2)  # the watch has learnt the connection
        for i in range(tries):
            start = 1 + (i + 1) * LIFE[medium]
            if how == "kill":
                src.kill()
                sent_last.append(src.last_sent())
            elif how == "close":
                src.close()
                sent_last.append(src.last_sent())
            elif how in ("unregister", "stall"):
                if how == "stall":  # a hung source: its port's last cycle is delivered again
                    src.command("stall")
                    time.sleep(STALL_S)
                src.command("unregister")
                sent_last.append(src.last_sent())
            else:
                ctl.disconnect(port, dst)
                sent_last.append(-1)  # the source goes on: no end of life
            time.sleep(0.3 + 0.2 * np.random.default_rng(i).random())
            if how in ("kill", "close"):
                # JACK names a new client "kb1-01" while the old "kb1" is still there
                wait_for(lambda: not _exists(ctl, port), timeout=10, what="the old port gone")
                src = Source(server, name=name, medium=medium, start=start, tmp=tmp)
                renamed += src.client_name != name
                lives.append(start)
            elif how in ("unregister", "stall"):
                src.command("register")  # numbering goes on in the same life
            else:
                ctl.connect(port, dst)
            try:
                wait_for(lambda: _connected(ctl, port), timeout=20, what="re-connection")
            except TimeoutError:  # a figure, not the end of the run
                not_back += 1
            time.sleep(0.4 + 0.3 * np.random.default_rng(100 + i).random())
    finally:
        manifest = rec.stop()
        src.close()
        ctl.deactivate()
        ctl.close()
        if "sounddevice" in sys.modules:  # PortAudio's JACK client goes before the server
            sd = sys.modules["sounddevice"]
            sd._terminate()
            os.environ["JACK_DEFAULT_SERVER"] = "bench-no-server"
            sd._initialize()
        server.stop()
    session = store.session(manifest["id"])
    if medium == "midi":
        numbers = np.array([number_of(bytes(r)) for r in session.midi_events().raw], dtype=np.int64)
    else:
        (a,) = session.audio_inputs()
        numbers = audio_numbers(session.read_audio(a.name)[:, 0])
    return {"medium": medium, "how": how, "tries": tries, "period": period,
            "not_reconnected_in_20_s": not_back, "source_renamed": renamed,
            **figures(numbers, lives=lives, sent_last=sent_last),
            "gaps_journaled": sum(e["kind"] in ("midi_gap", "source_gap")
                                  for e in manifest["events"]),
            "duplicates_flagged": sum(e["kind"] == "duplicate_dropped"
                                      for e in manifest["events"])}


def figures(numbers: np.ndarray, *, lives: list[int], sent_last: list[int]) -> dict:
    """Duplicates and losses in the recorded ``numbers`` (see the module docstring)."""
    counts = collections.Counter(numbers.tolist())
    dup = {k: c for k, c in counts.items() if c > 1}
    back_steps = int(np.sum(np.diff(numbers) <= 0)) if len(numbers) > 1 else 0
    lost_inside = 0
    holes_n = 0
    runs = []
    edges = sorted(set(lives)) + [np.iinfo(np.int64).max]
    for lo, hi in zip(edges[:-1], edges[1:], strict=False):
        mine = np.unique(numbers[(numbers >= lo) & (numbers < hi)])
        if not len(mine):
            continue
        # inside the run: the numbers from the first recorded to the last recorded; the
        # gaps the session journals fall between runs, or inside a run of one life whose
        # port was unregistered or disconnected (the source went on numbering)
        holes = np.diff(mine) - 1
        runs.append((int(mine[0]), int(mine[-1])))
        lost_inside += int(holes[holes > 0].sum())
        holes_n += int(np.sum(holes > 0))
    # played before the loss but not recorded (the last cycle of a killed client may never
    # be delivered): the tail of what was sent up to each loss
    tail = 0
    for s in sent_last:
        before = numbers[numbers <= s]
        life = max(lo for lo in lives if lo <= s) if s >= 1 else None
        if life is not None and len(before) and before.max() >= life:
            tail += int(s - before.max())
    return {"recorded": int(len(numbers)), "tail_not_recorded": tail,
            "duplicated_numbers": len(dup),
            "duplicate_copies": int(sum(c - 1 for c in dup.values())),
            "steps_back": back_steps, "holes_inside_runs": holes_n,
            "missing_inside_runs": lost_inside,
            "runs": len(runs), "examples": sorted(dup)[:5]}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="role")
    s = sub.add_parser("source")
    s.add_argument("--name", required=True)
    s.add_argument("--medium", choices=["midi", "audio"], required=True)
    s.add_argument("--start", type=int, required=True)
    s.add_argument("--shm", required=True)
    p.add_argument("--tries", type=int, default=30)
    p.add_argument("--medium", nargs="+", default=["midi", "audio"])
    p.add_argument("--how", nargs="+",
                   default=["kill", "close", "unregister", "stall", "disconnect"])
    p.add_argument("--period", type=int, default=1024)
    args = p.parse_args(argv)
    if args.role == "source":
        role_source(args)
        return
    logging_off()
    with tempfile.TemporaryDirectory() as tmp:
        for medium in args.medium:
            for how in args.how:
                t0 = time.monotonic()
                out = run(medium=medium, how=how, tries=args.tries, period=args.period,
                          tmp=Path(tmp))
                out["time_s"] = round(time.monotonic() - t0, 1)
                print(json.dumps(out), flush=True)


def logging_off() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)


if __name__ == "__main__":
    main()

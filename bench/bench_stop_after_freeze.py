"""Stopping ``improv record`` after it was frozen: how long the stop takes.

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_stop_after_freeze.py [--trials 5] [--freeze 5] [--target recorder]

Each trial starts its own JACK server (dummy driver, 48 kHz, period 1024 frames, the rig's
:class:`tests.improv.conftest.Rig`) and, as the test of this does
(:func:`tests.rig.played_recording.rig_recording`, 50 s of playing), a MIDI player (a note every
0.05 s on ``kb1:out``) and an audio player (clicks and a tone on ``mic:out_1/2``) in this
process, and a real ``improv record`` process with one MIDI and two audio inputs. After 3 s of
playing the recorder (``--target recorder``) or the JACK server (``--target server``) is frozen
with SIGSTOP for ``--freeze`` seconds, resumed with SIGCONT, and 2 s later the recorder gets
SIGINT (Ctrl-C). A recorder that has not ended 90 s after the signal gets SIGABRT (its stacks go
to its log). Prints one JSON line per trial: seconds from SIGINT to the recorder's exit, its
status and stop reason, whether the journal says the JACK server did not answer
(``jack_not_answering``), and the audio kept [seconds].
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.improv.conftest import Rig  # noqa: E402
from tests.rig.played_recording import rig_recording  # noqa: E402

PLAY_S = 50.0
"""How long the keyboard and the microphone play in each trial [s]."""


def trial(*, freeze_s: float, target: str, folder: Path) -> dict:
    rig = Rig(folder)
    try:
        store = folder / "store"
        proc = rig_recording(rig, store=store, log=folder / "rec.log", length_s=PLAY_S).proc
        time.sleep(3)
        pid = proc.pid if target == "recorder" else rig.server.proc.pid
        os.kill(pid, signal.SIGSTOP)
        time.sleep(freeze_s)
        os.kill(pid, signal.SIGCONT)
        time.sleep(2)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            proc.communicate(timeout=30)
            return {"stop_s": None, "froze": True, "log": str(folder / "rec.log")}
        stop_s = time.monotonic() - t0
        res = json.loads(out)
        journal = next(store.glob(f"sessions/{res['id']}/journal.jsonl"), None)
        kinds = ([json.loads(line)["kind"] for line in journal.open()]
                 if journal is not None else [])
        return {"stop_s": round(stop_s, 2), "status": res.get("status"),
                "stop_reason": res.get("stop_reason"),
                "jack_not_answering": "jack_not_answering" in kinds,
                "audio_s": round(sum(a["frames"] / a["sr"] for a in res["audio"]), 2),
                "duration_s": round(res.get("duration_s") or 0.0, 2)}
    finally:
        for p in rig.procs:
            if p.poll() is None:
                p.kill()
        rig.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--freeze", type=float, default=5.0, help="seconds frozen")
    ap.add_argument("--target", choices=["recorder", "server"], default="recorder")
    args = ap.parse_args()
    for n in range(args.trials):
        folder = Path(tempfile.mkdtemp(prefix="bench-stop-freeze-"))
        row = trial(freeze_s=args.freeze, target=args.target, folder=folder)
        print(json.dumps({"trial": n, "target": args.target, **row}), flush=True)


if __name__ == "__main__":
    main()

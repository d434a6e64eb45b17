"""Clock of a recording through PulseAudio (PortAudio's ALSA ``pulse`` device).

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_pulse_clock.py [--seconds 8] [--runs 3]

Starts a private PulseAudio server with a null sink (``tests/rig/pulserig.py``), plays a
440 Hz tone into it with ``paplay`` and records the sink's monitor with the in-process
:class:`improv.capture.recorder.Recorder` for ``--seconds``; prints one JSON object per run: the
fitted ``t0`` [s], ``drift_ppm``, ``clock_residual_ms_max`` and the gaps the recorder inserted
(there is no real dropout, so every gap is a false one).  Before 2026-11-27 the recorder trusted
PortAudio's stream time on every host API (see docs/recording.md, "Overflows and gaps").
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
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from improv.capture.recorder import Recorder
    from improv.capture.setups import parse_player_spec
    from sessions.store import Store
    from tests.rig.pulserig import PulseServer

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        server = PulseServer(tmp / "pulse").start()
        os.environ.update({k: server.env[k] for k in ("PULSE_SERVER", "PULSE_RUNTIME_PATH")})
        os.environ["JACK_NO_START_SERVER"] = "1"
        t = np.arange(int((args.seconds + 5) * 48000)) / 48000
        x = (0.25 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        sf.write(tmp / "tone.wav", np.stack([x, x], axis=1), 48000, subtype="FLOAT")
        try:
            for run in range(args.runs):
                player = server.play(tmp / "tone.wav")
                time.sleep(0.3)
                rec = Recorder(store=Store(tmp / f"store{run}"), client="C01",
                               inputs=[parse_player_spec("client=audio:pulse:1")],
                               audio_api="ALSA")
                rec.start()
                time.sleep(args.seconds)
                a = rec.stop()["audio"][0]
                player.kill()
                player.wait()
                print(json.dumps({
                    "run": run, "seconds": args.seconds, "sr": a["sr"], "t0": round(a["t0"], 4),
                    "drift_ppm": round(a["drift_ppm"], 1),
                    "clock_residual_ms_max": round(a["clock_residual_ms_max"], 2),
                    "gaps": len(a["gaps"]), "gap_frames": sum(g["frames"] for g in a["gaps"]),
                }), flush=True)
        finally:
            server.stop()


if __name__ == "__main__":
    main()

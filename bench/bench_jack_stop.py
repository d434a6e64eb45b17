"""How often stopping a JACK client that runs Python every cycle freezes its process.

Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_jack_stop.py [--trials 60] [--hold-ms 50] [--period 256]

One JACK server (dummy driver) is started for the run. Each trial is a child process with one
JACK client (a MIDI input port) that runs Python every cycle, and a second thread that holds the
GIL for ``--hold-ms`` at a time (a C call through ``ctypes.PyDLL``, as a long numpy or SQLite call
would); after 0.2 s the client is deactivated and closed. A trial that does not end within 10 s
froze. The designs:

* ``process-callback``: a Python process callback (JACK-Client's ``set_process_callback``), as the
  frame-time client and replay's JACK MIDI out had;
* ``cycle-thread``: :class:`improv.capture.jack_cycle_thread.CycleThread`, as they have now;
* ``notifications``: no process callback, Python notification callbacks (port and client
  registration, xruns) as the recorder's source watch has, while another process registers and
  unregisters a port every 4 ms (JACK stops the notification thread at close the same way);
* ``portaudio``: a sounddevice input stream on JACK with a Python callback (PortAudio's JACK
  client), stopped, closed and PortAudio terminated, as the audio capture does.

Prints one JSON object: per design the trials and how many froze.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRIAL = r"""
import ctypes, os, sys, threading, time
import jack
design, server, hold_us = sys.argv[1], sys.argv[2], int(sys.argv[3])
hold = ctypes.PyDLL(None).usleep
hold.argtypes = [ctypes.c_uint]
done = threading.Event()

def hog():
    while not done.is_set():
        hold(hold_us)
        time.sleep(0.0001)

client = jack.Client("stop-trial", no_start_server=True, servername=server)
port = client.midi_inports.register("in")

def work(frames):
    for _ in port.incoming_midi_events():
        pass

if design == "portaudio":
    client.close()
    os.environ["JACK_DEFAULT_SERVER"] = server
    import sounddevice as sd
    api = next(i for i, h in enumerate(sd.query_hostapis()) if "JACK" in h["name"])
    stream = sd.InputStream(device=sd.query_hostapis(api)["default_input_device"],
                            channels=1, callback=lambda *a: None)
    stream.start()
    threading.Thread(target=hog, daemon=True).start()
    time.sleep(0.2)
    stream.stop()
    stream.close()
    sd._terminate()
    done.set()
    print("ended")
    sys.exit()
stop = lambda: True
if design == "process-callback":
    client.set_process_callback(work)
elif design == "cycle-thread":
    from improv.capture.jack_cycle_thread import CycleThread
    stop = CycleThread(client, work).stop
else:
    seen = []
    client.set_port_registration_callback(lambda port, register: seen.append(register))
    client.set_client_registration_callback(lambda name, register: seen.append(register))
    client.set_xrun_callback(lambda delay: seen.append(delay))
client.activate()
threading.Thread(target=hog, daemon=True).start()
time.sleep(0.2)
if stop():
    client.deactivate()
    client.close()
done.set()
print("ended")
"""

CHURN = r"""
import sys, time
import jack
client = jack.Client("stop-churn", no_start_server=True, servername=sys.argv[1])
client.activate()
while True:
    port = client.midi_outports.register("x")
    time.sleep(0.002)
    port.unregister()
    time.sleep(0.002)
"""
DESIGNS = ("process-callback", "cycle-thread", "notifications", "portaudio")


def main() -> None:
    from tests.rig.jackrig import JackServer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--hold-ms", type=float, default=50.0)
    ap.add_argument("--period", type=int, default=256)
    ap.add_argument("--designs", nargs="+", choices=DESIGNS, default=list(DESIGNS))
    args = ap.parse_args()
    server = JackServer(period=args.period, name="bench-jack-stop").start()
    out = {"trials": args.trials, "hold_ms": args.hold_ms, "period": args.period}
    try:
        for design in args.designs:
            churn = (subprocess.Popen([sys.executable, "-c", CHURN, server.name], cwd=ROOT)
                     if design == "notifications" else None)
            froze = 0
            for _ in range(args.trials):
                try:
                    run = subprocess.run(
                        [sys.executable, "-c", TRIAL, design, server.name,
                         str(int(args.hold_ms * 1000))],
                        cwd=ROOT, capture_output=True, text=True, timeout=10)
                    froze += "ended" not in run.stdout
                except subprocess.TimeoutExpired:
                    froze += 1
            if churn is not None:
                churn.kill()
                churn.wait()
            out[design] = {"froze": froze}
    finally:
        server.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()

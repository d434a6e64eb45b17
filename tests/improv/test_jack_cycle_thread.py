"""JACK clients that run Python once per cycle stop without freezing the process.

Through a real JACK server: the frame-time client of the MIDI capture and the JACK MIDI out of
replay are stopped again and again while another thread of their process holds the GIL for 50 ms
at a time. With a Python process callback, JACK cancelled the real-time thread at deactivation
while it held or waited for the GIL, and the process froze (19 of 60 stops in
bench/bench_jack_stop.py); the rounds run in a child process so that a freeze fails the test
instead of hanging it.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time

ROUNDS = 8

STOPS = r"""
import ctypes, json, sys, threading, time
import jack
from improv.capture.jack_midi_times import JackMidiTimes
from improv.playback.jack_midi_out import JackMidiOut

server, rounds = sys.argv[1], int(sys.argv[2])
hold = ctypes.PyDLL(None).usleep  # a C call that keeps the GIL while it sleeps
hold.argtypes = [ctypes.c_uint]
done = threading.Event()

def hog():
    while not done.is_set():
        hold(50000)
        time.sleep(0.0005)

sink = jack.Client("stop-sink", no_start_server=True, servername=server)
target = sink.midi_inports.register("in")
sink.activate()
threading.Thread(target=hog, daemon=True).start()
out = []
for r in range(rounds):
    times = JackMidiTimes(n_ports=1, server_name=server, client_name=f"stop-frames{r}")
    time.sleep(0.15)
    times.stop_reading()
    times.close()
    midi = JackMidiOut(target.name, server_name=server, client_name=f"stop-out{r}")
    midi.send_message(bytes([0x90, 60, 90]))
    time.sleep(0.15)
    cycles = midi._thread.cycles
    midi.close()
    out.append({"frames_cycles": times.cycles, "frames_left": times.left_running,
                "out_cycles": cycles})
done.set()
sink.deactivate()
sink.close()
print(json.dumps(out))
"""


def test_clients_that_run_python_per_cycle_stop_while_another_thread_holds_the_gil(jack_rig):
    from tests.improv.conftest import REPO

    try:
        run = subprocess.run([sys.executable, "-c", STOPS, jack_rig.server.name, str(ROUNDS)],
                             capture_output=True, text=True, cwd=REPO, timeout=90)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"a JACK client's stop froze its process: {exc.stderr!r}") from None
    assert run.returncode == 0, run.stderr
    rounds = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(rounds) == ROUNDS
    # the work ran (the test stops running threads, not idle ones), and every thread ended, so
    # each client was deactivated and closed
    assert all(r["frames_cycles"] > 0 and r["out_cycles"] > 0 for r in rounds), rounds
    assert not any(r["frames_left"] for r in rounds), rounds


def test_a_failing_cycle_is_logged_once_and_the_cycles_go_on(jack_rig, caplog):
    import jack

    from improv.capture.jack_cycle_thread import CycleThread
    from tests.rig.jackrig import wait_for

    client = jack.Client("cycle-fails", no_start_server=True, servername=jack_rig.server.name)
    calls = []

    def work(frames):
        calls.append(frames)
        if len(calls) <= 3:
            raise RuntimeError("a bad cycle")

    thread = CycleThread(client, work)
    period = client.blocksize
    with caplog.at_level(logging.ERROR, logger="improv.capture.jack_cycle_thread"):
        client.activate()
        try:
            wait_for(lambda: thread.cycles >= 10, timeout=10, what="ten cycles")
            assert thread.running
        finally:
            assert thread.stop()
            client.deactivate()
            client.close()
    assert not thread.running
    n = thread.cycles
    time.sleep(0.1)
    assert thread.cycles == n, "the loop went on after it was stopped"
    assert set(calls) == {period}
    failures = [r for r in caplog.records if "cycle work failed" in r.getMessage()]
    assert len(failures) == 1


def test_a_thread_jack_never_started_is_stopped_at_once(jack_rig):
    """A client closed before activation (a failed start) has nothing to wait for."""
    import jack

    from improv.capture.jack_cycle_thread import CycleThread

    client = jack.Client("cycle-idle", no_start_server=True, servername=jack_rig.server.name)
    thread = CycleThread(client, lambda frames: None)
    try:
        assert thread.stop(timeout_s=0.05) and not thread.running and thread.cycles == 0
    finally:
        client.close()

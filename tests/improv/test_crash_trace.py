"""A recorder or web app that dies in C code leaves the Python stack of every thread."""

from __future__ import annotations

import subprocess
import sys

from tests.improv.conftest import REPO

CRASH = """
import threading, time
from improv.cli.output import trace_native_crashes
assert trace_native_crashes()
threading.Thread(target=time.sleep, args=(30,), name="writer", daemon=True).start()
def audio_callback():
    import faulthandler
    faulthandler._sigsegv()
from improv.capture.devices import quiet_native_stderr
with quiet_native_stderr():  # fd 2 swapped for a temporary file, as while devices are probed
    audio_callback()
"""


def test_segfault_prints_every_thread_stack():
    """Also while fd 2 is swapped to hide the libraries' probing noise."""
    p = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, text=True, cwd=REPO,
                       timeout=60)
    assert p.returncode != 0
    assert "Segmentation fault" in p.stderr
    assert "audio_callback" in p.stderr  # the faulting thread's frames
    assert "Current thread 0x" in p.stderr and "\nThread 0x" in p.stderr  # and the others


def test_no_trace_handler_without_a_real_stderr(monkeypatch):
    import faulthandler
    import io

    from improv.cli.output import trace_native_crashes

    was_on = faulthandler.is_enabled()
    faulthandler.disable()
    try:
        monkeypatch.setattr(sys, "stderr", io.StringIO())  # captured: no file descriptor
        assert trace_native_crashes() is False
        assert not faulthandler.is_enabled()
    finally:
        if was_on:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)

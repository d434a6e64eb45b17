"""While a recording runs, what C libraries print to their ``stderr`` goes to the debug log when
it is library noise, and on to the terminal otherwise; Python's own output and tracebacks never
go through it (improv.capture.c_stderr)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from improv.capture.c_stderr import route_off, route_on, routed
from tests.improv.conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the C library's stderr is found on Linux only")

SCRIPT = r"""
import ctypes, logging, os, sys
from improv.capture.c_stderr import route_off, route_on
if "--debug" in sys.argv:
    logging.basicConfig(level=logging.DEBUG, format="DEBUG %(name)s: %(message)s")
libc = ctypes.CDLL(None)
libc.fputs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
var = ctypes.c_void_p.in_dll(libc, "stderr")

def c_print(text):  # as PortAudio and ALSA print: fputs to the stream stderr points at now
    libc.fputs(text.encode(), var.value)

assert route_on()
c_print("Expression 'alsa_snd_pcm_poll_descriptors_revents( self->pcm )' failed in "
        "'src/hostapi/alsa/pa_linux_alsa.c', line: 3665\n")
c_print("ALSA lib pulse.c:242:(pulse_connect) PulseAudio: Unable to connect: "
        "Connection refused\n\n")
c_print("a C line that is not library noise\n")
# one write, as logging and click write a line (print writes the text and its newline apart,
# and the forwarded C line could fall between them)
sys.stderr.write("improv's own warning\n")
sys.stderr.flush()
os.write(2, b"written to fd 2 directly\n")
route_off()  # waits until the reader has passed the C line on (no sleep: a loaded machine)
c_print("Expression 'ret' failed in 'src/hostapi/alsa/pa_linux_alsa.c', line: 1736\n")
raise RuntimeError("a traceback after the recording")
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60)


def test_library_noise_goes_to_the_debug_log_and_nothing_else_is_lost():
    p = _run()
    err = p.stderr
    assert "pa_linux_alsa.c', line: 3665" not in err  # routed: not in the terminal
    assert "ALSA lib pulse.c" not in err
    assert "\n\n" not in err  # nor the blank line ALSA adds
    assert "a C line that is not library noise\n" in err  # passed on
    assert "improv's own warning\n" in err and "written to fd 2 directly\n" in err
    # after route_off the C library prints where it did before
    assert "Expression 'ret' failed in 'src/hostapi/alsa/pa_linux_alsa.c', line: 1736" in err
    assert "RuntimeError: a traceback after the recording" in err  # the traceback is whole
    assert "Traceback (most recent call last)" in err


def test_with_debug_logging_the_noise_is_in_the_log():
    p = _run("--debug")
    assert ("DEBUG improv.capture.c_stderr: C library: Expression 'alsa_snd_pcm_poll_"
            "descriptors_revents( self->pcm )' failed in") in p.stderr
    assert ("DEBUG improv.capture.c_stderr: C library: ALSA lib pulse.c:242:(pulse_connect) "
            "PulseAudio: Unable to connect: Connection refused") in p.stderr


def test_route_on_and_off_nest():
    assert not routed()
    assert route_on() and route_on()
    route_off()
    assert routed()  # one recording's stop leaves the other's routing on
    route_off()
    assert not routed()
    route_off()  # one too many: nothing happens
    assert not routed()


def test_only_a_recording_through_alsa_routes_the_c_stderr():
    """A recording on JACK alone changes nothing under its in-process JACK clients; one with an
    audio input through PortAudio's ALSA host API (the sound server's devices) routes it."""
    from improv.capture.c_stderr import wanted
    from improv.capture.devices import AudioDevice
    from improv.capture.plan import AudioPlan, Plan

    def plan(*hostapis):
        return Plan(audio=[AudioPlan(device=AudioDevice(0, "x", h, 2, 2, 48000.0), channels=2)
                           for h in hostapis])

    assert not wanted(plan("JACK Audio Connection Kit"))
    assert not wanted(Plan())  # MIDI only
    assert wanted(plan("ALSA"))
    assert wanted(plan("JACK Audio Connection Kit", "ALSA"))

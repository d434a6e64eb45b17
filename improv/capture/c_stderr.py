"""What the C audio libraries print during a recording goes to the debug log, not into the
therapist's terminal.

When the sound server goes away mid-recording, PortAudio and ALSA print their internals from
C: ``Expression 'alsa_snd_pcm_poll_descriptors_revents(...)' failed in
'src/hostapi/alsa/pa_linux_alsa.c'`` from PortAudio's audio thread as the stream dies, and
``ALSA lib pulse.c:242:(pulse_connect) PulseAudio: Unable to connect`` plus four more
``Expression`` lines at every attempt to open the device again (every
:data:`improv.capture.audio.REOPEN_INTERVAL_S`).  ``improv record`` and ``improv serve``
printed them between improv's own sentences (15 lines for one 16 s outage).

They come at any moment from any thread, so they cannot be caught by swapping file
descriptor 2 around a call (:func:`improv.capture.devices.quiet_native_stderr` does that while
devices are probed).  Instead, while a recording runs (:func:`route_on` / :func:`route_off`),
the C library's ``stderr`` stream (the ``FILE *`` that ``fprintf(stderr, ...)`` writes to, in
PortAudio, ALSA and libjack alike) is pointed at a pipe: a reader thread logs each line that
is such library noise (:data:`improv.capture.devices.NATIVE_NOISE`) at debug level
(``improv --debug`` shows it) and passes every other line on to file descriptor 2.  Python's
own output never goes through it: ``sys.stderr``, logging, tracebacks and the crash trace
(:func:`improv.cli.output.trace_native_crashes`) write to file descriptor 2, which stays the
terminal.  The pipe's writing end does not block: should the reader fall behind, a C line is
lost rather than an audio thread held up.

Only where the C library's ``stderr`` can be found (glibc, musl: Linux, where ALSA is); a
no-op elsewhere.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading

log = logging.getLogger(__name__)

__all__ = ["route_off", "route_on", "routed", "wanted"]

_IONBF = 2  # setvbuf: no buffering (C's stderr is unbuffered too)
#: How long :func:`route_off` waits at most for the reader to handle what is in the pipe [s].
DRAIN_S = 2.0


class _Route:
    """The process's one pipe, its reader thread and the saved ``stderr`` pointer."""

    lock = threading.Lock()
    users = 0
    var: ctypes.c_void_p | None = None  # libc's ``stderr`` variable
    ours: int | None = None  # our FILE *
    saved: int | None = None  # the FILE * it held before
    noise = None  # improv.capture.devices.NATIVE_NOISE (imported before the reader runs)
    read_end: int | None = None  # the pipe's reading end
    busy = False  # the reader is handling what it read


def _forward(line: bytes) -> None:
    text = line.decode(errors="replace").rstrip("\r")
    if not text.strip():  # ALSA ends the pulse plug-in's message with a second newline
        return
    if _Route.noise.match(text):
        log.debug("C library: %s", text)
        return
    try:
        os.write(2, line + b"\n")  # not ours to hide
    except OSError:
        pass


def _read(fd: int) -> None:
    rest = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        if not chunk:
            return
        _Route.busy = True
        try:
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                _forward(line)
        finally:
            _Route.busy = False


def _setup() -> bool:
    """Make the pipe, its ``FILE *`` and the reader thread (once per process)."""
    if _Route.ours is not None:
        return True
    from improv.capture.devices import NATIVE_NOISE

    _Route.noise = NATIVE_NOISE
    try:
        libc = ctypes.CDLL(None)
        var = ctypes.c_void_p.in_dll(libc, "stderr")
        fdopen = libc.fdopen
    except (OSError, ValueError, AttributeError):  # not glibc/musl: nothing to route
        return False
    fdopen.restype = ctypes.c_void_p
    fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
    libc.setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t]
    r, w = os.pipe()
    os.set_blocking(w, False)  # a full pipe drops a C line, never holds a C thread up
    ours = fdopen(w, b"w")
    if not ours:
        os.close(r)
        os.close(w)
        return False
    libc.setvbuf(ours, None, _IONBF, 0)
    threading.Thread(target=_read, args=(r,), name="improv-c-stderr", daemon=True).start()
    _Route.read_end = r
    _Route.var = var
    _Route.ours = ours
    return True


def wanted(plan) -> bool:
    """Whether a recording (or input check) of ``plan`` (:class:`improv.capture.plan.Plan`)
    routes the C libraries' ``stderr``: where an audio input is opened through PortAudio's ALSA
    (or OSS) host API, whose lines these are. A recording on JACK alone is left as it was
    (libjack's own messages are kept out by its error callbacks): its JACK clients run Python
    callbacks in this process, and nothing is changed under them."""
    return any(not str(getattr(a.device, "hostapi", "")).startswith("JACK")
               for a in getattr(plan, "audio", ()))


def route_on() -> bool:
    """Point the C library's ``stderr`` at the reader (nested calls count; each
    :func:`route_on` needs its :func:`route_off`).  Returns whether it is routed."""
    with _Route.lock:
        if _Route.users == 0:
            if not _setup():
                return False
            _Route.saved = _Route.var.value
            _Route.var.value = _Route.ours
        _Route.users += 1
        return True


def route_off() -> None:
    """Undo one :func:`route_on`; the last one points ``stderr`` back where it was (the pipe
    and its reader stay for the next recording: a C thread may still hold the pointer)."""
    with _Route.lock:
        if _Route.users == 0:
            return
        _Route.users -= 1
        if _Route.users == 0 and _Route.var is not None:
            _Route.var.value = _Route.saved
            _drain()


def _drain(*, timeout_s: float = DRAIN_S) -> None:
    """Wait until the reader has handled every line in the pipe (at most ``timeout_s``
    seconds): what a C library printed before the routing ended is in the log or the
    terminal when :func:`route_off` returns, before what is printed after it."""
    import array
    import fcntl
    import termios
    import time

    end = time.monotonic() + timeout_s
    pending = array.array("i", [0])
    while time.monotonic() < end:
        try:
            fcntl.ioctl(_Route.read_end, termios.FIONREAD, pending)
        except OSError:
            return
        if pending[0] == 0 and not _Route.busy:
            return
        time.sleep(0.005)


def routed() -> bool:
    """Whether the C library's ``stderr`` goes to the debug log now."""
    return _Route.users > 0

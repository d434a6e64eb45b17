"""Python work once per JACK cycle, in a real-time thread that stops without freezing the process.

A JACK client whose process callback is Python (``jack_set_process_callback``, JACK-Client's
``set_process_callback``) takes Python's global interpreter lock (GIL) in JACK's real-time thread
every cycle.  JACK2 ends that thread when the client is deactivated by cancelling it
(``pthread_cancel``, asynchronously): a thread cancelled while it held the GIL, or while it
waited for it, leaves the GIL or its mutex taken for good, and every Python thread of the process
then waits forever.  The recorder froze so at its stop when another thread of the process held
the GIL at that moment (a clean-clone test run, native stacks under gdb: commit 38721ad), and
``bench/bench_jack_stop.py`` makes it happen at will: with a thread that holds the GIL for 50 ms at
a time, 19 of 60 deactivations of such a client froze the process.

:class:`CycleThread` gives the client a *thread function* instead (``jack_set_process_thread``):
JACK calls it once, and it loops ``jack_cycle_wait`` → the work → ``jack_cycle_signal``, waiting
for each cycle inside libjack with the GIL released.  To stop, the loop is asked to leave after
the cycle it is in, and the client is deactivated only once its thread has ended, so JACK has no
thread of ours left to cancel: 0 of 60 froze in the same run.

JACK's own functions for this are called through :mod:`ctypes` (JACK-Client does not wrap them),
on the system's libjack, the one JACK-Client and PortAudio use.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

from improv.capture.libjack import THREAD_FN, libjack

log = logging.getLogger(__name__)

__all__ = ["CycleThread", "abandon_client", "activate_with_cycles"]

STOP_WAIT_S = 1.0
"""How long :meth:`CycleThread.stop` waits for the thread to end [seconds]: many cycles, and
longer than any wait for the GIL seen on a loaded machine."""


def abandon_client(client) -> None:
    """Leave a JACK-Client ``client`` as it is, never deactivated or closed: its pointer is
    cleared so that the garbage collector does not close it either (JACK-Client's ``close()``
    is a no-op then)."""
    import jack

    client._ptr = jack._ffi.NULL


class CycleThread:
    """Runs ``work(frames)`` once per JACK cycle of ``client``, in JACK's real-time thread.

    Create it before the client is activated; call :meth:`stop` before the client is
    deactivated or closed, and deactivate it only if :meth:`stop` returned True (module notes).

    Parameters
    ----------
    client : jack.Client
        The JACK-Client client, not active yet.
    work : callable
        Called with the cycle's length [frames] between JACK's start and end of the cycle, as a
        process callback is (its port buffers and ``last_frame_time`` are the cycle's). An
        exception in it is logged once and the cycles go on.

    Raises
    ------
    OSError
        No JACK library.
    jack.JackError
        JACK refused the thread function (the client is already active, or has a process
        callback).
    """

    def __init__(self, client, work: Callable[[int], None]) -> None:
        import jack

        self._lib = libjack()
        self._ptr = int(jack._ffi.cast("uintptr_t", client._ptr))
        self._work = work
        self._leave = threading.Event()
        self._left = threading.Event()
        #: the real-time thread's id (None until JACK first called the thread function)
        self.native_id: int | None = None
        self.cycles = 0
        self._failed = False
        self._fn = THREAD_FN(self._loop)  # kept alive here: libjack holds only the pointer
        if self._lib.jack_set_process_thread(self._ptr, self._fn, None) != 0:
            raise jack.JackError("JACK refused a process thread for this client")

    # JACK's real-time thread: the GIL only between a cycle's start and its end
    def _loop(self, _arg) -> None:
        self.native_id = threading.get_native_id()
        lib, ptr = self._lib, self._ptr
        try:
            while not self._leave.is_set():
                frames = lib.jack_cycle_wait(ptr)  # the GIL is released while it waits
                if frames == 0:  # libjack gave up on the server
                    break
                try:
                    self._work(frames)
                except Exception:  # noqa: BLE001 - one bad cycle must not stop the others
                    if not self._failed:
                        self._failed = True
                        log.exception("JACK cycle work failed (later failures not logged)")
                finally:
                    lib.jack_cycle_signal(ptr, 0)
                self.cycles += 1
        finally:
            self._left.set()
        return None

    @property
    def running(self) -> bool:
        """Whether the thread function has started and not left yet."""
        return self.native_id is not None and not self._left.is_set()

    def stop(self, *, timeout_s: float = STOP_WAIT_S) -> bool:
        """Ask the loop to leave after the cycle it is in, and wait until its thread has ended.

        Parameters
        ----------
        timeout_s : float [seconds]
            How long to wait.

        Returns
        -------
        bool
            True when no thread of this client runs Python any more (it ended, or JACK never
            started it): the client may be deactivated and closed. False when it did not end in
            time (no cycle came, or it waited that long for the GIL): the client is then to be
            left as it is (:func:`abandon_client`), not deactivated.
        """
        self._leave.set()
        deadline = time.monotonic() + timeout_s
        if not self._left.wait(timeout_s):
            return self.native_id is None  # never started: nothing of ours for JACK to cancel
        # the loop has left; its thread still gives the GIL back and ends in libjack
        task = f"/proc/self/task/{self.native_id}"
        if not os.path.isdir("/proc/self/task"):  # not Linux: no way to see it end
            time.sleep(0.05)
            return True
        while os.path.exists(task):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True


def activate_with_cycles(client, work: Callable[[int], None]) -> CycleThread:
    """Give ``client`` (not active yet) a :class:`CycleThread` running ``work`` and activate it;
    a client JACK refuses either is closed before the error is raised (nothing of it runs).

    Raises
    ------
    OSError, jack.JackError
        As :class:`CycleThread`, or the activation failed.
    """
    try:
        thread = CycleThread(client, work)
        client.activate()
    except Exception:
        client.close()
        raise
    return thread

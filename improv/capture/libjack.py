"""The few calls of the system's JACK library that JACK-Client does not wrap, through ctypes.

JACK-Client, PortAudio and this module all use the same libjack (the system's): the pointer of
a ``jack.Client`` (``client._ptr``) is a ``jack_client_t *`` here too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["LatencyRange", "THREAD_FN", "libjack"]

THREAD_FN = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)
"""A JACK thread function, ``void *(*)(void *)`` (``jack_set_process_thread``)."""


class LatencyRange(ctypes.Structure):
    """``jack_latency_range_t``: the least and greatest latency of a port [frames]."""

    _fields_ = [("min", ctypes.c_uint32), ("max", ctypes.c_uint32)]


@functools.cache
def libjack() -> ctypes.CDLL:
    """The system's libjack, with the argument and result types of the calls improv makes:
    the process thread (``jack_set_process_thread``, ``jack_cycle_wait``,
    ``jack_cycle_signal``), frame times (``jack_frames_to_time``, ``jack_get_time``) and a
    port's latency (``jack_port_get_latency_range``).

    Raises
    ------
    OSError
        If no JACK library can be loaded.
    """
    lib = ctypes.CDLL(ctypes.util.find_library("jack") or "libjack.so.0")
    lib.jack_set_process_thread.argtypes = [ctypes.c_void_p, THREAD_FN, ctypes.c_void_p]
    lib.jack_set_process_thread.restype = ctypes.c_int
    lib.jack_cycle_wait.argtypes = [ctypes.c_void_p]
    lib.jack_cycle_wait.restype = ctypes.c_uint32
    lib.jack_cycle_signal.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.jack_cycle_signal.restype = None
    lib.jack_frames_to_time.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.jack_frames_to_time.restype = ctypes.c_uint64
    lib.jack_get_time.argtypes = []
    lib.jack_get_time.restype = ctypes.c_uint64
    lib.jack_port_get_latency_range.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                                ctypes.POINTER(LatencyRange)]
    lib.jack_port_get_latency_range.restype = None
    return lib

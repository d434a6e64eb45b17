"""glibc's heap controls for the analysis processes (``malloc_trim`` between the steps of a
session's analysis, ``mallopt`` thresholds in a Dask worker); where the C library is not glibc
there is nothing to control and the callers do nothing."""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["glibc"]


@functools.cache
def glibc() -> Any:
    """The process's glibc as a :class:`ctypes.CDLL`, loaded once; None elsewhere (macOS,
    Windows, musl)."""
    import ctypes
    import ctypes.util
    import platform

    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None

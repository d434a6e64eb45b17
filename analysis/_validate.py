"""Small validators shared by the analysis modules (messages name parameter, rule and value)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ParameterError, ParameterTypeError


def positive(name: str, value: Any, *, unit: str = "seconds") -> float:
    """Return ``value`` as float if it is finite and > 0, else raise :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterTypeError(f"{name} must be a number [{unit}], got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ParameterError(f"{name} must be a finite number > 0 [{unit}], got {value!r}")
    return v


def finite(name: str, value: Any, *, unit: str = "seconds") -> float:
    """Return ``value`` as float if it is a finite number (any sign), else raise
    :class:`ParameterError` (:class:`ParameterTypeError` for a value that is no number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterTypeError(f"{name} must be a finite number [{unit}], got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ParameterError(f"{name} must be a finite number [{unit}], got {value!r}")
    return v


def nonnegative(name: str, value: Any, *, unit: str = "seconds") -> float:
    """Return ``value`` as float if it is finite and >= 0, else raise :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterTypeError(f"{name} must be a number [{unit}], got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ParameterError(f"{name} must be a finite number >= 0 [{unit}], got {value!r}")
    return v


def window_hop(window: Any, hop: Any) -> tuple[float, float]:
    """Validate an analysis window and hop (seconds); the hop may not exceed the window."""
    w = positive("window", window)
    h = positive("hop", hop)
    if h > w:
        raise ParameterError(f"hop must be <= window ({w!r} s), got {hop!r}")
    return w, h


#: Shortest analysis window [seconds]: it holds two beats of the slowest tempo it measures,
#: which must lie below the fastest (300 BPM, analysis.periodicity.MAX_BPM); 0.5 s measures
#: 240-300 BPM. Shorter windows have no tempo grid at all.
MIN_WINDOW = 0.5


def analysis_window(window: Any, hop: Any) -> tuple[float, float]:
    """:func:`window_hop` for the curves of an analysis, which include tempo: the window must
    hold two beats of the fastest tempo (:data:`MIN_WINDOW`)."""
    w, h = window_hop(window, hop)
    if w < MIN_WINDOW:
        raise ParameterError(
            f"window must be at least {MIN_WINDOW:g} s (it must hold two beats of a tempo "
            f"below 300 BPM), got {window!r}")
    return w, h


def sample_rate(sr: Any) -> int:
    """Validate a sample rate in Hz (positive int): :class:`ParameterTypeError` for a value of
    another type, :class:`ParameterError` for one that is not positive."""
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)):
        raise ParameterTypeError(f"sr must be a positive int [Hz], got {sr!r}")
    if int(sr) <= 0:
        raise ParameterError(f"sr must be a positive int [Hz], got {sr!r}")
    return int(sr)


def times_1d(name: str, t: Any, *, session: bool = False) -> np.ndarray:
    """Return ``t`` as a 1-D float64 array of finite times, or raise.

    ``session``: the times are seconds from the session start, so none may be negative.
    """
    try:
        a = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be numbers [seconds], got {t!r:.60}") from None
    if a.ndim != 1:
        raise ParameterError(f"{name} must be 1-D [seconds], got shape {a.shape}")
    if a.size and not np.all(np.isfinite(a)):
        raise ParameterError(
            f"{name} must contain only finite times [seconds], got non-finite values")
    if session and a.size and a.min() < 0:
        raise ParameterError(
            f"{name} must be >= 0 [seconds from the session start], got {a.min()!r}")
    return a

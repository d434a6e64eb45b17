"""A PortAudio stream's input latency as a recording keeps it: a value that cannot be true is
no value.

PortAudio's JACK host API can report an input stream's latency as an unsigned frame count
that wrapped below zero: 2**32 frames, 89478.485 s at 48 kHz, was stored as the session's
``audio[].latency_s`` (review 36). A latency below zero or above :data:`MAX_LATENCY_S` is kept
as None (``null`` in session.json, docs/session-format.md).
"""

from __future__ import annotations

import math

__all__ = ["MAX_LATENCY_S", "plausible_latency"]

MAX_LATENCY_S = 10.0
"""The longest input latency [seconds] taken as true: a sound card's buffers hold milliseconds,
a network or Bluetooth input some hundred; ten seconds is none of them."""


def plausible_latency(value: float | None) -> float | None:
    """``value`` [seconds] if it can be an input latency (0 to :data:`MAX_LATENCY_S`), else
    None (negative, too large, not a number, or none).

    Examples
    --------
    >>> plausible_latency(0.0213), plausible_latency(2**32 / 48000), plausible_latency(-1.0)
    (0.0213, None, None)
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v) or v < 0 or v > MAX_LATENCY_S:
        return None
    return v

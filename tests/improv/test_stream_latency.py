"""A stream latency that cannot be true is stored as null (review 36: session.json kept
``"latency_s": 89478.464`` for a JACK input, 2**32 frames at 48 kHz read as seconds)."""

from __future__ import annotations

import math

import pytest

from improv.capture.stream_latency import MAX_LATENCY_S, plausible_latency


@pytest.mark.parametrize("value, kept", [
    (0.0, 0.0), (0.0213, 0.0213), (0.35, 0.35), (MAX_LATENCY_S, MAX_LATENCY_S),
    (2**32 / 48000, None), (89478.464, None), (-0.001, None), (MAX_LATENCY_S + 0.001, None),
    (math.inf, None), (math.nan, None), (None, None), ("x", None),
])
def test_plausible_latency(value, kept):
    assert plausible_latency(value) == kept

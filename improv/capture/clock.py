"""The session clock: the only time source of a recording.

Every time stamp of a session (MIDI arrival, audio anchors, markers, device
events) is ``t`` = float seconds since the session started, read from one
:class:`SessionClock`.  Tests inject a fake clock with the same ``now()``
method (``tests/conftest.py`` ``FakeClock``).

On Linux the clock counts ``CLOCK_MONOTONIC_RAW``: monotonic, never stepped
and never slewed by NTP, and the very clock JACK uses for ``jack_get_time``
and its frame-to-time mapping, so JACK time stamps map onto the session clock
by a constant offset.  Elsewhere it uses :func:`time.monotonic`.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable

if hasattr(time, "CLOCK_MONOTONIC_RAW"):
    _RAW = time.CLOCK_MONOTONIC_RAW

    def monotonic_raw() -> float:
        """Seconds of ``CLOCK_MONOTONIC_RAW`` (arbitrary origin)."""
        return time.clock_gettime(_RAW)

    COUNTER_NAME = "CLOCK_MONOTONIC_RAW"
else:  # pragma: no cover - macOS, Windows
    monotonic_raw = time.monotonic
    COUNTER_NAME = "time.monotonic"


class SessionClock:
    """Monotonic seconds since the start of a session.

    Parameters
    ----------
    counter : callable, optional
        A monotonic counter in seconds; :func:`monotonic_raw` by default.

    Attributes
    ----------
    start_counter : float [seconds]
        The counter's value at session start (``t = 0``).
    started_utc : datetime
        Wall-clock time of the start (stored once in the manifest).

    Examples
    --------
    >>> ticks = iter([10.0, 10.5])
    >>> clock = SessionClock(counter=lambda: next(ticks))
    >>> clock.now()
    0.5
    """

    def __init__(self, *, counter: Callable[[], float] | None = None) -> None:
        self._counter = counter or monotonic_raw
        self.counter_name = COUNTER_NAME if counter is None else "injected"
        self.started_utc = datetime.now(timezone.utc)
        self.start_counter = float(self._counter())

    def now(self) -> float:
        """Seconds [s] since the session started."""
        return self._counter() - self.start_counter

    def from_counter(self, value: float) -> float:
        """Session time [s] of a reading ``value`` [s] of the same counter."""
        return value - self.start_counter

    def describe(self) -> dict:
        """Facts for the manifest's ``settings["clock"]``."""
        return {"counter": self.counter_name, "start_counter_s": self.start_counter}

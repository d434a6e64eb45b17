"""Density: events per second, polyphony and silence share."""

from __future__ import annotations

import numpy as np

from . import _validate
from .convert import NoteTable
from .windows import (
    DEFAULT_HOP,
    DEFAULT_WINDOW,
    SILENCE_GAP,
    count_in_windows,
    coverage_window_means,
)

__all__ = [
    "density_curve",
    "polyphony_curve",
    "silent_intervals",
    "silence_share_curve",
    "silence_share",
    "POLYPHONY_STEP",
]

#: Grid step for polyphony and silence integration [seconds] (10 ms: finer than a note's onset).
POLYPHONY_STEP = 0.01


def density_curve(
    onsets: np.ndarray, *, duration: float, window: float = DEFAULT_WINDOW, hop: float = DEFAULT_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Events (note onsets or detected audio onsets) per second in each window.

    Returns
    -------
    times : np.ndarray [seconds]; values : np.ndarray [events per second]

    Examples
    --------
    >>> import numpy as np
    >>> t, v = density_curve(np.arange(0, 10, 0.25), duration=10.0)
    >>> float(v[0])
    4.0
    """
    times, counts = count_in_windows(onsets, duration=duration, window=window, hop=hop)
    return times, counts / float(window)


def polyphony_curve(
    notes: NoteTable, *, duration: float, window: float = DEFAULT_WINDOW, hop: float = DEFAULT_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Time-averaged number of simultaneously sounding notes in each window.

    Returns
    -------
    times : np.ndarray [seconds]; values : np.ndarray [notes]
    """
    duration = _validate.nonnegative("duration", duration)
    return coverage_window_means(notes.start, notes.end, step=POLYPHONY_STEP, duration=duration,
                                 window=window, hop=hop)


def silent_intervals(
    start: np.ndarray, end: np.ndarray, *, duration: float, gap: float = SILENCE_GAP
) -> np.ndarray:
    """Intervals longer than ``gap`` in which nothing sounds.

    Parameters
    ----------
    start, end : np.ndarray [seconds] — sounding intervals (notes, or active audio stretches)
    duration : float [seconds] — the session; leading and trailing gaps count too
    gap : float [seconds] — MTTB: silences are gaps longer than 2 s

    Returns
    -------
    np.ndarray [shape=(k, 2), seconds] — (start, end) of each silence. With nothing sounding
    at all the whole session is one silence, however short (the 2 s rule keeps rests between
    notes out; there are none): an empty or silent 0.5 s session has a silence share of 1.0,
    as a 0 s or a 3 s one has.
    """
    duration = _validate.nonnegative("duration", duration)
    gap = _validate.positive("gap", gap)
    s = np.asarray(start, dtype=np.float64)
    e = np.asarray(end, dtype=np.float64)
    if s.size == 0:
        return np.array([[0.0, duration]]) if duration > 0 else np.zeros((0, 2))
    order = np.argsort(s)
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)  # end of everything started so far
    gs = np.concatenate(([0.0], reach))
    ge = np.concatenate((s, [duration]))
    keep = ge - gs > gap
    return np.stack([gs[keep], np.minimum(ge[keep], duration)], axis=1)


def silence_share_curve(
    silences: np.ndarray, *, duration: float, window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Share (0..1) of each window covered by the given silences (see :func:`silent_intervals`)."""
    duration = _validate.nonnegative("duration", duration)
    sil = np.asarray(silences, dtype=np.float64).reshape(-1, 2)
    times, means = coverage_window_means(sil[:, 0], sil[:, 1], step=POLYPHONY_STEP,
                                         duration=duration, window=window, hop=hop)
    return times, np.clip(means, 0.0, 1.0)


def silence_share(silences: np.ndarray, *, duration: float) -> float:
    """Share (0..1) of the session covered by silences; 1.0 for an empty session of any length."""
    duration = _validate.nonnegative("duration", duration)
    if duration == 0:
        return 1.0
    sil = np.asarray(silences, dtype=np.float64).reshape(-1, 2)
    return float(np.clip(np.sum(sil[:, 1] - sil[:, 0]) / duration, 0.0, 1.0))

"""Small helpers of the dialogue package: a fine time grid of activity states.

Window means on the grid and JSON-safe numbers are :mod:`analysis.windows`'
(:func:`~analysis.windows.window_means`, :func:`~analysis.windows.json_number`, here as ``num``).
"""

from __future__ import annotations

import math

import numpy as np

from ..windows import json_number as num  # noqa: F401  (the dialogue modules' name for it)

#: Grid step for activity states [seconds] (10 ms: finer than any musically meaningful gap).
GRID_STEP = 0.01

Curve = tuple[np.ndarray, np.ndarray]


def n_cells(duration: float, step: float = GRID_STEP) -> int:
    return max(int(math.ceil(duration / step - 1e-9)), 0)


def intervals_mask(
    intervals: np.ndarray, *, duration: float, step: float = GRID_STEP
) -> np.ndarray:
    """Boolean grid: cell ``i`` (``[i*step, (i+1)*step)``) is True when its centre lies in an
    interval."""
    n = n_cells(duration, step)
    diff = np.zeros(n + 1, dtype=np.int64)
    iv = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
    if iv.size:
        a = np.clip(np.round(iv[:, 0] / step).astype(np.int64), 0, n)
        b = np.clip(np.round(iv[:, 1] / step).astype(np.int64), 0, n)
        np.add.at(diff, a, 1)
        np.add.at(diff, b, -1)
    return np.cumsum(diff[:n]) > 0



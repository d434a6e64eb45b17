"""Small helpers of the dialogue package: a fine time grid and window means on it.

(``analysis.density._window_mean`` does the same but is private to that module, so the dialogue
package keeps its own copy rather than importing a private name.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..windows import window_starts

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


def window_means(cells: np.ndarray, *, duration: float, window: float, hop: float,
                 step: float = GRID_STEP) -> Curve:
    """Mean of a grid signal in each analysis window; returns (window centres [s], means)."""
    starts = window_starts(duration, window=window, hop=hop)
    if starts.size == 0:
        return starts, np.zeros(0)
    c = np.concatenate(([0.0], np.cumsum(np.asarray(cells, dtype=np.float64))))
    a = np.clip(np.round(starts / step).astype(np.int64), 0, cells.size)
    b = np.clip(np.round((starts + window) / step).astype(np.int64), 0, cells.size)
    return starts + window / 2.0, (c[b] - c[a]) / np.maximum(b - a, 1)


def num(x: Any) -> float | None:
    """A JSON-safe float: NaN/inf/None -> None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None

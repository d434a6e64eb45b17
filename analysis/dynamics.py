"""Dynamics: MIDI velocity statistics, audio level in dBFS, crescendo/decrescendo detection."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from . import _validate
from .convert import NoteTable
from .errors import ParameterError
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, _window_index, _window_mean_std, _window_reduce

__all__ = [
    "AMIN",
    "DynamicChange",
    "velocity_curves",
    "level_dbfs",
    "dynamic_changes",
    "CRESCENDO_VELOCITY",
    "CRESCENDO_DB",
    "CRESCENDO_MIN_DURATION",
]

#: Amplitude floor for dBFS [full scale]: -100 dBFS, below 24-bit dither; silence reads -100.
AMIN = 1e-5
#: A crescendo must rise by at least this much in mean MIDI velocity (about one dynamic marking
#: step, e.g. mp -> mf, in the usual 8-step velocity mapping of 127/8 ≈ 16; we take 10).
CRESCENDO_VELOCITY = 10.0
#: ... or by this much in audio level/loudness [dB]; 6 dB is a clearly audible change (a doubling
#: of amplitude; roughly one dynamic marking step).
CRESCENDO_DB = 6.0
#: ... over at least this long [seconds] (shorter rises are accents, not crescendi).
CRESCENDO_MIN_DURATION = 3.0


@dataclass(frozen=True)
class DynamicChange:
    """A crescendo or decrescendo: ``kind`` is ``"crescendo"`` or ``"decrescendo"``;
    ``start``/``end`` [seconds]; ``change`` in the curve's unit (velocity or dB), signed: the
    full rise or fall, between the run's turning points (:func:`dynamic_changes`)."""

    kind: str
    start: float
    end: float
    change: float

    def to_dict(self) -> dict:
        return asdict(self)


def velocity_curves(
    notes: NoteTable, *, duration: float, window: float = DEFAULT_WINDOW, hop: float = DEFAULT_HOP
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Mean, spread (standard deviation) and range (max - min) of note-on velocity per window.

    Returns
    -------
    dict
        ``velocity_mean``, ``velocity_std``, ``velocity_range``: (times [s], values [velocity
        0-127]); NaN in windows without notes.
    """
    times, lo, hi = _window_index(notes.start, duration=duration, window=window, hop=hop)
    mean, std = _window_mean_std(notes.velocity, lo, hi)
    v = notes.velocity.astype(np.float64)
    rng = np.where(hi > lo,
                   _window_reduce(np.maximum, v, lo, hi) - _window_reduce(np.minimum, v, lo, hi),
                   np.nan)
    return {"velocity_mean": (times, mean), "velocity_std": (times, std),
            "velocity_range": (times, rng)}


def level_dbfs(mean_square: np.ndarray, *, ref: float = 1.0, amin: float = AMIN) -> np.ndarray:
    """RMS level in dBFS from mean-square values: ``20*log10(max(amin, rms) / ref)``.

    Parameters
    ----------
    mean_square : np.ndarray [full scale squared]
    ref : float [full scale] — 1.0 means a full-scale square wave reads 0 dBFS (AES17 uses a
        sine; add 3.01 dB for that convention).
    amin : float [full scale] — floor; silence reads ``20*log10(amin/ref)``.
    """
    ref = _validate.positive("ref", ref, unit="full scale")
    amin = _validate.positive("amin", amin, unit="full scale")
    rms = np.sqrt(np.maximum(np.asarray(mean_square, dtype=np.float64), 0.0))
    return 20.0 * np.log10(np.maximum(amin, rms) / ref)


def dynamic_changes(
    times: np.ndarray,
    values: np.ndarray,
    *,
    min_change: float,
    min_duration: float = CRESCENDO_MIN_DURATION,
) -> list[DynamicChange]:
    """Crescendi and decrescendi in a dynamics curve (zig-zag turning points with hysteresis).

    A turning point is confirmed only after the curve has moved ``min_change`` away from the last
    extreme, so small fluctuations do not split one long crescendo. Each monotone run between
    confirmed extremes that changes by at least ``min_change`` and lasts ``min_duration`` is
    reported. NaN values (windows without notes) are skipped.

    ``start`` and ``end`` are where the run leaves its starting level and reaches its final
    one (the last point within ``min_change / 2`` of the starting extreme, the first within
    ``min_change / 2`` of the final extreme); ``change`` is the full change of the run, from
    its starting turning point (extreme) to its final one, in the unit of ``values`` (signed;
    since analysis 1.19, before it was taken between the trimmed ``start`` and ``end`` and
    read up to ``min_change`` low).

    Parameters
    ----------
    times : np.ndarray [seconds]
    values : np.ndarray [velocity or dB]
    min_change : float [unit of values], > 0
    min_duration : float [seconds], >= 0
    """
    min_change = _validate.positive("min_change", min_change, unit="curve unit")
    min_duration = _validate.nonnegative("min_duration", min_duration)
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if t.shape != v.shape:
        raise ParameterError(
            f"times and values must have the same shape, got {t.shape} and {v.shape}")
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    if t.size < 2:
        return []
    # zig-zag: find the first move of min_change, then alternate between tracking a maximum
    # (rising) and a minimum (falling); an extreme becomes a pivot once the curve has moved
    # min_change back from it.
    lo = hi = 0
    direction = 0
    pivots: list[int] = []
    ext = 0
    for i in range(1, v.size):
        if direction == 0:
            lo = i if v[i] < v[lo] else lo
            hi = i if v[i] > v[hi] else hi
            if v[i] - v[lo] >= min_change:
                pivots, direction, ext = [lo], 1, i
            elif v[hi] - v[i] >= min_change:
                pivots, direction, ext = [hi], -1, i
        elif direction == 1:
            if v[i] >= v[ext]:
                ext = i
            elif v[ext] - v[i] >= min_change:
                pivots.append(ext)
                direction, ext = -1, i
        else:
            if v[i] <= v[ext]:
                ext = i
            elif v[i] - v[ext] >= min_change:
                pivots.append(ext)
                direction, ext = 1, i
    if direction == 0:
        return []
    pivots.append(ext)
    out: list[DynamicChange] = []
    tol = min_change / 2.0  # a change starts where the curve leaves its starting level
    for p0, p1 in zip(pivots[:-1], pivots[1:], strict=False):
        sign = 1.0 if v[p1] > v[p0] else -1.0
        seg = sign * v[p0 : p1 + 1]
        a = p0 + int(np.flatnonzero(seg <= seg[0] + tol)[-1])
        seg = sign * v[a : p1 + 1]
        b = a + int(np.flatnonzero(seg >= seg[-1] - tol)[0])
        # detected as before 1.19 (the trimmed rise at least min_change), but the change
        # reported is the full one, between the turning points: the trimmed points lie up to
        # tol inside the extremes, and a ramp 40 -> 100 read 51.75
        if abs(v[b] - v[a]) >= min_change and t[b] - t[a] >= min_duration:
            ch = float(v[p1] - v[p0])
            out.append(DynamicChange("crescendo" if ch > 0 else "decrescendo", float(t[a]),
                                     float(t[b]), ch))
    return out

"""The time a player's MIDI input recorded, and its measures over that time (since 1.23.0).

A MIDI device lost for a while (unplugged, its server gone) records nothing until it is back:
that stretch is neither playing nor silence. :func:`analysis.analyze_midi` takes the
stretches (``gaps``) and gives its rates and shares over the recorded time, as the audio
analysis does for a dropout (since 1.19.0, :meth:`analysis.AudioAnalyzer.finish`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .density import silence_share_curve, silent_intervals
from .windows import SILENCE_GAP

__all__ = ["RECORDED_SHARE", "recorded_intervals", "subtract", "intersect", "length",
           "silences_recorded", "over_the_recording"]

#: A window with less than this share of it recorded has no value in the rate, share and
#: tempo curves (as :data:`analysis.audio.RECORDED_SHARE`).
RECORDED_SHARE = 0.5


def length(iv: np.ndarray) -> float:
    """Total length [seconds] of disjoint intervals ``(k, 2)``."""
    iv = np.asarray(iv, np.float64).reshape(-1, 2)
    return float(np.sum(iv[:, 1] - iv[:, 0])) if iv.size else 0.0


def subtract(x: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Intervals ``x`` without the intervals ``cut`` (both ``(k, 2)`` [seconds]).

    Examples
    --------
    >>> subtract(np.array([[0.0, 10.0]]), np.array([[2.0, 3.0], [5.0, 6.0]])).tolist()
    [[0.0, 2.0], [3.0, 5.0], [6.0, 10.0]]
    """
    out = [tuple(v) for v in np.asarray(x, np.float64).reshape(-1, 2)]
    for c0, c1 in np.asarray(cut, np.float64).reshape(-1, 2):
        nxt = []
        for s0, s1 in out:
            if c1 <= s0 or c0 >= s1:
                nxt.append((s0, s1))
                continue
            if c0 > s0:
                nxt.append((s0, c0))
            if c1 < s1:
                nxt.append((c1, s1))
        out = nxt
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def intersect(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The intersection of two sets of disjoint intervals ``(k, 2)`` [seconds], sorted."""
    x = np.asarray(x, np.float64).reshape(-1, 2)
    y = np.asarray(y, np.float64).reshape(-1, 2)
    out = [(max(p0, q0), min(p1, q1)) for p0, p1 in x for q0, q1 in y
           if min(p1, q1) > max(p0, q0)]
    return np.array(sorted(out), dtype=np.float64).reshape(-1, 2)


def recorded_intervals(gaps: Iterable[tuple[float, float]], *,
                       duration: float) -> np.ndarray | None:
    """The recorded time of a session ``duration`` seconds long whose input did not record
    the stretches ``gaps`` [seconds]: None where that is the whole session (no gap inside it),
    else its intervals ``(k, 2)`` [seconds] (none: shape ``(0, 2)``).

    Examples
    --------
    >>> recorded_intervals([(7.5, 15.0)], duration=23.6).tolist()
    [[0.0, 7.5], [15.0, 23.6]]
    >>> recorded_intervals([], duration=23.6) is None
    True
    """
    cut = np.array([(float(a), float(b)) for a, b in gaps if float(b) > float(a)],
                   dtype=np.float64).reshape(-1, 2)
    cut = cut[(cut[:, 1] > 0.0) & (cut[:, 0] < duration)]
    if cut.size == 0 or duration <= 0:
        return None
    return subtract(np.array([[0.0, float(duration)]]), cut)


def silences_recorded(start: np.ndarray, end: np.ndarray, rec: np.ndarray, *,
                      duration: float, gap: float = SILENCE_GAP) -> np.ndarray:
    """The silences (:func:`analysis.density.silent_intervals`) within the recorded time
    ``rec``: a rest running into a stretch not recorded is a silence only as far as it is
    recorded, and only where that part alone is longer than ``gap`` [seconds] next to it
    (the time not recorded neither is silence nor lengthens one)."""
    out_iv = subtract(np.array([[0.0, duration]]), rec)
    s = np.concatenate([np.asarray(start, np.float64), out_iv[:, 0]])
    e = np.concatenate([np.asarray(end, np.float64), out_iv[:, 1]])
    if s.size == 0:
        return np.asarray(rec, np.float64).reshape(-1, 2)
    return intersect(silent_intervals(s, e, duration=duration, gap=gap), rec)


def over_the_recording(curves: dict, rec: np.ndarray, *, silences: np.ndarray,
                       duration: float, window: float, hop: float) -> None:
    """Make a MIDI player's window curves (in place) over the recorded time ``rec``: the note
    rate per recorded second, the mean number of sounding notes over the recorded time, the
    silence's share of the recorded time (``silences``: :func:`silences_recorded`); no value
    (NaN) in these and the tempo curves in a window less than :data:`RECORDED_SHARE` of which
    is recorded."""
    times, share = silence_share_curve(rec, duration=duration, window=window, hop=hop)
    part = share < 1.0
    keep = np.maximum(np.where(part, share, 1.0), 1e-12)
    for name in ("notes_per_s", "polyphony"):
        t, v = curves[name]
        if v.size == share.size:
            curves[name] = (t, np.where(part, v / keep, v))
    t_sil = curves["silence_share"][0]
    _, sil = silence_share_curve(silences, duration=duration, window=window, hop=hop)
    curves["silence_share"] = (t_sil, np.clip(sil / keep, 0.0, 1.0))
    out = share < RECORDED_SHARE
    for name in ("tempo_bpm", "pulse_clarity", "notes_per_s", "polyphony", "silence_share"):
        t, v = curves[name]
        if v.size == out.size:
            curves[name] = (t, np.where(out, np.nan, v))

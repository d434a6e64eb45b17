"""Register, articulation and tonal clarity from MIDI notes (MTTB-style features)."""

from __future__ import annotations

import numpy as np

from .convert import NoteTable
from .windows import (
    DEFAULT_HOP,
    DEFAULT_WINDOW,
    _window_index,
    _window_mean_std,
    _window_reduce,
    cumulative_coverage,
    window_starts,
)

__all__ = [
    "KK_MAJOR",
    "KK_MINOR",
    "KEY_NAMES",
    "CHORD_TOLERANCE",
    "pitch_curves",
    "articulation",
    "articulation_curve",
    "key_correlations",
    "tonal_clarity_curve",
]

#: Krumhansl & Kessler (1982) probe-tone key profiles (C major / C minor), as used by the
#: Krumhansl-Schmuckler key-finding algorithm and the MIDI Toolbox / MTTB ``keymode`` features.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_PC = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
#: The 24 key names in the order of :func:`key_correlations` (12 major, then 12 minor).
KEY_NAMES = [f"{p} major" for p in _PC] + [f"{p} minor" for p in _PC]
#: Onsets closer than this [seconds] belong to one chord (the next *different* onset defines the
#: inter-onset interval for articulation). 50 ms is below the ~70 ms at which two onsets are heard
#: as separate events in chords (cf. the 50 ms onset-evaluation window of MIREX).
CHORD_TOLERANCE = 0.05


def pitch_curves(
    notes: NoteTable, *, duration: float, window: float = DEFAULT_WINDOW, hop: float = DEFAULT_HOP
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Mean pitch and pitch spread (standard deviation) of the notes starting in each window.

    Returns
    -------
    dict
        ``pitch_mean``, ``pitch_std``: (times [s], values [MIDI note number / semitones]);
        NaN in windows without notes.
    """
    times, lo, hi = _window_index(notes.start, duration=duration, window=window, hop=hop)
    mean, std = _window_mean_std(notes.pitch, lo, hi)
    return {"pitch_mean": (times, mean), "pitch_std": (times, std)}


def articulation(notes: NoteTable) -> np.ndarray:
    """Per-note articulation: duration divided by the interval to the next distinct onset.

    1.0 is legato (the note lasts until the next one starts; overlaps are clipped to 1), values
    towards 0 are staccato. The last note (no following onset) gets NaN. This follows the MTTB
    articulation feature (Luck et al. 2008: "the proportion of time a note sounds relative to the
    inter-onset interval", legato vs staccato).
    """
    s = notes.start
    if s.size == 0:
        return np.zeros(0)
    # next onset later than this one + CHORD_TOLERANCE
    nxt_idx = np.searchsorted(s, s + CHORD_TOLERANCE, side="right")
    has = nxt_idx < s.size
    ioi = np.full(s.size, np.nan)
    ioi[has] = s[nxt_idx[has]] - s[has]
    return np.clip(notes.duration / ioi, 0.0, 1.0)


def articulation_curve(
    notes: NoteTable, *, duration: float, window: float = DEFAULT_WINDOW, hop: float = DEFAULT_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Mean articulation (0 staccato .. 1 legato) of the notes starting in each window; NaN if
    none."""
    art = articulation(notes)
    times, lo, hi = _window_index(notes.start, duration=duration, window=window, hop=hop)
    fin = np.isfinite(art)
    cnt = _window_reduce(np.add, fin.astype(np.int64), lo, hi)
    tot = _window_reduce(np.add, np.where(fin, art, 0.0), lo, hi)
    vals = np.where((hi > lo) & (cnt > 0), tot / np.maximum(cnt, 1), np.nan)
    return times, vals


def key_correlations(pc_weights: np.ndarray) -> np.ndarray:
    """Pearson correlation of a 12-bin pitch-class distribution with the 24 KK key profiles.

    Parameters
    ----------
    pc_weights : np.ndarray [shape=(..., 12)] — e.g. total note duration per pitch class

    Returns
    -------
    np.ndarray [shape=(..., 24)] — NaN where the distribution is flat (no key information)
    """
    x = np.asarray(pc_weights, dtype=np.float64)
    pz = _PROFILES_Z
    xz = x - x.mean(axis=-1, keepdims=True)
    nrm = np.linalg.norm(xz, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        xz = np.where(nrm > 1e-12, xz / nrm, np.nan)
    return xz @ pz.T


def _profiles_z() -> np.ndarray:
    profiles = np.stack([np.roll(KK_MAJOR, k) for k in range(12)]
                        + [np.roll(KK_MINOR, k) for k in range(12)])
    pz = profiles - profiles.mean(axis=1, keepdims=True)
    return pz / np.linalg.norm(pz, axis=1, keepdims=True)


_PROFILES_Z = _profiles_z()


#: Sounding time [seconds] under which a pitch class counts as absent from a window (guards the
#: float round-off of the cumulative integral below).
_MIN_SOUNDING = 1e-6


def tonal_clarity_curve(
    notes: NoteTable, *, duration: float, window: float = DEFAULT_WINDOW, hop: float = DEFAULT_HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Tonal (key) clarity per window: the maximum correlation with the 24 KK key profiles.

    The pitch-class distribution weights each pitch class by how long it sounds inside the window
    (Krumhansl 1990, key-finding algorithm; MTTB "key clarity", Luck et al. 2008). NaN where fewer
    than two pitch classes sound.
    """
    starts = window_starts(duration, window=window, hop=hop)
    vals = np.full(starts.size, np.nan)
    if len(notes) and starts.size:
        # sounding time of each pitch class inside each window, from the integral of the number
        # of sounding notes: C(x) = sum_i clip(x - start_i, 0) - clip(x - end_i, 0); in-window
        # time is C(b) - C(a), vectorised over windows (no per-window loop)
        a, b = starts, starts + window
        w = np.zeros((starts.size, 12))
        pcs = notes.pitch % 12
        for pc in range(12):
            sel = pcs == pc
            if sel.any():
                w[:, pc] = (cumulative_coverage(notes.start[sel], notes.end[sel], b)
                            - cumulative_coverage(notes.start[sel], notes.end[sel], a))
        ok = np.count_nonzero(w > _MIN_SOUNDING, axis=1) >= 2
        if ok.any():
            vals[ok] = np.max(key_correlations(np.where(w > _MIN_SOUNDING, w, 0.0)[ok]), axis=1)
    return starts + window / 2.0, vals

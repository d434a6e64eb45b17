"""Input of the dialogue measures: the events of one player (:class:`PlayerEvents`).

Audio players give detected onsets (and perhaps an onset level in dBFS); MIDI players give
notes (onset, offset, pitch, velocity). Every measure uses what is there and skips what is not,
e.g. melodic imitation needs pitches, the dynamics curve needs velocities or levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _validate
from ..convert import NoteTable
from ..errors import ParameterError, ParameterTypeError

__all__ = ["PlayerEvents"]


def _column(name: str, x: Any, n: int) -> np.ndarray | None:
    if x is None:
        return None
    a = np.asarray(x, dtype=np.float64)
    if a.shape != (n,):
        raise ParameterError(f"{name} must have the shape of onsets ({n},), got {a.shape}")
    if n and not np.all(np.isfinite(a)):
        raise ParameterError(f"{name} must contain only finite values, got non-finite values")
    return a


def _span(recorded: Any) -> tuple[float, float]:
    """``recorded`` as two finite floats ``(start, end)`` with ``start <= end`` [seconds]."""
    try:
        lo, hi = (float(x) for x in recorded)
    except (TypeError, ValueError):
        raise ParameterError(
            f"recorded must be (start, end) in seconds, got {recorded!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise ParameterError(
            f"recorded must be two finite times [seconds] with start <= end, got {recorded!r}")
    return lo, hi


def _gaps(gaps: Any) -> tuple[tuple[float, float], ...]:
    """``gaps`` as sorted ``(start, end)`` pairs of finite floats with ``start <= end``."""
    try:
        pairs = [(float(a), float(b)) for a, b in gaps]
    except (TypeError, ValueError):
        raise ParameterError(
            f"gaps must be (start, end) pairs in seconds, got {gaps!r}") from None
    if not all(np.isfinite(a) and np.isfinite(b) and a <= b for a, b in pairs):
        raise ParameterError(
            f"gaps must be finite times [seconds] with start <= end, got {gaps!r}")
    return tuple(sorted(pairs))


@dataclass(frozen=True)
class PlayerEvents:
    """Onset data of one player, sorted by onset.

    Attributes
    ----------
    onsets : np.ndarray [shape=(n,), float64, seconds from session start]
    offsets : np.ndarray [shape=(n,), seconds] or None
        Note ends (MIDI). Without offsets each event is taken to sound for
        :data:`analysis.dialogue.activity.NOTE_HOLD` seconds.
    pitches : np.ndarray [shape=(n,), MIDI note number] or None
    velocities : np.ndarray [shape=(n,), MIDI velocity 0-127] or None
    levels : np.ndarray [shape=(n,), dBFS] or None
        Level at each audio onset; used for the dynamics curve when there are no velocities.
    recorded : (float, float) [seconds from session start] or None
        When the player is being recorded, ``(start, end)``: an input that starts after the
        session or ends before it (e.g. an imported audio file shorter than the session).
        Outside it nothing is known of the player, neither playing nor silence, and the
        activity measures of a pair count only the time both are recorded
        (:func:`analysis.dialogue.activity.analyze_activity`, since dialogue 1.8). None: the
        whole session.
    gaps : tuple of (float, float) [seconds from session start]
        Stretches inside the recording that were not recorded: a device lost for a while, a
        dropout the recorder filled with silence. Like the time outside ``recorded``, they are
        outside the pair's shared time (since dialogue 1.9): silence there is not the
        player's. Empty: none.

    Raises
    ------
    ParameterError
        Non-1-D or non-finite onsets, columns of another length, ``offsets < onsets``, a
        ``recorded`` that is not two finite times with ``start <= end``, ``gaps`` that are
        not such pairs.

    Examples
    --------
    >>> p = PlayerEvents(np.array([1.0, 0.5]), pitches=np.array([62, 60]))
    >>> p.onsets.tolist(), p.pitches.tolist()
    ([0.5, 1.0], [60.0, 62.0])
    """

    onsets: np.ndarray
    offsets: np.ndarray | None = None
    pitches: np.ndarray | None = None
    velocities: np.ndarray | None = None
    levels: np.ndarray | None = None
    recorded: tuple[float, float] | None = None
    gaps: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if self.recorded is not None:
            object.__setattr__(self, "recorded", _span(self.recorded))
        object.__setattr__(self, "gaps", _gaps(self.gaps))
        on = _validate.times_1d("onsets", self.onsets, session=True)
        n = on.size
        cols = {k: _column(k, getattr(self, k), n)
                for k in ("offsets", "pitches", "velocities", "levels")}
        if cols["offsets"] is not None and np.any(cols["offsets"] < on):
            raise ParameterError(
                "offsets must be >= onsets [seconds], got an offset before its onset")
        order = np.argsort(on, kind="stable")
        object.__setattr__(self, "onsets", on[order])
        for k, v in cols.items():
            object.__setattr__(self, k, None if v is None else v[order])

    def __len__(self) -> int:
        return int(self.onsets.size)

    @classmethod
    def empty(cls, *, recorded: tuple[float, float] | None = None,
              gaps: tuple[tuple[float, float], ...] = ()) -> "PlayerEvents":
        """A player who played nothing (while recorded: ``recorded``, None: the session; not
        recorded in ``gaps``)."""
        return cls(np.zeros(0), recorded=recorded, gaps=gaps)

    @classmethod
    def from_notes(cls, notes: NoteTable, *,
                   gaps: tuple[tuple[float, float], ...] = ()) -> "PlayerEvents":
        """The events of a MIDI player from an :class:`analysis.convert.NoteTable` (not
        recorded in ``gaps``: :attr:`gaps`)."""
        if not isinstance(notes, NoteTable):
            raise ParameterTypeError(f"notes must be a NoteTable, got {type(notes).__name__}")
        # a drum kit (on the GM percussion channel, or an input marked as one) has no melody:
        # its note numbers name drums
        drums = len(notes) > 0 and bool(np.all(notes.percussion))
        return cls(notes.start, notes.end, None if drums else notes.pitch, notes.velocity,
                   gaps=gaps)

    @property
    def weights(self) -> np.ndarray | None:
        """Dynamics per event: velocity (0-127) if known, else level [dBFS], else None."""
        return self.velocities if self.velocities is not None else self.levels

    def clipped(self, duration: float) -> "PlayerEvents":
        """Only the events that start inside ``[0, duration)``; offsets cut at ``duration``."""
        keep = (self.onsets >= 0) & (self.onsets < duration)
        if keep.all():
            return self

        def sel(x: np.ndarray | None) -> np.ndarray | None:
            return None if x is None else x[keep]

        off = sel(self.offsets)
        return PlayerEvents(self.onsets[keep], None if off is None else np.minimum(off, duration),
                            sel(self.pitches), sel(self.velocities), sel(self.levels),
                            self.recorded, self.gaps)


def chord_starts(t: np.ndarray, *, chord: float) -> np.ndarray:
    """For sorted onsets ``t`` [seconds]: True where a note starts a new event, False for the
    further notes of a chord (within ``chord`` seconds of the chord's *first* note).

    Measured from the first note, not the previous one: a run of notes 30 ms apart is a run,
    not one chord (before dialogue 1.3 the chain of 10,000 notes in a minute was one event).

    Examples
    --------
    >>> chord_starts(np.array([0.0, 0.02, 0.04, 0.06, 0.5]), chord=0.05).tolist()
    [True, False, False, True, True]
    """
    t = np.asarray(t, dtype=np.float64)
    keep = np.ones(t.size, dtype=bool)
    if t.size < 2 or not np.any(np.diff(t) <= chord):  # no chords: the common case, no loop
        return keep
    first = -np.inf
    for i, x in enumerate(t.tolist()):
        keep[i] = x - first > chord
        if keep[i]:
            first = x
    return keep

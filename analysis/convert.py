"""Raw MIDI events of one player -> a note table.

The store hands analysis columnar raw events of one player: ``t`` (float64 seconds from
session start), ``status``, ``data1``, ``data2`` (uint8), sorted by ``t``. All MIDI features
take a :class:`NoteTable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validate
from .errors import ParameterError

__all__ = ["NoteTable", "notes_from_events", "PERCUSSION_CHANNEL"]

#: General MIDI channel 10 (0-based 9) is percussion: its note numbers name drums (35 bass
#: drum, 38 snare, 42 closed hi-hat, ...), not pitches. Notes of an input marked as a drum kit
#: are drums on every channel (:attr:`NoteTable.drum`).
PERCUSSION_CHANNEL = 9

_NOTE_OFF = 0x80
_NOTE_ON = 0x90
_CONTROL = 0xB0
_SUSTAIN_CC = 64  # MIDI CC 64 = damper (sustain) pedal; value >= 64 means pedal down


@dataclass(frozen=True)
class NoteTable:
    """Notes of one player as equal-length columns, sorted by ``start``.

    Attributes
    ----------
    start, end : np.ndarray [shape=(n,), float64, seconds from session start]
    pitch : np.ndarray [shape=(n,), int16, MIDI note number 0-127]
    velocity : np.ndarray [shape=(n,), int16, MIDI velocity 1-127]
    channel : np.ndarray [shape=(n,), int16, MIDI channel 0-15]
    drum : np.ndarray [shape=(n,), bool] or None
        True for a note of an input marked as a drum kit (whatever its channel: kits often
        send on another channel than 10). None (the default): no note is marked.
    """

    start: np.ndarray
    end: np.ndarray
    pitch: np.ndarray
    velocity: np.ndarray
    channel: np.ndarray
    drum: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.drum is None:
            object.__setattr__(self, "drum", np.zeros(np.shape(self.start)[:1], dtype=bool))
        elif np.asarray(self.drum).dtype != bool:
            raise ParameterError(f"NoteTable drum must be a bool array, got dtype "
                                 f"{np.asarray(self.drum).dtype}")
        cols = {k: getattr(self, k)
                for k in ("start", "end", "pitch", "velocity", "channel", "drum")}
        n = {k: np.shape(v) for k, v in cols.items()}
        if any(len(s) != 1 for s in n.values()) or len({s[0] for s in n.values()}) != 1:
            raise ParameterError(f"NoteTable columns must be 1-D with equal length, got shapes {n}")
        # the window code searches ``start`` by bisection: an unsorted table gave wrong curves
        if np.any(np.diff(self.start) < 0):
            raise ParameterError("NoteTable start times must be sorted; build the table with "
                                 "NoteTable.from_arrays, which sorts")

    @classmethod
    def empty(cls) -> "NoteTable":
        """A table with no notes (right dtypes, length 0)."""
        f = np.zeros(0, dtype=np.float64)
        i = np.zeros(0, dtype=np.int16)
        return cls(f, f.copy(), i, i.copy(), i.copy(), np.zeros(0, dtype=bool))

    @classmethod
    def from_arrays(
        cls,
        start: Any,
        end: Any,
        pitch: Any,
        velocity: Any,
        channel: Any = None,
        drum: Any = None,
    ) -> "NoteTable":
        """Build a validated table from array-likes (sorted by start, then pitch).

        Parameters
        ----------
        start, end : array-like [seconds]
            Note on and off times; ``end >= start`` is required.
        pitch : array-like [MIDI note number 0-127]
        velocity : array-like [0-127]
        channel : array-like [0-15] or None
            Defaults to channel 0 for every note.
        drum : array-like of bool or None
            True for the notes of an input marked as a drum kit; None: none is.

        Raises
        ------
        ParameterError
            On unequal lengths, non-finite or negative times, ``end < start`` or out-of-range
            values.
        """
        s = np.asarray(start, dtype=np.float64).ravel()
        e = np.asarray(end, dtype=np.float64).ravel()
        p = np.asarray(pitch).ravel().astype(np.int64)
        v = np.asarray(velocity).ravel().astype(np.int64)
        c = (np.zeros(s.size, np.int64) if channel is None
             else np.asarray(channel).ravel().astype(np.int64))
        d = (np.zeros(s.size, bool) if drum is None else np.asarray(drum).ravel().astype(bool))
        lens = {len(s), len(e), len(p), len(v), len(c), len(d)}
        if len(lens) != 1:
            raise ParameterError(
                f"start, end, pitch, velocity, channel and drum must have equal length, got "
                f"{[len(s), len(e), len(p), len(v), len(c), len(d)]}"
            )
        if s.size:
            if not (np.all(np.isfinite(s)) and np.all(np.isfinite(e))):
                raise ParameterError(
                    "start and end must be finite [seconds], got non-finite values")
            if s.min() < 0:
                raise ParameterError(
                    f"start must be >= 0 [seconds from the session start], got {s.min()!r}")
            if np.any(e < s):
                i = int(np.argmax(e < s))
                raise ParameterError(
                    f"end must be >= start, got start={s[i]!r}, end={e[i]!r} at note {i}")
            for name, a, hi in (("pitch", p, 127), ("velocity", v, 127), ("channel", c, 15)):
                if a.min() < 0 or a.max() > hi:
                    raise ParameterError(
                        f"{name} must be in range 0..{hi}, got {a.min()}..{a.max()}")
        order = np.lexsort((p, s))
        return cls(
            s[order], e[order], p[order].astype(np.int16), v[order].astype(np.int16),
            c[order].astype(np.int16), d[order],
        )

    def __len__(self) -> int:
        return int(self.start.size)

    @property
    def duration(self) -> np.ndarray:
        """Note durations ``end - start`` [seconds]."""
        return self.end - self.start

    @property
    def percussion(self) -> np.ndarray:
        """[shape=(n,), bool] Which notes are drums: those on the GM percussion channel
        (:data:`PERCUSSION_CHANNEL`) and those of an input marked as a drum kit
        (:attr:`drum`); their note numbers name drums, not pitches."""
        return (self.channel == PERCUSSION_CHANNEL) | self.drum

    def take(self, keep: np.ndarray) -> "NoteTable":
        """The notes where the bool mask ``keep`` is True (every column, order kept)."""
        return NoteTable(self.start[keep], self.end[keep], self.pitch[keep], self.velocity[keep],
                         self.channel[keep], self.drum[keep])

    def pitched(self) -> "NoteTable":
        """The notes that have a pitch: all but the drums (:attr:`percussion`)."""
        keep = ~self.percussion
        if keep.all():
            return self
        return self.take(keep)


def notes_from_events(
    t: Any,
    status: Any,
    data1: Any,
    data2: Any,
    *,
    end_time: float | None = None,
    sustain: bool = False,
    gaps: Any = (),
) -> NoteTable:
    """Pair note-on and note-off events per (channel, pitch) into notes.

    Parameters
    ----------
    t : np.ndarray [shape=(n,), float64, seconds from session start]
        Event times, sorted ascending.
    status, data1, data2 : np.ndarray [shape=(n,), uint8]
        Raw MIDI bytes. Only note-on (0x9n), note-off (0x8n) and, with ``sustain=True``,
        CC 64 (0xBn, data1=64) are used; everything else is ignored.
    end_time : float or None [seconds]
        Where notes still sounding at the end are cut. Default: the last event time.
    sustain : bool
        If True, a note released while the sustain pedal (CC 64 >= 64) is down on its
        channel lasts until the pedal is released (or a re-strike of the same pitch).
    gaps : iterable of (float, float) [seconds]
        Stretches in which the events' source recorded nothing (a MIDI device lost for a
        while): a note still sounding (or held by the pedal) when one begins ends there, and
        the pedal counts as released, since nothing of what followed reached the recording
        (since analysis 1.23.0; before, a note held as a keyboard was unplugged sounded to the
        end of the session). Only the starts are used; a note-off after the gap finds no
        note and is ignored.

    Returns
    -------
    NoteTable
        One row per note-on with velocity > 0. A note-on with velocity 0 is a note-off
        (MIDI 1.0 running-status convention). A re-struck pitch that was not released
        ends the earlier note at the new onset. Unmatched note-offs are ignored.

    Raises
    ------
    ParameterError
        On unequal lengths, non-finite or unsorted ``t``, or ``end_time`` before the last note-on.

    Examples
    --------
    >>> import numpy as np
    >>> nt = notes_from_events(np.array([0.0, 0.5]), np.array([0x90, 0x80], np.uint8),
    ...                        np.array([60, 60], np.uint8), np.array([100, 0], np.uint8))
    >>> nt.start.tolist(), nt.end.tolist(), nt.pitch.tolist()
    ([0.0], [0.5], [60])
    """
    tt, st, d1, d2 = _event_columns(t, status, data1, data2)
    if tt.size == 0:
        return NoteTable.empty()
    kind = st & 0xF0
    chan = st & 0x0F
    is_on = (kind == _NOTE_ON) & (d2 > 0)
    is_off = (kind == _NOTE_OFF) | ((kind == _NOTE_ON) & (d2 == 0))
    is_ped = (kind == _CONTROL) & (d1 == _SUSTAIN_CC) if sustain else np.zeros_like(is_on)
    last = float(tt[-1]) if end_time is None else _validate.finite("end_time", end_time)
    if is_on.any() and last < tt[is_on][-1]:
        raise ParameterError(
            f"end_time must be >= the last note-on ({tt[is_on][-1]!r} s), got {end_time!r}")
    cuts = _gap_starts(gaps)
    starts, ends, pitches, vels, chans = _pair_notes(tt, chan, d1, d2, is_on, is_ped,
                                                     np.flatnonzero(is_on | is_off | is_ped),
                                                     cuts=cuts[cuts <= last])
    e = np.asarray(ends, dtype=np.float64)
    s = np.asarray(starts, dtype=np.float64)
    e[e < 0] = last
    e = np.maximum(e, s)
    return NoteTable.from_arrays(s, e, pitches, vels, chans)


def _event_columns(
    t: Any, status: Any, data1: Any, data2: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The event columns of :func:`notes_from_events` as flat arrays (times float64, bytes
    int64), checked: equal lengths, finite and sorted times."""
    tt = np.asarray(t, dtype=np.float64).ravel()
    st = np.asarray(status).ravel().astype(np.int64)
    d1 = np.asarray(data1).ravel().astype(np.int64)
    d2 = np.asarray(data2).ravel().astype(np.int64)
    if not (tt.size == st.size == d1.size == d2.size):
        raise ParameterError(
            "t, status, data1, data2 must have equal length, "
            f"got {[tt.size, st.size, d1.size, d2.size]}"
        )
    if tt.size and not np.all(np.isfinite(tt)):
        raise ParameterError("t must contain only finite times [seconds], got non-finite values")
    if np.any(np.diff(tt) < 0):
        raise ParameterError("t must be sorted ascending [seconds], got a decreasing step")
    return tt, st, d1, d2


def _gap_starts(gaps: Any) -> np.ndarray:
    """The sorted start times [seconds] of ``gaps`` (``(start, end)`` pairs), checked."""
    g = np.asarray(list(gaps), dtype=np.float64)
    if g.size == 0:
        return np.zeros(0)
    if g.ndim != 2 or g.shape[1] != 2:
        raise ParameterError(f"gaps must be (start, end) pairs [seconds], got shape {g.shape}")
    if not np.all(np.isfinite(g[:, 0])):
        raise ParameterError("gaps must start at finite times [seconds], got non-finite values")
    return np.sort(g[:, 0])


def _pair_notes(tt: np.ndarray, chan: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                is_on: np.ndarray, is_ped: np.ndarray, sel: np.ndarray, *,
                cuts: np.ndarray | None = None
                ) -> tuple[list[float], list[float], list[int], list[int], list[int]]:
    """Walk the selected events (note-ons, note-offs, pedal changes) in order and pair them:
    starts, ends (-1.0 while still sounding at the end), pitches, velocities, channels. At
    each time of ``cuts`` (sorted: the starts of stretches not recorded) every sounding or
    pedal-held note ends and the pedals count as released, before an event at that time."""
    starts: list[float] = []
    ends: list[float] = []
    pitches: list[int] = []
    vels: list[int] = []
    chans: list[int] = []
    open_: dict[tuple[int, int], int] = {}  # (channel, pitch) -> row index of the sounding note
    held: dict[int, list[int]] = {}  # channel -> rows released while the pedal was down
    pedal = [False] * 16
    cut_list = [] if cuts is None else cuts.tolist()
    k = 0

    def cut(at: float) -> None:
        for row in list(open_.values()) + [r for rows in held.values() for r in rows]:
            if ends[row] < 0:
                ends[row] = at
        open_.clear()
        held.clear()
        pedal[:] = [False] * 16

    for i in sel.tolist():
        ti, c, p = tt[i], int(chan[i]), int(d1[i])
        while k < len(cut_list) and cut_list[k] <= ti:
            cut(cut_list[k])
            k += 1
        if is_ped[i]:
            down = d2[i] >= 64
            if pedal[c] and not down:
                for row in held.pop(c, []):
                    if ends[row] < 0:
                        ends[row] = ti
            pedal[c] = bool(down)
            continue
        key = (c, p)
        if is_on[i]:
            row = open_.pop(key, None)
            if row is not None:
                ends[row] = ti
            for row in held.get(c, []):  # a re-strike ends a pedal-held note of that pitch
                if pitches[row] == p and ends[row] < 0:
                    ends[row] = ti
            open_[key] = len(starts)
            starts.append(ti)
            ends.append(-1.0)
            pitches.append(p)
            vels.append(int(d2[i]))
            chans.append(c)
        else:
            row = open_.pop(key, None)
            if row is None:
                continue
            if pedal[c]:
                held.setdefault(c, []).append(row)
            else:
                ends[row] = ti
    for at in cut_list[k:]:
        cut(at)
    return starts, ends, pitches, vels, chans

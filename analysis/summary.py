"""Per-player analysis results and the MIDI entry point :func:`analyze_midi`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _validate
from .beats import RARE_PULSE_SHARE, Pulse, over_the_playing, tempo_summary
from .convert import NoteTable
from .density import (
    density_curve,
    polyphony_curve,
    silence_share,
    silence_share_curve,
    silent_intervals,
)
from .dynamics import CRESCENDO_VELOCITY, DynamicChange, dynamic_changes, velocity_curves
from .errors import ParameterTypeError
from .metre import pulse_from_notes
from .recorded import length, over_the_recording, recorded_intervals, silences_recorded
from .register import (
    KEY_NAMES,
    articulation,
    articulation_curve,
    key_correlations,
    pitch_curves,
    tonal_clarity_curve,
)
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, SILENCE_GAP
from .windows import json_number as _num

__all__ = ["PlayerAnalysis", "analyze_midi", "tempo_summary", "RARE_PULSE_SHARE"]

Curve = tuple[np.ndarray, np.ndarray]



@dataclass(frozen=True)
class PlayerAnalysis:
    """Analysis of one player.

    Attributes
    ----------
    kind : str — ``"midi"`` or ``"audio"``
    curves : dict[str, (times, values)] — times [seconds] are window centres; see docs/features.md
    summary : dict[str, float | str | None] — flat, JSON-serialisable, names carry units
    changes : list[DynamicChange] — crescendi and decrescendi
    onsets : np.ndarray [seconds] — note onsets (MIDI) or detected onsets (audio)
    onset_levels : np.ndarray [dBFS] or None — audio only: the level at each onset
        (:data:`analysis.onsets.ONSET_LEVEL_SPAN`), the audio counterpart of MIDI velocities
    onset_ends : np.ndarray [seconds] or None — audio only: when each onset's sound ends
        (:func:`analysis.onsets.onset_ends`, since 1.24.0), the audio counterpart of MIDI
        note offsets
    """

    kind: str
    curves: dict[str, Curve]
    summary: dict[str, float | str | None]
    changes: list[DynamicChange] = field(default_factory=list)
    onsets: np.ndarray = field(default_factory=lambda: np.zeros(0))
    onset_levels: np.ndarray | None = None
    onset_ends: np.ndarray | None = None
    beats: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form: curves as lists (NaN -> None), summary, changes, onset count."""
        return {
            "kind": self.kind,
            "summary": dict(self.summary),
            "curves": {
                k: {"times": [round(float(x), 6) for x in t], "values": [_num(x) for x in v]}
                for k, (t, v) in self.curves.items()
            },
            "changes": [c.to_dict() for c in self.changes],
            "beats": [round(float(x), 4) for x in self.beats],
        }


def _stat(f, v: np.ndarray) -> float | None:
    return _num(f(v)) if v.size else None


def analyze_midi(
    notes: NoteTable,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    gaps: Iterable[tuple[float, float]] = (),
) -> PlayerAnalysis:
    """All MIDI features of one player: curves over time and a session summary.

    Parameters
    ----------
    notes : NoteTable
        The player's notes (see :func:`analysis.convert.notes_from_events`).
    duration : float [seconds]
        Session length (curves cover whole windows inside ``[0, duration]``).
    window, hop : float [seconds]
        Analysis window and hop; MTTB default 6 s / 1 s.
    gaps : iterable of (float, float) [seconds]
        Stretches in which the player's MIDI input recorded nothing (a device lost for a
        while; the notes should end where one begins, see
        :func:`analysis.convert.notes_from_events`). Such a stretch is neither playing nor
        silence: ``notes_per_s`` and ``silence_share`` (summary and curves) and the
        ``polyphony`` curve are over the recorded time, and a window less than half of which
        is recorded has no value in them nor in the tempo curves (since 1.23.0,
        :mod:`analysis.recorded`).

    Returns
    -------
    PlayerAnalysis
        Curves ``tempo_bpm``, ``pulse_clarity``, ``notes_per_s``, ``polyphony``,
        ``silence_share``, ``velocity_mean``, ``velocity_std``, ``velocity_range``, ``pitch_mean``,
        ``pitch_std``, ``articulation``, ``tonal_clarity``. An empty player or a session shorter
        than one window gives empty curves and ``summary["status"]`` saying so.

    Raises
    ------
    ParameterError
        Bad ``duration``, ``window`` or ``hop``.
    """
    if not isinstance(notes, NoteTable):
        raise ParameterTypeError(f"notes must be a NoteTable, got {type(notes).__name__}")
    duration = _validate.nonnegative("duration", duration)
    window, hop = _validate.analysis_window(window, hop)
    # notes beyond the stated duration are cut there
    keep = notes.start < duration
    if not keep.all():
        notes = NoteTable(notes.start[keep], np.minimum(notes.end[keep], duration),
                          notes.pitch[keep], notes.velocity[keep], notes.channel[keep],
                          notes.drum[keep])
    status = "ok"
    if len(notes) == 0:
        status = "empty"
    elif duration < window:
        status = "too short"
    curves, pulse, sil = _midi_curves(notes, duration=duration, window=window, hop=hop)
    rec = recorded_intervals(gaps, duration=duration)
    if rec is not None:  # the input did not record all of the session (since 1.23.0)
        sil_rec = silences_recorded(notes.start, notes.end, rec, duration=duration)
        over_the_recording(curves, rec, silences=sil_rec, duration=duration, window=window,
                           hop=hop)
    changes = dynamic_changes(*curves["velocity_mean"], min_change=CRESCENDO_VELOCITY)
    summary: dict[str, float | str | None] = {
        "status": status,
        "duration_s": duration,
        "window_s": window,
        "hop_s": hop,
        "n_notes": float(len(notes)),
        **tempo_summary(pulse),
        **_midi_summary(notes, curves, sil, duration=duration),
        "crescendo_count": float(sum(c.kind == "crescendo" for c in changes)),
        "decrescendo_count": float(sum(c.kind == "decrescendo" for c in changes)),
    }
    if rec is not None:
        took = length(rec)
        summary["notes_per_s"] = len(notes) / took if took > 0 else 0.0
        summary["silence_share"] = length(sil_rec) / took if took > 0 else 1.0
    return PlayerAnalysis("midi", curves, summary, changes, notes.start.copy(), beats=pulse.beats)


def _midi_curves(
    notes: NoteTable, *, duration: float, window: float, hop: float
) -> tuple[dict[str, Curve], Pulse, np.ndarray]:
    """The curves of :func:`analyze_midi`, with the pulse (tempo curve and beats) and the
    silences they came from (the summary needs them)."""
    curves: dict[str, Curve] = {}
    sil = silent_intervals(notes.start, notes.end, duration=duration, gap=SILENCE_GAP)
    pulse = pulse_from_notes(notes, duration=duration, window=window, hop=hop, silences=sil)
    pulse = over_the_playing(pulse, silences=sil, duration=duration, window=window)
    curves.update(pulse.curves())
    curves["notes_per_s"] = density_curve(notes.start, duration=duration, window=window, hop=hop)
    curves["polyphony"] = polyphony_curve(notes, duration=duration, window=window, hop=hop)
    curves["silence_share"] = silence_share_curve(sil, duration=duration, window=window, hop=hop)
    curves.update(velocity_curves(notes, duration=duration, window=window, hop=hop))
    # register, articulation and key from the pitched notes only: on the GM percussion channel
    # and from an input marked as a drum kit a note number names a drum, and a drum's note-off
    # says nothing about articulation
    tones = notes.pitched()
    curves.update(pitch_curves(tones, duration=duration, window=window, hop=hop))
    curves["articulation"] = articulation_curve(tones, duration=duration, window=window, hop=hop)
    curves["tonal_clarity"] = tonal_clarity_curve(tones, duration=duration, window=window, hop=hop)
    return curves, pulse, sil


def _midi_summary(notes: NoteTable, curves: dict[str, Curve], sil: np.ndarray, *,
                  duration: float) -> dict[str, float | str | None]:
    """Session values of :func:`analyze_midi` from the notes, their curves and silences:
    density, polyphony, silence, velocity, register, articulation and key."""
    n = len(notes)
    tones = notes.pitched()
    vel = notes.velocity.astype(np.float64)
    pitch = tones.pitch.astype(np.float64)
    art = articulation(tones)
    pcw = (np.bincount(tones.pitch % 12, weights=tones.duration, minlength=12)[:12] if len(tones)
           else np.zeros(12))
    kc = key_correlations(pcw) if len(tones) else np.full(24, np.nan)
    has_key = bool(np.isfinite(kc).any()) and np.count_nonzero(pcw > 0) >= 2
    cov_v = curves["polyphony"][1]
    cov_v = cov_v[np.isfinite(cov_v)]  # a window mostly not recorded has none (1.23.0)
    return {
        "notes_per_s": n / duration if duration > 0 else 0.0,
        "polyphony_mean": _stat(np.mean, cov_v),
        "polyphony_max": _stat(np.max, cov_v),
        "silence_share": silence_share(sil, duration=duration),
        "velocity_mean": _stat(np.mean, vel),
        "velocity_std": _stat(np.std, vel),
        "velocity_range": _stat(np.ptp, vel),
        "velocity_p95_p5": _num(np.percentile(vel, 95) - np.percentile(vel, 5)) if n else None,
        # why the register is empty for a drum kit (the GM percussion channel, or an input
        # marked as a drum kit)
        "percussion_share": 1.0 - len(tones) / n if n else None,
        "pitch_mean": _stat(np.mean, pitch),
        "pitch_std": _stat(np.std, pitch),
        "pitch_min": _stat(np.min, pitch),
        "pitch_max": _stat(np.max, pitch),
        "articulation_mean": _num(np.nanmean(art)) if np.isfinite(art).any() else None,
        "tonal_clarity": _num(np.nanmax(kc)) if has_key else None,
        "key": KEY_NAMES[int(np.nanargmax(kc))] if has_key else None,
        "tonal_clarity_mean": _num(np.nanmean(curves["tonal_clarity"][1]))
        if np.isfinite(curves["tonal_clarity"][1]).any() else None,
    }

"""improv analysis: pure feature extraction for one player's MIDI notes or audio.

Arrays and event tables in, arrays and small dataclasses out; no I/O, and nothing from
``improv`` or ``sessions``. Heavy libraries (scipy, soxr, numba) are imported inside the
functions that need them, so importing this package is cheap; librosa and pyloudnorm are not
imported at all (their mel filterbank and K-weighting designs are reproduced bit for bit,
librosa's harmonic/percussive masks to the float; tests compare them).

Entry points: :func:`analyze_midi` and :func:`analyze_audio`, both returning a
:class:`PlayerAnalysis`. Every curve function is also callable on its own (see
docs/features.md).
"""

from __future__ import annotations

from .audio import AudioAnalyzer, analyze_audio
from .convert import NoteTable, notes_from_events
from .errors import AnalysisError, ParameterError
from .heard import HeardNotes
from .summary import PlayerAnalysis, analyze_midi
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, SILENCE_GAP

#: Bump when any feature definition or default changes (part of the feature cache key).
ANALYSIS_VERSION = "1.24.0"

__all__ = [
    "ANALYSIS_VERSION",
    "DEFAULT_WINDOW",
    "DEFAULT_HOP",
    "SILENCE_GAP",
    "AnalysisError",
    "ParameterError",
    "NoteTable",
    "notes_from_events",
    "PlayerAnalysis",
    "analyze_midi",
    "analyze_audio",
    "AudioAnalyzer",
    "HeardNotes",
]

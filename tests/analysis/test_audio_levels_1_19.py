"""Audio levels and gates of analysis 1.19.0 (review 31, findings H1, M1, M2, M3 and L1):
known answers through :func:`analysis.analyze_audio` and :class:`analysis.AudioAnalyzer`."""

import numpy as np

from analysis import analyze_audio

SR = 48000


def sine(dbfs_rms, dur, freq=1000.0, sr=SR):
    a = np.sqrt(2) * 10 ** (dbfs_rms / 20)
    return a * np.sin(2 * np.pi * freq * np.arange(int(round(dur * sr))) / sr)


def test_a_silent_recording_has_no_loudness_range():
    """L1: a steady tone under the silence gate (-60 dBFS) is "silent": every level value is
    null, and so is the loudness range (it read 0.0 LU before 1.19.0)."""
    s = analyze_audio(sine(-60.0, 20.0).astype(np.float32), sr=SR).summary
    assert s["status"] == "silent"
    assert s["level_dbfs_mean"] is None and s["loudness_lufs_momentary_max"] is None
    assert s["loudness_range_lu"] is None

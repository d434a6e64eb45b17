import json
import subprocess
import sys

import numpy as np
import pytest

import analysis
from analysis import NoteTable, ParameterError, analyze_midi


def test_analyze_midi_known_answers(rng):
    # 60 s of eighth notes at 100 BPM (0.3 s apart), C major triad tones, velocities 60/90
    s = np.arange(0.0, 60.0, 0.3) + rng.normal(0, 0.01, 200)
    p = np.tile([60, 64, 67, 72], 50)
    v = np.where(np.arange(200) % 2 == 0, 90, 60)
    nt = NoteTable.from_arrays(np.sort(s), np.sort(s) + 0.15, p, v)
    res = analyze_midi(nt, duration=60.0)
    sm = res.summary
    assert sm["status"] == "ok"
    assert sm["tempo_bpm"] == pytest.approx(100.0, rel=0.04)
    assert sm["notes_per_s"] == pytest.approx(200 / 60)
    assert sm["velocity_mean"] == pytest.approx(75.0)
    assert sm["pitch_mean"] == pytest.approx(65.75)
    assert sm["articulation_mean"] == pytest.approx(0.5, abs=0.05)
    assert sm["key"] == "C major"
    assert sm["silence_share"] == 0.0
    for name in ("tempo_bpm", "pulse_clarity", "notes_per_s", "polyphony", "silence_share",
                 "velocity_mean", "pitch_mean", "articulation", "tonal_clarity"):
        t, vals = res.curves[name]
        assert t.shape == vals.shape == (55,)
    json.dumps(res.to_dict(), allow_nan=False)


def test_empty_player_and_short_session():
    res = analyze_midi(NoteTable.empty(), duration=120.0)
    assert res.summary["status"] == "empty" and res.summary["tempo_bpm"] == 0.0
    assert res.summary["silence_share"] == 1.0
    json.dumps(res.to_dict(), allow_nan=False)
    nt = NoteTable.from_arrays([0.0, 1.0, 2.0], [0.5, 1.5, 2.5], [60, 62, 64], [80, 80, 80])
    short = analyze_midi(nt, duration=3.0)
    assert short.summary["status"] == "too short"
    assert all(t.size == 0 for t, _ in short.curves.values())
    json.dumps(short.to_dict(), allow_nan=False)


def test_bad_params():
    with pytest.raises(ParameterError, match="hop must be <= window"):
        analyze_midi(NoteTable.empty(), duration=10.0, window=1.0, hop=2.0)
    with pytest.raises(TypeError, match="notes must be a NoteTable"):
        analyze_midi([1, 2, 3], duration=10.0)


def test_import_is_light():
    code = ("import sys, analysis; print(any(m in sys.modules for m in "
            "('librosa', 'matplotlib', 'scipy.signal', 'numba')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_constants():
    assert (analysis.DEFAULT_WINDOW == 6.0 and analysis.DEFAULT_HOP == 1.0
            and analysis.SILENCE_GAP == 2.0)
    assert isinstance(analysis.ANALYSIS_VERSION, str)

import json
import subprocess
import sys

import numpy as np
import pytest

import analysis
from analysis import NoteTable, ParameterError, analyze_midi


def test_analyze_midi_known_answers(rng):
    # 60 s of eighth notes at 100 BPM (0.3 s apart), C major triad tones, velocities 60/90,
    # the two lower tones on the beats (with the lowest only every other beat the note cues
    # rightly hear half notes: 50 BPM, analysis 1.10)
    s = np.abs(np.arange(0.0, 60.0, 0.3) + rng.normal(0, 0.01, 200))  # times from 0
    p = np.tile([60, 67, 64, 72], 50)
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
    assert res.summary["status"] == "empty" and res.summary["tempo_bpm"] is None
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


def test_drums_on_the_percussion_channel_have_no_pitch_or_key():
    """GM channel 10 note numbers name drums: no register, key or articulation from them; a
    piano on another channel beside them keeps its own."""
    from analysis.convert import NoteTable
    from analysis.summary import analyze_midi

    t = np.arange(0.0, 30.0, 0.25)
    drums = NoteTable.from_arrays(t, t + 0.05, np.where(np.arange(t.size) % 2, 38, 36),
                                  np.full(t.size, 100), np.full(t.size, 9))
    s = analyze_midi(drums, duration=30.0).summary
    assert s["n_notes"] == t.size and s["notes_per_s"] > 3.9  # counted and timed, as before
    assert s["pitch_mean"] is None and s["key"] is None and s["articulation_mean"] is None
    assert s["tonal_clarity"] is None and s["pitch_min"] is None
    assert s["percussion_share"] == 1.0  # the reason the register is empty (1.17.0)
    scale = np.array([60, 62, 64, 65, 67, 69, 71, 72])
    tp = np.arange(0.0, 30.0, 0.5)
    piano_pitch = scale[np.arange(tp.size) % 8]
    both = NoteTable.from_arrays(np.concatenate([t, tp]), np.concatenate([t + 0.05, tp + 0.4]),
                                 np.concatenate([drums.pitch, piano_pitch]),
                                 np.full(t.size + tp.size, 90),
                                 np.concatenate([np.full(t.size, 9), np.zeros(tp.size)]))
    s = analyze_midi(both, duration=30.0).summary
    assert s["pitch_mean"] == pytest.approx(piano_pitch.mean())
    assert s["key"] == "C major" and s["n_notes"] == t.size + tp.size
    assert s["percussion_share"] == pytest.approx(t.size / (t.size + tp.size))
    piano = NoteTable.from_arrays(tp, tp + 0.4, piano_pitch, np.full(tp.size, 90))
    assert analyze_midi(piano, duration=30.0).summary["percussion_share"] == 0.0

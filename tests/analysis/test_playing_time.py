"""A player's session values over the time they played (analysis 1.17.0): too little playing
for a tempo, the pulse clarity of the windows with playing, and the audio level without the
windows of a pause (usability review 27, findings 7 and 11)."""

import numpy as np
import pytest

from analysis import analyze_audio, analyze_midi
from analysis.beats import over_the_playing, playing_time
from analysis.density import silent_intervals
from analysis.metre import pulse_from_notes

from .test_audio import SR, clicks, sine
from .test_pauses import steady_notes

TEMPO_KEYS = ("tempo_bpm", "tempo_bpm_tentative", "tempo_bpm_min", "tempo_bpm_max",
              "tempo_alt_bpm", "pulse_clarity", "pulsed_share", "tempo_stability",
              "beat_regularity")


def test_playing_time_is_the_session_less_the_silences():
    assert playing_time(np.array([[0.0, 4.0], [20.0, 30.0]]), duration=30.0) == 16.0
    assert playing_time(np.zeros((0, 2)), duration=12.5) == 12.5
    assert playing_time(np.array([[0.0, 40.0]]), duration=30.0) == 0.0  # never below 0


@pytest.mark.parametrize("kind", ["midi", "audio"])
def test_a_few_seconds_of_playing_in_a_long_session_have_no_tempo(kind, rng):
    """3 s of a steady beat, then three minutes of silence: before 1.17.0 the audio read
    "tempo (tentative) 174" beside windows at 233-234 BPM and 67 % pulsed windows (two of the
    three windows that held any playing) with pulse clarity 0."""
    if kind == "midi":
        res = analyze_midi(steady_notes([(0.2, 3.2)], 150.0, rng), duration=180.0)
    else:
        beats = np.arange(0.2, 3.2, 0.4) + rng.normal(0, 0.005, 8)
        res = analyze_audio(clicks(beats, 180.0, rng=rng), sr=SR)
    s = res.summary
    assert s["status"] == "ok" and s["pulse"] == "too short", s
    assert all(s[k] is None for k in TEMPO_KEYS), {k: s[k] for k in TEMPO_KEYS}
    assert s["n_beats"] == 0 and res.beats.size == 0
    assert not np.isfinite(res.curves["tempo_bpm"][1]).any()  # no stray value for a scale
    assert res.curves["pulse_clarity"][1].size > 0  # the windows' clarity is still measured


def test_one_window_of_playing_is_enough_for_a_tempo(rng):
    """The rule is the window's length: 20 s of a steady beat in a long session keeps its
    tempo (and a short clip, shorter than one window, keeps the tempo of the whole clip)."""
    s = analyze_midi(steady_notes([(0.5, 20.5)], 100.0, rng), duration=180.0).summary
    assert s["pulse"] == "clear" and s["tempo_bpm"] == pytest.approx(100.0, rel=0.03)
    clip = analyze_midi(steady_notes([(0.1, 4.9)], 120.0, rng), duration=5.0).summary
    assert clip["tempo_source"] == "clip" and clip["tempo_bpm"] == pytest.approx(120, rel=0.04)


def test_nothing_played_keeps_its_label():
    s = analyze_audio(np.zeros(SR * 20, np.float32), sr=SR).summary
    assert s["status"] == "silent" and s["pulse"] == "none"


def test_pulse_clarity_is_the_median_of_the_windows_with_playing(rng):
    """20 s of a steady beat and 100 s of silence: the pulse is clear, and its clarity is that
    of the windows with playing, not 0 (before 1.17.0 the median over every window was 0,
    beside "pulsed windows 100 %")."""
    notes = steady_notes([(0.5, 20.5)], 100.0, rng)
    res = analyze_midi(notes, duration=120.0)
    s = res.summary
    assert s["pulse"] == "clear" and s["pulsed_share"] > 0.9
    times, clarity = res.curves["pulse_clarity"]
    assert np.isnan(clarity[times > 20.5 + 3.0]).all()  # the silence: no value (1.18.0)
    assert s["pulse_clarity"] == pytest.approx(np.median(clarity[times <= 20.5 + 3.0]),
                                               abs=0.02)
    assert s["pulse_clarity"] > 0.3
    # the same pulse before the rule: every window's clarity counted
    sil = silent_intervals(notes.start, notes.end, duration=120.0)
    raw = pulse_from_notes(notes, duration=120.0, silences=sil)
    assert raw.curve.pulse_clarity == 0.0
    assert over_the_playing(raw, silences=sil, duration=120.0).curve.pulse_clarity > 0.3


def test_the_quietest_level_is_of_the_windows_with_playing():
    """10 s of a tone, then 30 s of digital silence: the quietest level is the quietest window
    with playing, not the -100 dBFS floor, and mean <= loudest, quietest <= mean."""
    y = np.concatenate([sine(-20.0, 10.0), sine(-30.0, 10.0), np.zeros(SR * 30, np.float32)])
    res = analyze_audio(y, sr=SR)
    s = res.summary
    assert res.curves["level_dbfs"][1].min() == pytest.approx(-100.0)  # the curve keeps it
    assert -40.0 < s["level_dbfs_min"] <= s["level_dbfs_mean"] <= s["level_dbfs_max"]
    assert s["level_dbfs_max"] == pytest.approx(-20.0, abs=0.05)
    # the mean is of the playing: between the two tones' levels, not pulled down by silence
    assert -30.0 < s["level_dbfs_mean"] < -20.0
    assert s["dynamic_range_db"] == pytest.approx(10.0, abs=0.5)


def test_silence_has_no_level():
    s = analyze_audio(np.zeros(SR * 20, np.float32), sr=SR).summary
    assert s["level_dbfs_mean"] is None and s["level_dbfs_min"] is None
    assert s["level_dbfs_max"] is None

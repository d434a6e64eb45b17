import numpy as np
import pytest

from analysis.convert import NoteTable
from analysis.density import density_curve, polyphony_curve, silence_share, silent_intervals


def test_density_known_rate(rng):
    # 4 onsets per second with jitter well inside one period: 24 per 6 s window (+-1 at edges)
    t = np.arange(0.1, 60.0, 0.25) + rng.uniform(-0.05, 0.05, 240)
    times, v = density_curve(np.sort(t), duration=60.0)
    assert times.size == 55
    assert np.all(np.abs(v - 4.0) <= 1.0 / 6.0 + 1e-9)


def test_polyphony_three_note_chords():
    # triads held for 1 s out of every 2 s: mean polyphony 1.5, exactly
    s = np.repeat(np.arange(0.0, 20.0, 2.0), 3)
    nt = NoteTable.from_arrays(s, s + 1.0, np.tile([60, 64, 67], 10), np.full(30, 80))
    _, p = polyphony_curve(nt, duration=20.0, window=6.0, hop=2.0)
    assert np.allclose(p, 1.5, atol=1e-6)


def test_silence_share_mttb_gap():
    # notes cover 0-5 s and 10-20 s: one 5 s gap (> 2 s) -> share 0.25; a 1.5 s gap does not count
    s = np.array([0.0, 10.0, 16.5])
    e = np.array([5.0, 15.0, 20.0])
    sil = silent_intervals(s, e, duration=20.0)
    assert sil.tolist() == [[5.0, 10.0]]
    assert silence_share(sil, duration=20.0) == pytest.approx(0.25)
    # empty player: the whole session is silence
    assert silence_share(silent_intervals(np.zeros(0), np.zeros(0), duration=30.0),
                         duration=30.0) == 1.0


@pytest.mark.parametrize("duration", [0.0, 0.5, 1.9, 2.9, 10.0])
def test_an_empty_or_silent_session_is_all_silence_at_any_length(duration):
    """Nothing played: silence share 1.0 whatever the length (0.5 s read 0.0 before, as no gap
    was longer than 2 s), for MIDI and for audio."""
    from analysis import NoteTable, analyze_audio, analyze_midi

    empty = NoteTable.from_arrays([], [], [], [])
    assert analyze_midi(empty, duration=duration).summary["silence_share"] == 1.0
    if duration > 0:
        quiet = np.zeros(int(48000 * duration), dtype=np.float32)
        res = analyze_audio(quiet, sr=48000)
        assert res.summary["silence_share"] == 1.0 and res.summary["status"] == "silent"


def test_polyphony_max_is_labelled_as_the_busiest_stretch_not_the_largest_chord():
    """Triads (three notes at once) held half the time: the summary's "polyphony_max" is the
    busiest window's time average, 1.5, not 3; its label and definition say so (usability
    review 27: "Polyphony (max) 0.21" read as "most notes sounding at once" for a drummer's
    short strokes)."""
    from analysis import analyze_midi
    from analysis.features import describe, label

    s = np.repeat(np.arange(0.0, 30.0, 2.0), 3)
    nt = NoteTable.from_arrays(s, s + 1.0, np.tile([60, 64, 67], 15), np.full(45, 80))
    value = analyze_midi(nt, duration=30.0).summary["polyphony_max"]
    assert value == pytest.approx(1.5, abs=0.1)  # not the chord's 3 notes
    assert label("client.midi.polyphony_max") == "Polyphony (busiest stretch)"
    unit, definition = describe("client.midi.polyphony_max")
    assert unit == "notes" and "not the largest chord" in definition
    assert "most notes sounding at once" not in definition

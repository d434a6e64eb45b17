"""Room noise in the loudness and the quietest level of analysis 1.21.0 (review 32, F2):
known answers on WAV files written and read back through :func:`analysis.analyze_audio` in
blocks, as ``improv analyze`` reads a recording. The reference is the same playing with digital
silence between its phrases (no room at all), whose pause blocks BS.1770's -70 LUFS gate
already leaves out."""

import numpy as np
import pytest

import analysis.loudness
from analysis.loudness import playing_blocks
from tests.analysis.test_audio_noise_1_20 import SR, analyse, drum_hit, pink, place, scaled

DUR = 60.0
#: A hand drum at 100 BPM in phrases (start [s], hits, dBFS of the first 100 ms), with pauses
#: of 4-5 s between them and 7 s of silence at the end (review 32's player B, shortened).
DRUM_PHRASES = ((1.0, 12, -26.0), (12.0, 10, -28.0), (22.0, 14, -26.0), (36.5, 10, -28.0),
                (46.0, 10, -26.0))


def white(n, rng):
    return rng.standard_normal(n)


def hum(n, rng):
    """Mains hum: 50 Hz and its harmonics to 550 Hz, falling 3 dB an octave."""
    t = np.arange(n) / SR
    return sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 6.28)) / np.sqrt(k)
               for k in range(1, 12))


def drummer(rng):
    y = np.zeros(int(DUR * SR))
    for start, n, db in DRUM_PHRASES:
        for i in range(n):
            place(y, drum_hit(rng), start + 0.6 * i, db=db + rng.uniform(-1, 1))
    return y


def old_loudness(monkeypatch):
    """Every loudness block counts, as before 1.21.0."""
    monkeypatch.setattr(analysis.loudness, "playing_blocks",
                        lambda s, n: np.ones(max(np.size(s) - n + 1, 0), bool))


def test_playing_blocks_known_answer():
    """A block counts where any of its ticks sounds; too few ticks make no block."""
    s = np.zeros(10, bool)
    s[4] = True
    np.testing.assert_array_equal(playing_blocks(s, 4),
                                  [False, True, True, True, True, False, False])
    assert playing_blocks(s[:3], 4).size == 0
    assert not playing_blocks(np.zeros(40, bool), 30).any()


@pytest.mark.parametrize("noise,db", [("pink", -55), ("pink", -50), ("pink", -45),
                                      ("white", -55), ("white", -50), ("hum", -50)])
def test_loudness_of_the_playing_not_of_the_room(tmp_path, monkeypatch, noise, db):
    """F2: a drum's loudness range is 7-8 LU with digital silence between its phrases; a room
    at -55 dBFS took it to 25 LU (its pauses' 3 s blocks were within Tech 3342's 20 LU of the
    programme) and the integrated loudness followed the floor too. Since 1.21.0 the blocks
    none of whose ticks reaches the recording's silence gate are left out: both are the quiet
    room's, within 1 LU and 0.5 LU, and so is the quietest level (1.5 dB). With every block
    counted (before) the range is 7-12 LU too wide, or (pink at -55) the integrated loudness
    0.75 LU low."""
    rng = np.random.default_rng(21)
    y = drummer(rng)
    clean = analyse(tmp_path, "clean", y).summary
    room = {"pink": pink, "white": white, "hum": hum}[noise](y.size, rng)
    noisy_y = y + scaled(room, db)
    s = analyse(tmp_path, "noisy", noisy_y).summary
    assert 6.0 < clean["loudness_range_lu"] < 9.0
    assert abs(s["silence_share"] - clean["silence_share"]) < 0.05
    assert s["loudness_range_lu"] == pytest.approx(clean["loudness_range_lu"], abs=1.0)
    assert s["loudness_lufs_integrated"] == pytest.approx(clean["loudness_lufs_integrated"],
                                                          abs=0.5)
    # the quietest level of the playing: no window's decays nor the tick before an onset
    assert s["level_dbfs_min"] == pytest.approx(clean["level_dbfs_min"], abs=1.5)
    old_loudness(monkeypatch)
    before = analyse(tmp_path, "before", noisy_y).summary
    assert (before["loudness_range_lu"] > clean["loudness_range_lu"] + 4.0
            or before["loudness_lufs_integrated"] < clean["loudness_lufs_integrated"] - 0.6)


def test_without_a_room_the_loudness_is_as_before(tmp_path, monkeypatch):
    """No noise at all (digital silence in the pauses): the gate stays -50 dBFS, and the
    loudness, the silences and every other value are those with every loudness block counted
    (1.20.0), to the bit."""
    y = drummer(np.random.default_rng(22))
    new = analyse(tmp_path, "new", y).summary
    old_loudness(monkeypatch)
    old = analyse(tmp_path, "old", y).summary
    assert new["silence_gate_dbfs"] == -50.0
    assert new == old


def steady_phrases(rng, *, bursts=False):
    """Phrases of a steady 330 Hz tone: 8 s at -20 dBFS, 8 s at -30 dBFS (the quietest
    playing), 8 s at -20, with 4 s pauses; or (``bursts``) 0.5 s tone bursts at -30 dBFS every
    3 s, which no 6 s window is half full of."""
    y = np.zeros(int(40 * SR))
    t = np.arange(int(8 * SR)) / SR
    tone = np.sin(2 * np.pi * 330 * t) * np.sqrt(2)  # 0 dBFS RMS
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
    if bursts:
        n = int(0.5 * SR)
        for t0 in np.arange(3.0, 38.0, 3.0):
            place(y, tone[:n] * ramp[::-1][:n] * ramp[:n] * 10 ** (-30 / 20), t0)
        return y
    for t0, db in ((2.0, -20), (14.0, -30), (26.0, -20)):
        place(y, tone * ramp * 10 ** (db / 20), t0)
    return y


@pytest.mark.parametrize("noise,db", [(None, None), ("pink", -45), ("white", -50)])
def test_the_quietest_level_is_of_the_playing(tmp_path, noise, db):
    """F2: a 6 s window partly a pause read the pause (the room's floor, or the digital
    silence of a quiet room): the quietest level was some dB under the quietest playing.
    Since 1.21.0 it is each window's level over its ticks outside the silences, of the windows
    at least half playing: the -30 dBFS phrase, with or without the room (its noise adds
    0.14 dB at -45)."""
    rng = np.random.default_rng(23)
    y = steady_phrases(rng)
    if noise:
        y = y + scaled({"pink": pink, "white": white}[noise](y.size, rng), db)
    res = analyse(tmp_path, "steady", y)
    assert res.summary["level_dbfs_min"] == pytest.approx(-30.0, abs=0.3)
    # the rule before 1.21.0: the least level of the windows not wholly in a silence
    lv, sil = res.curves["level_dbfs"][1], res.curves["silence_share"][1]
    assert lv[sil < 1.0].min() < -32.0


def test_the_quietest_level_of_sparse_notes(tmp_path):
    """Half-second notes every 3 s: no window is half playing, so the quietest level is of
    the windows with any playing, over their playing ticks: the notes' -30 dBFS (a whole
    window's mean read 8 dB under it)."""
    y = steady_phrases(np.random.default_rng(24), bursts=True)
    y = y + scaled(pink(y.size, np.random.default_rng(25)), -65)
    s = analyse(tmp_path, "sparse", y).summary
    assert s["silence_share"] > 0.5
    assert s["level_dbfs_min"] == pytest.approx(-30.0, abs=1.0)


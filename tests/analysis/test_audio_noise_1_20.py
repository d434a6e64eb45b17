"""Room noise and DC of analysis 1.20.0 (review 32, findings F1, F3 and F7): known answers on
WAV files written and read back through :func:`analysis.analyze_audio` in blocks, as
``improv analyze`` reads a recording."""

import numpy as np
import pytest
import scipy.signal as ss
import soundfile as sf

from analysis import analyze_audio

SR = 48000
SCALE = [220.0, 246.9, 261.6, 293.7, 329.6, 349.2, 392.0, 440.0]


def rms_db(x):
    return 10 * np.log10(np.mean(x**2) + 1e-30)


def scaled(x, db):
    return x * 10 ** ((db - rms_db(x)) / 20)


def pink(n, rng):
    """Pink (1/f power) noise, ``n`` samples."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0
    return np.fft.irfft(spec, n)


def drum_hit(rng):
    """A hand drum: a 110 Hz thump gliding down from 165 Hz and a band-passed noise burst."""
    n = int(0.45 * SR)
    t = np.arange(n) / SR
    f = 110 * (1 + 0.5 * np.exp(-t / 0.02))
    thump = np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-t / 0.09)
    sos = ss.butter(2, [800, 6000], btype="band", fs=SR, output="sos")
    burst = ss.sosfilt(sos, rng.standard_normal(n)) * np.exp(-t / 0.03) * 2.0
    x = (thump + burst) * np.minimum(t / 0.002, 1.0)
    x[-int(0.02 * SR):] *= np.linspace(1, 0, int(0.02 * SR))
    return x


def note(f0, *, dur, tau, rng):
    """A pitched note: 6 harmonics, 5 ms attack, exponential decay (time constant ``tau``)."""
    t = np.arange(int(dur * SR)) / SR
    x = sum(np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6.28)) / h for h in range(1, 7))
    x = x * np.minimum(t / 0.005, 1.0) * np.exp(-t / tau)
    x[-960:] *= np.linspace(1, 0, 960)
    return x


def place(y, x, t0, db=None):
    """Add ``x`` at ``t0`` [s] into ``y`` (its first 100 ms at ``db`` dBFS RMS if given)."""
    if db is not None:
        x = x * 10 ** ((db - rms_db(x[: int(0.1 * SR)])) / 20)
    a = int(round(t0 * SR))
    k = min(x.size, y.size - a)
    y[a : a + k] += x[:k]


def analyse(tmp_path, name, y):
    """Write ``y`` as a 24-bit WAV and analyse it the way a recording is read (in blocks)."""
    path = tmp_path / f"{name}.wav"
    sf.write(path, y.astype(np.float32), SR, subtype="PCM_24")
    with sf.SoundFile(path) as f:
        blocks = f.blocks(blocksize=SR * 5, dtype="float32")
        return analyze_audio(blocks, sr=SR, duration=y.size / SR)


# ---------------------------------------------------------------- F3: DC before the onsets
def test_a_dc_offset_leaves_a_drums_percussive_share_and_onsets(tmp_path):
    """F3: a DC offset of 2 % of full scale reached the spectrogram's lowest bins as steady
    energy and took a hand drum's percussive share from 0.58 to 0.08 (under PITCHED_SHARE,
    0.2: the drum was analysed as pitched). Since 1.20.0 the onset signal's DC is removed:
    the share and the onsets are those of the drum without the offset."""
    rng = np.random.default_rng(32)
    y = scaled(pink(30 * SR, rng), -65)
    times = [1.0 + 0.6 * i for i in range(45)]
    for t in times:
        place(y, drum_hit(rng), t, db=-26 + rng.uniform(-2, 2))
    clean = analyse(tmp_path, "clean", y)
    dc = analyse(tmp_path, "dc", y + 0.02)
    share = clean.summary["percussive_share"]
    assert share > 0.5  # a drum
    assert abs(dc.summary["percussive_share"] - share) < 0.02
    assert dc.onsets.size == clean.onsets.size == len(times)
    assert np.max(np.abs(dc.onsets - clean.onsets)) < 0.012  # one frame: 11.6 ms
    assert dc.summary["tempo_bpm"] == pytest.approx(clean.summary["tempo_bpm"], rel=0.01)


# ---------------------------------------------------------------- F1/F7: the room's noise floor
NOTE_TAU = 0.2  # a note's decay [s]: 40 dB under its start after 0.92 s
PHRASES = ((3.0, 16), (15.5, 12), (27.0, 10))  # (start [s], quarter notes at 120 BPM)
DUR = 40.0


def two_players_worth(rng):
    """Pitched phrases (-20 dBFS) with pauses of 4-6 s; returns the signal and the known
    silence share (gaps over 2 s between the phrases' audible spans, to 40 dB under a note)."""
    y = np.zeros(int(DUR * SR))
    spans = []
    for start, n in PHRASES:
        for i in range(n):
            place(y, note(SCALE[rng.integers(len(SCALE))], dur=1.0, tau=NOTE_TAU, rng=rng),
                  start + 0.5 * i, db=-20 + rng.uniform(-2, 2))
        spans.append((start, start + 0.5 * (n - 1) + NOTE_TAU * np.log(100)))
    edges = [0.0] + [t for s in spans for t in s] + [DUR]
    gaps = [b - a for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return y, sum(g for g in gaps if g > 2.0) / DUR


def test_pauses_under_room_noise_are_silences(tmp_path, monkeypatch):
    """F1: pink noise at -45 dBFS RMS (a fan, a laptop microphone's gain) was over the fixed
    -50 dBFS gate, so the pauses read as playing: silence share 0.00 where it is 0.43. The
    gate now rises over the room's floor and the silence share is the known one."""
    rng = np.random.default_rng(1)
    y, truth = two_players_worth(rng)
    import analysis.audio

    y = y + scaled(pink(y.size, rng), -45)
    res = analyse(tmp_path, "pink45", y)
    s = res.summary
    assert abs(s["silence_share"] - truth) < 0.05
    assert -50.0 < s["noise_floor_dbfs"] < -43.0
    assert -45.0 < s["silence_gate_dbfs"] <= -30.0
    monkeypatch.setattr(analysis.audio, "NOISE_GATE_MAX_DBFS", -50.0)  # the gate cannot rise
    fixed = analyse(tmp_path, "pink45_fixed", y)
    assert fixed.summary["silence_share"] == 0.0  # as before 1.20.0
    np.testing.assert_array_equal(res.onsets, fixed.onsets)  # no onset is lost to the gate


def test_a_floor_is_estimated_over_the_recorded_time_only(tmp_path):
    """The padding before a recording that starts 10 s into the session (digital silence,
    outside ``recorded``) is no noise floor: the floor is the room's, and the silence share
    over the recorded time is the known one."""
    rng = np.random.default_rng(2)
    y, truth = two_players_worth(rng)
    y = y + scaled(pink(y.size, rng), -45)
    path = tmp_path / "late.wav"
    sf.write(path, np.concatenate([np.zeros(10 * SR), y]).astype(np.float32), SR,
             subtype="PCM_24")
    with sf.SoundFile(path) as f:
        s = analyze_audio(f.blocks(blocksize=SR * 5, dtype="float32"), sr=SR,
                          duration=10.0 + DUR, recorded=(10.0, 10.0 + DUR)).summary
    assert abs(s["silence_share"] - truth) < 0.05
    assert s["noise_floor_dbfs"] > -50.0


def test_a_clean_recording_keeps_the_fixed_gate(tmp_path, monkeypatch):
    """In a quiet room (pink noise at -65 dBFS) the gate stays -50 dBFS and the analysis is
    the one with the gate fixed there, to the bit."""
    import analysis.audio

    rng = np.random.default_rng(3)
    y, truth = two_players_worth(rng)
    y = y + scaled(pink(y.size, rng), -65)
    res = analyse(tmp_path, "quiet", y)
    assert res.summary["silence_gate_dbfs"] == -50.0
    assert res.summary["noise_floor_dbfs"] < -60.0
    assert abs(res.summary["silence_share"] - truth) < 0.05
    monkeypatch.setattr(analysis.audio, "NOISE_GATE_MAX_DBFS", -50.0)  # the gate cannot rise
    fixed = analyse(tmp_path, "quiet_fixed", y)
    assert fixed.summary == res.summary
    np.testing.assert_array_equal(fixed.onsets, res.onsets)
    for name, (_t, v) in res.curves.items():
        np.testing.assert_array_equal(fixed.curves[name][1], v, err_msg=name)


def risk_signal(kind, rng):
    """Review 32's three signals that have no pause and must not become silence: 60 s of
    continuous soft legato (-42 dBFS), a drone chord (-40 dBFS, swelling by 3 dB), and 30 s of
    quiet playing (-46 dBFS) before 30 s of loud (-20 dBFS), each in a quiet room."""
    n = 60 * SR
    t = np.arange(n) / SR
    y = np.zeros(n)
    if kind == "legato":
        for i in range(118):
            place(y, note(SCALE[rng.integers(len(SCALE))], dur=1.5, tau=0.8, rng=rng),
                  0.5 + 0.5 * i)
        y = scaled(y, -42)
    elif kind == "drone":
        y = sum(np.sin(2 * np.pi * f * h * t) / h**1.5 for f in (110.0, 164.8, 220.0)
                for h in range(1, 6))
        y = scaled(y * 10 ** (3 * np.sin(2 * np.pi * t / 10) / 20), -40)
    else:
        for i in range(118):
            t0 = 0.5 + 0.5 * i
            place(y, note(SCALE[rng.integers(len(SCALE))], dur=1.0, tau=0.4, rng=rng), t0,
                  db=-46 if t0 < 30 else -20)
    return y + scaled(pink(n, rng), -65)


@pytest.mark.parametrize("kind", ["legato", "drone", "quiet then loud"])
def test_soft_playing_without_a_pause_is_no_silence(tmp_path, monkeypatch, kind):
    """F7's risks: a gate over the recording's quietest level would make soft playing
    "silence" (the review's first prototype: 98 % of the legato line, 78 % of the drone; its
    second: 45 % of the quiet-then-loud playing). The floor needs a spread of 8 dB (the
    legato's and the drone's quiet level is their playing: the gate stays -50 dBFS), and where
    the gate rises (quiet then loud: -46 dBFS is the quietest level held) each onset keeps its
    ticks sounding."""
    import analysis.audio

    y = risk_signal(kind, np.random.default_rng(4))
    res = analyse(tmp_path, kind.replace(" ", "_"), y)
    s = res.summary
    assert s["silence_share"] == 0.0
    if kind == "quiet then loud":
        assert s["silence_gate_dbfs"] > -50.0  # raised: the onset guard is what holds
        monkeypatch.setattr(analysis.audio, "NOISE_GATE_MAX_DBFS", -50.0)
        fixed = analyse(tmp_path, "fixed", y)
        np.testing.assert_array_equal(res.onsets, fixed.onsets)  # none lost to the gate
    else:
        assert s["silence_gate_dbfs"] == -50.0

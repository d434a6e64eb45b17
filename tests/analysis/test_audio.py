import json

import numpy as np
import pytest

from analysis import analyze_audio
from analysis.audio import AudioAnalyzer, onset_strength
from analysis.errors import ParameterError
from analysis.onset_spectrum import HOP_LENGTH

SR = 22050


def clicks(times, dur, sr=SR, amp=0.5, rng=None):
    """Decaying 2 kHz tone bursts (10 ms) at ``times`` over a quiet noise floor (-80 dBFS)."""
    y = np.zeros(int(dur * sr), np.float32)
    n = int(0.01 * sr)
    burst = (amp * np.sin(2 * np.pi * 2000 * np.arange(n) / sr)
             * np.exp(-np.arange(n) / (0.003 * sr)))
    for t in times:
        i = int(round(t * sr))
        y[i : i + n] += burst[: y.size - i]
    if rng is not None:
        y += rng.normal(0, 1e-4, y.size).astype(np.float32)
    return y


def sine(dbfs_rms, dur, freq=1000.0, sr=SR):
    a = np.sqrt(2) * 10 ** (dbfs_rms / 20)
    return (a * np.sin(2 * np.pi * freq * np.arange(int(dur * sr)) / sr)).astype(np.float32)


@pytest.mark.parametrize("bpm", [75.0, 120.0, 160.0])
def test_click_train_tempo_and_onsets(bpm, rng):
    beats = np.arange(0.5, 40.0, 60 / bpm) + rng.normal(0, 0.01, int(np.ceil(39.5 * bpm / 60)))
    res = analyze_audio(clicks(beats, 40.0, rng=rng), sr=SR)
    assert res.summary["tempo_bpm"] == pytest.approx(bpm, rel=0.04)
    assert res.summary["pulse"] == "clear"
    # every click found within 25 ms (frame hop 23 ms: +-11.6 ms quantisation), no extras
    d = np.abs(res.onsets[:, None] - beats[None, :]).min(axis=1)
    assert res.onsets.size == beats.size and np.all(d < 0.025)


def test_tone_level_and_loudness():
    pyln = pytest.importorskip("pyloudnorm")
    sr = 48000
    y = sine(-20.0, 10.0, sr=sr)
    res = analyze_audio(y, sr=sr)
    assert res.summary["level_dbfs_mean"] == pytest.approx(-20.0, abs=0.05)
    assert np.allclose(res.curves["level_dbfs"][1], -20.0, atol=0.05)
    ref = pyln.Meter(sr).integrated_loudness(y.astype(np.float64))
    assert res.summary["loudness_lufs_integrated"] == pytest.approx(ref, abs=0.1)
    # BS.1770-4: a 0 dBFS (peak) 1 kHz sine reads -3.01 LKFS, i.e. loudness = RMS level at 1 kHz
    assert res.summary["loudness_lufs_short_term_max"] == pytest.approx(-20.0, abs=0.1)


@pytest.mark.parametrize("sr", [44100, 48000, 96000])
@pytest.mark.parametrize("kind", ["1 kHz", "12 kHz", "noise"])
def test_loudness_counts_the_whole_band_like_pyloudnorm(sr, kind):
    """K-weighting at the native rate: before 1.6 it ran on the 22.05 kHz analysis signal and
    white noise read 3.9 LU low, a 12 kHz tone 47 LU low (cymbals, hi-hats)."""
    pyln = pytest.importorskip("pyloudnorm")
    t = np.arange(int(8.0 * sr)) / sr
    if kind == "noise":
        y = np.random.default_rng(1).normal(0.0, 0.1, t.size)
    else:
        y = 0.1 * np.sin(2 * np.pi * (1000.0 if kind == "1 kHz" else 12000.0) * t)
    res = analyze_audio(y.astype(np.float32), sr=sr)
    ref = pyln.Meter(sr).integrated_loudness(y.astype(np.float32).astype(np.float64))
    assert res.summary["loudness_lufs_integrated"] == pytest.approx(ref, abs=0.1)


@pytest.mark.parametrize("dtype", ["int16", "int32", "uint8"])
def test_integer_pcm_is_read_at_its_full_scale(dtype):
    """A -20 dBFS sine as integer PCM (as a WAV file stores it) reads -20 dBFS, as the same
    sine in float does (int16 read +67 dBFS before: the integers were taken as float)."""
    sr = 48000
    y = sine(-20.0, 10.0, sr=sr)
    info = np.iinfo(dtype)
    full = 2.0 ** (info.bits - 1)
    pcm = np.round(y * full + (full if info.kind == "u" else 0.0)).astype(dtype)
    res = analyze_audio(np.stack([pcm, pcm], axis=1), sr=sr)  # a channel mean of ints too
    tol = 0.05 if info.bits > 8 else 0.3  # 8 bits: quantisation noise at -48 dBFS
    assert res.summary["level_dbfs_mean"] == pytest.approx(-20.0, abs=tol)
    assert res.summary["pulse"] == "none"


@pytest.mark.parametrize("kind", ["sine", "square", "organ chord", "vibrato", "sawtooth"])
def test_a_steady_tone_has_no_pulse(kind):
    """A held tone has no beat. Its spectrum ripples as the frames slide over its period, so
    regularly that a full-scale 440 Hz sine read "clear" at 86 BPM, a square wave at 92 and a
    four-note organ chord at 101 before the floor under the onset peaks (1.5.2)."""
    sr = 44100
    t = np.arange(sr * 30) / sr
    y = {"sine": np.sin(2 * np.pi * 440 * t),
         "square": 0.1 * np.sign(np.sin(2 * np.pi * 440 * t)),
         "organ chord": sum(0.2 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0, 523.3)),
         "vibrato": 0.5 * np.sin(2 * np.pi * 440 * t + 0.88 * np.sin(2 * np.pi * 5 * t)),
         "sawtooth": 0.3 * (2 * ((220 * t) % 1) - 1)}[kind]
    s = analyze_audio(y.astype(np.float32), sr=sr).summary
    assert s["pulse"] == "none" and s["tempo_bpm"] is None, s["tempo_bpm"]


def test_loudness_curves_are_stamped_at_their_block_centres():
    """A tone from 10 to 20 s in silence: a loudness block half inside the tone reads 3 dB
    under the tone (half its mean square), so a curve stamped at block centres reads tone - 3 dB
    at 10.0 s, as the 6 s window curves do; stamped at block ends, the momentary and short-term
    curves read silence there (their blocks ended at the tone's start)."""
    sr = 48000
    y = np.concatenate([np.zeros(10 * sr, np.float32), sine(-20.0, 10.0, sr=sr),
                        np.zeros(10 * sr, np.float32)])
    res = analyze_audio(y, sr=sr)
    for name in ("loudness_lufs_momentary", "loudness_lufs_short_term", "loudness_lufs"):
        t, v = res.curves[name]
        k = int(np.argmin(np.abs(t - 10.0)))
        assert t[k] == pytest.approx(10.0, abs=1e-6), name
        assert v[k] == pytest.approx(-23.0, abs=0.3), name  # half the tone's mean square
        if name != "loudness_lufs":  # the 3 s block centred at 21.6 s is past the tone
            assert v[int(np.argmin(np.abs(t - 21.6)))] < -60.0, name


def test_blockwise_equals_whole(rng):
    y = clicks(np.arange(0.3, 20, 0.37), 20.0, rng=rng) + sine(-30.0, 20.0)
    whole = AudioAnalyzer(sr=SR)
    whole.push(y)
    a = whole.finish()
    blocks = AudioAnalyzer(sr=SR)
    cuts = np.sort(rng.choice(np.arange(1, y.size), 40, replace=False))
    for blk in np.split(y, cuts):
        blocks.push(blk)
    b = blocks.finish()
    assert np.array_equal(a.onsets, b.onsets)
    for k in ("level_dbfs", "loudness_lufs", "tempo_bpm", "onsets_per_s"):
        assert np.allclose(a.curves[k][1], b.curves[k][1], atol=1e-3), k
    env_a, _ = onset_strength(y, sr=SR)
    assert env_a.size == pytest.approx(20.0 * SR / HOP_LENGTH, abs=3)


def test_onset_times_are_aligned(rng):
    # alignment check at 48 kHz (the resampler must not shift time)
    times = np.array([1.0, 2.5, 4.0, 7.25])
    res = analyze_audio(clicks(times, 9.0, sr=48000, rng=rng), sr=48000)
    assert res.onsets.size == 4
    assert np.all(np.abs(res.onsets - times) < 0.02)


def test_silence_and_short_and_empty():
    res = analyze_audio(np.zeros(SR * 20, np.float32), sr=SR)
    assert res.summary["status"] == "silent" and res.summary["tempo_bpm"] is None
    assert res.onsets.size == 0 and res.summary["silence_share"] == 1.0
    json.dumps(res.to_dict(), allow_nan=False)
    short = analyze_audio(sine(-20, 3.0), sr=SR)
    assert short.summary["status"] == "too short" and short.curves["tempo_bpm"][0].size == 0
    json.dumps(short.to_dict(), allow_nan=False)
    empty = analyze_audio(iter([]), sr=SR)
    assert empty.summary["status"] == "empty"


def test_density_of_onsets(rng):
    t = np.sort(rng.uniform(0.2, 29.8, 90))
    t = t[np.concatenate(([True], np.diff(t) > 0.06))]  # keep onsets resolvable
    res = analyze_audio(clicks(t, 30.0, rng=rng), sr=SR)
    assert res.summary["onsets_per_s"] == pytest.approx(t.size / 30.0, rel=0.05)


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"sr": 0}, ParameterError, "sr must be a positive int"),
        ({"sr": 22050.0}, ParameterError, "sr must be a positive int"),
        ({"sr": "48000"}, TypeError, "sr must be a positive int"),  # a type error too
        ({"sr": SR, "window": -1.0}, ParameterError, "window must be"),
        ({"sr": SR, "silence_dbfs": float("nan")}, ParameterError,
         "silence_dbfs must be a finite number"),
        ({"sr": SR, "silence_dbfs": "x"}, ParameterError, "silence_dbfs must be a finite number"),
        ({"sr": SR, "window": "6"}, TypeError, "window must be a number"),  # both kinds
        ({"sr": SR, "window": "6"}, ParameterError, "window must be a number"),
    ],
)
def test_bad_params(kw, err, match):
    with pytest.raises(err, match=match):
        analyze_audio(np.zeros(100, np.float32), **kw)


def test_bad_samples():
    with pytest.raises(ParameterError, match="finite samples"):
        analyze_audio(np.array([0.0, np.nan], np.float32), sr=SR)
    with pytest.raises(ParameterError, match=r"shape \(n,\) or \(n, channels\)"):
        analyze_audio(np.zeros((2, 2, 2), np.float32), sr=SR)


def drum_groove(bpm, dur, rng, sr=SR):
    """Kick (60 Hz) on 1 and 3, snare (band noise) on 2 and 4, loud sixteenth hi-hats (> 6 kHz)."""
    import scipy.signal

    beat = 60.0 / bpm
    y = np.zeros(int(dur * sr), np.float32)
    n = int(0.12 * sr)
    env = np.exp(-np.arange(n) / (0.03 * sr))
    kick = 0.8 * np.sin(2 * np.pi * 60 * np.arange(n) / sr) * env
    sos_s = scipy.signal.butter(4, [300, 1500], "bandpass", fs=sr, output="sos")
    sos_h = scipy.signal.butter(4, 6000, "highpass", fs=sr, output="sos")

    def add(times, burst):
        for t in times:
            i = int(round(t * sr))
            y[i : i + n] += burst[: max(0, y.size - i)]

    add(np.arange(0.1, dur - 0.2, 2 * beat), kick)
    add(np.arange(0.1 + beat, dur - 0.2, 2 * beat),
        0.5 * scipy.signal.sosfilt(sos_s, rng.normal(0, 1, n)) * env)
    hh_env = np.exp(-np.arange(n) / (0.01 * sr))
    for j, t in enumerate(np.arange(0.1, dur - 0.2, beat / 4)):
        acc = 1.0 if j % 2 == 0 else 0.7  # eighth-note accents, as drummers play them
        add([t + rng.normal(0, 0.004)],
            acc * 0.6 * scipy.signal.sosfilt(sos_h, rng.normal(0, 1, n)) * hh_env)
    return y + rng.normal(0, 1e-4, y.size).astype(np.float32)


def test_drum_groove_beat_from_kick_and_snare(rng):
    # 95 BPM: the sixteenth hi-hats (380) and their eighths (190) are the loudest flux, but the
    # tempo envelope weighs the kick/snare regions equally, so the beat (or its half/double,
    # Acc2) is found, never the x4 hi-hat level or a 3:2 level.
    res = analyze_audio(drum_groove(95.0, 40.0, rng), sr=SR)
    ratio = res.summary["tempo_bpm"] / 95.0
    assert min(abs(ratio - f) / f for f in (0.5, 1.0, 2.0)) < 0.04, res.summary["tempo_bpm"]


def sustained_tones(times, dur, rng, sr=SR):
    """Piano-like notes: six decaying harmonics (0.8 s decay, 2 s long, overlapping), random
    pitches over two octaves, over a -60 dBFS noise floor."""
    y = np.zeros(int(dur * sr))
    t = np.arange(int(2.0 * sr)) / sr
    for onset in times:
        f = 220.0 * 2 ** (rng.integers(0, 24) / 12)
        tone = (sum(0.5**k * np.sin(2 * np.pi * f * (k + 1) * t) for k in range(6))
                * np.exp(-t / 0.8) * 0.1)
        i = int(onset * sr)
        n = min(tone.size, y.size - i)
        y[i : i + n] += tone[:n]
    return (y + rng.normal(0, 1e-3, y.size)).astype(np.float32)


def test_sustained_notes_have_a_pulse_and_free_ones_do_not(rng):
    """Overlapping decaying notes keep a pulse (tempo from the envelope's peaks, as for MIDI)."""
    from analysis.tempo import PULSE_THRESHOLD

    beats = np.arange(0.5, 60, 0.6) + rng.normal(0, 0.015, 100)  # 100 BPM, 15 ms jitter
    metrical = analyze_audio(sustained_tones(beats, 61.0, rng), sr=SR).summary
    assert metrical["tempo_bpm"] == pytest.approx(100.0, rel=0.04)
    assert metrical["pulse"] == "clear" and metrical["pulse_clarity"] > 0.4
    free = np.sort(rng.uniform(0, 60, 180))  # Poisson onsets, 3 per second
    s = analyze_audio(sustained_tones(free, 61.0, rng), sr=SR).summary
    assert s["pulse_clarity"] < PULSE_THRESHOLD
    assert s["pulsed_share"] < 0.35


def test_onset_peaks_keep_heights_above_the_local_mean():
    from analysis.onsets import onset_peaks

    fr = 100.0
    env = np.full(300, 2.0)  # a floor of 2 with spikes of 5 every 0.5 s
    env[50::50] = 5.0
    out = onset_peaks(env, frame_rate=fr, smooth=0.0)
    assert np.flatnonzero(out).tolist() == list(range(50, 300, 50))
    # height above the mean of the 18 frames around (10 before, 7 after): 5 - (17*2 + 5)/18
    assert out[100] == pytest.approx(5.0 - (17 * 2.0 + 5.0) / 18)
    smooth = onset_peaks(env, frame_rate=fr)  # Gaussian of 20 ms keeps the area
    assert smooth.sum() == pytest.approx(out.sum(), rel=1e-3)
    assert onset_peaks(np.zeros(0), frame_rate=fr).size == 0


def test_onset_levels_follow_the_played_dynamics(rng):
    """Tone bursts alternating at -12 and -30 dBFS RMS: each onset gets its burst's level."""
    y = np.zeros(int(20.5 * SR), np.float32)
    levels = np.where(np.arange(20) % 2 == 0, -12.0, -30.0)
    for k, lv in enumerate(levels):
        burst = sine(lv, 0.5, freq=440.0 * (1 + k % 3))
        burst[-int(0.15 * SR):] *= np.linspace(1.0, 0.0, int(0.15 * SR))  # no click at the end
        i = int((0.5 + k) * SR)
        y[i : i + burst.size] += burst
    res = analyze_audio(y + rng.normal(0, 1e-5, y.size).astype(np.float32), sr=SR)
    assert res.onsets.size == 20
    # a 100 ms tick wholly inside the burst reads its RMS level
    assert res.onset_levels == pytest.approx(levels, abs=0.5)


def test_onset_levels_edge_cases():
    from analysis.onsets import onset_levels

    ticks = np.array([-60.0, -10.0, -20.0, -50.0])
    assert (onset_levels(np.array([0.0, 0.15, 0.39]), ticks, step=0.1).tolist()
            == [-10.0, -10.0, -50.0])
    assert onset_levels(np.zeros(0), ticks).size == 0
    assert np.isnan(onset_levels(np.array([1.0]), np.zeros(0))).all()

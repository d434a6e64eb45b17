"""Audio levels and gates of analysis 1.19.0 (review 31, findings H1, M1, M2, M3 and L1):
known answers through :func:`analysis.analyze_audio` and :class:`analysis.AudioAnalyzer`."""

import numpy as np
import pytest

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


def clicks(times, dur, sr=SR, amp=0.5, f=1000.0, decay=0.03):
    """Decaying tone bursts (200 ms, time constant ``decay``) at ``times`` [s]."""
    y = np.zeros(int(round(dur * sr)))
    n = int(0.2 * sr)
    burst = amp * np.exp(-np.arange(n) / (decay * sr)) * np.sin(2 * np.pi * f * np.arange(n) / sr)
    for t in times:
        i = int(round(t * sr))
        k = min(n, y.size - i)
        y[i : i + k] += burst[:k]
    return y


@pytest.mark.parametrize("kind", ["same", "uncorrelated", "three channels"])
def test_multichannel_loudness_is_bs1770_and_level_is_the_channels_power(kind):
    """H1: BS.1770-4 sums the channels' K-weighted mean squares (weight 1 for L, R, C), so a
    tone on both channels reads 3 LU over the same tone in mono (pyloudnorm agrees); the plain
    level is the channels' mean power, so it reads as one channel does. Before 1.19.0 the
    channels' sample average was measured: 3 LU low for the tone, 6 LU (and 3 dB) low for
    uncorrelated noise."""
    pyln = pytest.importorskip("pyloudnorm")
    rng = np.random.default_rng(3)
    n = 10 * SR
    if kind == "same":
        y = np.stack([sine(-20.0, 10.0)] * 2, axis=1)
    elif kind == "uncorrelated":
        y = rng.normal(0.0, 0.1, (n, 2))  # -20 dBFS RMS on each channel
    else:
        y = np.stack([sine(-20.0, 10.0), rng.normal(0.0, 0.1, n), sine(-26.0, 10.0, 300.0)], 1)
    y = y.astype(np.float32)
    s = analyze_audio(y, sr=SR).summary
    ref = pyln.Meter(SR).integrated_loudness(y.astype(np.float64))
    assert s["loudness_lufs_integrated"] == pytest.approx(ref, abs=0.1)
    power = float(np.mean(np.mean(y.astype(np.float64) ** 2, axis=0)))
    assert s["level_dbfs_mean"] == pytest.approx(10 * np.log10(power), abs=0.05)
    if kind != "three channels":
        assert s["level_dbfs_mean"] == pytest.approx(-20.0, abs=0.05)


def test_an_anti_phase_pair_reads_as_its_signal():
    """H1: a pair ``+x``, ``-x`` (a microphone wired with its polarity swapped) averages to
    nothing; it read "silent" with no onsets. Its level, loudness and onsets are now the pair's
    ``+x``, ``+x``."""
    x = clicks(np.arange(0.5, 20.0, 0.5), 20.0, amp=0.3)
    anti = analyze_audio(np.stack([x, -x], 1).astype(np.float32), sr=SR)
    same = analyze_audio(np.stack([x, x], 1).astype(np.float32), sr=SR)
    assert anti.summary["status"] == "ok" and anti.summary["silence_share"] == 0.0
    assert np.array_equal(anti.onsets, same.onsets) and anti.onsets.size == 39
    for k in ("level_dbfs_mean", "loudness_lufs_integrated", "tempo_bpm"):
        assert anti.summary[k] == pytest.approx(same.summary[k], abs=1e-6), k


def test_ordinary_stereo_onsets_come_from_the_sample_average():
    """The onset and tempo path keeps the channels' sample average for every pair that does not
    cancel (the tempo and onset figures of docs/benchmarks.md do not move): a pair of spaced
    microphones (one 2 ms later, quieter) has the onsets of its average in mono."""
    rng = np.random.default_rng(5)
    x = clicks(rng.uniform(0.3, 19.5, 40), 20.0, amp=0.3) + rng.normal(0, 1e-3, 20 * SR)
    pair = np.stack([x, 0.6 * np.roll(x, 96)], 1).astype(np.float32)
    a = analyze_audio(pair, sr=SR)
    b = analyze_audio(pair.mean(axis=1), sr=SR)
    assert a.onsets.size > 30 and np.array_equal(a.onsets, b.onsets)
    assert a.summary["tempo_bpm"] == b.summary["tempo_bpm"]


def test_a_dc_offset_is_no_sound():
    """M1: a constant 0.02 (-34 dBFS of DC, a cheap interface's offset) read "ok" at -34 dBFS,
    with no silence; each level tick's own mean is removed now, so it is silent, and playing on
    top of a DC offset reads the level it reads without one."""
    dc = analyze_audio(np.full(20 * SR, 0.02, np.float32), sr=SR).summary
    assert dc["status"] == "silent" and dc["silence_share"] == 1.0 and dc["n_onsets"] == 0
    x = clicks(np.arange(0.5, 20.0, 0.5), 20.0, amp=0.3)
    with_dc = analyze_audio((x + 0.02).astype(np.float32), sr=SR).summary
    without = analyze_audio(x.astype(np.float32), sr=SR).summary
    assert with_dc["level_dbfs_mean"] == pytest.approx(without["level_dbfs_mean"], abs=0.05)
    assert with_dc["dynamic_range_db"] == pytest.approx(without["dynamic_range_db"], abs=0.1)
    # a steady 1 kHz sine reads its RMS level, as before (its mean over a tick is 0)
    assert analyze_audio(sine(-20.0, 10.0).astype(np.float32), sr=SR).summary[
        "level_dbfs_mean"] == pytest.approx(-20.0, abs=0.01)


def test_level_ticks_kernel_matches_numpy_across_block_cuts():
    """The compiled level ticks (tick variance per channel, loudest sub-tick) equal a numpy
    computation of the same, whatever the block cuts."""
    from analysis import _kernels

    rng = np.random.default_rng(7)
    tick, sub, nsub = 2205, 220, 10  # 22.05 kHz: the last sub-tick takes 225 samples
    x = (rng.normal(0.0, 0.1, (tick * 9, 2)) + [0.05, -0.02]).astype(np.float32)
    s1, s2, nacc = np.zeros((2, nsub)), np.zeros((2, nsub)), 0
    ms, pk = [], []
    for blk in np.split(x, [1, 500, 4000, 4001, 13000]):
        a, b, nacc = _kernels.level_ticks(np.ascontiguousarray(blk), tick, sub, s1, s2, nacc)
        ms.append(a)
        pk.append(b)
    ms, pk = np.concatenate(ms), np.concatenate(pk)
    t = x.astype(np.float64).reshape(9, tick, 2)
    d = t - t.mean(axis=1, keepdims=True)
    assert np.allclose(ms, (d**2).mean(axis=1).mean(axis=1), rtol=1e-9)
    edges = [*range(0, sub * nsub, sub), tick]
    subs = np.stack([(d[:, a:b] ** 2).mean(axis=1).mean(axis=1)
                     for a, b in zip(edges[:-1], edges[1:], strict=True)], axis=1)
    assert np.allclose(pk, subs.max(axis=1), rtol=1e-9)


def _pink(rng, n):
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.arange(spec.size, dtype=float)
    f[0] = 1.0
    y = np.fft.irfft(spec / np.sqrt(f), n)
    return y / y.std()


def test_quiet_playing_has_its_onsets_whether_or_not_something_is_loud():
    """M2: clicks of -40 dBFS peak (100 ms RMS -51 dBFS) read "silent" with no onsets, while the
    same clicks had their onsets beside a loud moment. The gate is now the same everywhere: a
    tick is quiet when its loudest 10 ms is under -50 dBFS, and an onset counts unless it lies
    in a silence (over 2 s of quiet ticks)."""
    dur = 40.0
    times = np.arange(0.5, dur - 1.0, 0.5)
    quiet = clicks(times, dur, amp=0.01)
    loud = quiet + np.where(np.arange(quiet.size) < 10 * SR, clicks(times, dur, amp=0.3), 0.0)
    a = analyze_audio(quiet.astype(np.float32), sr=SR)
    b = analyze_audio(loud.astype(np.float32), sr=SR)
    assert a.summary["status"] == "ok" and a.summary["silence_share"] == 0.0
    assert a.summary["tempo_bpm"] == pytest.approx(120.0, rel=0.01)
    assert a.onsets.size >= 70  # of 77: the onset detection misses a few this near its floor
    after = 10.3
    assert np.array_equal(a.onsets[a.onsets > after], b.onsets[b.onsets > after])
    assert b.summary["silence_share"] == 0.0  # the quiet clicks are no silence either


@pytest.mark.parametrize("floor", ["digital silence", "white -55", "white -60", "pink -60",
                                   "pink -70", "breathing room -60"])
def test_a_noise_floor_has_no_onsets(floor):
    """A recording's noise floor gives no onsets, alone ("silent") or after loud playing: the
    gate is the level (the floor is a silence), not the onset detection, which works on log
    spectra and finds "onsets" in noise at any level."""
    rng = np.random.default_rng(11)
    n = 30 * SR
    kind, level = floor.rsplit(" ", 1) if floor != "digital silence" else ("zero", "-100")
    y = {"zero": lambda: np.zeros(n), "white": lambda: rng.normal(size=n),
         "pink": lambda: _pink(rng, n),
         "breathing room": lambda: _pink(rng, n) * (1 + 0.5 * np.sin(np.arange(n) / SR))}[kind]()
    y = y * 10 ** (float(level) / 20)
    alone = analyze_audio(y.astype(np.float32), sr=SR)
    assert alone.summary["status"] == "silent" and alone.onsets.size == 0
    loud = y + np.where(np.arange(n) < 10 * SR, clicks(np.arange(0.5, 10, 0.5), 30.0, amp=0.3), 0)
    res = analyze_audio(loud.astype(np.float32), sr=SR)
    assert res.onsets.size >= 19 and res.onsets.max() < 10.0  # none in the floor after 10 s


def test_rates_and_shares_are_over_the_recorded_time():
    """M3: a recording of 10 s in a 30 s session (placed at 10-20 s, silence around it as the
    store pads it) read its unrecorded 20 s as silence without onsets: 0.63 onsets/s where it
    plays 2/s, and a silence share of 0.67. Over the recorded time now; windows outside it have
    no value."""
    dur = 30.0
    x = clicks(np.arange(10.25, 19.9, 0.5), dur, amp=0.3).astype(np.float32)
    old = analyze_audio(x, sr=SR)
    res = analyze_audio(x, sr=SR, recorded=(10.0, 20.0))
    s = res.summary
    assert old.summary["onsets_per_s"] == pytest.approx(20 / 30, abs=0.01)
    assert s["onsets_per_s"] == pytest.approx(2.0, abs=0.05) and s["n_onsets"] == 20
    assert s["silence_share"] == 0.0 and old.summary["silence_share"] > 0.6
    played = x[int(10 * SR) : int(20 * SR)].astype(np.float64)
    assert s["level_dbfs_mean"] == pytest.approx(10 * np.log10(np.mean(played**2)), abs=0.3)
    assert old.summary["level_dbfs_mean"] < s["level_dbfs_mean"] - 1.0  # silence averaged in
    t, rate = res.curves["onsets_per_s"]
    inside = (t - 3.0 >= 10.0) & (t + 3.0 <= 20.0)
    assert np.isnan(rate[(t + 3.0 <= 12.0) | (t - 3.0 >= 18.0)]).all()  # under half recorded
    assert np.allclose(rate[inside], 2.0, atol=0.2)
    for name in ("silence_share", "level_dbfs", "loudness_lufs", "tempo_bpm"):
        v = res.curves[name][1]
        assert np.isnan(v[t + 3.0 <= 12.0]).all(), name
    assert np.isfinite(res.curves["level_dbfs"][1][inside]).all()
    tm, mom = res.curves["loudness_lufs_momentary"]
    assert np.isnan(mom[tm < 9.7]).all() and np.isfinite(mom[(tm > 10.3) & (tm < 19.7)]).all()
    json_safe = res.to_dict()
    assert json_safe["summary"]["onsets_per_s"] == s["onsets_per_s"]


def test_a_gap_in_the_recording_is_no_silence():
    """A dropout the recorder filled with silence (12-18 s of 30 s) is outside the recorded time:
    steady playing around it has no silence."""
    dur = 30.0
    times = np.arange(0.25, dur - 0.3, 0.5)
    x = clicks(times[(times < 12.0) | (times > 18.2)], dur, amp=0.3)
    x[int(12.0 * SR) : int(18.0 * SR)] = 0.0
    res = analyze_audio(x.astype(np.float32), sr=SR, recorded=(0.0, dur), gaps=[(12.0, 18.0)])
    assert res.summary["silence_share"] == 0.0
    assert res.summary["onsets_per_s"] == pytest.approx(2.0, abs=0.05)


def test_a_recording_of_the_whole_session_is_unchanged():
    """The recorded span of a whole-session recording (to within one 100 ms tick at either end)
    gives exactly the analysis without it."""
    dur = 20.0
    rng = np.random.default_rng(2)
    x = (clicks(rng.uniform(0.3, 19.5, 30), dur, amp=0.3)
         + rng.normal(0, 1e-3, int(dur * SR))).astype(np.float32)
    plain = analyze_audio(x, sr=SR).to_dict()
    for span in ((0.0, dur), (0.04, dur - 0.05)):
        assert analyze_audio(x, sr=SR, recorded=span).to_dict() == plain, span

"""The optimised code paths give the results of the straightforward numpy/scipy/librosa code.

Each fast path (compiled kernels, in-house filter designs, vectorised window statistics) is
checked against the implementation it replaced: bit-identical where the float operations are
the same, within float64 rounding where only the summation order differs.
"""

import numpy as np
import pytest

from analysis import loudness, onset_spectrum, periodicity, tempo_path
from analysis.convert import NoteTable
from analysis.dynamics import velocity_curves
from analysis.register import articulation, articulation_curve, pitch_curves
from analysis.windows import _window_index, _window_mean_std, _window_reduce, windowed_values


def test_mel_basis_is_librosas():
    librosa = pytest.importorskip("librosa")
    sr, n_mels = onset_spectrum.ANALYSIS_SR, onset_spectrum.N_MELS
    ref = librosa.filters.mel(sr=sr, n_fft=onset_spectrum.N_FFT, n_mels=n_mels,
                              fmin=30.0, fmax=sr / 2, norm=None).astype(np.float32)
    assert np.array_equal(onset_spectrum._mel_basis(), ref)
    f = librosa.mel_frequencies(n_mels=n_mels + 2, fmin=30.0, fmax=sr / 2)
    assert np.array_equal(onset_spectrum._mel_frequencies(n_mels + 2, fmin=30.0, fmax=sr / 2), f)


@pytest.mark.parametrize("sr", [22050, 44100, 48000])
def test_k_weighting_is_pyloudnorms(sr):
    iir = pytest.importorskip("pyloudnorm.iirfilter")
    rows = []
    for f in (iir.IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sr, "high_shelf"),
              iir.IIRfilter(0.0, 0.5, 38.0, sr, "high_pass")):
        b = np.asarray(f.b, dtype=np.float64) / f.a[0]
        a = np.asarray(f.a, dtype=np.float64) / f.a[0]
        rows.append(np.concatenate([b * f.passband_gain, a]))
    assert np.array_equal(loudness._k_weighting_sos(sr), np.asarray(rows))


def test_kweighted_tick_sums_match_sosfilt(rng):
    import scipy.signal

    from analysis import _kernels

    sos = loudness._k_weighting_sos(onset_spectrum.ANALYSIS_SR).astype(np.float32)
    x = rng.normal(0, 0.1, 50_000).astype(np.float32)
    y = scipy.signal.sosfilt(sos, x, zi=np.zeros((2, 2), np.float32))[0]
    assert y.dtype == np.float32
    tick = 2205
    n = (x.size // tick) * tick
    yb = y[:n].reshape(-1, tick)
    ref = np.einsum("ij,ij->i", yb, yb, dtype=np.float64)
    # in uneven blocks, state and partial tick carried
    zi = np.zeros((2, 2), np.float32)
    acc, nacc, got = 0.0, 0, []
    for a, b in [(0, 1000), (1000, 1001), (1001, 30_000), (30_000, 50_000)]:
        s, acc, nacc = _kernels.biquad2_tick_sums(sos, x[a:b], zi, tick, acc, nacc)
        got.append(s)
    np.testing.assert_allclose(np.concatenate(got), ref, rtol=1e-12)
    _, zf = scipy.signal.sosfilt(sos, x, zi=np.zeros((2, 2), np.float32))
    assert np.array_equal(zi, zf)  # the filter recursion is bit-identical
    assert nacc == x.size - n


def test_tick_sums_match_einsum(rng):
    from analysis import _kernels

    x = rng.normal(0, 0.3, 100_003).astype(np.float32)
    tick = 4800
    n = (x.size // tick) * tick
    ref = np.einsum("ij,ij->i", x[:n].reshape(-1, tick), x[:n].reshape(-1, tick), dtype=np.float64)
    acc, nacc, got = 0.0, 0, []
    for a in range(0, x.size, 7777):
        s, acc, nacc = _kernels.tick_sums(x[a : a + 7777], tick, acc, nacc)
        got.append(s)
    np.testing.assert_allclose(np.concatenate(got), ref, rtol=1e-12)


def test_max3_is_maximum_filter(rng):
    from scipy.ndimage import maximum_filter1d

    x = rng.normal(0, 10, (37, onset_spectrum.N_MELS)).astype(np.float32)
    assert np.array_equal(onset_spectrum._max3(x), maximum_filter1d(x, size=3, axis=1))


def _viterbi_numpy(score, log_bpm, sigma):
    """The numpy implementation of tempo_path._viterbi before 1.2.1 (reference)."""
    k, m = score.shape
    step = float(log_bpm[1] - log_bpm[0]) if m > 1 else 1.0
    band = max(1, int(np.ceil(3 * sigma / step)))
    offs = np.arange(-band, band + 1)
    trans = -0.5 * (offs * step / sigma) ** 2
    back = np.zeros((k, m), dtype=np.int32)
    acc = score[0].copy()
    rtrans = trans[::-1]
    pad = np.full(m + 2 * band, -np.inf)
    cols = np.arange(m)
    view = np.lib.stride_tricks.sliding_window_view(pad, 2 * band + 1)
    for i in range(1, k):
        pad[band : band + m] = acc
        cand = view + rtrans
        best = np.argmax(cand, axis=1)
        back[i] = cols + best - band
        acc = cand[cols, best] + score[i]
    path = np.zeros(k, dtype=np.int64)
    path[-1] = int(np.argmax(acc))
    for i in range(k - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


@pytest.mark.parametrize("m", [2, 5, 120])
def test_viterbi_kernel_matches_numpy(m, rng):
    """The kernel's emissions from the salience (issue 22) give the path of the numpy score
    table it replaced: ``max(sal, 0) * 8 + prior``, the prior alone in pulse-less windows."""
    log_bpm = np.log2(20.0) + np.arange(m) / periodicity.BINS_PER_OCTAVE
    sal = rng.normal(0, 1, (300, m))
    sal[50:60] = sal[50]  # ties
    sal[70:75] = 0.0  # silence: ties everywhere
    prior = rng.normal(0, 1, m)
    pulsed = rng.uniform(size=300) < 0.8
    score = np.clip(sal, 0.0, None) * 8.0 + prior[None, :]
    score[~pulsed] = prior
    for sigma in (0.01, 0.1, 1.0):
        assert np.array_equal(tempo_path._viterbi(sal.T.copy(), prior, pulsed, log_bpm, sigma),
                              _viterbi_numpy(score, log_bpm, sigma))


@pytest.mark.parametrize("window, hop", [(6.0, 1.0), (3.0, 3.0), (2.0, 0.25)])
def test_window_statistics_match_per_window_loops(window, hop, rng):
    s = np.sort(np.concatenate([rng.uniform(0, 60, 300), rng.uniform(20, 21, 30)]))
    s[5:9] = s[5]  # a chord
    notes = NoteTable.from_arrays(s, s + rng.uniform(0.01, 1.0, s.size),
                                  rng.integers(20, 100, s.size), rng.integers(1, 128, s.size))
    duration = 70.0  # the last windows are empty
    times, groups = windowed_values(notes.start, notes.velocity.astype(np.float64),
                                    duration=duration, window=window, hop=hop)
    t2, lo, hi = _window_index(notes.start, duration=duration, window=window, hop=hop)
    assert np.array_equal(times, t2)
    assert np.any(hi == lo) and np.any(hi == s.size)
    mean, std = _window_mean_std(notes.velocity, lo, hi)
    nan = np.nan
    np.testing.assert_allclose(mean, [g.mean() if g.size else nan for g in groups], rtol=1e-14)
    np.testing.assert_allclose(std, [g.std() if g.size else nan for g in groups], rtol=1e-12,
                               atol=1e-12)
    vc = velocity_curves(notes, duration=duration, window=window, hop=hop)
    np.testing.assert_array_equal(vc["velocity_range"][1],
                                  [g.max() - g.min() if g.size else nan for g in groups])
    _, pg = windowed_values(notes.start, notes.pitch.astype(np.float64), duration=duration,
                            window=window, hop=hop)
    pc = pitch_curves(notes, duration=duration, window=window, hop=hop)
    np.testing.assert_allclose(pc["pitch_std"][1], [g.std() if g.size else nan for g in pg],
                               rtol=1e-12, atol=1e-12)
    _, ag = windowed_values(notes.start, articulation(notes), duration=duration, window=window,
                            hop=hop)
    ref = [np.nanmean(g) if np.isfinite(g).any() else nan for g in ag]
    np.testing.assert_allclose(
        articulation_curve(notes, duration=duration, window=window, hop=hop)[1], ref, rtol=1e-12)
    assert _window_reduce(np.add, np.arange(3), np.zeros(0, np.intp),
                          np.zeros(0, np.intp)).size == 0
    with pytest.raises(TypeError, match="integers"):
        _window_mean_std(np.ones(3), lo, hi)


def test_mel_power_matches_dense_product(rng):
    import scipy.fft

    from analysis import _kernels

    frames = rng.normal(0, 0.1, (64, onset_spectrum.N_FFT)).astype(np.float32)
    frames[3] = 0.0  # silence
    spec = scipy.fft.rfft(frames, axis=1)
    power = np.square(spec.real) + np.square(spec.imag)
    dense = power.astype(np.float64) @ onset_spectrum._mel_basis().T.astype(np.float64)
    got = _kernels.mel_power(spec, *onset_spectrum._mel_sparse())
    assert got.dtype == np.float32 and got.shape == (64, onset_spectrum.N_MELS)
    np.testing.assert_allclose(got, dense, rtol=2e-6, atol=0)  # float32 rounding only
    assert np.all(got[3] == 0.0)


def test_beat_dp_in_place_matches_the_two_table_recursion(rng):
    """The beat tracker's recursion on one table (local score in, cumulative out) gives the
    cumulative scores and back-links of the recursion written with a separate local table
    (Ellis 2007, as librosa's ``__beat_track_dp``), and the local score at chosen frames is
    the full local score there."""
    from analysis._kernels import beat_dp, beat_local_at, beat_local_score

    env = np.abs(rng.standard_normal(3000)) ** 3
    fpb = rng.integers(30, 60, size=env.size).astype(np.int32)
    scale = env.std(ddof=1) + 1e-12
    local = beat_local_score(env, scale, fpb)
    frames = np.array([0, 17, 1499, 2999])
    np.testing.assert_array_equal(beat_local_at(env, scale, fpb, frames), local[frames])

    def plainly(tight):  # the recursion, plainly, with a tightness per frame
        cum = np.zeros(env.size)
        back = np.full(env.size, -1)
        thresh, first = 0.01 * local.max(), True
        for i in range(env.size):
            p = float(fpb[i])
            cands = [loc for loc in range(i - int(np.round(p / 2.0)), i - 2 * int(p) - 1, -1)
                     if loc >= 0]
            scores = [cum[loc] - tight[i] * (np.log(i - loc) - np.log(p)) ** 2 for loc in cands]
            best = int(np.argmax(scores)) if cands else -1
            cum[i] = local[i] + scores[best] if cands else local[i]
            if first and local[i] < thresh:
                back[i] = -1
            else:
                back[i], first = (cands[best] if cands else -1), False
        return cum, back

    # one tightness everywhere (no flags), and per frame: 100 where steady, 20 elsewhere
    steady = (np.arange(env.size) // 700 % 2).astype(np.uint8)
    for flags, tight in ((np.zeros(0, np.uint8), np.full(env.size, 100.0)),
                         (steady, np.where(steady == 1, 100.0, 20.0))):
        cum, back = plainly(tight)
        score = local.copy()
        backlink = beat_dp(score, fpb, 100.0, 20.0, flags)
        np.testing.assert_allclose(score, cum, rtol=1e-12)
        np.testing.assert_array_equal(backlink, back)

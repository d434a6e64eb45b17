"""Compiled inner loops (numba) for the per-sample and per-window recursions of the analysis.

Only loops that numpy cannot express without large temporaries or a Python loop live here:
the K-weighting biquads (a recursion over samples), the per-tick sums of squares, and the
Viterbi recursion over analysis windows. Each kernel does exactly the float operations of the
numpy/scipy code it replaces, in the same precision (see the notes per kernel), so results are
the same up to the summation order of float64 sums (relative differences ~1e-16).

numba comes with librosa (a dependency). This module is imported lazily (inside the functions
that use it) and points numba's on-disk cache at the user cache directory before importing
numba, so the kernels compile once per machine (~1-2 s each) and load in milliseconds afterwards.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["tick_sums", "level_ticks", "biquad2_tick_sums", "viterbi_band", "beat_local_score",
           "beat_local_at", "beat_dp"]


def _numba_cache() -> None:
    """Point numba's cache at the user cache dir so JIT code compiles once per machine."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        try:
            from platformdirs import user_cache_dir

            base = user_cache_dir("improv")
        except ImportError:  # pragma: no cover
            base = os.path.join(os.path.expanduser("~"), ".cache", "improv")
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(base, "numba")


_numba_cache()

import numba  # noqa: E402  (after the cache directory is set)


# Sums of squares in float64 over consecutive ticks of ``tick`` samples. ``acc``/``nacc``
# carry a partial tick across calls. Reassociation lets LLVM vectorise the float64 sum
# (the order of the additions differs from numpy's einsum; each product is exact).
@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def tick_sums(x, tick, acc, nacc):  # pragma: no cover - compiled
    n = x.size
    out = np.empty((nacc + n) // tick, np.float64)
    i = 0
    j = 0
    while i < n:
        m = min(tick - nacc, n - i)
        s = 0.0
        for k in range(i, i + m):
            v = np.float64(x[k])
            s += v * v
        acc += s
        nacc += m
        i += m
        if nacc == tick:
            out[j] = acc
            j += 1
            acc = 0.0
            nacc = 0
    return out, acc, nacc

# The plain level ticks of (n, ch) samples (since analysis 1.19.0): per tick of ``tick``
# samples, the mean over the channels of each channel's variance about its own tick mean (the
# tick's DC removed), and the loudest of its ``nsub`` sub-ticks (``sub`` samples each, the last
# one takes the remainder): the mean over the channels of each sub-tick's mean square about the
# tick mean. ``s1``/``s2`` [ch, nsub] carry the sums and sums of squares of the current partial
# tick (updated in place), ``nacc`` its sample count. float64 sums of the float32 samples.
@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def level_ticks(x, tick, sub, s1, s2, nacc):  # pragma: no cover - compiled
    n, nch = x.shape
    nsub = s1.shape[1]
    n_out = (nacc + n) // tick
    ms = np.empty(n_out, np.float64)
    pk = np.empty(n_out, np.float64)
    subms = np.zeros(nsub, np.float64)
    i = 0
    j = 0
    while i < n:
        k = min(nacc // sub, nsub - 1)
        end = tick if k == nsub - 1 else (k + 1) * sub
        m = min(end - nacc, n - i)
        for c in range(nch):
            a = 0.0
            b = 0.0
            for r in range(i, i + m):
                v = np.float64(x[r, c])
                a += v
                b += v * v
            s1[c, k] += a
            s2[c, k] += b
        nacc += m
        i += m
        if nacc == tick:
            tot = 0.0
            for q in range(nsub):
                subms[q] = 0.0
            for c in range(nch):
                t1 = 0.0
                t2 = 0.0
                for q in range(nsub):
                    t1 += s1[c, q]
                    t2 += s2[c, q]
                mean = t1 / tick
                tot += max(t2 - t1 * mean, 0.0) / tick
                for q in range(nsub):
                    nq = sub if q < nsub - 1 else tick - sub * (nsub - 1)
                    subms[q] += max(s2[c, q] - 2.0 * mean * s1[c, q] + nq * mean * mean,
                                    0.0) / nq
                    s1[c, q] = 0.0
                    s2[c, q] = 0.0
            ms[j] = tot / nch
            pk[j] = subms.max() / nch
            j += 1
            nacc = 0
    return ms, pk, nacc

# Two float32 biquads in transposed direct form II (scipy.signal.sosfilt's recursion, same
# operation order, no FMA contraction: bit-identical output), state ``zi`` [2, 2] updated in
# place, followed by tick_sums of the output (never stored).
@numba.njit(cache=True, nogil=True)
def biquad2_tick_sums(sos, x, zi, tick, acc, nacc):  # pragma: no cover - compiled
    n = x.size
    out = np.empty((nacc + n) // tick, np.float64)
    b00, b01, b02, a01, a02 = sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]
    b10, b11, b12, a11, a12 = sos[1, 0], sos[1, 1], sos[1, 2], sos[1, 4], sos[1, 5]
    z00, z01, z10, z11 = zi[0, 0], zi[0, 1], zi[1, 0], zi[1, 1]
    j = 0
    for i in range(n):
        xc = x[i]
        xn = b00 * xc + z00
        z00 = b01 * xc - a01 * xn + z01
        z01 = b02 * xc - a02 * xn
        xc = xn
        xn = b10 * xc + z10
        z10 = b11 * xc - a11 * xn + z11
        z11 = b12 * xc - a12 * xn
        v = np.float64(xn)
        acc += v * v
        nacc += 1
        if nacc == tick:
            out[j] = acc
            j += 1
            acc = 0.0
            nacc = 0
    zi[0, 0], zi[0, 1], zi[1, 0], zi[1, 1] = z00, z01, z10, z11
    return out, acc, nacc

# Banded max-plus recursion of tempo._viterbi: for each window and target bin the best
# source within +-band bins (first maximum on ties, as np.argmax), acc + trans[offset]. The
# emission of window i at bin `to` is computed here from the salience ``sal_t`` [bins, windows]
# (no score table: 13 MB for 3 hours): ``max(sal, 0) * gain + prior[to]`` in a pulsed window,
# ``prior[to]`` in another, the float operations of the numpy table it replaces (no FMA
# contraction). Back-pointers go into ``back`` [windows, bins] (int16 suffices for the grid).
@numba.njit(cache=True, nogil=True)
def viterbi_band(sal_t, gain, prior, pulsed, rtrans, band, back):  # pragma: no cover - compiled
    m, k = sal_t.shape
    acc = np.empty(m, np.float64)
    for to in range(m):
        acc[to] = _emission(sal_t[to, 0], gain, prior[to], pulsed[0])
    new = np.empty(m, np.float64)
    for i in range(1, k):
        for to in range(m):
            best = -np.inf
            arg = 0
            for j in range(2 * band + 1):
                src = to - band + j
                if src < 0 or src >= m:
                    v = -np.inf
                else:
                    v = acc[src] + rtrans[j]
                if v > best or j == 0:
                    best = v
                    arg = j
            back[i, to] = to + arg - band
            new[to] = best + _emission(sal_t[to, i], gain, prior[to], pulsed[i])
        acc[:] = new
    path = np.zeros(k, np.int64)
    path[-1] = np.argmax(acc)
    for i in range(k - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


@numba.njit(cache=True, nogil=True, inline="always")
def _emission(s, gain, prior, pulsed):  # pragma: no cover - compiled
    if not pulsed:
        return prior
    v = 0.0 if s < 0.0 else s  # np.clip(s, 0.0, None): NaN stays NaN
    v = v * gain
    return v + prior


# Mel power spectrum from a complex STFT [frames, bins]: |X|^2 (float32: re*re + im*im, as
# numpy) projected on triangular filters given sparsely (band b covers bins lo[b]..hi[b]-1
# with weights w[off[b]:off[b+1]]). Only the ~1,000 non-zero weights of the 80 x 513 filterbank
# are visited, and no BLAS call is made (OpenBLAS's threads spin between calls and cost as
# much CPU as the whole analysis). float32 sums over ascending bins: each band differs from the
# dense matrix product by float32 rounding only (a few ulp; the dense product itself differs
# by as much between 1 and 2 BLAS threads).
@numba.njit(cache=True, nogil=True)
def mel_power(spec, lo, hi, off, w):  # pragma: no cover - compiled
    n, nb = spec.shape
    m = lo.size
    out = np.empty((n, m), np.float32)
    p = np.empty(nb, np.float32)
    for i in range(n):
        for k in range(nb):
            c = spec[i, k]
            p[k] = c.real * c.real + c.imag * c.imag
        for b in range(m):
            acc = np.float32(0.0)
            o = off[b] - lo[b]
            for k in range(lo[b], hi[b]):
                acc += w[o + k] * p[k]
            out[i, b] = acc
    return out


# Ellis (2007) dynamic-programming beat tracker with a time-varying beat period, the recursion
# of librosa.beat.beat_track (0.11, `__beat_local_score` / `__beat_track_dp`): same window, same
# search range and the same log-interval penalty, so the beats agree with librosa's on the same
# envelope and tempo (tests/analysis/test_beats.py). Kept here because importing librosa costs
# 3.2 s and 135 MB per process (docs/benchmarks.md).
@numba.njit(cache=True, nogil=True)
def _local_at(env, scale, p, i):  # pragma: no cover - compiled
    # the Gaussian-weighted sum of the scaled envelope around frame i (one beat period p wide)
    n = env.shape[0]
    k2 = int(p)
    acc = 0.0
    for d in range(-k2, k2 + 1):
        j = i - d
        if 0 <= j < n:
            acc += np.exp(-0.5 * (d * 32.0 / p) ** 2) * (env[j] / scale)
    return acc


@numba.njit(cache=True, nogil=True)
def beat_local_score(env, scale, fpb):  # pragma: no cover - compiled
    # env[j] / scale here rather than a scaled copy of the envelope (the same quotients);
    # fpb: whole frames, as int32 (half the memory of a float64 copy; the same float64 p)
    n = env.shape[0]
    out = np.zeros(n)
    for i in range(n):
        out[i] = _local_at(env, scale, np.float64(fpb[i]), i)
    return out


@numba.njit(cache=True, nogil=True)
def beat_local_at(env, scale, fpb, frames):  # pragma: no cover - compiled
    # beat_local_score at some frames only (the beats, after the score became the cumulative one)
    out = np.zeros(frames.shape[0])
    for k in range(frames.shape[0]):
        out[k] = _local_at(env, scale, np.float64(fpb[frames[k]]), frames[k])
    return out


@numba.njit(cache=True, nogil=True)
def beat_dp(score, fpb, tightness, loose, steady):  # pragma: no cover - compiled
    # in place: score holds the local score on entry and the cumulative score on return (frame
    # i reads its local score before writing its cumulative one, and reads only earlier frames'
    # cumulative ones), so one per-frame float table serves both (3 h at 100 Hz: 8.6 MB).
    # steady: one uint8 per frame, the interval ending there penalised with tightness where it
    # is 1 and with loose where 0 (1 MB for 3 hours); empty: tightness everywhere
    n = score.shape[0]
    per_frame = steady.shape[0] == n
    backlink = np.full(n, -1, dtype=np.int32)  # frame indices (< 2**31: 248 days at 100 Hz)
    thresh = 0.01 * score.max() if n else 0.0
    first = True
    for i in range(n):
        local = score[i]
        p = np.float64(fpb[i])
        t = tightness if (not per_frame or steady[i] != 0) else loose
        best = -np.inf
        loc_best = -1
        lo = i - 2 * int(p) - 1
        loc = i - int(np.round(p / 2.0))
        while loc > lo and loc >= 0:
            s = score[loc] - t * (np.log(i - loc) - np.log(p)) ** 2
            if s > best:
                best = s
                loc_best = loc
            loc -= 1
        score[i] = local + best if loc_best >= 0 else local
        if first and local < thresh:
            backlink[i] = -1
        else:
            backlink[i] = loc_best
            first = False
    return backlink

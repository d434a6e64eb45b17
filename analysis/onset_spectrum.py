"""The spectrogram behind audio onset strength, and its SuperFlux by frequency region.

The analysis frame (:data:`ANALYSIS_SR`, :data:`N_FFT`, :data:`HOP_LENGTH`), the Slaney mel
filterbank of :data:`N_MELS` bands (the same float operations as librosa's, without importing
librosa and its numba code), and the SuperFlux (Böck & Widmer 2013) of the log-magnitude mel
spectrogram: positive difference to the previous frame after a 3-band maximum filter (which
suppresses vibrato), kept as three frequency-region means (:data:`TEMPO_BAND_EDGES`). Onsets are
picked from the full-band mean; tempo uses the mean of the three regions (:func:`_split_env`).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["ANALYSIS_SR", "N_FFT", "HOP_LENGTH", "N_MELS", "TEMPO_BAND_EDGES", "LOG_FLOOR_DB"]

#: Rate of the onset analysis [Hz] (librosa's default; keeps content up to 11 kHz).
ANALYSIS_SR = 22050
#: STFT frame length [samples at ANALYSIS_SR] (46 ms) and hop (23 ms, librosa's default; onset
#: times are quantised to +-11.6 ms, well inside the 50 ms onset tolerance).
N_FFT = 1024
HOP_LENGTH = 512
#: Mel bands of the onset spectrogram (SuperFlux uses 24 bands/octave log-filters; 80 mel bands
#: from 30 Hz to 11 kHz are comparable in resolution).
N_MELS = 80
#: Log compression floor of the mel magnitudes [dB re full scale]: quieter bins are clipped, so
#: background noise does not produce flux.
LOG_FLOOR_DB = -80.0
#: Edges [Hz] of the three frequency regions whose flux is averaged with equal weight for the
#: tempo envelope (bass/kick below 200 Hz, the body of most instruments and the snare up to
#: 2 kHz, cymbals, hi-hats and attack noise above). The plain mean over the 80 mel bands gives the
#: high region ~2/3 of the weight, so dense hi-hats or bright runs can set the period; with
#: equal regions the low and mid events that carry the beat (Goto 2001: bass drum and snare;
#: Klapuri, Eronen & Astola 2006 combine band-wise accents the same way) count as much.
TEMPO_BAND_EDGES = (200.0, 2000.0)
#: Slaney mel scale (Slaney 1998, Auditory Toolbox; librosa's default ``htk=False``): linear
#: below 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per factor 6.4).
_MEL_F_SP = 200.0 / 3
_MEL_MIN_LOG_HZ = 1000.0
_MEL_LOGSTEP = np.log(6.4) / 27.0


def _hz_to_mel(f: float) -> float:
    """Slaney mel of a frequency [Hz] (librosa ``hz_to_mel(f, htk=False)``, same float ops)."""
    if f >= _MEL_MIN_LOG_HZ:
        return _MEL_MIN_LOG_HZ / _MEL_F_SP + np.log(f / _MEL_MIN_LOG_HZ) / _MEL_LOGSTEP
    return f / _MEL_F_SP


def _mel_frequencies(n: int, *, fmin: float, fmax: float) -> np.ndarray:
    """``n`` frequencies [Hz] equally spaced on the Slaney mel scale
    (librosa ``mel_frequencies``)."""
    mels = np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n)
    min_log_mel = _MEL_MIN_LOG_HZ / _MEL_F_SP
    hz = _MEL_F_SP * mels
    log_t = mels >= min_log_mel
    hz[log_t] = _MEL_MIN_LOG_HZ * np.exp(_MEL_LOGSTEP * (mels[log_t] - min_log_mel))
    return hz


@functools.lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    """Triangular mel filterbank [N_MELS, N_FFT//2 + 1], float32, unnormalised (peak 1).

    The same float operations as ``librosa.filters.mel(sr=ANALYSIS_SR, n_fft=N_FFT,
    n_mels=N_MELS, fmin=30.0, fmax=ANALYSIS_SR/2, norm=None)`` (bit-identical, checked in the
    tests), without importing librosa and its numba code (~1.2 s per process).
    """
    fftfreqs = np.fft.rfftfreq(n=N_FFT, d=1.0 / ANALYSIS_SR)
    mel_f = _mel_frequencies(N_MELS + 2, fmin=30.0, fmax=ANALYSIS_SR / 2)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((N_MELS, fftfreqs.size), dtype=np.float32)
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights.flags.writeable = False
    return weights


@functools.lru_cache(maxsize=1)
def _mel_sparse() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_mel_basis` as contiguous bin ranges per band: ``lo``, ``hi``, ``off``, ``w``.

    Band ``b`` has non-zero weights ``w[off[b]:off[b+1]]`` on bins ``lo[b]..hi[b]-1`` (each
    triangle is one run of bins; a band narrower than one bin spacing may have a single bin).
    """
    weights = _mel_basis()
    lo = np.zeros(N_MELS, np.int64)
    hi = np.zeros(N_MELS, np.int64)
    for b in range(N_MELS):
        nz = np.flatnonzero(weights[b])
        if nz.size:
            lo[b], hi[b] = nz[0], nz[-1] + 1
    off = np.concatenate([[0], np.cumsum(hi - lo)]).astype(np.int64)
    w = np.concatenate([weights[b, lo[b] : hi[b]] for b in range(N_MELS)]).astype(np.float32)
    return lo, hi, off, w


def _max3(x: np.ndarray) -> np.ndarray:
    """Maximum over 3 neighbouring bands along axis 1, edges reflected
    (``maximum_filter1d(x, 3)``)."""
    pair = np.maximum(x[:, :-1], x[:, 1:])  # max(x[i], x[i+1])
    out = np.empty_like(x)
    out[:, 0] = pair[:, 0]
    out[:, -1] = pair[:, -1]
    np.maximum(pair[:, :-1], pair[:, 1:], out=out[:, 1:-1])
    return out


@functools.lru_cache(maxsize=1)
def _region_starts() -> np.ndarray:
    """First mel band of each TEMPO_BAND_EDGES region (mel centre frequencies)."""
    f = _mel_frequencies(N_MELS + 2, fmin=30.0, fmax=ANALYSIS_SR / 2)[1:-1]
    return np.concatenate(([0], np.searchsorted(f, TEMPO_BAND_EDGES)))


@functools.lru_cache(maxsize=1)
def _region_sizes() -> np.ndarray:
    return np.diff(np.concatenate((_region_starts(), [N_MELS]))).astype(np.float32)


def _split_env(env: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(full-band mean flux for onsets, equal-region mean flux for tempo) from (n, 3) regions."""
    if env.ndim == 1:
        return env, env
    w = _region_sizes() / N_MELS
    return env @ w, env.mean(axis=1)


def _region_flux(logm: np.ndarray, prev: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """SuperFlux of mel power frames, as the mean of each frequency region.

    Parameters
    ----------
    logm : np.ndarray [shape=(n_frames, N_MELS), float32]
        Mel power of each frame; overwritten with its log power [dB].
    prev : np.ndarray [shape=(N_MELS,)] or None
        The previous block's last max-filtered log-mel frame (None: the first block).

    Returns
    -------
    regions : np.ndarray [shape=(n_frames, 3), float32, dB]
        Mean flux of each region (the full-band mean is their band-count weighted sum).
    last : np.ndarray [shape=(N_MELS,)]
        This block's last max-filtered log-mel frame (``prev`` of the next block).
    """
    # log power in dB re a full-scale sine's Hann-windowed peak (N_FFT/4)^2, floored
    np.maximum(logm, 1e-20, out=logm)
    logm *= 16.0 / N_FFT**2
    np.log10(logm, out=logm)
    logm *= 10.0
    np.maximum(logm, LOG_FLOOR_DB, out=logm)
    ref = _max3(logm)
    # SuperFlux: rise over the previous frame's max-filtered spectrum, half-wave rectified
    flux = np.empty_like(logm)
    np.subtract(logm[:1], ref[:1] if prev is None else prev[None, :], out=flux[:1])
    np.subtract(logm[1:], ref[:-1], out=flux[1:])
    np.maximum(flux, 0.0, out=flux)
    # per-region mean flux (n_frames, 3); the full-band mean is their band-count weighted sum
    regions = (np.add.reduceat(flux, _region_starts(), axis=1).astype(np.float32)
               / _region_sizes()[None, :])
    return regions, ref[-1].copy()

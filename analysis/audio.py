"""Audio features of one player channel, computed block by block with flat memory.

:class:`AudioAnalyzer` takes blocks of samples in order (``push``) and keeps only small
per-frame features, so memory does not grow with the length of the recording beyond the
feature arrays themselves (an onset envelope of ~86 floats per second, 10 loudness values
per second). :func:`analyze_audio` wraps it for an array or an iterator of blocks.

Per block:

* **Level and loudness** at the native rate: mean square per 100 ms tick, plain (RMS level in
  dBFS) and after the ITU-R BS.1770-4 K-weighting filter (pyloudnorm's filter design; filter
  state carried across blocks). 100 ms ticks give BS.1770 momentary loudness (400 ms blocks,
  75 % overlap, also the integrated-loudness gating blocks) and EBU R128 short-term loudness
  (3 s) exactly, and EBU Tech 3342 loudness range.
* **Onset strength**: the signal is resampled to 22.05 kHz with a streaming soxr resampler and
  cut into 1024-sample Hann frames every 512 samples (23 ms); frames continue across block
  boundaries (a carry buffer), so the envelope is identical to a one-shot computation. The
  strength is the SuperFlux (Böck & Widmer 2013) of a log-magnitude mel spectrogram: positive
  difference to the previous frame after a 3-band maximum filter (which suppresses vibrato),
  kept as three frequency-region means (:data:`TEMPO_BAND_EDGES`). Onsets are picked from the
  full-band mean; tempo uses the mean of the three regions, so that bass and mid-range events
  weigh as much as dense high-frequency ones (hi-hats).

At the end, onsets are picked from the envelope (Böck, Krebs & Schedl 2012 peak picking) and
tempo is estimated with :func:`analysis.tempo.tempo_from_envelope` from the peaks of the
three-region envelope (:func:`onset_peaks`: an impulse envelope like MIDI's, since 1.4; its
heights log-compressed for percussive audio since 1.13). The spectrogram excerpts kept while
streaming give the percussive share (:mod:`analysis.percussive`); for pitched audio, the
metrical level is then chosen from the onsets' accents (:func:`analysis.metre.audio_salience`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from . import _validate, metre
from .beats import Pulse, analyze_pulse, over_the_playing, pause_windows
from .density import density_curve, silence_share, silence_share_curve, silent_intervals
from .dynamics import AMIN, CRESCENDO_DB, dynamic_changes, level_dbfs
from .errors import ParameterError
from .heard import HeardNotes, apply_heard
from .percussive import ExcerptSampler, percussive_share
from .periodicity import FFT_WORKERS
from .summary import PlayerAnalysis, tempo_summary
from .tempo import ONSET_SMOOTH
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, SILENCE_GAP, window_means, window_starts
from .windows import json_number as _num

__all__ = [
    "AudioAnalyzer",
    "analyze_audio",
    "onset_strength",
    "pick_onsets",
    "onset_peaks",
    "onset_levels",
    "ANALYSIS_SR",
    "HOP_LENGTH",
    "N_FFT",
    "TICK",
    "SILENCE_DBFS",
    "ONSET_THRESHOLD",
]

#: Rate of the onset analysis [Hz] (librosa's default; keeps content up to 11 kHz).
ANALYSIS_SR = 22050
#: STFT frame length [samples at ANALYSIS_SR] (46 ms) and hop (23 ms, librosa's default; onset
#: times are quantised to +-11.6 ms, well inside the 50 ms onset tolerance).
N_FFT = 1024
HOP_LENGTH = 512
#: Mel bands of the onset spectrogram (SuperFlux uses 24 bands/octave log-filters; 80 mel bands
#: from 30 Hz to 11 kHz are comparable in resolution).
N_MELS = 80
#: Level/loudness tick [seconds]: the 75 % overlap hop of the BS.1770 400 ms blocks.
TICK = 0.1
#: A tick quieter than this [dBFS RMS] counts as silent (a quiet room through a typical mic
#: preamp sits near -60 dBFS; soft playing is above -45 dBFS).
SILENCE_DBFS = -50.0
#: Onset peak-picking threshold above the local mean of the envelope [dB, mean over mel bands].
ONSET_THRESHOLD = 1.5
#: Peak picking windows [seconds] (madmom's offline defaults): a peak must be the maximum over
#: -30..+30 ms, exceed the mean over -100..+70 ms by ONSET_THRESHOLD, and be 30 ms after the last.
PRE_MAX, POST_MAX, PRE_AVG, POST_AVG, COMBINE = 0.03, 0.03, 0.10, 0.07, 0.03
#: Edges [Hz] of the three frequency regions whose flux is averaged with equal weight for the
#: tempo envelope (bass/kick below 200 Hz, the body of most instruments and the snare up to
#: 2 kHz, cymbals, hi-hats and attack noise above). The plain mean over the 80 mel bands gives the
#: high region ~2/3 of the weight, so dense hi-hats or bright runs can set the period; with
#: equal regions the low and mid events that carry the beat (Goto 2001: bass drum and snare;
#: Klapuri, Eronen & Astola 2006 combine band-wise accents the same way) count as much.
TEMPO_BAND_EDGES = (200.0, 2000.0)
#: Span [seconds] after an onset whose loudest 100 ms tick (RMS level, dBFS) is the onset's
#: level: the attack of a struck or plucked note, before its decay (or the next note) sets in.
ONSET_LEVEL_SPAN = 0.2
#: Smallest peak of the onset strength [dB of mean flux above its local mean] that
#: :func:`onset_peaks` keeps for tempo. A steady tone's spectrum ripples as the analysis
#: frames slide over its period (Hann leakage): peaks of 0.07-0.18 dB, so regular that a
#: full-scale 440 Hz sine or square read as a "clear" pulse at 86-92 BPM before 1.5.2.
PEAK_FLOOR_DB = 0.3
#: Audio whose percussive share (:func:`analysis.percussive.percussive_share`) is below this
#: is pitched playing, whose metrical level the onsets' accents choose
#: (:func:`analysis.metre.audio_salience`); at or above it (drums, a band with drums) the
#: tempo stage's level stands. Chosen by two-fold cross-validation over 223 held-out piano
#: renderings and 120 drum grooves (docs/benchmarks.md, 1.13.0).
PITCHED_SHARE = 0.2
#: The heights of the tempo envelope's impulses (:func:`onset_peaks`) for percussive audio
#: (``percussive_share`` at or above :data:`PITCHED_SHARE`): ``"log"``, log1p of the dB above
#: the local mean, so a groove's loud kick and snare, often off the beat's regular grid, do
#: not drown its steady hi-hats or ride in the autocorrelation (MIDI's envelope is
#: log-compressed too); pitched audio keeps ``"dB"``, where the strong onsets (bass notes,
#: chords) carry the beat. Chosen by two-fold cross-validation (docs/benchmarks.md, 1.13.0);
#: made again in session 21 on drum renderings that play every hi-hat stroke, the folds chose
#: square-root and flat heights (``"flat"``: every peak 1), so ``"log"`` stays.
PERCUSSIVE_HEIGHTS = "log"
#: Percussive audio's tempo envelope from each frequency region's peaks, summed (True), instead
#: of the peaks of the regions' mean (False): a hi-hat's onset then counts in its own region
#: even where the kick's decay or the snare's ring fills the mean (Klapuri, Eronen & Astola
#: 2006 sum band-wise accents). Measured on held-out drum renderings: off (docs/benchmarks.md,
#: session 20).
PERCUSSIVE_REGIONS = False
#: Tempo ratios at which a percussive recording's windows are moved onto its level
#: (``cross_fold`` of :func:`analysis.tempo.tempo_from_envelope`): ``(0.75, 4 / 3)`` puts the
#: dotted-eighth reading of a sixteenth-note groove (its 6 s windows 4:3 from the level the
#: whole performance has) on the beat. Measured on held-out drum renderings: off
#: (docs/benchmarks.md, session 21).
PERCUSSIVE_CROSS_FOLD: tuple[float, ...] = ()
#: The 3:2 bound of the pulse label (``cross_share`` of :func:`analysis.beats.analyze_pulse`,
#: :data:`analysis.beats.CROSS_SHARE`) for percussive audio, where no cue chooses between a
#: level and its dotted or triplet rival (pitched audio's accents and MIDI's note cues do):
#: no "clear" where that rival holds this share of the level score. Measured on held-out drum
#: renderings and off: a steady stream of drum strokes has a strong 3:2 rival by nature (every
#: stroke lies on both levels' multiples), 0.45-0.57 for accented eighths or sixteenths read at
#: the right level, so a bound of 0.4-0.5 takes "clear" from the steadiest playing
#: (docs/benchmarks.md, session 23). None: the label's own bound.
PERCUSSIVE_CROSS_SHARE: float | None = None
#: Whether the level's pulse-train tie-break (:func:`analysis.level_choice.metrical_level`) may
#: move a percussive recording's level to the slower of a 3:2 (or 3:1) pair (False: only to the
#: faster). In a groove subdivided in twos, every stroke lies on the grids of both the beat and
#: its dotted rival (2:3), and syncopated accents (a tresillo, 3 + 3 + 2) can give the dotted
#: pulse train a phase that fits; the faster of the two is the level on the groove's own
#: binary grid. In a swing or shuffle the slower one is the beat. Measured on held-out drum
#: renderings: better on the blocks it was chosen on, worse on an untouched one (on its swung
#: grooves), so off (docs/benchmarks.md, session 24).
PERCUSSIVE_SLOWER_TIE = True

#: Log compression floor of the mel magnitudes [dB re full scale]: quieter bins are clipped, so
#: background noise does not produce flux.
LOG_FLOOR_DB = -80.0


def _rbj_biquad(kind: str, *, gain_db: float, q: float, fc: float, sr: int) -> np.ndarray:
    """One normalised biquad ``[b0, b1, b2, 1, a1, a2]`` from the RBJ Audio EQ Cookbook.

    The float operations of pyloudnorm's ``IIRfilter.generate_coefficients`` (the designs its
    BS.1770 ``Meter`` uses), so the coefficients are bit-identical to pyloudnorm's (checked in
    the tests) without importing it (it imports scipy.signal, ~0.7 s per process).
    """
    a_ = 10 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * (fc / sr)
    alpha = np.sin(w0) / (2.0 * q)
    if kind == "high_shelf":
        b0 = a_ * ((a_ + 1) + (a_ - 1) * np.cos(w0) + 2 * np.sqrt(a_) * alpha)
        b1 = -2 * a_ * ((a_ - 1) + (a_ + 1) * np.cos(w0))
        b2 = a_ * ((a_ + 1) + (a_ - 1) * np.cos(w0) - 2 * np.sqrt(a_) * alpha)
        a0 = (a_ + 1) - (a_ - 1) * np.cos(w0) + 2 * np.sqrt(a_) * alpha
        a1 = 2 * ((a_ - 1) - (a_ + 1) * np.cos(w0))
        a2 = (a_ + 1) - (a_ - 1) * np.cos(w0) - 2 * np.sqrt(a_) * alpha
    elif kind == "high_pass":
        b0 = (1 + np.cos(w0)) / 2
        b1 = -(1 + np.cos(w0))
        b2 = (1 + np.cos(w0)) / 2
        a0 = 1 + alpha
        a1 = -2 * np.cos(w0)
        a2 = 1 - alpha
    else:  # pragma: no cover - internal
        raise ValueError(f"kind must be 'high_shelf' or 'high_pass', got {kind!r}")
    b = np.array([b0, b1, b2]) / a0
    a = np.array([a0, a1, a2]) / a0
    return np.concatenate([b / a[0], a / a[0]])


def _k_weighting_sos(sr: int) -> np.ndarray:
    """Second-order sections of the BS.1770-4 K-weighting (pre-filter + RLB high-pass) at ``sr``.

    Coefficients follow pyloudnorm's IIR designs (the same ones its Meter uses), so they are
    exact at 48 kHz and follow the analogue prototype at other rates.
    """
    # pyloudnorm Meter: high shelf +4 dB at 1.5 kHz (Q 1/sqrt 2), high-pass at 38 Hz (Q 0.5)
    return np.asarray([_rbj_biquad("high_shelf", gain_db=4.0, q=1 / np.sqrt(2), fc=1500.0, sr=sr),
                       _rbj_biquad("high_pass", gain_db=0.0, q=0.5, fc=38.0, sr=sr)])


class AudioAnalyzer:
    """Streaming audio analysis of one player channel.

    Parameters
    ----------
    sr : int [Hz]
        Sample rate of the pushed blocks.
    window, hop : float [seconds]
        Curve window and hop (MTTB default 6 s / 1 s).
    ref : float [full scale]
        0 dBFS reference for levels (1.0: a full-scale square wave reads 0 dBFS).
    amin : float [full scale]
        Level floor; silence reads ``20*log10(amin/ref)`` (-100 dBFS).
    silence_dbfs : float [dBFS]
        Ticks quieter than this count as silent; runs longer than ``SILENCE_GAP`` are silences.

    Notes
    -----
    Blocks may have any length (``(n,)`` mono, or ``(n, ch)``: channels are averaged, i.e. one
    player's stereo pair is treated as one source). Not thread-safe; push from one thread.

    Examples
    --------
    >>> import numpy as np
    >>> an = AudioAnalyzer(sr=8000)
    >>> for _ in range(10):
    ...     an.push(np.zeros(8000, np.float32))
    >>> res = an.finish()
    >>> res.summary["status"]
    'silent'
    """

    def __init__(
        self,
        *,
        sr: int,
        window: float = DEFAULT_WINDOW,
        hop: float = DEFAULT_HOP,
        ref: float = 1.0,
        amin: float = AMIN,
        silence_dbfs: float = SILENCE_DBFS,
    ) -> None:
        import soxr

        from . import _kernels

        self.sr = _validate.sample_rate(sr)
        self.window, self.hop = _validate.analysis_window(window, hop)
        self.ref = _validate.positive("ref", ref, unit="full scale")
        self.amin = _validate.positive("amin", amin, unit="full scale")
        self.silence_dbfs = _validate.finite("silence_dbfs", silence_dbfs, unit="dBFS")
        self.n_samples = 0
        # level / loudness ticks
        self._tick_samples = max(1, int(round(TICK * self.sr)))
        # K-weighting at the native rate, in float64 (the 38 Hz high-pass has its poles close
        # to the unit circle at high rates); the same ticks as the plain level
        self._sos = _k_weighting_sos(self.sr)
        self._zi = np.zeros((self._sos.shape[0], 2), dtype=np.float64)
        self._kern = _kernels
        self._tick_acc = (0.0, 0)  # sum of squares and sample count of the current partial tick
        self._ktick_acc = (0.0, 0)
        self._ms = _Chunks(np.zeros(0))
        self._kms = _Chunks(np.zeros(0))
        # onset frames
        self._resampler = soxr.ResampleStream(self.sr, ANALYSIS_SR, 1, dtype="float32",
                                              quality="HQ")
        self._fbuf = np.zeros(N_FFT // 2, np.float32)  # centre the first frame on t = 0
        self._win = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
        self._mel = None
        self._prev = None  # last log-mel frame (after max filter) for the flux across blocks
        self._env = _Chunks(np.zeros((0, 3), np.float32))
        self._excerpts = ExcerptSampler()  # spectrogram excerpts for the percussive share
        self._finished = False

    # ------------------------------------------------------------------ blocks
    def push(self, block: Any) -> None:
        """Analyse the next block of samples: float (full scale ±1) or integer PCM (scaled by
        its type's full scale: int16 by 32768, unsigned 8-bit around 128, as WAV stores it)."""
        if self._finished:
            raise ParameterError("push after finish: create a new AudioAnalyzer per recording")
        x = np.asarray(block)
        if x.dtype.kind not in "fiu":
            raise ParameterError(f"block must be a numeric array of samples, got dtype {x.dtype}")
        if x.dtype.kind in "iu":  # before any mean: a channel mean of ints is a float
            full = float(2 ** (8 * x.dtype.itemsize - 1))
            x = (x.astype(np.float64) - (full if x.dtype.kind == "u" else 0.0)) / full
        if x.ndim == 2:
            x = x.mean(axis=1)
        elif x.ndim != 1:
            raise ParameterError(f"block must have shape (n,) or (n, channels), got {x.shape}")
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.size == 0:
            return
        if not np.all(np.isfinite(x)):
            raise ParameterError("block must contain only finite samples, got NaN or inf")
        self.n_samples += x.size
        self._levels(x)
        self._kweighted(x)
        self._frames(self._resampler.resample_chunk(x), last=False)

    def _levels(self, x: np.ndarray) -> None:
        """Mean square per tick at the native rate (plain RMS level)."""
        sums, *acc = self._kern.tick_sums(x, self._tick_samples, *self._tick_acc)
        self._tick_acc = tuple(acc)
        if sums.size:
            self._ms.append(sums / self._tick_samples)

    def _kweighted(self, x: np.ndarray) -> None:
        """K-weighted mean square per tick at the native rate (filter state carried).

        The K-weighting biquads (float64, transposed direct form II as ``scipy.signal.sosfilt``)
        and the per-tick sum of squares run in one compiled pass; the filtered signal is never
        stored. Before 1.6 this ran on the 22.05 kHz analysis signal, so nothing above about
        10 kHz was counted: white noise read 3.9 LU low, a 12 kHz tone 47 LU low.
        """
        if x.size == 0:
            return
        sums, *acc = self._kern.biquad2_tick_sums(self._sos, x, self._zi, self._tick_samples,
                                                  *self._ktick_acc)
        self._ktick_acc = tuple(acc)
        if sums.size:
            self._kms.append(sums / self._tick_samples)

    def _frames(self, y: np.ndarray, *, last: bool) -> None:
        import scipy.fft

        buf = np.concatenate([self._fbuf, y.astype(np.float32, copy=False)])
        if last:
            buf = np.concatenate([buf, np.zeros(N_FFT // 2, np.float32)])
        if buf.size < N_FFT:
            self._fbuf = buf
            return
        n_frames = 1 + (buf.size - N_FFT) // HOP_LENGTH
        frames = np.lib.stride_tricks.sliding_window_view(buf, N_FFT)[::HOP_LENGTH][:n_frames]
        spec = scipy.fft.rfft(frames * self._win, axis=1, overwrite_x=True, workers=FFT_WORKERS)
        if self._mel is None:
            self._mel = _mel_sparse()
        logm = self._kern.mel_power(spec, *self._mel)
        self._excerpts.push(spec)
        del spec
        # log power in dB re a full-scale sine's Hann-windowed peak (N_FFT/4)^2, floored
        np.maximum(logm, 1e-20, out=logm)
        logm *= 16.0 / N_FFT**2
        np.log10(logm, out=logm)
        logm *= 10.0
        np.maximum(logm, LOG_FLOOR_DB, out=logm)
        ref = _max3(logm)
        # SuperFlux: rise over the previous frame's max-filtered spectrum, half-wave rectified
        flux = np.empty_like(logm)
        np.subtract(logm[:1], ref[:1] if self._prev is None else self._prev[None, :], out=flux[:1])
        np.subtract(logm[1:], ref[:-1], out=flux[1:])
        np.maximum(flux, 0.0, out=flux)
        self._prev = ref[-1].copy()
        # per-region mean flux (n_frames, 3); the full-band mean is their band-count weighted sum
        self._env.append(np.add.reduceat(flux, _region_starts(), axis=1).astype(np.float32)
                         / _region_sizes()[None, :])
        self._fbuf = buf[n_frames * HOP_LENGTH :].copy()

    # ------------------------------------------------------------------ result
    def finish(self, *, duration: float | None = None,
               heard: HeardNotes | None = None) -> PlayerAnalysis:
        """Flush the stream and compute curves and summary.

        Parameters
        ----------
        duration : float [seconds] or None
            Session length (default: the pushed audio's length). Curves cover whole windows.
        heard : HeardNotes or None
            The same player's MIDI, which this audio may hear: where it does, the pulse is
            reported at the MIDI's metrical level (:mod:`analysis.heard`).
        """
        if self._finished:
            raise ParameterError("finish called twice")
        self._finished = True
        self._frames(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True),
                     last=True)
        length = self.n_samples / self.sr
        duration = length if duration is None else _validate.nonnegative("duration", duration)
        # the envelope is handed over as its chunks: _audio_result frees it once it is split
        share = percussive_share(self._excerpts.excerpts())
        self._excerpts = None
        return _audio_result(self._env, self._ms.take(), self._kms.take(), duration=duration,
                             percussive=share, window=self.window, hop=self.hop,
                             ref=self.ref, amin=self.amin, silence_dbfs=self.silence_dbfs,
                             step=self._tick_samples / self.sr, heard=heard)


class _Chunks:
    """Per-block arrays of a stream, joined every :data:`_JOIN` blocks: a 3-hour session's
    8,000 blocks would otherwise each carry a numpy array's ~100 bytes of overhead beside its
    few values (the 100 ms level ticks: 13 values of 8 bytes per block). :meth:`take`
    returns the one array (the same values as one concatenation) and empties the store."""

    __slots__ = ("_done", "_tail", "_empty")

    def __init__(self, empty: np.ndarray) -> None:
        self._done: list[np.ndarray] = []
        self._tail: list[np.ndarray] = []
        self._empty = empty

    def append(self, a: np.ndarray) -> None:
        self._tail.append(a)
        if len(self._tail) >= _JOIN:
            self._done.append(np.concatenate(self._tail))
            self._tail = []

    def take(self) -> np.ndarray:
        parts, self._done, self._tail = self._done + self._tail, [], []
        if not parts:
            return self._empty
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


#: Blocks per joined chunk of :class:`_Chunks`.
_JOIN = 256


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


def onset_strength(y: np.ndarray, *, sr: int) -> tuple[np.ndarray, float]:
    """SuperFlux onset strength of a whole signal (for tests and one-off use).

    Returns
    -------
    env : np.ndarray [dB per frame, mean over mel bands]; frame_rate : float [Hz]
    """
    an = AudioAnalyzer(sr=sr)
    an.push(y)
    an._frames(an._resampler.resample_chunk(np.zeros(0, np.float32), last=True), last=True)
    an._finished = True
    return _split_env(an._env.take())[0].astype(np.float32), ANALYSIS_SR / HOP_LENGTH


def pick_onsets(
    env: np.ndarray, *, frame_rate: float, threshold: float = ONSET_THRESHOLD
) -> np.ndarray:
    """Onset times [seconds] from an onset-strength envelope (Böck, Krebs & Schedl 2012).

    A frame is an onset if it is the maximum within ``PRE_MAX``/``POST_MAX``, exceeds the mean
    within ``PRE_AVG``/``POST_AVG`` by ``threshold``, and comes at least ``COMBINE`` after the
    previous onset.
    """

    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    e = np.asarray(env, dtype=np.float64)
    if e.size == 0:
        return np.zeros(0)
    is_max, av = _local_max_and_mean(e, frame_rate)
    cand = np.flatnonzero(is_max & (e >= av + threshold) & (e > 0))
    if cand.size == 0:
        return np.zeros(0)
    wait = int(round(COMBINE * frame_rate))
    keep = [cand[0]]
    for c in cand[1:].tolist():
        if c - keep[-1] > wait:
            keep.append(c)
    return np.asarray(keep, dtype=np.float64) / frame_rate


def _local_max_and_mean(e: np.ndarray, frame_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: is it the maximum within ``PRE_MAX``/``POST_MAX``, and the mean within
    ``PRE_AVG``/``POST_AVG`` (the peak-picking windows, madmom's offline defaults)."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    pre_m, post_m = int(round(PRE_MAX * frame_rate)), int(round(POST_MAX * frame_rate))
    pre_a, post_a = int(round(PRE_AVG * frame_rate)), int(round(POST_AVG * frame_rate))
    mx = maximum_filter1d(e, size=pre_m + post_m + 1, origin=(post_m - pre_m) // 2, mode="constant")
    av = uniform_filter1d(e, size=pre_a + post_a + 1, origin=(post_a - pre_a) // 2, mode="nearest")
    return e >= mx, av


def onset_peaks(env: np.ndarray, *, frame_rate: float, smooth: float = ONSET_SMOOTH,
                heights: str = "dB") -> np.ndarray:
    """The peaks of an onset-strength envelope as an impulse envelope, the audio twin of MIDI's.

    Every frame that is the maximum within ``PRE_MAX``/``POST_MAX`` and above the mean within
    ``PRE_AVG``/``POST_AVG`` (the windows of :func:`pick_onsets`, without its threshold) keeps
    its height above that mean; every other frame is 0; the impulses are then spread by a
    Gaussian of ``smooth`` seconds, as MIDI note onsets are (:func:`analysis.tempo.onset_envelope`).

    Parameters
    ----------
    env : np.ndarray [shape=(n,)]
        Onset strength at ``frame_rate``.
    frame_rate : float [Hz]
    smooth : float [seconds]
        Standard deviation of the Gaussian (0: bare impulses).
    heights : {"dB", "log", "flat"}
        Each impulse's height: its dB above the local mean, ``log1p`` of that (percussive
        audio since 1.13.0, :data:`PERCUSSIVE_HEIGHTS`), or 1 for every peak (``flat``).

    Returns
    -------
    np.ndarray [shape=(n,), float64]

    Notes
    -----
    Used for tempo (since 1.4). The spectral-flux envelope of sustained or dense music (piano)
    rides on a fluctuating floor of partial changes and decays; its autocorrelation peaks stay
    low, so rendered piano performances came out "no clear pulse" in 75 % of their windows
    where their MIDI had a pulse in 63 %. Reduced to its peaks, audio is measured on the same
    scale as MIDI: in the evaluation the pulsed windows of the rendered ASAP performances rose
    from 25 % to 43 % and the median tempo-curve error fell from 11.6 % to 7.6 %
    (docs/benchmarks.md). Without the smoothing, 23 ms frames quantise the impulse times and the
    autocorrelation peaks get too narrow (curve error 32 %).
    """
    from scipy.ndimage import gaussian_filter1d

    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    smooth = _validate.nonnegative("smooth", smooth)
    e = np.asarray(env, dtype=np.float64)
    if e.size == 0:
        return e.copy()
    is_max, av = _local_max_and_mean(e, frame_rate)
    height = e - av
    if heights not in ("dB", "log", "flat"):
        raise ParameterError(f"heights must be 'dB', 'log' or 'flat', got {heights!r}")
    out = np.where(is_max & (height > PEAK_FLOOR_DB), height, 0.0)
    if heights == "log":
        np.log1p(out, out=out)
    elif heights == "flat":
        out = (out > 0).astype(np.float64)
    if smooth > 0:
        out = gaussian_filter1d(out, smooth * frame_rate, mode="constant")
    return out


def _lufs(ms: np.ndarray) -> np.ndarray:
    """BS.1770 loudness [LUFS] of K-weighted mean squares (mono, channel weight 1)."""
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(np.maximum(ms, 1e-20))


def _running_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Means of ``n`` consecutive ticks (block ending at each tick index >= n-1)."""
    if x.size < n:
        return np.zeros(0)
    c = np.concatenate(([0.0], np.cumsum(x)))
    return (c[n:] - c[:-n]) / n


def _integrated(momentary_ms: np.ndarray) -> float | None:
    """BS.1770-4 gated integrated loudness from 400 ms block mean squares (75 % overlap)."""
    lk = _lufs(momentary_ms)
    g = momentary_ms[lk > -70.0]  # absolute gate -70 LUFS
    if g.size == 0:
        return None
    rel = _lufs(np.array([g.mean()]))[0] - 10.0  # relative gate -10 LU
    g2 = momentary_ms[lk > max(rel, -70.0)]
    return float(_lufs(np.array([g2.mean()]))[0]) if g2.size else None


def _loudness_range(short_ms: np.ndarray) -> float | None:
    """EBU Tech 3342 loudness range [LU]: 10th..95th percentile of gated short-term loudness."""
    lk = _lufs(short_ms)
    g = short_ms[lk > -70.0]
    if g.size == 0:
        return None
    rel = _lufs(np.array([g.mean()]))[0] - 20.0
    v = lk[lk > max(rel, -70.0)]
    if v.size == 0:
        return None
    return float(np.percentile(v, 95) - np.percentile(v, 10))


def _audio_result(
    env: np.ndarray | _Chunks,
    ms: np.ndarray,
    kms: np.ndarray,
    *,
    duration: float,
    percussive: float | None,
    window: float,
    hop: float,
    ref: float,
    amin: float,
    silence_dbfs: float,
    step: float,
    heard: HeardNotes | None = None,
) -> PlayerAnalysis:
    frame_rate = ANALYSIS_SR / HOP_LENGTH
    n_env = int(np.ceil(duration * frame_rate))
    # the onset envelope is freed once the onsets are picked, the (n, 3) regions once each
    # onset's flux in them is read (finish hands them over as chunks), the tempo envelope once
    # its peaks are: a 3-hour session's envelopes are 30 MB, which the tempo step's tables would
    # otherwise sit on
    env3 = env.take() if isinstance(env, _Chunks) else np.asarray(env)
    env, tempo_env = (np.pad(e[:n_env], (0, max(0, n_env - e.size))).astype(np.float64)
                      for e in _split_env(env3))
    n_tick = int(np.floor(duration / step + 1e-9))
    ms = np.pad(ms[:n_tick], (0, max(0, n_tick - ms.size)))
    kms = np.pad(kms[:n_tick], (0, max(0, n_tick - kms.size)))
    tick_db = level_dbfs(ms, ref=ref, amin=amin)
    quiet = tick_db < silence_dbfs
    silent = bool(quiet.all())
    onsets = pick_onsets(env, frame_rate=frame_rate) if not silent else np.zeros(0)
    onsets = onsets[onsets < duration]
    del env
    regions = _onset_regions(env3, onsets, frame_rate=frame_rate)
    pitched = percussive is not None and percussive < PITCHED_SHARE
    drums = percussive is not None and not pitched  # the percussive-audio settings apply
    by_region = PERCUSSIVE_REGIONS and drums and env3.ndim == 2
    if by_region:  # measured, off
        peaks = sum(onset_peaks(np.pad(env3[:n_env, k].astype(np.float64),
                                       (0, max(0, n_env - env3.shape[0]))),
                                frame_rate=frame_rate, heights=PERCUSSIVE_HEIGHTS)
                    for k in range(env3.shape[1]))
    del env3
    if not by_region:
        peaks = onset_peaks(tempo_env, frame_rate=frame_rate,
                            heights=PERCUSSIVE_HEIGHTS if drums else "dB")
    del tempo_env

    # sounding stretches: runs of non-quiet ticks -> silences longer than SILENCE_GAP; windows
    # wholly in one are pauses, left out of the pulsed share
    act = np.flatnonzero(~quiet)
    sil = silent_intervals(act * step, (act + 1) * step, duration=duration, gap=SILENCE_GAP)
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    bound = ({"cross_share": PERCUSSIVE_CROSS_SHARE}
             if drums and PERCUSSIVE_CROSS_SHARE is not None else {})
    pulse = analyze_pulse(peaks, frame_rate=frame_rate, duration=duration, window=window,
                          hop=hop, cross_fold=PERCUSSIVE_CROSS_FOLD if drums else (),
                          slower_tie=PERCUSSIVE_SLOWER_TIE or not drums,
                          silences=sil, **bound)
    if pitched and onsets.size >= 3:
        # pitched playing: the level its accents mark (analysis.metre); drums keep the
        # tempo stage's, as on MIDI's percussion channel
        pulse = metre.apply_salience(pulse, peaks, frame_rate=frame_rate, times=onsets,
                                     sal=metre.audio_salience(onsets, regions))
    level_from = "audio"
    if heard is not None and not silent:
        pulse, from_midi = apply_heard(pulse, peaks, frame_rate=frame_rate, onsets=onsets,
                                       heard=heard)
        level_from = "midi" if from_midi else "audio"
    del peaks
    pulse = over_the_playing(pulse, silences=sil, duration=duration, window=window)
    if silent:
        tc = type(pulse.curve)(pulse.curve.times, np.full_like(pulse.curve.bpm, np.nan),
                               np.zeros_like(pulse.curve.clarity), 0.0, 0.0, float("nan"))
        pulse = Pulse(tc, np.zeros(0), "none", 0.0, 0.0)
    tc = pulse.curve
    curves["tempo_bpm"] = (tc.times, tc.bpm)
    curves["pulse_clarity"] = (tc.times, tc.clarity)
    curves["onsets_per_s"] = density_curve(onsets, duration=duration, window=window, hop=hop)
    curves["silence_share"] = silence_share_curve(sil, duration=duration, window=window, hop=hop)
    starts = window_starts(duration, window=window, hop=hop)
    times, ms_mean = window_means(ms, duration=duration, window=window, hop=hop, step=step)
    _, kms_mean = window_means(kms, duration=duration, window=window, hop=hop, step=step)
    curves["level_dbfs"] = (times, level_dbfs(ms_mean, ref=ref, amin=amin))
    curves["loudness_lufs"] = (times, np.maximum(_lufs(kms_mean), -100.0))
    mom = _running_mean(kms, 4)  # 400 ms blocks every 100 ms
    st = _running_mean(kms, int(round(3.0 / step)))  # 3 s blocks every 100 ms
    # stamped at the block centres, like every other curve (a loudness meter shows a block at
    # its end; on a timeline that puts a 3 s short-term reading 1.5 s late; since 1.5.1)
    curves["loudness_lufs_momentary"] = ((np.arange(mom.size) + 2) * step,
                                         np.maximum(_lufs(mom), -100.0))
    curves["loudness_lufs_short_term"] = ((np.arange(st.size) + round(1.5 / step)) * step,
                                         np.maximum(_lufs(st), -100.0))
    changes = dynamic_changes(*curves["level_dbfs"], min_change=CRESCENDO_DB) if not silent else []

    # the level's session values over the windows with playing: a window wholly in one of the
    # player's silences (a pause, as for the pulsed share) is left out, so that digital
    # silence (the floor, -100 dBFS) is no "quietest level" (since 1.17.0)
    sounding = ~pause_windows(times, silences=sil, window=window)
    lvl = curves["level_dbfs"][1][sounding]
    # shorter than one window: the whole clip is its one window
    power = ms_mean[sounding] if times.size else ms
    mean_db = (_num(level_dbfs(np.array([power.mean()]), ref=ref, amin=amin)[0])
               if power.size else None)
    status = "ok"
    if duration == 0 or n_tick == 0:
        status = "empty"
    elif silent:
        status = "silent"
    elif starts.size == 0:
        status = "too short"
    summary: dict[str, float | str | None] = {
        "status": status,
        "duration_s": duration,
        "window_s": window,
        "hop_s": hop,
        "n_onsets": float(onsets.size),
        **tempo_summary(pulse),
        "tempo_level_from": level_from,
        "percussive_share": _num(percussive) if percussive is not None and not silent else None,
        "onsets_per_s": onsets.size / duration if duration > 0 else 0.0,
        "silence_share": silence_share(sil, duration=duration),
        "level_dbfs_mean": mean_db,
        "level_dbfs_max": _num(lvl.max()) if lvl.size else None,
        "level_dbfs_min": _num(lvl.min()) if lvl.size else None,
        "dynamic_range_db": _num(np.percentile(tick_db[~quiet], 95)
                                 - np.percentile(tick_db[~quiet], 10))
        if (~quiet).sum() >= 2 else None,
        "loudness_lufs_integrated": _integrated(mom) if mom.size else None,
        "loudness_lufs_momentary_max": _num(_lufs(mom).max()) if mom.size and not silent else None,
        "loudness_lufs_short_term_max": _num(_lufs(st).max()) if st.size and not silent else None,
        "loudness_range_lu": _loudness_range(st) if st.size else None,
        "crescendo_count": float(sum(ch.kind == "crescendo" for ch in changes)),
        "decrescendo_count": float(sum(ch.kind == "decrescendo" for ch in changes)),
    }
    return PlayerAnalysis("audio", curves, summary, changes, onsets,
                          onset_levels=onset_levels(onsets, tick_db, step=step), beats=pulse.beats)


def _onset_regions(env3: np.ndarray, onsets: np.ndarray, *, frame_rate: float) -> np.ndarray:
    """Each onset's flux in the three regions: each region's strongest frame from one frame
    before the onset to two after it (``(n, 3)``, dB of flux, at least 0)."""
    env3 = np.asarray(env3)
    if onsets.size == 0 or env3.ndim != 2 or env3.shape[0] == 0:
        return np.zeros((onsets.size, 3))
    last = env3.shape[0] - 1
    idx = np.clip(np.round(onsets * frame_rate).astype(np.int64), 0, last)
    near = np.stack([env3[np.clip(idx + k, 0, last)] for k in (-1, 0, 1, 2)])
    return np.clip(near.max(axis=0).astype(np.float64), 0.0, None)


def onset_levels(onsets: np.ndarray, tick_db: np.ndarray, *, step: float = TICK) -> np.ndarray:
    """Level [dBFS] of each onset: the loudest tick within :data:`ONSET_LEVEL_SPAN` after it.

    Parameters
    ----------
    onsets : np.ndarray [shape=(n,), seconds]
    tick_db : np.ndarray [shape=(m,), dBFS]
        RMS level of consecutive ticks of ``step`` seconds from 0.
    step : float [seconds]
        The ticks' spacing (:data:`TICK`).

    Returns
    -------
    np.ndarray [shape=(n,), dBFS] — the audio counterpart of MIDI velocities for the dialogue's
    dynamics curve (:mod:`analysis.dialogue.leadership`).
    """
    onsets = np.asarray(onsets, dtype=np.float64)
    tick_db = np.asarray(tick_db, dtype=np.float64)
    if onsets.size == 0:
        return np.zeros(0)
    if tick_db.size == 0:
        return np.full(onsets.size, np.nan)
    span = max(1, int(round(ONSET_LEVEL_SPAN / step)))
    first = np.clip(np.floor(onsets / step + 1e-9).astype(np.int64), 0, tick_db.size - 1)
    idx = np.minimum(first[:, None] + np.arange(span)[None, :], tick_db.size - 1)
    return tick_db[idx].max(axis=1)


def _blocks(y: Any, blocksize: int) -> Iterator[np.ndarray]:
    if isinstance(y, np.ndarray):
        for i in range(0, max(len(y), 1), blocksize):
            yield y[i : i + blocksize]
    else:
        yield from y


def analyze_audio(
    blocks_or_array: np.ndarray | Iterable[np.ndarray],
    *,
    sr: int,
    duration: float | None = None,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    ref: float = 1.0,
    amin: float = AMIN,
    silence_dbfs: float = SILENCE_DBFS,
    heard: HeardNotes | None = None,
) -> PlayerAnalysis:
    """All audio features of one player channel.

    Parameters
    ----------
    blocks_or_array : np.ndarray [shape=(n,) or (n, ch)] or iterable of such blocks
        Float samples (full scale ±1). An array is processed in 30 s blocks; pass an iterator
        (e.g. ``soundfile.blocks``) for long recordings so memory stays flat.
    sr : int [Hz]
        Sample rate; required, no default.
    duration : float [seconds] or None
        Session length (default: the audio's length).
    window, hop : float [seconds]
    ref, amin : float [full scale] — dBFS reference and floor
    silence_dbfs : float [dBFS] — silence gate
    heard : HeardNotes or None
        The same player's MIDI (its note onsets on this audio's clock and its tempo): where
        the audio hears that playing, its pulse is reported at the MIDI's metrical level
        (:mod:`analysis.heard`; the summary's ``tempo_level_from`` says "midi").

    Returns
    -------
    PlayerAnalysis
        Curves ``tempo_bpm``, ``pulse_clarity``, ``onsets_per_s``, ``silence_share``,
        ``level_dbfs``, ``loudness_lufs`` (per window) and ``loudness_lufs_momentary``,
        ``loudness_lufs_short_term`` (every 100 ms); ``onsets`` holds the detected onsets.
        Silence gives tempo 0.0, no onsets and ``summary["status"] == "silent"``.

    Raises
    ------
    ParameterError
        Bad ``sr``, ``window``, ``hop``, ``duration`` or non-finite samples.
    """
    sr = _validate.sample_rate(sr)
    an = AudioAnalyzer(sr=sr, window=window, hop=hop, ref=ref, amin=amin, silence_dbfs=silence_dbfs)
    for blk in _blocks(blocks_or_array, 30 * sr):
        an.push(blk)
    return an.finish(duration=duration, heard=heard)

"""Audio features of one player channel, computed block by block with flat memory.

:class:`AudioAnalyzer` takes blocks of samples in order (``push``) and keeps only small
per-frame features, so memory does not grow with the length of the recording beyond the
feature arrays themselves (an onset envelope of ~86 floats per second, 10 loudness values
per second). :func:`analyze_audio` wraps it for an array or an iterator of blocks. This module
is the stream and the assembly of the result; the measures are in their own modules.

Per block:

* **Level and loudness** at the native rate: mean square per 100 ms tick, plain (RMS level in
  dBFS; the channels' mean power, each channel's tick mean removed, and the loudest 10 ms of
  the tick) and after the ITU-R BS.1770-4 K-weighting filter (pyloudnorm's filter design; filter
  state carried across blocks; summed over the channels). 100 ms ticks give BS.1770
  momentary loudness (400 ms blocks, 75 % overlap, also the integrated-loudness gating blocks)
  and EBU R128 short-term loudness (3 s) exactly, and EBU Tech 3342 loudness range
  (:mod:`analysis.loudness`).
* **Onset strength**: the signal is resampled to 22.05 kHz with a streaming soxr resampler and
  cut into 1024-sample Hann frames every 512 samples (23 ms); frames continue across block
  boundaries (a carry buffer), so the envelope is identical to a one-shot computation. Each
  frame's DC (its two lowest spectrum bins, under the mel filterbank's 30 Hz) is removed
  before the spectrum is used (since 1.20.0). The
  strength is the SuperFlux (Böck & Widmer 2013) of a log-magnitude mel spectrogram, kept as
  three frequency-region means (:mod:`analysis.onset_spectrum`).

At the end, onsets are picked from the envelope (Böck, Krebs & Schedl 2012 peak picking,
:mod:`analysis.onsets`) and tempo is estimated with
:func:`analysis.tempo.tempo_from_envelope` from the peaks of the three-region envelope
(:func:`analysis.onsets.onset_peaks`: an impulse envelope like MIDI's, since 1.4; its heights
log-compressed for percussive audio since 1.13). The spectrogram excerpts kept while
streaming give the percussive share (:mod:`analysis.percussive`); for pitched audio, the
metrical level is then chosen from the onsets' accents (:func:`analysis.metre.audio_salience`;
both in :mod:`analysis.audio_pulse`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from . import _validate
from .audio_pulse import _audio_pulse
from .beats import pause_windows
from .density import density_curve, silence_share, silence_share_curve, silent_intervals
from .dynamics import AMIN, CRESCENDO_DB, dynamic_changes, level_dbfs
from .errors import ParameterError
from .heard import HeardNotes
from .loudness import TICK, _k_weighting_sos, _loudness_curves, _loudness_summary
from .onset_spectrum import ANALYSIS_SR, HOP_LENGTH, N_FFT, _mel_sparse, _region_flux, _split_env
from .onsets import onset_ends, onset_levels
from .percussive import ExcerptSampler, percussive_share, sounding_frames
from .periodicity import FFT_WORKERS
from .recorded import intersect as _intersect
from .recorded import subtract as _subtract
from .summary import PlayerAnalysis, tempo_summary
from .windows import DEFAULT_HOP, DEFAULT_WINDOW, SILENCE_GAP, window_means, window_starts
from .windows import json_number as _num

__all__ = ["AudioAnalyzer", "analyze_audio", "noise_gate", "onset_strength", "SILENCE_DBFS"]

#: A tick quieter than this [dBFS RMS] counts as silent (a quiet room through a typical mic
#: preamp sits near -60 dBFS; soft playing is above -45 dBFS).
SILENCE_DBFS = -50.0
#: The silence gate follows a room's noise floor (since 1.20.0; :func:`noise_gate`): the floor
#: is this percentile [%] of the recorded ticks' 300 ms-smoothed power (minimum statistics,
#: Martin 2001, in its simplest form) ...
NOISE_FLOOR_PERCENTILE = 5.0
#: ... it is one where at least this share of the recorded ticks lie within
#: :data:`NOISE_HELD_DB` [dB] of it (the recording sits at it for a while: it has pauses) ...
NOISE_HELD_SHARE = 0.10
NOISE_HELD_DB = 3.0
#: ... and the playing rises at least this far [dB] over it (95th percentile): a recording that
#: is one soft sound throughout (a drone, a soft legato line) has no floor to find ...
NOISE_SPREAD_DB = 8.0
#: ... and then the gate is the loudest 10 ms the floor itself reaches (99th percentile of the
#: held ticks' peaks) plus this [dB], never under ``silence_dbfs`` nor over
#: :data:`NOISE_GATE_MAX_DBFS` [dBFS].
NOISE_GATE_MARGIN_DB = 3.0
NOISE_GATE_MAX_DBFS = -30.0
#: Where the raised gate makes a tick quiet that ``silence_dbfs`` does not, each onset keeps
#: this stretch [seconds, before and after it] sounding: stationary noise gives 0-1 onsets a
#: minute (review 32, F4), so an onset is evidence of playing.
NOISE_ONSET_GUARD = (0.05, 0.25)
#: Sub-ticks per level tick: the loudest 10 ms of each 100 ms tick is kept beside its mean
#: (since 1.19.0).
LEVEL_SUBTICKS = 10
#: Several channels are averaged into the onset-detection signal unless the average keeps
#: less than this share of the channels' mean power (an anti-phase pair; see
#: :meth:`AudioAnalyzer._downmix`). For two channels of equal power the average keeps
#: ``(1 + r) / 2`` of it (``r`` their correlation): 0.1 is ``r < -0.8``.
ANTIPHASE_SHARE = 0.1
#: The onset frames' lowest spectrum bins, set to 0 (since 1.20.0): a frame's DC (its mean,
#: after the periodic Hann window) lies in exactly these two, 0 and 21.5 Hz, and the mel
#: filterbank starts at 30 Hz (bin 2), so the onsets are unchanged and the percussive share
#: no longer counts an offset as steady ("harmonic") energy: 1 % of full scale took a hand
#: drum's share from 0.59 to 0.23 (review 32, F3).
DC_BINS = 2


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
        Raised over a noise floor the recording sits at (:func:`noise_gate`, since 1.20.0;
        the summary's ``silence_gate_dbfs``).

    Notes
    -----
    Blocks may have any length: ``(n,)`` mono, or ``(n, ch)``, one player's channels (a stereo
    pair is one source). The plain level is the channels' mean power (each channel's tick mean,
    DC, removed), the loudness the sum of their K-weighted power (BS.1770-4, weight 1 each); the
    onsets are detected in the channels' sample average (:meth:`_downmix`). Not thread-safe;
    push from one thread.

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
        self._kern = _kernels
        self._nch = 0  # channels, from the first block on
        self._zi: list[np.ndarray] = []  # K-weighting filter state per channel
        self._ktick_acc: list[tuple[float, int]] = []  # per channel: partial tick's sum, count
        # plain level: per channel and sub-tick, the partial tick's sums and sums of squares
        self._sub = max(1, self._tick_samples // LEVEL_SUBTICKS)
        self._nsub = min(LEVEL_SUBTICKS, self._tick_samples)
        self._lacc: tuple[np.ndarray, np.ndarray, int] | None = None
        self._gram: np.ndarray | None = None  # channels' running sums of products (downmix)
        self._ms = _Chunks(np.zeros(0))
        self._pk = _Chunks(np.zeros(0))
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
        if x.ndim == 1:
            x = x[:, None]
        elif x.ndim != 2:
            raise ParameterError(f"block must have shape (n,) or (n, channels), got {x.shape}")
        if x.shape[0] == 0:
            return
        if self._nch == 0:
            self._start(x.shape[1])
        elif x.shape[1] != self._nch:
            raise ParameterError(f"every block must have the same channels: the first had "
                                 f"{self._nch}, this one {x.shape[1]}")
        if not np.all(np.isfinite(x)):
            raise ParameterError("block must contain only finite samples, got NaN or inf")
        mono = self._downmix(x)
        chans = np.ascontiguousarray(x, dtype=np.float32)
        self.n_samples += mono.size
        self._levels(chans)
        self._kweighted(chans)
        self._frames(self._resampler.resample_chunk(mono), last=False)

    def _start(self, nch: int) -> None:
        """Per-channel state, from the first block's channel count."""
        if nch < 1:
            raise ParameterError("block must have at least one channel, got 0")
        self._nch = nch
        self._zi = [np.zeros((self._sos.shape[0], 2), dtype=np.float64) for _ in range(nch)]
        self._ktick_acc = [(0.0, 0)] * nch
        self._lacc = (np.zeros((nch, self._nsub)), np.zeros((nch, self._nsub)), 0)
        self._gram = np.zeros((nch, nch))

    def _downmix(self, x: np.ndarray) -> np.ndarray:
        """The one signal the onsets and the tempo are detected in (float32).

        Mono as it is; several channels (one player's pair of microphones) averaged sample by
        sample, as before 1.19.0, except where that average loses most of the channels' power
        (a microphone wired with its polarity swapped: ``+x`` and ``-x`` average to nothing).
        There, from the running sums of the channels' products since the start (the current
        block included), each channel is taken with the sign of its correlation with the
        loudest channel before averaging (:data:`ANTIPHASE_SHARE`), so a swapped pair gives
        the signal the pair wired right gives.
        """
        if x.shape[1] == 1:
            return np.ascontiguousarray(x[:, 0], dtype=np.float32)
        x64 = x.astype(np.float64, copy=False)
        self._gram += x64.T @ x64
        g, ch = self._gram, x.shape[1]
        power = np.trace(g) / ch  # the channels' mean power (sums over the samples)
        if power > 0.0 and g.sum() / ch**2 < ANTIPHASE_SHARE * power:
            ref = int(np.argmax(np.diag(g)))
            sign = np.where(g[ref] < 0.0, -1.0, 1.0)
            return np.ascontiguousarray((x64 @ sign) / ch, dtype=np.float32)
        return np.ascontiguousarray(x.mean(axis=1), dtype=np.float32)

    def _levels(self, x: np.ndarray) -> None:
        """Plain level ticks at the native rate, from ``(n, ch)`` float32 samples: per tick,
        the channels' mean power with each channel's tick mean (DC) removed, and the loudest
        of its :data:`LEVEL_SUBTICKS` sub-ticks (10 ms) the same way (since 1.19.0; before, the
        mean square of the channels' sample average, DC included)."""
        s1, s2, nacc = self._lacc
        ms, pk, nacc = self._kern.level_ticks(x, self._tick_samples, self._sub, s1, s2, nacc)
        self._lacc = (s1, s2, nacc)
        if ms.size:
            self._ms.append(ms)
            self._pk.append(pk)

    def _kweighted(self, x: np.ndarray) -> None:
        """K-weighted mean square per tick at the native rate (filter state carried), summed
        over the channels (BS.1770-4, every channel's weight 1; since 1.19.0, before which the
        channels' sample average was weighted: a stereo tone read 3 LU low, uncorrelated
        stereo noise 6 LU low).

        The K-weighting biquads (float64, transposed direct form II as ``scipy.signal.sosfilt``)
        and the per-tick sum of squares run in one compiled pass; the filtered signal is never
        stored. Before 1.6 this ran on the 22.05 kHz analysis signal, so nothing above about
        10 kHz was counted: white noise read 3.9 LU low, a 12 kHz tone 47 LU low.
        """
        if x.size == 0:
            return
        total = None
        for c in range(x.shape[1]):
            xc = x[:, c] if x.shape[1] == 1 else np.ascontiguousarray(x[:, c])
            sums, *acc = self._kern.biquad2_tick_sums(self._sos, xc, self._zi[c],
                                                      self._tick_samples, *self._ktick_acc[c])
            self._ktick_acc[c] = tuple(acc)
            total = sums if total is None else total + sums
        if total is not None and total.size:
            self._kms.append(total / self._tick_samples)

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
        spec[:, :DC_BINS] = 0.0  # each frame's DC (since 1.20.0; no mel band reads them)
        if self._mel is None:
            self._mel = _mel_sparse()
        power = self._kern.mel_power(spec, *self._mel)
        self._excerpts.push(spec, sounding=sounding_frames(buf, n_frames=n_frames, n_fft=N_FFT,
                                                           hop=HOP_LENGTH))
        del spec
        # SuperFlux per frequency region (n_frames, 3), from the previous block's last frame on
        regions, self._prev = _region_flux(power, self._prev)
        self._env.append(regions)
        self._fbuf = buf[n_frames * HOP_LENGTH :].copy()

    # ------------------------------------------------------------------ result
    def finish(self, *, duration: float | None = None, heard: HeardNotes | None = None,
               recorded: tuple[float, float] | None = None,
               gaps: Iterable[tuple[float, float]] = ()) -> PlayerAnalysis:
        """Flush the stream and compute curves and summary.

        Parameters
        ----------
        duration : float [seconds] or None
            Session length (default: the pushed audio's length). Curves cover whole windows.
        heard : HeardNotes or None
            The same player's MIDI, which this audio may hear: where it does, the pulse is
            reported at the MIDI's metrical level (:mod:`analysis.heard`).
        recorded : (float, float) [seconds] or None
            When the input is recorded, on the pushed audio's clock (e.g. a file that starts
            ``t0`` seconds into the session, padded with silence before it). None: all of it.
        gaps : iterable of (float, float) [seconds]
            Stretches inside ``recorded`` that the input did not record (a dropout the
            recorder filled with silence). The rates and shares of time (``onsets_per_s``,
            ``silence_share``) are over the recorded time, and a window less than half of which
            is recorded has no value in the curves (since 1.19.0; :func:`_recorded`).
        """
        if self._finished:
            raise ParameterError("finish called twice")
        self._finished = True
        self._frames(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True),
                     last=True)
        length = self.n_samples / self.sr
        duration = length if duration is None else _validate.nonnegative("duration", duration)
        # the envelope is handed over as its chunks: _audio_pulse frees it once it is split
        share = percussive_share(self._excerpts.excerpts())
        self._excerpts = None
        return _audio_result(self._env, self._ms.take(), self._kms.take(), duration=duration,
                             peak=self._pk.take(),
                             percussive=share, window=self.window, hop=self.hop,
                             ref=self.ref, amin=self.amin, silence_dbfs=self.silence_dbfs,
                             step=self._tick_samples / self.sr, heard=heard,
                             recorded=recorded, gaps=tuple(gaps))


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


def _audio_result(
    env: Any,
    ms: np.ndarray,
    kms: np.ndarray,
    *,
    duration: float,
    peak: np.ndarray | None = None,
    percussive: float | None,
    window: float,
    hop: float,
    ref: float,
    amin: float,
    silence_dbfs: float,
    step: float,
    heard: HeardNotes | None = None,
    recorded: tuple[float, float] | None = None,
    gaps: tuple[tuple[float, float], ...] = (),
) -> PlayerAnalysis:
    """Curves and summary of a finished stream (``env``, the region flux, is handed to
    :func:`analysis.audio_pulse._audio_pulse`, which frees it)."""
    n_tick = int(np.floor(duration / step + 1e-9))
    n_heard = min(ms.size, n_tick)  # ticks of pushed audio (the rest is padding)
    ms = np.pad(ms[:n_tick], (0, max(0, n_tick - ms.size)))
    kms = np.pad(kms[:n_tick], (0, max(0, n_tick - kms.size)))
    peak = ms if peak is None else np.pad(peak[:n_tick], (0, max(0, n_tick - peak.size)))
    tick_db = level_dbfs(ms, ref=ref, amin=amin)
    # the gate (since 1.19.0): a tick is quiet when its loudest 10 ms is under the gate, and an
    # onset counts unless it lies in a silence (audio_pulse.in_silence)
    peak_db = level_dbfs(peak, ref=ref, amin=amin)
    quiet = peak_db < silence_dbfs
    silent = bool(quiet.all())
    # sounding stretches: runs of non-quiet ticks -> silences longer than SILENCE_GAP; windows
    # wholly in one are pauses, left out of the pulsed share
    act = np.flatnonzero(~quiet)
    sil = silent_intervals(act * step, (act + 1) * step, duration=duration, gap=SILENCE_GAP)
    rec = _recorded(recorded, gaps, duration=duration, step=step)
    # the room's noise floor (since 1.20.0): over the recorded ticks of pushed audio
    heard_ticks = np.arange(n_tick) < n_heard
    if rec is not None:
        heard_ticks &= rec[2]
    floor_db, gate_db = noise_gate(ms[heard_ticks], peak_db[heard_ticks], ref=ref, amin=amin,
                                   silence_dbfs=silence_dbfs)
    refine = None
    if gate_db > silence_dbfs and not silent:
        def refine(onsets: np.ndarray) -> np.ndarray:
            # the ticks the raised gate adds are quiet unless an onset sounds in them
            nonlocal quiet, act, sil, gate_db
            new = quiet | ((peak_db < gate_db) & ~_near_onsets(onsets, n_tick, step=step))
            if new.all():  # the raised gate never makes a whole recording silent
                gate_db = silence_dbfs
                return sil
            quiet = new
            act = np.flatnonzero(~quiet)
            sil = silent_intervals(act * step, (act + 1) * step, duration=duration,
                                   gap=SILENCE_GAP)
            return sil

    onsets, pulse, level_from = _audio_pulse(env, duration=duration, percussive=percussive,
                                             silent=silent, silences=sil, window=window,
                                             hop=hop, heard=heard,
                                             gate=True, refine=refine)
    del env
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    tc = pulse.curve
    curves["tempo_bpm"] = (tc.times, tc.bpm)
    curves["pulse_clarity"] = (tc.times, tc.clarity)
    curves["onsets_per_s"] = density_curve(onsets, duration=duration, window=window, hop=hop)
    curves["silence_share"] = silence_share_curve(sil, duration=duration, window=window, hop=hop)
    starts = window_starts(duration, window=window, hop=hop)
    times, ms_mean = window_means(ms, duration=duration, window=window, hop=hop, step=step)
    curves["level_dbfs"] = (times, level_dbfs(ms_mean, ref=ref, amin=amin))
    loud, mom, st = _loudness_curves(kms, times, duration=duration, window=window, hop=hop,
                                     step=step)
    curves.update(loud)
    sounding = ~pause_windows(times, silences=sil, window=window)
    if rec is not None:  # only part of the session is recorded (since 1.19.0)
        # the silences within the recorded time: runs of quiet ticks over SILENCE_GAP there
        # (the time outside it is no silence, nor does it lengthen one; for the pulse above
        # it is, so that its windows are pauses)
        out_iv = _subtract(np.array([[0.0, duration]]), rec[0])
        sil_rec = rec[0] if act.size == 0 else _intersect(
            silent_intervals(np.concatenate([act * step, out_iv[:, 0]]),
                             np.concatenate([(act + 1) * step, out_iv[:, 1]]),
                             duration=duration, gap=SILENCE_GAP), rec[0])
        ms_mean = _over_the_recording(curves, rec, ms=ms, kms=kms, silences=sil_rec,
                                      duration=duration, window=window, hop=hop, step=step,
                                      ref=ref, amin=amin)
        sounding &= np.isfinite(curves["level_dbfs"][1])
    lv_t, lv = curves["level_dbfs"]
    ok = np.isfinite(lv)
    changes = (dynamic_changes(lv_t[ok], lv[ok], min_change=CRESCENDO_DB)
               if not silent else [])

    # the level's session values over the windows with playing: a window wholly in one of the
    # player's silences (a pause, as for the pulsed share) is left out, so that digital
    # silence (the floor, -100 dBFS) is no "quietest level" (since 1.17.0)
    lvl = curves["level_dbfs"][1][sounding]
    # ... and the quietest is each window's level over its ticks outside the silences, of the
    # windows at least half of which is playing (since 1.21.0): a window partly a pause read
    # the pause, the room's floor (review 32, F2), and one with a tick or two of playing reads
    # a note's last decay or the tick before an onset; a window that no silence touches reads
    # exactly its curve value
    playing = ~_in_intervals(sil, n_tick, step=step)
    if rec is not None:
        playing &= rec[2]
    lvl_min = _quietest_playing(ms, playing, sounding, duration=duration, window=window,
                                hop=hop, step=step, ref=ref, amin=amin)
    # shorter than one window: the whole clip (its recorded ticks) is its one window
    power = ms_mean[sounding] if times.size else (ms if rec is None else ms[rec[2]])
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
        "onsets_per_s": (onsets.size / duration if duration > 0 else 0.0) if rec is None
        else (onsets.size / rec[1] if rec[1] > 0 else 0.0),
        "silence_share": silence_share(sil, duration=duration) if rec is None
        else (_length(sil_rec) / rec[1] if rec[1] > 0 else 1.0),
        "level_dbfs_mean": mean_db,
        "level_dbfs_max": _num(lvl.max()) if lvl.size else None,
        "level_dbfs_min": _num(lvl_min.min()) if lvl_min.size else None,
        "dynamic_range_db": _num(np.percentile(tick_db[~quiet], 95)
                                 - np.percentile(tick_db[~quiet], 10))
        if (~quiet).sum() >= 2 else None,
        "noise_floor_dbfs": _num(floor_db) if floor_db is not None and not silent else None,
        # the loudest 10 ms of what the input recorded (since 1.23.0): under SOUNDING_DBFS no
        # sound reached the recording at all (a dead or muted input), not a silent player
        "peak_dbfs": _num(peak_db[heard_ticks].max()) if heard_ticks.any() else None,
        "silence_gate_dbfs": float(gate_db),
        **_loudness_summary(mom, st, silent=silent, sounding=~quiet, step=step),
        "crescendo_count": float(sum(ch.kind == "crescendo" for ch in changes)),
        "decrescendo_count": float(sum(ch.kind == "decrescendo" for ch in changes)),
    }
    return PlayerAnalysis("audio", curves, summary, changes, onsets,
                          onset_levels=onset_levels(onsets, tick_db, step=step),
                          onset_ends=onset_ends(onsets, tick_db, quiet, step=step),
                          beats=pulse.beats)


def noise_gate(ms: np.ndarray, peak_db: np.ndarray, *, ref: float, amin: float,
               silence_dbfs: float) -> tuple[float | None, float]:
    """The room's noise floor and the silence gate over it (since 1.20.0; review 32, F1/F7).

    Parameters
    ----------
    ms : np.ndarray [full scale², shape=(n,)]
        Mean power of the recorded 100 ms ticks (each channel's tick mean removed).
    peak_db : np.ndarray [dBFS, shape=(n,)]
        The same ticks' loudest 10 ms.
    ref, amin : float [full scale]
    silence_dbfs : float [dBFS]
        The fixed gate, and the lowest the gate can be.

    Returns
    -------
    floor_dbfs : float [dBFS] or None
        The :data:`NOISE_FLOOR_PERCENTILE` th percentile of the ticks' power smoothed over
        300 ms (3 ticks): minimum statistics (Martin 2001) over the whole recording. None with
        fewer than 20 ticks (2 s).
    gate_dbfs : float [dBFS]
        ``silence_dbfs``, raised where the floor is held (:data:`NOISE_HELD_SHARE` of the ticks
        within :data:`NOISE_HELD_DB` of it) and the playing rises :data:`NOISE_SPREAD_DB` over
        it (95th percentile) to the held ticks' 99th-percentile peak plus
        :data:`NOISE_GATE_MARGIN_DB`, at most :data:`NOISE_GATE_MAX_DBFS`.

    References
    ----------
    Martin, R. (2001). Noise power spectral density estimation based on optimal smoothing and
    minimum statistics. IEEE Transactions on Speech and Audio Processing, 9(5), 504-512.
    """
    ms = np.asarray(ms, np.float64)
    if ms.size < 20:
        return None, float(silence_dbfs)
    sm = level_dbfs(np.convolve(ms, np.ones(3) / 3.0, mode="same"), ref=ref, amin=amin)
    floor = float(np.percentile(sm, NOISE_FLOOR_PERCENTILE))
    held = sm < floor + NOISE_HELD_DB
    gate = float(silence_dbfs)
    if (held.mean() >= NOISE_HELD_SHARE
            and np.percentile(sm, 95) - floor >= NOISE_SPREAD_DB
            and silence_dbfs < NOISE_GATE_MAX_DBFS):
        top = float(np.percentile(np.asarray(peak_db)[held], 99)) + NOISE_GATE_MARGIN_DB
        gate = min(max(gate, top), NOISE_GATE_MAX_DBFS)
    return floor, gate


def _in_intervals(iv: np.ndarray, n_tick: int, *, step: float) -> np.ndarray:
    """Which of ``n_tick`` ticks (``step`` seconds each from 0) have their centre in one of the
    intervals ``iv`` ``(k, 2)`` [seconds]."""
    iv = np.asarray(iv, np.float64).reshape(-1, 2)
    centre = (np.arange(n_tick) + 0.5) * step
    lo = np.searchsorted(centre, iv[:, 0], side="left")
    hi = np.searchsorted(centre, iv[:, 1], side="left")
    mark = np.zeros(n_tick + 1, np.int64)
    np.add.at(mark, lo, 1)
    np.add.at(mark, hi, -1)
    return np.cumsum(mark)[:n_tick] > 0


#: The quietest level of the playing (``level_dbfs_min``, since 1.21.0) is of the windows at
#: least this share of which is playing (outside the player's silences), as a window needs
#: :data:`RECORDED_SHARE` of it recorded to have a value; where no window has as much, of those
#: with any playing.
PLAYING_SHARE = 0.5


def _quietest_playing(ms: np.ndarray, playing: np.ndarray, sounding: np.ndarray, *,
                      duration: float, window: float, hop: float, step: float, ref: float,
                      amin: float) -> np.ndarray:
    """The levels [dBFS] ``level_dbfs_min`` is the least of (since 1.21.0): each ``sounding``
    analysis window's mean power of ``ms`` over its ``playing`` ticks, of the windows at least
    :data:`PLAYING_SHARE` of which is playing (else of those with any playing tick)."""
    w = playing.astype(np.float64)
    _, n = window_means(w, duration=duration, window=window, hop=hop, step=step)
    _, p = window_means(ms * w, duration=duration, window=window, hop=hop, step=step)
    lv = level_dbfs(p / np.maximum(n, 1e-12), ref=ref, amin=amin)
    ok = sounding & (n > 0) & np.isfinite(lv)
    most = ok & (n >= PLAYING_SHARE)
    return lv[most] if most.any() else lv[ok]


def _near_onsets(onsets: np.ndarray, n_tick: int, *, step: float) -> np.ndarray:
    """Which of ``n_tick`` ticks (``step`` seconds each from 0) overlap an onset's
    :data:`NOISE_ONSET_GUARD` stretch."""
    before, after = NOISE_ONSET_GUARD
    on = np.asarray(onsets, np.float64)
    lo = np.clip(np.floor((on - before) / step).astype(np.int64), 0, n_tick)
    hi = np.clip(np.floor((on + after) / step).astype(np.int64) + 1, 0, n_tick)
    mark = np.zeros(n_tick + 1, np.int64)
    np.add.at(mark, lo, 1)
    np.add.at(mark, hi, -1)
    return np.cumsum(mark)[:n_tick] > 0


#: A window with less than this share of it recorded has no value in the curves (since 1.19.0).
RECORDED_SHARE = 0.5


def _recorded(recorded: tuple[float, float] | None, gaps: tuple[tuple[float, float], ...], *,
              duration: float, step: float) -> tuple[np.ndarray, float, np.ndarray] | None:
    """The recorded time of a session ``duration`` seconds long: None when that is all of it
    (to within one tick at either end and with no gap: the analysis is then exactly the one
    without ``recorded``), else its intervals ``(k, 2)`` [seconds], their total length
    [seconds] and which ticks (``step`` seconds each from 0) have their centre in them."""
    a, b = (0.0, duration) if recorded is None else (float(recorded[0]), float(recorded[1]))
    a = 0.0 if a < step else min(a, duration)
    b = duration if b > duration - step else max(b, a)
    iv = np.array([[a, b]]) if b > a else np.zeros((0, 2))
    cut = np.array([g for g in gaps if g[1] > g[0]], dtype=np.float64).reshape(-1, 2)
    if cut.size:
        iv = _subtract(iv, cut)
    if iv.shape == (1, 2) and iv[0, 0] == 0.0 and iv[0, 1] == duration:
        return None
    n_tick = int(np.floor(duration / step + 1e-9))
    centre = (np.arange(n_tick) + 0.5) * step
    ticks = np.zeros(n_tick, bool)
    for s0, s1 in iv:
        ticks |= (centre >= s0) & (centre < s1)
    return iv, _length(iv), ticks


def _length(iv: np.ndarray) -> float:
    return float(np.sum(iv[:, 1] - iv[:, 0])) if iv.size else 0.0


def _over_the_recording(curves: dict, rec: tuple[np.ndarray, float, np.ndarray], *,
                        ms: np.ndarray, kms: np.ndarray, silences: np.ndarray,
                        duration: float, window: float, hop: float, step: float, ref: float,
                        amin: float) -> np.ndarray:
    """Make the window curves of a partly recorded input (in place) over its recorded time:
    the onset rate per recorded second, the silence's share of the recorded time, the level
    and loudness over the recorded ticks; no value (NaN) in a window less than
    :data:`RECORDED_SHARE` of which is recorded, nor in a 400 ms or 3 s loudness block with no
    recorded tick. Returns the windows' recorded mean square (for the summary's level)."""
    iv, _, ticks = rec
    times, share = silence_share_curve(iv, duration=duration, window=window, hop=hop)
    part = share < 1.0
    out = share < RECORDED_SHARE
    keep = np.where(part, share, 1.0)
    t_on, rate = curves["onsets_per_s"]
    curves["onsets_per_s"] = (t_on, np.where(part, rate / np.maximum(keep, 1e-12), rate))
    t_sil = curves["silence_share"][0]
    _, sil_rec = silence_share_curve(_intersect(silences, iv), duration=duration, window=window,
                                     hop=hop)
    # every window from the silences within the recorded time (a silence running into the
    # unrecorded time is shorter there, or none)
    curves["silence_share"] = (t_sil, np.clip(sil_rec / np.maximum(keep, 1e-12), 0.0, 1.0))
    w = ticks.astype(np.float64)
    _, n_rec = window_means(w, duration=duration, window=window, hop=hop, step=step)
    n_rec = np.maximum(n_rec, 1e-12)
    _, ms_all = window_means(ms, duration=duration, window=window, hop=hop, step=step)
    _, ms_rec = window_means(ms * w, duration=duration, window=window, hop=hop, step=step)
    ms_mean = np.where(part, ms_rec / n_rec, ms_all)
    curves["level_dbfs"] = (times, level_dbfs(ms_mean, ref=ref, amin=amin))
    _, kms_rec = window_means(kms * w, duration=duration, window=window, hop=hop, step=step)
    t_l, loud = curves["loudness_lufs"]
    curves["loudness_lufs"] = (t_l, np.where(
        part, np.maximum(-0.691 + 10.0 * np.log10(np.maximum(kms_rec / n_rec, 1e-20)), -100.0),
        loud))
    for name in ("tempo_bpm", "pulse_clarity", "onsets_per_s", "silence_share", "level_dbfs",
                 "loudness_lufs"):
        t, v = curves[name]
        if v.size == out.size:
            curves[name] = (t, np.where(out, np.nan, v))
    cum = np.concatenate(([0], np.cumsum(ticks)))
    for name, n in (("loudness_lufs_momentary", 4),
                    ("loudness_lufs_short_term", int(round(3.0 / step)))):
        t, v = curves[name]
        if v.size:
            any_rec = (cum[n:] - cum[:-n])[: v.size] > 0
            curves[name] = (t, np.where(any_rec, v, np.nan))
    return np.where(out, np.nan, ms_mean)


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
    recorded: tuple[float, float] | None = None,
    gaps: Iterable[tuple[float, float]] = (),
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
    silence_dbfs : float [dBFS] — silence gate (raised over a noise floor: :func:`noise_gate`)
    heard : HeardNotes or None
        The same player's MIDI (its note onsets on this audio's clock and its tempo): where
        the audio hears that playing, its pulse is reported at the MIDI's metrical level
        (:mod:`analysis.heard`; the summary's ``tempo_level_from`` says "midi").
    recorded : (float, float) [seconds] or None; gaps : iterable of (float, float) [seconds]
        When the input is recorded and the stretches inside that it did not record
        (:meth:`AudioAnalyzer.finish`): rates and shares of time are over the recorded time.

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
    return an.finish(duration=duration, heard=heard, recorded=recorded, gaps=gaps)

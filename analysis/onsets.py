"""Onsets from an onset-strength envelope, and what each onset carries.

Peak picking (Böck, Krebs & Schedl 2012; madmom's offline windows, :func:`pick_onsets`), the
envelope's peaks as an impulse envelope for tempo, the audio twin of MIDI's
(:func:`onset_peaks`), each onset's level (:func:`onset_levels`, the audio counterpart of MIDI
velocities) and each onset's flux in the three frequency regions (:func:`_onset_regions`, the
accents :func:`analysis.metre.audio_salience` reads).
"""

from __future__ import annotations

import numpy as np

from . import _validate
from .errors import ParameterError
from .loudness import TICK
from .tempo import ONSET_SMOOTH

__all__ = ["pick_onsets", "onset_peaks", "onset_levels", "onset_ends", "ONSET_THRESHOLD",
           "ONSET_LEVEL_SPAN", "PEAK_FLOOR_DB", "SOUND_DECAY_DB"]

#: Onset peak-picking threshold above the local mean of the envelope [dB, mean over mel bands].
ONSET_THRESHOLD = 1.5
#: Peak picking windows [seconds] (madmom's offline defaults): a peak must be the maximum over
#: -30..+30 ms, exceed the mean over -100..+70 ms by ONSET_THRESHOLD, and be 30 ms after the last.
PRE_MAX, POST_MAX, PRE_AVG, POST_AVG, COMBINE = 0.03, 0.03, 0.10, 0.07, 0.03
#: Smallest peak of the onset strength [dB of mean flux above its local mean] that
#: :func:`onset_peaks` keeps for tempo. A steady tone's spectrum ripples as the analysis
#: frames slide over its period (Hann leakage): peaks of 0.07-0.18 dB, so regular that a
#: full-scale 440 Hz sine or square read as a "clear" pulse at 86-92 BPM before 1.5.2.
PEAK_FLOOR_DB = 0.3
#: Span [seconds] after an onset whose loudest 100 ms tick (RMS level, dBFS) is the onset's
#: level: the attack of a struck or plucked note, before its decay (or the next note) sets in.
ONSET_LEVEL_SPAN = 0.2
#: How far under its onset's level [dB] a sound may fall and still be the onset's sound
#: (:func:`onset_ends`, since analysis 1.24.0): a held tone, a sung line or a bowed note
#: sounds on; a struck note's decay 20 dB down, or another instrument heard that much more
#: quietly through the same microphone, is no longer this player's sound.
SOUND_DECAY_DB = 20.0


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
        audio since 1.13.0, :data:`analysis.audio_pulse.PERCUSSIVE_HEIGHTS`), or 1 for every
        peak (``flat``).

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


def onset_ends(onsets: np.ndarray, tick_db: np.ndarray, quiet: np.ndarray, *,
               step: float = TICK, decay_db: float = SOUND_DECAY_DB) -> np.ndarray:
    """When the sound each onset starts ends [seconds]: the audio counterpart of a MIDI note's
    offset, for the dialogue's activity (since analysis 1.24.0; before, every audio onset was
    taken to sound for 0.25 s, and a held tone sounding half the time read as 13 % playing
    beside "0 % silence" in the same session's measures).

    The sound is the run of ticks from the onset's first sounding tick (within
    :data:`ONSET_LEVEL_SPAN` after it) until a tick is quiet (under the silence gate, as the
    player's silences are measured) or more than ``decay_db`` under the onset's level (the
    loudest tick in that span, :func:`onset_levels`). A sound that goes on past the next onset
    ends there: the next onset's sound takes over. An onset with no sounding tick in its span
    ends where it starts.

    Parameters
    ----------
    onsets : np.ndarray [shape=(n,), seconds], sorted
    tick_db : np.ndarray [shape=(m,), dBFS]
        RMS level of consecutive ticks of ``step`` seconds from 0.
    quiet : np.ndarray [shape=(m,), bool]
        The ticks under the silence gate.
    step : float [seconds]
        The ticks' spacing (:data:`TICK`).
    decay_db : float [dB]
        See :data:`SOUND_DECAY_DB`.

    Returns
    -------
    np.ndarray [shape=(n,), seconds] — each at or after its onset, at most ``m * step``.

    Examples
    --------
    >>> db = np.array([-20.0] * 20 + [-90.0] * 10)      # 2 s of a held tone, then silence
    >>> onset_ends(np.array([0.0, 2.5]), db, db < -50.0, step=0.1).tolist()
    [2.0, 2.5]
    """
    onsets = np.asarray(onsets, dtype=np.float64)
    tick_db = np.asarray(tick_db, dtype=np.float64)
    quiet = np.asarray(quiet, dtype=bool)
    m = min(tick_db.size, quiet.size)
    if onsets.size == 0:
        return np.zeros(0)
    if m == 0:
        return onsets.copy()
    span = max(1, int(round(ONSET_LEVEL_SPAN / step)))
    first = np.clip(np.floor(onsets / step + 1e-9).astype(np.int64), 0, m - 1)
    level = onset_levels(onsets, tick_db[:m], step=step)
    stop = np.append(first[1:], m)  # the next onset's tick: its sound takes over
    ends = onsets.copy()
    for i, (a, b) in enumerate(zip(first, stop, strict=True)):
        loud = np.flatnonzero(~quiet[a:min(a + span, m)])
        if loud.size == 0 or not np.isfinite(level[i]):
            continue
        s = a + int(loud[0])
        run = quiet[s:b] | (tick_db[s:b] < level[i] - decay_db)
        off = np.flatnonzero(run)
        end = s + int(off[0]) if off.size else max(b, s + 1)
        ends[i] = max(onsets[i], min(end, m) * step)
    return ends


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

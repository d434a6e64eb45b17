"""Beats that follow expressive timing, the tempo curve from them, and a calibrated pulse label.

Built on the windowed tempo of :mod:`analysis.tempo` (which chooses the metrical level and
gives a tempo per 6 s window):

1. **Beat tracking** (:func:`track_beats`): the dynamic-programming beat tracker of Ellis
   (2007), as in ``librosa.beat.beat_track`` with a time-varying tempo (librosa 0.11), run on
   the same onset envelope with the tempo curve as its per-frame tempo. Each beat is placed on
   the onsets as long as the interval to the previous one stays near the local beat period
   (log-interval penalty, :data:`TIGHTNESS`), so the beats follow rubato that the 6 s windows
   smear; where the tempo is not steady (:data:`STEADY_STABILITY`) the penalty is lighter
   (:data:`LOOSE_TIGHTNESS`), and each beat is then moved to the strongest onset near it
   (:func:`refine_beats`, :data:`REFINE_WINDOW`). A performance whose pulse is "rare" or
   "none" gets no beats (free playing).
2. **Tempo from the beats** (:func:`beat_curve`): per window, 60 / median inter-beat interval
   of the tracked beats in it (the measure used for the annotated beats in
   ``bench/evaluate.py``); optional (:data:`BEAT_TEMPO`, off: not supported by the
   cross-validated curve error).
3. **Pulse label** (:func:`pulse_label`): ``"clear"`` only if the pulse is found in at least
   :data:`CLEAR_SHARE` of the windows (and no cross-rhythmic 3:2 level rivals the chosen one
   more than :data:`CROSS_SHARE`, off by default) and, since 1.12.0, if the tracked beats keep
   to the reported tempo (:func:`vouch`: :data:`REGULAR_SHARE` of their intervals within
   :data:`REGULAR_TOL` of its beat period); otherwise ``"intermittent"`` (or ``"rare"``,
   ``"none"``), and the summary's ``tempo_bpm`` is then None (null in JSON, empty in CSV), not
   0.0; the estimate stays in ``tempo_bpm_tentative``. The thresholds, like :data:`BEAT_TEMPO`
   and :data:`ALL_BEATS`, were chosen by two-fold cross-validation (docs/benchmarks.md).

The beat tracker is reimplemented in :mod:`analysis._kernels` (same recursion as librosa's)
because importing librosa costs 3.2 s and 135 MB per process, a 40 % slowdown of the
60-minute analysis benchmark (docs/benchmarks.md).

References
----------
Ellis, D. (2007). Beat tracking by dynamic programming. J. New Music Research 36(1), 51-60.
Dixon, S. (2001). Automatic extraction of tempo and beat from expressive performances.
J. New Music Research 30(1), 39-58.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import _validate
from .errors import ParameterError
from .level_fold import LEVEL_FACTORS
from .tempo import MIDI_FRAME_RATE, TempoCurve, onset_envelope, tempo_from_envelope
from .windows import DEFAULT_HOP, DEFAULT_WINDOW

__all__ = ["Pulse", "analyze_pulse", "pulse_curve", "track_beats", "beat_curve", "beat_tempo",
           "pulse_label", "tempo_summary", "refine_beats", "TIGHTNESS", "LOOSE_TIGHTNESS",
           "STEADY_STABILITY", "STRETCH_WINDOWS", "STRETCH_SHARE", "REFINE_WINDOW",
           "CLEAR_SHARE", "CROSS_SHARE", "RARE_PULSE_SHARE", "REGULAR_SHARE", "REGULAR_TOL",
           "AGREE_SHARE", "steady_windows", "beat_regularity", "vouch", "pause_windows",
           "pulsed_share", "playing_time", "over_the_playing"]

#: How strictly beats keep the local beat period (Ellis 2007's alpha; librosa's default 100,
#: fixed a priori, not tuned).
TIGHTNESS = 100.0
#: Below this share of pulsed windows the pulse is "rare" (since 1.5): random (Poisson)
#: playing gets up to about as many windows over the pulse threshold by chance.
RARE_PULSE_SHARE = 0.1
#: Share of pulsed windows from which the pulse can be "clear" (0.5 before 1.7). Two-fold
#: cross-validation over 0.3-0.8 chose 0.8 on one half and 0.7 on the other (objective: right
#: "clear" files minus 19 per wrong one, i.e. break-even at 95 % precision); the stricter of the
#: two is shipped (docs/benchmarks.md).
CLEAR_SHARE = 0.8
#: Largest strength (:attr:`analysis.tempo.TempoCurve.alt_share`) of a runner-up level in a
#: 3:2 or 2:3 relation for a "clear" pulse: a cross-rhythmic rival that strong may mean the
#: chosen level is a dotted or triplet one. Cross-validation chose 1.0 (no bound) on both
#: halves of the shared set (bounds 0.35-0.6 took right "clear" labels away and no wrong
#: ones), so the check is off until data supports it.
CROSS_SHARE = 1.0
#: Take each pulsed window's tempo from the tracked beats instead of the window's periodicity
#: (off: cross-validation kept the windowed curve on both halves, the beat-derived one had a
#: higher median piano curve error on the training halves).
BEAT_TEMPO = False
#: Keep beats through a performance's pulse-less windows (where the tracker coasts on the
#: neighbouring tempo) rather than only in its pulsed ones (chosen by two-fold cross-validation).
ALL_BEATS = True
#: How strictly beats keep the local beat period where the tempo is not steady (expressive
#: playing, :data:`STEADY_STABILITY`): looser, so that the beats follow rubato that the 6 s
#: windows smear. Chosen by two-fold cross-validation over 100 (off), 70, 50, 35, 20, 10 by
#: the training half's mean beat F (docs/benchmarks.md, 1.9.0).
LOOSE_TIGHTNESS = 20.0
#: The tempo is steady (beats tracked with :data:`TIGHTNESS`) where at least this share of
#: the pulsed windows lie within 4 % of the global tempo (:attr:`TempoCurve.stability`);
#: below it :data:`LOOSE_TIGHTNESS` applies. Cross-validated with it (grid 0.5, 0.7, 0.9).
STEADY_STABILITY = 0.9
#: Since 1.11.0 a performance that is not steady overall keeps :data:`TIGHTNESS` in its
#: stretches that are steady: where at least :data:`STRETCH_SHARE` of the pulsed windows within
#: ±:data:`STRETCH_WINDOWS` windows lie within 4 % of their median tempo. Loosely tracked, a
#: steady stretch of dense playing lets the beats slip into a 3:4 relation with the curve
#: (Bach's Fugue BWV 848, steady at 114-126 BPM in a performance of stability 0.7: beat
#: intervals of 0.36-0.39 s beside 0.5 s). Two-fold cross-validation over 223 held-out ASAP
#: pieces (k 5, 10, 20 windows; share 0.7, 0.9; docs/benchmarks.md) chose 10 and 0.7 on both
#: halves. A share over 1 turns it off.
STRETCH_WINDOWS = 10
STRETCH_SHARE = 0.7
#: Move each tracked beat to the strongest onset within this many seconds (0: off). Two-fold
#: cross-validation over 0, 0.04, 0.06 s by mean beat F chose 0.04 on one half and 0.06 on the
#: other; the smaller move is shipped.
REFINE_WINDOW = 0.04
#: Ratios of a cross-rhythmic rival (a half or double level is also a right metrical level).
CROSS_RATIOS = (2.0 / 3.0, 1.5)
#: "Clear" also needs the tracked beats to keep to the tempo it reports: at least this share
#: of the intervals between beats within :data:`REGULAR_TOL` of its beat period
#: (:func:`beat_regularity`; 1.12.0). A tempo that wanders or changes between sections, or
#: beats that follow an accent pattern instead of the beat, then read "intermittent" with
#: the estimate kept as tentative. Two-fold cross-validation on held-out piano and drum
#: performances chose 0.6 and 0.7; 0.6 keeps "clear" on 90 % of the drum grooves
#: (docs/benchmarks.md). 0: no such condition.
REGULAR_SHARE = 0.6
#: "Clear" also needs the windows' own reading of the tempo to agree with the curve drawn to
#: the session's level (:attr:`analysis.tempo.TempoCurve.agreement`, where
#: :data:`analysis.tempo.ANCHOR` draws it) in at least this share of the pulsed windows: the
#: bound of :data:`REGULAR_SHARE`, not tuned. No condition while the anchor is off (shipped).
AGREE_SHARE = 0.6
#: Tolerance [tempo ratio minus one] of :func:`beat_regularity` (±10 %).
REGULAR_TOL = 0.1


@dataclass(frozen=True)
class Pulse:
    """Tempo, beats and pulse label of one player.

    Attributes
    ----------
    curve : TempoCurve — the windowed tempo (``bpm`` from the beats where they allow)
    beats : np.ndarray [seconds] — tracked beat times (empty without a pulse)
    label : str — ``clear``, ``intermittent``, ``rare``, ``none`` or ``too short`` (a recording
        shorter than one window, or a player who played for less than one window in all:
        :func:`over_the_playing`)
    share : float [0..1] — share of the windows with playing that have a pulse
        (:func:`pulsed_share`)
    cross : float [0..1] — strength of a 3:2 rival level (0 if there is none)
    """

    curve: TempoCurve
    beats: np.ndarray
    label: str
    share: float
    cross: float

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The ``tempo_bpm`` and ``pulse_clarity`` curves (times, values)."""
        c = self.curve
        return {"tempo_bpm": (c.times, c.bpm), "pulse_clarity": (c.times, c.clarity)}

    @property
    def tempo_bpm(self) -> float | None:
        """The tempo to report: a number only where the label vouches for it."""
        if self.curve.tempo_bpm > 0 and self.label in ("clear", "too short"):
            return float(self.curve.tempo_bpm)
        return None


def track_beats(
    env: np.ndarray,
    *,
    frame_rate: float,
    bpm: np.ndarray | float,
    tightness: float = TIGHTNESS,
) -> np.ndarray:
    """Beat times by dynamic programming (Ellis 2007) with a per-frame tempo.

    Parameters
    ----------
    env : np.ndarray [shape=(n,)]
        Onset strength sampled at ``frame_rate``.
    frame_rate : float [Hz]
    bpm : float or np.ndarray [shape=(n,), BPM]
        Beat tempo, constant or per frame (e.g. a tempo curve interpolated over the frames).
    tightness : float
        Weight of the squared log deviation of each inter-beat interval from the beat period.

    Returns
    -------
    np.ndarray [seconds] — beat times, leading and trailing beats on weak onsets removed.

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.tempo import onset_envelope
    >>> env = onset_envelope(np.arange(0.3, 20, 0.5), duration=20.0)
    >>> b = track_beats(env, frame_rate=100.0, bpm=120.0)
    >>> bool(np.allclose(np.diff(b), 0.5))
    True
    """
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    tightness = _validate.positive("tightness", tightness)
    env = np.asarray(env, dtype=np.float64)
    if env.size < 2 or not env.max() > 0:
        return np.zeros(0)
    bpm = np.broadcast_to(np.asarray(bpm, dtype=np.float64), env.shape)
    if np.any(~np.isfinite(bpm) | (bpm <= 0)):
        raise ParameterError("bpm must be positive and finite")
    return _track(env, _beat_frames(bpm, frame_rate), frame_rate=frame_rate, tightness=tightness)


def _beat_frames(bpm: np.ndarray, frame_rate: float) -> np.ndarray:
    """Beat periods [whole frames, int32] of tempi ``bpm`` [BPM]."""
    return np.round(frame_rate * 60.0 / bpm).astype(np.int32)


def _track(env: np.ndarray, fpb: np.ndarray, *, frame_rate: float, tightness: float,
           loose: float = 0.0, steady: np.ndarray | None = None) -> np.ndarray:
    """:func:`track_beats` with the beat period of each frame given in whole frames ``fpb``;
    with ``steady`` (one uint8 per frame), ``tightness`` where it is 1 and ``loose`` where 0."""
    if env.size < 2 or not env.max() > 0:
        return np.zeros(0)
    from ._kernels import beat_dp, beat_local_at, beat_local_score

    # frames per beat as int32 and the envelope scaled inside the kernel: 3 hours at 100 Hz
    # are 1.08 million frames, 8.6 MB per float64 array; the local score becomes the
    # cumulative one in place, and the local score at the beats is computed again (same
    # values: issue 22)
    scale = env.std(ddof=1) + 1e-12
    cum = beat_local_score(env, scale, fpb)
    flags = np.zeros(0, np.uint8) if steady is None else np.asarray(steady, np.uint8)
    backlink = beat_dp(cum, fpb, float(tightness), float(loose), flags)
    # last beat: the last local maximum of the cumulative score above half their median
    peak = np.r_[False, (cum[1:-1] > cum[:-2]) & (cum[1:-1] >= cum[2:]), False]
    if not peak.any():
        return np.zeros(0)
    ok = np.flatnonzero(peak & (cum >= 0.5 * np.median(cum[peak])))
    del peak
    i = int(ok[-1]) if ok.size else int(np.argmax(cum))
    del cum
    out = []
    while i >= 0:
        out.append(i)
        i = int(backlink[i])
    beats = np.asarray(out[::-1], dtype=np.int64)
    if beats.size:  # trim weak leading/trailing beats (half the RMS local score at the beats)
        local = beat_local_at(env, scale, fpb, beats)
        thr = 0.5 * np.sqrt(np.mean(local ** 2))
        strong = np.flatnonzero(local > thr)
        beats = beats[strong[0]:strong[-1] + 1] if strong.size else beats[:0]
    return beats / frame_rate


def beat_curve(beats: np.ndarray, times: np.ndarray, *, window: float) -> np.ndarray:
    """Tempo [BPM] per window from beats: 60 / median interval of the beats inside it.

    NaN where a window holds fewer than three beats.
    """
    beats = np.asarray(beats, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    out = np.full(times.shape, np.nan)
    if beats.size < 3:
        return out
    ibi = np.diff(beats)
    mid = beats[:-1]
    lo = np.searchsorted(mid, times - window / 2.0)
    hi = np.searchsorted(beats, times + window / 2.0) - 1  # intervals ending inside
    for k in np.flatnonzero(hi - lo >= 2):
        out[k] = 60.0 / float(np.median(ibi[lo[k]:hi[k]]))
    return out


def refine_beats(beats: np.ndarray, env: np.ndarray, *, frame_rate: float,
                 window: float) -> np.ndarray:
    """Move each beat to the strongest onset within ``window`` seconds of it.

    Parameters
    ----------
    beats : np.ndarray [seconds]
        Beat times (e.g. from :func:`track_beats`).
    env : np.ndarray [shape=(n,)]
        Onset strength sampled at ``frame_rate``.
    frame_rate : float [Hz]
    window : float [seconds]
        Largest move; 0 leaves the beats as they are.

    Returns
    -------
    np.ndarray [seconds] — the moved beats, increasing like the input: a beat that would land
    on its predecessor's onset stays where it was, and if beats are so close that the moves
    would reorder them, all stay as tracked.

    Examples
    --------
    >>> env = np.zeros(300); env[[98, 151, 203]] = 1.0
    >>> refine_beats(np.array([1.0, 1.5, 2.0]), env, frame_rate=100.0, window=0.04).tolist()
    [0.98, 1.51, 2.03]
    """
    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    window = _validate.nonnegative("window", window, unit="seconds")
    beats = np.asarray(beats, dtype=np.float64)
    env = np.asarray(env, dtype=np.float64)
    k = int(round(window * frame_rate))
    if k == 0 or beats.size == 0 or env.size == 0:
        return beats
    idx = np.clip(np.round(beats * frame_rate).astype(np.int64), 0, env.size - 1)
    offs = np.arange(-k, k + 1)
    cand = np.clip(idx[:, None] + offs[None, :], 0, env.size - 1)
    # the strongest frame; among equals the one nearest the tracked beat
    score = env[cand] - 1e-9 * np.abs(offs)[None, :]
    new = cand[np.arange(idx.size), np.argmax(score, axis=1)]
    out = np.where(env[new] > env[idx], new, idx) / frame_rate
    out = np.where(np.r_[True, np.diff(out) > 0], out, beats)  # two beats on one onset
    if np.any(np.diff(out) <= 0):  # beats closer than the window: leave them as tracked
        return beats
    return out


def beat_tempo(beats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tempo [BPM] at each beat: 60 / the interval from the previous beat.

    The tempo a listener tapping along would show, beat by beat, without the smoothing of
    the windowed ``tempo_bpm`` curve (:func:`beat_curve` takes the median per window).

    Parameters
    ----------
    beats : np.ndarray [shape=(n,), seconds]
        Increasing beat times (e.g. :attr:`Pulse.beats`).

    Returns
    -------
    times : np.ndarray [shape=(n - 1,), seconds]
        The beats from the second on (the first has no interval before it).
    bpm : np.ndarray [shape=(n - 1,), BPM]

    Raises
    ------
    ParameterError
        Beat times that are not finite or not increasing.

    Examples
    --------
    >>> t, bpm = beat_tempo(np.array([1.0, 1.5, 2.0, 2.6]))
    >>> t.tolist(), np.round(bpm, 1).tolist()
    ([1.5, 2.0, 2.6], [120.0, 120.0, 100.0])
    """
    beats = np.asarray(beats, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(beats)):
        raise ParameterError("beats must be finite times in seconds")
    ibi = np.diff(beats)
    if np.any(ibi <= 0):
        raise ParameterError("beats must be increasing times in seconds")
    return beats[1:], 60.0 / ibi


def _pulsed(bpm: np.ndarray) -> np.ndarray:
    """Windows with a pulse: a finite, positive tempo (NaN since 1.8, 0.0 before: no pulse)."""
    return np.isfinite(bpm) & (bpm > 0)


def pause_windows(times: np.ndarray, *, silences: np.ndarray | None,
                  window: float) -> np.ndarray:
    """Which windows lie wholly in one of the player's silences: a pause, not playing.

    Parameters
    ----------
    times : np.ndarray [shape=(n,), seconds] — window centres
    silences : np.ndarray [shape=(k, 2), seconds] or None
        Disjoint (start, end) intervals in which nothing of the player sounds
        (:func:`analysis.density.silent_intervals`); None: no window is a pause.
    window : float [seconds]

    Returns
    -------
    np.ndarray [shape=(n,), bool]

    Examples
    --------
    >>> pause_windows(np.array([3.0, 10.0, 20.0]), silences=np.array([[5.0, 30.0]]),
    ...               window=6.0).tolist()
    [False, True, True]
    """
    times = np.asarray(times, dtype=np.float64)
    if silences is None or times.size == 0:
        return np.zeros(times.size, dtype=bool)
    sil = np.asarray(silences, dtype=np.float64).reshape(-1, 2)
    if sil.shape[0] == 0:
        return np.zeros(times.size, dtype=bool)
    sil = sil[np.argsort(sil[:, 0])]
    k = np.searchsorted(sil[:, 0], times - window / 2.0, side="right") - 1
    ok = k >= 0
    out = np.zeros(times.size, dtype=bool)
    out[ok] = sil[k[ok], 1] >= times[ok] + window / 2.0
    return out


def pulsed_share(tc: TempoCurve, *, silences: np.ndarray | None = None,
                 window: float = DEFAULT_WINDOW) -> float:
    """Share of the windows in which the player plays that have a pulse (0 without any).

    A window that lies wholly in a silence of the player (:func:`pause_windows`) is a pause:
    it neither counts for a pulse nor against it (since 1.15.0). A therapy session has pauses
    between pieces, for talk or to listen; a steady beat with pauses around it is "clear",
    not "intermittent". Before 1.15.0 every window counted.
    """
    if tc.times.size == 0:
        return 0.0
    playing = ~pause_windows(tc.times, silences=None if tc.short else silences, window=window)
    n = int(np.count_nonzero(playing))
    return float(np.count_nonzero(_pulsed(tc.bpm) & playing)) / n if n else 0.0


#: Frames per block of :func:`_frame_tempo` (a block's times and tempi are temporaries: the
#: whole 3 hours at 100 Hz were four 8.6 MB arrays; each frame's value is its own).
_FRAME_BLOCK = 1 << 16


def _frame_tempo(tc: TempoCurve, n: int, frame_rate: float, *,
                 periods: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame beat tempo (the pulsed windows' curve, interpolated in log tempo) and whether
    a pulsed window covers each frame (:func:`_frame_cover`).

    With ``periods``, the beat period in whole frames (int32, :func:`_beat_frames`) instead of
    the tempo. Computed a block of frames at a time (the values of whole arrays: issue 22).
    """
    return _frame_values(tc, n, frame_rate, periods=periods), _frame_cover(tc, n, frame_rate)


def _frame_values(tc: TempoCurve, n: int, frame_rate: float, *, periods: bool) -> np.ndarray:
    """The tempo (or beat period) half of :func:`_frame_tempo`."""
    if tc.times.size == 0:  # a short clip: its one tempo everywhere
        bpm = np.full(n, tc.tempo_bpm)
        return _beat_frames(bpm, frame_rate) if periods else bpm
    p = _pulsed(tc.bpm)
    xp, fp = tc.times[p], np.log2(tc.bpm[p])
    out = np.empty(n, dtype=np.int32 if periods else np.float64)
    for lo in range(0, n, _FRAME_BLOCK):
        bpm = 2.0 ** np.interp(np.arange(lo, min(n, lo + _FRAME_BLOCK)) / frame_rate, xp, fp)
        out[lo:lo + bpm.size] = _beat_frames(bpm, frame_rate) if periods else bpm
    return out


def _frame_cover(tc: TempoCurve, n: int, frame_rate: float) -> np.ndarray:
    """Whether a pulsed window covers each frame (the coverage half of :func:`_frame_tempo`)."""
    if tc.times.size == 0:  # a short clip: its one tempo everywhere
        return np.ones(n, dtype=bool)
    xp = tc.times[_pulsed(tc.bpm)]
    half = (tc.times[1] - tc.times[0]) / 2.0 if tc.times.size > 1 else 0.5
    cover = np.zeros(n + 1, dtype=np.int32)
    # a pulsed window's middle hop (its centre +- half a hop) carries its pulse
    a = np.clip(np.round((xp - half) * frame_rate).astype(np.int64), 0, n)
    b = np.clip(np.round((xp + half) * frame_rate).astype(np.int64), 0, n)
    np.add.at(cover, a, 1)
    np.add.at(cover, b, -1)
    covered = np.cumsum(cover[:n], dtype=np.int32) > 0
    del cover
    # the first and last windows' pulse reaches to the ends of the recording
    first, last = xp[0], xp[-1]
    w = tc.times[0]  # half a window
    for lo in range(0, n, _FRAME_BLOCK):
        t = np.arange(lo, min(n, lo + _FRAME_BLOCK)) / frame_rate
        covered[lo:lo + t.size] |= (((t < first) & (t >= first - w))
                                    | ((t > last) & (t <= last + w)))
    return covered


def pulse_label(share: float, cross: float, *, n_windows: int, tempo_bpm: float,
                clear_share: float = CLEAR_SHARE, cross_share: float = CROSS_SHARE,
                agreement: float = float("nan"), agree_share: float = AGREE_SHARE) -> str:
    """The pulse label from the share of pulsed windows, the strength of a 3:2 rival and the
    windows' agreement with the curve (:attr:`analysis.tempo.TempoCurve.agreement`; nan: no
    condition)."""
    if n_windows == 0:
        return "too short"
    if tempo_bpm <= 0:
        return "none"
    if share < RARE_PULSE_SHARE:
        return "rare"
    if share >= clear_share and cross <= cross_share and not agreement < agree_share:
        return "clear"
    return "intermittent"


def beat_regularity(beats: np.ndarray, *, tempo_bpm: float, tol: float = REGULAR_TOL) -> float:
    """Share of the intervals between consecutive ``beats`` within a factor ``1 + tol`` of the
    beat period of ``tempo_bpm``.

    Parameters
    ----------
    beats : np.ndarray [seconds], sorted
    tempo_bpm : float [BPM]
    tol : float — tolerance (tempo ratio minus one)

    Returns
    -------
    float [0..1] — NaN with fewer than two intervals or no tempo (nothing to judge)

    Examples
    --------
    >>> round(beat_regularity(np.array([0.0, 0.5, 1.0, 1.5, 1.9]), tempo_bpm=120.0), 2)
    0.75
    """
    ibi = np.diff(np.asarray(beats, dtype=np.float64))
    if ibi.size < 2 or not tempo_bpm > 0:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.abs(np.log(ibi * (tempo_bpm / 60.0)))
    return float(np.mean(dev <= np.log1p(tol)))


def vouch(label: str, beats: np.ndarray, *, tempo_bpm: float,
          regular_share: float = REGULAR_SHARE) -> str:
    """``label``, except that "clear" becomes "intermittent" where the beats do not keep to
    ``tempo_bpm``: their :func:`beat_regularity` is under ``regular_share`` (0: never)."""
    if label != "clear" or regular_share <= 0:
        return label
    reg = beat_regularity(beats, tempo_bpm=tempo_bpm)
    return "intermittent" if reg < regular_share else label


def steady_windows(bpm: np.ndarray, *, windows: int = STRETCH_WINDOWS,
                   share: float = STRETCH_SHARE) -> np.ndarray:
    """Which windows lie in a steady stretch: at least ``share`` of the pulsed windows within
    ±``windows`` windows (three or more) lie within 4 % of their median tempo.

    Parameters
    ----------
    bpm : np.ndarray [shape=(w,), BPM] — the tempo curve, NaN (or 0) where not pulsed
    windows : int — half-width of the neighbourhood [windows]
    share : float [0..1] — a share over 1: no window is steady

    Returns
    -------
    np.ndarray [shape=(w,), bool]

    Examples
    --------
    >>> bpm = np.r_[np.full(30, 120.0), 80.0 + 40.0 * np.abs(np.sin(np.arange(30) / 3.0))]
    >>> st = steady_windows(bpm, windows=5, share=0.7)
    >>> bool(st[:25].all()), bool(st[40:].any())
    (True, False)
    """
    bpm = np.asarray(bpm, dtype=np.float64)
    pulsed = np.isfinite(bpm) & (bpm > 0)
    out = np.zeros(bpm.size, dtype=bool)
    if share > 1.0:
        return out
    for i in np.flatnonzero(pulsed):
        lo, hi = max(0, i - windows), min(bpm.size, i + windows + 1)
        near = bpm[lo:hi][pulsed[lo:hi]]
        if near.size >= 3:
            med = np.median(near)
            out[i] = np.mean(np.abs(near / med - 1.0) <= 0.04) >= share
    return out


def _steady_frames(tc: TempoCurve, n: int, frame_rate: float, *, windows: int,
                   share: float) -> np.ndarray:
    """:func:`steady_windows` per frame (uint8: one byte a frame; each frame takes the window
    whose centre is nearest)."""
    flags = steady_windows(tc.bpm, windows=windows, share=share).astype(np.uint8)
    out = np.zeros(n, dtype=np.uint8)
    if flags.size == 0 or not flags.any():
        return out
    edges = (tc.times[1:] + tc.times[:-1]) / 2.0
    for lo in range(0, n, _FRAME_BLOCK):
        t = np.arange(lo, min(n, lo + _FRAME_BLOCK)) / frame_rate
        out[lo:lo + t.size] = flags[np.searchsorted(edges, t)]
    return out


def _beats(env: np.ndarray, tc: TempoCurve, *, frame_rate: float, tightness: float,
           window: float, beat_tempo: bool, all_beats: bool, loose: float | None = None,
           stretch: tuple[int, float] = (STRETCH_WINDOWS, STRETCH_SHARE),
           ) -> tuple[np.ndarray, TempoCurve]:
    """Beats tracked on the tempo curve, and the curve (from the beats if ``beat_tempo``).
    With ``loose``, ``tightness`` holds in the steady stretches (:func:`steady_windows` with
    ``stretch``) and ``loose`` elsewhere."""
    n_win = tc.times.size
    steady = None
    if loose is not None:
        steady = _steady_frames(tc, env.size, frame_rate, windows=stretch[0], share=stretch[1])
    # the periods handed over (freed once tracked), the coverage after: neither is alive
    # beside the tracking tables longer than needed (issue 22)
    beats = _track(env, _frame_values(tc, env.size, frame_rate, periods=True),
                   frame_rate=frame_rate, tightness=tightness, loose=loose or 0.0,
                   steady=steady)
    del steady
    covered = _frame_cover(tc, env.size, frame_rate)
    idx = np.clip(np.round(beats * frame_rate).astype(np.int64), 0, max(env.size - 1, 0))
    in_pulse = covered[idx] if env.size else np.ones(beats.size, dtype=bool)
    if beat_tempo and n_win:
        bc = beat_curve(beats[in_pulse], tc.times, window=window)
        use = (_pulsed(tc.bpm)) & np.isfinite(bc)
        if use.any():
            # the beats are tracked at the curve's level; keep it if they drift to another
            cands = bc[:, None] * np.asarray(LEVEL_FACTORS)[None, :]
            here = np.where(_pulsed(tc.bpm), tc.bpm, 1.0)[:, None]
            k = np.argmin(np.abs(np.log2(cands / here)), axis=1)
            bc = cands[np.arange(bc.size), k]
            tc = replace(tc, bpm=np.where(use, bc, tc.bpm))
    return (beats if all_beats else beats[in_pulse]), tc


def analyze_pulse(
    env: np.ndarray,
    *,
    frame_rate: float,
    duration: float | None = None,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    clear_share: float = CLEAR_SHARE,
    cross_share: float = CROSS_SHARE,
    beat_tempo: bool = BEAT_TEMPO,
    all_beats: bool = ALL_BEATS,
    loose_tightness: float = LOOSE_TIGHTNESS,
    steady: float = STEADY_STABILITY,
    stretch_windows: int = STRETCH_WINDOWS,
    stretch_share: float = STRETCH_SHARE,
    refine: float = REFINE_WINDOW,
    regular_share: float = REGULAR_SHARE,
    cross_fold: tuple[float, ...] = (),
    slower_tie: bool = True,
    silences: np.ndarray | None = None,
) -> Pulse:
    """Windowed tempo (:func:`analysis.tempo.tempo_from_envelope`), beats and pulse label.

    Parameters
    ----------
    env : np.ndarray [shape=(n,)]
        Onset strength sampled at ``frame_rate`` (frame ``i`` at ``i / frame_rate`` seconds).
    frame_rate : float [Hz]
    duration : float [seconds] or None
    window, hop : float [seconds]
    clear_share, cross_share : float [0..1]
        See :data:`CLEAR_SHARE`, :data:`CROSS_SHARE`.
    beat_tempo : bool
        Take each pulsed window's tempo from the tracked beats (where it holds three or more).
    all_beats : bool
        Keep the beats through pulse-less stretches too (:data:`ALL_BEATS`); a performance
        whose pulse is "rare" or "none" has no beats either way.
    loose_tightness : float
        Beat-period tightness (:func:`track_beats`) where the tempo is not steady
        (:data:`LOOSE_TIGHTNESS`); a steady tempo keeps :data:`TIGHTNESS`.
    steady : float [0..1]
        Tempo stability from which the tempo counts as steady (:data:`STEADY_STABILITY`).
    stretch_windows, stretch_share : int, float
        Below that stability, the stretches that are steady (:func:`steady_windows`) keep
        :data:`TIGHTNESS` (:data:`STRETCH_WINDOWS`, :data:`STRETCH_SHARE`; a share over 1:
        ``loose_tightness`` throughout, as before 1.11.0).
    refine : float [seconds]
        Move each beat to the strongest onset this near (:func:`refine_beats`; 0: off).
    regular_share : float [0..1]
        "Clear" needs at least this share of the beat intervals near the tempo's beat period
        (:func:`vouch`, :data:`REGULAR_SHARE`; 0: off).
    cross_fold : tuple of float
        Cross-rhythm ratios whose windows move onto the level
        (:func:`analysis.tempo.tempo_from_envelope`; measured, off).
    slower_tie : bool
        Whether the level's tie-break may take a slower rival
        (:func:`analysis.level_choice.metrical_level`).
    silences : np.ndarray [shape=(k, 2), seconds] or None
        The player's silences (:func:`analysis.density.silent_intervals`): windows wholly in
        one are pauses and left out of the pulsed share (:func:`pulsed_share`); None: every
        window counts.

    Returns
    -------
    Pulse

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.tempo import MIDI_FRAME_RATE, onset_envelope
    >>> env = onset_envelope(np.arange(0, 30, 0.5), duration=30.0)  # 120 BPM
    >>> p = analyze_pulse(env, frame_rate=MIDI_FRAME_RATE)
    >>> p.label, round(p.tempo_bpm), p.beats.size > 50
    ('clear', 120, True)
    """
    env = np.asarray(env, dtype=np.float64)
    if duration is None:
        duration = env.size / frame_rate
    tc = tempo_from_envelope(env, frame_rate=frame_rate, duration=duration, window=window,
                             hop=hop, cross_fold=cross_fold, slower_tie=slower_tie)
    n_win = tc.times.size
    share = pulsed_share(tc, silences=silences, window=window)
    cross = 0.0
    if tc.tempo_bpm > 0 and tc.alt_bpm > 0:
        ratio = tc.alt_bpm / tc.tempo_bpm
        if min(abs(np.log2(ratio / r)) for r in CROSS_RATIOS) < 0.05:
            cross = float(tc.alt_share)
    label = pulse_label(share, cross, n_windows=n_win, tempo_bpm=tc.tempo_bpm,
                        clear_share=clear_share, cross_share=cross_share,
                        agreement=tc.agreement)
    beats = np.zeros(0)
    if label not in ("none", "rare") and tc.tempo_bpm > 0 and (n_win == 0 or share > 0):
        # a short clip's stability is NaN: steady; an unsteady performance is tracked
        # loosely outside its steady stretches
        loose = loose_tightness if tc.stability < steady else None
        beats, tc = _beats(env, tc, frame_rate=frame_rate, tightness=TIGHTNESS, window=window,
                           beat_tempo=beat_tempo, all_beats=all_beats, loose=loose,
                           stretch=(stretch_windows, stretch_share))
        beats = refine_beats(beats, env, frame_rate=frame_rate, window=refine)
        label = vouch(label, beats, tempo_bpm=tc.tempo_bpm, regular_share=regular_share)
    return Pulse(tc, beats, label, share, cross)


def playing_time(silences: np.ndarray, *, duration: float) -> float:
    """How long a player played [seconds]: the session less their silences (gaps over
    :data:`analysis.SILENCE_GAP`, :func:`analysis.density.silent_intervals`), so that rests
    between phrases count as playing.

    >>> playing_time(np.array([[0.0, 4.0], [20.0, 30.0]]), duration=30.0)
    16.0
    """
    sil = np.asarray(silences, dtype=np.float64).reshape(-1, 2)
    return max(0.0, float(duration) - float(np.sum(np.clip(sil[:, 1] - sil[:, 0], 0.0, None))))


def over_the_playing(pulse: Pulse, *, silences: np.ndarray, duration: float,
                     window: float = DEFAULT_WINDOW) -> Pulse:
    """A player's pulse summarised over the time they played (since 1.17.0).

    Two rules, for a session of at least one window (a shorter recording is one clip, whose
    tempo is that of the whole clip, and is returned unchanged):

    * The pulse clarity (:attr:`analysis.tempo.TempoCurve.pulse_clarity`) is the median over the
      windows in which the player plays, as the pulsed share is (:func:`pulsed_share`): the
      windows of a pause (:func:`pause_windows`) are left out. Before 1.17.0 every window
      counted, and a player who paused for half the session read pulse clarity 0 beside 90 %
      pulsed windows. Since 1.18.0 the clarity curve (:attr:`analysis.tempo.TempoCurve.clarity`)
      is NaN in those windows (before, 0.0), also for a player who did not play at all, so
      that the median of the curve's values is the session's clarity.
    * A player who played for less than one window's length in all (:func:`playing_time`
      under ``window``) has no tempo: no window was filled with their playing, so each
      window's periodicity is that of a few seconds at its edge, and the share of "pulsed"
      windows counts windows that are mostly pause. The tempo, the tentative tempo, the tempo
      curve, the beats, the pulsed share, the pulse clarity and the stability are then empty
      (null in the summary), and the label is ``"too short"`` (too short to tell), as for a
      recording shorter than one window. Before 1.17.0 three seconds of playing at the start
      of a three-minute session read "Tempo (tentative) 174 BPM" beside windows of 233-234
      BPM and 67 % pulsed windows.

    A player who did not play at all is returned unchanged (their label says so: ``none``).

    Parameters
    ----------
    pulse : Pulse
        The player's pulse (:func:`analyze_pulse`, after any change of level).
    silences : np.ndarray [shape=(k, 2), seconds]
        The player's silences (:func:`analysis.density.silent_intervals`).
    duration : float [seconds]
        Session length.
    window : float [seconds]
        Analysis window of the tempo curve.

    Returns
    -------
    Pulse
    """
    tc = pulse.curve
    if tc.short or tc.times.size == 0:
        return pulse
    playing = ~pause_windows(tc.times, silences=silences, window=window)
    # the curve has no value in a pause, as the tempo, velocity and pitch curves (since 1.18.0)
    tc = replace(tc, clarity=np.where(playing, tc.clarity, np.nan))
    played = playing_time(silences, duration=duration)
    if played <= 0.0:
        return replace(pulse, curve=tc)
    if played < window:
        none = np.full_like(tc.bpm, np.nan)
        tc = replace(tc, bpm=none, tempo_bpm=0.0, pulse_clarity=float("nan"),
                     stability=float("nan"), alt_bpm=0.0, alt_share=float("nan"))
        return Pulse(tc, np.zeros(0), "too short", float("nan"), 0.0)
    clarity = float(np.median(tc.clarity[playing])) if playing.any() else float("nan")
    return replace(pulse, curve=replace(tc, pulse_clarity=clarity))


def pulse_curve(
    onsets: np.ndarray,
    *,
    duration: float,
    weights: np.ndarray | None = None,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
) -> Pulse:
    """:func:`analyze_pulse` of event onsets (e.g. MIDI note starts, ``weights`` velocity / 127)
    on their :func:`analysis.tempo.onset_envelope`."""
    env = onset_envelope(onsets, duration=duration, weights=weights)
    return analyze_pulse(env, frame_rate=MIDI_FRAME_RATE, duration=duration, window=window,
                         hop=hop)


def _num(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def tempo_summary(p: Pulse) -> dict[str, float | str | None]:
    """Summary entries: tempo_bpm (None unless the pulse is clear), tempo_bpm_tentative (the
    estimate where it is not), tempo_source, pulse, pulse_clarity, pulsed_share,
    tempo_stability, tempo_bpm_min / _max, the runner-up level tempo_alt_bpm /
    tempo_alt_share, n_beats, and beat_regularity (:func:`beat_regularity` of the beats at the
    tempo, clear or tentative; None with fewer than three beats)."""
    tc = p.curve
    pulsed = tc.bpm[_pulsed(tc.bpm)]
    tempo = p.tempo_bpm
    has_alt = tempo is not None and tc.alt_bpm > 0
    return {
        "tempo_bpm": tempo,
        "tempo_bpm_tentative": (float(tc.tempo_bpm) if tempo is None and tc.tempo_bpm > 0
                                else None),
        "tempo_source": "clip" if tc.short else "windows",
        "pulse": p.label,
        "pulse_clarity": _num(tc.pulse_clarity) if tc.times.size else None,
        "pulsed_share": _num(p.share) if tc.times.size else None,
        "tempo_stability": _num(tc.stability),
        "tempo_bpm_min": _num(pulsed.min()) if pulsed.size else None,
        "tempo_bpm_max": _num(pulsed.max()) if pulsed.size else None,
        "tempo_alt_bpm": _num(tc.alt_bpm) if has_alt else None,
        "tempo_alt_share": _num(tc.alt_share) if has_alt else None,
        "n_beats": float(p.beats.size),
        "beat_regularity": (_num(beat_regularity(p.beats, tempo_bpm=tc.tempo_bpm))
                            if tc.tempo_bpm > 0 else None),
    }

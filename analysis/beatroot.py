"""Multi-agent beat tracking over inter-onset-interval clusters (Dixon 2001; BeatRoot, 2007).

The windowed tempo stage (:mod:`analysis.tempo`) reads periodicity window by window; a
performance with rubato and changing figuration can make it jump between metrical levels
(docs/benchmarks.md, "why the remaining tempo misses miss"). Dixon's tracker instead follows
one metrical level through the whole performance:

1. **Tempo induction** (:func:`ioi_clusters`): the intervals between every pair of events up
   to :data:`MAX_IOI` apart are clustered (clusters :data:`CLUSTER_WIDTH` wide, around the
   densest intervals). A cluster's score is its size plus the sizes of the clusters in an
   integer relation to it (n = 2..8 times its interval, or 1/n), weighted 6 - n for n <= 4
   and 1 up to 8; its interval is refined by the related clusters' intervals divided by n.
   The best :data:`N_HYPOTHESES` clusters with a beat period in the tempo range are the
   tempo hypotheses.
2. **Agents** (:func:`track`): for every hypothesis and every event in the first
   :data:`STARTUP` seconds an agent starts with that event as its first beat. Each agent
   predicts its next beat one period on (skipping beats with no event). An event within the
   outer window (:data:`PRE_MARGIN` of the period early to :data:`POST_MARGIN` late) is taken
   as a beat; if it is further than :data:`INNER_MARGIN` from the prediction, a copy of the
   agent that lets it pass is kept as well. Taking an event moves the period by
   ``error / CORRECTION`` (never more than :data:`MAX_CHANGE` from its hypothesis) and adds
   the event's salience times ``1 - error / (2 x window side)`` to the agent's score. An agent
   with no event for :data:`EXPIRY` seconds ends; of two agents with the same period (within
   10 ms) and phase (20 ms) the lower-scoring one ends. At most :data:`MAX_AGENTS` agents live
   at once (a newcomer replaces the lowest-scoring one, or is not made).
3. **The answer**: the highest-scoring agent's beats, with the beats it skipped filled in at
   even spacing (gaps under :data:`EXPIRY`); its tempo is 60 / the median inter-beat interval.
   A session has pauses: when every agent has expired, agents start again from the next
   events, and the answer joins the best agent of each stretch of playing.

Salience of an event: for MIDI the note cues of :func:`analysis.metre.event_salience`
(duration, low pitch, chord size, velocity: Dixon's cues, as percentile ranks); for audio the
height of the onset-envelope peak above its local mean (:func:`analysis.onsets.onset_peaks`).

References
----------
Dixon, S. (2001). Automatic extraction of tempo and beat from expressive performances.
J. New Music Research 30(1), 39-58.
Dixon, S. (2007). Evaluation of the audio beat tracking system BeatRoot. J. New Music Research
36(1), 39-50.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate
from .errors import ParameterError

__all__ = ["AgentBeats", "ioi_clusters", "track", "beats_from_notes", "beats_from_envelope",
           "level_factor", "agrees", "MAX_AGENTS"]

#: Longest inter-onset interval clustered [s].
MAX_IOI = 2.5
#: Shortest inter-onset interval clustered [s] (closer onsets are one gesture).
MIN_IOI = 0.07
#: Width of an IOI cluster [s]: intervals within this of its centre belong to it.
CLUSTER_WIDTH = 0.025
#: Tempo hypotheses handed to the agents (the best-scoring clusters in the tempo range).
N_HYPOTHESES = 10
#: Tempo range of the hypotheses [BPM] (BeatRoot's default beat periods 0.3-1.0 s).
MIN_BPM, MAX_BPM = 60.0, 200.0
#: Agents start on the events of the first this many seconds (and again after a stretch
#: that no agent followed) [s].
STARTUP = 5.0
#: Outer window: how early / late an event may be taken as the beat [fraction of the period].
PRE_MARGIN, POST_MARGIN = 0.15, 0.3
#: Inner window [s]: an event further from the prediction also makes a copy that skips it.
INNER_MARGIN = 0.04
#: The period moves by error / CORRECTION at each beat taken.
CORRECTION = 50.0
#: The period stays within this fraction of its hypothesis.
MAX_CHANGE = 0.2
#: An agent with no beat for this long ends [s].
EXPIRY = 10.0
#: Fraction of the mean salience taken off each event's salience (:func:`track`).
CENTER = 1.0
#: Metrical relations a level check may apply (tempo ratios).
LEVEL_RATIOS = (1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0)
#: Agents alive at once (the pruning that bounds the work: events x MAX_AGENTS).
MAX_AGENTS = 100


@dataclass(frozen=True)
class AgentBeats:
    """The best agent's beat track.

    Attributes
    ----------
    beats : np.ndarray [seconds from session start], increasing, skipped beats filled in
    tempo_bpm : float or None — 60 / median inter-beat interval (None under two beats)
    score : float — the agent's summed salience
    taken : float [0..1] — share of the beats that fell on an event the agent took (the rest
        were filled in); near 1 for a steady pulse, low for free playing
    hypotheses : np.ndarray [seconds] — the beat periods the agents started from
    """

    beats: np.ndarray
    tempo_bpm: float | None
    score: float
    taken: float
    hypotheses: np.ndarray


def _pair_iois(times: np.ndarray, max_ioi: float) -> np.ndarray:
    """Every interval between two events up to ``max_ioi`` apart (each pair once)."""
    out = []
    for k in range(1, times.size):
        d = times[k:] - times[:-k]
        d = d[d <= max_ioi]
        if d.size == 0:
            break
        out.append(d)
    return np.concatenate(out) if out else np.zeros(0)


def ioi_clusters(times: np.ndarray, *, width: float = CLUSTER_WIDTH, max_ioi: float = MAX_IOI,
                 min_ioi: float = MIN_IOI, max_clusters: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """IOI clusters and their scores (tempo induction, Dixon 2001 section 3).

    Parameters
    ----------
    times : np.ndarray [shape=(n,), seconds], event onsets, increasing
    width : float [seconds], half-width of a cluster
    max_ioi, min_ioi : float [seconds], range of the intervals clustered
    max_clusters : int, clusters formed (densest first)

    Returns
    -------
    intervals : np.ndarray [seconds] — refined cluster intervals, best score first
    scores : np.ndarray — their scores (same order)
    """
    iois = np.sort(_pair_iois(np.asarray(times, dtype=float), max_ioi))
    iois = iois[iois >= min_ioi]
    if iois.size == 0:
        return np.zeros(0), np.zeros(0)
    grid = np.arange(min_ioi, max_ioi + 1e-3, 1e-3)  # cluster centres on a 1 ms grid
    count = (np.searchsorted(iois, grid + width, side="right")
             - np.searchsorted(iois, grid - width, side="left")).astype(float)
    means, sizes = [], []
    while len(means) < max_clusters:
        c = int(np.argmax(count))
        if count[c] <= 0:
            break
        lo, hi = np.searchsorted(iois, [grid[c] - width, grid[c] + width])
        means.append(float(iois[lo:hi].mean()))
        sizes.append(float(hi - lo))
        count[np.abs(grid - grid[c]) < 2 * width] = 0.0  # no overlapping cluster
    mean, size = np.asarray(means), np.asarray(sizes)
    score = 10.0 * size
    ratio = mean[None, :] / mean[:, None]  # [i, j]: interval j / interval i
    n = np.round(ratio)
    related = (n >= 2) & (n <= 8) & (np.abs(mean[None, :] - n * mean[:, None]) < width * n)
    f = np.where(n <= 4, 6.0 - n, 1.0) * related
    score = score + (f * size[None, :]).sum(axis=1) + (f.T * size[None, :]).sum(axis=1)
    # refined interval: the size-and-relation-weighted mean of the related clusters' estimates
    w_up, w_dn = f * size[None, :], f.T * size[None, :]
    num = 10.0 * size * mean + (w_up * mean[None, :] / np.maximum(n, 1)).sum(axis=1) \
        + (w_dn * mean[None, :] * np.maximum(n.T, 1)).sum(axis=1)
    den = 10.0 * size + w_up.sum(axis=1) + w_dn.sum(axis=1)
    interval = num / den
    order = np.argsort(-score, kind="stable")
    return interval[order], score[order]


def _fill(beats: np.ndarray, periods: np.ndarray, expiry: float) -> np.ndarray:
    """The skipped beats between taken ones, evenly spaced (gaps under ``expiry``)."""
    out = [beats[:1]]
    for b0, b1, p in zip(beats[:-1], beats[1:], periods[1:], strict=True):
        gap = b1 - b0
        k = int(round(gap / p)) if gap < expiry else 1
        if k > 1:
            out.append(b0 + gap * np.arange(1, k) / k)
        out.append(np.array([b1]))
    return np.concatenate(out)


def track(times: np.ndarray, salience: np.ndarray, *, min_bpm: float = MIN_BPM,
          max_bpm: float = MAX_BPM, n_hypotheses: int = N_HYPOTHESES,
          max_agents: int = MAX_AGENTS, correction: float = CORRECTION,
          inner: float = INNER_MARGIN, center: float = CENTER,
          periods: np.ndarray | None = None) -> AgentBeats:
    """The best agent's beats through events with a salience.

    Parameters
    ----------
    times : np.ndarray [shape=(n,), seconds from session start], increasing
    salience : np.ndarray [shape=(n,), >= 0]
    min_bpm, max_bpm : float [BPM], tempo range of the hypotheses
    n_hypotheses : int, tempo hypotheses (best IOI clusters in the range)
    max_agents : int, agents alive at once
    correction : float, the period moves by error / correction at each beat
    inner : float [seconds], inner window (forks beyond it)
    center : float, this fraction of the mean salience is taken off every event's salience
        (0: Dixon's sum, which favours the fastest level that takes every event; 1: an agent
        gains only from events more salient than the average)
    periods : np.ndarray [seconds], optional
        Tempo hypotheses given (e.g. the windowed tempo stage's beat period) instead of the
        IOI clusters' ones

    Returns
    -------
    AgentBeats
    """
    t = _validate.times_1d("times", times)
    s = np.asarray(salience, dtype=float)
    if s.shape != t.shape:
        raise ParameterError(f"salience has {s.size} values for {t.size} times")
    if max_agents < 1 or n_hypotheses < 1:
        raise ParameterError("max_agents and n_hypotheses must be at least 1")
    s = s - center * float(s.mean()) if s.size else s
    if periods is None:
        iv, _ = ioi_clusters(t)
        hyp = iv[(iv >= 60.0 / max_bpm) & (iv <= 60.0 / min_bpm)][:n_hypotheses]
    else:
        hyp = np.atleast_1d(np.asarray(periods, dtype=float))
        if hyp.ndim != 1 or not np.all(np.isfinite(hyp) & (hyp > 0)):
            raise ParameterError(f"periods must be positive [seconds], got {periods!r:.60}")
    if t.size < 2 or hyp.size == 0:
        return AgentBeats(np.zeros(0), None, 0.0, 0.0, hyp)
    from ._agents_kernel import track_agents

    nodes_cap = 8 * t.size
    while True:
        heads, ev, prev, per, score = track_agents(
            t, s, hyp, STARTUP, int(max_agents), PRE_MARGIN, POST_MARGIN, float(inner),
            float(correction), MAX_CHANGE, EXPIRY, 0.01, 0.02, nodes_cap)
        if score != -1.0 or heads.size:
            break
        nodes_cap *= 4
    parts, ibis, n_taken = [], [], 0
    for head in heads:
        idx, pers = [], []
        while head >= 0:
            idx.append(ev[head])
            pers.append(per[head])
            head = prev[head]
        b = _fill(t[np.asarray(idx[::-1], dtype=np.int64)], np.asarray(pers[::-1]), EXPIRY)
        parts.append(b)
        ibis.append(np.diff(b))
        n_taken += len(idx)
    beats = np.concatenate(parts) if parts else np.zeros(0)
    ibi = np.concatenate(ibis) if ibis else np.zeros(0)
    tempo = 60.0 / float(np.median(ibi)) if ibi.size else None
    return AgentBeats(beats, tempo, float(score), n_taken / max(beats.size, 1), hyp)


def beats_from_notes(start: np.ndarray, end: np.ndarray, pitch: np.ndarray,
                     velocity: np.ndarray, **kw) -> AgentBeats:
    """:func:`track` over MIDI notes, salience from the note cues (chords are one event).

    Parameters
    ----------
    start, end : np.ndarray [seconds], sorted by ``start``
    pitch : np.ndarray [MIDI note number]
    velocity : np.ndarray [MIDI velocity 1-127]
    **kw : keyword arguments of :func:`track`
    """
    from .metre import event_salience

    times, sal = event_salience(start, end, pitch, velocity)
    return track(times, sal, **kw)


def beats_from_envelope(env: np.ndarray, *, frame_rate: float, **kw) -> AgentBeats:
    """:func:`track` over the peaks of an onset envelope (salience: peak height).

    A peak is a frame that is the maximum within 30 ms and above the mean around it (the
    peak-picking windows of :func:`analysis.onsets.onset_peaks`, without its dB floor, so any
    envelope scale serves), placed between frames by a parabola; its salience is its height
    above that mean.

    Parameters
    ----------
    env : np.ndarray [shape=(n,)], onset strength
    frame_rate : float [Hz]
    **kw : keyword arguments of :func:`track`
    """
    from .onsets import _local_max_and_mean

    frame_rate = _validate.positive("frame_rate", frame_rate, unit="Hz")
    e = np.asarray(env, dtype=np.float64)
    if e.size == 0:
        return track(np.zeros(0), np.zeros(0), **kw)
    is_max, av = _local_max_and_mean(e, frame_rate)
    idx = np.flatnonzero(is_max & (e > av))
    # the peak between frames (a parabola through the frame and its neighbours): 23 ms frames
    # would otherwise quantise a beat period by 4 % at 110 BPM
    left, right = e[np.maximum(idx - 1, 0)], e[np.minimum(idx + 1, e.size - 1)]
    curv = left - 2 * e[idx] + right
    shift = np.where(curv < 0, 0.5 * (left - right) / np.where(curv < 0, curv, -1.0), 0.0)
    return track((idx + np.clip(shift, -0.5, 0.5)) / frame_rate, e[idx] - av[idx], **kw)


def _nearest(tempo_bpm: float, agent_bpm: float, ratios: tuple[float, ...]) -> tuple[float, float]:
    """The ratio that brings ``tempo_bpm`` nearest the agent's, and the relative distance."""
    err = [abs(np.log(r * tempo_bpm / agent_bpm)) for r in ratios]
    k = int(np.argmin(err))
    return float(ratios[k]), float(np.expm1(err[k]))


def level_factor(tempo_bpm: float | None, agent_bpm: float | None, *,
                 ratios: tuple[float, ...] = LEVEL_RATIOS, tolerance: float = 0.08) -> float:
    """The factor from ``ratios`` that brings a tempo to the agent's metrical level.

    Returns 1.0 when either tempo is missing or no factor brings it within ``tolerance``
    (relative) of the agent's tempo; among those that do, the nearest.
    """
    if not tempo_bpm or not agent_bpm:
        return 1.0
    k, d = _nearest(tempo_bpm, agent_bpm, ratios)
    return k if d <= tolerance else 1.0


def agrees(tempo_bpm: float | None, agent_bpm: float | None, *,
           ratios: tuple[float, ...] = (1.0,), tolerance: float = 0.04) -> bool:
    """Whether a tempo times one of ``ratios`` is within ``tolerance`` (relative) of the
    agent's tempo (False when either is missing)."""
    if not tempo_bpm or not agent_bpm:
        return False
    return _nearest(tempo_bpm, agent_bpm, ratios)[1] <= tolerance

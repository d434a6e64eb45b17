"""Imitation: one player repeating the other's rhythmic or melodic pattern within a few seconds.

A *pattern* is :data:`MOTIF_LEN` consecutive events of one player (chord notes merged into one
event whose pitch is the highest, the "skyline" melody of Uitdenbogerd & Zobel 1999), all inside
one phrase (no interval longer than :data:`MAX_MOTIF_IOI`). Player b **imitates** player a when b
starts a matching pattern between :data:`MIN_LAG` and :data:`MAX_LAG` seconds after a did and b
had not played it just before (otherwise the pattern is a shared ostinato or unison, and who
imitates whom is undecidable):

- **rhythmic** match: every inter-onset interval within ±20 % of the model's (about the width of
  a rhythm category, Desain & Honing 2003), and the model's rhythm is not isochronous (its longest
  interval at least 1.5 times its shortest; a steady pulse is no pattern to imitate);
- **melodic** match (MIDI only): every pitch interval within ±1 semitone of the model's
  (transposed and tonal answers count), and the model is not one repeated pitch.

One imitated passage is one imitation *episode* (since dialogue 1.9): matches along one
alignment (the model's next pattern matched by the imitator's next) form a run, which goes on
through patterns the imitator had itself played before (a figure that recurs in the copied
passage); runs that overlap or follow each other inside a phrase at about the same lag
(:data:`LAG_TOLERANCE`) are one episode; episodes never overlap (of two that would, the one
chance explains less is kept). Before, every pattern the imitator had played in the 4 s before
ended a run and the next began inside it: a continuous copy gave 14 overlapping episodes a
minute. This follows the imitation measure of the Music Therapy Toolbox (Erkkilä et al. 2004;
Luck et al. 2008) in spirit, with explicit pattern matching instead of curve correlation.

**Chance** (since dialogue 1.2). Two players who share a rhythmic vocabulary match each other's
patterns without listening: two independent random players at 3 notes per second gave 4-6
episodes per minute, as many as a real copy every 15 s. So an episode counts only if the
imitator would rarely have played it by chance. The probability that one of the imitator's
patterns matches the model's run of ``k`` intervals by chance is taken as the product, over the
intervals, of the share of the imitator's own in-phrase intervals (over the whole session) that
would match each one: within the rhythm tolerance for a rhythmic match, within the pitch
tolerance for a melodic one, both for a match of both (a first-order model of the imitator's
playing, add-one smoothed so that a player with few notes cannot look improbable). With ``c``
of the imitator's patterns starting in the lag range, chance gives at least one such match with
probability ``p_chance = 1 - (1 - p)^c``; an episode needs ``p_chance <=`` :data:`CHANCE_P`.
A longer imitated passage multiplies more intervals, so a common rhythm copied for 8 notes
counts where the same rhythm over 4 notes does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validate
from ..register import CHORD_TOLERANCE
from ..windows import DEFAULT_HOP, DEFAULT_WINDOW, count_in_windows, window_means
from ._grid import GRID_STEP, Curve, num
from .activity import shared_mask
from .events import PlayerEvents, chord_starts

__all__ = ["MOTIF_LEN", "MIN_LAG", "MAX_LAG", "MAX_MOTIF_IOI", "LAG_TOLERANCE", "CHANCE_P",
           "ImitationResult",
           "find_imitations", "analyze_imitation"]

#: Events per pattern: 4 events = 3 intervals, the shortest unit that carries a rhythm or contour.
MOTIF_LEN = 4
#: Shortest imitation lag [seconds]: closer than this the two play the pattern together (unison).
MIN_LAG = 0.15
#: Longest imitation lag [seconds]: "within a few seconds" (an answer within the listener's
#: ~4 s auditory present, cf. Pöppel 1997).
MAX_LAG = 4.0
#: Longest interval inside a pattern [seconds]; longer means a rest between phrases.
MAX_MOTIF_IOI = 1.5
#: Relative tolerance of each inter-onset interval for a rhythmic match.
RHYTHM_TOLERANCE = 0.2
#: Tolerance of each pitch interval for a melodic match [semitones].
PITCH_TOLERANCE = 1.0
_MIN_RHYTHM_CONTRAST = 1.5  # max/min interval ratio below which a rhythm counts as isochronous
#: Largest difference of lag [seconds] at which two runs of matches that overlap or follow each
#: other in the imitator's playing are one episode (since dialogue 1.9): the imitator added or
#: left out a note, or its timing moved; well under the shortest interval of a pattern in
#: common playing, so that another alignment of the same passage is not merged.
LAG_TOLERANCE = 0.1
#: Largest chance probability of an episode (``p_chance``, see the module docstring).
CHANCE_P = 0.005


def _events(p: PlayerEvents) -> tuple[np.ndarray, np.ndarray | None]:
    """Chord-merged onsets and skyline pitches."""
    t = p.onsets
    if t.size == 0:
        return t, (None if p.pitches is None else np.zeros(0))
    first = chord_starts(t, chord=CHORD_TOLERANCE)
    group = np.cumsum(first) - 1
    on = t[first]
    if p.pitches is None:
        return on, None
    top = np.full(on.size, -np.inf)
    np.maximum.at(top, group, p.pitches)
    return on, top


def _motifs(
    on: np.ndarray, pitch: np.ndarray | None, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Start indices, IOI rows (m, k-1) and pitch-interval rows of all in-phrase patterns."""
    if on.size < k:
        return (np.zeros(0, np.int64), np.zeros((0, k - 1)),
                None if pitch is None else np.zeros((0, k - 1)))
    win = np.lib.stride_tricks.sliding_window_view(on, k)
    ioi = np.diff(win, axis=1)
    ok = np.all(ioi <= MAX_MOTIF_IOI, axis=1)
    idx = np.flatnonzero(ok)
    iv = None
    if pitch is not None:
        iv = np.diff(np.lib.stride_tricks.sliding_window_view(pitch, k), axis=1)[idx]
    return idx, ioi[idx], iv


def find_imitations(
    model: PlayerEvents,
    imitator: PlayerEvents,
    *,
    min_lag: float = MIN_LAG,
    max_lag: float = MAX_LAG,
    motif_len: int = MOTIF_LEN,
) -> list[dict]:
    """Imitation episodes of ``model`` by ``imitator``.

    Parameters
    ----------
    model, imitator : PlayerEvents
    min_lag, max_lag : float [seconds] — lag range of an imitation
    motif_len : int [events] — pattern length (>= 3)

    Returns
    -------
    list of dict
        ``{t, end, source_t, lag_s, n_patterns, kind, p_chance}`` in time order, none
        overlapping another: the imitator's episode from ``t`` to ``end`` [s] (its first
        pattern's first note to its last pattern's last), ``n_patterns`` matched patterns in
        it, the model's pattern started at ``source_t``,
        ``lag_s = t - source_t``, ``kind`` ``"rhythmic"``, ``"melodic"`` or
        ``"rhythmic+melodic"``, ``p_chance`` [0..1] the probability of a match this specific by
        chance (at most :data:`CHANCE_P`; episodes above it are left out).

    Raises
    ------
    ParameterError
        ``min_lag >= max_lag`` or ``motif_len < 3``.
    """
    from ..errors import ParameterError

    min_lag = _validate.nonnegative("min_lag", min_lag)
    max_lag = _validate.positive("max_lag", max_lag)
    if min_lag >= max_lag:
        raise ParameterError(f"min_lag must be < max_lag ({max_lag!r} s), got {min_lag!r}")
    if isinstance(motif_len, bool) or not isinstance(motif_len, (int, np.integer)) or motif_len < 3:
        raise ParameterError(f"motif_len must be an int >= 3 [events], got {motif_len!r}")
    ma, pa = _events(model)
    mb, pb = _events(imitator)
    ia, ioa, iva = _motifs(ma, pa, motif_len)
    ib, iob, ivb = _motifs(mb, pb, motif_len)
    if ia.size == 0 or ib.size == 0:
        return []
    hits = _pattern_hits(ma[ia], ioa, iva, mb[ib], iob, ivb, min_lag=min_lag, max_lag=max_lag)
    if not hits:
        return []
    episodes, runs, n_range = _merge_hits(hits, ma, ia, mb, ib, motif_len=motif_len)
    log_qr, log_qm = _interval_chance(ma, pa, mb, pb)
    return _beyond_chance(episodes, runs, n_range, ia, log_qr, log_qm, motif_len=motif_len)


def _pattern_hits(
    sa: np.ndarray, ioa: np.ndarray, iva: np.ndarray | None,
    sb: np.ndarray, iob: np.ndarray, ivb: np.ndarray | None, *, min_lag: float, max_lag: float,
) -> list[tuple[int, int, bool, bool, int, bool, bool]]:
    """Every imitator pattern (starting at ``sb``) that matches a model pattern (starting at
    ``sa``) within the lag range: ``(model pattern, imitator pattern, rhythm matched, melody
    matched, imitator patterns in range, first match of this model pattern, before)``, sorted by
    model then imitator pattern. ``before``: the imitator matched the model pattern less than
    ``min_lag`` after it or earlier (up to ``max_lag`` before: it already had it)."""
    melodic = iva is not None and ivb is not None
    hits: list[tuple[int, int, bool, bool, int, bool, bool]] = []
    for m in range(sa.size):
        t0 = sa[m]
        lo, hi = np.searchsorted(sb, [t0 - max_lag, t0 + max_lag], side="left")
        if hi <= lo:
            continue
        cand = np.arange(lo, hi)
        rhythm = np.zeros(cand.size, bool)
        if ioa[m].max() >= _MIN_RHYTHM_CONTRAST * ioa[m].min():
            rhythm = np.all(np.abs(iob[cand] / ioa[m] - 1.0) <= RHYTHM_TOLERANCE, axis=1)
        melody = np.zeros(cand.size, bool)
        if melodic and np.any(iva[m] != 0):
            melody = np.all(np.abs(ivb[cand] - iva[m]) <= PITCH_TOLERANCE, axis=1)
        match = rhythm | melody
        lag = sb[cand] - t0
        before = bool(np.any(match & (lag < min_lag)))
        n_range = int(np.count_nonzero(lag >= min_lag))
        ok = np.flatnonzero(match & (lag >= min_lag))
        for k, j in enumerate(ok.tolist()):
            hits.append((m, int(cand[j]), bool(rhythm[j]), bool(melody[j]), n_range, k == 0,
                         before))
    return hits


def _chains(
    hits: list[tuple[int, int, bool, bool, int, bool, bool]], ia: np.ndarray, ib: np.ndarray,
) -> list[list[tuple[int, int, bool, bool, int]]]:
    """Runs of hits along one alignment: the next model pattern matched by the next imitator
    pattern. A run starts at a model pattern's first match that the imitator had not played
    before (else unison or a shared ostinato, and who imitates whom is undecidable), and goes
    on through patterns that the imitator had played itself (since dialogue 1.9: in a copied
    passage in which a figure or a rhythm recurs, the imitator has always played it just
    before, and each return broke the run)."""
    chains: list[list[tuple[int, int, bool, bool, int]]] = []
    live: dict[tuple[int, int], int] = {}  # (model event, imitator event) of a run's last hit
    for m, j, r, mel, c, first, before in hits:
        key = (int(ia[m]), int(ib[j]))
        k = live.pop((key[0] - 1, key[1] - 1), None)
        if k is not None:
            chains[k].append((m, j, r, mel, c))
        elif first and not before:
            k = len(chains)
            chains.append([(m, j, r, mel, c)])
        else:
            continue
        live[key] = k
    return chains


def _merge_hits(
    hits: list[tuple[int, int, bool, bool, int, bool, bool]], ma: np.ndarray, ia: np.ndarray,
    mb: np.ndarray, ib: np.ndarray, *, motif_len: int,
) -> tuple[list[dict], list[list[tuple[int, bool, bool]]], list[int]]:
    """The runs of hits (:func:`_chains`) as episodes: runs whose imitator patterns overlap or
    follow each other inside a phrase (the next starts at most one event after the previous
    ends, at most :data:`MAX_MOTIF_IOI` later) at the same alignment or about the same lag
    (within :data:`LAG_TOLERANCE`) are one episode (since dialogue 1.9). Returns the episodes,
    per episode its (model pattern, rhythm, melody) run, and the number of imitator patterns in
    the lag range of its first pattern."""
    sa, sb = ma[ia], mb[ib]
    chains = sorted(_chains(hits, ia, ib), key=lambda ch: (ib[ch[0][1]], ia[ch[0][0]]))
    episodes: list[dict] = []
    runs: list[list[tuple[int, bool, bool]]] = []
    n_range: list[int] = []
    tails: list[tuple[int, int, float]] = []  # per episode: last imitator event, offset, lag
    open_: list[int] = []  # the episodes a later run can still join
    for ch in chains:
        m0, j0 = ch[0][0], ch[0][1]
        first_b, offset = int(ib[j0]), int(ib[j0] - ia[m0])
        lag0 = float(sb[j0] - sa[m0])
        open_ = [e for e in open_ if tails[e][0] + 1 >= first_b]  # runs come in imitator order
        into = None
        for e in reversed(open_):
            last, off, lag = tails[e]
            near = first_b <= last or mb[first_b] - mb[last] <= MAX_MOTIF_IOI
            if near and (off == offset or abs(lag - lag0) <= LAG_TOLERANCE):
                into = e
                break
        m1, j1 = ch[-1][0], ch[-1][1]
        last_b = int(ib[j1]) + motif_len - 1
        if into is None:
            episodes.append({"t": float(sb[j0]), "end": float(mb[last_b]),
                             "source_t": float(sa[m0]), "lag_s": round(lag0, 6),
                             "n_patterns": 0})
            runs.append([])
            n_range.append(ch[0][4])
            tails.append((last_b, 0, 0.0))
            into = len(episodes) - 1
            open_.append(into)
        ep = episodes[into]
        ep["n_patterns"] += len(ch)
        runs[into] += [(m, r, mel) for m, _, r, mel, _ in ch]
        if last_b >= tails[into][0]:
            ep["end"] = float(mb[last_b])
            tails[into] = (last_b, int(ib[j1] - ia[m1]), float(sb[j1] - sa[m1]))
    return episodes, runs, n_range


def _beyond_chance(
    episodes: list[dict], runs: list[list[tuple[int, bool, bool]]], n_range: list[int],
    ia: np.ndarray, log_qr: np.ndarray, log_qm: np.ndarray, *, motif_len: int,
) -> list[dict]:
    """The episodes whose chance probability is at most :data:`CHANCE_P`, each with its
    ``kind`` and ``p_chance``."""
    kept = []
    for ep, run, c in zip(episodes, runs, n_range, strict=True):
        rhythmic = any(r for _, r, _ in run)
        melodic_ep = any(mel for _, _, mel in run)
        ep["kind"] = ("rhythmic+melodic" if rhythmic and melodic_ep
                      else ("rhythmic" if rhythmic else "melodic"))
        # chance probability of the run: per model interval the most specific criterion that a
        # pattern covering it matched (rhythm, melody or both), multiplied over the intervals
        first = min(int(ia[m]) for m, _, _ in run)
        log_q = np.zeros(max(int(ia[m]) for m, _, _ in run) + motif_len - 1 - first)
        for m, r, mel in run:
            sl = slice(int(ia[m]) - first, int(ia[m]) - first + motif_len - 1)
            iv = slice(int(ia[m]), int(ia[m]) + motif_len - 1)
            spec = (log_qr[iv] if r else 0.0) + (log_qm[iv] if mel else 0.0)
            log_q[sl] = np.minimum(log_q[sl], spec)
        p_one = float(np.exp(log_q.sum()))
        p_chance = float(-np.expm1(max(c, 1) * np.log1p(-min(p_one, 1.0 - 1e-12))))
        ep["p_chance"] = float(f"{p_chance:.3g}")
        if p_chance <= CHANCE_P:
            kept.append(ep)
    return _apart(kept)


def _apart(episodes: list[dict]) -> list[dict]:
    """The episodes without overlaps, in time order: where two overlap (the imitator's
    playing taken up as two passages at different lags), the more specific one (lower
    ``p_chance``, then more patterns, then the earlier) is kept. Since dialogue 1.9."""
    order = sorted(episodes, key=lambda e: (e["p_chance"], -e["n_patterns"], e["t"]))
    kept: list[dict] = []
    for ep in order:
        if all(ep["end"] <= k["t"] or k["end"] <= ep["t"] for k in kept):
            kept.append(ep)
    return sorted(kept, key=lambda e: e["t"])


def _interval_chance(ma: np.ndarray, pa: np.ndarray | None, mb: np.ndarray,
                     pb: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Log chance of each model interval being matched by one of the imitator's intervals.

    For every interval between consecutive model events: the add-one smoothed share of the
    imitator's in-phrase intervals (at most :data:`MAX_MOTIF_IOI`) within the rhythm tolerance
    of its duration, and (with pitches on both sides) within the pitch tolerance of its pitch
    step; ``log 1 = 0`` where a side has no pitches.
    """
    ioi_b = np.diff(mb)
    phrase = ioi_b <= MAX_MOTIF_IOI
    own = np.sort(ioi_b[phrase])
    n = own.size
    ioi_a = np.diff(ma)
    k = (np.searchsorted(own, ioi_a * (1.0 + RHYTHM_TOLERANCE), side="right")
         - np.searchsorted(own, ioi_a * (1.0 - RHYTHM_TOLERANCE), side="left"))
    log_qr = np.log((k + 1.0) / (n + 2.0))
    log_qm = np.zeros(ioi_a.size)
    if pa is not None and pb is not None:
        steps = np.sort(np.diff(pb)[phrase])
        step_a = np.diff(pa)
        k = (np.searchsorted(steps, step_a + PITCH_TOLERANCE, side="right")
             - np.searchsorted(steps, step_a - PITCH_TOLERANCE, side="left"))
        log_qm = np.log((k + 1.0) / (n + 2.0))
    return log_qr, log_qm


@dataclass(frozen=True)
class ImitationResult:
    """Imitation episodes in both directions.

    Attributes
    ----------
    episodes : list of dict — as :func:`find_imitations`, plus ``imitator`` and ``model`` names
    curves, summary : see :func:`analyze_imitation`
    """

    episodes: list[dict] = field(default_factory=list)
    curves: dict[str, Curve] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


def analyze_imitation(
    a: PlayerEvents,
    b: PlayerEvents,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    names: tuple[str, str] = ("a", "b"),
    min_lag: float = MIN_LAG,
    max_lag: float = MAX_LAG,
) -> ImitationResult:
    """Who imitates whom, how often and how fast.

    Returns
    -------
    ImitationResult
        Curves ``{x}_imitates_{y}`` [episodes per minute, by episode start]. Summary
        ``{x}_imitates_{y}_count``, ``{x}_imitates_{y}_per_min``, ``{x}_imitates_{y}_lag_median_s``
        for both directions.

        Where a player is not recorded for the whole session (:attr:`PlayerEvents.recorded`,
        :attr:`PlayerEvents.gaps`), the rates are per minute of the time both are recorded
        (since dialogue 1.9): ``_per_min`` over the session's, None without any; a window's
        rate over the window's, NaN without any.
    """
    duration = _validate.nonnegative("duration", duration)
    window, hop = _validate.window_hop(window, hop)
    # the time both are recorded (None: the whole session), in all and per window [s]
    shared = shared_mask(a, b, duration=duration)
    if shared is not None:
        shared_s = float(np.count_nonzero(shared)) * GRID_STEP
        _, part = window_means(shared, duration=duration, window=window, hop=hop,
                               step=GRID_STEP)
        window_s = part * window
    episodes: list[dict] = []
    curves: dict[str, Curve] = {}
    summary: dict = {}
    for model, imit, mn, iname in ((a, b, names[0], names[1]), (b, a, names[1], names[0])):
        eps = [dict(e, imitator=iname, model=mn)
               for e in find_imitations(model, imit, min_lag=min_lag, max_lag=max_lag)]
        eps = [e for e in eps if e["t"] < duration]
        key = f"{iname}_imitates_{mn}"
        t, c = count_in_windows(np.array([e["t"] for e in eps]),
                                duration=duration, window=window, hop=hop)
        lags = np.array([e["lag_s"] for e in eps])
        summary[f"{key}_count"] = float(len(eps))
        if shared is None:
            curves[key] = (t, c * 60.0 / window)
            summary[f"{key}_per_min"] = len(eps) / duration * 60.0 if duration > 0 else 0.0
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                curves[key] = (t, np.where(window_s > 0, c * 60.0 / window_s, np.nan))
            summary[f"{key}_per_min"] = len(eps) / shared_s * 60.0 if shared_s > 0 else None
        summary[f"{key}_lag_median_s"] = num(np.median(lags)) if lags.size else None
        episodes += eps
    episodes.sort(key=lambda e: e["t"])
    return ImitationResult(episodes, curves, summary)

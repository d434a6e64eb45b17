"""Activity and turn-taking: who plays when, floor transfers, gaps, pauses and overlaps.

Each player's *activity* is the union of their sounding notes (an onset without an offset
sounds for :data:`NOTE_HOLD`), with rests shorter than :data:`ACTIVITY_BRIDGE` bridged: a phrase
with short rests is one stretch of playing, as a talkspurt with short pauses is in speech.
On a 10 ms grid every instant is then *silent*, *solo* (one player) or *joint* (both).

Turn-taking follows the conversation-analysis scheme of Heldner & Edlund (2010, "Pauses, gaps
and overlaps in conversations", J. Phonetics 38:555-568): between two stretches of solo playing,

- the floor moves from one player to the other (a **floor transfer**) through a **gap** (joint
  silence) or an **overlap** (both play), or directly;
- or it stays with the same player after a **pause** (joint silence) or a **within-player
  overlap** (the other joins briefly without taking over, like a backchannel).

The floor-transfer offset (FTO) is the gap length (positive) or minus the overlap length
(negative), as in Heldner & Edlund.

A turn is a stretch of solo playing at least :data:`MIN_TURN` long (since dialogue 1.7): a
player who starts a beat before the other, or whose note rings a moment after the other's, is
not holding the floor. Shorter solo moments count neither as a turn nor as a gap or overlap.

Only the time in which both players are being recorded counts (since dialogue 1.8): where one
player's recording has ended or not begun (:attr:`PlayerEvents.recorded`, e.g. an imported
audio file shorter than the session), the other is not playing alone and neither is silent:
that time is outside the pair's shared time (:data:`UNRECORDED`), and no turn, solo, joint or
silent time, gap or pause is counted in it. Before, a recording that stopped at 0:19 of a
3:30 session left the other player a "turn" of 190 s. Since dialogue 1.9 the same holds for
the stretches inside a recording that were not recorded (:attr:`PlayerEvents.gaps`: a device
lost for a while, a dropout filled with silence), which read as the player's silence before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validate
from ..windows import DEFAULT_HOP, DEFAULT_WINDOW, window_means
from ._grid import GRID_STEP, Curve, intervals_mask, num
from .events import PlayerEvents

__all__ = ["NOTE_HOLD", "ACTIVITY_BRIDGE", "MIN_TURN", "RECORDED_SLACK", "UNRECORDED",
           "ActivityResult", "activity_intervals", "recorded_mask", "shared_mask",
           "analyze_activity"]

#: How long an event without an offset counts as sounding [seconds], and the least an event
#: with one does: 250 ms, about the duration of an eighth note at 120 BPM. Audio onsets carry
#: their sound's end since analysis 1.24.0 (:func:`analysis.onsets.onset_ends`; dialogue
#: 1.11.0): before, a held tone or a sung line counted as 0.25 s of playing per onset.
NOTE_HOLD = 0.25
#: Rests up to this long [seconds] do not end a player's activity: 1 s is a half note at 120 BPM,
#: a rest inside a phrase. MTTB's *silence* (a gap > 2 s, ``analysis.SILENCE_GAP``) is the
#: coarser "the player fell silent" criterion of the per-player features.
ACTIVITY_BRIDGE = 1.0
#: Shortest solo stretch [seconds] that is a turn (since dialogue 1.7): the activity's own
#: scale, :data:`ACTIVITY_BRIDGE` (a rest under 1 s does not end a phrase, and playing alone
#: for under 1 s does not take the floor). Before, every 10 ms of solo playing was a turn, and
#: a duet that played together throughout, one player starting 10 ms early, read "1 turn
#: change, overlap 94.6 s, turns of 0.01 s".
MIN_TURN = ACTIVITY_BRIDGE
#: A recording that starts this soon after the session [seconds] counts from its start, and
#: one that ends this soon before the session's end to its end: the activity's own scale
#: (:data:`ACTIVITY_BRIDGE`); an audio input's first samples arrive some milliseconds after
#: the session's clock starts.
RECORDED_SLACK = ACTIVITY_BRIDGE
#: State of a grid cell outside the pair's shared time: one of the two is not being recorded
#: (the other states: 0 silent, 1 the first player alone, 2 the second alone, 3 both).
UNRECORDED = -1


def activity_intervals(
    player: PlayerEvents, *, duration: float, bridge: float = ACTIVITY_BRIDGE,
    hold: float = NOTE_HOLD
) -> np.ndarray:
    """Stretches in which a player is playing.

    Parameters
    ----------
    player : PlayerEvents
    duration : float [seconds]
        Session length; intervals are cut at it.
    bridge : float [seconds]
        Rests up to this long are bridged (see :data:`ACTIVITY_BRIDGE`).
    hold : float [seconds]
        Sounding time of an event without an offset (and the minimum for one with an offset).

    Returns
    -------
    np.ndarray [shape=(k, 2), seconds]
        Sorted, disjoint ``(start, end)`` pairs; shape ``(0, 2)`` for a player without events.

    Examples
    --------
    >>> p = PlayerEvents(np.array([0.0, 0.5, 1.0, 4.0]))
    >>> activity_intervals(p, duration=10.0).tolist()
    [[0.0, 1.25], [4.0, 4.25]]
    """
    duration = _validate.nonnegative("duration", duration)
    bridge = _validate.nonnegative("bridge", bridge)
    hold = _validate.positive("hold", hold)
    keep = (player.onsets >= 0) & (player.onsets < duration)
    on = player.onsets[keep]
    if on.size == 0:
        return np.zeros((0, 2))
    end = on + hold
    if player.offsets is not None:
        end = np.maximum(end, player.offsets[keep])
    end = np.minimum(end, duration)
    reach = np.maximum.accumulate(end)
    new = np.concatenate(([True], on[1:] - reach[:-1] > bridge))
    idx = np.flatnonzero(new)
    last = np.concatenate((idx[1:] - 1, [on.size - 1]))
    return np.stack([on[idx], reach[last]], axis=1)


def recorded_mask(player: PlayerEvents, *, duration: float) -> np.ndarray | None:
    """The grid cells (:data:`GRID_STEP`) of a session of ``duration`` seconds in which
    ``player`` is being recorded (:attr:`PlayerEvents.recorded`, its ends within
    :data:`RECORDED_SLACK` of the session's taken as the session's, less its
    :attr:`PlayerEvents.gaps`); None where that is the whole session.

    Examples
    --------
    >>> m = recorded_mask(PlayerEvents(np.zeros(0), recorded=(0.5, 3.0)), duration=5.0)
    >>> int(m.sum()), m[0], m[299], m[300]
    (300, np.True_, np.True_, np.False_)
    >>> recorded_mask(PlayerEvents(np.zeros(0), recorded=(0.02, 4.5)), duration=5.0) is None
    True
    >>> m = recorded_mask(PlayerEvents(np.zeros(0), gaps=((1.0, 1.5),)), duration=5.0)
    >>> int(m.sum()), m[99], m[100], m[149], m[150]
    (450, np.True_, np.False_, np.False_, np.True_)
    """
    if player.recorded is None and not player.gaps:
        return None
    lo, hi = player.recorded if player.recorded is not None else (0.0, duration)
    lo = 0.0 if lo <= RECORDED_SLACK else lo
    hi = duration if hi >= duration - RECORDED_SLACK else hi
    mask = intervals_mask(np.array([[lo, hi]]), duration=duration)
    if player.gaps:
        mask &= ~intervals_mask(np.array(player.gaps), duration=duration)
    return None if mask.all() else mask


def shared_mask(a: PlayerEvents, b: PlayerEvents, *, duration: float) -> np.ndarray | None:
    """The grid cells (:data:`GRID_STEP`) in which both ``a`` and ``b`` are being recorded
    (:func:`recorded_mask` of each); None where that is the whole session.

    Examples
    --------
    >>> m = shared_mask(PlayerEvents(np.zeros(0), recorded=(0.0, 3.0)),
    ...                 PlayerEvents(np.zeros(0), gaps=((1.0, 1.5),)), duration=5.0)
    >>> int(m.sum())
    250
    >>> shared_mask(PlayerEvents(np.zeros(0)), PlayerEvents(np.zeros(0)), duration=5.0) is None
    True
    """
    ra, rb = recorded_mask(a, duration=duration), recorded_mask(b, duration=duration)
    if ra is None and rb is None:
        return None
    return ra if rb is None else (rb if ra is None else ra & rb)


def _share_curve(cells: np.ndarray, within: np.ndarray | None, **grid) -> Curve:
    """Per window, the share of the cells ``within`` (None: all) that are set in ``cells``;
    NaN in a window without a cell within."""
    if within is None:
        return window_means(cells, **grid)
    times, part = window_means(within, **grid)
    _, mean = window_means(cells & within, **grid)
    with np.errstate(invalid="ignore", divide="ignore"):
        return times, np.where(part > 0, mean / part, np.nan)


@dataclass(frozen=True)
class ActivityResult:
    """Activity and turn-taking of a pair of players.

    Attributes
    ----------
    intervals : tuple of two np.ndarray [shape=(k, 2), seconds] — activity of each player
    turns : list of dict — ``{player, start, end}`` [seconds]: a player holds the floor
    transitions : list of dict — ``{kind, start, end, from, to, fto_s}``; kind is ``gap``,
        ``overlap`` (both floor transfers), ``pause`` or ``within_overlap``
    curves : dict name -> (times [s], values [share 0..1]) per window
    summary : dict — flat, JSON-safe
    """

    intervals: tuple[np.ndarray, np.ndarray]
    turns: list[dict] = field(default_factory=list)
    transitions: list[dict] = field(default_factory=list)
    curves: dict[str, Curve] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


def _runs(state: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run-length encoding: (values, start cell, end cell) of each run."""
    if state.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    change = np.flatnonzero(np.diff(state)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [state.size]))
    return state[starts], starts, ends


def analyze_activity(
    a: PlayerEvents,
    b: PlayerEvents,
    *,
    duration: float,
    window: float = DEFAULT_WINDOW,
    hop: float = DEFAULT_HOP,
    names: tuple[str, str] = ("a", "b"),
    bridge: float = ACTIVITY_BRIDGE,
    hold: float = NOTE_HOLD,
) -> ActivityResult:
    """Solo, joint and silent time, turns, floor transfers, gaps and overlaps of two players.

    Parameters
    ----------
    a, b : PlayerEvents
    duration : float [seconds]
    window, hop : float [seconds]
        Analysis windows of the curves (MTTB default 6 s / 1 s).
    names : (str, str)
        Player names used in curve and summary keys.
    bridge, hold : float [seconds]
        See :func:`activity_intervals`.

    Returns
    -------
    ActivityResult
        Curves ``{name}_active``, ``{name}_solo``, ``joint``, ``silent`` (share of each window).
        Summary ``{name}_active_share``, ``{name}_solo_share``, ``joint_share``,
        ``silent_share``, ``floor_transfers``, ``floor_transfers_per_min``, ``gap_count``,
        ``overlap_count``, ``pause_count``, ``within_overlap_count``, ``gap_mean_s``,
        ``overlap_mean_s``, ``fto_median_s``, ``{name}_turns``, ``{name}_turn_mean_s``.

        Where a player's recording (:attr:`PlayerEvents.recorded`) is shorter than the
        session, ``{name}_active`` and ``{name}_active_share`` are over that player's recorded
        time, and the solo, joint and silent curves and shares, the turns, the transitions and
        the rate of floor transfers over the time both are recorded; a window without such
        time has no value (NaN), and a session without any has no shares (None).

    References
    ----------
    Heldner, M. & Edlund, J. (2010). Pauses, gaps and overlaps in conversations.
    Journal of Phonetics 38(4), 555-568.
    """
    duration = _validate.nonnegative("duration", duration)
    window, hop = _validate.window_hop(window, hop)
    ia = activity_intervals(a, duration=duration, bridge=bridge, hold=hold)
    ib = activity_intervals(b, duration=duration, bridge=bridge, hold=hold)
    ma = intervals_mask(ia, duration=duration)
    mb = intervals_mask(ib, duration=duration)
    state = ma.astype(np.int64) + 2 * mb.astype(np.int64)  # 0 silent, 1 a solo, 2 b solo, 3 joint
    # the time both are recorded (None: the whole session)
    ra, rb = recorded_mask(a, duration=duration), recorded_mask(b, duration=duration)
    shared = None if ra is None and rb is None else (
        (np.ones_like(ma) if ra is None else ra) & (np.ones_like(mb) if rb is None else rb))
    if shared is not None:
        state[~shared] = UNRECORDED
    na, nb = names
    curves: dict[str, Curve] = {}
    grid = dict(duration=duration, window=window, hop=hop, step=GRID_STEP)
    for key, cells, within in ((f"{na}_active", ma, ra), (f"{nb}_active", mb, rb),
                               (f"{na}_solo", state == 1, shared),
                               (f"{nb}_solo", state == 2, shared), ("joint", state == 3, shared),
                               ("silent", state == 0, shared)):
        curves[key] = _share_curve(cells, within, **grid)

    turns, transitions = _turns_and_transitions(state, names)
    summary = _activity_summary(state, ma, mb, turns, transitions, names=names, duration=duration,
                                recorded=(ra, rb))
    return ActivityResult((ia, ib), turns, transitions, curves, summary)


def _turns_and_transitions(state: np.ndarray, names: tuple[str, str], *,
                           min_turn: float = MIN_TURN) -> tuple[list[dict], list[dict]]:
    """Turns (solo stretches of at least ``min_turn`` seconds, a player's consecutive ones
    merged) and the transitions between them (gap, overlap, pause, within-player overlap) from
    the grid of states (0 silent, 1 a solo, 2 b solo, 3 joint, :data:`UNRECORDED`). A shorter
    solo stretch is no turn, and its time counts neither as gap nor as overlap. Time outside
    the pair's shared time ends a turn and is no transition."""
    vals, s, e = _runs(state)
    turns: list[dict] = []
    transitions: list[dict] = []
    long_enough = (e - s) * GRID_STEP >= min_turn - GRID_STEP / 2
    solo = np.flatnonzero(((vals == 1) | (vals == 2)) & long_enough)
    cut = False  # the time since the last turn holds a stretch outside the shared time
    for k, i in enumerate(solo):
        who = names[int(vals[i]) - 1]
        if turns and turns[-1]["player"] == who and not cut:
            turns[-1]["end"] = float(e[i] * GRID_STEP)
        else:
            turns.append({"player": who, "start": float(s[i] * GRID_STEP),
                          "end": float(e[i] * GRID_STEP)})
        if k + 1 == solo.size:
            break
        j = solo[k + 1]
        between = slice(i + 1, j)
        cut = bool(np.any(vals[between] == UNRECORDED))
        if cut:
            continue
        length = (e[between] - s[between]) * GRID_STEP
        silence = float(np.sum(length[vals[between] == 0]))
        overlap = float(np.sum(length[vals[between] == 3]))
        to = names[int(vals[j]) - 1]
        if to != who:
            fto = silence - overlap
            kind = "overlap" if fto < 0 else "gap"
        elif silence == 0 and overlap == 0:
            continue
        else:
            fto = silence - overlap
            kind = "within_overlap" if overlap > 0 and silence == 0 else "pause"
        transitions.append({"kind": kind, "start": float(e[i] * GRID_STEP),
                            "end": float(s[j] * GRID_STEP), "from": who, "to": to,
                            "fto_s": round(fto, 6)})
    return turns, transitions


def _activity_summary(state: np.ndarray, ma: np.ndarray, mb: np.ndarray, turns: list[dict],
                      transitions: list[dict], *, names: tuple[str, str],
                      duration: float,
                      recorded: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
                      ) -> dict:
    """The session values of :func:`analyze_activity`: shares of the states, counts and
    lengths of the transitions, turns per player. ``recorded``: each player's recorded cells
    (:func:`recorded_mask`; None: the whole session)."""
    na, nb = names
    if any(r is not None for r in recorded):
        return _recorded_summary(state, ma, mb, turns, transitions, names=names,
                                 recorded=recorded)
    n = max(state.size, 1)
    kinds = [t["kind"] for t in transitions]
    gaps = np.array([t["fto_s"] for t in transitions if t["kind"] == "gap"])
    ovl = np.array([-t["fto_s"] for t in transitions if t["kind"] == "overlap"])
    fto = np.array([t["fto_s"] for t in transitions if t["kind"] in ("gap", "overlap")])
    n_transfer = int(fto.size)
    summary: dict = {
        f"{na}_active_share": float(np.sum(ma)) / n if state.size else 0.0,
        f"{nb}_active_share": float(np.sum(mb)) / n if state.size else 0.0,
        f"{na}_solo_share": float(np.sum(state == 1)) / n if state.size else 0.0,
        f"{nb}_solo_share": float(np.sum(state == 2)) / n if state.size else 0.0,
        "joint_share": float(np.sum(state == 3)) / n if state.size else 0.0,
        "silent_share": float(np.sum(state == 0)) / n if state.size else 1.0,
        "floor_transfers": float(n_transfer),
        "floor_transfers_per_min": n_transfer / duration * 60.0 if duration > 0 else 0.0,
        "gap_count": float(kinds.count("gap")),
        "overlap_count": float(kinds.count("overlap")),
        "pause_count": float(kinds.count("pause")),
        "within_overlap_count": float(kinds.count("within_overlap")),
        "gap_mean_s": num(gaps.mean()) if gaps.size else None,
        "overlap_mean_s": num(ovl.mean()) if ovl.size else None,
        "fto_median_s": num(np.median(fto)) if fto.size else None,
    }
    for name in names:
        d = np.array([t["end"] - t["start"] for t in turns if t["player"] == name])
        summary[f"{name}_turns"] = float(d.size)
        summary[f"{name}_turn_mean_s"] = num(d.mean()) if d.size else None
    return summary


def _recorded_summary(state: np.ndarray, ma: np.ndarray, mb: np.ndarray, turns: list[dict],
                      transitions: list[dict], *, names: tuple[str, str],
                      recorded: tuple[np.ndarray | None, np.ndarray | None]) -> dict:
    """:func:`_activity_summary` where a recording is shorter than the session: each player's
    active share over their own recorded time, the pair's shares and rate over the time both
    are recorded (the cells of ``state`` not :data:`UNRECORDED`); None without such time."""
    shared = state != UNRECORDED
    n = int(np.sum(shared))

    def share(cells: np.ndarray, within: np.ndarray) -> float | None:
        k = int(np.sum(within))
        return float(np.sum(cells & within)) / k if k else None

    out = _activity_summary(state[shared], ma[shared], mb[shared], turns,
                            transitions, names=names, duration=n * GRID_STEP)
    for name, cells, rec in zip(names, (ma, mb), recorded, strict=True):
        out[f"{name}_active_share"] = share(cells, np.ones_like(cells) if rec is None else rec)
    if n == 0:
        for key in (f"{names[0]}_solo_share", f"{names[1]}_solo_share", "joint_share",
                    "silent_share", "floor_transfers_per_min"):
            out[key] = None
    return out

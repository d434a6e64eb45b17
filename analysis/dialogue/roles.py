"""Role suggestions per window after Bruscia's autonomy profile (IAP).

Bruscia's Improvisation Assessment Profiles (1987) describe a player's *autonomy* in relation to
the other as **dependent**, **follower**, **partner**, **leader** or **resister**; CAMII-style
tools classify the client's role per moment on this scale (Streeter et al. 2012 describe the
Music Therapy Logbook, its computer-aided predecessor). Here every window gets, for each
player, one suggestion with a confidence (0..1), derived from the measures of this package:

=============  ===========================================================================
role           rule (in order; "active" = playing at least 20 % of the window)
=============  ===========================================================================
silence        the player is not active (whether or not the other plays)
solo           the player is active, the other is not
leader         this player leads (confidence >= 0.3): timing (phase correction, .coupling)
               combined with the lagged feature correlation (leadership.combine)
dependent      the other leads, and >= 60 % of this player's events lie in imitations of
               the other (it copies rather than adds)
follower       the other leads (confidence >= 0.3)
partner        no leader, but the players are coupled: correlation peak at lag ~0, or phase
               locking >= 0.5 that chance would not give (Rayleigh p < 0.005), or
               imitation in both directions, or they take turns (call and response: the
               floor passes from one to the other within the window, within 1 s, and they
               seldom play at once or both rest; since dialogue 1.10)
resister       both active and no coupling found; confidence at most 0.45, because the
               measures cannot tell ignoring the other from opposing them
=============  ===========================================================================

These are **suggestions** (``"status": "suggested"``) for the therapist to confirm or reject;
they are not a clinical assessment.
"""

from __future__ import annotations

import numpy as np

from .events import PlayerEvents

__all__ = ["ROLES", "ACTIVE_MIN", "LEAD_MIN", "DEPENDENT_COVERAGE", "LOCKED", "LOCK_P",
           "RESISTER_MAX", "TURN_JOINT_MAX", "TURN_SILENT_MAX", "TURN_FTO_MAX", "TURN_TAKING",
           "suggest_roles"]

#: The role vocabulary (Bruscia's five autonomy roles plus solo and silence).
ROLES = ("dependent", "follower", "partner", "leader", "resister", "solo", "silence")
#: A player is active in a window when playing at least this share of it.
ACTIVE_MIN = 0.2
#: Least leadership confidence for a leader/follower suggestion.
LEAD_MIN = 0.3
#: Share of a follower's events inside imitations of the other that makes it "dependent".
DEPENDENT_COVERAGE = 0.6
#: Highest confidence of a "resister" suggestion: the measures cannot tell ignoring the other
#: from opposing them, so it stays under the default threshold (0.5) for accepting suggestions
#: into the annotations; a therapist who wants them lowers that minimum confidence (since 1.1).
RESISTER_MAX = 0.45
#: Phase locking from which two players count as coupled (see synchrony.phase_locking).
LOCKED = 0.5
#: ... if random phases would reach it less often than this (Rayleigh test,
#: synchrony.rayleigh_p; 0.01 halved for taking the better of the two directions). Since 1.1:
#: with the few events of a window, a locking of 0.5 comes easily by chance, and two
#: independent random players were suggested as partners in 14 % of their windows.
LOCK_P = 0.005
#: Taking turns (since dialogue 1.10): in a window with a floor transfer (one player's turn
#: ends, the other's begins: :mod:`analysis.dialogue.activity`) whose gap or overlap is at most
#: ``TURN_FTO_MAX`` seconds, both playing together at most ``TURN_JOINT_MAX`` of the window and
#: both resting at most ``TURN_SILENT_MAX`` of it, the players answer each other: a call and
#: its response, which Bruscia's partner describes (each leads and follows in turn). Before,
#: such windows had no coupling and were suggested as "resister" (review 35: 88 % of the windows
#: of a call and response). ``bench/turn_taking_roles.py``: call and response 0.84 of the
#: windows partner (0.81 on drums); independent players 0–3.9 % of the windows more than before.
TURN_JOINT_MAX = 0.1
TURN_SILENT_MAX = 0.2
TURN_FTO_MAX = 1.0
#: Least onsets in each of the two turns a floor transfer joins (a call and its answer are
#: phrases).
TURN_MIN_NOTES = 3
#: Least quick floor transfers in a row that are an exchange.
TURN_RUN = 4
#: The confidence of a partner suggestion from taking turns (as from imitation both ways).
TURN_TAKING = 0.5


def _coverage(onsets: np.ndarray, episodes: list[dict], s: float, e: float) -> float:
    t = onsets[(onsets >= s) & (onsets < e)]
    if t.size == 0:
        return 0.0
    inside = np.zeros(t.size, bool)
    for ep in episodes:
        inside |= (t >= ep["t"] - 1e-9) & (t <= ep["end"] + 1e-9)
    return float(inside.mean())


def suggest_roles(
    players: tuple[PlayerEvents, PlayerEvents],
    *,
    names: tuple[str, str],
    starts: np.ndarray,
    window: float,
    active: tuple[np.ndarray, np.ndarray],
    leader: list[str],
    lead_confidence: np.ndarray,
    locking: np.ndarray,
    episodes: list[dict],
    locking_p: np.ndarray | None = None,
    joint: np.ndarray | None = None,
    silent: np.ndarray | None = None,
    transfers: list[dict] | None = None,
    turns: list[dict] | None = None,
) -> list[dict]:
    """One role suggestion per window and player.

    Parameters
    ----------
    players : (PlayerEvents, PlayerEvents)
    names : (str, str)
    starts : np.ndarray [seconds] — window starts; ``window`` [seconds] their length
    active : two np.ndarray [share 0..1] — active share of each player per window; NaN in a
        window in which a player is not recorded, which gets no suggestion (since dialogue 1.8)
    leader, lead_confidence : per window
        from :func:`analysis.dialogue.leadership.analyze_leadership` (the combined call:
        timing and features; ``together`` counts as coupling, ``unclear`` does not)
    locking : np.ndarray [0..1 or NaN] — phase locking per window
    locking_p : np.ndarray or None — its Rayleigh p-value per window (None: not checked)
    episodes : list of dict — imitation episodes (``t``, ``end`` [s], ``imitator``)
    joint, silent : np.ndarray [share 0..1] or None — per window, the share in which both play
        and in which neither does (:func:`analysis.dialogue.activity.analyze_activity`)
    transfers : list of dict or None — floor transfers (``kind`` ``gap`` or ``overlap``,
        ``start``, ``end`` [s], ``fto_s``); with ``joint`` and ``silent`` they let taking turns
        count as coupling (None: not checked)

    Returns
    -------
    list of dict
        ``{t, end, player, role, confidence, status: "suggested"}`` sorted by time, then player.
    """
    out: list[dict] = []
    turns_at = _turn_taking(starts, window=window, joint=joint, silent=silent,
                            transfers=transfers, turns=turns or [], players=players, names=names)
    for w, s in enumerate(np.asarray(starts, dtype=np.float64)):
        e = s + window
        for p in (0, 1):
            o = 1 - p
            me, other = names[p], names[o]
            ap, ao = float(active[p][w]), float(active[o][w])
            if not (np.isfinite(ap) and np.isfinite(ao)):
                continue  # outside the time both are recorded: nothing to suggest
            conf_lead = float(lead_confidence[w])
            pl = float(locking[w]) if np.isfinite(locking[w]) else 0.0
            if locking_p is not None and not locking_p[w] < LOCK_P:
                pl = 0.0  # as strong as chance makes it with this few events
            if ap < ACTIVE_MIN:
                role, conf = "silence", 1.0 - ap / ACTIVE_MIN
            elif ao < ACTIVE_MIN:
                role, conf = "solo", 1.0 - ao / ACTIVE_MIN
            elif leader[w] == me and conf_lead >= LEAD_MIN:
                role, conf = "leader", conf_lead
            elif leader[w] == other and conf_lead >= LEAD_MIN:
                mine = [ep for ep in episodes if ep["imitator"] == me]
                cov = _coverage(players[p].onsets, mine, s, e)
                if cov >= DEPENDENT_COVERAGE:
                    role, conf = "dependent", conf_lead * cov
                else:
                    role, conf = "follower", conf_lead
            else:
                # each imitates the other in this window: an episode of each overlaps it
                # (since dialogue 1.9 one imitated passage is one episode, which may start
                # before the window)
                mutual = (_imitates_within(episodes, me, s, e)
                          and _imitates_within(episodes, other, s, e))
                together = conf_lead if leader[w] == "together" else 0.0
                lock = (pl - LOCKED) / (1.0 - LOCKED) if pl >= LOCKED else 0.0
                coupled = max(together, lock, 0.5 if mutual else 0.0,
                              TURN_TAKING if turns_at[w] else 0.0)
                if coupled > 0:
                    role, conf = "partner", coupled
                else:
                    role, conf = "resister", RESISTER_MAX * (1.0 - max(pl, conf_lead))
            out.append({"t": float(s), "end": float(e), "player": me, "role": role,
                        "confidence": round(float(np.clip(conf, 0.0, 1.0)), 3),
                        "status": "suggested"})
    return out


def _imitates_within(episodes: list[dict], who: str, start: float, end: float) -> bool:
    """Whether an imitation episode of ``who`` (the imitator) overlaps ``[start, end)`` [s]."""
    return any(ep["imitator"] == who and ep["t"] < end and ep["end"] > start
               for ep in episodes)


def _turn_taking(starts, *, window: float, joint: np.ndarray | None, silent: np.ndarray | None,
                 transfers: list[dict] | None, turns: list[dict],
                 players: tuple[PlayerEvents, PlayerEvents],
                 names: tuple[str, str]) -> np.ndarray:
    """Per window: whether the players take turns in it (see :data:`TURN_JOINT_MAX`)."""
    starts = np.asarray(starts, dtype=np.float64)
    if joint is None or silent is None or not transfers:
        return np.zeros(starts.size, bool)
    phrases = _phrases_on_both_sides(transfers, turns, players, names)
    quick = [t["kind"] in ("gap", "overlap") and abs(t["fto_s"]) <= TURN_FTO_MAX and phrase
             for t, phrase in zip(transfers, phrases, strict=True)]
    # a transfer counts inside an exchange: a run of at least TURN_RUN quick transfers in a row
    # (a pause, a slow or a within-player transition ends it)
    keep = np.zeros(len(transfers), bool)
    k = 0
    while k < len(transfers):
        if not quick[k]:
            k += 1
            continue
        m = k
        while m + 1 < len(transfers) and quick[m + 1]:
            m += 1
        if m - k + 1 >= TURN_RUN:
            keep[k:m + 1] = True
        k = m + 1
    mids = np.array([(t["start"] + t["end"]) / 2
                     for t, y in zip(transfers, keep, strict=True) if y])
    n = min(starts.size, len(joint), len(silent))
    out = np.zeros(starts.size, bool)
    for w in range(n):
        j, q = float(joint[w]), float(silent[w])
        if not (j <= TURN_JOINT_MAX and q <= TURN_SILENT_MAX):  # NaN: not both recorded
            continue
        out[w] = bool(mids.size and np.any((mids >= starts[w]) & (mids < starts[w] + window)))
    return out


def _phrases_on_both_sides(transfers: list[dict], turns: list[dict],
                           players: tuple[PlayerEvents, PlayerEvents],
                           names: tuple[str, str]) -> list[bool]:
    """Per floor transfer: whether the turns it joins (the one it ends, the one it begins) each
    hold at least :data:`TURN_MIN_NOTES` onsets: a call and its answer are phrases, not a note
    or two that chance leaves alone."""
    notes = {}
    for t in turns:  # onsets in [start, end) of each turn, by binary search
        on = players[names.index(t["player"])].onsets
        lo, hi = np.searchsorted(on, [t["start"] - 1e-6, t["end"]], side="left")
        notes[(t["player"], "end", round(t["end"], 6))] = int(hi - lo)
        notes[(t["player"], "start", round(t["start"], 6))] = int(hi - lo)
    return [min(notes.get((x["from"], "end", round(x["start"], 6)), 0),
                notes.get((x["to"], "start", round(x["end"], 6)), 0)) >= TURN_MIN_NOTES
            for x in transfers]

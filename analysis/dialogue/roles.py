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
               imitation in both directions
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
           "RESISTER_MAX", "suggest_roles"]

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

    Returns
    -------
    list of dict
        ``{t, end, player, role, confidence, status: "suggested"}`` sorted by time, then player.
    """
    out: list[dict] = []
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
                coupled = max(together, lock, 0.5 if mutual else 0.0)
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

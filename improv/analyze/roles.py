"""Role suggestions: merging the dialogue's per-window roles into runs, and writing the runs
into a session's annotations once (:func:`accept_roles`)."""

from __future__ import annotations

import numpy as np

from sessions.annotation_edits import SUGGESTION_AUTHOR

#: The annotation tag of each suggested role (vocabulary: sessions.vocabulary).
ROLE_TAGS = {
    "dependent": "autonomy:dependent",
    "follower": "autonomy:follower",
    "partner": "autonomy:partner",
    "leader": "autonomy:leader",
    "resister": "autonomy:resister",
    "solo": "solo",
    "silence": "silence",
}


def role_runs(roles: list[dict], *, window: float, hop: float, duration: float) -> list[dict]:
    """Merge per-window role suggestions into runs of one role per player.

    Windows overlap (a 6 s window every 1 s), so each window stands for the ``hop`` seconds
    around its centre; consecutive windows of one player with the same role become one run
    ``[first centre - hop/2, last centre + hop/2]`` (clipped to the session), and the run's
    confidence is the mean of its windows'.

    Parameters
    ----------
    roles : list of dict
        ``{t, end, player, role, confidence}`` per window and player
        (:attr:`analysis.dialogue.DialogueAnalysis.roles`).
    window, hop, duration : float [seconds]

    Returns
    -------
    list of dict
        ``{t, end, player, role, confidence, windows}`` sorted by time, then player.
    """
    runs: list[dict] = []
    current: dict[str, dict] = {}
    for r in sorted(roles, key=lambda r: (r["player"], r["t"])):
        centre = float(r["t"]) + window / 2.0
        run = current.get(r["player"])
        if run is not None and run["role"] == r["role"] and centre - run["_last"] <= hop * 1.5:
            run["_last"] = centre
            run["_conf"].append(float(r["confidence"] or 0.0))
            continue
        run = {"player": r["player"], "role": r["role"], "_first": centre, "_last": centre,
               "_conf": [float(r["confidence"] or 0.0)]}
        current[r["player"]] = run
        runs.append(run)
    out = []
    for run in runs:
        out.append({
            "t": round(max(0.0, run["_first"] - hop / 2.0), 3),
            "end": round(min(duration, run["_last"] + hop / 2.0), 3),
            "player": run["player"],
            "role": run["role"],
            "confidence": round(float(np.mean(run["_conf"])), 3),
            "windows": len(run["_conf"]),
        })
    out.sort(key=lambda r: (r["t"], r["player"]))
    return out


def accept_roles(store, session_id: str, runs: list[dict], *, min_confidence: float = 0.5,
                 pair: str = "") -> list[dict]:
    """Write role suggestions into the session's annotations, once.

    Each run with ``confidence >= min_confidence`` becomes a range annotation of its player
    with ``source="suggestion"`` and tags ``suggestion`` plus the role's tag (``autonomy:<role>``,
    ``solo`` or ``silence``). It stays marked as a suggestion until the therapist confirms it
    (edits it to drop the ``suggestion`` tag) or deletes it. A run that already has an
    annotation — same player, times (to 1 ms) and role tag, current, confirmed *or deleted* —
    is skipped, so re-running never duplicates a suggestion nor brings back a rejected one.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    runs : list of dict
        From :func:`role_runs`.
    min_confidence : float [0..1]
    pair : str
        ``"a|b"``, mentioned in the annotation text.

    Returns
    -------
    list of dict
        The annotations written (empty when all were there already).

    Raises
    ------
    improv.errors.ParameterError
        ``min_confidence`` outside 0..1.
    """
    from improv.errors import ParameterError
    from sessions.annotation_edits import add_annotations

    try:
        mc = float(min_confidence)
    except (TypeError, ValueError):
        mc = float("nan")
    if not (0.0 <= mc <= 1.0):
        raise ParameterError(f"min_confidence must be a number in 0..1, got {min_confidence!r}",
                             parameter="min_confidence")
    session = store.session(session_id)

    def ident(player, t, end, tags) -> set:
        role_tags = set(tags) & set(ROLE_TAGS.values())
        return {(player, round(float(t), 3), round(float(end if end is not None else t), 3), tag)
                for tag in role_tags}

    have: set = set()
    for a in session.annotations(include_deleted=True):
        have |= ident(a.get("player"), a["t"], a.get("end"), a.get("tags") or [])
    todo = []
    for run in runs:
        if run["confidence"] < mc or run["end"] <= run["t"]:
            continue
        tag = ROLE_TAGS[run["role"]]
        if ident(run["player"], run["t"], run["end"], [tag]) <= have:
            continue
        text = (f"suggested role: {run['role']} (confidence {run['confidence']:.2f}"
                + (f", dialogue {pair}" if pair else "") + ")")
        todo.append({"t": run["t"], "end": run["end"], "player": run["player"],
                     "tags": ["suggestion", tag], "text": text})
        have |= ident(run["player"], run["t"], run["end"], [tag])
    # one write and one refresh of the SMF markers and catalog for all of them
    return add_annotations(store, session_id, todo, by=SUGGESTION_AUTHOR, source="suggestion")

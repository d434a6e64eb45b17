"""Role suggestions: merging the dialogue's per-window roles into runs, writing the runs into a
session's annotations once (:func:`accept_roles`, :func:`accept_dialogue_roles`), what became
of each (:func:`role_suggestions`), and confirming or discarding the written ones
(:func:`confirm_suggestions`, :func:`discard_suggestions`, :func:`restore_suggestions`), each
a batch: one revision per annotation, written together, the markers and the catalog refreshed
once (:func:`sessions.annotation_edits.change_annotations`).

``improv analyze --dialogue --accept-roles`` and the session page (``improv.web.api_roles``)
both go through these functions."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np

from analysis.dialogue.roles import LEAD_MIN
from sessions import annotation_log as ann
from sessions.annotation_edits import SUGGESTION_AUTHOR

#: The tag that marks an annotation as a suggestion not yet confirmed.
SUGGESTION_TAG = ann.SUGGESTION_TAG

#: The default least confidence (0..1) of a suggestion written into the annotations (a
#: "resister" never reaches it: analysis.dialogue.roles.RESISTER_MAX).
MIN_CONFIDENCE = 0.5

#: The confidence (0..1) from which the playing gives *a clear indication* of a suggested role:
#: the least confidence written into the annotations by default (:data:`MIN_CONFIDENCE`; the
#: session page's other suggestions are "less clear" and added only on request).
CLEAR_FROM = MIN_CONFIDENCE
#: ... from which it gives *some indication* (below, *a weak indication*): the least leadership
#: confidence for which the analysis names a leader or a follower at all
#: (:data:`analysis.dialogue.roles.LEAD_MIN`). A "resister" (at most
#: :data:`analysis.dialogue.roles.RESISTER_MAX`) is never a clear indication.
SOME_FROM = LEAD_MIN

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


def indication_words(confidence: float | None) -> str:
    """How strongly the playing points to a suggested role, in words: ``"a clear
    indication"`` (confidence from :data:`CLEAR_FROM`), ``"some indication"`` (from
    :data:`SOME_FROM`) or ``"a weak indication"``. A clinical role is never said to be "100 %
    sure": the confidence is the measures' strength, not a probability (a therapist's review
    read "leader · therapist (..., 100 % sure)" beside "Less sure: a confidence under 0.5").

    >>> indication_words(1.0), indication_words(0.45), indication_words(0.1)
    ('a clear indication', 'some indication', 'a weak indication')
    """
    c = float(confidence or 0.0)
    if c >= CLEAR_FROM:
        return "a clear indication"
    return "some indication" if c >= SOME_FROM else "a weak indication"


def suggestion_text(run: dict, *, pair: str = "") -> str:
    """What a role suggestion's annotation says, role and player first (the timeline cuts
    labels short): ``"partner · client (suggested: a clear indication from the playing)"``;
    with ``pair`` ``"a|b"``, ``"… from the playing of a & b)"`` (:func:`indication_words`).
    Before session 35 it said ``"(suggested from the playing, 99 % sure)"``.

    Parameters
    ----------
    run : dict
        ``{player, role, confidence}`` (:func:`role_runs`); confidence in 0..1.
    pair : str
        The pair the role was found in, or "" (a duet: the pair goes without saying).
    """
    of = f" of {pair.replace('|', ' & ')}" if pair else ""
    how = indication_words(run["confidence"])
    return f"{run['role']} · {run['player']} (suggested: {how} from the playing{of})"


def confirmed_text(role: str, player: str | None, *, on: datetime | None = None) -> str:
    """What a confirmed role suggestion says: ``"partner · client, confirmed Dec 6, 2026"``
    (the day in this computer's time zone, written as the web app writes days).

    Parameters
    ----------
    role : str
    player : str or None
    on : datetime.datetime, optional
        The moment of the confirmation (default: now).
    """
    from sessions.timefmt import day_words

    day = day_words((on or datetime.now()).astimezone().isoformat())
    return f"{role} · {player}, confirmed {day}" if player else f"{role}, confirmed {day}"


#: The texts :func:`accept_roles` writes: now (:func:`suggestion_text`), before session 35
#: (``"partner · client (suggested from the playing, 99 % sure)"``) and before analysis 1.17
#: (``"suggested role: partner (confidence 0.99, dialogue client|therapist)"``), the older
#: still in stores. A suggestion whose text is one of these is rewritten when it is confirmed;
#: a text the therapist wrote is kept.
_MACHINE_TEXTS = (
    re.compile(r"suggested role: (\w+) \(confidence ([0-9.]+)(?:, dialogue (.*))?\)"),
    re.compile(r"(\w+ · .*) \(suggested from the playing( of .*)?, (\d+) % sure\)"),
    re.compile(r"\w+ · .* \(suggested: (a clear|some|a weak) indication from the playing"
               r"( of .*)?\)"),
)


def reworded(annotation: dict) -> str:
    """The text of a role suggestion written in an older wording, in today's
    (:func:`suggestion_text`), the confidence read back from it; any other text as it is.
    Suggestions written before session 35 said "leader · client (suggested from the playing,
    100 % sure)" on the session page until confirmed.

    >>> reworded({"player": "client", "text": "leader · client (suggested from the playing, "
    ...           "100 % sure)"})
    'leader · client (suggested: a clear indication from the playing)'
    >>> reworded({"player": "client", "text": "suggested role: resister (confidence 0.45, "
    ...           "dialogue client|therapist)"})
    'resister · client (suggested: some indication from the playing of client & therapist)'
    >>> reworded({"player": "client", "text": "she leads"})
    'she leads'
    """
    text = annotation.get("text")
    said = (text or "").strip()
    if m := _MACHINE_TEXTS[1].fullmatch(said):
        head, of, pct = m.group(1), m.group(2) or "", m.group(3)
        return f"{head} (suggested: {indication_words(int(pct) / 100)} from the playing{of})"
    if (m := _MACHINE_TEXTS[0].fullmatch(said)) and re.fullmatch(r"\d*\.?\d+|\d+\.", m.group(2)):
        role, conf, pair = m.group(1), float(m.group(2)), m.group(3) or ""
        return suggestion_text({"role": role, "player": annotation.get("player") or "everyone",
                                "confidence": conf}, pair=pair)
    return text


def is_machine_text(text: str | None) -> bool:
    """Whether ``text`` is the analysis's own wording of a suggestion (old or new), not the
    therapist's."""
    return any(p.fullmatch((text or "").strip()) for p in _MACHINE_TEXTS)


def _check_min_confidence(min_confidence) -> float:
    from improv.errors import ParameterError

    try:
        mc = float(min_confidence)
    except (TypeError, ValueError):
        mc = float("nan")
    if not (0.0 <= mc <= 1.0):
        raise ParameterError(f"min_confidence must be a number in 0..1, got {min_confidence!r}",
                             parameter="min_confidence")
    return mc


def _idents(player, t, end, tags) -> set:
    """What identifies a role annotation: (player, start, end, role tag), times to 1 ms."""
    role_tags = set(tags) & set(ROLE_TAGS.values())
    return {(player, round(float(t), 3), round(float(end if end is not None else t), 3), tag)
            for tag in role_tags}


def _run_ident(run: dict) -> tuple:
    (ident,) = _idents(run["player"], run["t"], run["end"], [ROLE_TAGS[run["role"]]])
    return ident


def accept_roles(store, session_id: str, runs: list[dict], *,
                 min_confidence: float = MIN_CONFIDENCE, pair: str = "") -> list[dict]:
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
        ``"a|b"``, mentioned in the annotation text (:func:`suggestion_text`); "" for none.

    Returns
    -------
    list of dict
        The annotations written (empty when all were there already).

    Raises
    ------
    improv.errors.ParameterError
        ``min_confidence`` outside 0..1.
    """
    from sessions.annotation_edits import add_annotations

    mc = _check_min_confidence(min_confidence)
    session = store.session(session_id)
    have: set = set()
    for a in session.annotations(include_deleted=True):
        have |= _idents(a.get("player"), a["t"], a.get("end"), a.get("tags") or [])
    todo = []
    for run in runs:
        if run["confidence"] < mc or run["end"] <= run["t"]:
            continue
        ident = _run_ident(run)
        if ident in have:
            continue
        text = suggestion_text(run, pair=pair)
        todo.append({"t": run["t"], "end": run["end"], "player": run["player"],
                     "tags": [SUGGESTION_TAG, ROLE_TAGS[run["role"]]], "text": text})
        have.add(ident)
    # one write and one refresh of the SMF markers and catalog for all of them
    return add_annotations(store, session_id, todo, by=SUGGESTION_AUTHOR, source="suggestion")


def accept_dialogue_roles(store, session_id: str, dialogue: list[dict], *,
                          min_confidence: float = MIN_CONFIDENCE) -> list[dict]:
    """Write the role suggestions of every analysed pair into the annotations, once
    (:func:`accept_roles` per pair); each pair's entry gets ``accepted_roles``, the IDs of
    the annotations written for it. The text names the pair only where the session has more
    than one.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    dialogue : list of dict
        ``{name, role_runs, ...}`` per pair: the ``dialogue`` of
        :func:`improv.analyze.analyze_session`, or :func:`cached_dialogue`.
    min_confidence : float [0..1]

    Returns
    -------
    list of dict
        The annotations written, of all pairs (empty when all were there already).
    """
    _check_min_confidence(min_confidence)
    written: list[dict] = []
    several = len(dialogue) > 1
    for d in dialogue:
        mine = accept_roles(store, session_id, d["role_runs"], min_confidence=min_confidence,
                            pair=d["name"] if several else "")
        d["accepted_roles"] = [a["id"] for a in mine]
        written += mine
    return written


def cached_dialogue(store, session_id: str) -> list[dict] | None:
    """The role runs of every pair of the session from its stored default analysis (default
    window and hop, this analysis version), without analysing anything.

    Returns
    -------
    list of dict or None
        ``{pair, name, role_runs}`` per pair of players in track order (empty for a session
        of one player); None when a pair's dialogue is not analysed (or out of date).
    """
    from improv.analyze.cache import default_keys, read_cache

    session = store.session(session_id)
    keys = default_keys(session)
    out = []
    for name, key in keys.items():
        if "|" not in name:
            continue
        cached = read_cache(session, f"dialogue-{key}.json")
        if cached is None:
            return None
        entry = cached["entry"]
        out.append({"pair": list(entry["pair"]), "name": entry["name"],
                    "role_runs": entry.get("role_runs", [])})
    return out


def role_suggestions(store, session_id: str, dialogue: list[dict], *,
                     min_confidence: float = MIN_CONFIDENCE) -> list[dict]:
    """Every role suggestion of the pairs, with what became of it in the annotations.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    dialogue : list of dict
        ``{name, role_runs}`` per pair (see :func:`accept_dialogue_roles`).
    min_confidence : float [0..1]
        The least confidence :func:`accept_roles` writes by default (``sure``).

    Returns
    -------
    list of dict
        Per run that can be an annotation (``end > t``), by time: ``t``, ``end`` [seconds],
        ``player``, ``role``, ``confidence``, ``pair``, ``sure`` (``confidence >=
        min_confidence``), ``state`` — ``"new"`` (not in the annotations), ``"to review"``
        (written, still tagged ``suggestion``), ``"confirmed"`` (the tag removed, or the
        therapist's own annotation of that role and time) or ``"discarded"`` (deleted) — and
        ``annotation_id`` (None for ``new``).
    """
    mc = _check_min_confidence(min_confidence)
    session = store.session(session_id)
    found: dict[tuple, dict] = {}
    for a in session.annotations(include_deleted=True):
        for ident in _idents(a.get("player"), a["t"], a.get("end"), a.get("tags") or []):
            if ident not in found or found[ident]["deleted"]:  # a current one first
                found[ident] = a
    out = []
    for d in dialogue:
        for run in d["role_runs"]:
            if run["end"] <= run["t"]:
                continue
            a = found.get(_run_ident(run))
            if a is None:
                state = "new"
            elif a["deleted"]:
                state = "discarded"
            elif SUGGESTION_TAG in (a.get("tags") or []):
                state = "to review"
            else:
                state = "confirmed"
            out.append({"t": run["t"], "end": run["end"], "player": run["player"],
                        "role": run["role"], "confidence": run["confidence"],
                        "pair": d["name"], "sure": run["confidence"] >= mc, "state": state,
                        "annotation_id": a["id"] if a is not None else None})
    out.sort(key=lambda r: (r["t"], r["player"]))
    return out


def _pending(session, items: list[dict]) -> list[dict]:
    """The annotations ``items`` name (``{id, rev}``), each checked to be a suggestion still
    at the revision the change was made to, before anything is written."""
    from sessions.errors import AnnotationConflictError, InvalidArgumentError

    current = {a["id"]: a for a in session.annotations(include_deleted=True)}
    out, changed = [], []
    for item in items:
        a = current.get(item["id"])
        if a is None:
            raise InvalidArgumentError(
                f"session {session.id} has no annotation {item['id']!r}",
                parameter="annotation_id")
        rev = item.get("rev")
        if rev is not None and a["rev"] != rev:
            changed.append(a["id"])
            continue
        if a["deleted"] or not ann.unconfirmed_suggestion(a):
            why = ("it was discarded already" if a["deleted"] else
                   "it was confirmed already" if a.get("source") == "suggestion" else
                   "it is an annotation of your own, not the analysis's")
            raise InvalidArgumentError(
                f"annotation {a['id']} is not a suggestion to review ({why})",
                parameter="annotation_id")
        out.append(a)
    if changed:
        raise AnnotationConflictError(
            f"{len(changed)} of the suggestions were changed since they were shown "
            f"({', '.join(changed)}): reload them and try again")
    return out


def confirm_suggestions(store, session_id: str, items: list[dict], *,
                        by: str | None = None) -> list[dict]:
    """Confirm suggestions: each loses its ``suggestion`` tag (a new revision; the earlier
    one stays in its history) and keeps its role tag and ``source="suggestion"``. In the same
    revision, the analysis's wording (:func:`is_machine_text`: "partner · client (suggested: a
    clear indication from the playing)", or an older wording) becomes
    :func:`confirmed_text` ("partner · client, confirmed Dec 6, 2026"); a text the therapist
    wrote is kept.

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    items : list of dict
        ``{id, rev}``: an annotation and the revision the therapist saw (``rev`` None: any).
    by : str, optional
        Who confirms (a pseudonym code).

    Returns
    -------
    list of dict
        The confirmed annotations.

    Raises
    ------
    sessions.errors.AnnotationConflictError
        One of them changed since it was shown (nothing is written).
    sessions.errors.InvalidArgumentError
        An unknown annotation, or one that is not a suggestion to review (nothing is written).
    """
    from sessions.annotation_edits import change_annotations

    store.require_writable()
    todo = _pending(store.session(session_id), items)
    now = datetime.now().astimezone()
    changes = []
    for a in todo:
        fields: dict = {"tags": [t for t in a["tags"] if t != SUGGESTION_TAG]}
        if is_machine_text(a.get("text")):
            role = next((r for r, tag in ROLE_TAGS.items() if tag in fields["tags"]), None)
            if role is not None:
                fields["text"] = confirmed_text(role, a.get("player"), on=now)
        changes.append({"id": a["id"], "rev": a["rev"], "op": "edit", "fields": fields})
    # one revision each, written together; the markers and the catalog refreshed once
    return change_annotations(store, session_id, changes, by=by)


def discard_suggestions(store, session_id: str, items: list[dict], *, by: str | None = None,
                        reason: str = "role suggestion discarded") -> list[dict]:
    """Discard suggestions: each is deleted (kept in the annotation log, with its history,
    and restorable), so that :func:`accept_roles` never writes it again.

    Parameters and errors are those of :func:`confirm_suggestions`; ``reason`` is kept with
    each deletion.

    Returns
    -------
    list of dict
        The discarded annotations (``deleted`` true).
    """
    from sessions.annotation_edits import change_annotations

    store.require_writable()
    todo = _pending(store.session(session_id), items)
    return change_annotations(store, session_id, [
        {"id": a["id"], "rev": a["rev"], "op": "delete", "reason": reason} for a in todo], by=by)


def restore_suggestions(store, session_id: str, items: list[dict], *,
                        by: str | None = None) -> list[dict]:
    """Undo :func:`discard_suggestions`: each discarded suggestion is listed again, to review
    (a new revision each, written together).

    Parameters
    ----------
    store : sessions.store.Store
    session_id : str
    items : list of dict
        ``{id, rev}``: a discarded suggestion and the revision of its deletion (None: any).
    by : str, optional
        Who restores them (a pseudonym code).

    Returns
    -------
    list of dict
        The restored annotations.

    Raises
    ------
    sessions.errors.AnnotationConflictError
        One of them changed since it was shown (nothing is written).
    sessions.errors.InvalidArgumentError
        An unknown annotation, one that is not deleted or not a suggestion (nothing is
        written).
    """
    from sessions.annotation_edits import change_annotations
    from sessions.errors import InvalidArgumentError

    store.require_writable()
    current = {a["id"]: a for a in store.session(session_id).annotations(include_deleted=True)}
    for item in items:
        a = current.get(item["id"])
        if a is not None and SUGGESTION_TAG not in (a.get("tags") or []):
            raise InvalidArgumentError(f"annotation {a['id']} is not a role suggestion",
                                       parameter="annotation_id")
    return change_annotations(store, session_id, [
        {"id": i["id"], "rev": i.get("rev"), "op": "restore"} for i in items], by=by)

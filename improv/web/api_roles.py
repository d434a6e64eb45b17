"""Endpoints for the role suggestions of the dialogue analysis on the session page: what
they are and what became of each, adding them as annotations to review (as ``improv analyze
--dialogue --accept-roles`` does), and confirming or discarding the added ones (each request
one batch: :func:`sessions.annotation_edits.change_annotations`), or restoring discarded ones.

Everything is a call into :mod:`improv.analyze.roles`; nothing is analysed here (a session
whose dialogue is not analysed is a 409 that says what to do).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from improv.analyze import roles
from improv.web.deps import get_store
from improv.web.errors import Busy, NotFound
from sessions.errors import InvalidArgumentError
from sessions.store import Store

router = APIRouter(prefix="/api/sessions/{session_id}/roles")


class AddBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # 0..1; out of range is the library's error (400), said in its words
    min_confidence: float = roles.MIN_CONFIDENCE


class Shown(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=64)
    rev: int | None = Field(None, ge=1)  # the revision the page showed (409 if older)


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    annotations: list[Shown] = Field(min_length=1, max_length=100_000)
    by: str | None = Field(None, max_length=32)


def _dialogue(store: Store, session_id: str) -> list[dict]:
    dialogue = roles.cached_dialogue(store, session_id)
    if dialogue is None:
        raise Busy(f"session {session_id} has no measures of its dialogue yet: press "
                   "“Analyse now” under Measures first")
    return dialogue


def overview(store: Store, session_id: str, dialogue: list[dict], *,
             min_confidence: float = roles.MIN_CONFIDENCE) -> dict[str, Any]:
    """What the page's "Roles the analysis suggests" says: the pairs, every suggestion with
    its state (:func:`improv.analyze.roles.role_suggestions`), the counts per player and role
    (``counts``: ``{player, role, n, sure}``) and per state (``states``)."""
    runs = roles.role_suggestions(store, session_id, dialogue, min_confidence=min_confidence)
    per = Counter((r["player"], r["role"]) for r in runs)
    sure = Counter((r["player"], r["role"]) for r in runs if r["sure"])
    states = Counter(r["state"] for r in runs)
    return {
        "status": "ok", "session_id": session_id, "min_confidence": min_confidence,
        "pairs": [d["pair"] for d in dialogue],
        "suggestions": runs,
        "counts": [{"player": p, "role": role, "n": n, "sure": sure[(p, role)]}
                   for (p, role), n in per.items()],
        "states": {k: states.get(k, 0) for k in ("new", "to review", "confirmed", "discarded")},
        "new_sure": sum(1 for r in runs if r["state"] == "new" and r["sure"]),
    }


@router.get("")
def get_roles(session_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """The role suggestions of the session's analysed dialogue and what became of each
    (409 before the dialogue is analysed)."""
    return overview(store, session_id, _dialogue(store, session_id))


@router.post("/annotations")
def add_roles(session_id: str, body: AddBody | None = None,
              store: Store = Depends(get_store)) -> dict[str, Any]:
    """Write the suggestions (``confidence >= min_confidence``) into the annotations tagged
    ``suggestion``, once: those there already, confirmed or discarded, are not written
    again. ``added``: how many were written now."""
    mc = body.min_confidence if body else roles.MIN_CONFIDENCE
    dialogue = _dialogue(store, session_id)
    written = roles.accept_dialogue_roles(store, session_id, dialogue, min_confidence=mc)
    return dict(overview(store, session_id, dialogue), added=len(written),
                annotations=written)


def _review(fn, store: Store, session_id: str, body: ReviewBody) -> list[dict]:
    try:
        return fn(store, session_id, [a.model_dump() for a in body.annotations], by=body.by)
    except InvalidArgumentError as exc:
        if "has no annotation" in str(exc):
            raise NotFound(str(exc)) from None
        raise


@router.post("/confirm")
def confirm(session_id: str, body: ReviewBody, store: Store = Depends(get_store)) -> dict:
    """Confirm suggestions (their ``suggestion`` tag removed; a new revision each). 409 if
    one changed since the page showed it: nothing is written then."""
    done = _review(roles.confirm_suggestions, store, session_id, body)
    return {"confirmed": len(done), "annotations": done}


@router.post("/discard")
def discard(session_id: str, body: ReviewBody, store: Store = Depends(get_store)) -> dict:
    """Discard suggestions (deleted, kept in their history, restorable). 409 as confirm."""
    done = _review(roles.discard_suggestions, store, session_id, body)
    return {"discarded": len(done), "annotations": done}


@router.post("/restore")
def restore(session_id: str, body: ReviewBody, store: Store = Depends(get_store)) -> dict:
    """Undo a discard: the suggestions are listed again, to review. 409 as confirm."""
    done = _review(roles.restore_suggestions, store, session_id, body)
    return {"restored": len(done), "annotations": done}

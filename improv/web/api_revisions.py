"""Correcting a session's title and client code (``PATCH /api/sessions/{id}``) and renaming a
player (``POST /api/sessions/{id}/players/rename``); the earlier values stay in the session's
revision log (:mod:`sessions.revisions`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from improv.web.deps import get_store
from sessions.store import Store

router = APIRouter(prefix="/api/sessions/{session_id}")


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=1000)
    client: str | None = Field(None, max_length=64)
    by: str | None = Field(None, max_length=64)
    reason: str | None = Field(None, max_length=2000)


@router.patch("")
def correct(session_id: str, body: Correction, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Correct the title and/or the client code; answers the current values and the new
    revisions."""
    from sessions.revisions import correct_session

    changes = {k: v for k, v in (("title", body.title), ("client", body.client))
               if v is not None}
    return correct_session(store, session_id, by=body.by or None, reason=body.reason or None,
                           **changes)


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    old: str = Field(..., max_length=64)
    new: str = Field(..., max_length=64)
    by: str | None = Field(None, max_length=64)
    reason: str | None = Field(None, max_length=2000)


@router.post("/players/rename")
def rename(session_id: str, body: Rename, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Rename a player (``Piano-client`` to ``client``); answers the players, the map of
    recorded names (``player_names``) and the revision written (none for the same name). The
    session's analysis results are removed: it is measured again under the new name."""
    from sessions.revisions import rename_player

    return rename_player(store, session_id, body.old, body.new, by=body.by or None,
                         reason=body.reason or None)


@router.get("/revisions")
def revisions(session_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Every correction of the title, the client code, a player's name and a drum-kit mark,
    oldest first."""
    from sessions.revisions import read_revisions

    return {"revisions": read_revisions(store.session(session_id).folder)}

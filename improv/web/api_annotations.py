"""Endpoints for annotations (with history), the tag vocabulary and the verbal notes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from improv.web.deps import get_store, parse_t
from improv.web.errors import BadRequest, NotFound
from sessions import annotation_edits as annotate
from sessions.errors import InvalidArgumentError
from sessions.store import Store

router = APIRouter(prefix="/api")

Time = float | str


class NewAnnotation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    t: Time
    end: Time | None = None
    player: str | None = None
    tags: list[str] = []
    text: str = Field("", max_length=20000)
    new_tags: list[str] = []
    by: str | None = Field(None, max_length=32)


class AnnotationChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")
    t: Time | None = None
    end: Time | None = None
    point: StrictBool = False  # True: make it a point (drop ``end``)
    player: str | None = None
    group: StrictBool = False  # True: for the whole group (drop ``player``)
    tags: list[str] | None = None
    text: str | None = Field(None, max_length=20000)
    new_tags: list[str] = []
    by: str | None = Field(None, max_length=32)
    rev: int | None = Field(None, ge=1)  # the revision the change was made to (409 if older)


class NotesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=1_000_000)
    by: str | None = Field(None, max_length=32)


def _lookup(fn, *args, **kwargs):
    """Run an annotate call; an unknown annotation ID becomes 404."""
    try:
        return fn(*args, **kwargs)
    except InvalidArgumentError as exc:
        if "has no annotation" in str(exc):
            raise NotFound(str(exc)) from None
        raise


@router.get("/vocabulary")
def vocabulary(store: Store = Depends(get_store)) -> dict[str, Any]:
    return vocabulary_answer(store)


def vocabulary_answer(store: Store) -> dict[str, Any]:
    """The tag vocabulary with every tag, which dimensions are Bruscia's IAP profiles and how
    often each tag is used (for the tag chips: most used first)."""
    from sessions.vocabulary import IAP_PROFILES, all_tags, load

    vocab = load(store.root)
    return dict(vocab, all=all_tags(vocab), iap=list(IAP_PROFILES),
                usage=store.catalog.tag_usage())


def annotations_with_edits(session, *, include_deleted: bool = False) -> list[dict[str, Any]]:
    """The session's annotations, each with ``edits``: how often its content was corrected
    (what the page's "(edited)" says). A deletion and its undoing are no correction, nor is
    the confirmation of a role suggestion (the revision that drops its ``suggestion`` tag
    and, with it, the analysis's wording: :func:`improv.analyze.roles.confirm_suggestions`).

    A role suggestion written in an older wording ("leader · client (suggested from the
    playing, 100 % sure)") is shown in today's (:func:`improv.analyze.roles.reworded`: "…
    (suggested: a clear indication from the playing)"); its stored text is not changed.
    """
    from improv.analyze.roles import reworded
    from sessions.annotation_log import corrections

    edits = corrections(session.annotation_records())
    return [dict(a, edits=edits.get(a["id"], 0),
                 **({"text": reworded(a)} if a.get("source") == "suggestion" else {}))
            for a in session.annotations(include_deleted=include_deleted)]


@router.get("/sessions/{session_id}/annotations")
def list_annotations(session_id: str, include_deleted: bool = False,
                     store: Store = Depends(get_store)) -> dict[str, Any]:
    """The session's annotations (:func:`annotations_with_edits`)."""
    session = store.session(session_id)
    return {"annotations": annotations_with_edits(session, include_deleted=include_deleted)}


#: Said when an annotation would have neither text nor tag (the page's form says it too).
def _author(store: Store, session_id: str, by: str | None) -> str | None:
    """Who writes: ``by`` as given, else the session's therapist code (the page has no
    sign-in; the marker set while recording is the therapist's too), so that the report's
    "by" column names them. None for a session without a therapist code."""
    if by and by.strip():
        return by.strip()
    return store.session(session_id).manifest.get("therapist") or None


EMPTY = "An empty annotation: add a word or a tag, or use Marker"


def _no_empty_range(t: float | None, end: float | None) -> None:
    """A range that ends where it starts is refused (stored, it became a point unasked)."""
    from improv.web.errors import BadRequest
    from sessions.timefmt import format_time

    if t is not None and end is not None and end == t:
        raise BadRequest(f"the end ({format_time(end)}) is the start: give a later end, or "
                         "leave End empty for a moment")


@router.post("/sessions/{session_id}/annotations", status_code=201)
def add(session_id: str, body: NewAnnotation, store: Store = Depends(get_store)) -> dict:
    """Add an annotation; 400 for one with neither text nor tag, or a range of no length."""
    from improv.web.errors import BadRequest

    store.session(session_id)  # an unknown session is a 404 before anything else
    t, end = parse_t(body.t, name="start"), parse_t(body.end, name="end")
    _no_empty_range(t, end)
    if not body.text.strip() and not body.tags and not body.new_tags:
        raise BadRequest(EMPTY)
    return annotate.add_annotation(
        store, session_id, t=t, end=end, player=body.player or None, tags=body.tags,
        text=body.text, by=_author(store, session_id, body.by), new_tags=body.new_tags,
    )


@router.patch("/sessions/{session_id}/annotations/{annotation_id}")
def edit(session_id: str, annotation_id: str, body: AnnotationChanges,
         store: Store = Depends(get_store)) -> dict:
    from improv.web.errors import BadRequest

    if body.point and body.end is not None:
        raise BadRequest("give either point (no end) or end, not both")
    if body.group and body.player is not None:
        raise BadRequest("give either group (no player) or player, not both")
    if not body.model_fields_set - {"by", "rev"}:
        raise BadRequest("nothing to change: give t, end, point, player, group, tags or text")
    changes: dict[str, Any] = {}
    if body.t is not None:
        changes["t"] = parse_t(body.t, name="start")
    if body.point:
        changes["end"] = None
    elif body.end is not None:
        changes["end"] = parse_t(body.end, name="end")
    if body.group:
        changes["player"] = None
    elif body.player is not None:
        changes["player"] = body.player
    if body.tags is not None:
        changes["tags"] = body.tags
    if body.text is not None:
        changes["text"] = body.text
    _no_empty_range(changes.get("t"), changes.get("end"))
    if (body.tags is not None and not body.tags and not body.new_tags
            and body.text is not None and not body.text.strip()):
        raise BadRequest(EMPTY)
    return _lookup(annotate.edit_annotation, store, session_id, annotation_id,
                   by=_author(store, session_id, body.by), new_tags=body.new_tags,
                   expected_rev=body.rev, **changes)


@router.delete("/sessions/{session_id}/annotations/{annotation_id}")
def delete(session_id: str, annotation_id: str, reason: str = "",
           rev: int | None = Query(None, ge=1), store: Store = Depends(get_store)) -> dict:
    return _lookup(annotate.delete_annotation, store, session_id, annotation_id, reason=reason,
                   expected_rev=rev, by=_author(store, session_id, None))


class RestoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str | None = Field(None, max_length=32)


@router.post("/sessions/{session_id}/annotations/{annotation_id}/restore")
def restore(session_id: str, annotation_id: str, body: RestoreBody | None = None,
            store: Store = Depends(get_store)) -> dict:
    """Undo a deletion (400 if the annotation is not deleted)."""
    return _lookup(annotate.restore_annotation, store, session_id, annotation_id,
                   by=_author(store, session_id, body.by if body else None))


@router.get("/sessions/{session_id}/annotations/{annotation_id}/history")
def history(session_id: str, annotation_id: str, store: Store = Depends(get_store)) -> dict:
    return {"history": _lookup(annotate.annotation_history, store, session_id, annotation_id)}


@router.get("/annotations")
def search(tag: list[str] = Query([]), text: str | None = None, client: str | None = None,  # noqa: B008
           store: Store = Depends(get_store)) -> dict:
    """Annotations across sessions (as ``improv annotations search``)."""
    return {"annotations": annotate.search_annotations(store, tags=tag, text=text, client=client)}


#: The most places a word search sends the page [items]; how many there are in all is said
#: with them (``total_found``), so a cut list never looks complete.
MAX_FOUND = 200


@router.get("/search")
def search_words(
    words: str = Query(..., max_length=200, description="one phrase, any case"),
    client: str | None = None,
    since: date | None = Query(None, description="first day (local calendar), YYYY-MM-DD"),
    until: date | None = Query(None, description="last day (local calendar), YYYY-MM-DD"),
    tag: str | None = None,
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Where ``words`` are in the annotations and the verbal notes of the sessions (the
    Sessions page's word search; ``improv annotations search WORDS``), filtered as the list
    is; with a ``tag`` only annotations (notes have no tags).

    ``found``: at most :data:`MAX_FOUND` places, oldest session first, each as
    :func:`sessions.word_search.search_words` gives it with ``snippet`` (the part of a long
    text shown, cut around the words, :func:`sessions.word_search.snippet`); ``total_found``:
    how many in all; ``sessions``: how many sessions were searched; ``notes_searched``;
    ``notes_unread``: the sessions whose notes could not be read (IDs only).
    Nothing of the words or the text found is logged.
    """
    from sessions.word_search import search_words as find
    from sessions.word_search import snippet

    if not words.split():
        raise BadRequest("give the words to look for")
    if since and until and until < since:
        raise BadRequest(f"until ({until}) is before since ({since})")
    # the list's days are this computer's calendar days, "until" the last one
    lo = datetime.combine(since, time()).astimezone() if since else None
    hi = datetime.combine(until + timedelta(days=1), time()).astimezone() if until else None
    result = find(store, words, tags=[tag] if tag else [], client=client or None,
                  since=lo, until=hi)
    found = result["found"]
    for f in found[:MAX_FOUND]:
        f["snippet"] = snippet(f["text"], f["spans"])
    return {"words": result["words"], "found": found[:MAX_FOUND], "total_found": len(found),
            "sessions": result["sessions"], "notes_searched": result["notes_searched"],
            "notes_unread": [u["session_id"] for u in result["notes_unread"]]}


# -- notes ------------------------------------------------------------------------------

@router.get("/sessions/{session_id}/notes")
def get_notes(session_id: str, store: Store = Depends(get_store)) -> dict:
    """The verbal notes with their time references (``refs``) and saved versions."""
    from sessions.notes import notes_history, notes_with_links

    session = store.session(session_id)
    out = notes_with_links(session.folder, duration_s=session.duration_s)
    out["history"] = notes_history(session.folder)
    return out


@router.put("/sessions/{session_id}/notes")
def put_notes(session_id: str, body: NotesBody, store: Store = Depends(get_store)) -> dict:
    from sessions.notes import notes_with_links, save_notes

    store.require_writable()
    session = store.session(session_id)
    changed = save_notes(session.folder, body.text,
                         by=body.by or session.manifest.get("therapist") or None)
    return dict(notes_with_links(session.folder, duration_s=session.duration_s), changed=changed)

"""Audio (with HTTP Range), waveform peaks, MIDI renderings and analysis results.

Audio is served only for inputs named in the session's manifest: the URL
carries an input *name*, never a path, and the file must lie inside the
session folder.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from improv.web import peaks as pk
from improv.web.api_sessions import cached_response
from improv.web.deps import get_store
from improv.web.errors import NotFound
from sessions.errors import InvalidArgumentError
from sessions.store import Store

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/sessions/{session_id}")

MEDIA_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".w64": "audio/x-w64",
               ".rf64": "audio/wav"}


def _input(session, name: str):
    try:
        inp = session.audio_input(name)
    except InvalidArgumentError as exc:
        raise NotFound(str(exc)) from None
    return inp


def _inside(folder: Path, path: Path) -> Path:
    real, root = path.resolve(), folder.resolve()
    if root not in real.parents or not real.is_file():
        raise NotFound("audio file not found in the session folder")
    return real


def _file(path: Path) -> FileResponse:
    # health data: never in the browser's disk cache (range requests still play it)
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix.lower(), "audio/wav"),
                        headers={"Cache-Control": "no-store"})


@router.get("/audio/{name}")
def audio(session_id: str, name: str, store: Store = Depends(get_store)) -> FileResponse:
    """The recorded file of one input (Range requests give 206 Partial Content)."""
    session = store.session(session_id)
    inp = _input(session, name)
    return _file(_inside(session.folder, inp.path))


@router.get("/rendering")
def rendering(session_id: str, store: Store = Depends(get_store)) -> FileResponse:
    """A FluidSynth rendering of the session's MIDI (made once, kept in its cache)."""
    from improv.playback.render import cached_rendering

    session = store.session(session_id)
    if not session.midi_players():
        raise NotFound(f"session {session_id} has no MIDI to render")
    return _file(_inside(session.folder, cached_rendering(session)))


@router.get("/peaks/{name}")
def peaks_meta(session_id: str, name: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Zoom levels of an input's waveform peaks (computed on first use)."""
    session = store.session(session_id)
    _input(session, name)
    return pk.ensure_peaks(session, name)


@router.get("/peaks/{name}/{bucket_frames}")
def peaks_level(session_id: str, name: str, bucket_frames: str, request: Request,
                store: Store = Depends(get_store)) -> Response:
    """One level as raw int8 ``(buckets, channels, 2)`` (min, max) x 127, C order."""
    session = store.session(session_id)
    inp = _input(session, name)
    if not (bucket_frames.isascii() and bucket_frames.isdigit()):  # "²" is a digit too
        from improv.web.errors import BadRequest

        raise BadRequest(f"bucket_frames must be one of {list(pk.LEVELS)}, got {bucket_frames!r}")
    bucket = int(bucket_frames)
    if bucket not in pk.LEVELS:
        from improv.web.errors import BadRequest

        raise BadRequest(f"bucket_frames must be one of {list(pk.LEVELS)}, got {bucket}")
    meta = pk.ensure_peaks(session, name)
    try:
        rel = inp.path.relative_to(session.folder).as_posix()
    except ValueError:
        rel = inp.path.name
    file_sum = (session.manifest.get("checksums") or {}).get(rel, "")
    etag = f"p{pk.PEAKS_VERSION}-{meta['frames']}-{bucket}-{file_sum[:16]}"

    def data() -> bytes:
        return pk.load_level(session, name, bucket).tobytes()

    resp = cached_response(request, data, etag=etag, media_type="application/octet-stream")
    resp.headers["X-Channels"] = str(inp.channels)
    return resp


# -- analysis ---------------------------------------------------------------------------

def _trim(result: dict[str, Any]) -> dict[str, Any]:
    """Drop the per-onset lists the timeline does not draw (they can be long); the imitation
    episodes stay (a few a minute: the timeline's imitation lane)."""
    for entry in result.get("players", {}).values():
        for src in entry.get("sources", {}).values():
            src.pop("onsets", None)
    for d in result.get("dialogue", []):
        for k in ("turns", "transitions"):
            d.pop(k, None)
    return result


def _cached(store: Store, session) -> bool:
    """True if every catalogued analysis of this session still has its cache file."""
    rows = store.catalog.features(session_id=session.id)
    keys = {(r["player"], r["analysis_key"]) for r in rows}
    if not keys:
        return False
    cache = session.folder / "cache"
    for player, key in keys:
        kind = "dialogue" if "|" in player else "analysis"
        if not (cache / f"{kind}-{key}.json").exists():
            return False
    return True


@router.get("/analysis")
def get_analysis(session_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Cached feature curves and dialogue measures, or ``{"status": "not analysed"}``."""
    from improv.analyze import analyze_session

    session = store.session(session_id)
    if not _cached(store, session):
        return {"status": "not analysed", "session_id": session_id}
    dialogue = len(session.players) > 1
    result = analyze_session(store, session_id, dialogue=dialogue, use_cache=True, catalog=False)
    return _answer(session, result)


def _answer(session, result: dict[str, Any]) -> dict[str, Any]:
    """The analysis as the page reads it, with the plain summary's sentences on top."""
    from improv.reports.summary_text import summary_sentences

    sentences = summary_sentences(result, annotations=session.annotations())
    return dict(_trim(result), status="ok", plain_summary=sentences)


@router.post("/analysis")
def run_analysis(session_id: str, request: Request,
                 store: Store = Depends(get_store)) -> dict[str, Any]:
    """Analyse the session (all players, and their dialogue) as ``improv analyze`` does."""
    from improv.analyze import analyze_session

    session = store.session(session_id)
    dialogue = len(session.players) > 1
    with request.app.state.analysis_lock:
        result = analyze_session(store, session_id, dialogue=dialogue)
    return _answer(session, result)

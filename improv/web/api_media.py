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
from starlette.exceptions import HTTPException

from improv.web import peaks as pk
from improv.web.api_sessions import cached_response
from improv.web.deps import get_store
from improv.web.errors import NotFound
from improv.web.files import OpenFileResponse
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
    # health data: never in the browser's disk cache (range requests still play it); opened
    # now, so a session deleted while it plays is still sent whole (it was a 500)
    try:
        return OpenFileResponse(path,
                                media_type=MEDIA_TYPES.get(path.suffix.lower(), "audio/wav"),
                                headers={"Cache-Control": "no-store"})
    except FileNotFoundError:
        raise NotFound("audio file not found in the session folder") from None


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


class RangeNotSatisfiable(HTTPException):
    """416: a Range header this file cannot answer."""

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(416, message, headers={"Content-Range": f"bytes */{size}"})


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` bytes of a ``Range: bytes=a-b`` header (None: the whole file)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    first_s, dash, last_s = spec.strip().partition("-")
    try:
        if unit.strip() != "bytes" or not dash or "," in spec:
            raise ValueError
        if first_s:
            first, last = int(first_s), int(last_s) if last_s else size - 1
        else:  # the last N bytes
            first, last = max(0, size - int(last_s)), size - 1
    except ValueError:
        raise RangeNotSatisfiable(f"cannot read the range {header!r}", size=size) from None
    if first >= size or last < first:
        raise RangeNotSatisfiable(f"range {header!r} is outside the {size} bytes", size=size)
    return first, min(last, size - 1)


@router.get("/mix.wav")
def mix(session_id: str, request: Request, players: str | None = None,
        store: Store = Depends(get_store)) -> Response:
    """The recordings and the MIDI players (rendered with FluidSynth) of ``players`` (comma
    separated; default all) mixed to stereo, as a 16-bit WAV made on request: a Range reads
    and mixes only its frames, so seeking in an hour costs nothing."""
    from fastapi.responses import StreamingResponse

    from improv.playback.mix import check_audible, session_mix, wav_bytes, wav_size

    session = store.session(session_id)
    chosen = [p.strip() for p in (players or "").split(",") if p.strip()] or None
    m = session_mix(session, players=chosen)
    check_audible(m, players=chosen or session.players)
    duration = session.duration_s
    size = wav_size(m, duration=duration)
    rng = _byte_range(request.headers.get("range"), size)
    first, last = rng or (0, size - 1)
    headers = {"Cache-Control": "no-store", "Accept-Ranges": "bytes",
               "Content-Length": str(last - first + 1)}
    if rng is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return StreamingResponse(wav_bytes(m, duration=duration, start=first, end=last),
                             status_code=206 if rng else 200, media_type="audio/wav",
                             headers=headers)


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

ANSWER_FORMAT = 2
"""The shape of the kept answer: 2 keeps each pair's ``turns`` (the session page's "Timeline as
text" lists them); an answer kept in an older shape is not served (:func:`_answer_path`)."""


def _trim(result: dict[str, Any]) -> dict[str, Any]:
    """Drop the per-onset lists the timeline does not draw (they can be long) and the
    dialogue's transitions; the imitation episodes and the turns stay (a few a minute: the
    timeline's imitation lane and its text alternative)."""
    for entry in result.get("players", {}).values():
        for src in entry.get("sources", {}).values():
            src.pop("onsets", None)
    for d in result.get("dialogue", []):
        d.pop("transitions", None)
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


def _answer_path(store: Store, session) -> Path | None:
    """Where the page's answer for the catalogued analyses is kept (None: not analysed).

    The name is made of the analyses' keys (which change with the recording and the analysis
    version), so a new analysis gets a new file and an old one is never served."""
    import hashlib
    import json

    keys = sorted({(r["player"], r["analysis_key"])
                   for r in store.catalog.features(session_id=session.id)})
    if not keys:
        return None
    digest = hashlib.sha256(json.dumps([ANSWER_FORMAT, keys]).encode()).hexdigest()[:16]
    return session.cache_dir / f"analysis-answer-{digest}.json"


def analysis_answer(store: Store, session) -> bytes | None:
    """``GET …/analysis``'s answer for an analysed session, as JSON bytes, kept in the
    session's cache: for a 60-minute session, reading the cached results again and encoding
    9 MB of curves took over a second per request (bench/bench_web.py --after-stop)."""
    import json

    from improv.analyze import analyze_session
    from sessions.fsutil import atomic_write_bytes

    if not _cached(store, session):
        return None
    path = _answer_path(store, session)
    if path is not None and path.is_file():
        return path.read_bytes()
    result = analyze_session(store, session.id, dialogue=len(session.players) > 1,
                             use_cache=True, catalog=False)
    data = json.dumps(dict(_trim(result), status="ok"), allow_nan=False,
                      separators=(",", ":")).encode()
    if path is not None:
        atomic_write_bytes(path, data)
    return data


@router.get("/analysis")
def get_analysis(session_id: str, request: Request,
                 store: Store = Depends(get_store)) -> Any:
    """Cached feature curves and dialogue measures; ``{"status": "analysing", "progress": …}``
    while the background analysis of a new session runs (:mod:`improv.web.after`);
    ``{"status": "failed", "reason": …}`` when it failed (until the session is analysed);
    else ``{"status": "not analysed"}``."""

    session = store.session(session_id)
    data = analysis_answer(store, session)
    if data is not None:
        # the plain summary's parts on top (they change with the annotations, the rest
        # does not: spliced into the kept answer instead of encoding it again)
        return Response(data[:-1] + b',"plain_summary":' + plain_summary(store, session)
                        + b"}", media_type="application/json")
    after = request.app.state.background
    if after.busy(session_id):
        return {"status": "analysing", "session_id": session_id,
                "progress": after.progress(session_id)}
    st = after.progress(session_id)
    if st is not None and st["state"] == "failed":
        return {"status": "failed", "session_id": session_id, "reason": st.get("reason")}
    return {"status": "not analysed", "session_id": session_id}


def plain_summary(store: Store, session) -> bytes:
    """The plain summary's labelled parts (:func:`improv.reports.summary_text.summary_groups`:
    ``[{"label", "sentences": [{"text", "measures"}]}]``) of an analysed session as JSON bytes,
    kept in the session's cache under the summary's shape
    (:data:`~improv.reports.summary_text.SUMMARY_FORMAT`), the analyses' keys and the state of
    the annotation log (a marker or tag changes them)."""
    import hashlib
    import json

    from improv.analyze import analyze_session
    from improv.reports.summary_text import SUMMARY_FORMAT, recorded_spans, summary_groups
    from sessions.fsutil import atomic_write_bytes
    from sessions.manifest import ANNOTATIONS

    answer = _answer_path(store, session)
    try:
        st = (session.folder / ANNOTATIONS).stat()
        state = f"{st.st_size}-{st.st_mtime_ns}"
    except FileNotFoundError:
        state = "none"
    digest = hashlib.sha256(f"{SUMMARY_FORMAT}|{answer.name if answer else ''}|{state}"
                            .encode()).hexdigest()
    path = session.cache_dir / f"plain-summary-{digest[:16]}.json"
    if path.is_file():
        return path.read_bytes()
    result = analyze_session(store, session.id, dialogue=len(session.players) > 1,
                             use_cache=True, catalog=False)
    data = json.dumps(summary_groups(result, annotations=session.annotations(),
                                     recorded=recorded_spans(session.manifest)),
                      allow_nan=False, separators=(",", ":")).encode()
    atomic_write_bytes(path, data)
    return data


@router.get("/summary")
def get_summary(session_id: str, store: Store = Depends(get_store)) -> Any:
    """The plain summary's parts alone (``{"status": "ok", "plain_summary": [...]}``), for
    the session page to say again after an annotation changes without fetching the curves;
    ``{"status": "not analysed"}`` before the session is measured."""
    session = store.session(session_id)
    if not _cached(store, session):
        return {"status": "not analysed", "session_id": session_id}
    return Response(b'{"status":"ok","plain_summary":' + plain_summary(store, session) + b"}",
                    media_type="application/json")


@router.post("/analysis")
def run_analysis(session_id: str, request: Request,
                 store: Store = Depends(get_store)) -> dict[str, Any]:
    """Analyse the session (all players, and their dialogue) as ``improv analyze`` does."""
    from improv.analyze import analyze_session

    session = store.session(session_id)
    dialogue = len(session.players) > 1
    with request.app.state.analysis_lock:
        result = analyze_session(store, session_id, dialogue=dialogue)
    from improv.reports.summary_text import recorded_spans, summary_groups

    return dict(_trim(result), status="ok",
                plain_summary=summary_groups(result, annotations=session.annotations(),
                                             recorded=recorded_spans(session.manifest)))

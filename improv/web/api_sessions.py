"""Endpoints for sessions: list, details, demo, import, delete, piano roll, clients."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from improv.web.cache import cached_bytes
from improv.web.deps import get_store, parse_t
from improv.web.errors import BadRequest, NotFound
from sessions.listing import has_sessions
from sessions.store import Store

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api")

MAX_UPLOAD_BYTES = 8 * 1024**3
"""Largest file accepted by drag and drop (8 GB: a long multichannel recording)."""


def session_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "client": row["client"], "therapist": row["therapist"],
        "title": row["title"], "started_utc": row["started_utc"],
        "duration_s": row["duration_s"], "status": row["status"], "source": row["source"],
        "demo": row["demo"], "players": row["players"], "midi_events": row["midi_events"],
        "audio_inputs": row["audio_inputs"], "tags": row["tags"],
        "number": row.get("number"),
    }


def _check_client(client: str | None) -> str | None:
    return _check_code(client, what="client")


def _check_code(code: str | None, *, what: str) -> str | None:
    """A client or therapist code as given (None for none), or 400 in the code rule's words."""
    from sessions.manifest import check_code

    if code in (None, ""):
        return None
    try:
        return check_code(code, what=what)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


@router.get("/info")
def info(request: Request, store: Store = Depends(get_store)) -> dict[str, Any]:
    """What the front page needs: whether the store is empty, the version, recording state."""
    from improv import __version__

    rec = request.app.state.recording
    return {
        "version": __version__,
        "empty": not has_sessions(store),
        "writable": store.writable,
        "recording": rec.active,
    }


@router.get("/features")
def features() -> dict[str, Any]:
    """The feature list (:mod:`analysis.features`): name or template, kinds, unit, group,
    label, definition and reference of every curve and summary value."""
    from analysis.features import feature_list

    return {"features": feature_list()}


#: The most sessions one request of the list answers (the page asks for 50).
MAX_PAGE = 1000


@router.get("/sessions")
def list_sessions(
    store: Store = Depends(get_store),
    client: str | None = None,
    since: date | None = Query(None, description="first day (local calendar), YYYY-MM-DD"),
    until: date | None = Query(None, description="last day (local calendar), YYYY-MM-DD"),
    tag: str | None = None,
    limit: int | None = Query(None, description=f"at most this many sessions (1 to {MAX_PAGE}); "
                                                "all without it"),
    offset: int = Query(0, description="skip this many of the matching sessions, newest first"),
) -> dict[str, Any]:
    """Sessions, newest first, filtered by client, start day range and annotation tag over the
    whole store; ``limit``/``offset`` give one page of them and ``total`` how many match.

    ``unlisted`` names the session folders the catalog does not list (of the client, or whose
    client cannot be read): ``id``, ``client``, ``status`` and ``problem``, as
    ``improv sessions list`` shows them at its end. A folder that cannot be read is named, not
    left out of the list without a word.

    A recording interrupted while the app runs (its process killed) is recovered here first
    (for the first page), as every command does at its start: the list shows it, instead of a
    session page that tells a web user to run a command."""
    from sessions.listing import clients_and_tags, session_page

    client = _check_client(client)
    if since and until and until < since:
        raise BadRequest(f"until ({until}) is before since ({since})")
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_PAGE}, not {limit}")
    if offset < 0:
        raise BadRequest(f"offset must be 0 or more, not {offset}")
    if store.writable and offset == 0:
        for report in store.recover():  # nothing to do, mostly: a glob of the flags
            log.info("interrupted session %s: %s", report["id"],
                     "recovered" if report["ok"] else f"not recovered ({report['error']})")
        store.reread_unreadable()  # one restored from a backup is listed as it is again
    rows, total = session_page(store, client=client, since=since, until=until, tag=tag or None,
                               limit=limit, offset=offset)
    clients, all_tags = clients_and_tags(store)
    from improv.web.errors import without_store_path

    # the problem names files, never where the practice keeps its store
    unlisted = [dict({k: u[k] for k in ("id", "client", "status")},
                     problem=without_store_path(u["problem"], store.root))
                for u in store.unlisted(client=client)]
    from sessions.vocabulary import IAP_PROFILES

    # iap: the dimensions that are Bruscia's profiles, for the tags in the tag picker's words
    return {"sessions": [session_row(r) for r in rows], "total": total, "offset": offset,
            "limit": limit, "clients": clients, "tags": all_tags, "iap": list(IAP_PROFILES),
            "unlisted": unlisted}


@router.post("/demo", status_code=201)
def make_demo(request: Request, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Generate the demo session (a synthetic duet, marked as demo) and measure it in the
    background, as an imported session is, so that its page fills in with its measures."""
    from improv.demo import create_demo_session

    store.require_writable()
    manifest = create_demo_session(store)
    request.app.state.background(manifest["id"])
    return {"id": manifest["id"], "demo": True}


def _session_detail(session) -> dict[str, Any]:
    from sessions.revisions import midi_inputs

    m = session.manifest
    midi_players = session.midi_players()
    return {
        "id": session.id, "client": m.get("client"), "therapist": m.get("therapist"),
        "title": m.get("title"), "started_utc": m.get("started_utc"),
        "duration_s": session.duration_s, "status": m.get("status"), "source": m.get("source"),
        "demo": bool(m.get("demo")), "players": session.players, "midi_players": midi_players,
        "midi_events": m.get("midi", {}).get("events", 0),
        "audio": [
            {"name": a.name, "sr": a.sr, "channels": a.channels, "frames": a.frames,
             "t0": a.t0, "drift_ppm": a.drift_ppm, "players": a.players,
             "duration_s": a.duration_s, "format": a.path.suffix.lower().lstrip("."),
             "bytes": a.path.stat().st_size if a.path.is_file() else 0}
            for a in session.audio_inputs()
        ],
        "midi_inputs": midi_inputs(m),  # name, player, percussion (a drum kit)
        "events": m.get("events", []),
        "warnings": session.warnings(),
        # as they read after the recording (the live "plug it in again" left out where a
        # stretch below says it in past tense): what the session page shows
        "warnings_afterwards": session.warnings_afterwards(),
        "not_recorded": session.not_recorded(),
        "not_recorded_groups": session.not_recorded_groups(),
    }


@router.get("/sessions/{session_id}")
def get_session(session_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    return dict(_session_detail(store.session(session_id)),
                number=store.catalog.session_number(session_id))


@router.post("/sessions/{session_id}/compress")
def compress(session_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Store the session's audio as FLAC where that is lossless (``improv sessions compress``).

    Runs in the request (about 20 s for an hour of two channels); 409 while it is recorded.
    """
    from sessions.compress import compress_session, to_dict

    return {"inputs": to_dict(compress_session(store, session_id)),
            "session": _session_detail(store.session(session_id))}


class PercussionMark(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: str = Field(min_length=1, max_length=200)
    player: str | None = Field(None, max_length=64)
    percussion: bool
    by: str | None = Field(None, max_length=64)
    reason: str | None = Field(None, max_length=2000)


@router.post("/sessions/{session_id}/percussion")
def mark_percussion(session_id: str, body: PercussionMark,
                    store: Store = Depends(get_store)) -> dict[str, Any]:
    """Mark a MIDI input as a drum kit, or take the mark away (``improv sessions
    percussion``): a revision in the session's history; the session is measured again when
    next analysed. Answers the revisions written and the session as it is now."""
    from sessions.revisions import mark_percussion as mark

    r = mark(store, session_id, [body.input], percussion=body.percussion, player=body.player,
             by=body.by or None, reason=body.reason or None)
    return {"revisions": r["revisions"], "session": _session_detail(store.session(session_id))}


#: How long the web app's deletion waits for the session's other users [s]: its own analysis
#: of a session that has just arrived is stopped first (``AfterNewSession.drop``) and lets go
#: of the session's files at its next progress step; a backup or another command still using
#: it after that refuses the deletion in one line.
WEB_DELETE_WAIT_S = 30.0


@router.delete("/sessions/{session_id}")
def delete_session(session_id: str, request: Request,
                   store: Store = Depends(get_store)) -> dict[str, Any]:
    """Remove a session (as ``improv sessions delete``); the browser asks first. The analysis
    this server runs after a session arrives is stopped first: a therapist who deletes a demo
    or a test recording at once is not told that it is in use."""
    store.existing(session_id)
    background = request.app.state.background
    background.drop(session_id)
    try:
        store.delete(session_id, wait_s=WEB_DELETE_WAIT_S)
    except BaseException:
        background.readmit(session_id)  # not deleted: its measures are made after all
        raise
    return {"deleted": session_id}


#: 2: a note held when its MIDI port was lost ends there (analysis 1.23.0), where it ran on
#: to the next note-off of its pitch or the end of the session.
ROLL_VERSION = 2


def piano_roll_json(session) -> bytes:
    """The piano roll of a session as JSON bytes, cached in its ``cache/`` folder.

    Notes per MIDI player as columns ``start``, ``end`` [s], ``pitch``, ``velocity``,
    sorted by start; paired per port with :func:`analysis.notes_from_events`, a note held
    when its port was lost for a while ending there (as the analysis's). The cache key
    is the checksum of ``midi.tsv`` (recorded MIDI never changes after a session is complete).
    """
    import json

    return cached_bytes(
        session, f"pianoroll-{_roll_key(session)}.json", what="piano roll",
        make=lambda: json.dumps({"players": _piano_roll(session)}, separators=(",", ":")).encode())


def _piano_roll(session) -> dict[str, Any]:
    from analysis import notes_from_events
    from improv.analyze.sources import port_gaps

    events = session.midi_events()
    out: dict[str, Any] = {}
    for player in session.midi_players():
        ev = events.select(players=[player])
        cols: list[list[np.ndarray]] = [[], [], [], []]
        if len(ev):
            end = max(session.duration_s, float(np.max(ev.t)))
            lost = port_gaps(session.manifest, player)
            for port in dict.fromkeys(ev.port.tolist()):
                sel = np.flatnonzero(ev.port == port)
                sel = sel[np.argsort(ev.t[sel], kind="stable")]
                nt = notes_from_events(ev.t[sel], ev.status[sel], ev.data1[sel], ev.data2[sel],
                                       end_time=end, gaps=lost.get(port, ()))
                for i, c in enumerate((nt.start, nt.end, nt.pitch, nt.velocity)):
                    cols[i].append(np.asarray(c))
        joined = [np.concatenate(c) if c else np.zeros(0) for c in cols]
        order = np.argsort(joined[0], kind="stable")
        out[player] = {
            "start": np.round(joined[0][order], 4).tolist(),
            "end": np.round(joined[1][order], 4).tolist(),
            "pitch": joined[2][order].astype(int).tolist(),
            "velocity": joined[3][order].astype(int).tolist(),
        }
    return out


@router.get("/sessions/{session_id}/notes-roll")
def piano_roll(session_id: str, store: Store = Depends(get_store)) -> Response:
    """Notes per MIDI player (see :func:`piano_roll_json`)."""
    return Response(piano_roll_json(store.session(session_id)), media_type="application/json")


ROLL_MAGIC = b"IRL1"


def _roll_key(session) -> str:
    """The piano roll's cache key: the MIDI log's checksum and the players' renames (a roll
    cached under a player's old name is never served for the new one)."""
    import hashlib
    import json

    key = (session.manifest.get("checksums") or {}).get("midi.tsv") or session.id
    names = json.dumps(session.manifest.get("player_names") or {}, sort_keys=True)
    return hashlib.sha256(f"{ROLL_VERSION}:{key}:{names}".encode()).hexdigest()[:16]


def piano_roll_bin(session) -> bytes:
    """The piano roll as compact binary, cached in the session's ``cache/`` folder.

    Layout (little-endian): ``b"IRL1"``, uint32 header length, the header (UTF-8 JSON
    ``{"players": [[name, n], ...]}``, padded with spaces to a multiple of 4 bytes), then per
    player in header order ``start`` float32[n] and ``end`` float32[n] [s], then per player
    ``pitch`` uint8[n] and ``velocity`` uint8[n]. Float32 keeps times to 0.25 ms at one hour.
    About 10 bytes a note instead of about 30 as JSON, and no parsing in the browser.
    """
    import json

    def make() -> bytes:
        roll = _piano_roll(session)
        header = json.dumps({"players": [[p, len(v["start"])] for p, v in roll.items()]}).encode()
        header += b" " * ((-len(header)) % 4)
        parts = [ROLL_MAGIC, np.uint32(len(header)).tobytes(), header]
        for v in roll.values():
            parts += [np.asarray(v["start"], "<f4").tobytes(),
                      np.asarray(v["end"], "<f4").tobytes()]
        for v in roll.values():
            parts += [np.asarray(v["pitch"], np.uint8).tobytes(),
                      np.asarray(v["velocity"], np.uint8).tobytes()]
        return b"".join(parts)

    return cached_bytes(session, f"pianoroll-{_roll_key(session)}.bin", make, what="piano roll")


def cached_response(request: Request, data_fn, *, etag: str, media_type: str) -> Response:
    """``data_fn()`` with an ETag; 304 when the client sends that ETag back.

    Browsers are told to keep nothing on disk (``no-store``: this is health data), so they
    fetch again on every page view; the ETag serves clients that revalidate.
    """
    tag = f'"{etag}"'
    headers = {"ETag": tag, "Cache-Control": "no-store"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(data_fn(), media_type=media_type, headers=headers)


@router.get("/sessions/{session_id}/notes-roll.bin")
def piano_roll_binary(session_id: str, request: Request,
                      store: Store = Depends(get_store)) -> Response:
    """Notes per MIDI player as binary (see :func:`piano_roll_bin`), with an ETag."""
    session = store.session(session_id)
    return cached_response(request, lambda: piano_roll_bin(session), etag=_roll_key(session),
                           media_type="application/octet-stream")


@router.get("/sessions/{session_id}/page")
def session_page(session_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """What the session page draws first, in one answer: the session, the tag vocabulary,
    the annotations and the waveform peak levels of every audio input (computed if missing).
    The piano roll (``notes-roll.bin``) and the peak data are binary and come separately."""
    from improv.web.api_annotations import annotations_with_edits, vocabulary_answer
    from improv.web.errors import UnreadableSession
    from sessions.errors import SessionFormatError, UnreadableSessionError
    from sessions.manifest import RECORDING_FLAG

    try:
        session = store.session(session_id)
        detail, annotations = _session_detail(session), annotations_with_edits(session)
    except SessionFormatError as exc:  # its manifest or annotation log: said in plain words
        if (store.folder(session_id) / RECORDING_FLAG).exists():
            raise  # interrupted, on a store opened read-only: its message says what to do
        if isinstance(exc, UnreadableSessionError):  # the lists say so from now on
            store.note_readability(session_id, readable=False)
        reason = exc.reason if isinstance(exc, UnreadableSessionError) else str(exc)
        raise UnreadableSession(reason) from None
    store.note_readability(session_id, readable=True)  # one listed unreadable reads again
    return {
        "session": dict(detail, number=store.catalog.session_number(session_id)),
        "vocabulary": vocabulary_answer(store),
        "annotations": annotations,
        "peaks": {a.name: _peaks_or_why(session, a.name) for a in session.audio_inputs()},
    }


def _peaks_or_why(session, name: str) -> dict[str, Any]:
    """The waveform peaks of one audio input, or ``{"name", "error"}`` when its file cannot
    be read: one damaged recording leaves the rest of the session page standing."""
    from improv.errors import user_facing_errors
    from improv.web import peaks as pk
    from improv.web.errors import without_store_path

    try:
        return pk.ensure_peaks(session, name)
    except (*user_facing_errors(), OSError, RuntimeError) as exc:  # soundfile: RuntimeError
        return {"name": name, "error": without_store_path(" ".join(str(exc).split()),
                                                          session.folder.parents[1])}


# -- clients ---------------------------------------------------------------------------

@router.get("/clients/{client}")
def client_overview(client: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """All sessions of one client and their feature summaries as series over time."""
    from sessions.listing import session_page

    client = _check_client(client)
    # the tags of this client's sessions only, not of every annotation of the store
    sessions = [session_row(r) for r in session_page(store, client=client)[0]]
    if not sessions:
        raise NotFound(f"no sessions of client {client} (see the session list)")
    series: dict[str, dict[str, list]] = {}
    for f in store.catalog.features(client=client):
        if f["value"] is None:
            continue
        series.setdefault(f["name"], {}).setdefault(f["player"], []).append(
            {"session_id": f["session_id"], "started_utc": f["started_utc"], "value": f["value"]}
        )
    from sessions.vocabulary import IAP_PROFILES

    return {"client": client, "sessions": sessions, "features": series,
            "iap": list(IAP_PROFILES)}


# -- import by drag and drop -------------------------------------------------------------

class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uploads: list[str] = Field(min_length=1)
    client: str | None = None
    therapist: str | None = None
    players: list[str] = []  # NAME=FILE[:N], as sessions.import_mapping.parse_player_map reads them
    leave_out: list[str] = []  # FILE:N, the tracks and channels no one plays
    offset: float | str = 0.0  # seconds, or text as the other time fields take (1:30)
    title: str | None = Field(None, max_length=200)
    # when the session was recorded: ISO 8601 with its offset (the form's "Recorded on");
    # by default the oldest file's time (its lastModified, sent with the upload)
    started: str | None = Field(None, max_length=40)
    not_a_name: bool = Field(False, description="a new client or therapist code that reads "
                             "like a name is a pseudonym (the page's 'Use it anyway')")


class PlayersBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uploads: list[str] = Field(min_length=1)
    client: str | None = None


#: How far "Recorded on" may lie ahead of the server's clock (a computer's clock a little
#: fast, a time zone typed wrong) [seconds]; later is a typo.
STARTED_AHEAD_S = 24 * 3600.0


def _parse_started(text: str | None):
    """The form's "Recorded on" as an aware datetime, or None; a one-line error otherwise."""
    from datetime import datetime, timedelta, timezone

    if not text or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"Recorded on must be a date and time like 2026-11-02T10:00+01:00, "
                         f"got {text!r}") from None
    if when.tzinfo is None:
        raise BadRequest(f"Recorded on needs its time zone (e.g. {text.strip()}+01:00)")
    if when - datetime.now(timezone.utc) > timedelta(seconds=STARTED_AHEAD_S):
        raise BadRequest(f"Recorded on ({text.strip()}) is in the future: give the day and "
                         "time the session was recorded")
    return when


def _last_modified(raw: str | None, name: str) -> float | None:
    """The ``X-Last-Modified`` header (the browser's ``File.lastModified``, milliseconds since
    1970) as seconds, or None without one."""
    if raw is None or raw == "":
        return None
    try:
        ms = float(raw)
    except ValueError:
        ms = float("nan")
    if not (0 < ms < 1e14):  # 1e14 ms: the year 5138
        raise BadRequest(f"{name}: X-Last-Modified must be the file's time in milliseconds "
                         f"since 1970, got {raw!r}")
    return ms / 1000.0


def _upload_dir(request: Request) -> Path:
    """The staging folder of uploads (``<store>/tmp/uploads-…``, :func:`improv.web.app.
    _staging_folder`), checked without following links: a link put in place of ``tmp/`` or
    of the folder since the app started is refused (400), never written through."""
    folder = request.app.state.upload_dir
    if getattr(request.app.state, "uploads_in_store", False):
        from sessions.safeio import store_folder

        store_folder(folder.parent)
        if not store_folder(folder):
            raise NotFound("the staging folder of uploads is gone: upload the files again")
    return folder


@router.post("/uploads", status_code=201)
async def upload(request: Request) -> dict[str, Any]:
    """Receive one file (raw body, name in ``X-Filename``) into a private staging folder.

    Nothing reaches the store's sessions until ``POST /api/import``; staged files live in
    the store's ``tmp/`` (owner-only) and are removed after the import (or at shutdown, or
    by the next sweep of ``tmp/`` if the server was killed).
    """
    from sessions.fsutil import open_new
    from sessions.importer import supported, unsupported

    raw = request.headers.get("x-filename")
    if not raw:
        raise BadRequest("missing X-Filename header (the file's name)")
    name = unquote(raw)
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name
            or len(name) > 200):
        raise BadRequest(f"bad file name {name!r}: a plain name without folders")
    if not supported(name):
        raise BadRequest(unsupported(name))
    modified = _last_modified(request.headers.get("x-last-modified"), name)
    length = request.headers.get("content-length")
    if length and (not length.isdecimal() or int(length) > MAX_UPLOAD_BYTES):
        raise BadRequest(f"{name} is larger than {MAX_UPLOAD_BYTES // 1024**3} GB")
    uid = secrets.token_hex(8)
    folder = _upload_dir(request) / uid
    folder.mkdir(mode=0o700)
    size = 0
    try:
        with open_new(folder / name, "xb") as f:  # 0600: a recording of a client
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise BadRequest(f"{name} is larger than {MAX_UPLOAD_BYTES // 1024**3} GB")
                f.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    # checked at once, as the command line checks it (empty, not MIDI, not audio, too long),
    # so the page marks a bad file when it is chosen, not after "Import"
    from starlette.concurrency import run_in_threadpool

    from sessions.errors import SessionFormatError
    from sessions.importer import describe_file

    try:
        if modified is not None:  # the import dates the session by its oldest file
            os.utime(folder / name, (modified, modified))
        described = await run_in_threadpool(describe_file, folder / name)
    except SessionFormatError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise BadRequest(str(exc)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return {**described, "upload": uid, "name": name, "bytes": size,
            "last_modified_utc": _utc(folder / name)}


def _utc(path: Path) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).isoformat()


def _upload_folder(request: Request, uid: str) -> Path:
    if not (len(uid) == 16 and all(c in "0123456789abcdef" for c in uid)):
        raise BadRequest(f"{uid!r} is not an upload ID")
    return _upload_dir(request) / uid


@router.delete("/uploads/{uid}", status_code=204)
def remove_upload(uid: str, request: Request) -> Response:
    """Remove a staged upload (the page's Remove button); one already gone is fine."""
    shutil.rmtree(_upload_folder(request, uid), ignore_errors=True)
    return Response(status_code=204)


def _staged(request: Request, uploads: list[str]) -> list[Path]:
    """The staged file of each upload ID (404 for one gone)."""
    files = []
    for uid in uploads:
        folder = _upload_folder(request, uid)
        found = list(folder.iterdir()) if folder.is_dir() else []
        if len(found) != 1:
            raise NotFound(f"no upload {uid} (upload the file again)")
        files.append(found[0])
    return files


@router.post("/import/players")
def import_players(body: PlayersBody, request: Request,
                   store: Store = Depends(get_store)) -> dict[str, Any]:
    """Who plays each track and channel of the uploads, as proposed before the import: the
    players of the client's most recent session, else client or therapist from a word in a
    name, else nobody (the form asks). See :mod:`sessions.import_players`."""
    from sessions.errors import SessionFormatError
    from sessions.import_players import previous_players, suggest_players
    from sessions.importer import describe_file

    files = _staged(request, body.uploads)
    try:
        described = [describe_file(f) for f in files]
    except SessionFormatError as exc:  # changed since its upload
        raise BadRequest(str(exc)) from None
    client = _check_client(body.client)
    previous = previous_players(store, client)
    proposed = suggest_players(described, previous)
    return {
        "previous": previous and {k: previous[k] for k in ("id", "number", "started_utc")},
        "files": [{"upload": uid, "parts": [{"selector": part["selector"], **p}
                                            for part, p in zip(d["parts"], props, strict=True)]}
                  for uid, d, props in zip(body.uploads, described, proposed, strict=True)],
    }


@router.post("/import", status_code=201)
def import_uploads(body: ImportBody, request: Request,
                   store: Store = Depends(get_store)) -> dict[str, Any]:
    """Import staged uploads as one session (atomic: a failure leaves the store unchanged).

    A client or therapist code new to the store that reads like a person's name is refused
    unless ``not_a_name``, as the Record page's Start is (:func:`improv.codes.refuse_name_like`).
    """
    from improv.codes import refuse_name_like, store_codes
    from sessions.importer import import_files

    store.require_writable()
    files = _staged(request, body.uploads)
    client = _check_client(body.client)
    therapist = _check_code(body.therapist, what="therapist")
    clients, therapists = store_codes(store)
    refuse_name_like(client, therapist, known_clients=clients, known_therapists=therapists,
                     not_a_name=body.not_a_name, go_ahead='import with "Use it anyway"')
    started = _parse_started(body.started)
    # a refused import keeps its uploads, so that the page can try again once the client code
    # or the player mapping is corrected without sending the files again (they are removed
    # with the upload folder when the app stops)
    from sessions.errors import SessionFormatError

    try:
        manifest = import_files(store, files, client=client,
                                therapist=therapist, players=body.players,
                                leave_out=body.leave_out,
                                offset=parse_t(body.offset, name="offset") or 0.0,
                                title=(body.title or "").strip() or None, started=started)
    except SessionFormatError as exc:  # one file is at fault: the page can take it out
        named = [f.name for f in files if str(exc).startswith(f.name)]
        if not named:
            raise
        raise BadRequest(f"{exc}. Remove {named[0]} and import again") from None
    for f in files:
        shutil.rmtree(f.parent, ignore_errors=True)
    request.app.state.background(manifest["id"])
    from sessions.importer import earlier_copies

    return {"id": manifest["id"], "duration_s": manifest.get("duration_s"),
            "players": [p["name"] for p in manifest["players"]],
            # sessions that look like the same recording imported before: the page says so
            "looks_like": earlier_copies(store, manifest)}


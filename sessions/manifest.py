"""The session manifest (``session.json``): schema, validation, migrations.

The manifest is the session's self-description: who played, on which inputs,
when (UTC start), with which sample rates, latencies, clock anchors, overflow
and gap counts, and a SHA-256 of every file.  ``schema_version`` names its
layout; older manifests are brought forward by named migrations (see
``MIGRATIONS``), never silently reinterpreted.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import PurePosixPath
from typing import Any, Callable

from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.names import match_name
from sessions.schema import check_optional_fields

SCHEMA_VERSION = 1
FORMAT_NAME = "improv-session"
STATUSES = ("recording", "complete", "recovered")

MANIFEST = "session.json"
MIDI_LOG = "midi.tsv"
SMF = "session.mid"
ANNOTATIONS = "annotations.jsonl"
JOURNAL = "journal.jsonl"
AUDIO_DIR = "audio"
RECORDING_FLAG = "RECORDING"
LOCK = ".lock"

#: Lowest sample rate of a recording improv accepts [Hz] (telephone speech is 8 kHz; a header
#: claiming 1 Hz made a 13-hour session of a second of sound).
MIN_SR_HZ = 8000
#: Longest session improv accepts [seconds]: 12 hours, far beyond a therapy session (a MIDI
#: file with an extreme tempo once imported as a 142-year session).
MAX_SESSION_S = 12 * 3600.0

# matched with fullmatch: "$" also matches before a final newline, which let "C07\n" in as a
# second client (review 29)
_ID_RE = re.compile(r"\d{8}-\d{6}-[0-9a-f]{4}")
_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
#: A new player's name: as a code, but no "." (:func:`check_player_name`).
_PLAYER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")

#: Longest title of a session [characters]: a title is shown in one line of lists, reports
#: and the web page (the web form takes as many).
MAX_TITLE = 200
#: Most players a session may have: a MIDI port has 16 channels, a therapy group is smaller,
#: and the dialogue analysis measures every pair (16 players: 120 pairs; a 2000-track MIDI
#: file took minutes and over 1.3 GB to analyse). An import of more is refused
#: (:func:`check_player_count`), and so is a recording
#: (:func:`improv.capture.setups.check_inputs`); a restore takes what a backup holds.
MAX_PLAYERS = 16

# name -> function(manifest) -> manifest, applied in order from the manifest's
# version.  Version 1 is the first published layout, so the list is empty;
# a change adds ("0002_<what>", fn) and bumps SCHEMA_VERSION.
MIGRATIONS: list[tuple[str, Callable[[dict], dict]]] = []


def valid_session_id(session_id: str) -> bool:
    """Session IDs look like ``20261127-093012-3fa2`` (UTC start, 4 hex digits)."""
    return isinstance(session_id, str) and bool(_ID_RE.fullmatch(session_id))


def id_started_utc(session_id: str) -> str | None:
    """The UTC start a session ID holds (``20261127-093012-3fa2``: 2026-11-27 09:30:12),
    ISO 8601, or None if it holds no date: what is known of a session whose manifest
    cannot be read.

    >>> id_started_utc("20261127-093012-3fa2")
    '2026-11-27T09:30:12+00:00'
    """
    from datetime import datetime, timezone

    if not valid_session_id(session_id):
        return None
    try:
        start = datetime.strptime(session_id[:15], "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    return start.replace(tzinfo=timezone.utc).isoformat()


def check_code(value: str, *, what: str) -> str:
    """Validate a pseudonym code (client or therapist).

    Codes are 1-32 letters, digits, ``_``, ``.`` or ``-``; they are meant to be
    pseudonyms such as ``C07``, never names.
    """
    if not isinstance(value, str) or not _CODE_RE.fullmatch(value):
        raise SessionFormatError(
            f"{what} must be a pseudonym code of 1-32 letters, digits, '_', '.' or '-' "
            f"(e.g. C07), got {value!r}"
        )
    return value


def _control(text: str, *, allowed: str = "") -> str | None:
    """The first control character of ``text`` (a newline, a tab, a bell, an escape, a line
    separator) that ``allowed`` does not list, as its code (``U+0007``), or None."""
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return f"U+{ord(ch):04X}" + {"\n": " (a newline)", "\t": " (a tab)",
                                          "\r": " (a carriage return)"}.get(ch, "")
    return None


def check_title(title: str | None) -> str | None:
    """A session's title as stored: one line of at most :data:`MAX_TITLE` characters without
    control characters, its outer spaces removed; None for a missing or empty one.

    Raises
    ------
    InvalidArgumentError
        A title that is not text, holds a control character (a newline, a tab, a bell ...)
        or is longer than :data:`MAX_TITLE` characters.

    >>> check_title("  Week 3 "), check_title(""), check_title(None)
    ('Week 3', None, None)
    """
    if title is None:
        return None
    if not isinstance(title, str):
        raise InvalidArgumentError(f"title must be text, got {title!r}", parameter="title")
    title = title.strip()
    bad = _control(title)
    if bad:
        raise InvalidArgumentError(
            f"title must be one line without control characters, got {bad} in "
            f"{title[:40]!r}: write it on one line", parameter="title")
    if len(title) > MAX_TITLE:
        raise InvalidArgumentError(
            f"title must be at most {MAX_TITLE} characters, got {len(title)}: shorten it "
            "(notes belong in the session's notes)", parameter="title")
    return title or None


def check_player_count(names: list[str], *, how: str = "") -> None:
    """Refuse more than :data:`MAX_PLAYERS` players in one session, naming the limit and
    ``how`` to choose the players (a hint of the caller's)."""
    if len(names) > MAX_PLAYERS:
        raise InvalidArgumentError(
            f"a session may have at most {MAX_PLAYERS} players, these files give "
            f"{len(names)} ({', '.join(names[:3])}, ...){how}", parameter="players")


def check_author(by: str | None) -> str | None:
    """Who made a change (an annotation, the notes): a pseudonym code like the therapist's, or
    None for an empty or missing one."""
    if by is None or by == "":
        return None
    return check_code(by, what="the author (by)")


def check_player_name(value: str, *, what: str = "player name", stored: bool = False) -> str:
    """Player names are short labels such as ``client`` or ``therapist``: 1-32 letters,
    digits, ``_`` or ``-``.

    A ``.`` is refused in a new name: it separates the parts of a measure's column
    (``client.midi.notes_per_s``), and a name holding one made them ambiguous. Sessions
    written while it was allowed (until December 2026) keep their names: ``stored=True``
    accepts a ``.`` when a session's own files are read.
    """
    pattern = _CODE_RE if stored else _PLAYER_RE
    if not isinstance(value, str) or not pattern.fullmatch(value):
        dot = (" ('.' separates the parts of a measure's name, as in client.midi.notes_per_s: "
               "use '-' instead)" if isinstance(value, str) and "." in value else "")
        raise SessionFormatError(
            f"{what} must be 1-32 letters, digits, '_' or '-' "
            f"(e.g. client, therapist), got {value!r}{dot}"
        )
    return value


def migrate(manifest: dict) -> tuple[dict, list[str]]:
    """Bring a manifest to ``SCHEMA_VERSION``; returns it and the migrations applied."""
    version = manifest.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise SessionFormatError(f"schema_version must be a positive int, got {version!r}")
    if version > SCHEMA_VERSION:
        raise SessionFormatError(
            f"session uses schema version {version}, newer than this improv "
            f"({SCHEMA_VERSION}); upgrade improv to open it"
        )
    applied = []
    for index, (name, fn) in enumerate(MIGRATIONS, start=2):
        if version < index:
            manifest = fn(manifest)
            manifest["schema_version"] = index
            applied.append(name)
    return manifest, applied


def validate(manifest: Any) -> dict:
    """Check the structure of a manifest; raise SessionFormatError naming the problem."""
    if not isinstance(manifest, dict):
        raise SessionFormatError("session.json must hold a JSON object")
    if manifest.get("format") != FORMAT_NAME:
        raise SessionFormatError(
            f"session.json format must be {FORMAT_NAME!r}, got {manifest.get('format')!r}"
        )
    manifest, _ = migrate(manifest)
    for key, kind in (
        ("id", str),
        ("status", str),
        ("started_utc", str),
        ("players", list),
        ("audio", list),
        ("midi", dict),
    ):
        if not isinstance(manifest.get(key), kind):
            need = {str: "text", list: "list ([...])", dict: "JSON object ({...})"}[kind]
            raise SessionFormatError(
                f"session.json: {key!r} must be {'' if kind is str else 'a '}{need}, got "
                f"{_shown(manifest.get(key))}")
    if manifest["status"] not in STATUSES:
        raise SessionFormatError(
            f"session.json: status must be one of {', '.join(STATUSES)}, "
            f"got {manifest['status']!r}"
        )
    if not valid_session_id(manifest["id"]):
        raise SessionFormatError(
            f"session.json: 'id' must look like 20261127-093012-3fa2, got {manifest['id']!r}")
    _number(manifest, "duration_s", "session.json", optional=True)
    if (manifest.get("duration_s") or 0) > MAX_SESSION_S:
        raise SessionFormatError(
            f"session.json: 'duration_s' is {manifest['duration_s']:.0f} s, beyond the limit "
            f"of {MAX_SESSION_S / 3600:g} hours")
    # a folder copied in from elsewhere is read like one of ours: its codes and names end up
    # in file names (exports, plots) and its paths are opened, so both are checked here
    for key in ("client", "therapist"):
        if manifest.get(key) is not None:
            check_code(manifest[key], what=f"session.json: {key!r}")
    for player in manifest["players"]:
        if not isinstance(player, dict) or not isinstance(player.get("name"), str):
            raise SessionFormatError("session.json: every player must have a name (text)")
        check_player_name(player["name"], what="session.json: a player's name", stored=True)
    if not isinstance(manifest.get("checksums", {}), dict):
        raise SessionFormatError("session.json: 'checksums' must be an object")
    for audio in manifest["audio"]:
        if not isinstance(audio, dict):
            raise SessionFormatError("session.json: every audio entry must be an object")
        for key in ("name", "file", "sr", "channels"):
            if key not in audio:
                raise SessionFormatError(f"session.json: audio entry lacks {key!r}")
        where = f"session.json: audio {audio['name']!r}"
        for key in ("name", "file"):
            if not isinstance(audio[key], str):
                raise SessionFormatError(f"{where}: {key!r} must be text")
        _inside(audio["file"], f"{where}: 'file'")
        if isinstance(audio.get("compressed"), dict):
            _inside(audio["compressed"].get("from"), f"{where}: 'compressed'")
        players = audio.get("players", {})
        if not isinstance(players, dict):
            raise SessionFormatError(f"{where}: 'players' must be an object")
        for name in players:
            check_player_name(name, what=f"{where}: a player's name", stored=True)
        for key, least in (("sr", MIN_SR_HZ), ("channels", 1), ("frames", 0)):
            value = audio.get(key, least)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise SessionFormatError(
                    f"{where}: {key!r} must be a whole number >= {least}, got {value!r}")
        _number(audio, "t0", where, optional=True, least=None)
    for rel in manifest.get("checksums", {}):
        _inside(rel, "session.json: 'checksums'")
    check_optional_fields(manifest)
    if isinstance(manifest.get("smf"), dict):
        _inside(manifest["smf"].get("file"), "session.json: 'smf'")
    return manifest


def _shown(value: Any) -> str:
    """A value in a message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_id_matches(manifest: dict, *, folder_name: str) -> None:
    """A session's ID is its folder's name: refuse a manifest that claims another one (a
    copied folder would otherwise take over that session's catalog row)."""
    if manifest["id"] != folder_name:
        raise SessionFormatError(
            f"session.json: 'id' {manifest['id']} does not match the folder name "
            f"{folder_name} (a session's ID is its folder's name)")


def _inside(rel: Any, where: str) -> None:
    """Refuse a file name that is not a relative path inside the session folder."""
    path = PurePosixPath(rel) if isinstance(rel, str) else None
    if (path is None or path.is_absolute() or "\\" in rel or not path.parts
            or any(part in (".", "..") or part.startswith(".") for part in path.parts)):
        raise SessionFormatError(
            f"{where} must name a file inside the session folder (like audio/mic.wav), "
            f"got {rel!r}")


def _number(d: dict, key: str, where: str, *, optional: bool, least: float | None = 0.0) -> None:
    """Refuse a field that is not a finite number (at least ``least``); None if optional."""
    value = d.get(key)
    if value is None and optional:
        return
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or (least is not None and value < least)):
        need = "a number of seconds" + (f" >= {least:g}" if least is not None else "")
        raise SessionFormatError(f"{where}: {key!r} must be {need}, got {value!r}")


def warnings_of(manifest: dict) -> list[str]:
    """The store's warnings about a session (``warnings``) and those the recorder showed live
    (the messages of its ``warnings`` event), in that order."""
    live = [w for e in manifest.get("events", []) if e.get("kind") == "warnings"
            for w in e.get("messages", [])]
    return [*manifest.get("warnings", []), *live]


def percussion_ports(manifest: dict) -> set[tuple[str, str]]:
    """The MIDI inputs marked as drum kits, as ``(player, port)`` pairs.

    A MIDI input (an entry of ``midi.ports``: one port of one player) with ``"percussion":
    true`` is a drum kit: the analysis takes its notes as drums on every channel, as it takes
    General MIDI channel 10. A manifest without the field (every session before December 2026)
    marks none: channel 10 alone is percussion, as before.
    """
    return {(p["player"], p["name"]) for p in manifest["midi"].get("ports", [])
            if p.get("percussion") is True}


def midi_inputs_named(manifest: dict, name: str) -> list[int]:
    """The MIDI inputs (indices into ``midi.ports``) that ``name`` means, for marking them as
    drum kits: a player's MIDI inputs, else every player's share of a MIDI port (names match
    without regard to case where that leaves one, :func:`sessions.names.match_name`).

    Raises
    ------
    InvalidArgumentError
        ``name`` is an audio input, a player with audio inputs only, or neither a player nor a
        MIDI input (the message lists the MIDI inputs).
    """
    ports = manifest["midi"].get("ports", [])
    players = [p["name"] for p in manifest["players"]]
    audio = [a["name"] for a in manifest["audio"]]
    listed = ", ".join(f"{p['name']} ({p['player']})" for p in ports) or "none"
    player = match_name(str(name), players)
    if player in players:
        hits = [i for i, p in enumerate(ports) if p["player"] == player]
        if hits:
            return hits
        if any(player in a.get("players", {}) for a in manifest["audio"]):
            raise InvalidArgumentError(
                f"player {player!r} plays only audio inputs, which cannot be marked as a drum "
                f"kit: the analysis hears by the sound whether audio is percussive (MIDI inputs: "
                f"{listed})", parameter="input")
        raise InvalidArgumentError(f"player {player!r} has no MIDI input (MIDI inputs: {listed})",
                                   parameter="input")
    port = match_name(str(name), dict.fromkeys(p["name"] for p in ports))
    hits = [i for i, p in enumerate(ports) if p["name"] == port]
    if hits:
        return hits
    if match_name(str(name), audio) in audio:
        raise InvalidArgumentError(
            f"audio input {match_name(str(name), audio)!r} cannot be marked as a drum kit: the "
            f"analysis hears by the sound whether audio is percussive (MIDI inputs: {listed})",
            parameter="input")
    raise InvalidArgumentError(
        f"no player or MIDI input {name!r} (MIDI inputs: {listed}; players: "
        f"{', '.join(players) or 'none'})", parameter="input")

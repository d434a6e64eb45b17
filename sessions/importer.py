"""Bringing existing recordings into the store.

``import_files`` turns Standard MIDI Files (type 0 and 1) and audio files
(WAV, FLAC, OGG, MP3 and whatever else libsndfile reads) that were recorded
together into one session.  Everything is checked and written into a staging
folder under ``<store>/tmp`` first; only a complete session is renamed into
the store, so a corrupt file leaves the store exactly as it was.

Player mapping (``players``: ``NAME=FILE[:N]``):

- MIDI type 1: ``N`` is a 1-based track number (``track3`` also works);
  ``chN`` selects a MIDI channel (1-16) across tracks.
- MIDI type 0: ``N`` (or ``chN``) is a MIDI channel 1-16.
- Audio: ``N`` is a 1-based channel of the file.
- Without ``:N`` the whole file belongs to the player; a track or channel given to another
  player is that player's, whatever the order of the options. One part given to two players,
  or one file given whole to two, is refused.

Parts that no mapping names keep default players: the track name (or
``trackN``) for type-1 MIDI, ``chN`` for type 0, the file name for audio. Where two files
would give the same default name, it is prefixed with the file's name (``client-ch1``), so
separate files are never merged into one player. Parts that play no note (SysEx, the setup of
unused channels, a pedal-only track) go with the file's main player. Audio channels that a
mapping leaves out belong to no player (kept in the file; the import warns).

Every MIDI message and every audio sample is kept. Of the meta events, markers and cue points
become annotations; text, lyrics, key and time signatures are not kept.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from sessions import annotation_log as ann
from sessions import manifest as mf
from sessions import scratch
from sessions.errors import InvalidArgumentError, SessionFormatError, StoreWriteError
from sessions.finalize import complete_session
from sessions.fsutil import FILE_MODE, atomic_write_json, make_dir, write_errors, write_failure
from sessions.import_mapping import (
    PlayerMap,
    distinct_defaults,
    match_file,
    parse_left_out,
    parse_player_map,
    port_names,
)
from sessions.midi_file import (
    Part,
    channel_of,
    channels_in,
    default_player,
    is_note_on,
    read_midi_parts,
    require_content,
)
from sessions.midilog import MidiLogWriter

_PCM_SUBTYPES = ("PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")


def _unreadable_audio(path: Path, exc: Exception) -> SessionFormatError:
    return SessionFormatError(f"{path.name} is not readable audio ({exc}); convert it to WAV "
                              "or FLAC, or copy it again if it was cut short")


def _audio_info(path: Path):
    import soundfile as sf

    require_content(path)
    try:
        info = sf.info(str(path))
    except RuntimeError as exc:
        raise _unreadable_audio(path, exc) from None
    if info.frames <= 0 or info.channels <= 0:
        raise SessionFormatError(f"{path.name} holds no audio frames")
    if info.samplerate < mf.MIN_SR_HZ:
        raise SessionFormatError(
            f"{path.name} has a sample rate of {info.samplerate} Hz, below the lowest "
            f"improv accepts ({mf.MIN_SR_HZ} Hz); the file is damaged or not a recording")
    _check_length(path, info.frames / info.samplerate)
    return info


def _check_length(path: Path, seconds: float) -> None:
    """Refuse a file longer than a session may be (its header's promise, before anything
    is allocated for it)."""
    if not seconds <= mf.MAX_SESSION_S:
        raise SessionFormatError(
            f"{path.name} would last {seconds / 3600:.1f} hours, beyond the limit of "
            f"{mf.MAX_SESSION_S / 3600:g} hours for a session; the file is damaged or not "
            "one session")


def wav_cut_short(path: Path) -> str | None:
    """Why a RIFF WAV file is shorter than its header says, or None.

    libsndfile reads what a cut-short file holds and says nothing, so a copy that stopped
    early would be imported as a short session without a word. A data chunk of size 0 or
    0xFFFFFFFF (a recorder that never finished its header) announces nothing and passes.
    """
    import struct

    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            pos, byte_rate = 12, 0
            for _ in range(64):  # chunks before the data: fmt, fact, LIST, ...
                f.seek(pos)
                chunk = f.read(8)
                if len(chunk) < 8:
                    return None
                cid, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = f.read(16)
                    byte_rate = struct.unpack("<I", fmt[8:12])[0] if len(fmt) == 16 else 0
                elif cid == b"data":
                    held = size - (pos + 8)
                    if length in (0, 0xFFFFFFFF) or length <= held or byte_rate <= 0:
                        return None
                    return (f"{path.name} is cut short: its header announces "
                            f"{length / byte_rate:.1f} s of audio, the file holds "
                            f"{held / byte_rate:.1f} s; imported what it holds (copy it again "
                            "from where it was recorded if the original is whole)")
                pos += 8 + length + (length & 1)
    except OSError:
        return None
    return None


#: Latest start of a file in its session [seconds]: files recorded together start within the
#: session; a larger offset is a typo that would make a days-long session of silence.
MAX_OFFSET_S = 4 * 3600.0


def import_files(
    store,
    files: Sequence[str | os.PathLike],
    *,
    client: str | None = None,
    therapist: str | None = None,
    players: Sequence[PlayerMap | str] = (),
    leave_out: Sequence[str] = (),
    offset: float | dict[str, float] = 0.0,
    title: str | None = None,
    started: datetime | None = None,
    demo: bool = False,
    percussion: Sequence[str] = (),
) -> dict[str, Any]:
    """Import files recorded together as one new session.

    Parameters
    ----------
    store : sessions.store.Store
    files : sequence of paths
        MIDI (.mid/.midi, type 0 or 1) and audio files.
    client, therapist : str, optional
        Pseudonym codes.
    players : sequence of PlayerMap or ``NAME=FILE[:N]`` strings
    leave_out : sequence of ``FILE:N`` strings
        Tracks or channels that no one plays (a click track, a second microphone that is not
        wanted): a MIDI part's messages are not imported, an audio channel stays in the file
        for no player. Named in the manifest's ``settings.left_out``.
    offset : float or dict [seconds]
        Where the files start on the session clock: one value for all, or
        per file name.
    started : datetime, optional
        UTC start of the session; by default the oldest file's modification time.
    percussion : sequence of str
        Players or MIDI files (a file's name is its input's name) that are drum kits: their
        notes are drums on every channel, not only on General MIDI channel 10
        (:func:`sessions.manifest.midi_inputs_named`; ``percussion`` in the manifest's
        ``midi.ports``).

    Returns
    -------
    dict
        The new session's manifest.

    Raises
    ------
    SessionFormatError
        For a missing, empty, corrupt or unsupported file; nothing is written then.
    InvalidArgumentError
        For a bad mapping or offset, no files, a ``percussion`` name that is no player or
        MIDI file of the import (or an audio file), a title that is not one line of at most
        :data:`sessions.manifest.MAX_TITLE` characters, or more than
        :data:`sessions.manifest.MAX_PLAYERS` players; nothing is written then.
    """
    title = mf.check_title(title)
    paths = _check_files(files)
    maps = [parse_player_map(m) if isinstance(m, str) else m for m in players]
    for m in maps:
        mf.check_player_name(m.player)
    left = [parse_left_out(x) for x in leave_out]
    mapped = {id(m): match_file(m.file, paths) for m in maps + left}
    _check_offset_names(offset, paths)

    # 1. read and check everything before writing anything
    gathered = _Gathered(paths, maps, mapped, left)
    for p in paths:
        READERS[p.suffix.lower()].add(gathered, p, _file_offset(offset, p))
    mf.check_player_count(gathered.player_order, how=(
        ": give the parts you need to players (--player NAME=FILE:N, or NAME=FILE:chN for a "
        "channel) and the rest of a file to one player (--player NAME=FILE), or leave parts "
        "out (--leave-out FILE:N)"))
    if started is None:
        oldest = min(p.stat().st_mtime for p in paths)
        started = datetime.fromtimestamp(oldest, tz=timezone.utc)

    # 2. write into a staging folder
    manifest = store.new_manifest(
        client=client, players=gathered.player_order, therapist=therapist, title=title,
        source="imported", demo=demo, started=started,
        settings={"imported_files": [p.name for p in paths],
                  **({"left_out": gathered.left_out} if gathered.left_out else {})},
    )
    _mark_percussion(gathered, percussion)
    if gathered.warnings:
        manifest.setdefault("warnings", []).extend(gathered.warnings)
    stage = scratch.claim(store.tmp_dir, manifest["id"])  # swept if this process dies
    try:
        manifest = _write_session(stage.path, manifest, gathered)
        store.commit_folder(stage.path)
    finally:
        stage.release()  # removes whatever is left in tmp/ (nothing after the commit)
    return manifest


#: How close [seconds] another session's start and length must be for an import to look like
#: the same recording imported again.
SAME_START_S = 1.0
SAME_LENGTH_S = 0.5


def earlier_copies(store, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Sessions that look like the same recording as the newly imported ``manifest``,
    imported before: of the same client (or both of none), starting within
    :data:`SAME_START_S` and as long within :data:`SAME_LENGTH_S`. A recording imported twice
    counts twice in the client's course and baseline, and moves the running numbers of the
    sessions after it (review 35); the import is kept, the caller says so.

    Returns
    -------
    list of dict
        ``id``, ``number`` (the client's running session number, or None) and
        ``started_utc`` of each, oldest first.
    """
    client = manifest.get("client")
    started = datetime.fromisoformat(manifest["started_utc"])
    length = float(manifest.get("duration_s") or 0.0)
    out = []
    for r in store.list(client=client):
        if r["id"] == manifest["id"] or r.get("client") != client or r.get("demo"):
            continue
        apart = abs((datetime.fromisoformat(r["started_utc"]) - started).total_seconds())
        if apart <= SAME_START_S and abs(float(r["duration_s"] or 0.0) - length) <= SAME_LENGTH_S:
            out.append({"id": r["id"], "number": r.get("number"),
                        "started_utc": r["started_utc"]})
    return sorted(out, key=lambda r: r["started_utc"])


def _mark_percussion(g: _Gathered, names: Sequence[str]) -> None:
    """Mark the MIDI inputs ``names`` means (players, or MIDI files by name) as drum kits, or
    refuse the import with the reason (before anything is written)."""
    if not names:
        return
    view = {"players": [{"name": p} for p in g.player_order], "midi": {"ports": g.ports},
            "audio": [{"name": default_player(p.stem, "audio"), "players": chans}
                      for p, _, chans, _ in g.audio_plan]}
    for name in names:
        files = [p for p in g.paths if str(name) in (p.name, str(p))]
        if files and READERS[files[0].suffix.lower()].kind == "audio":
            raise InvalidArgumentError(
                f"{files[0].name} is an audio file, which cannot be marked as a drum kit: the "
                "analysis hears by the sound whether audio is percussive", parameter="percussion")
        port = g.port_of[files[0]] if files else name
        for i in mf.midi_inputs_named(view, port):
            g.ports[i]["percussion"] = True


def _check_files(files: Sequence[str | os.PathLike]) -> list[Path]:
    """The files as paths, each an existing file of a supported type, none given twice."""
    paths = [Path(f) for f in files]
    if not paths:
        raise InvalidArgumentError("no files to import", parameter="files")
    for p in paths:
        if p.is_dir():
            raise SessionFormatError(
                f"{p} is a folder: give the files in it, e.g. {p}/*.mid {p}/*.wav (a folder "
                "that 'improv sessions export' wrote is imported on its own)")
        if not p.is_file():
            raise SessionFormatError(f"{p} does not exist or is not a file")
        if p.suffix.lower() == ".zip":
            raise SessionFormatError(
                f"{p.name}: a zip file is imported on its own, as a session export "
                f"('improv sessions import {p.name}'), not with recordings")
        if p.suffix.lower() not in READERS:
            raise SessionFormatError(unsupported(p.name))
    if len({p.resolve() for p in paths}) != len(paths):
        raise InvalidArgumentError("the same file is given twice", parameter="files")
    return paths


def _check_offset_names(offset: float | dict[str, float], paths: list[Path]) -> None:
    """Refuse per-file offsets for files that are not imported."""
    if isinstance(offset, dict):
        named = {p.name for p in paths} | {str(p) for p in paths}
        stray = [k for k in offset if k not in named]
        if stray:
            raise InvalidArgumentError(
                f"offset names {', '.join(map(repr, stray))}, which is not among the files "
                f"given ({', '.join(p.name for p in paths)})", parameter="offset")


def _file_offset(offset: float | dict[str, float], p: Path) -> float:
    """Where file ``p`` starts on the session clock [seconds]."""
    if isinstance(offset, dict):
        value = offset.get(p.name, offset.get(str(p), 0.0))
    else:
        value = offset
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        value = float("nan")
    if not np.isfinite(value) or value < 0 or value > MAX_OFFSET_S:
        raise InvalidArgumentError(
            f"offset must be a number of seconds from 0 to {MAX_OFFSET_S:g} "
            f"({MAX_OFFSET_S / 3600:g} hours: files recorded together start within the "
            f"session), got {value!r}", parameter="offset")
    return value


class _Gathered:
    """What the files give, read and checked before anything is written.

    Each file's reader (:data:`READERS`) adds its MIDI events, markers, ports, audio plan and
    warnings, naming the players it uses in the order they appear.
    """

    def __init__(self, paths: list[Path], maps: list[PlayerMap], mapped: dict[int, Path],
                 left: Sequence[PlayerMap] = ()):
        self.paths, self.maps, self.mapped, self.left = paths, maps, mapped, list(left)
        self.left_out: list[str] = []  # the parts left out, in words
        self.midi_events: list[tuple[float, str, str, bytes]] = []
        self.file_markers: list[tuple[float, str]] = []
        self.player_order: list[str] = []
        self.ports: list[dict] = []
        self.audio_plan: list[tuple[Path, Any, dict[str, list[int]], float]] = []
        self.warnings: list[str] = []
        self.file_ends: list[float] = [0.0]  # where each MIDI file ends on the session clock
        self.midi_read = {p: read_midi_parts(p) for p in paths
                          if READERS[p.suffix.lower()].kind == "midi"}
        named: dict[str, set[Path]] = {}
        for m in maps:
            named.setdefault(m.player, set()).add(mapped[id(m)])
        self.audio_default = distinct_defaults(paths, self.midi_read, named)
        self.port_of = port_names(paths)

    def use(self, player: str) -> str:
        if player not in self.player_order:
            self.player_order.append(player)
        return player

    def maps_of(self, p: Path) -> list[PlayerMap]:
        return [m for m in self.maps if self.mapped[id(m)] == p]

    def left_of(self, p: Path) -> list[PlayerMap]:
        return [m for m in self.left if self.mapped[id(m)] == p]


def _names(m: PlayerMap, part: Part, mtype: int, ch: int | None) -> bool:
    """True if the track or channel map ``m`` names this message (of ``part``, channel
    ``ch``) of a file of MIDI type ``mtype``."""
    if m.kind == "track" or (m.kind == "number" and mtype == 1):
        return part.track == m.number
    return ch == m.number


def part_words(part: Part, mtype: int) -> str:
    """A MIDI part as the page and the messages name it: "track 2 'Piano client'" (type 1),
    "channel 3" (type 0)."""
    if mtype == 0:
        return f"channel {part.channel}" if part.channel else "its system messages"
    return f"track {part.track}" + (f" {part.label!r}" if part.label else "")


def _add_midi(g: _Gathered, p: Path, off: float) -> None:
    """Place a MIDI file's events with their players (read before, see :class:`_Gathered`)."""
    parts, markers, mtype, length = g.midi_read[p]
    _check_length(p, off + length)
    file_maps = g.maps_of(p)
    g.file_ends.append(off + length)
    # a marker's text becomes an annotation's: its control characters (a bell, an escape;
    # not a newline or tab) are read as spaces
    g.file_markers += [(t + off, "".join(
        " " if c not in "\n\r\t" and unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in text)) for t, text in markers]
    file_left = g.left_of(p)
    _check_midi_maps(p, parts, mtype, file_maps + file_left)
    # SysEx and other system messages (a GS/XG reset, a song position), and the setup
    # of channels that play no note (a program change and controllers for all 16),
    # belong to no one: they go with the file's main player instead of becoming players
    silent = {id(pt) for pt in parts if not any(is_note_on(d) for _, d in pt.events)}
    whole = {m.player for m in file_maps if m.number is None}
    if len(whole) > 1:
        raise InvalidArgumentError(
            f"{p.name} is given whole to several players ({', '.join(sorted(whole))}); "
            "give each a track or channel (e.g. client=FILE:2)", parameter="players")
    port = g.port_of[p]
    unplaced: list[tuple[float, bytes]] = []
    dropped: dict[int, Part] = {}
    tracks: dict[str, dict[str, None]] = {}  # player -> the names of its tracks, in order
    for part in parts:
        for t, data in part.events:
            ch = channel_of(data[0])
            # a track or channel map wins over a whole-file map, whatever the order
            claims = {m.player for m in file_maps if m.number is not None
                      and _names(m, part, mtype, ch)}
            if any(_names(m, part, mtype, ch) for m in file_left):
                if claims:
                    raise InvalidArgumentError(
                        f"{p.name}: {part_words(part, mtype)} is both left out and given to "
                        f"{', '.join(sorted(claims))}; choose one", parameter="leave_out")
                dropped[id(part)] = part
                continue
            if len(claims) > 1:
                raise InvalidArgumentError(
                    f"{p.name}: track {part.track}"
                    + (f", channel {ch}" if ch else "")
                    + f" is given to several players ({', '.join(sorted(claims))}); "
                    "give each part to one player", parameter="players")
            player = next(iter(claims), None) or next(iter(whole), None)
            if player is None and id(part) in silent:
                unplaced.append((t, data))
                continue
            player = player or part.default_player
            g.midi_events.append((t + off, g.use(player), port, data))
            if part.label and mtype == 1:
                tracks.setdefault(player, {})[part.label] = None
    if dropped and not any(e[2] == port for e in g.midi_events):
        raise InvalidArgumentError(
            f"every part of {p.name} that plays is left out; to leave out the whole file, "
            "do not import it (remove it from the files)", parameter="leave_out")
    g.left_out += [f"{p.name} {part_words(pt, mtype)}" for pt in dropped.values()]
    if unplaced:
        counts = Counter(e[1] for e in g.midi_events if e[2] == port)
        main = (counts.most_common(1)[0][0] if counts
                else default_player(p.stem, "midi"))
        g.midi_events += [(t + off, g.use(main), port, d) for t, d in unplaced]
    for player in dict.fromkeys(e[1] for e in g.midi_events if e[2] == port):
        device: dict[str, Any] = {"imported": p.name}
        # the names of the tracks the player plays: the next import of this client's
        # recordings finds the player by them (sessions.import_players)
        if tracks.get(player):
            device["tracks"] = list(tracks[player])
        g.ports.append({"name": port, "player": player, "device": device})


def _check_midi_maps(p: Path, parts: list[Part], mtype: int,
                     file_maps: list[PlayerMap]) -> None:
    """Refuse a map to a track or channel that the file does not have or that is silent."""
    for m in file_maps:
        if m.number is None:
            continue
        if m.kind == "track" or (m.kind == "number" and mtype == 1):
            if not any(pt.track == m.number for pt in parts):
                have = ", ".join(
                    f"{pt.track} {pt.label!r}" if pt.label else str(pt.track) for pt in parts)
                raise InvalidArgumentError(
                    f"{p.name} has no track {m.number} with MIDI messages (tracks: {have})",
                    parameter="players")
        elif not 1 <= m.number <= 16:
            raise InvalidArgumentError(f"MIDI channel must be in 1..16, got {m.number}",
                                       parameter="players")
        elif m.number not in channels_in(parts):
            have = ", ".join(str(c) for c in sorted(channels_in(parts))) or "none"
            raise InvalidArgumentError(
                f"{p.name} has no MIDI messages on channel {m.number} (channels: {have})",
                parameter="players")


def _add_audio(g: _Gathered, p: Path, off: float) -> None:
    """Check an audio file and plan which of its channels each player gets."""
    info = _audio_info(p)
    short = wav_cut_short(p)
    if short:
        g.warnings.append(short)
    file_maps = g.maps_of(p)
    every = range(1, info.channels + 1)
    for m in file_maps + g.left_of(p):
        if m.number is not None and not 1 <= m.number <= info.channels:
            raise InvalidArgumentError(
                f"{p.name} has {info.channels} channel(s); "
                f"channel {m.number} does not exist",
                parameter="players" if m.player else "leave_out")
    left_out = {m.number for m in g.left_of(p)}
    chans: dict[str, list[int]] = {}
    for m in file_maps:
        if m.number is None:  # the whole file: every channel not left out
            chans.setdefault(m.player, []).extend(c for c in every if c not in left_out)
        elif m.number in left_out:
            raise InvalidArgumentError(
                f"{p.name}: channel {m.number} is both left out and given to {m.player}; "
                "choose one", parameter="leave_out")
        else:
            chans.setdefault(m.player, []).append(m.number)
    if left_out >= set(every):
        raise InvalidArgumentError(
            f"every channel of {p.name} is left out; to leave out the whole file, do not "
            "import it (remove it from the files)", parameter="leave_out")
    g.left_out += [f"{p.name} channel {c}" for c in sorted(left_out)]
    if not file_maps:
        chans[g.audio_default[p]] = [c for c in every if c not in left_out]
    else:
        left = sorted(set(every) - left_out - {c for cs in chans.values() for c in cs})
        if left:  # kept in the file, measured for no one
            g.warnings.append(
                f"{p.name}: channel(s) {', '.join(map(str, left))} belong to no player "
                f"(kept in the file; map them to a player as NAME={p.name}:N)")
    for player in chans:
        g.use(player)
    g.audio_plan.append((p, info, chans, off))


@dataclass(frozen=True)
class Reader:
    """How one kind of file is imported: ``kind`` ``"midi"`` (read into parts before the
    players are named, see :class:`_Gathered`) or ``"audio"``; ``add`` places the file's
    content in the import."""

    kind: str
    add: Callable[[_Gathered, Path, float], None]


#: The import reader of each file suffix (lower case): a new format is one reader and a line
#: here.
READERS: dict[str, Reader] = {
    **{suffix: Reader("midi", _add_midi) for suffix in (".mid", ".midi", ".smf")},
    **{suffix: Reader("audio", _add_audio) for suffix in (
        ".wav", ".wave", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".w64", ".rf64")},
}
MIDI_SUFFIXES = tuple(s for s, r in READERS.items() if r.kind == "midi")
AUDIO_SUFFIXES = tuple(s for s, r in READERS.items() if r.kind == "audio")


def check_file(path: Path) -> str:
    """Read one file as its import would, without importing it: for a check as soon as a file
    is chosen (the web app's upload), before the other files of the session are there.

    Returns
    -------
    str
        ``"midi"`` or ``"audio"``.

    Raises
    ------
    SessionFormatError
        The same one-line message as the import: unsupported, empty, unreadable, or beyond
        the limits of a session.
    """
    return describe_file(path)["kind"]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _seconds_words(seconds: float) -> str:
    """A file's length for people: "75 s", "12 min 5 s", "1 h 2 min"."""
    s = int(round(seconds))
    if s < 100:
        return f"{max(s, 0)} s" if seconds >= 0.5 else f"{seconds:.1f} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


def describe_file(path: Path) -> dict[str, Any]:
    """What a file to import holds, checked as :func:`check_file` checks it: a MIDI file's
    tracks (type 1) or channels (type 0) with their names and notes, an audio file's channels.
    The web app's import form lists these parts, each with its player.

    Returns
    -------
    dict
        ``name``, ``kind`` (``"midi"`` or ``"audio"``), ``length_s`` [seconds], ``text`` (the
        file in words: "room.wav, 1 channel, 75 s"), ``midi_type`` (MIDI) or ``channels`` and
        ``sr`` [Hz] (audio), and ``parts``: one per track or channel with MIDI messages (MIDI)
        or per channel (audio), each with ``selector`` (the ``:N`` of a player mapping:
        ``track2``, ``ch3``, ``1``), ``kind`` (``"track"`` or ``"channel"``), ``number``,
        ``name`` (a track's name, else ""), ``notes`` (MIDI: the note-ons; a part with none
        goes with the file's main player), ``channels`` (MIDI: the channels it uses, 1-16) and
        ``text`` ("track 2 'Piano client', 83 notes").

    Raises
    ------
    SessionFormatError
        The same one-line message as the import: unsupported, empty, unreadable, or beyond
        the limits of a session.
    """
    path = Path(path)
    if path.suffix.lower() not in READERS:
        raise SessionFormatError(unsupported(path.name))
    kind = READERS[path.suffix.lower()].kind
    if kind == "audio":
        info = _audio_info(path)
        length = info.frames / info.samplerate
        return {"name": path.name, "kind": kind, "length_s": round(length, 3),
                "channels": int(info.channels), "sr": int(info.samplerate),
                "text": f"{path.name}, {_count(info.channels, 'channel')}, "
                        f"{_seconds_words(length)}",
                "parts": [{"selector": str(c), "kind": "channel", "number": c, "name": "",
                           "text": f"channel {c}"} for c in range(1, info.channels + 1)]}
    require_content(path)
    parts, _markers, mtype, length = read_midi_parts(path)
    _check_length(path, length)
    out = []
    for pt in parts:
        if mtype == 0 and pt.channel is None:
            continue  # a type-0 file's system messages: they go with its main player
        notes = sum(1 for _, d in pt.events if is_note_on(d))
        chans = sorted({c for _, d in pt.events if (c := channel_of(d[0])) is not None})
        number = pt.channel if mtype == 0 else pt.track
        text = part_words(pt, mtype) + ", " + (_count(notes, "note") if notes else "no notes")
        if mtype == 1 and len(chans) > 1:
            text += f", channels {', '.join(map(str, chans))}"
        out.append({"selector": f"ch{number}" if mtype == 0 else f"track{number}",
                    "kind": "channel" if mtype == 0 else "track", "number": number,
                    "name": pt.label, "notes": notes, "channels": chans, "text": text})
    return {"name": path.name, "kind": kind, "length_s": round(length, 3), "midi_type": mtype,
            "text": f"{path.name}, MIDI type {mtype}, {_seconds_words(length)}", "parts": out}


def supported(name: str) -> bool:
    """True if a file of this name can be imported (by its suffix)."""
    return Path(name).suffix.lower() in READERS


def unsupported(name: str) -> str:
    """The message for a file that cannot be imported, listing the suffixes that can."""
    suffix = Path(name).suffix
    return (f"{name}: unsupported file type {suffix or '(none)'!r} "
            f"(supported: {' '.join(READERS)})")


def _write_session(staged: Path, manifest: dict[str, Any], g: _Gathered) -> dict[str, Any]:
    """Write the session into the staging folder ``staged`` and complete it."""
    with write_errors(staged):
        staged.mkdir(mode=0o700)
    manifest["midi"]["ports"] = g.ports
    g.midi_events.sort(key=lambda e: e[0])
    log = MidiLogWriter(staged / mf.MIDI_LOG)
    for t, player, port, data in g.midi_events:
        log.write(t, player, port, data, None)
    log.close()
    _write_audio(staged, manifest, g.audio_plan)
    if g.file_markers:
        ann.append_records(staged / mf.ANNOTATIONS, [
            ann.creation_record(t=t, tags=["marker"], text=text, source="import")
            for t, text in sorted(g.file_markers)
        ])
    atomic_write_json(staged / mf.MANIFEST, manifest)
    # the session lasts until its last event, marker or recorded sample, or until the end
    # of a MIDI file's last track if that is later
    return complete_session(staged, manifest, status="complete", at_least_s=max(g.file_ends))


def _write_audio(staged: Path, manifest: dict[str, Any],
                 audio_plan: list[tuple[Path, Any, dict[str, list[int]], float]]) -> None:
    """Copy each audio file into the staging folder and declare it in the manifest."""
    import soundfile as sf

    used_names: set[str] = set()
    for p, info, chans, off in audio_plan:
        name = default_player(p.stem, "audio")
        while name in used_names:
            name += "_"
        used_names.add(name)
        keep_flac = info.format == "FLAC"
        fmt = "FLAC" if keep_flac else "WAV"
        lossless = info.subtype in _PCM_SUBTYPES
        subtype = info.subtype if lossless and sf.check_format(fmt, info.subtype) else "FLOAT"
        if not keep_flac and info.frames * info.channels * 4 > 0xFFFF0000:
            fmt = "RF64"
        rel = f"{mf.AUDIO_DIR}/{name}.{'flac' if keep_flac else 'wav'}"
        make_dir(staged / mf.AUDIO_DIR)
        _copy_audio(p, staged / rel, fmt=fmt, subtype=subtype, sr=info.samplerate,
                    channels=info.channels)
        manifest["audio"].append({
            "name": name, "file": rel, "sr": int(info.samplerate),
            "channels": int(info.channels), "subtype": subtype,
            "players": chans, "device": {"imported": p.name, "format": info.format},
            "latency_s": None, "t0": off, "frames": 0, "anchors": [], "overflows": 0,
            "gaps": [],
        })


def _copy_audio(src: Path, dst: Path, *, fmt: str, subtype: str, sr: int, channels: int) -> None:
    """Decode ``src`` block by block into a new file ``dst``.

    libsndfile reports a failed write only as "System error", so write
    failures are told apart from decode failures here and explained from the
    state of the disk.
    """
    import soundfile as sf

    dtype = ("int32" if subtype.startswith("PCM")
             else "float64" if subtype == "DOUBLE" else "float32")
    try:
        fin = sf.SoundFile(str(src))
    except RuntimeError as exc:
        raise _unreadable_audio(src, exc) from None
    with fin:
        need = fin.frames * channels * (8 if subtype == "DOUBLE" else 4)
        free = shutil.disk_usage(dst.parent).free
        if fmt != "FLAC" and need > free:
            raise StoreWriteError(
                f"cannot import {src.name}: it needs {need / 1e6:.1f} MB but the disk has "
                f"{free / 1e6:.1f} MB free (free some space and try again)"
            )
        try:
            with write_errors(dst):
                fout = sf.SoundFile(
                    str(dst), "x", samplerate=sr, channels=channels, format=fmt, subtype=subtype
                )
        except RuntimeError as exc:
            raise write_failure(dst, exc) from None
        with fout:
            os.chmod(dst, FILE_MODE)
            while True:
                try:
                    block = fin.read(1 << 16, dtype=dtype, always_2d=True)
                except RuntimeError as exc:
                    raise SessionFormatError(
                        f"{src.name} cannot be decoded ({exc}); it may be cut short: copy it "
                        "again, or convert it to WAV or FLAC") from None
                if not len(block):
                    break
                try:
                    fout.write(block)
                except RuntimeError as exc:
                    raise write_failure(dst, exc) from None


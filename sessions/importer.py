"""Bringing existing recordings into the store.

``import_files`` turns Standard MIDI Files (type 0 and 1) and audio files
(WAV, FLAC, OGG, MP3 and whatever else libsndfile reads) that were recorded
together into one session.  Everything is checked and written into a staging
folder under ``<store>/tmp`` first; only a complete session is renamed into
the store, so a corrupt file leaves the store exactly as it was.

Player mapping (``--player NAME=FILE[:N]``):

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
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from sessions import annotations as ann
from sessions import manifest as mf
from sessions import scratch
from sessions.errors import SessionFormatError, StoreWriteError
from sessions.fsutil import FILE_MODE, atomic_write_json, make_dir, write_errors
from sessions.midilog import MidiLogWriter
from sessions.recovery import complete_session
from sessions.smf import meta_text

MIDI_SUFFIXES = (".mid", ".midi", ".smf")
AUDIO_SUFFIXES = (".wav", ".wave", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".w64",
                  ".rf64")
_PCM_SUBTYPES = ("PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE")
_SELECTOR = re.compile(r"^(?:(track|tr|t|ch|channel|c))?(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class PlayerMap:
    """``player`` plays ``file`` (or one track/channel of it)."""

    player: str
    file: str
    kind: str | None = None  # None, "track", "channel" or "number" (meaning depends on file)
    number: int | None = None


def parse_player_map(spec: str) -> PlayerMap:
    """Parse ``NAME=FILE[:N]`` (``N``, ``trackN`` or ``chN``).

    Raises
    ------
    SessionFormatError
        With the expected form, for anything else.
    """
    name, sep, rest = str(spec).partition("=")
    if not sep or not name or not rest:
        raise SessionFormatError(
            f"--player must look like NAME=FILE or NAME=FILE:N (e.g. client=duet.mid:2), "
            f"got {spec!r}"
        )
    mf.check_player_name(name)
    file, kind, number = rest, None, None
    head, colon, tail = rest.rpartition(":")
    if colon and head:
        m = _SELECTOR.match(tail)
        if m:
            file = head
            number = int(m.group(2))
            word = (m.group(1) or "").lower()
            kind = "track" if word in ("track", "tr", "t") else "channel" if word else "number"
            if word in ("ch", "channel", "c"):
                kind = "channel"
    return PlayerMap(player=name, file=file, kind=kind, number=number)


@dataclass
class _Part:
    file: Path
    track: int | None  # 1-based
    channel: int | None  # 1-16
    default_player: str
    events: list[tuple[float, bytes]]


def _require_content(path: Path) -> None:
    """Refuse an empty file with a way out."""
    if path.stat().st_size == 0:
        raise SessionFormatError(f"{path.name} is empty (0 bytes): copy it again from where it "
                                 "was recorded or exported")


def _unreadable_audio(path: Path, exc: Exception) -> SessionFormatError:
    return SessionFormatError(f"{path.name} is not readable audio ({exc}); convert it to WAV "
                              "or FLAC, or copy it again if it was cut short")


def _channel(status: int) -> int | None:
    """The MIDI channel (1-16) of a channel message's status byte; None for system messages."""
    return (status & 0x0F) + 1 if 0x80 <= status < 0xF0 else None


def _channels(parts: list[_Part]) -> set[int]:
    """MIDI channels (1-16) that carry messages in any of ``parts``."""
    return {c for pt in parts for _, d in pt.events if (c := _channel(d[0])) is not None}


#: Player names are ASCII: letters that decompose into one (é, å) lose their accent; these
#: are spelled out as German and Scandinavian writers do when they cannot type them.
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "ø": "oe", "Ø": "OE"})


def _default_player(label: str, fallback: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label.strip().translate(_SPELLED))
    ascii_label = ascii_label.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_label).strip("-._")[:32]
    return slug if slug else fallback


def _tempo_map(mid) -> tuple[np.ndarray, np.ndarray]:
    changes: dict[int, int] = {}
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                changes[tick] = msg.tempo
    ticks = sorted(changes)
    if not ticks or ticks[0] != 0:
        ticks = [0] + ticks
        changes.setdefault(0, 500_000)
    return np.array(ticks, dtype=np.int64), np.array([changes[t] for t in ticks], dtype=np.float64)


def _ticks_to_seconds(ticks: np.ndarray, tempo_ticks: np.ndarray, tempos: np.ndarray, tpb: int):
    sec_per_tick = tempos / (tpb * 1e6)
    seg_start = np.concatenate([[0.0], np.cumsum(np.diff(tempo_ticks) * sec_per_tick[:-1])])
    j = np.searchsorted(tempo_ticks, ticks, side="right") - 1
    return seg_start[j] + (ticks - tempo_ticks[j]) * sec_per_tick[j]


def read_midi_parts(path: Path) -> tuple[list[_Part], list[tuple[float, str]], int, float]:
    """Read a Standard MIDI File into parts (tracks or channels) with times in seconds.

    Returns the parts, the file's marker/cue texts as ``(t, text)``, the MIDI type and the
    file's length [seconds]: its latest end of track, which may lie after its last message
    (a session rarely ends with its last note).
    """
    import mido

    _require_content(path)
    try:
        mid = mido.MidiFile(path, charset="latin-1")  # texts re-decoded by smf.meta_text
    except Exception as exc:  # mido raises many types for corrupt data
        reason = str(exc) or type(exc).__name__
        raise SessionFormatError(
            f"{path.name} is not a readable Standard MIDI File ({reason}); export it again "
            "as a .mid file (type 0 or 1)"
        ) from None
    if mid.type == 2:
        raise SessionFormatError(
            f"{path.name} is a type 2 MIDI file (independent sequences); only types 0 and 1 "
            "can be imported"
        )
    if mid.ticks_per_beat <= 0:
        raise SessionFormatError(f"{path.name} has SMPTE timing, which is not supported; "
                                 "save it again with beats (PPQ) timing")
    tempo_ticks, tempos = _tempo_map(mid)
    markers: list[tuple[float, str]] = []
    parts: list[_Part] = []
    end_tick = 0
    for index, track in enumerate(mid.tracks, start=1):
        tick = 0
        ticks, datas, name = [], [], ""
        for msg in track:
            tick += msg.time
            end_tick = max(end_tick, tick)
            if msg.is_meta:
                if msg.type == "track_name" and not name:
                    name = meta_text(msg.name)
                elif msg.type in ("marker", "cue_marker"):
                    t = float(_ticks_to_seconds(np.array([tick]), tempo_ticks, tempos,
                                                mid.ticks_per_beat)[0])
                    markers.append((t, meta_text(msg.text)))
                continue
            ticks.append(tick)
            datas.append(bytes(msg.bytes()))
        if not datas:
            continue
        secs = _ticks_to_seconds(np.array(ticks, dtype=np.int64), tempo_ticks, tempos,
                                 mid.ticks_per_beat)
        events = list(zip(secs.tolist(), datas, strict=False))
        if mid.type == 0:
            by_channel: dict[int | None, list] = {}
            for t, d in events:
                ch = _channel(d[0])
                by_channel.setdefault(ch, []).append((t, d))
            for ch in sorted(by_channel, key=lambda c: (c is None, c or 0)):
                label = f"ch{ch}" if ch is not None else "system"
                parts.append(_Part(path, index, ch, label, by_channel[ch]))
        else:
            parts.append(_Part(path, index, None, _default_player(name, f"track{index}"), events))
    if not parts:
        raise SessionFormatError(
            f"{path.name} holds no MIDI messages to import (only meta events or nothing)"
        )
    end = float(_ticks_to_seconds(np.array([end_tick]), tempo_ticks, tempos,
                                  mid.ticks_per_beat)[0])
    return parts, markers, mid.type, end


def _is_note_on(data: bytes) -> bool:
    return len(data) >= 3 and data[0] & 0xF0 == 0x90 and data[2] > 0


def _distinct_defaults(paths: Sequence[Path],
                       midi_read: dict[Path, tuple[list[_Part], Any, int, float]],
                       named: dict[str, set[Path]]) -> dict[Path, str]:
    """Keep the default players of different files apart; return each audio file's default.

    Each file's parts get players named after their track or channel (``ch1``, ``Piano``) and
    an audio file one named after the file. Two files that would give the same name (two
    type-0 files on channel 1, two tracks called "MIDI 01", ``x/take.wav`` and ``y/take.flac``)
    would be merged into one player without a word: such names are prefixed with the file's
    name (``client-ch1``, ``therapist-ch1``), or numbered where that is the same too. ``named``
    holds the players that ``--player`` gives, with their files: a default name that is also
    the name given to another file's part (``--player ch1=a.mid``) is kept apart as well.
    """
    owners: dict[str, set[Path]] = {name: set(files) for name, files in named.items()}
    for p, (parts, *_) in midi_read.items():
        for pt in parts:
            if any(_is_note_on(d) for _, d in pt.events):
                owners.setdefault(pt.default_player, set()).add(p)
    audio = {p: _default_player(p.stem, "audio") for p in paths if p not in midi_read}
    for p, name in audio.items():
        owners.setdefault(name, set()).add(p)
    shared = {name for name, files in owners.items() if len(files) > 1}
    taken: set[str] = set(owners) - shared
    for p, (parts, *_) in midi_read.items():
        for pt in parts:
            if pt.default_player in shared:
                pt.default_player = _unique(f"{p.stem}-{pt.default_player}", taken)
    for p, name in audio.items():
        if name in shared:
            audio[p] = _unique(name, taken)
    return audio


def _unique(name: str, taken: set[str]) -> str:
    """``name`` (slugged) or ``name-2``, ``name-3`` … not in ``taken``; added to it."""
    base = _default_player(name, "player")
    out, k = base, 2
    while out in taken:
        out = f"{base[:29]}-{k}"
        k += 1
    taken.add(out)
    return out


def _port_names(paths: Sequence[Path]) -> dict[Path, str]:
    """The MIDI port name of each file: its name, with its folder where two files share one
    (notes are paired per port, so ``x/take.mid`` and ``y/take.mid`` must stay apart)."""
    count = Counter(p.name for p in paths)
    return {p: p.name if count[p.name] == 1 else f"{p.parent.name}/{p.name}" for p in paths}


def _match_file(spec_file: str, files: Sequence[Path]) -> Path:
    hits = [f for f in files
            if str(f) == spec_file or f.name == spec_file or str(f).endswith(spec_file)]
    if not hits:
        names = ", ".join(f.name for f in files)
        raise SessionFormatError(
            f"--player names {spec_file!r}, which is not among the files ({names})")
    if len(hits) > 1:
        raise SessionFormatError(
            f"--player file {spec_file!r} matches several files; give its path")
    return hits[0]


def _audio_info(path: Path):
    import soundfile as sf

    _require_content(path)
    try:
        info = sf.info(str(path))
    except RuntimeError as exc:
        raise _unreadable_audio(path, exc) from None
    if info.frames <= 0 or info.channels <= 0:
        raise SessionFormatError(f"{path.name} holds no audio frames")
    return info


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
    offset: float | dict[str, float] = 0.0,
    title: str | None = None,
    started: datetime | None = None,
    demo: bool = False,
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
    offset : float or dict [seconds]
        Where the files start on the session clock: one value for all, or
        per file name.
    started : datetime, optional
        UTC start of the session; by default the oldest file's modification time.

    Returns
    -------
    dict
        The new session's manifest.

    Raises
    ------
    SessionFormatError
        For a missing, empty, corrupt or unsupported file or a bad mapping;
        nothing is written then.
    """
    import soundfile as sf

    paths = [Path(f) for f in files]
    if not paths:
        raise SessionFormatError("no files to import")
    for p in paths:
        if not p.is_file():
            raise SessionFormatError(f"{p} does not exist or is not a file")
        if p.suffix.lower() not in MIDI_SUFFIXES + AUDIO_SUFFIXES:
            raise SessionFormatError(
                f"{p.name}: unsupported file type {p.suffix or '(none)'!r} "
                "(supported: .mid .midi .wav .flac .ogg .mp3 .aiff)"
            )
    if len({p.resolve() for p in paths}) != len(paths):
        raise SessionFormatError("the same file is given twice")
    maps = [parse_player_map(m) if isinstance(m, str) else m for m in players]
    for m in maps:
        mf.check_player_name(m.player)
    mapped = {id(m): _match_file(m.file, paths) for m in maps}

    if isinstance(offset, dict):
        named = {p.name for p in paths} | {str(p) for p in paths}
        stray = [k for k in offset if k not in named]
        if stray:
            raise SessionFormatError(
                f"--offset names {', '.join(map(repr, stray))}, which is not among the files "
                f"given ({', '.join(p.name for p in paths)})")

    def file_offset(p: Path) -> float:
        if isinstance(offset, dict):
            value = offset.get(p.name, offset.get(str(p), 0.0))
        else:
            value = offset
        try:
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            value = float("nan")
        if not np.isfinite(value) or value < 0 or value > MAX_OFFSET_S:
            raise SessionFormatError(
                f"--offset must be a number of seconds from 0 to {MAX_OFFSET_S:g} "
                f"({MAX_OFFSET_S / 3600:g} hours: files recorded together start within the "
                f"session), got {value!r}")
        return value

    # 1. read and check everything before writing anything
    midi_events: list[tuple[float, str, str, bytes]] = []
    file_markers: list[tuple[float, str]] = []
    player_order: list[str] = []
    ports: list[dict] = []
    audio_plan: list[tuple[Path, Any, dict[str, list[int]], float]] = []
    warnings: list[str] = []
    file_ends: list[float] = [0.0]  # where each MIDI file ends on the session clock

    def use(player: str) -> str:
        if player not in player_order:
            player_order.append(player)
        return player

    midi_read = {p: read_midi_parts(p) for p in paths if p.suffix.lower() in MIDI_SUFFIXES}
    named: dict[str, set[Path]] = {}
    for m in maps:
        named.setdefault(m.player, set()).add(mapped[id(m)])
    audio_default = _distinct_defaults(paths, midi_read, named)
    port_of = _port_names(paths)

    for p in paths:
        off = file_offset(p)
        file_maps = [m for m in maps if mapped[id(m)] == p]
        if p.suffix.lower() in MIDI_SUFFIXES:
            parts, markers, mtype, length = midi_read[p]
            file_ends.append(off + length)
            file_markers += [(t + off, text) for t, text in markers]
            for m in file_maps:
                if m.number is None:
                    continue
                if m.kind == "track" or (m.kind == "number" and mtype == 1):
                    if not any(pt.track == m.number for pt in parts):
                        have = ", ".join(str(pt.track) for pt in parts)
                        raise SessionFormatError(
                            f"{p.name} has no track {m.number} with MIDI messages (tracks: {have})"
                        )
                elif not 1 <= m.number <= 16:
                    raise SessionFormatError(f"MIDI channel must be in 1..16, got {m.number}")
                elif m.number not in _channels(parts):
                    have = ", ".join(str(c) for c in sorted(_channels(parts))) or "none"
                    raise SessionFormatError(
                        f"{p.name} has no MIDI messages on channel {m.number} (channels: {have})")
            # SysEx and other system messages (a GS/XG reset, a song position), and the setup
            # of channels that play no note (a program change and controllers for all 16),
            # belong to no one: they go with the file's main player instead of becoming players
            silent = {id(pt) for pt in parts if not any(_is_note_on(d) for _, d in pt.events)}
            whole = {m.player for m in file_maps if m.number is None}
            if len(whole) > 1:
                raise SessionFormatError(
                    f"{p.name} is given whole to several players ({', '.join(sorted(whole))}); "
                    "give each a track or channel (e.g. client=FILE:2)")
            port = port_of[p]
            unplaced: list[tuple[float, bytes]] = []
            for part in parts:
                for t, data in part.events:
                    ch = _channel(data[0])
                    # a track or channel map wins over a whole-file map, whatever the order
                    claims = {m.player for m in file_maps if m.number is not None and (
                        part.track == m.number
                        if m.kind == "track" or (m.kind == "number" and mtype == 1)
                        else ch == m.number)}
                    if len(claims) > 1:
                        raise SessionFormatError(
                            f"{p.name}: track {part.track}"
                            + (f", channel {ch}" if ch else "")
                            + f" is given to several players ({', '.join(sorted(claims))}); "
                            "give each part to one player")
                    player = next(iter(claims), None) or next(iter(whole), None)
                    if player is None and id(part) in silent:
                        unplaced.append((t, data))
                        continue
                    player = player or part.default_player
                    midi_events.append((t + off, use(player), port, data))
            if unplaced:
                counts = Counter(e[1] for e in midi_events if e[2] == port)
                main = (counts.most_common(1)[0][0] if counts
                        else _default_player(p.stem, "midi"))
                midi_events += [(t + off, use(main), port, d) for t, d in unplaced]
            for player in dict.fromkeys(e[1] for e in midi_events if e[2] == port):
                ports.append({"name": port, "player": player, "device": {"imported": p.name}})
        else:
            info = _audio_info(p)
            short = wav_cut_short(p)
            if short:
                warnings.append(short)
            chans: dict[str, list[int]] = {}
            for m in file_maps:
                if m.number is None:
                    chans.setdefault(m.player, []).extend(range(1, info.channels + 1))
                elif not 1 <= m.number <= info.channels:
                    raise SessionFormatError(
                        f"{p.name} has {info.channels} channel(s); "
                        f"channel {m.number} does not exist"
                    )
                else:
                    chans.setdefault(m.player, []).append(m.number)
            if not file_maps:
                chans[audio_default[p]] = list(range(1, info.channels + 1))
            else:
                left = sorted(set(range(1, info.channels + 1))
                              - {c for cs in chans.values() for c in cs})
                if left:  # kept in the file, measured for no one
                    warnings.append(
                        f"{p.name}: channel(s) {', '.join(map(str, left))} belong to no player "
                        f"(kept in the file; map them with --player NAME={p.name}:N)")
            for player in chans:
                use(player)
            audio_plan.append((p, info, chans, off))

    if started is None:
        oldest = min(p.stat().st_mtime for p in paths)
        started = datetime.fromtimestamp(oldest, tz=timezone.utc)

    # 2. write into a staging folder
    manifest = store.new_manifest(
        client=client, players=player_order, therapist=therapist, title=title,
        source="imported", demo=demo, started=started,
        settings={"imported_files": [p.name for p in paths]},
    )
    if warnings:
        manifest.setdefault("warnings", []).extend(warnings)
    stage = scratch.claim(store.tmp_dir, manifest["id"])  # swept if this process dies
    staged = stage.path
    try:
        with write_errors(staged):
            staged.mkdir(mode=0o700)
        manifest["midi"]["ports"] = ports
        midi_events.sort(key=lambda e: e[0])
        log = MidiLogWriter(staged / mf.MIDI_LOG)
        for t, player, port, data in midi_events:
            log.write(t, player, port, data, None)
        log.close()
        used_names: set[str] = set()
        for p, info, chans, off in audio_plan:
            name = _default_player(p.stem, "audio")
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
        if file_markers:
            ann.append_records(staged / mf.ANNOTATIONS, [
                ann.creation_record(t=t, tags=["marker"], text=text, source="import")
                for t, text in sorted(file_markers)
            ])
        atomic_write_json(staged / mf.MANIFEST, manifest)
        # the session lasts until its last event, marker or recorded sample, or until the end
        # of a MIDI file's last track if that is later
        manifest = complete_session(staged, manifest, status="complete",
                                    at_least_s=max(file_ends))
        store.commit_folder(staged)
    finally:
        stage.release()  # removes whatever is left in tmp/ (nothing after the commit)
    return manifest


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
            raise _write_failure(dst, exc) from None
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
                    raise _write_failure(dst, exc) from None


def _write_failure(dst: Path, exc: Exception) -> StoreWriteError:
    try:
        free = shutil.disk_usage(dst.parent).free
    except OSError:
        free = None
    if free is not None and free < (1 << 20):
        reason = "the disk is full (free some space and try again)"
    elif not os.access(dst.parent, os.W_OK):
        reason = "the store is not writable (read-only disk or permissions)"
    else:
        reason = str(exc)
    return StoreWriteError(f"cannot write {dst}: {reason}")

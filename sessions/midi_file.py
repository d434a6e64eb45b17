"""Reading a Standard MIDI File (type 0 or 1) for an import: its parts (tracks, or the channels
of a type-0 file) with every message's time in seconds, its markers and its length.

:mod:`sessions.importer` gives the parts to players.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sessions.errors import SessionFormatError
from sessions.smf import meta_text

logger = logging.getLogger(__name__)


@dataclass
class Part:
    """One part of a MIDI file: a track, or one channel of a type-0 file (``channel`` None for
    its system messages), with its events as ``(t [seconds], message bytes)``."""

    file: Path
    track: int | None  # 1-based
    channel: int | None  # 1-16
    default_player: str
    events: list[tuple[float, bytes]]
    label: str = ""  # the track's name as the file gives it ("Piano client"), or ""


def require_content(path: Path) -> None:
    """Refuse an empty file with a way out."""
    if path.stat().st_size == 0:
        raise SessionFormatError(f"{path.name} is empty (0 bytes): copy it again from where it "
                                 "was recorded or exported")


def channel_of(status: int) -> int | None:
    """The MIDI channel (1-16) of a channel message's status byte; None for system messages."""
    return (status & 0x0F) + 1 if 0x80 <= status < 0xF0 else None


def channels_in(parts: list[Part]) -> set[int]:
    """MIDI channels (1-16) that carry messages in any of ``parts``."""
    return {c for pt in parts for _, d in pt.events if (c := channel_of(d[0])) is not None}


#: Player names are ASCII: letters that decompose into one (é, å) lose their accent; these
#: are spelled out as German and Scandinavian writers do when they cannot type them.
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "ø": "oe", "Ø": "OE"})


def default_player(label: str, fallback: str) -> str:
    """``label`` as a player name (letters, digits, ``_ -``; at most 32), or ``fallback``."""
    ascii_label = unicodedata.normalize("NFKD", label.strip().translate(_SPELLED))
    ascii_label = ascii_label.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_label).strip("-_")[:32].rstrip("-_")
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


def read_midi_parts(path: Path) -> tuple[list[Part], list[tuple[float, str]], int, float]:
    """Read a Standard MIDI File into parts (tracks or channels) with times in seconds.

    Returns the parts, the file's marker/cue texts as ``(t, text)``, the MIDI type and the
    file's length [seconds]: its latest end of track, which may lie after its last message
    (a session rarely ends with its last note).
    """
    import mido

    require_content(path)
    try:
        mid = mido.MidiFile(path, charset="latin-1")  # texts re-decoded by smf.meta_text
    except Exception as exc:  # mido raises many types for corrupt data
        # the library's words ("MThd not found. Probably not a MIDI file") are for --debug:
        # the log at debug level, and the traceback's cause
        logger.debug("mido could not read %s: %s", path.name, str(exc) or type(exc).__name__)
        raise SessionFormatError(
            f"{path.name} cannot be read as a MIDI file (it is damaged, or another kind of "
            "file named .mid); export it again from the music program as a .mid file "
            "(type 0 or 1)"
        ) from exc
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
    parts: list[Part] = []
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
                ch = channel_of(d[0])
                by_channel.setdefault(ch, []).append((t, d))
            for ch in sorted(by_channel, key=lambda c: (c is None, c or 0)):
                label = f"ch{ch}" if ch is not None else "system"
                parts.append(Part(path, index, ch, label, by_channel[ch]))
        else:
            parts.append(Part(path, index, None, default_player(name, f"track{index}"), events,
                              label=name.strip()))
    if not parts:
        raise SessionFormatError(
            f"{path.name} holds no MIDI messages to import (only meta events or nothing)"
        )
    end = float(_ticks_to_seconds(np.array([end_tick]), tempo_ticks, tempos,
                                  mid.ticks_per_beat)[0])
    return parts, markers, mid.type, end


def is_note_on(data: bytes) -> bool:
    return len(data) >= 3 and data[0] & 0xF0 == 0x90 and data[2] > 0

"""How the files of an import are given to players: the ``NAME=FILE[:N]`` mappings and the
parts left out (``FILE:N``), which file a mapping names, and the default players of parts no
mapping names, kept apart between files (see :mod:`sessions.importer`)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sessions import manifest as mf
from sessions.errors import InvalidArgumentError
from sessions.midi_file import Part, default_player, is_note_on
from sessions.midilog import clean_name

_SELECTOR = re.compile(r"^(?:(track|tr|t|ch|channel|c))?(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class PlayerMap:
    """``player`` plays ``file`` (or one track/channel of it)."""

    player: str
    file: str
    kind: str | None = None  # None, "track", "channel" or "number" (meaning depends on file)
    number: int | None = None


def parse_player_map(spec: str) -> PlayerMap:
    """Parse ``NAME=FILE[:N]`` (``N``, ``trackN`` or ``chN``); spaces around ``=`` and ``:``
    are left out (``Therapist = room.wav`` is ``Therapist=room.wav``).

    Raises
    ------
    InvalidArgumentError
        With the expected form, for anything else.
    """
    name, sep, rest = str(spec).partition("=")
    name, rest = name.strip(), rest.strip()
    if not sep or not name or not rest:
        raise InvalidArgumentError(
            f"a player mapping must look like NAME=FILE or NAME=FILE:N (e.g. client=duet.mid:2), "
            f"got {spec!r}", parameter="players")
    mf.check_player_name(name)
    file, kind, number = parse_part(rest)
    return PlayerMap(player=name, file=file, kind=kind, number=number)


def parse_part(spec: str) -> tuple[str, str | None, int | None]:
    """``FILE[:N]`` (``N``, ``trackN`` or ``chN``) as ``(file, kind, number)``: ``kind`` is
    None for the whole file, else ``"track"``, ``"channel"`` or ``"number"`` (a type-1 MIDI
    file's track, a type-0 file's channel, an audio file's channel)."""
    rest = str(spec).strip()
    file, kind, number = rest, None, None
    head, colon, tail = rest.rpartition(":")
    if colon and head.strip():
        m = _SELECTOR.match(tail.strip())
        if m:
            file = head.strip()
            number = int(m.group(2))
            word = (m.group(1) or "").lower()
            kind = "track" if word in ("track", "tr", "t") else "channel" if word else "number"
    return file, kind, number


def parse_left_out(spec: str) -> PlayerMap:
    """``FILE:N``: a track or channel that no one plays (``leave_out`` of :func:`import_files`),
    as a :class:`PlayerMap` without a player.

    Raises
    ------
    InvalidArgumentError
        For a whole file (remove it from the files instead) or an empty one.
    """
    file, kind, number = parse_part(spec)
    if not file or number is None:
        raise InvalidArgumentError(
            f"a part left out must look like FILE:N (e.g. duet.mid:4), got {spec!r}; to leave "
            "out a whole file, do not import it", parameter="leave_out")
    return PlayerMap(player="", file=file, kind=kind, number=number)


def distinct_defaults(paths: Sequence[Path],
                       midi_read: dict[Path, tuple[list[Part], Any, int, float]],
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
            if any(is_note_on(d) for _, d in pt.events):
                owners.setdefault(pt.default_player, set()).add(p)
    audio = {p: default_player(p.stem, "audio") for p in paths if p not in midi_read}
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
    base = default_player(name, "player")
    out, k = base, 2
    while out in taken:
        out = f"{base[:29]}-{k}"
        k += 1
    taken.add(out)
    return out


def port_names(paths: Sequence[Path]) -> dict[Path, str]:
    """The MIDI port name of each file: its name, with its folder where two files share one
    (notes are paired per port, so ``x/take.mid`` and ``y/take.mid`` must stay apart)."""
    count = Counter(p.name for p in paths)
    return {p: clean_name(p.name if count[p.name] == 1 else f"{p.parent.name}/{p.name}")
            for p in paths}


def match_file(spec_file: str, files: Sequence[Path]) -> Path:
    hits = [f for f in files
            if str(f) == spec_file or f.name == spec_file or str(f).endswith(spec_file)]
    if not hits:
        names = ", ".join(f.name for f in files)
        raise InvalidArgumentError(
            f"a player mapping names {spec_file!r}, which is not among the files ({names})",
            parameter="players")
    if len(hits) > 1:
        raise InvalidArgumentError(
            f"a player mapping's file {spec_file!r} matches several files; give its path",
            parameter="players")
    return hits[0]

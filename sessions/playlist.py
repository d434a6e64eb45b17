"""What a replay plays: the events, audio spans and annotations of a time window.

Pure and I/O-free apart from reading the session; the real-time part lives in
``improv.replay``.  Times are session seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sessions.errors import InvalidArgumentError
from sessions.names import match_names
from sessions.timefmt import as_typed


@dataclass
class Playlist:
    """The content of ``[start, end)`` of a session for some players.

    Attributes
    ----------
    start, end : float [seconds]
    players : list of str
    midi : list of (t, player, data)
        Channel and SysEx messages in time order (real-time bytes dropped).
    audio : list of (AudioInput, list of 0-based channel indices)
    annotations : list of dict
        Annotations that start inside the window, in time order.
    held_at_start : list of (player, data)
        Note-ons still sounding at ``start`` (so a replay from the middle of a
        held chord can re-strike it).
    """

    start: float
    end: float
    players: list[str]
    midi: list = field(default_factory=list)
    audio: list = field(default_factory=list)
    annotations: list = field(default_factory=list)
    held_at_start: list = field(default_factory=list)


def build_playlist(session, *, start: float = 0.0, end: float | None = None,
                   players: list[str] | None = None) -> Playlist:
    """Select the window and players to replay.

    Raises
    ------
    InvalidArgumentError
        For an unknown player or a window outside the session.
    """
    duration = session.duration_s
    end = duration if end is None else end
    if start < 0 or start >= max(duration, 1e-9):
        raise InvalidArgumentError(
            f"start {as_typed(start)} is outside the session "
            f"(0 to {as_typed(duration, like=start)})",
            parameter="start")
    if end <= start:
        raise InvalidArgumentError(f"end ({end:.2f} s) must be after start ({start:.2f} s)",
                                   parameter="end")
    chosen = validate_players(session, players)
    pl = Playlist(start=start, end=min(end, duration), players=chosen)
    ev = session.midi_events(players=chosen)
    order = np.argsort(ev.t, kind="stable")
    sounding: dict[tuple[str, int, int], bytes] = {}
    for i in order:
        t, data, player = float(ev.t[i]), ev.raw[i], ev.player[i]
        status = data[0]
        if status >= 0xF1 or status < 0x80:
            continue
        if t < start:
            kind = status & 0xF0
            key = (player, status & 0x0F, data[1] if len(data) > 1 else 0)
            if kind == 0x90 and len(data) > 2 and data[2] > 0:
                sounding[key] = data
            elif kind in (0x80, 0x90):
                sounding.pop(key, None)
            continue
        if t >= pl.end:
            break
        pl.midi.append((t, player, data))
    pl.held_at_start = [(k[0], v) for k, v in sounding.items()]
    pl.audio = select_audio(session, chosen)
    pl.annotations = [a for a in session.annotations() if start <= a["t"] < pl.end]
    return pl


def validate_players(session, players: list[str] | None) -> list[str]:
    """The chosen players (default: all of the session's).

    Raises
    ------
    InvalidArgumentError
        For a player the session does not have.
    """
    if players:
        players = match_names(players, session.players)  # "Client" finds "client"
        unknown = [p for p in players if p not in session.players]
        if unknown:
            raise InvalidArgumentError(
                f"unknown player(s) {', '.join(unknown)} (players: {', '.join(session.players)})",
                parameter="players")
    return list(players or session.players)


def select_audio(session, players: list[str]) -> list:
    """The recordings of ``players``: ``(AudioInput, 0-based channels)``, one entry per file
    (a file shared by two players plays once, with the channels of both)."""
    merged: dict[str, tuple] = {}
    for p in players:
        for a, chans in session.player_audio(p):
            prev = merged.get(a.name)
            merged[a.name] = (a, sorted(set(chans) | set(prev[1] if prev else [])))
    return list(merged.values())

"""The MIDI event log: an append-only tab-separated text file.

One line per MIDI message, in arrival order::

    t<TAB>player<TAB>port<TAB>delta_s<TAB>data

``t`` is seconds from session start (6 decimals, i.e. microseconds),
``delta_s`` the backend's own delta time in seconds (empty when unknown, as
for imported files), ``data`` the raw message bytes in hex.  The file is the
journal during recording and stays the record afterwards: a spreadsheet,
pandas or ``awk`` reads it.  A crash can only cut the last line short, which
recovery drops.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from sessions.errors import SessionFormatError
from sessions.fsutil import open_new, write_errors
from sessions.lines import cut_short, read_complete
from sessions.safeio import open_regular

HEADER = "t\tplayer\tport\tdelta_s\tdata\n"
# tabs, line breaks (also those str.splitlines() takes: \x1c-\x1e, \x85, \u2028 ...) and
# other control characters
_BAD_NAME_CHARS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def clean_name(name: str) -> str:
    """A player or port name (a file's name, for imports) without tabs, line breaks or other
    control characters, each of which becomes a space."""
    return _BAD_NAME_CHARS.sub(" ", str(name))


def format_event(t: float, player: str, port: str, data: bytes, delta_s: float | None) -> str:
    """One log line (with its newline)."""
    d = "" if delta_s is None or not math.isfinite(delta_s) else f"{delta_s:.6f}"
    return f"{t:.6f}\t{player}\t{port}\t{d}\t{bytes(data).hex()}\n"


class MidiLogWriter:
    """Append lines to a new event log.  Used by the writer thread only."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._file = open_new(self.path, "x", encoding="utf-8", newline="\n")
        with write_errors(self.path):
            self._file.write(HEADER)
        # the header on the disk at once, as the WAV journal does: a writer killed before its
        # first flush left a 0-byte log that recovery refused ("missing or wrong header line")
        self.flush()

    def write(self, t: float, player: str, port: str, data: bytes, delta_s: float | None) -> None:
        with write_errors(self.path):
            self._file.write(format_event(t, player, port, data, delta_s))
        self.count += 1

    def write_lines(self, lines: Iterable[str], n: int) -> None:
        with write_errors(self.path):
            self._file.writelines(lines)
        self.count += n

    def flush(self, *, fsync: bool = True) -> None:
        with write_errors(self.path):
            self._file.flush()
            if fsync:
                os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self.flush()
            self._file.close()


@dataclass(frozen=True)
class MidiEvents:
    """Columnar MIDI events of a session (or of some of its players).

    Attributes
    ----------
    t : np.ndarray [shape=(n,), float64, seconds]
        Session time of each message.
    player, port : np.ndarray [shape=(n,), str]
        Who played it and on which input port.
    delta_s : np.ndarray [shape=(n,), float64, seconds]
        Backend delta time; NaN where unknown.
    status, data1, data2 : np.ndarray [shape=(n,), uint8]
        First three bytes of each message (0 where a message is shorter).
    raw : list[bytes]
        The complete messages (SysEx included), for exact round trips.
    """

    t: np.ndarray
    player: np.ndarray
    port: np.ndarray
    delta_s: np.ndarray
    status: np.ndarray
    data1: np.ndarray
    data2: np.ndarray
    raw: list = field(repr=False)

    def __len__(self) -> int:
        return len(self.t)

    @classmethod
    def empty(cls) -> "MidiEvents":
        return cls.from_rows([])

    @classmethod
    def from_rows(cls, rows: list[tuple[float, str, str, float | None, bytes]]) -> "MidiEvents":
        """Build from ``(t, player, port, delta_s, data)`` rows."""
        n = len(rows)
        t = np.fromiter((r[0] for r in rows), dtype=np.float64, count=n)
        delta = np.fromiter(
            (np.nan if r[3] is None else r[3] for r in rows), dtype=np.float64, count=n
        )
        raw = [bytes(r[4]) for r in rows]
        return cls._from_columns(
            t, [r[1] for r in rows], [r[2] for r in rows], delta, raw
        )

    @classmethod
    def _from_columns(cls, t, players, ports, delta, raw) -> "MidiEvents":
        n = len(raw)
        # first three bytes of every message, zero-padded, in one pass
        three = np.frombuffer(
            b"".join(b[:3].ljust(3, b"\0") for b in raw), dtype=np.uint8
        ).reshape(n, 3)
        return cls(
            t=np.asarray(t, dtype=np.float64),
            player=np.array(players, dtype=object).reshape(n),
            port=np.array(ports, dtype=object).reshape(n),
            delta_s=np.asarray(delta, dtype=np.float64),
            status=three[:, 0].copy(),
            data1=three[:, 1].copy(),
            data2=three[:, 2].copy(),
            raw=raw,
        )

    def select(self, *, players: Iterable[str] | None = None) -> "MidiEvents":
        """The events of the given players only (all when ``None``)."""
        if players is None:
            return self
        wanted = set(players)
        mask = np.array([p in wanted for p in self.player], dtype=bool)
        idx = np.flatnonzero(mask)
        return MidiEvents(
            t=self.t[idx],
            player=self.player[idx],
            port=self.port[idx],
            delta_s=self.delta_s[idx],
            status=self.status[idx],
            data1=self.data1[idx],
            data2=self.data2[idx],
            raw=[self.raw[i] for i in idx],
        )

    def rows(self):
        """Iterate ``(t, player, port, delta_s, data)`` tuples."""
        for i in range(len(self.t)):
            d = self.delta_s[i]
            yield (
                float(self.t[i]),
                self.player[i],
                self.port[i],
                None if np.isnan(d) else float(d),
                self.raw[i],
            )


def _starts_like_header(path: Path, partial: int) -> bool:
    """Whether a log without a complete line begins as improv's header does (a recording cut
    off while its first line was written), rather than with anything else."""
    with open_regular(path, "rb") as f:
        head = f.read(min(partial, len(HEADER)))
    return HEADER.encode().startswith(head)


def read_log(path: Path, *, allow_partial_tail: bool = False) -> tuple[MidiEvents, int]:
    """Read an event log.

    Parameters
    ----------
    path : Path
    allow_partial_tail : bool
        Accept (and skip) a last line without its newline, as a crash leaves
        it.  Otherwise such a line is a format error.

    Returns
    -------
    events : MidiEvents
    partial_bytes : int
        Length of a skipped partial last line (0 if none).

    Raises
    ------
    SessionFormatError
        For a missing header or a malformed line (the message gives its number).
    """
    path = Path(path)
    # The header is checked before a cut last line is refused: a file that is not an event log
    # at all (garbage, another program's text) is named as such, not sent to recovery.
    blob, partial = read_complete(path, allow_partial_tail=True)
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SessionFormatError(f"{path} is not UTF-8 text ({exc})") from None
    lines = text.split("\n")
    if not lines or lines[0] + "\n" != HEADER:
        if not text and allow_partial_tail:
            return MidiEvents.empty(), partial
        if not text and partial and _starts_like_header(path, partial):
            raise cut_short(path)
        raise SessionFormatError(
            f"{path} is not an improv event log (its first line is not improv's header): the "
            "file was replaced or damaged ('improv sessions verify' checks the session; a "
            "backup holds it whole)")
    if partial and not allow_partial_tail:
        raise cut_short(path)
    body = lines[1:]
    if body and body[-1] == "":
        body.pop()
    fields = [line.split("\t") for line in body]
    bad = next((i for i, f in enumerate(fields) if len(f) != 5), None)
    if bad is not None:
        raise SessionFormatError(f"{path}:{bad + 2}: expected 5 tab-separated fields")
    n = len(fields)
    if n == 0:
        return MidiEvents.empty(), partial
    cols = list(zip(*fields, strict=False))
    try:
        t = np.array(cols[0], dtype=np.float64)
        delta = np.array([d if d else "nan" for d in cols[3]], dtype=np.float64)
    except ValueError:
        for number, f in enumerate(fields, start=2):
            for text in (f[0], f[3] or "nan"):
                try:
                    float(text)
                except ValueError as exc:
                    raise SessionFormatError(f"{path}:{number}: {exc}") from None
        raise  # pragma: no cover
    raw = []
    for number, h in enumerate(cols[4], start=2):
        try:
            b = bytes.fromhex(h)
        except ValueError as exc:
            raise SessionFormatError(f"{path}:{number}: {exc}") from None
        if not b:
            raise SessionFormatError(f"{path}:{number}: empty message or bad time")
        raw.append(b)
    if not np.all(np.isfinite(t)):
        number = int(np.flatnonzero(~np.isfinite(t))[0]) + 2
        raise SessionFormatError(f"{path}:{number}: empty message or bad time")
    # one string object per player and port name, not one per line (3 hours of a duet: 7.5 MB)
    names: dict[str, str] = {}
    return MidiEvents._from_columns(t, [names.setdefault(p, p) for p in cols[1]],
                                    [names.setdefault(p, p) for p in cols[2]], delta,
                                    raw), partial


def iter_log(path: Path, *, chunk_bytes: int = 1 << 22):
    """Stream ``(t, player, port, data)`` from an event log in bounded memory.

    The lean path used when a session is completed: it keeps neither ports
    nor deltas and reads at most ``chunk_bytes`` at a time.  A partial last
    line must have been truncated before (recovery does this).

    Raises
    ------
    SessionFormatError
        For a missing header or a malformed line.
    """
    path = Path(path)
    with open(path, "rb") as f:
        header = f.readline()
        if header.decode("utf-8", errors="replace") != HEADER:
            raise SessionFormatError(f"{path} is not an improv event log (its first line is "
                                     "not improv's header)")
        number = 1
        rest = b""
        while True:
            chunk = f.read(chunk_bytes)
            if not chunk:
                break
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            rest = chunk[cut:]
            for line in chunk[:cut].decode("utf-8").split("\n")[:-1]:
                number += 1
                parts = line.split("\t")
                try:
                    yield float(parts[0]), parts[1], parts[2], bytes.fromhex(parts[4])
                except (ValueError, IndexError) as exc:
                    raise SessionFormatError(f"{path}:{number}: malformed line ({exc})") from None
        if rest:
            raise cut_short(path)

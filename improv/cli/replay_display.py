"""What ``improv replay`` shows while it plays: position, playing or paused, the output.

On a terminal one status line is redrawn four times a second
(``▶ playing  0:12.3 / 1:35.9  · sound to system (JACK)``) and the annotations
are printed above it as the play head passes them.  Elsewhere (a pipe, a log)
every change of state is printed once as a line of its own.
"""

from __future__ import annotations

import sys
import threading

import click

from sessions.timefmt import format_time

#: Seconds between redraws of the status line.
REFRESH_S = 0.25
_CLEAR = "\r\x1b[K"


class ReplayDisplay:
    """The replay's status line and annotation lines (a context manager).

    Parameters
    ----------
    end : float [seconds]
        Where the replay ends (shown after the position).
    output : str
        Where the sound goes, in words (``"sound to system (JACK)"``).
    """

    def __init__(self, *, end: float, output: str) -> None:
        self.end = end
        self.output = output
        self.player = None  # the Replayer, once made: its position is read while playing
        self.tty = sys.stderr.isatty()
        self._state = "starting"
        self._position = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def line(self) -> str:
        """The status line as it reads now."""
        position = self.player.position if self.player is not None else self._position
        mark = {"playing": "▶", "paused": "⏸"}.get(self._state, "■")
        return (f"{mark} {self._state:<8} {format_time(position)} / {format_time(self.end)}"
                f"  · {self.output}")

    def _draw(self) -> None:
        with self._lock:
            click.echo(_CLEAR + self.line(), nl=False, err=True)

    def state(self, state: str, position: float) -> None:
        """``Replayer.on_state``: playing, paused or stopped at ``position``."""
        self._state, self._position = state, position
        if self.tty:
            self._draw()
        elif state != "stopped":
            click.echo(f"{state} at {format_time(position)}", err=True)

    def annotation(self, a: dict) -> None:
        """``Replayer.on_annotation``: one line per annotation the play head passes."""
        span = f"-{format_time(a['end'])}" if a.get("end") is not None else ""
        text = (f"{format_time(a['t'])}{span}  {a.get('player') or 'all'}  "
                f"{' '.join(a.get('tags') or [])}  {a.get('text') or ''}".rstrip())
        with self._lock:
            click.echo((_CLEAR if self.tty else "") + text)
        if self.tty:
            self._draw()

    def _run(self) -> None:
        while not self._stop.wait(REFRESH_S):
            if self._state == "playing":
                self._draw()

    def __enter__(self) -> ReplayDisplay:
        if self.tty:
            self._thread = threading.Thread(target=self._run, name="replay-display", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
            click.echo(err=True)  # keep the last status line, start a fresh one

"""The live terminal display of a recording (rich), and its keys.

Shows elapsed time, markers and free disk space, the recording's health in one line of
words (as the web app's Record page), per player a level meter, MIDI messages and inputs
(named as a therapist knows them: ``Digital Piano``, not the JACK port
``Digital Piano:midi_out``), and warnings.  Keys (only when
stdin is a terminal): ``m`` drops a marker, ``n`` starts a one-line note
stamped at the moment ``n`` was pressed (Enter saves it, Esc drops it),
``q`` stops.  Ctrl-C stops too (SIGINT reaches the main thread).

The display reads :meth:`improv.capture.recorder.Recorder.status` on the caller's
thread; the key reader runs in its own thread and only calls
:meth:`Recorder.marker` and :meth:`Recorder.request_stop`.
"""

from __future__ import annotations

import os
import select
import sys
import threading
from typing import Any

from improv.cli.output import format_duration

METER_FLOOR_DBFS = -60.0
"""Lowest level [dBFS] the meter shows."""


def meter(peak_dbfs: float | None, *, width: int = 24) -> str:
    """A text bar for a peak level [dBFS] between METER_FLOOR_DBFS and 0."""
    if peak_dbfs is None:
        return " " * width
    frac = (max(METER_FLOOR_DBFS, min(0.0, peak_dbfs)) - METER_FLOOR_DBFS) / -METER_FLOOR_DBFS
    n = int(round(frac * width))
    return "#" * n + "." * (width - n)


#: The pulse label in words, as the web app's live panel says it (``improv/web/static/live.js``).
PULSE_WORDS = {"clear": "clear, steady pulse", "intermittent": "pulse only at times",
               "rare": "pulse hardly ever", "none": "no clear pulse",
               "too short": "too short to tell"}


def pulse_words(m: dict[str, Any]) -> str:
    """A player's live pulse label (``pulse``, ``pulsed_share``) in a therapist's words: an
    intermittent pulse found in as many windows as a clear one needs
    (:data:`analysis.beats.CLEAR_SHARE`; the web app's ``MOSTLY_PULSED``) is a pulse whose
    tempo moved, or whose level is in doubt, not one that comes and goes."""
    from analysis.beats import CLEAR_SHARE

    share = m.get("pulsed_share")
    if m["pulse"] == "intermittent" and share is not None and share >= CLEAR_SHARE:
        return "a pulse, but no single tempo"
    return PULSE_WORDS.get(m["pulse"], m["pulse"])


def live_lines(live: dict[str, Any] | None) -> list[str]:
    """Plain lines of the live measures (:mod:`improv.analyze.live`) for the display."""
    if not live:
        return []
    out = [f"Last {live['window_s']:g} s:"]
    for name, m in live["players"].items():
        if m is None:
            out.append(f"  {name}: not playing")
            continue
        loud = ("-" if m["loudness"] is None else f"{m['loudness']:g}"
                + (" dBFS" if m["loudness_unit"] == "dBFS" else " velocity"))
        tempo = ("no tempo" if m["tempo_bpm"] is None
                 else f"{m['tempo_bpm']:.0f} BPM" + ("" if m["tempo_clear"] else " (unsure)"))
        # a player who has just stopped: the window's fading pulse would read as "no pulse"; an
        # audio input with no onset in the window has not played in it
        words = (("stopped playing" if m["notes_per_s"] > 0 else "not playing")
                 if m.get("stopped") else f"{tempo}, {pulse_words(m)}")
        out.append(f"  {name}: {m['notes_per_s']:.1f} notes/s, loudness {loud}, {words}")
    pair = live.get("pair")
    if pair:
        who = {"both": "both play", "silence": "silence",
               "one": f"{pair['who']} plays alone"}[pair["state"]]
        out.append(f"  now: {who}")
    return out


def render(status: dict[str, Any], *, note: str | None = None, live: dict | None = None):
    """A rich renderable of a status snapshot (and of the live measures, if any)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from improv.capture.live_status import input_name

    free = status.get("free_bytes")
    marks = status.get("markers", 0)
    head = Text(
        f"Recording {format_duration(status['elapsed_s'])}   "
        f"{marks} marker{'' if marks == 1 else 's'}   "
        f"disk: {'-' if free is None else f'{free / 1e9:.1f} GB'} free",
        style="bold",
    )
    health = status.get("health") or {}
    line = health.get("line")
    said = None if line is None else Text(
        f"Recording: {line}", style="green" if health.get("healthy") else "red")
    table = Table(box=None, pad_edge=False)
    for col in ("Player", "Level", "Peak (dBFS)", "MIDI messages", "Inputs"):
        table.add_column(col)
    raw = [i["name"] for p in status["players"].values() for i in p.get("inputs", [])]
    for name, p in status["players"].items():
        level = p.get("peak_dbfs")
        clip = p.get("clipped_blocks", 0)
        inputs = ", ".join(
            input_name(i["name"], among=raw) + (
                "" if i["connected"] else
                f" (the sound system, {i['sound_system']}, stopped)" if i.get("sound_system")
                else " (unplugged)")
            for i in p.get("inputs", [])
        )
        table.add_row(
            name,
            Text(meter(level), style="red" if clip else "green"),
            "-" if level is None else f"{level:5.1f}" + (" too loud" if clip else ""),
            str(p.get("midi_events", 0)),
            inputs,
        )
    parts = [head, *([said] if said is not None else []), table,
             *(Text(text, style="cyan") for text in live_lines(live))]
    for w in status.get("warnings", []):
        parts.append(Text(f"! {w}", style="red"))
    if note is not None:
        parts.append(Text(f"note> {note}_", style="yellow"))
    else:
        parts.append(Text("m marker   n note   q stop", style="dim"))
    return Group(*parts)


class LiveDisplay:
    """Context manager showing the recorder's status on stderr.

    Parameters
    ----------
    recorder : Recorder
    keys : bool, optional
        Read keys from stdin; by default only when stdin is a terminal.
    live : LiveMeasurer, optional
        Its latest measures are shown under the meters.
    """

    def __init__(self, recorder, *, keys: bool | None = None, live=None) -> None:
        from rich.console import Console

        self.recorder = recorder
        self.live = live  # an improv.analyze.live.LiveMeasurer, or None
        self.console = Console(stderr=True)
        self.keys = sys.stdin.isatty() if keys is None else keys
        self._note: str | None = None
        self._note_t: float | None = None
        self._live = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._old_term = None

    def __enter__(self) -> "LiveDisplay":
        from rich.live import Live

        if self.keys:  # before the help line shows: a key pressed then must not be lost
            self._start_keys()
        self._live = Live(render(self.recorder.status()), console=self.console,
                          refresh_per_second=5, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        self._restore_terminal()
        if self._live is not None:
            self._live.update(render(self.recorder.status()))
            self._live.__exit__(*exc)

    def tick(self, recorder=None) -> None:
        if self._live is not None:
            self._live.update(render(self.recorder.status(), note=self._note,
                                     live=self.live.latest() if self.live else None))

    # -- keys ------------------------------------------------------------------------

    def _start_keys(self) -> None:
        import termios
        import tty

        fd = sys.stdin.fileno()
        self._old_term = termios.tcgetattr(fd)
        tty.setcbreak(fd, termios.TCSANOW)  # not TCSAFLUSH: keep keys already typed
        self._thread = threading.Thread(target=self._read_keys, name="improv-keys", daemon=True)
        self._thread.start()

    def _restore_terminal(self) -> None:
        if self._old_term is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._old_term)
            self._old_term = None

    def _read_keys(self) -> None:
        fd = sys.stdin.fileno()
        while not self._done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            ch = os.read(fd, 1).decode("utf-8", errors="ignore")
            self.handle_key(ch)

    def handle_key(self, ch: str) -> None:
        """Act on one key (public so tests can drive it without a terminal)."""
        rec = self.recorder
        if self._note is not None:
            if ch in ("\r", "\n"):
                rec.marker(t=self._note_t, text=self._note, kind="note")
                self._note, self._note_t = None, None
            elif ch == "\x1b":
                self._note, self._note_t = None, None
            elif ch in ("\x7f", "\b"):
                self._note = self._note[:-1]
            elif ch.isprintable():
                self._note += ch
            return
        if ch == "m":
            rec.marker(kind="marker")
        elif ch == "n":
            self._note_t = rec.clock.now()
            self._note = ""
        elif ch == "q":
            rec.request_stop("user")

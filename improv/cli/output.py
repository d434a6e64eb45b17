"""Output helpers shared by the commands: JSON for machines, tables for people.

Only the modules of ``improv/cli/`` print.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import threading
from typing import Any, Callable, Sequence

import click

from improv.reports.wording import counted  # noqa: F401  (re-exported for the commands)

#: True while :func:`improv.cli.main` runs as the program itself (the console script, ``python -m
#: improv``), not called in-process as the tests do: only then may it change the process's
#: handling of signals.
AS_PROGRAM = False


def ignore_ctrl_c() -> None:
    """From here on Ctrl-C is ignored: the command has its result.

    After a command's last output the store still closes and Python shuts down (about 0.1 s
    after a Dask batch). A Ctrl-C there turned a finished command into "aborted" (exit 1), or
    ended the process by SIGINT (exit 130), with everything done and printed (measured on
    ``analyze --all``: Ctrl-C 5-80 ms after the summary ended every run by SIGINT). Ignored,
    not handled: Python resets its own handlers to the default as it shuts down, and leaves
    only an ignored signal ignored.
    """
    if AS_PROGRAM and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


#: The ``--json`` flag shared by every listing command.
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "__fspath__"):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def print_json(obj: Any) -> None:
    """Print ``obj`` as JSON (NaN and infinities become null)."""
    click.echo(json.dumps(_clean(obj), indent=2, ensure_ascii=False, default=json_default))


def rounded_times(obj: Any, *, places: int = 6) -> Any:
    """``obj`` with every number under a key ending in ``_s`` (seconds) or ``_hours`` rounded
    to ``places`` decimals, in nested dicts and lists: the convention of the research outputs
    (docs/research.md, "JSON output": 6 decimals, 3.6 ms), which printed float noise such as
    ``89.60000000000001`` before (review 35).

    A rate per second (``notes_per_s``) is no time and keeps its digits.

    >>> rounded_times({"duration_s": 89.60000000000001, "rows": [{"end_s": 30.123456789}],
    ...                "n": 0.30000000000000004})
    {'duration_s': 89.6, 'rows': [{'end_s': 30.123457}], 'n': 0.30000000000000004}
    >>> rounded_times({"x.notes_per_s": 1.23456789})
    {'x.notes_per_s': 1.23456789}
    """
    if isinstance(obj, dict):
        return {k: (round(v, places) if isinstance(v, float) and isinstance(k, str)
                    and k.endswith(("_s", "_hours")) and not k.endswith("_per_s")
                    else rounded_times(v, places=places))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded_times(v, places=places) for v in obj]
    return obj


def emit(obj: Any, *, as_json: bool, human: Callable[[Any], None]) -> None:
    """Print JSON with ``--json``, else call ``human(obj)``."""
    if as_json:
        print_json(obj)
    else:
        human(obj)


def table(rows: Sequence[Sequence[Any] | str], headers: Sequence[str]) -> None:
    """A plain aligned text table (pipe-friendly, no colour). A row that is a ``str`` is a
    heading line: printed as it is, it does not widen the columns."""
    cells = [[str(h) for h in headers]] + [
        r if isinstance(r, str) else ["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells if not isinstance(row, str))
              for i in range(len(headers))]
    for n, row in enumerate(cells):
        if isinstance(row, str):
            click.echo(row)
            continue
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


def measure_table(names: Sequence[str], columns: Sequence[dict[str, Any]],
                  headers: Sequence[str], *, title: Callable[[str], str] | None = None) -> None:
    """Measures as a table for people: grouped as on the web page, labelled with units, values
    in those units (:mod:`improv.reports.labels`: the analysis' own terms, such as the pulse
    label, in plain words); ``columns`` map a name to its value."""
    from improv.reports.labels import grouped, heading

    title = title or heading
    rows = []
    for group, members in grouped(names):
        for k, n in enumerate(members):
            rows.append([group if k == 0 else "", title(n),
                         *[measure_value(n, col[n], col) if n in col else "" for col in columns]])
    table(rows, ["GROUP", "MEASURE", *headers])


def measure_value(name: str, value: Any, summary: dict[str, Any]) -> str:
    """A measure's value as the tables show it: in the unit of its label, tempi, velocities,
    milliseconds and counts as whole numbers (as the summary and the reports say them: "119",
    not "119.50"), the analysis' words in plain words.

    >>> measure_value("tempo_bpm", 81.08, {}), measure_value("velocity_mean", 82.75, {})
    ('81', '83')
    >>> measure_value("silence_share", 0.078, {}), measure_value("pulse_clarity", 0.352, {})
    ('8', '0.35')
    """
    from improv.reports.labels import decimals, shown, shown_fixed

    if (isinstance(value, (int, float)) and not isinstance(value, bool)
            and decimals(name) == 0):
        return shown_fixed(name, value)
    return shown(name, value, summary=summary)


def info(message: str) -> None:
    """A status line on stderr (keeps stdout clean for --json)."""
    click.echo(message, err=True)


def format_duration(seconds: float | None) -> str:
    """``h:mm:ss`` or ``m:ss``."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


@contextlib.contextmanager
def progress_bar(enabled: bool, *, label: str):
    """A rich progress bar on stderr, gone when the work ends; ``None`` when not ``enabled``
    (give :func:`stderr_isatty`: only a terminal shows it, never a pipe or a log).

    Yields ``update(done, total, label)`` (counts in any unit, e.g. seconds of audio or
    sessions), or None.
    """
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: float, total: float, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label)

        yield update


def stderr_isatty() -> bool:
    return sys.stderr.isatty()


def trace_native_crashes() -> bool:
    """Print the Python stack of every thread to stderr if the process dies in C code.

    A recorder or web app that is killed by SIGSEGV, SIGBUS, SIGFPE or SIGABRT (a fault in an
    audio or MIDI library) otherwise leaves no trace to report; the crash-safe session files are
    recovered on the next start either way (:mod:`faulthandler`, on a copy of stderr's file
    descriptor; a no-op where stderr has none, e.g. captured by a test runner, or where it is
    already on).

    Returns
    -------
    bool
        True if the handler is on.
    """
    import faulthandler
    import os

    if faulthandler.is_enabled():
        return True
    try:
        # a copy of the descriptor: while probing devices fd 2 is swapped for a temporary file
        # (capture.devices.quiet_native_stderr), which a crash would take with it
        fd = os.dup(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no usable file descriptor
        return False
    faulthandler.enable(file=fd, all_threads=True)
    return True

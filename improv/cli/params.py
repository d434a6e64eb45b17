"""Parsing option values shared by several commands (times, dates, player lists)."""

from __future__ import annotations

import math
from datetime import datetime

import click

from improv.errors import ParameterError


class FiniteRange(click.FloatRange):
    """``click.FloatRange`` that also refuses ``nan`` and ``inf`` (NaN passes every bound
    check, so ``--duration nan`` got through the plain range)."""

    name = "finite float range"

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv


def new_output_file(path, option: str, *, suffixes: tuple[str, ...] | None = None):
    """``path`` as a ``Path`` if a new file may be written there: it must not exist (nothing a
    user made is overwritten), its folder must, and its suffix must be one of ``suffixes``."""
    from pathlib import Path

    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise ParameterError(f"{option} must end in {' or '.join(suffixes)}, got {path.name!r}")
    if path.exists():
        raise ParameterError(f"{option}: {path} exists already; choose another name or remove it")
    if not path.parent.is_dir():
        raise ParameterError(f"{option}: folder {path.parent} does not exist; create it or "
                             "choose another")
    return path


def time_option(value: str | None, name: str) -> float | None:
    """Seconds from ``SS``, ``MM:SS`` or ``HH:MM:SS`` (None stays None)."""
    if value is None:
        return None
    from sessions.timefmt import parse_time

    try:
        return parse_time(value)
    except ValueError as exc:
        raise ParameterError(f"{name}: {exc}") from None


def date_option(value: str | None, name: str) -> datetime | None:
    """A date or date-time, in this computer's time zone unless it names one (the day the
    therapist lived, as the session list shows it), as an aware datetime."""
    if value is None:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise ParameterError(f"{name} must be a date like 2026-03-01, got {value!r}") from None
    return d if d.tzinfo else d.astimezone()


def list_option(value: str | None) -> list[str] | None:
    """``a,b`` -> ``["a", "b"]`` (None or empty -> None)."""
    if not value:
        return None
    return [p.strip() for p in value.split(",") if p.strip()] or None

"""Parsing option values shared by several commands (times, dates, player lists)."""

from __future__ import annotations

import math
from datetime import datetime

import click

from improv.errors import ParameterError


class PlainBadParameter(click.BadParameter):
    """A bad option value said in one sentence that names the option, the rule and the value
    (``--window must be a number of seconds, e.g. 6, got 'abc'``), shown as it is: without
    click's "Invalid value for '--window':" in front."""

    def format_message(self) -> str:
        return self.message


def option_name(param: click.Parameter | None) -> str:
    """How a therapist typed the parameter: its long option (``--window``), or an argument's
    metavar (``FILE``)."""
    if param is None:
        return "the value"
    if isinstance(param, click.Option):
        long = [o for o in param.opts if o.startswith("--")]
        return long[0] if long else param.opts[0]
    return param.human_readable_name


def _num(x: float) -> str:
    return f"{x:g}"


class Number(click.ParamType):
    """A number option whose refusals say the rule in plain words: ``--duration must be between
    10 and 3600 seconds, got 5`` instead of click's ``5.0 is not in the range 10<=x<=3600``.

    Parameters
    ----------
    unit : str
        The unit as written after a number (``"seconds"``, ``"Hz"``); ``""`` for none.
    example : str
        A value that would do, shown when the value is not a number at all.
    min, max : float, optional
        Bounds of the values accepted (inclusive unless ``min_open`` / ``max_open``).
    min_open, max_open : bool
        The bound itself is refused (``--months`` must be more than 0).
    whole : bool
        Only whole numbers (an ``int`` is returned).

    NaN and infinities are refused (NaN passes every bound check).
    """

    def __init__(self, *, unit: str = "", example: str, min: float | None = None,
                 max: float | None = None, min_open: bool = False, max_open: bool = False,
                 whole: bool = False) -> None:
        self.unit, self.example, self.whole = unit, example, whole
        self.min, self.max, self.min_open, self.max_open = min, max, min_open, max_open
        self.name = "whole number" if whole else "number"

    def _what(self) -> str:
        what = "a whole number" if self.whole else "a number"
        return f"{what} of {self.unit}" if self.unit else what

    def _rule(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        lo = self.min is not None and (f"more than {_num(self.min)}" if self.min_open
                                       else f"at least {_num(self.min)}")
        hi = self.max is not None and (f"less than {_num(self.max)}" if self.max_open
                                       else f"at most {_num(self.max)}")
        if lo and hi and not (self.min_open or self.max_open):
            return f"between {_num(self.min)} and {_num(self.max)}{unit}"
        return " and ".join(b for b in (lo, hi) if b) + unit

    def convert(self, value, param, ctx):
        name = option_name(param)
        if isinstance(value, bool):  # not a number to a reader, though an int to Python
            value = str(value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or (self.whole and number != int(number)):
            raise PlainBadParameter(f"{name} must be {self._what()}, e.g. {self.example}, "
                                    f"got {value!r}", ctx=ctx, param=param)
        if ((self.min is not None and (number < self.min or self.min_open and number == self.min))
                or (self.max is not None
                    and (number > self.max or self.max_open and number == self.max))):
            raise PlainBadParameter(f"{name} must be {self._rule()}, got {_num(number)}",
                                    ctx=ctx, param=param)
        return int(number) if self.whole else number


class Choice(click.Choice):
    """``click.Choice`` whose refusal reads ``--clock must be session or file, got 'wall'``."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            raise PlainBadParameter(f"{option_name(param)} must be {self.alternatives()}, "
                                    f"got {value!r}", ctx=ctx, param=param) from None

    def alternatives(self) -> str:
        """The choices as a reader lists them: ``a, b or c``."""
        words = [str(c) for c in self.choices]
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


class PlainPath(click.Path):
    """``click.Path`` whose refusals say what is wrong with the path and what to give instead:
    ``--plot: notes.txt is a file; give a folder`` instead of click's ``Invalid value for
    '--plot': Directory 'notes.txt' is a file.``"""

    def convert(self, value, param, ctx):
        import os
        import stat

        name = option_name(param)
        # an option is named; an argument is the path itself
        subject = f"{name}: " if isinstance(param, click.Option) else ""
        if isinstance(value, (str, os.PathLike)) and not (self.allow_dash and value == "-"):
            shown = os.fspath(value)
            try:
                st = os.stat(value)
            except OSError:
                if self.exists:
                    raise PlainBadParameter(f"{subject}{shown} does not exist; check the name "
                                            "and the folder", ctx=ctx, param=param) from None
            else:
                if not self.file_okay and stat.S_ISREG(st.st_mode):
                    raise PlainBadParameter(f"{subject}{shown} is a file; give a folder",
                                            ctx=ctx, param=param)
                if not self.dir_okay and stat.S_ISDIR(st.st_mode):
                    raise PlainBadParameter(f"{subject}{shown} is a folder; give a file",
                                            ctx=ctx, param=param)
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:  # not readable, not writable
            message = exc.message.rstrip(".")
            raise PlainBadParameter(f"{subject}{message[0].lower()}{message[1:]}; check its "
                                    "permissions", ctx=ctx, param=param) from None


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


def _store_after_command(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--store PATH`` after a command's name: the store of the whole command line
    (:meth:`improv.cli.App.use_store`). Eager: a session ID is then looked up in it."""
    if value is None:
        return
    ctx.meta["improv.store"] = value  # for shell completion (improv.cli.complete)
    app = ctx.find_root().obj
    if app is not None and not ctx.resilient_parsing:
        app.use_store(value)


def resolving_sessions(callback):
    """``callback`` (a command's) with its session arguments as typed (``a76e``, ``C07/7``)
    turned into the sessions' IDs (:meth:`improv.cli.App.session_id`) when the command runs:
    after every option's value was checked, so a bad value is refused before the store is
    read."""
    import functools

    @functools.wraps(callback)
    def run(*args, **kwargs):
        app = click.get_current_context().find_root().obj
        for name in SESSION_ARGUMENTS:
            value = kwargs.get(name)
            if value is None or app is None:
                continue
            kwargs[name] = (tuple(app.session_id(v) for v in value)
                            if isinstance(value, tuple) else app.session_id(value))
        return callback(*args, **kwargs)

    run.resolves_sessions = True
    return run


#: The parameter names of arguments that take session IDs.
SESSION_ARGUMENTS = ("session_id", "session_ids")


def share_options(group: click.Group) -> None:
    """What every command below ``group`` takes alike, given in one place:

    - ``--store PATH`` after the command's name too (``improv sessions list --store PATH``,
      as ``improv --store PATH sessions list``), hidden from each command's help;
    - a session, wherever one is taken, named by a unique part of its ID from the start or
      the end (``a76e``, ``20261206-1907``) or as ``CLIENT/NUMBER`` (``C07/7``).
    """
    for name, command in group.commands.items():
        if name == "help":
            continue
        if not any(isinstance(p, click.Option) and "--store" in p.opts for p in command.params):
            command.params.append(click.Option(
                ["--store", "store_after"], metavar="PATH", hidden=True, is_eager=True,
                expose_value=False, callback=_store_after_command,
                help="Session store folder, as 'improv --store PATH' gives it."))
        takes = any(isinstance(p, click.Argument) and p.name in SESSION_ARGUMENTS
                    for p in command.params)
        if takes and not getattr(command.callback, "resolves_sessions", False):
            command.callback = resolving_sessions(command.callback)
        if isinstance(command, click.Group):
            share_options(command)

"""Usage errors (a command line that does not fit) in the therapist's words, on one line.

click says "Missing argument 'ID'.", "No such option '--bogus'.", "Option '--to' requires an
argument." or "Got unexpected extra argument (b)"; :func:`usage_message` says what is wrong
and what to give instead. Bad option values are refused in plain words by the option types
themselves (:mod:`improv.cli.params`: ``Number``, ``Choice``, ``Path``).
"""

from __future__ import annotations

import re

import click

from improv.cli.params import Choice, PlainBadParameter, option_name

#: An annotation's ID (``a-3991c3233e``), told apart from a session's (``20261207-170130-7f17``)
#: when it is the only word given to a command that takes both.
_ANNOTATION_ID = re.compile(r"a-[0-9a-f]{6,}", re.IGNORECASE)

#: What an argument, named by its parameter name, stands for (said after "needs"), with where
#: to find one.
ARGUMENTS = {
    "session_id": "a session ID: 'improv sessions list' shows them",
    "session_ids": "session IDs: 'improv sessions list' shows them",
    "annotation_id": "an annotation ID: 'improv annotations list SESSION' shows them",
    "goal_id": "a goal ID: 'improv goals list --client CODE' shows them",
    "files": "the files to import",
    "file": "the file to import",
    "name": "the setup's name: 'improv setups list' shows them",
    "text": "the text, in quotes",
}


def command_path(exc: click.UsageError, argv: list[str]) -> str:
    """The command the error is about (``improv sessions list``): the error's context, or,
    for an error the parser raised without one, the commands named in ``argv``."""
    if exc.ctx is not None:
        return exc.ctx.command_path
    from improv.cli import cli

    words, command = ["improv"], cli
    for word in argv:
        if isinstance(command, click.Group) and word in command.commands:
            command = command.commands[word]
            words.append(word)
    return " ".join(words)


def usage_message(exc: click.UsageError, argv: list[str]) -> str:
    """One line for a usage error: what is wrong and how to put it right.

    Parameters
    ----------
    exc : click.UsageError
        The error click raised while it parsed the command line (or a command raised for
        options that do not go together).
    argv : list of str
        The command line's words after ``improv``.

    Returns
    -------
    str
        The message without ``error:`` and without a line break. A bad value says the rule
        and the value; something missing, unknown or too much ends with where to read the
        command's options, unless the message names what to give.
    """
    if isinstance(exc, PlainBadParameter):
        return exc.format_message()
    where = command_path(exc, argv)
    hint = f" (see '{where} --help')"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        param = exc.param
        if isinstance(param, click.Option):
            name = option_name(param)
            if isinstance(param.type, Choice):
                return f"{where} needs {name} {param.type.alternatives()}"
            metavar = param.metavar or param.type.name.upper()
            return f"{where} needs {name} {metavar}{hint}"
        given = exc.ctx.params.get("session_id") if exc.ctx is not None else None
        if (param.name == "annotation_id" and isinstance(given, str)
                and _ANNOTATION_ID.fullmatch(given)):  # the one word given is the annotation
            return (f"{where} needs the session ID before the annotation ID: {where} SESSION "
                    f"{given} ('improv sessions list' shows session IDs)")
        if param.name in ARGUMENTS:
            return f"{where} needs {ARGUMENTS[param.name]}"
        return f"{where} needs {param.human_readable_name}{hint}"
    if isinstance(exc, click.NoSuchOption):
        maybe = ""
        if exc.possibilities:
            maybe = f"; did you mean {' or '.join(sorted(exc.possibilities))}?"
        return f"{where} has no option {exc.option_name}{maybe}{hint}"
    if isinstance(exc, click.BadOptionUsage) and "requires" in exc.message:
        return f"{exc.option_name} needs a value after it{hint}"
    if isinstance(exc, click.NoSuchCommand):
        maybe = ""
        if exc.possibilities:
            maybe = f"; did you mean {' or '.join(exc.possibilities)}?"
        return f"{where} has no command '{exc.command_name}'{maybe}{hint}"
    message = " ".join(exc.format_message().split())  # click lists choices on lines
    if message.startswith("Got unexpected extra argument"):
        extra = message[message.index("(") + 1:message.rindex(")")]
        params = exc.ctx.command.params if exc.ctx is not None else []
        quotes = (" (a text with spaces goes in quotes)"
                  if any(p.name == "text" for p in params) else "")
        return f"too many words for {where}: '{extra}'{quotes}{hint}"
    if message == "Missing command.":
        return f"{where} needs a command{hint}"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        # a click type that says its own rule: keep the rule, name the option once
        prefix = f"Invalid value for {exc.param.get_error_hint(exc.ctx)}: "
        return f"{option_name(exc.param)}: {message.removeprefix(prefix)}"
    return f"{message}{hint}"

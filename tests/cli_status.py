"""Expected exit statuses of the ``improv`` command line."""

from __future__ import annotations


class Usage(str):
    """A parametrized error message of a command line that does not fit (a missing or
    unknown option, options that exclude each other): ``improv`` exits with 2 for it, click's
    convention, and with 1 for other errors."""


def exit_status(message: str) -> int:
    """The exit status expected with an error ``message`` (2 for a :class:`Usage` one)."""
    return 2 if isinstance(message, Usage) else 1

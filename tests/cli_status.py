"""Expected exit statuses of the ``improv`` command line."""

from __future__ import annotations


class Usage(str):
    """A parametrized error message of a command line that does not fit (a bad option value,
    a missing or unknown option, options that exclude each other): ``improv`` exits with 1 for
    it as for every other error (not with click's 2), after one line in plain words."""


def exit_status(message: str) -> int:
    """The exit status expected with an error ``message``: 1, a :class:`Usage` one too."""
    return 1

"""Errors raised by the session store.

The store imports nothing from the rest of improv, so it has its own small
hierarchy; ``improv.errors`` re-exports it for the command line's single error
boundary.  Messages name what is wrong and, where possible, how to fix it.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the session store raises on purpose.

    Parameters
    ----------
    *args
        The message (it names the parameter, the rule and the value; never a command-line
        option: the command line and the web app each add their own wording).
    parameter : str, optional
        The name of the function parameter the error is about (``"offset"``), kept as
        :attr:`parameter` for the error boundaries.
    """

    def __init__(self, *args: object, parameter: str | None = None) -> None:
        super().__init__(*args)
        self.parameter = parameter


class InvalidArgumentError(StoreError, ValueError):
    """An argument given to the store is out of range or of the wrong form (a time outside the
    session, an unknown player, a bad import mapping).

    ``parameter=`` names the argument; files that are corrupt or of an unsupported format raise
    :class:`SessionFormatError` instead.
    """


class SessionFormatError(StoreError, ValueError):
    """A file is corrupt, truncated, empty or of an unsupported format."""


class UnknownSessionError(StoreError, LookupError):
    """No session with the given ID exists in the store."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class StoreWriteError(StoreError, OSError):
    """The store cannot be written (read-only, disk full, permissions)."""


class AnnotationConflictError(StoreError):
    """An annotation changed between reading it and a change made to what was read."""


class SessionBusyError(StoreError, RuntimeError):
    """The session is being recorded by a running process."""


def catalog_problem(exc: Exception) -> str:
    """A one-line message for an SQLite error of the catalog (``sqlite3.DatabaseError``).

    The catalog is an index: the session folders hold everything, so a damaged catalog is
    rebuilt from them; a locked one is being written by another improv process.
    """
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"the session catalog is busy ({text}): another improv process is writing it; "
                "try again in a moment")
    return (f"the session catalog is damaged ({text}); rebuild it from the session folders "
            "with 'improv sessions reindex' (the recordings are not affected)")

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


class UnreadableSessionError(SessionFormatError):
    """A completed session whose files cannot be read (its manifest is damaged, was changed
    outside improv or was written by a newer improv); the store changed nothing in it.

    Parameters
    ----------
    session_id : str
        The session, kept as :attr:`session_id`.
    reason : str
        What is wrong, technically (the file and the fault), kept as :attr:`reason`.
    """

    def __init__(self, session_id: str, reason: str) -> None:
        super().__init__(f"session {session_id} cannot be read: {reason}")
        self.session_id = session_id
        self.reason = reason


class FormatGuessError(SessionFormatError):
    """A file whose format was guessed from its name cannot be read as that format, and its
    first line looks like another format, or like none.

    Parameters
    ----------
    message : str
        What is wrong, the format the file was read as and the one it looks like.
    guessed : str
        The format it was read as (``"audacity"`` ...), kept as :attr:`guessed`.
    likely : str or None
        The format its first line looks like, kept as :attr:`likely`; None: none of them.
    """

    def __init__(self, message: str, *, guessed: str, likely: str | None) -> None:
        super().__init__(message)
        self.guessed = guessed
        self.likely = likely


class DamagedLogError(SessionFormatError):
    """A line of a session's append-only log (``annotations.jsonl``, ``revisions.jsonl``) that
    cannot be read; the store changed nothing.

    Parameters
    ----------
    message : str
        The file, the line and what is wrong with it.
    session_id : str
        The session (the log's folder), kept as :attr:`session_id`.
    line : int
        The line's number (from 1), kept as :attr:`line`.
    """

    def __init__(self, message: str, *, session_id: str, line: int) -> None:
        super().__init__(message)
        self.session_id = session_id
        self.line = line


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


# SQLite result codes (https://sqlite.org/rescode.html) that say nothing about the catalog's
# content: busy, locked, read-only, I/O error, full, cannot open
_NOT_DAMAGE = {5, 6, 8, 10, 13, 14}


def catalog_damaged(exc: Exception) -> bool:
    """True if an SQLite error means the catalog file is damaged (corrupt, not a database, a
    table missing), False for a busy or locked catalog, a full disk or a read-only one."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF not in _NOT_DAMAGE
    text = str(exc)
    return not any(w in text for w in ("locked", "busy", "disk is full", "readonly",
                                        "disk I/O"))


def catalog_problem(exc: Exception) -> str:
    """A one-line message for an SQLite error of the catalog (``sqlite3.DatabaseError``).

    The catalog is an index: the session folders hold everything, so a damaged catalog is
    rebuilt from them; a locked one is being written by another improv process.
    """
    text = str(exc)
    if "locked" in text or "busy" in text:
        return (f"the session catalog is busy ({text}): another improv process is writing it; "
                "try again in a moment")
    if not catalog_damaged(exc):
        return (f"the session catalog cannot be written ({text}): check that the disk has free "
                "space and try again (the catalog and the recordings are unchanged)")
    return (f"the session catalog is damaged ({text}); rebuild it from the session folders "
            "with 'improv sessions reindex' (the recordings are not affected)")


#: What reading one session's files may raise besides StoreError when they hold something no
#: check foresaw: a batch over the sessions (recover, reindex) reports it for that session and
#: carries on with the others (one broken session never stops the rest).
SESSION_FAULTS = (StoreError, OSError, ValueError, TypeError, KeyError, AttributeError,
                  IndexError, RecursionError)


def fault_text(exc: BaseException) -> str:
    """One line for a fault of :data:`SESSION_FAULTS`: the message of our own errors, the
    kind of fault and its text for the others."""
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        import errno
        import os

        name = os.path.basename(os.fsdecode(exc.filename)) if exc.filename else ""
        if exc.errno in (errno.EACCES, errno.EPERM):  # in words, not "[Errno 13] ..."
            return f"permission denied: {name or 'a file'} (files of another user?)"
        return f"cannot be read ({name}: {exc.strerror})" if name else (
            f"cannot be read ({exc.strerror})")
    text = " ".join(str(exc).split())[:200]
    return f"cannot be read ({type(exc).__name__}: {text})" if text else (
        f"cannot be read ({type(exc).__name__})")

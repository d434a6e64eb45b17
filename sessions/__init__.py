"""The session store: on-disk format, crash-safe writer, recovery, catalog,
import and export.

A session is a self-contained folder of open formats (WAV audio, a TSV event
log, a Standard MIDI File, JSON metadata); the SQLite catalog indexes the
folders and can always be rebuilt from them.  This package imports nothing
else of improv.  See ``docs/session-format.md``.
"""

from sessions.errors import (
    InvalidArgumentError,
    SessionBusyError,
    SessionFormatError,
    StoreError,
    StoreWriteError,
    UnknownSessionError,
)

__all__ = [
    "InvalidArgumentError",
    "SessionBusyError",
    "SessionFormatError",
    "StoreError",
    "StoreWriteError",
    "UnknownSessionError",
]

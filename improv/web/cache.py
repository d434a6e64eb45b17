"""Derived files in a session's ``cache/`` folder (waveform peaks, piano rolls): disposable.

Several request threads (and processes) may compute the same file at once, so each writes a
temporary file of its own and renames it into place; the last rename wins, and every version
is complete. Cache files are owner-only like the rest of the session.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)


def write_cache(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (0600) through a temporary file of this thread.

    Raises
    ------
    OSError
        The store is read-only or full; callers serve what they computed without caching it.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def cached_bytes(session, name: str, make: Callable[[], bytes], *, what: str) -> bytes:
    """``cache/<name>`` of ``session`` if it exists, else ``make()``, stored there if possible.

    ``what`` names the file in the warning logged when it cannot be stored (read-only store:
    it is computed on every request instead).
    """
    path = session.folder / "cache" / name
    if path.exists():
        return path.read_bytes()
    data = make()
    try:
        write_cache(session.cache_dir / name, data)
    except OSError as exc:
        log.warning("could not cache the %s: %s", what, exc)
    return data

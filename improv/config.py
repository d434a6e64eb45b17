"""Where things live: the default store and the user's configuration folder."""

from __future__ import annotations

import os
from pathlib import Path

STORE_ENV = "IMPROV_STORE"


def default_store_path() -> Path:
    """The store used when neither ``--store`` nor ``IMPROV_STORE`` is given.

    A folder ``store`` in the user data directory (platformdirs), e.g.
    ``~/.local/share/improv/store`` on Linux,
    ``~/Library/Application Support/improv/store`` on macOS and
    ``%LOCALAPPDATA%\\improv\\store`` on Windows.
    """
    import platformdirs

    return Path(platformdirs.user_data_dir("improv", appauthor=False)) / "store"


def resolve_store_path(option: str | os.PathLike | None) -> Path:
    """``--store`` if given, else ``$IMPROV_STORE``, else the default."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    return default_store_path()

"""What a store holds, in numbers: where it is, how large, how many sessions (``improv info``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from sessions import manifest as mf


def folder_bytes(root: Path) -> int:
    """Total size [bytes] of the regular files below ``root`` (links are not followed)."""
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:  # removed meanwhile
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def store_summary(store) -> dict[str, Any]:
    """Where ``store`` is and what it holds.

    Returns
    -------
    dict
        ``path`` (absolute), ``bytes`` (all files, the catalog and caches included),
        ``sessions`` (session folders), ``recording`` (of them being recorded now),
        ``clients`` (client codes of the sessions and goal logs), ``writable``.
    """
    from sessions.backup import store_files
    from sessions.errors import StoreError
    from sessions.fsutil import read_json

    plan = store_files(store)
    clients = set(plan["clients"])
    for sid in plan["sessions"]:
        try:
            code = read_json(store.folder(sid) / mf.MANIFEST).get("client")
        except (StoreError, OSError, AttributeError):  # verify's finding, not ours
            continue
        if isinstance(code, str):
            clients.add(code)
    return {
        "path": str(store.root.resolve()),
        "bytes": folder_bytes(store.root),
        "sessions": len(plan["sessions"]) + len(plan["busy"]),
        "recording": sum(1 for _sid, why in plan["busy"] if why == "being recorded now"),
        "clients": len(clients),
        "goal_logs": len(plan["clients"]),
        "writable": store.writable,
    }

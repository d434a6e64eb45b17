"""What a store holds, in numbers: where it is, how large, how many sessions, how large a
backup of it is and where one could go (``improv info``)."""

from __future__ import annotations

import os
import stat
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sessions import manifest as mf

#: Suggested backup targets shown at most (one per removable disk found).
MAX_DISKS = 3


def folder_bytes(root: Path) -> int:
    """Total size [bytes] of the regular files below ``root`` (links are not followed)."""
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            total += _file_bytes(Path(dirpath, name))
    return total


def _file_bytes(path: Path) -> int:
    try:
        st = os.lstat(path)
    except OSError:  # removed meanwhile
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


def backup_bytes(store, plan: dict[str, Any]) -> int:
    """Size [bytes] of what a backup of ``store`` holds now (``plan`` from
    :func:`sessions.backup.store_files`): the complete sessions without ``cache/``, the goal
    logs and the store files; the catalog and caches are left out."""
    from sessions.backup import CLIENTS_DIR, GOALS_FILE, session_files

    total = 0
    for sid in plan["sessions"]:
        try:
            total += sum(_file_bytes(p) for p in session_files(store.folder(sid)))
        except OSError:  # deleted meanwhile
            continue
    total += sum(_file_bytes(store.root / CLIENTS_DIR / c / GOALS_FILE)
                 for c in plan["clients"])
    return total + sum(_file_bytes(store.root / name) for name in plan["files"])


def removable_disks(*, platform: str | None = None, user: str | None = None,
                    root: Path = Path("/")) -> list[Path]:
    """The removable disks mounted now, where this system mounts them.

    Linux mounts them at ``/media/$USER/LABEL`` (``/run/media/$USER/LABEL`` on Fedora and
    Arch), macOS at ``/Volumes/LABEL`` (the start-up disk there is a link to ``/``, not
    listed). Windows gives them a drive letter: the letters Windows calls removable
    (``GetDriveTypeW``, :func:`windows_removable`) are listed; an external hard disk that
    Windows calls fixed is not proposed, and is typed by its letter.

    Parameters
    ----------
    platform : str, optional
        ``sys.platform`` (``linux``, ``darwin``, ``win32``); this system's by default.
    user : str, optional
        The user's login name; this user's by default.
    root : Path
        Where the mount folders are looked for (``/``; another folder in tests).

    Returns
    -------
    list of Path
        Sorted by name; hidden folders and links are left out.
    """
    platform = sys.platform if platform is None else platform
    if platform.startswith("linux"):
        if user is None:
            import getpass

            try:
                user = getpass.getuser()
            except (KeyError, OSError):  # no name for this uid (a container)
                return []
        bases = [root / "media" / user, root / "run" / "media" / user]
    elif platform == "darwin":
        bases = [root / "Volumes"]
    elif platform == "win32":
        import ctypes

        windll = getattr(ctypes, "windll", None)  # Windows' own Python only
        if windll is None:
            return []
        return windows_removable(windll.kernel32.GetLogicalDrives(),
                                 windll.kernel32.GetDriveTypeW)
    else:
        return []
    found = []
    for base in bases:
        try:
            entries = sorted(base.iterdir())
        except OSError:  # not there, or not ours to list
            continue
        found += [p for p in entries if not p.name.startswith(".") and not p.is_symlink()
                  and p.is_dir()]
    return found


#: ``GetDriveTypeW``'s answer for a disk that can be taken out (a USB stick, an SD card).
DRIVE_REMOVABLE = 2


def windows_removable(mask: int, drive_type) -> list[Path]:
    r"""The removable disks among Windows' drive letters.

    Parameters
    ----------
    mask : int
        ``GetLogicalDrives()``: bit 0 is ``A:``, bit 1 ``B:`` and so on.
    drive_type : callable
        ``GetDriveTypeW(root)`` of a root such as ``"E:\"``.

    Returns
    -------
    list of Path
        ``E:\`` and the like, by letter; floppy letters (A:, B:) are left out.

    >>> types = {"C:\\": 3, "E:\\": 2, "F:\\": 5}
    >>> [str(p) for p in windows_removable(0b110100, lambda r: types.get(r, 0))]
    ['E:\\']
    """
    roots = [f"{chr(ord('A') + k)}:\\" for k in range(2, 26) if mask >> k & 1]
    return [Path(r) for r in roots if drive_type(r) == DRIVE_REMOVABLE]


def backup_targets(disks: list[Path], *, home: Path, today: date) -> list[Path]:
    """Backup file names to suggest: ``improv-YYYY-MM-DD.zip`` on each disk (at most
    :data:`MAX_DISKS`), or in ``home`` when no disk is found; ``-2``, ``-3``… added when the
    day's name is taken (a backup never overwrites one)."""
    targets = []
    for folder in disks[:MAX_DISKS] or [home]:
        name = f"improv-{today.isoformat()}"
        path, k = folder / f"{name}.zip", 1
        while os.path.lexists(path):
            k += 1
            path = folder / f"{name}-{k}.zip"
        targets.append(path)
    return targets


def store_summary(store, *, today: date | None = None,
                  disks: list[Path] | None = None) -> dict[str, Any]:
    """Where ``store`` is, what it holds, and how large a backup of it is.

    Parameters
    ----------
    store : sessions.store.Store
    today : date, optional
        The day in the suggested backup name; the local date by default.
    disks : list of Path, optional
        The removable disks; :func:`removable_disks` by default.

    Returns
    -------
    dict
        ``path`` (absolute), ``bytes`` (all files, the catalog and caches included),
        ``backup_bytes`` (what a backup holds: no catalog, no ``cache/``), ``sessions``
        (session folders), ``recording`` (of them being recorded now), ``clients`` (client
        codes of the sessions and goal logs), ``goal_logs``, ``writable``, ``disks``
        (removable disks found), ``backup_to`` (suggested backup files, on those disks
        or in the home folder) and ``last_backup`` (:func:`sessions.backup.last_backup`:
        ``created_utc``, ``to``, ``sessions``; None if no backup was made from this store).
    """
    from sessions.backup import last_backup, store_files
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
    disks = removable_disks() if disks is None else disks
    targets = backup_targets(disks, home=Path.home(), today=today or date.today())
    return {
        "path": str(store.root.resolve()),
        "bytes": folder_bytes(store.root),
        "backup_bytes": backup_bytes(store, plan),
        "sessions": len(plan["sessions"]) + len(plan["busy"]),
        "recording": sum(1 for _sid, why in plan["busy"] if why == "being recorded now"),
        "clients": len(clients),
        "goal_logs": len(plan["clients"]),
        "writable": store.writable,
        "disks": [str(d) for d in disks],
        "last_backup": last_backup(store),
        "backup_to": [str(t) for t in targets],
    }

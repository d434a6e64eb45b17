"""Scratch items under ``<store>/tmp``, each owned by a live process, and the sweep of the rest.

Four kinds of things are made in ``tmp/``: an import assembles its session in ``tmp/<id>/``
before renaming it into ``sessions/``; a restore unpacks and checks a session export in
``tmp/restore-<id>/`` (:mod:`sessions.restore`) or a whole backup in
``tmp/restore-store-<hex>/`` (:mod:`sessions.backup`) before renaming its parts into place; a
deletion moves the session to ``tmp/deleted-<id>-<hex>/`` (a client's goals to
``tmp/deleted-goals-<client>-<hex>/``) before removing it; and a recording reserves disk space
in ``tmp/reserve-<id>``.  A process killed midway leaves such an item behind: invisible to the
store, not indexed, but holding health data and disk space.

Every item is therefore *claimed*: its maker takes an exclusive ``flock`` on
``tmp/<name>.lock`` **before** it creates the item, and holds it until the item is gone.  The
kernel releases the lock when the process dies, also on ``kill -9``, so an item whose lock can be
taken has no owner left and :func:`sweep` removes it (the same rule as interrupted recordings,
see :mod:`sessions.recovery`).  An item with no lock file at all was left by a version before
claims existed; it is removed once it is older than :data:`UNCLAIMED_AGE_S`.

Without ``fcntl`` (Windows) nothing is swept: a lock cannot be told from a live owner there.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from sessions import locks
from sessions.errors import InvalidArgumentError, StoreWriteError
from sessions.fsutil import make_dir, write_errors

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"
#: Age [seconds] after which an item without a lock file (made before claims existed) counts as
#: abandoned: no import or deletion takes a day.
UNCLAIMED_AGE_S = 24 * 3600.0

class Claim:
    """An item ``tmp/<name>`` owned by this process for as long as the claim is held.

    Parameters
    ----------
    tmp_dir : Path
        The store's scratch folder (created if missing, 0700).
    name : str
        The item's file or folder name; must be unique (it contains a session ID).

    Notes
    -----
    The claim only creates and locks ``<name>.lock``; the caller creates the item at
    :attr:`path`.  :meth:`release` removes the item (if it still exists) and then the lock.
    """

    def __init__(self, tmp_dir: Path, name: str) -> None:
        if not name or "/" in name or name.startswith(".") or name.endswith(LOCK_SUFFIX):
            raise InvalidArgumentError(f"bad scratch item name {name!r}", parameter="name")
        make_dir(tmp_dir)
        self.path = Path(tmp_dir) / name
        self._lock_path = self.path.with_name(name + LOCK_SUFFIX)
        self._lock = locks.hold(self._lock_path)

    def release(self) -> None:
        """Remove the item (whatever is left of it) and give up the claim.

        Never raises: if the item cannot be removed (e.g. the disk went read-only), the lock
        file stays and the next :func:`sweep` removes both.
        """
        if self._lock is None:
            return
        try:
            _remove(self.path)
            os.unlink(self._lock_path)
        except (OSError, StoreWriteError) as exc:
            log.warning("scratch item %s left for the next sweep: %s", self.path.name, exc)
        finally:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> "Claim":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def claim(tmp_dir: Path, name: str) -> Claim:
    """Claim ``tmp_dir/name`` for this process (see :class:`Claim`)."""
    return Claim(tmp_dir, name)


def sweep(tmp_dir: Path, *, now: float | None = None) -> list[str]:
    """Remove the scratch items whose owner is gone.

    Parameters
    ----------
    tmp_dir : Path
        The store's scratch folder; missing is fine.
    now : float or None [seconds since the epoch]
        Clock for the age of unclaimed items (default: ``time.time()``).

    Returns
    -------
    list of str
        Names of the removed items (lock files are not listed).
    """
    tmp_dir = Path(tmp_dir)
    if not locks.SUPPORTED or not tmp_dir.is_dir():
        return []
    now = time.time() if now is None else now
    removed = []
    entries = sorted(os.listdir(tmp_dir))
    names = set(entries)
    for name in entries:
        path = tmp_dir / name
        if name.endswith(LOCK_SUFFIX):
            if name[: -len(LOCK_SUFFIX)] not in names:
                _take_and_remove(path, None)  # its owner died before making the item, or after
            continue
        lock = path.with_name(name + LOCK_SUFFIX)
        if lock.exists():
            if _take_and_remove(lock, path):
                removed.append(name)
        else:
            try:
                age = now - path.lstat().st_mtime
            except FileNotFoundError:
                continue
            if age > UNCLAIMED_AGE_S:
                _remove(path)
                removed.append(name)
    if removed:
        log.info("removed %d abandoned item(s) from %s", len(removed), tmp_dir)
    return removed


def _take_and_remove(lock: Path, item: Path | None) -> bool:
    """Remove ``item`` and ``lock`` if nobody holds the lock; False if somebody does."""
    try:
        with locks.take(lock) as got:
            if not got:
                return False  # a live owner
            if item is not None:
                _remove(item)
            with write_errors(lock):
                try:
                    os.unlink(lock)
                except FileNotFoundError:
                    pass
            return True
    except FileNotFoundError:  # released meanwhile by its owner
        return False


def _remove(path: Path) -> None:
    """Delete a file, link or folder tree (missing is fine; links are not followed)."""
    with write_errors(path):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            pass


def reserve_space(tmp_dir: Path, name: str, size: int):
    """Allocate ``size`` bytes (really allocated, not sparse) in a claimed scratch file.

    Returns the :class:`Claim` (its release frees the space), or None if
    ``size`` is 0 or the space cannot be had; a reserve left by a killed recording is
    removed by the next start (:meth:`sessions.store.Store.sweep_tmp`).
    """
    if size <= 0:
        return None
    from sessions.fsutil import open_new

    try:
        reserve = claim(tmp_dir, name)
    except (OSError, StoreWriteError) as exc:
        log.warning(_no_reserve(size, exc))
        return None
    try:
        with open_new(reserve.path, "wb") as f:
            try:
                os.posix_fallocate(f.fileno(), 0, size)
            except (AttributeError, OSError):
                f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
    except (OSError, StoreWriteError) as exc:
        log.warning(_no_reserve(size, exc))
        reserve.release()
        return None
    return reserve


def _no_reserve(size: int, exc: Exception) -> str:
    """The warning for a reserve that could not be had, in words (not an errno)."""
    from sessions.fsutil import describe_os_error

    reason = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
    return (f"no disk space could be set aside for completing the session ({size / 1e6:.0f} MB:"
            f" {reason}); the recording goes on, and if the disk fills up it is completed at the"
            " next start of improv once there is space")

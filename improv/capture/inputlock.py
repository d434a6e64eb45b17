"""One recording per input: a lock file per input, across processes.

Before a recording opens its inputs it takes an exclusive lock (``flock``, as
:func:`sessions.locks.hold`) on ``<store>/locks/input-<key>.lock`` for every MIDI port and
every audio channel it records.  A second recording (the web app's or a terminal's) that
would open one of them is refused with a message naming the input.  The kernel releases the
locks when their process ends, also after ``kill -9``; a lock file left behind is taken
over by the next recording.

``locks/`` is a folder of the store like ``tmp/``: it is refused when it is a symbolic link
or not a folder (:func:`sessions.safeio.store_folder`), and the lock files are created,
written and removed through a handle on the folder itself (``dir_fd``), never through a link
made in its place while a recording runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import IO

from improv.errors import DeviceError
from sessions.fsutil import FILE_MODE, make_dir, write_errors
from sessions.safeio import store_folder

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock (as sessions.locks)
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

LOCK_DIR = "locks"


def input_names(plan) -> list[tuple[str, str]]:
    """What a plan (:class:`improv.capture.plan.Plan`) records, one (key, label) per lockable
    input: the key names the lock (``MIDI port 'kb1:out'``, ``audio channel 1 of 'mic' (JACK
    Audio Connection Kit)``), the label is how the Record page names the input (``kb1 (MIDI)``,
    ``mic ch 1``: :mod:`improv.capture.device_labels`)."""
    from improv.capture.device_labels import input_label, plan_labels
    from improv.capture.devices import _ALSA_NUMBERS

    labels = plan_labels(plan)
    out = [(f"MIDI port {_ALSA_NUMBERS.sub('', port.name)!r}",
            input_label("midi", labels[("midi", port.name)])) for _, port in plan.midi]
    for ap in plan.audio:
        for chans in ap.players.values():
            out += [(f"audio channel {c} of {ap.device.name!r} ({ap.device.hostapi})",
                     input_label("audio", labels[("audio", ap.device.name)], channels=[c]))
                    for c in chans]
    return out


def _name(key: str) -> str:
    """The lock file's name in ``locks/`` for an input's key."""
    return f"input-{hashlib.sha256(key.encode()).hexdigest()[:16]}.lock"


def _path(root: Path, name: str) -> Path:
    return Path(root) / LOCK_DIR / _name(name)


#: Whether files can be opened and removed relative to a folder's handle (not on Windows,
#: where the folder is checked by name only).
_DIR_FD = os.open in os.supports_dir_fd and os.unlink in os.supports_dir_fd


def _open_dir(folder: Path) -> int | None:
    """A handle on the store's ``locks/`` folder, made if missing (0700); never a link
    (None where handles on folders are not supported: Windows).

    Raises
    ------
    sessions.errors.StoreError
        ``locks`` is a symbolic link or not a folder (the message says what to do).
    """
    store_folder(folder)  # a link or a file there: refused in words
    make_dir(folder)
    if not _DIR_FD:
        return None
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(folder, flags)
    except OSError:  # replaced by a link or a file since: said as store_folder says it
        store_folder(folder)
        raise


def _at(dir_fd: int | None, name: str, path: Path) -> str | Path:
    """What to give ``os.open``/``os.unlink`` with ``dir_fd``: the name in the folder, or the
    whole path without a folder handle."""
    return name if dir_fd is not None else path


def _hold(dir_fd: int | None, name: str, path: Path) -> IO[str]:
    """Create (0600) and exclusively lock the lock file ``name`` in the folder ``dir_fd``
    (never through a link at its name) and write our PID into it.

    Raises
    ------
    BlockingIOError
        Another process holds the lock (the file is closed again).
    """
    flags = os.O_CREAT | os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    with write_errors(path):
        fd = os.open(_at(dir_fd, name, path), flags, FILE_MODE, dir_fd=dir_fd)
    try:
        os.fchmod(fd, FILE_MODE)
        f = os.fdopen(fd, "a")
    except BaseException:
        os.close(fd)
        raise
    try:
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        f.write(f"{os.getpid()}\n")
        f.flush()
    except BaseException:  # held by another process, or a full disk: no file left open
        with contextlib.suppress(OSError):
            f.close()
        raise
    return f


class InputLocks:
    """The locks of one recording's inputs.

    Parameters
    ----------
    root : Path
        The store's folder (the locks go in its ``locks/`` folder).
    names : list of (str, str) or str
        The inputs as :func:`input_names` gives them (the lock's key and the label a message
        says), or keys only (said as they are).

    Raises
    ------
    improv.errors.DeviceError
        If another recording holds one of them (nothing stays locked then).
    """

    def __init__(self, root: Path, names: list[tuple[str, str]] | list[str]) -> None:
        self._held: list[tuple[IO[str], str]] = []
        self._folder = Path(root) / LOCK_DIR
        self._dir_fd: int | None = _open_dir(self._folder)
        try:
            for name in names:
                key, label = (name, name) if isinstance(name, str) else name
                file_name = _name(key)
                try:
                    self._held.append((_hold(self._dir_fd, file_name, _path(root, key)),
                                       file_name))
                except BlockingIOError:
                    owner = _owner(self._dir_fd, self._folder / file_name)
                    raise DeviceError(
                        f"{label} is being recorded already, in another improv window or a "
                        f"terminal ({owner}); stop that recording first, or choose another "
                        "input"
                    ) from None
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Give every lock up (again is fine)."""
        while self._held:
            f, name = self._held.pop()
            try:
                f.close()
            finally:
                with contextlib.suppress(OSError):  # removed already: fine
                    os.unlink(_at(self._dir_fd, name, self._folder / name),
                              dir_fd=self._dir_fd)
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


def _owner(dir_fd: int | None, path: Path) -> str:
    """``process 1234`` from a lock file (the last PID written), or ``another process``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(_at(dir_fd, path.name, path), flags, dir_fd=dir_fd)
        with os.fdopen(fd, "r") as f:
            pids = [x for x in f.read(4096).split() if x.isdigit()]
    except (OSError, UnicodeDecodeError):
        pids = []
    return f"process {pids[-1]}" if pids else "another process"

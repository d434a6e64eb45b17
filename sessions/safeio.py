"""Opening files that may be hostile: inside a session folder, and files given to import.

A session folder can be copied in from another machine, so improv trusts nothing in it: it
opens only regular files there, never through a symbolic link (``O_NOFOLLOW``, ``lstat``),
and a folder that holds a link, a FIFO or a device is refused as a whole
(:func:`check_folder`).  Files given on the command line to read (notes, annotation files)
must be regular files of bounded size (:func:`read_regular`): ``/dev/zero`` is refused, and a
FIFO is opened without blocking and refused rather than waited on.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sessions.errors import SessionFormatError, StoreError

#: Largest notes file or annotation file read in [bytes] (a year of daily notes is < 1 MB).
MAX_TEXT_BYTES = 16 * 1024 * 1024

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _kind(mode: int) -> str:
    """A plain name for a file that is not a regular one."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def unsafe_entries(folder: Path, *, limit: int = 200_000) -> list[str]:
    """Entries of a session folder (at any depth) that improv will not open: symbolic links
    and anything else that is neither a regular file nor a folder; as ``"rel: what"`` lines.

    The folder itself must be a real folder (not a link).  At most ``limit`` entries are
    looked at (a folder with more is reported as such).
    """
    folder = Path(folder)
    try:
        st = os.lstat(folder)
    except OSError as exc:
        return [f"{folder.name}: cannot be read ({exc.strerror})"]
    if not stat.S_ISDIR(st.st_mode):
        return [f"{folder.name}: is {_kind(st.st_mode)}"]
    found: list[str] = []
    stack = [folder]
    seen = 0
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except FileNotFoundError:  # a subfolder removed since its parent was listed
            continue
        except OSError as exc:
            found.append(f"{here.relative_to(folder).as_posix()}: cannot be read "
                         f"({exc.strerror})")
            continue
        for entry in entries:
            seen += 1
            if seen > limit:
                return [*found, f"more than {limit} files in the session folder"]
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except FileNotFoundError:  # renamed or removed since the listing (a temporary
                continue               # file of a write by another process): not there now
            rel = Path(entry.path).relative_to(folder).as_posix()
            if stat.S_ISDIR(mode):
                stack.append(Path(entry.path))
            elif not stat.S_ISREG(mode):
                found.append(f"{rel}: is {_kind(mode)} (improv opens only regular files in "
                             "a session folder)")
    return sorted(found)


def check_folder(folder: Path) -> None:
    """Raise :class:`SessionFormatError` if a session folder holds a link or another
    non-regular file (see :func:`unsafe_entries`), naming the first one."""
    found = unsafe_entries(folder)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise SessionFormatError(f"session {Path(folder).name}: {found[0]}{more}")


def store_folder(path: Path) -> bool:
    """Whether the store's own folder ``path`` (``sessions/``, ``tmp/``, ``clients/``, a
    client's folder) is there: True for a real folder, False if nothing is there.

    Improv writes, renames and deletes in these folders, so it never works through a link
    there (the data it deletes would be outside the store).

    Raises
    ------
    StoreError
        ``path`` is a symbolic link (even one to a folder) or a file, pipe or device; the
        message says what to move or rename.
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        return True
    if stat.S_ISLNK(st.st_mode):
        raise StoreError(f"{path} is a symbolic link; improv does not follow links out of its "
                         "store: put the folder it points to in its place (or remove the "
                         "link) and try again")
    what = "a file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
    raise StoreError(f"{path} is {what}, not a folder: move it out of the store (or rename "
                     "it) and try again")


def open_fd(path: Path, flags: int = os.O_RDONLY) -> int:
    """``os.open`` a regular file without following a link at its name and without waiting
    on a FIFO; raise :class:`SessionFormatError` for anything else than a regular file."""
    path = Path(path)
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK)
    except OSError as exc:
        if exc.errno == getattr(__import__("errno"), "ELOOP", -1):
            raise SessionFormatError(f"{path.name} is a symbolic link; improv does not "
                                     "follow links") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SessionFormatError(f"{path.name} is {_kind(st.st_mode)}, not a regular file")
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_regular(path: Path, mode: str = "rb", **kwargs):
    """Open an existing regular file (``"rb"``, ``"r"`` or ``"r+b"``) without following
    links; see :func:`open_fd`."""
    flags = os.O_RDWR if "+" in mode else os.O_RDONLY
    fd = open_fd(path, flags)
    try:
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, *, max_bytes: int = MAX_TEXT_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` [bytes].

    Raises
    ------
    SessionFormatError
        ``path`` is a link, a FIFO, a device or a folder, or is larger than ``max_bytes``
        (the message names the limit).
    FileNotFoundError
        It does not exist.
    """
    path = Path(path)
    with open_regular(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SessionFormatError(f"{what} {path.name} is larger than the limit of "
                                 f"{max_bytes // (1024 * 1024)} MB")
    return data


def read_text(path: Path, *, max_bytes: int = MAX_TEXT_BYTES, what: str = "file") -> str:
    """A regular UTF-8 text file of at most ``max_bytes`` [bytes] (see :func:`read_regular`).

    Raises
    ------
    SessionFormatError
        As :func:`read_regular`, or the file is not UTF-8 text (the message says how to fix it).
    """
    try:
        return read_regular(path, max_bytes=max_bytes, what=what).decode("utf-8")
    except UnicodeDecodeError:
        raise SessionFormatError(f"{Path(path).name} is not a UTF-8 text file (save it as "
                                 "UTF-8)") from None

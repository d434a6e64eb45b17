"""File-system helpers: owner-only permissions, atomic writes, fsync.

A session holds health data, so every file the store creates is readable by
its owner only (0600) and every folder is 0700, independent of the process
umask.  Metadata is replaced atomically (write a temporary file, fsync,
rename, fsync the folder) so that a crash leaves either the old or the new
version, never half of one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import os
import secrets
from pathlib import Path
from typing import Any, Iterable, Iterator

from sessions.errors import InvalidArgumentError, StoreWriteError

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as owner-only folders."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for folder in reversed(missing):
        with write_errors(folder):
            try:
                folder.mkdir(mode=DIR_MODE)
            except FileExistsError:
                if os.path.islink(folder):  # a dangling link: never made at its target
                    raise StoreWriteError(f"cannot write {folder}: it is a symbolic link; "
                                          "improv does not follow links") from None
                continue
            os.chmod(folder, DIR_MODE)
    return path


def open_new(path: Path, mode: str = "xb", **kwargs: Any):
    """Open a new file with owner-only permissions.

    ``mode`` must start with ``x`` (create, fail if it exists) or ``a``/``w``.
    The file is created with mode 0600 before anything is written to it.  A symbolic link
    at ``path`` is never followed (not even a dangling one, which would create its target).
    """
    flags = os.O_CREAT | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    if mode.startswith("x"):
        flags |= os.O_EXCL
    elif mode.startswith("w"):
        flags |= os.O_TRUNC
    elif mode.startswith("a"):
        flags |= os.O_APPEND
    else:
        raise InvalidArgumentError(f"mode must start with 'x', 'w' or 'a', got {mode!r}",
                                   parameter="mode")
    if "+" in mode:
        flags = (flags & ~os.O_WRONLY) | os.O_RDWR
    with write_errors(path):
        fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode.replace("x", "w") if "x" in mode else mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def fsync_dir(path: Path) -> None:
    """fsync a folder so that a rename or create inside it is durable."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace ``path`` with ``data`` (bytes, or an iterable of byte chunks written in turn)
    atomically and durably (0600).

    The temporary file has a name of its own per call, so two writers of the same file (two
    saves of the web app's notes at once) each replace it whole; the last one wins.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    with write_errors(path):
        try:
            with open_new(tmp, "xb") as f:
                for chunk in ([data] if isinstance(data, (bytes, bytearray)) else data):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    fsync_dir(path.parent)


def atomic_write_json(path: Path, obj: Any, *, default: Any = None) -> None:
    """Write ``obj`` as indented UTF-8 JSON to ``path`` atomically.

    The text is encoded and written a few thousand pieces at a time: ``json.dumps`` with an
    indent builds a list of every piece first (about 60 bytes per number, over 100 MB for the
    analysis cache of a 3-hour session); the bytes are the same. ``default``: as for
    :class:`json.JSONEncoder` (the JSON form of other objects, e.g. numpy arrays).
    """
    pieces = json.JSONEncoder(indent=2, ensure_ascii=False, default=default).iterencode(obj)

    def chunks() -> Iterator[bytes]:
        while batch := list(itertools.islice(pieces, 4096)):
            yield "".join(batch).encode("utf-8")
        yield b"\n"

    atomic_write_bytes(path, chunks())


def before_name(path: Path) -> Path:
    """A new hidden second name (a hard link) that keeps ``path``'s earlier file while the file
    is rewritten in place and its checksum in ``session.json`` is updated:
    ``.<name>.<8 hex digits>.before`` beside it. What a crash leaves under it is settled by
    :func:`sessions.recovery.settle_marker_rewrites` (:func:`kept_by`)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.before")


def kept_by(name: str) -> str | None:
    """The name of the file whose earlier version a :func:`before_name` keeps, for a folder
    entry ``name`` (``.session.mid.1a2b3c4d.before`` -> ``session.mid``); None for any other
    entry."""
    head, dot, tail = name.rpartition(".")
    if tail != "before" or not dot:
        return None
    kept, dot, token = head.rpartition(".")
    if (not dot or not kept.startswith(".") or len(kept) < 2 or "/" in kept
            or len(token) != 8 or any(c not in "0123456789abcdef" for c in token)):
        return None
    return kept[1:]


def read_json(path: Path) -> Any:
    """Read a JSON file; raise ``SessionFormatError`` naming the file if it is broken."""
    from sessions.errors import SessionFormatError
    from sessions.safeio import open_regular

    try:
        with open_regular(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise SessionFormatError(f"{path} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SessionFormatError(f"{path} is not valid JSON ({exc})") from None
    except RecursionError:
        raise SessionFormatError(f"{path} is nested too deeply to be read") from None


def sha256_file(path: Path, *, chunk_bytes: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in 4 MiB chunks."""
    from sessions.safeio import open_regular

    h = hashlib.sha256()
    with open_regular(path, "rb") as f:
        while True:
            chunk = f.read(chunk_bytes)
            if not chunk:
                break
            h.update(chunk)
    return h.hexdigest()


def describe_os_error(exc: OSError) -> str:
    """A short human reason for an OSError, with a hint how to fix it."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full (free some space and try again)"
    if exc.errno == errno.EROFS:
        return "the file system is read-only (choose a writable store)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (check the store's owner and permissions)"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link; improv does not follow links"
    if exc.errno == errno.EISDIR:
        return "it is a folder, not a file (move it away or rename it)"
    if exc.errno == errno.ENOTDIR:
        return "a file is where a folder should be (move it away or rename it)"
    return exc.strerror or str(exc)


def write_failure(dst: Path, exc: Exception) -> StoreWriteError:
    """The error for a write that failed without saying why (libsndfile reports a full disk
    as "System error"), explained from the state of the disk."""
    import shutil

    try:
        free = shutil.disk_usage(dst.parent).free
    except OSError:
        free = None
    if free is not None and free < (1 << 20):
        reason = "the disk is full (free some space and try again)"
    elif not os.access(dst.parent, os.W_OK):
        reason = "the store is not writable (read-only disk or permissions)"
    else:
        reason = str(exc)
    return StoreWriteError(f"cannot write {dst}: {reason}")


@contextlib.contextmanager
def write_errors(path: Path) -> Iterator[None]:
    """Turn OSErrors while writing ``path`` into a one-line StoreWriteError."""
    try:
        yield
    except StoreWriteError:
        raise
    except OSError as exc:
        raise StoreWriteError(f"cannot write {path}: {describe_os_error(exc)}") from exc

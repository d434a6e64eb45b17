"""Stable pseudonymous session keys for ``improv export-dataset`` (the ``session_key`` column).

A session code (``C07-003``) is the client's code and the session's running number: it changes
when a client code is corrected or an earlier session is deleted, so two exports of one
archive can give one session two codes. A session ID does not change, but it holds the
session's start time to the second. The key is an HMAC-SHA256 of the session ID under a
secret of the store (``<store>/dataset-key``: 32 random bytes in hex, made owner-only (0600)
by the first export and kept with the store): the same session has the same key in every
export of the store, and nobody without the store's secret can tell the start time (or the
ID) from a key, nor make the key of a session whose ID they know.

A copy of the store (its backup) keeps the secret, and so the keys; a session imported into
another store gets another key there. A new secret (the file deleted) gives every session a
new key: the file is never made again over a damaged one.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["KEY_FILE", "store_secret", "session_key"]

#: The secret's file name in the store folder.
KEY_FILE = "dataset-key"
#: Hex digits of a session key: 64 bits, no collision expected below billions of sessions.
KEY_DIGITS = 16
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _read(path: Path) -> bytes:
    from sessions.errors import SessionFormatError
    from sessions.safeio import read_regular

    text = read_regular(path, max_bytes=1024, what="dataset key").decode("ascii", "replace")
    if not _HEX64.fullmatch(text.strip()):
        raise SessionFormatError(
            f"the store's dataset key {path} is damaged (expected 64 hex digits): restore it "
            "from a backup of the store; deleting it makes a new key, and every session_key "
            "of later exports changes")
    st = os.stat(path, follow_symlinks=False)
    if st.st_mode & 0o077 and st.st_uid == os.geteuid():
        os.chmod(path, 0o600)  # someone opened it: owner-only again, as it was made
    return bytes.fromhex(text.strip())


def _create(root: Path, path: Path) -> None:
    """Write a new secret beside ``path`` and link it into place: a reader never sees half
    a file, and of two exports making one at the same time, one wins and both use it."""
    from sessions.fsutil import fsync_dir, open_new

    tmp = root / f".{KEY_FILE}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        with open_new(tmp, "x", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return  # another export made it first: theirs is the key
        except OSError as exc:  # a file system without hard links (some network shares)
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            if os.path.lexists(path):
                return
            os.rename(tmp, path)
        fsync_dir(root)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def store_secret(store) -> bytes | None:
    """The store's secret for session keys, made on first use.

    Parameters
    ----------
    store : sessions.store.Store

    Returns
    -------
    bytes or None
        32 bytes; None if the store has none yet and cannot get one (a read-only store).

    Raises
    ------
    sessions.errors.SessionFormatError
        The key file is damaged or not a regular file (never replaced: the keys would change).
    """
    root = Path(store.root)
    path = root / KEY_FILE
    if not os.path.lexists(path):
        if not store.writable:
            return None
        try:
            _create(root, path)
        except OSError as exc:  # a read-only mount os.access did not see, a full disk
            log.warning("the store's dataset key could not be made: %s", exc.strerror or exc)
            return None
    return _read(path)


def session_key(secret: bytes, session_id: str) -> str:
    """The session's key: the first :data:`KEY_DIGITS` hex digits of HMAC-SHA256(secret, ID)."""
    return hmac.new(secret, session_id.encode("utf-8"), hashlib.sha256).hexdigest()[:KEY_DIGITS]

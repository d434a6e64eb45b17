"""Writing a backup or an export so that it is whole or not there at all.

Both are written under a hidden name of their own next to where they go
(``.NAME.<pid>-<hex>.partial``): every file and folder is synced to the disk, and only then is
the whole renamed into place and its folder synced, so a USB disk pulled right after holds it
whole. A failed or interrupted one is removed (:meth:`PartialSink.abandon`); what a killed one
left (its process gone) is removed by the next one to the same name
(:func:`remove_stale_partials`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO

from sessions.errors import StoreError
from sessions.fsutil import FILE_MODE, fsync_dir, make_dir, open_new, write_errors
from sessions.packed import SUMS

__all__ = ["PartialSink", "alive", "remove_stale_partials"]


class PartialSink:
    """Where a backup's or an export's files go: a new folder, or a zip file (audio stored,
    text deflated), under a hidden partial name of its own until :meth:`finish`.

    Each file is hashed from the very bytes written.

    Parameters
    ----------
    to : Path
        The folder or ``.zip`` file to make; it must not exist when :meth:`finish` renames the
        partial one into place.
    """

    def __init__(self, to: Path) -> None:
        self.to = to
        self.sums: dict[str, str] = {}
        self.bytes = 0
        self.is_zip = to.suffix.lower() == ".zip"
        self.partial = to.with_name(f".{to.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        self.top = to.stem if self.is_zip else ""
        self._raw = self._zip = None
        try:
            if self.is_zip:
                self._raw = open_new(self.partial, "xb")
                self._zip = zipfile.ZipFile(self._raw, "w")
            else:
                with write_errors(self.partial):
                    self.partial.mkdir(mode=0o700)
                os.chmod(self.partial, 0o700)
        except BaseException:
            self.abandon()
            raise

    def copy(self, rel: str, src: IO[bytes]) -> str:
        h = hashlib.sha256()
        if self.is_zip:
            info = zipfile.ZipInfo(f"{self.top}/{rel}",
                                   date_time=datetime.now().timetuple()[:6])
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.compress_type = (zipfile.ZIP_STORED
                                  if rel.endswith((".wav", ".flac")) else zipfile.ZIP_DEFLATED)
            with write_errors(self.to), self._zip.open(info, "w", force_zip64=True) as out:
                self._pump(src, out, h)
        else:
            dst = self.partial / rel
            make_dir(dst.parent)
            with open_new(dst, "xb") as out, write_errors(dst):
                self._pump(src, out, h)
                out.flush()
                os.fsync(out.fileno())
        self.sums[rel] = h.hexdigest()
        return self.sums[rel]

    def _pump(self, src: IO[bytes], out: IO[bytes], h) -> None:
        while chunk := src.read(1 << 22):
            h.update(chunk)
            out.write(chunk)
            self.bytes += len(chunk)

    def write_text(self, rel: str, text: str, *, listed: bool = True) -> None:
        import io

        if listed:
            self.copy(rel, io.BytesIO(text.encode("utf-8")))
        elif self.is_zip:
            with write_errors(self.to):
                self._zip.writestr(f"{self.top}/{rel}", text)
        else:
            with open_new(self.partial / rel, "x", encoding="utf-8") as f, \
                    write_errors(self.partial / rel):
                f.write(text)
                f.flush()
                os.fsync(f.fileno())

    def finish(self) -> Path:
        """Write ``SHA256SUMS`` and rename the complete backup into place: every file and
        folder of it is fsynced first, and the folder it is in after the rename."""
        sums = "".join(f"{d}  {r}\n" for r, d in self.sums.items())
        self.write_text(SUMS, sums, listed=False)
        if self.is_zip:
            with write_errors(self.to):
                self._zip.close()
                self._raw.flush()
                os.fsync(self._raw.fileno())
                self._raw.close()
        else:
            for folder in sorted((p for p in self.partial.rglob("*") if p.is_dir()),
                                 key=lambda p: len(p.parts), reverse=True):
                fsync_dir(folder)
            fsync_dir(self.partial)
        with write_errors(self.to):
            if os.path.lexists(self.to):  # made meanwhile (a link too: never replaced)
                raise StoreError(f"{self.to} exists already; choose another name")
            os.rename(self.partial, self.to)
        fsync_dir(self.to.parent)
        return self.to

    def abandon(self) -> None:
        """Remove the partial backup (a failed or interrupted one leaves nothing)."""
        if self.is_zip:
            if self._zip is not None:
                with contextlib.suppress(Exception):
                    self._zip.close()
            if self._raw is not None:
                with contextlib.suppress(OSError):
                    self._raw.close()
            with contextlib.suppress(OSError):
                self.partial.unlink(missing_ok=True)
        else:
            shutil.rmtree(self.partial, ignore_errors=True)


def alive(pid: int) -> bool:
    """True if a process ``pid`` runs on this machine (ours included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # another user's, or no PID at all
    return True


def remove_stale_partials(to: Path) -> list[str]:
    """Remove what a killed backup to ``to`` left (``.NAME.<pid>-<hex>.partial`` of a process
    that no longer runs, or ``.NAME.partial`` of an older improv), if this user owns it;
    a link is never followed. Returns the names removed."""
    mine = re.compile(rf"\.{re.escape(to.name)}(?:\.(\d+)-[0-9a-f]+)?\.partial")
    removed = []
    try:
        names = os.listdir(to.parent)
    except OSError:
        return removed
    for name in sorted(names):
        m = mine.fullmatch(name)
        if not m or (m.group(1) and alive(int(m.group(1)))):
            continue
        path = to.parent / name
        try:
            st = path.lstat()
        except OSError:
            continue
        if st.st_uid != os.getuid():
            continue
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(name)
    return removed

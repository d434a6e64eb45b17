"""Exporting a session: a folder or a zip file with a checksum manifest.

The export holds the session folder as it is plus ``SHA256SUMS`` in the
format of ``sha256sum`` (so ``sha256sum -c SHA256SUMS`` checks it anywhere).
It is health data: the folder and files are created owner-only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from sessions import manifest as mf
from sessions.backup import session_held
from sessions.errors import StoreError, StoreWriteError
from sessions.fsutil import describe_os_error, make_dir, sha256_file
from sessions.partial_output import PartialSink, remove_stale_partials
from sessions.safeio import check_folder, open_regular

SUMS = "SHA256SUMS"
_SKIP = {mf.LOCK, "cache"}


def _files(folder: Path) -> list[Path]:
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[0] in _SKIP or p.name.startswith(".") or not p.is_file():
            continue
        out.append(p)
    return out


class _ExportSink(PartialSink):
    """A :class:`sessions.partial_output.PartialSink` (a hidden partial name of its own, every
    file and folder fsynced before it is renamed into place, nothing left on failure) whose
    zip holds one folder named after the session."""

    def __init__(self, to: Path, *, top: str) -> None:
        super().__init__(to)
        self.top = top


def export_session(folder: Path, to: Path, *,
                   removed: Callable[[str], None] | None = None) -> Path:
    """Export the session in ``folder`` to ``to``.

    ``to`` ending in ``.zip`` writes a zip archive (audio stored, text
    compressed); anything else is a folder in which ``<id>/`` is created.

    The export is written under a hidden name of its own (``.NAME.<pid>-<hex>.partial``),
    every file and folder of it is synced to the disk, and only then is it renamed into place
    (and its folder synced): a USB disk pulled right after the export is done holds it whole.
    It is made holding the session's locks shared, as a backup does, so that no compression,
    annotation change or deletion changes it meanwhile.  A failed or interrupted export
    leaves nothing; what a killed one left (its hidden partial export, whose process is gone)
    is removed by the next export to the same name.

    Parameters
    ----------
    folder : Path
        The session folder.
    to : Path
        A folder (``<id>/`` is made in it) or a new ``.zip`` file.
    removed : callable, optional
        Called with the path of each hidden partial export a killed export left, as it is
        removed.

    Returns
    -------
    Path
        The export written.

    Raises
    ------
    StoreError
        The target exists or its folder does not, a recording no longer matches the
        checksum its manifest gives (an export's new SHA256SUMS would otherwise vouch for a
        damaged file), the session was deleted meanwhile, or the disk is full; nothing is
        left at the target then.
    """
    from sessions.fsutil import read_json

    folder = Path(folder)
    to = Path(to)
    sid = folder.name
    is_zip = to.suffix.lower() == ".zip"
    target = to if is_zip else to / sid
    if is_zip:
        if os.path.lexists(to):
            raise StoreError(f"{to} exists already; choose another name or remove it")
        if not to.parent.is_dir():
            raise StoreError(f"folder {to.parent} does not exist; create it first, or "
                             "choose another", parameter="to")
    else:
        if to.exists() and not to.is_dir():
            raise StoreError(f"{to} is a file, not a folder; export to a folder or to a .zip "
                             "name")
        if os.path.lexists(target):
            raise StoreError(f"{target} exists already; export to another folder or remove it")
    try:
        with session_held(folder):
            check_folder(folder)  # a link in it (to a key, say) is never copied into the export
            files = _files(folder)
            digests = {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}
            recorded = read_json(folder / mf.MANIFEST).get("checksums") or {}
            damaged = [rel for rel, digest in recorded.items()
                       if digests.get(rel, digest) != digest]
            if damaged:
                raise StoreError(
                    f"{', '.join(damaged)} of session {sid} does not match its checksum (the "
                    f"file changed or is damaged); nothing was exported: see 'improv sessions "
                    f"verify {sid}'")
            if not is_zip:
                make_dir(to)
            for name in remove_stale_partials(target):
                if removed is not None:
                    removed(str(target.parent / name))
            sink = _ExportSink(target, top=sid)
            finished = False
            try:
                for p in files:
                    with open_regular(p, "rb") as src:
                        sink.copy(p.relative_to(folder).as_posix(), src)
                path = sink.finish()
                finished = True
            finally:
                if not finished:  # a failure, Ctrl-C or SIGTERM: nothing left
                    sink.abandon()
    except FileNotFoundError as exc:
        if not folder.is_dir():  # deleted before its locks were taken
            raise StoreError(f"session {sid} was deleted while it was exported; nothing was "
                             "exported") from None
        raise StoreError(f"cannot read {exc.filename or folder}: "
                         f"{describe_os_error(exc)}") from None
    return path


def check_sums(folder: Path) -> list[str]:
    """Problems found checking an exported folder against its ``SHA256SUMS``."""
    folder = Path(folder)
    problems = []
    try:
        lines = (folder / SUMS).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise StoreWriteError(f"cannot read {folder / SUMS}: {exc}") from exc
    for line in lines:
        digest, _, rel = line.partition("  ")
        p = folder / rel
        if not p.is_file():
            problems.append(f"{rel}: missing")
        elif sha256_file(p) != digest:
            problems.append(f"{rel}: checksum mismatch")
    return problems

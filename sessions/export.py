"""Exporting a session: a folder or a zip file with a checksum manifest.

The export holds the session folder as it is plus ``SHA256SUMS`` in the
format of ``sha256sum`` (so ``sha256sum -c SHA256SUMS`` checks it anywhere).
It is health data: the folder and files are created owner-only.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from sessions import manifest as mf
from sessions.errors import StoreError, StoreWriteError
from sessions.fsutil import FILE_MODE, make_dir, open_new, sha256_file, write_errors
from sessions.safeio import check_folder

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


def export_session(folder: Path, to: Path) -> Path:
    """Export the session in ``folder`` to ``to``.

    ``to`` ending in ``.zip`` writes a zip archive (audio stored, text
    compressed); anything else is a folder in which ``<id>/`` is created.

    Returns the path written.  Nothing is left behind on failure.  A recording that no longer
    matches the checksum its manifest gives is refused: an export's new SHA256SUMS would
    otherwise vouch for a damaged file.
    """
    from sessions.fsutil import read_json

    folder = Path(folder)
    to = Path(to)
    sid = folder.name
    check_folder(folder)  # a link in it (to a key, say) is never copied into the export
    files = _files(folder)
    digests = {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}
    recorded = read_json(folder / mf.MANIFEST).get("checksums") or {}
    damaged = [rel for rel, digest in recorded.items() if digests.get(rel, digest) != digest]
    if damaged:
        raise StoreError(
            f"{', '.join(damaged)} of session {sid} does not match its checksum (the file "
            f"changed or is damaged); nothing was exported: see 'improv sessions verify {sid}'")
    sums = "".join(f"{digest}  {rel}\n" for rel, digest in digests.items())
    if to.suffix.lower() == ".zip":
        if to.exists():
            raise StoreError(f"{to} exists already; choose another name or remove it")
        if not to.parent.is_dir():
            raise StoreError(f"folder {to.parent} does not exist; create it first, or "
                             "choose another", parameter="to")
        tmp = to.with_name(f".{to.name}.partial")
        try:
            with open_new(tmp, "wb") as raw, zipfile.ZipFile(raw, "w") as z:
                for p in files:
                    rel = f"{sid}/{p.relative_to(folder).as_posix()}"
                    compress = (zipfile.ZIP_STORED if p.suffix in (".wav", ".flac")
                                else zipfile.ZIP_DEFLATED)
                    with write_errors(to):
                        z.write(p, rel, compress_type=compress)
                z.writestr(f"{sid}/{SUMS}", sums)
            os.replace(tmp, to)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return to
    target = to / sid
    if to.exists() and not to.is_dir():
        raise StoreError(f"{to} is a file, not a folder; export to a folder or to a .zip name")
    if target.exists():
        raise StoreError(f"{target} exists already; export to another folder or remove it")
    make_dir(to)
    partial = to / f".{sid}.partial"
    try:
        make_dir(partial)
        for p in files:
            dst = partial / p.relative_to(folder)
            make_dir(dst.parent)
            with write_errors(dst):
                shutil.copyfile(p, dst)
                os.chmod(dst, FILE_MODE)
        with open_new(partial / SUMS, "w", encoding="utf-8") as f:
            f.write(sums)
        with write_errors(target):
            os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


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

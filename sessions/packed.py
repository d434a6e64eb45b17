"""Reading an export or a backup made elsewhere: a zip file or a folder with ``SHA256SUMS``.

Both ``improv sessions export`` and ``improv backup`` write one folder (in a zip: one top
folder) that holds ``SHA256SUMS`` in the format of ``sha256sum`` and the files it lists.
Such a thing may come back from a USB stick, a cloud folder or a stranger, so improv trusts
nothing in it before it has checked it (the rules of docs/session-format.md, "Hostile
folders"):

- a zip entry must be a plain relative path inside the one top folder: no ``..``, no absolute
  path or drive, no backslash, no symbolic link or other special file, no encryption, no name
  twice, no two names that would be one path on disk (a file and an entry below it, or names
  that differ only in case); a hidden name (``.DS_Store``, ``.lock``) and macOS Finder's
  ``__MACOSX/`` top folder (:data:`MACOS_FORKS`) are left out, never copied;
- a folder is walked without following links (:func:`sessions.safeio.unsafe_entries`): a
  link, a FIFO or a device in it refuses it whole;
- at most :data:`MAX_FILES` files, and the sizes they announce must fit the disk (a zip entry
  never yields more than its announced size: :mod:`zipfile` stops there and checks the CRC);
- every file is listed in ``SHA256SUMS`` and every listed file is there, and each is copied
  with its digest computed from the very bytes written (:func:`unpack`).

Nothing is written except into the folder :func:`unpack` is given (a claimed scratch folder
of the store, :mod:`sessions.scratch`), so a refused one leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from sessions.errors import SessionFormatError, StoreWriteError
from sessions.fsutil import fsync_dir, make_dir, open_new, write_errors
from sessions.safeio import open_regular, unsafe_entries

SUMS = "SHA256SUMS"
#: Most files an export or a backup may hold (a store of 2,000 sessions of 20 files each).
MAX_FILES = 200_000
#: Largest SHA256SUMS read [bytes] (MAX_FILES lines of about 120 bytes).
MAX_SUMS_BYTES = 32 * 1024 * 1024
#: Free disk space kept beyond what an unpacked export needs [bytes].
SPARE_BYTES = 64 * 1024 * 1024

_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")
#: The top folder that macOS Finder's "Compress" adds to a zip beside the folder compressed
#: (each file's resource fork and Finder details as ``__MACOSX/<folder>/._NAME``): left out as
#: a hidden name is, so such a zip holds one folder as an export or backup should.
MACOS_FORKS = "__MACOSX"


def _safe_rel(name: str, what: str) -> PurePosixPath:
    """``name`` as a relative path that stays inside its folder, or refused."""
    if "\\" in name or "\0" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise SessionFormatError(f"{what} holds {name!r}, a path outside its folder: refused")
    rel = PurePosixPath(name)
    parts = [p for p in rel.parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise SessionFormatError(f"{what} holds {name!r}, a path outside its folder: refused")
    return PurePosixPath(*parts)


def name_problem(rel: str) -> str | None:
    """Why a file's path ``rel`` cannot be listed in ``SHA256SUMS``, or None: a line break
    would split its line (``sha256sum`` would escape it; improv's reader, as most, does not),
    and a backslash is refused when it is read back (:func:`read_sums`); so is any other
    control character (a tab, an escape), which would also garble the one-line messages that
    name the file."""
    if "\\" in rel:
        return "its name holds a backslash, which a checksum list cannot hold: rename it"
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in rel):
        return ("its name holds a line break or another control character, which a checksum "
                "list cannot hold: rename it")
    return None


def shown(rel: str) -> str:
    """``rel`` for a one-line message: control characters and backslashes escaped
    (``C07\\n``), anything else as it is."""
    if name_problem(rel) is None:
        return rel
    return "".join(c.encode("unicode_escape").decode("ascii") if (ord(c) < 32 or c == "\\"
                   or 127 <= ord(c) < 160) else c for c in rel)


def _hidden(rel: PurePosixPath) -> bool:
    """A hidden name (``.DS_Store``, ``.lock``) or anything under a top ``__MACOSX/``
    (:data:`MACOS_FORKS`): improv never writes one into an export, and one there (a file
    manager's) is left out, never copied into the store."""
    return any(p.startswith(".") for p in rel.parts) or rel.parts[:1] == (MACOS_FORKS,)


class Packed:
    """An export or backup opened for checking: its top folder's name and its files.

    Attributes
    ----------
    name : str
        The top folder's name (a session export: the session ID).
    files : dict of str to int
        Each file's path inside the top folder (``audio/mic.wav``) and its size [bytes].
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = ""
        self.files: dict[str, int] = {}
        self._zip: zipfile.ZipFile | None = None
        self._root: Path | None = None
        self._entry: dict[str, zipfile.ZipInfo] = {}

    def open(self, rel: str) -> IO[bytes]:
        """A file of the export, for reading (never through a link)."""
        if self._zip is not None:
            return self._zip.open(self._entry[rel])
        return open_regular(self._root / rel, "rb")

    @property
    def folder(self) -> Path | None:
        """The top folder on disk of a folder export or backup (None for a zip file)."""
        return self._root

    def read_small(self, rel: str, *, max_bytes: int) -> bytes:
        """A file of at most ``max_bytes`` [bytes] whole (a longer one is refused)."""
        if self.files[rel] > max_bytes:
            raise SessionFormatError(f"{self.path.name}: {rel} is larger than "
                                     f"{max_bytes // (1024 * 1024)} MB: refused")
        with self.open(rel) as f:
            return f.read(max_bytes + 1)[:max_bytes]

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> "Packed":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def is_packed(path: Path) -> bool:
    """True if ``path`` looks like an export or a backup (a ``.zip`` file, or a folder that
    holds ``SHA256SUMS`` or one folder that does); its content is checked by :func:`open_packed`."""
    path = Path(path)
    if path.suffix.lower() == ".zip" and not path.is_dir():
        return True
    return path.is_dir() and _folder_root(path) is not None


def _folder_root(path: Path) -> Path | None:
    if (path / SUMS).is_file():
        return path
    try:
        subs = [p for p in path.iterdir() if not _hidden(PurePosixPath(p.name))]
    except OSError:
        return None
    if len(subs) == 1 and subs[0].is_dir() and not subs[0].is_symlink() \
            and (subs[0] / SUMS).is_file():
        return subs[0]
    return None


def open_packed(path: Path, *, backup: bool = False) -> Packed:
    """Open a zip file or folder made by ``export`` or ``backup``, refusing anything hostile.

    Parameters
    ----------
    path : Path
    backup : bool
        A whole-store backup being checked or restored (a refusal says "backup" and
        "restored", and names a client's goal log in words), not a session export being
        imported.

    Raises
    ------
    SessionFormatError
        Not a zip file or such a folder, no ``SHA256SUMS``, or an entry that breaks a rule of
        the module docstring; the message names the first one.
    FileNotFoundError
        ``path`` does not exist.
    """
    path = Path(path)
    packed = Packed(path)
    if not path.exists():
        raise FileNotFoundError(2, "no such file or folder", str(path))
    if path.is_dir():
        root = _folder_root(path)
        if root is None:
            raise SessionFormatError(
                f"{path.name} is a folder without {SUMS}: not an improv export or backup (to "
                f"import recordings, give the files in it, e.g. {path.name}/*.mid "
                f"{path.name}/*.wav)")
        unsafe = unsafe_entries(root, limit=MAX_FILES)
        if unsafe and backup:
            raise SessionFormatError(f"{path.name}: {_backup_entry_words(unsafe[0])}: "
                                     "refused: improv restores nothing from it")
        if unsafe:
            raise SessionFormatError(f"{path.name}: {unsafe[0]}: refused (nothing was "
                                     "imported)")
        packed._root, packed.name = root, root.name
        for dirpath, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for n in names:
                p = Path(dirpath) / n
                rel = _safe_rel(p.relative_to(root).as_posix(), path.name)
                if not _hidden(rel):
                    packed.files[rel.as_posix()] = p.lstat().st_size
        _check_count(packed)
        _check_clashes(packed)
        return packed
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SessionFormatError(f"{path.name} is not a readable zip file ({exc}): copy it "
                                 "again from the backup medium") from None
    packed._zip = z
    try:
        _read_zip(packed, z)
    except BaseException:
        packed.close()
        raise
    return packed


def _backup_entry_words(line: str) -> str:
    """A line of :func:`sessions.safeio.unsafe_entries` (``rel: is a symbolic link (improv
    opens only regular files in a session folder)``) said of a backup: a client's goal log by
    the client's code, and what improv takes from a backup.

    >>> _backup_entry_words("clients/C07/goals.jsonl: is a symbolic link (improv opens only "
    ...                     "regular files in a session folder)")[:60]
    'the goals of C07 (clients/C07/goals.jsonl): a symbolic link '
    """
    rel, _, what = line.partition(": ")
    what = re.sub(r" \(improv opens only regular files in a session folder\)$", "", what)
    what = re.sub(r"^is ", "", what)
    parts = rel.split("/")
    if len(parts) == 3 and parts[0] == "clients" and parts[2] == "goals.jsonl":
        rel = f"the goals of {shown(parts[1])} ({shown(rel)})"
    else:
        rel = shown(rel)
    return f"{rel}: {what} (improv takes only regular files from a backup)"


def _read_zip(packed: Packed, z: zipfile.ZipFile) -> None:
    name = packed.path.name
    infos = z.infolist()
    if len(infos) > MAX_FILES:
        raise SessionFormatError(f"{name} holds {len(infos)} entries, more than the "
                                 f"{MAX_FILES} an export or backup may have: refused")
    # a hidden name or Finder's __MACOSX/ beside the one folder does not count as a second
    tops = {rel.parts[0] for rel in (_safe_rel(info.filename, name) for info in infos)
            if not _hidden(rel)}
    if len(tops) != 1:
        raise SessionFormatError(f"{name} does not hold one folder (it holds "
                                 f"{len(tops)}): not an improv export or backup")
    for info in infos:
        rel = _safe_rel(info.filename, name)
        mode = info.external_attr >> 16
        if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise SessionFormatError(f"{name} holds {info.filename!r}, a symbolic link or "
                                     "special file (improv exports only regular files): refused")
        if info.flag_bits & 0x1:
            raise SessionFormatError(f"{name}: {info.filename!r} is encrypted: refused")
        if info.is_dir() or _hidden(rel):
            continue
        if len(rel.parts) < 2:
            raise SessionFormatError(f"{name} holds {info.filename!r} outside its one folder: "
                                     "not an improv export or backup")
        inner = PurePosixPath(*rel.parts[1:]).as_posix()
        if inner in packed.files:
            raise SessionFormatError(f"{name} holds {info.filename!r} twice: refused")
        packed.files[inner] = info.file_size
        packed._entry[inner] = info
    packed.name = tops.pop()
    _check_count(packed)
    _check_clashes(packed)


def _check_clashes(packed: Packed) -> None:
    """Refuse two entries that would be one path on disk: a file and an entry below it
    (``session.json`` and ``session.json/x``), or two names that differ only in case (one
    file on macOS, Windows and exFAT: the second would overwrite the first)."""
    seen: dict[str, str] = {}
    for rel in packed.files:
        key = rel.casefold()
        if key in seen:
            _clash(packed, seen[key], rel)
        seen[key] = rel
    for rel in packed.files:
        parts = rel.split("/")
        for n in range(1, len(parts)):
            above = "/".join(parts[:n]).casefold()
            if above in seen:
                _clash(packed, seen[above], rel)


def _clash(packed: Packed, a: str, b: str) -> None:
    raise SessionFormatError(f"{packed.path.name} refused: two of its entries would be one "
                             f"file on disk (entries {a!r} and {b!r} clash); nothing was "
                             "imported")


def _check_count(packed: Packed) -> None:
    if len(packed.files) > MAX_FILES:
        raise SessionFormatError(f"{packed.path.name} holds more than {MAX_FILES} files: "
                                 "refused")


def read_sums(packed: Packed, *, backup: bool = False) -> dict[str, str]:
    """``SHA256SUMS`` of the export: path → hex digest; every file must be listed, every
    listed file present (``SHA256SUMS`` itself excepted).

    Parameters
    ----------
    packed : Packed
    backup : bool
        A whole-store backup being checked or restored (the messages say "backup" and
        "restored"), not a session export being imported.

    Raises
    ------
    SessionFormatError
        Missing, unreadable or not in ``sha256sum``'s format, a name with a line break or
        another control character (an improv before 2026-12 wrote a client folder named so),
        a hidden name, or a file not listed or missing.
    """
    where = packed.path.name
    kind, done = ("backup", "restored") if backup else ("export", "imported")
    if SUMS not in packed.files:
        raise SessionFormatError(f"{where} holds no {SUMS}: not an improv export or backup "
                                 "(or it was cut short)")
    try:
        text = packed.read_small(SUMS, max_bytes=MAX_SUMS_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        raise SessionFormatError(f"{where}: {SUMS} is not text: refused") from None
    sums: dict[str, str] = {}
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        m = _SUM_LINE.match(line)
        if not m:
            broken = [r for r in packed.files if "\n" in r and r.endswith("\n" + line)]
            if broken:  # the rest of a name with a line break, as improv wrote them before
                raise SessionFormatError(
                    f"{where}: {SUMS} lists {shown(broken[0])}, a name with a line break, "
                    f"which no checksum list can hold: refused; nothing was {done}")
            raise SessionFormatError(f"{where}: line {n} of {SUMS} is not 'DIGEST  FILE': the "
                                     "checksum list is damaged")
        rel = _safe_rel(m.group(2), where).as_posix()
        why = name_problem(rel)
        if why:
            raise SessionFormatError(f"{where}: {SUMS} lists {shown(rel)}; {why.split(':')[0]}: "
                                     f"refused; nothing was {done}")
        if _hidden(PurePosixPath(rel)):
            raise SessionFormatError(
                f"{where}: {SUMS} lists {rel}, a hidden name (one starting with '.'), which "
                f"improv never writes into {'a' if backup else 'an'} {kind} and never takes "
                f"from one: refused; nothing was {done}")
        sums[rel] = m.group(1)
    held = set(packed.files) - {SUMS}
    missing = sorted(set(sums) - held)
    if missing:
        raise SessionFormatError(f"{where}: {missing[0]} is listed in {SUMS} but missing"
                                 + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                                 + f": the {kind} is incomplete; nothing was {done}")
    extra = sorted(held - set(sums))
    if extra:
        raise SessionFormatError(f"{where}: {shown(extra[0])} is not listed in {SUMS} (a file "
                                 f"added after the {kind} was made): refused; nothing was {done}")
    return sums


def check_space(packed: Packed, folder: Path) -> None:
    """Refuse an export whose files would not fit the disk of ``folder`` (an absurd size
    announced by a damaged or crafted zip included)."""
    need = sum(packed.files.values())
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if need + SPARE_BYTES > free:
        raise StoreWriteError(f"{packed.path.name} needs {need / 1e6:.1f} MB but the disk has "
                              f"{free / 1e6:.1f} MB free (free some space and try again; "
                              "nothing was imported)")


def unpack(packed: Packed, dest: Path, sums: dict[str, str], *,
           skip: tuple[str, ...] = (), damaged: list[str] | None = None) -> list[str]:
    """Copy every file listed in ``sums`` into the new folder ``dest`` (0700, files 0600),
    checking each digest on the bytes written.

    Files whose first path part is in ``skip`` are checked but not copied.  Returns the
    paths copied.  Each file written is fsynced, and then each folder made, so that the
    caller's rename of ``dest`` into place (and its fsync of the parent) is durable.  With a
    ``damaged`` list, a file that does not match its checksum or cannot be read is added to
    it (and stays in ``dest`` as read) instead of refusing the whole: a restore of a backup
    then sets aside only the session it belongs to.

    Raises
    ------
    SessionFormatError
        A file does not match its checksum (without ``damaged``), or yields more bytes than
        announced; ``dest`` then holds a part of the files and is for the caller to remove.
    """
    dest = Path(dest)
    make_dir(dest)
    copied = []
    folders = {dest}
    for rel, digest in sums.items():
        keep = rel.split("/", 1)[0] not in skip
        target = dest / rel
        if keep:
            make_dir(target.parent)
            folders.update(p for p in target.parents if dest in p.parents)
        h = hashlib.sha256()
        size = 0
        limit = packed.files[rel]
        try:
            with packed.open(rel) as src:
                out = open_new(target, "xb") if keep else None
                try:
                    while chunk := src.read(1 << 22):
                        size += len(chunk)
                        if size > limit:
                            raise SessionFormatError(
                                f"{packed.path.name}: {rel} is larger than its entry says: "
                                "refused")
                        h.update(chunk)
                        if out is not None:
                            with write_errors(target):
                                out.write(chunk)
                    if out is not None:
                        with write_errors(target):
                            out.flush()
                            os.fsync(out.fileno())
                finally:
                    if out is not None:
                        out.close()
        except (zipfile.BadZipFile, zlib_error()) as exc:
            if damaged is not None:
                damaged.append(rel)
                continue
            raise SessionFormatError(f"{packed.path.name}: {rel} cannot be read ({exc}): the "
                                     "file is damaged; nothing was imported") from None
        if h.hexdigest() != digest and damaged is not None:
            damaged.append(rel)
        elif h.hexdigest() != digest:
            raise SessionFormatError(
                f"{packed.path.name}: {rel} does not match its checksum in {SUMS} (damaged or "
                "changed after the export was made); nothing was imported")
        if keep:
            copied.append(rel)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(folder)
    return copied


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def read_member_json(packed: Packed, rel: str, *, max_bytes: int = 16 * 1024 * 1024):
    """A small JSON file of the export, parsed (refused if broken)."""
    import json

    try:
        return json.loads(packed.read_small(rel, max_bytes=max_bytes).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SessionFormatError(f"{packed.path.name}: {rel} is not valid JSON: refused") \
            from None


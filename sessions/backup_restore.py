"""Checking a whole-store backup (:func:`check_backup`: every file against ``SHA256SUMS``,
every session verified as ``improv sessions verify`` does) and restoring one into an empty
store (:func:`restore_store`); making one is :mod:`sessions.backup`. The format and the rules
are in :mod:`sessions.backup` and docs/session-format.md ("Backups")."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import zipfile
from pathlib import Path
from typing import Any

from sessions import manifest as mf
from sessions import scratch
from sessions.backup import (
    BACKUP_FILE,
    CLIENTS_DIR,
    DATASET_KEY,
    FORMAT,
    GOALS_FILE,
    STORE_FILES,
    VERSION,
    key_problem,
    valid_code,
)
from sessions.errors import SessionFormatError, StoreError
from sessions.fsutil import fsync_dir, make_dir, write_errors
from sessions.packed import SUMS, check_space, open_packed, read_member_json, read_sums, unpack

__all__ = ["check_backup", "restore_store"]

log = logging.getLogger(__name__)

# -- checking --------------------------------------------------------------------------------

def _about(packed) -> dict[str, Any]:
    name = packed.path.name
    if BACKUP_FILE not in packed.files:
        hint = (f" (a session export: import it with 'improv sessions import {name}')"
                if "session.json" in packed.files else "")
        raise SessionFormatError(f"{name} is not an improv backup: it has no {BACKUP_FILE}"
                                 f"{hint}")
    about = read_member_json(packed, BACKUP_FILE)
    if not isinstance(about, dict) or about.get("format") != FORMAT:
        raise SessionFormatError(f"{name}: {BACKUP_FILE} is not an improv backup's")
    if not isinstance(about.get("version"), int) or about["version"] > VERSION:
        raise SessionFormatError(f"{name} was written by a newer improv (backup version "
                                 f"{about.get('version')!r}); upgrade improv to restore it")
    return about


def _layout_problem(rel: str) -> str | None:
    """Why a path has no place in a backup, or None."""
    parts = rel.split("/")
    if rel in (BACKUP_FILE, *STORE_FILES):
        return None
    if parts[0] == "sessions" and len(parts) >= 3 and mf.valid_session_id(parts[1]) \
            and parts[2] != "cache":
        return None
    if parts[0] == CLIENTS_DIR and len(parts) == 3 and valid_code(parts[1]) \
            and parts[2] == GOALS_FILE:
        return None
    return f"{rel} has no place in a backup"


def check_backup(path: Path) -> dict[str, Any]:
    """Check a backup without restoring it: every file against its ``SHA256SUMS``, and every
    session as ``improv sessions verify`` does (:func:`sessions.verify.verify_folder`; a
    session of a zip file is unpacked for that, one at a time, into an owner-only temporary
    folder that is removed at once).

    Returns
    -------
    dict
        ``ok`` (no problem and no damaged session), ``problems`` (files of the backup that
        do not match their checksums, one line each), ``damaged`` (``[id, why]``: sessions
        that do not verify, which a restore sets aside), ``sessions``, ``clients``, ``files``
        (count) and ``bytes``, and ``created_utc``.
    """
    import io

    with open_packed(path) as packed:
        about = _about(packed)
        problems: list[str] = []
        try:
            sums = read_sums(packed)
        except SessionFormatError as exc:
            return _checked(about, packed, [str(exc)], [])
        problems += [p for rel in sums if (p := _layout_problem(rel))]
        for rel, digest in sums.items():
            h = hashlib.sha256()
            try:
                with packed.open(rel) as f:
                    while chunk := f.read(1 << 22):
                        h.update(chunk)
            except (zipfile.BadZipFile, OSError, io.UnsupportedOperation) as exc:
                problems.append(f"{rel}: cannot be read ({exc})")
                continue
            if h.hexdigest() != digest:
                problems.append(f"{rel}: checksum mismatch (damaged or changed)")
        damaged = [] if any(_layout_problem(rel) for rel in sums) \
            else _unverified(packed, sums)
        return _checked(about, packed, problems, damaged)


def _by_session(sums: dict[str, str]) -> dict[str, dict[str, str]]:
    """The checksums of ``sessions/<id>/…`` grouped by session ID."""
    out: dict[str, dict[str, str]] = {}
    for rel, digest in sums.items():
        parts = rel.split("/")
        if parts[0] == "sessions" and len(parts) >= 3:
            out.setdefault(parts[1], {})[rel] = digest
    return dict(sorted(out.items()))


def _session_problem(folder: Path) -> str | None:
    """Why an unpacked session of a backup is not restored, or None (one line)."""
    from sessions.verify import verify_folder

    if (folder / mf.RECORDING_FLAG).exists():
        return "it was backed up while being recorded"
    problems = verify_folder(folder)["problems"]
    if not problems:
        return None
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more)" if more else "")


def _unverified(packed, sums: dict[str, str]) -> list[list[str]]:
    """``[id, why]`` of each session of a backup that does not verify."""
    import tempfile

    out = []
    for sid, own in _by_session(sums).items():
        if packed.folder is not None:
            why = _session_problem(packed.folder / "sessions" / sid)
        else:
            with tempfile.TemporaryDirectory(prefix="improv-check-") as tmp:
                unpack(packed, Path(tmp), own, damaged=[])
                why = _session_problem(Path(tmp) / "sessions" / sid)
        if why:
            out.append([sid, why])
    return out


def _checked(about: dict, packed, problems: list[str],
             damaged: list[list[str]]) -> dict[str, Any]:
    return {"ok": not problems and not damaged, "problems": problems, "damaged": damaged,
            "sessions": len(about.get("sessions") or []),
            "clients": len(about.get("clients") or []),
            "files": len(packed.files), "bytes": sum(packed.files.values()),
            "created_utc": about.get("created_utc")}


# -- restoring -------------------------------------------------------------------------------

def _holds_anything(store) -> list[str]:
    """What makes a store not empty (session folders, goal logs, setups, vocabulary, the
    research export's secret: a restore never replaces one, every session_key would change)."""
    found = []
    if store.sessions_dir.is_dir() and any(store.sessions_dir.iterdir()):
        found.append(f"{len(list(store.sessions_dir.iterdir()))} session folder(s)")
    clients = store.root / CLIENTS_DIR
    if clients.is_dir() and any(clients.iterdir()):
        found.append("clients' goals")
    found += [n for n in STORE_FILES if os.path.lexists(store.root / n)]
    return found


def restore_store(store, path: Path) -> dict[str, Any]:
    """Restore a backup into ``store``, which must be empty.

    Everything is unpacked into ``tmp/restore-store-<hex>/`` and checked there (every
    checksum of ``SHA256SUMS``, the layout, each session with
    :func:`sessions.verify.verify_folder`, each goal log) before the first item is moved into
    the store; then the sessions that verify, goal logs, setups, vocabulary and the research
    export's secret (``dataset-key``, checked to be 64 hex digits) are renamed into place and
    the catalog is rebuilt from them. A session that does not verify, or whose files in the
    backup do not match ``SHA256SUMS``, is set aside: not restored (it stays in the backup
    only) and named with what is wrong, so one damaged session never holds back the others.

    Returns
    -------
    dict
        ``sessions`` and ``clients`` (restored), ``files``, ``set_aside`` (``[id, why]``:
        sessions not restored, one line each), ``created_utc`` (of the backup) and
        ``indexed`` (sessions in the rebuilt catalog).

    Raises
    ------
    StoreError
        The store is not empty; nothing is changed.
    SessionFormatError
        Not a backup, a file outside the sessions damaged or changed (a goal log, setups,
        vocabulary, the research export's secret), or a hostile entry; nothing is changed.
    """
    store.require_writable()
    full = _holds_anything(store)
    if full:
        raise StoreError(
            f"the store {store.root} is not empty (it holds {', '.join(full)}): a backup is "
            "restored only into an empty store; choose a new store folder for it")
    with open_packed(path) as packed:
        about = _about(packed)
        check_space(packed, store.tmp_dir)
        sums = read_sums(packed)
        bad = [p for rel in sums if (p := _layout_problem(rel))]
        if bad:
            raise SessionFormatError(f"{packed.path.name}: {bad[0]}: refused; nothing was "
                                     "restored")
        with scratch.claim(store.tmp_dir, f"restore-store-{secrets.token_hex(4)}") as claim:
            staged = claim.path
            mismatched: list[str] = []
            unpack(packed, staged, sums, damaged=mismatched)
            set_aside = _damaged_sessions(staged, mismatched)
            outside = [rel for rel in mismatched if not rel.startswith("sessions/")]
            if outside:
                raise SessionFormatError(
                    f"{packed.path.name}: {outside[0]} does not match its checksum in {SUMS} "
                    "(damaged or changed after the backup was made); nothing was restored")
            problem = _staged_problem(staged)
            if problem:
                raise SessionFormatError(f"{packed.path.name}: {problem}; nothing was "
                                         "restored")
            if _holds_anything(store):  # something arrived meanwhile (a recording started)
                raise StoreError(f"the store {store.root} is no longer empty: nothing was "
                                 "restored")
            sessions, clients, files = _move_in(store, staged,
                                                leave={sid for sid, _why in set_aside})
    result = store.reindex()
    return {"sessions": sessions, "clients": clients, "files": files, "set_aside": set_aside,
            "created_utc": about.get("created_utc"), "indexed": result["indexed"]}


def _damaged_sessions(staged: Path, mismatched: list[str]) -> list[list[str]]:
    """``[id, why]`` of each unpacked session that is not restored: a file of it does not
    match ``SHA256SUMS`` (damaged in the backup), or it does not verify."""
    out: dict[str, str] = {}
    for rel in mismatched:
        parts = rel.split("/", 2)
        if parts[0] == "sessions" and parts[1] not in out:
            out[parts[1]] = (f"{parts[2]} does not match its checksum in {SUMS} (damaged in "
                             "the backup)")
    sessions_dir = staged / "sessions"
    for folder in sorted(sessions_dir.iterdir()) if sessions_dir.is_dir() else []:
        if folder.name not in out:
            why = _session_problem(folder)
            if why:
                out[folder.name] = why
    return [[sid, out[sid]] for sid in sorted(out)]


def _staged_problem(staged: Path) -> str | None:
    """Why the store-level files of an unpacked backup are not fit for a store, or None."""
    from sessions.goals import verify_log

    clients = staged / CLIENTS_DIR
    for log in sorted(clients.glob(f"*/{GOALS_FILE}")) if clients.is_dir() else []:
        problems = verify_log(log)
        if problems:
            return f"goals of {log.parent.name}: {problems[0]}"
    for name in STORE_FILES:
        if not (staged / name).exists():
            continue
        if name == DATASET_KEY:
            why = key_problem(staged / name)
            if why:
                return f"{why}; without it every session_key of the research export changes"
            continue
        from sessions.fsutil import read_json

        read_json(staged / name)
    return None


def _move_in(store, staged: Path, *,
             leave: set[str]) -> tuple[list[str], list[str], list[str]]:
    """Rename the checked items from ``staged`` into the store (each rename is atomic), all
    but the sessions named in ``leave``."""
    sessions, clients, files = [], [], []
    src_sessions = staged / "sessions"
    make_dir(store.sessions_dir)
    for folder in sorted(src_sessions.iterdir()) if src_sessions.is_dir() else []:
        if folder.name in leave:
            continue
        with write_errors(store.folder(folder.name)):
            os.rename(folder, store.folder(folder.name))
        sessions.append(folder.name)
    fsync_dir(store.sessions_dir)
    src_clients = staged / CLIENTS_DIR
    if src_clients.is_dir():
        make_dir(store.root / CLIENTS_DIR)
        for folder in sorted(src_clients.iterdir()):
            with write_errors(store.root / CLIENTS_DIR / folder.name):
                os.rename(folder, store.root / CLIENTS_DIR / folder.name)
            clients.append(folder.name)
        fsync_dir(store.root / CLIENTS_DIR)
    for name in STORE_FILES:
        if (staged / name).exists():
            with write_errors(store.root / name):
                os.rename(staged / name, store.root / name)
            files.append(name)
    fsync_dir(store.root)
    return sessions, clients, files

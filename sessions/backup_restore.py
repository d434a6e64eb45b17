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
    json_problem,
    key_problem,
    log_words,
    plain_problem,
    session_check,
    session_problem,
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
    """Check a backup without restoring it: every file against its ``SHA256SUMS``, every
    session as ``improv sessions verify`` does (:func:`sessions.verify.verify_folder`; a
    session of a zip file is unpacked for that, one at a time, into an owner-only temporary
    folder that is removed at once), each goal log, ``setups.json``, ``vocabulary.json`` and
    the research export's key as a restore checks them, and ``BACKUP.json`` against what the
    backup holds (the counts are of what is there, never of what ``BACKUP.json`` says).

    Returns
    -------
    dict
        ``ok`` (whole: no problem, nothing damaged and nothing left out when it was made),
        ``problems`` (files of the backup that do not match their checksums, and what
        ``BACKUP.json`` names that is not there; one line each), ``damaged`` (``[id, why]``:
        sessions that do not verify, or that ``BACKUP.json`` says were damaged in the store
        when it was made; a restore sets them aside), ``damaged_in_store`` (the IDs among
        them that were damaged in the store already: another backup copies them again),
        ``damaged_files``
        (``[file, why]``: a goal log, setups, vocabulary or key that a restore sets aside),
        ``left_out`` (one line each: what ``BACKUP.json`` says was not backed up, e.g. a
        session being recorded then), ``sessions``, ``clients`` (counts of what it holds),
        ``files`` (count) and ``bytes``, and ``created_utc``.
    """
    import io

    with open_packed(path, backup=True) as packed:
        about = _about(packed)
        problems: list[str] = []
        try:
            sums = read_sums(packed, backup=True)
        except SessionFormatError as exc:
            return _checked(about, packed, {}, [str(exc)], [], [])
        problems += [p for rel in sums if (p := _layout_problem(rel))]
        mismatched = set()
        for rel, digest in sums.items():
            h = hashlib.sha256()
            try:
                with packed.open(rel) as f:
                    while chunk := f.read(1 << 22):
                        h.update(chunk)
            except (zipfile.BadZipFile, OSError, io.UnsupportedOperation) as exc:
                problems.append(f"{rel}: cannot be read ({exc})")
                mismatched.add(rel)
                continue
            if h.hexdigest() != digest:
                problems.append(f"{rel}: checksum mismatch (damaged or changed)")
                mismatched.add(rel)
        problems += _about_problems(about, sums)
        if any(_layout_problem(rel) for rel in sums):
            return _checked(about, packed, sums, problems, [], [])
        damaged = _unverified(packed, sums, about)
        damaged_files = _checked_store_files(packed, sums, mismatched)
        return _checked(about, packed, sums, problems, damaged, damaged_files)


def _store_level(sums: dict[str, str], leave: set[str] = frozenset()) -> list[str]:
    """The files of a backup outside its sessions (goal logs and :data:`STORE_FILES`)."""
    return [rel for rel in sums if not rel.startswith("sessions/") and rel != BACKUP_FILE
            and rel not in leave]


def _store_file_problems(root: Path, rels: list[str]) -> list[list[str]]:
    """``[file, why]`` for each store-level file under the unpacked ``root`` that a store
    cannot take: a goal log that does not verify, a research key that is not 64 hex digits,
    a ``setups.json`` or ``vocabulary.json`` that is not JSON."""
    from sessions.goals import verify_log

    out = []
    for rel in rels:
        path = root / rel
        if rel.startswith(f"{CLIENTS_DIR}/"):
            problems = verify_log(path)
            why = plain_problem(problems[0], root) if problems else None
        elif rel == DATASET_KEY:
            why = key_problem(path)
        else:
            why = json_problem(path)
        if why:
            out.append([rel, why])
    return out


def _checked_store_files(packed, sums: dict[str, str],
                         mismatched: set[str]) -> list[list[str]]:
    """:func:`_store_file_problems` of a backup (a zip's files unpacked for it into an
    owner-only temporary folder); a file that does not match its checksum is a problem
    already."""
    import tempfile

    rels = _store_level(sums, mismatched)
    if packed.folder is not None:
        return _store_file_problems(packed.folder, rels)
    with tempfile.TemporaryDirectory(prefix="improv-check-") as tmp:
        unpack(packed, Path(tmp), {rel: sums[rel] for rel in rels}, damaged=[])
        return _store_file_problems(Path(tmp), rels)


def _printable(value: Any) -> str:
    """A name read from a backup, safe to print on one line."""
    text = value if isinstance(value, str) else repr(value)
    return "".join(c if c.isprintable() else "?" for c in text)[:200]


def _listed(about: dict, key: str) -> list:
    value = about.get(key)
    return value if isinstance(value, list) else []


def _about_problems(about: dict, sums: dict[str, str]) -> list[str]:
    """What ``BACKUP.json`` names that the backup does not hold (a backup changed after it was
    made, or crafted): one line each."""
    sessions = set(_by_session(sums))
    clients = {rel.split("/")[1] for rel in sums if rel.startswith(f"{CLIENTS_DIR}/")}
    out = []
    for sid in _listed(about, "sessions"):
        if not isinstance(sid, str) or sid not in sessions:
            out.append(f"{BACKUP_FILE} names session {_printable(sid)}, which the backup "
                       "does not hold")
    for code in _listed(about, "clients"):
        if not isinstance(code, str) or code not in clients:
            out.append(f"{BACKUP_FILE} names the goals of client {_printable(code)}, which "
                       "the backup does not hold")
    for name in _listed(about, "files"):
        if not isinstance(name, str) or name not in sums:
            out.append(f"{BACKUP_FILE} names {_printable(name)}, which the backup does not "
                       "hold")
    return out


def left_out_when_made(about: dict) -> list[str]:
    """What ``BACKUP.json`` says was not backed up (sessions being recorded or unreadable then,
    files that were links or unreadable), one line each."""
    out = []
    for key, words in (("skipped", "session {}: {}"), ("left_out", "{}: {}")):
        for item in _listed(about, key):
            if isinstance(item, list) and len(item) == 2:
                out.append(words.format(*(_printable(x) for x in item)))
    return out


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
    return session_problem(folder)


def marked_damaged(about: dict, held: set[str]) -> dict[str, str]:
    """The sessions ``BACKUP.json`` says were damaged in the store when the backup was made
    (copied as they were: ``copied_as_is``, and files that did not match their checksum:
    ``damaged``), of those in ``held``: ID → why, one line. A check names them and a restore
    sets them aside (as the backup said it would): with what is wrong in their copy, or with
    this reason if their copy verifies."""
    out: dict[str, str] = {}
    for key in ("copied_as_is", "damaged"):
        for item in _listed(about, key):
            if not (isinstance(item, list) and len(item) == 2 and item[0] in held):
                continue
            sid, what = item[0], _printable(item[1])
            out.setdefault(sid, f"damaged in the store when the backup was made ({what})"
                           if key == "copied_as_is" else
                           f"{what} did not match its checksum when the backup was made")
    return out


def marked_in_logs_only(about: dict, held: set[str]) -> set[str]:
    """The sessions of ``held`` that ``BACKUP.json`` marked damaged only for one of their own
    logs (``copied_as_is`` with a log's problem, e.g. an annotation log's torn last line that
    an older improv called damage): their recordings were whole, so a restore restores them
    (with what their copy holds) rather than leave them in the backup only."""
    logs, other = set(), set()
    for key in ("copied_as_is", "damaged"):
        for item in _listed(about, key):
            if isinstance(item, list) and len(item) == 2 and item[0] in held:
                ok = key == "copied_as_is" and isinstance(item[1], str) and log_words(item[1])
                (logs if ok else other).add(item[0])
    return logs - other


def _unverified(packed, sums: dict[str, str], about: dict) -> list[list[str]]:
    """``[id, why]`` of each session of a backup that does not verify, or that the backup
    marked damaged when it was made (:func:`marked_damaged`)."""
    import tempfile

    out = []
    marked = marked_damaged(about, set(_by_session(sums)))
    for sid, own in _by_session(sums).items():
        if packed.folder is not None:
            why = _session_problem(packed.folder / "sessions" / sid)
        else:
            with tempfile.TemporaryDirectory(prefix="improv-check-") as tmp:
                unpack(packed, Path(tmp), own, damaged=[])
                why = _session_problem(Path(tmp) / "sessions" / sid)
        why = why or marked.get(sid)
        if why:
            out.append([sid, why])
    return out


def _checked(about: dict, packed, sums: dict[str, str], problems: list[str],
             damaged: list[list[str]], damaged_files: list[list[str]]) -> dict[str, Any]:
    left_out = left_out_when_made(about)
    marked = marked_damaged(about, set(_by_session(sums)))
    return {"ok": not (problems or damaged or damaged_files or left_out),
            "problems": problems, "damaged": damaged, "damaged_files": damaged_files,
            "damaged_in_store": sorted(sid for sid, _why in damaged if sid in marked),
            "left_out": left_out,
            "sessions": len(_by_session(sums)),
            "clients": sum(1 for rel in sums if rel.startswith(f"{CLIENTS_DIR}/")),
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
    the catalog is rebuilt from them. A session that does not verify, that ``BACKUP.json``
    says was damaged in the store when it was made, or whose files in the backup do not
    match ``SHA256SUMS``, is set aside: not restored (it stays in the backup
    only) and named with what is wrong, so one damaged session never holds back the others.
    A session whose only damage is in one of its own logs (``annotations.jsonl``,
    ``revisions.jsonl``, ``notes.history.jsonl``) is restored, recordings and all, with the
    log as it is, and named (``restored_damaged``): a damaged annotation never costs the
    recordings (review 31, H1). A log's torn last line is no damage (:mod:`sessions.lines`).
    A damaged goal log, ``setups.json``, ``vocabulary.json`` or research key (not matching
    its checksum, or not what a store holds) is set aside the same way.

    Returns
    -------
    dict
        ``sessions`` and ``clients`` (restored), ``files``, ``set_aside`` (``[id, why]``:
        sessions not restored, one line each), ``restored_damaged`` (``[id, why]``: sessions
        restored with a damaged log of their own, one line each), ``left_out``
        (``[file, why]``: store-level files not restored, e.g. ``clients/C07/goals.jsonl``),
        ``not_in_backup`` (what ``BACKUP.json`` says was left out when the backup was made,
        one line each),
        ``created_utc`` (of the backup) and ``indexed`` (sessions in the rebuilt catalog).

    Raises
    ------
    StoreError
        The store is not empty; nothing is changed.
    SessionFormatError
        Not a backup, or a hostile entry (a file with no place in a backup); nothing is
        changed.
    """
    store.require_writable()
    full = _holds_anything(store)
    if full:
        raise StoreError(
            f"the store {store.root} is not empty (it holds {', '.join(full)}): a backup is "
            "restored only into an empty store; choose a new store folder for it")
    with open_packed(path, backup=True) as packed:
        about = _about(packed)
        check_space(packed, store.tmp_dir)
        sums = read_sums(packed, backup=True)
        bad = [p for rel in sums if (p := _layout_problem(rel))]
        if bad:
            raise SessionFormatError(f"{packed.path.name}: {bad[0]}: refused; nothing was "
                                     "restored")
        with scratch.claim(store.tmp_dir, f"restore-store-{secrets.token_hex(4)}") as claim:
            staged = claim.path
            mismatched: list[str] = []
            unpack(packed, staged, sums, damaged=mismatched)
            held = set(_by_session(sums))
            set_aside, with_damage = _damaged_sessions(
                staged, mismatched, marked_damaged(about, held), marked_in_logs_only(about, held))
            left_out = [[rel, f"does not match its checksum in {SUMS} (damaged in the backup)"]
                        for rel in mismatched if not rel.startswith("sessions/")]
            left_out += _store_file_problems(staged, _store_level(sums, set(mismatched)))
            if _holds_anything(store):  # something arrived meanwhile (a recording started)
                raise StoreError(f"the store {store.root} is no longer empty: nothing was "
                                 "restored")
            sessions, clients, files = _move_in(
                store, staged, leave={sid for sid, _why in set_aside},
                leave_files={rel for rel, _why in left_out})
    result = store.reindex()
    return {"sessions": sessions, "clients": clients, "files": files, "set_aside": set_aside,
            "restored_damaged": with_damage, "left_out": left_out,
            "not_in_backup": left_out_when_made(about),
            "created_utc": about.get("created_utc"), "indexed": result["indexed"]}


def _damaged_sessions(staged: Path, mismatched: list[str], marked: dict[str, str],
                      logs_marked: set[str]) -> tuple[list[list[str]], list[list[str]]]:
    """What to do with each unpacked session that is not whole: ``[id, why]`` of those set
    aside (not restored: a file of it does not match ``SHA256SUMS``, damaged in the backup; the
    backup marked it damaged when it was made, ``marked``: ID → why; or it does not verify),
    and of those restored although one of their own logs is damaged (``annotations.jsonl``,
    ``revisions.jsonl``, ``notes.history.jsonl``: every other file verifies, so the recordings
    come back with the log as it is; ``logs_marked``: those the backup marked for a log only).
    """
    out: dict[str, str] = {}
    kept: dict[str, str] = {}
    for rel in mismatched:
        parts = rel.split("/", 2)
        if parts[0] == "sessions" and parts[1] not in out:
            out[parts[1]] = (f"{parts[2]} does not match its checksum in {SUMS} (damaged in "
                             "the backup)")
    sessions_dir = staged / "sessions"
    for folder in sorted(sessions_dir.iterdir()) if sessions_dir.is_dir() else []:
        sid = folder.name
        if sid in out:
            continue
        why, only_logs = session_check(folder)
        mark = marked.get(sid)
        if (why is None or only_logs) and (mark is None or sid in logs_marked):
            if why or mark:
                kept[sid] = why or mark or ""
        elif why or mark:
            out[sid] = why or mark or ""
    return ([[sid, out[sid]] for sid in sorted(out)],
            [[sid, kept[sid]] for sid in sorted(kept)])


def _move_in(store, staged: Path, *, leave: set[str],
             leave_files: set[str]) -> tuple[list[str], list[str], list[str]]:
    """Rename the checked items from ``staged`` into the store (each rename is atomic), all
    but the sessions named in ``leave`` and the store-level files (``clients/<code>/goals.jsonl``,
    ``dataset-key``, …) named in ``leave_files``."""
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
            if f"{CLIENTS_DIR}/{folder.name}/{GOALS_FILE}" in leave_files:
                continue
            with write_errors(store.root / CLIENTS_DIR / folder.name):
                os.rename(folder, store.root / CLIENTS_DIR / folder.name)
            clients.append(folder.name)
        fsync_dir(store.root / CLIENTS_DIR)
    for name in STORE_FILES:
        if (staged / name).exists() and name not in leave_files:
            with write_errors(store.root / name):
                os.rename(staged / name, store.root / name)
            files.append(name)
    fsync_dir(store.root)
    return sessions, clients, files

"""Backing up a whole store, checking a backup, and restoring one into an empty store.

A backup holds everything of the store that is not derived (docs/session-format.md,
"Backups")::

    BACKUP.json                  what it is: format, when, which sessions, what was left out
    SHA256SUMS                   every other file's SHA-256, as sha256sum writes it
    sessions/<id>/…              each complete session folder (no cache/, no lock files)
    clients/<code>/goals.jsonl   each client's treatment goals
    setups.json                  the saved recording setups (if any)
    vocabulary.json              the practice's own annotation tags (if any)
    dataset-key                  the secret of the research export's session_key (if any)

Left out: ``catalog.sqlite`` (an index, rebuilt from the folders on restore), each session's
``cache/`` (derived; measured again when needed), ``tmp/`` and ``locks/`` (a running process's
scratch). A backup is a new owner-only folder or a ``.zip`` file, written under a hidden
name of its own (``.NAME.<pid>-<hex>.partial``) and renamed when complete; a failed or
interrupted backup removes it, and one left by a killed backup (or a power cut) is removed by
the next backup to the same name.

Nothing the store holds is left out silently, and one unreadable item never stops the backup
of the rest: a session being recorded, a session folder that cannot be read (permissions) or
is a link, and a file of a session or a goal log that is a link or cannot be read are left
out and named (in the result and in ``BACKUP.json``), as is a session the catalog lists whose
folder is missing or a file; each session is checked as ``backup --check`` and a restore check
it (:func:`session_problem`), and one that does not verify (a damaged ``session.json``,
``midi.tsv``, annotation log or recording, a folder copied to another ID), a file that no
longer matches its checksum and a damaged goal log are copied as they are and named as
damaged. Such a backup is not whole (``whole`` is False, ``improv backup``
exits 1, ``improv backup --check`` says what it lacks).

It is safe while the web app runs: a session being recorded is left out (and named in the
result); every other session is copied holding its ``audio/`` folder, then its folder, then its
``annotations.jsonl`` shared (the locks that compression, manifest changes and annotation
changes take exclusively, in that order), so no change of the manifest, the MIDI file, the
audio or the annotations happens while it is copied; a client's
goal log is copied holding its folder shared (the lock goal changes take); setups and
vocabulary are replaced atomically by their writers, so a copy is of one version. The
research export's secret (``dataset-key``) is carried so that every ``session_key`` stays the
same after a restore; a damaged one is left out and named (an older backup has it whole).

A backup is restored only into an empty store
(:func:`sessions.backup_restore.restore_store`): everything is checked against ``SHA256SUMS``
and every session verified in ``tmp/`` before anything is moved into the store, then the
catalog is rebuilt. A session that does not verify (a damaged file, in the
store when it was backed up or in the backup since) is set aside and named: the others and
the store's files are restored, and the damaged one stays in the backup only. The research
export's secret comes back with the sessions, so every ``session_key`` stays the same.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from sessions import locks
from sessions import manifest as mf
from sessions.errors import SessionFormatError, StoreError, StoreWriteError
from sessions.packed import (
    name_problem,
    shown,
)
from sessions.partial_output import PartialSink, remove_stale_partials
from sessions.safeio import open_regular

__all__ = ["BACKUP_FILE", "backup_store", "last_backup", "store_files"]

log = logging.getLogger(__name__)

BACKUP_FILE = "BACKUP.json"
FORMAT = "improv-backup"
VERSION = 1
CLIENTS_DIR = "clients"
GOALS_FILE = "goals.jsonl"
#: The research export's secret (``improv.archive.session_keys.KEY_FILE``): 64 hex digits.
DATASET_KEY = "dataset-key"
#: Files at the top of a store that a backup holds (when they exist).
STORE_FILES = ("setups.json", "vocabulary.json", DATASET_KEY)
_KEY_TEXT = re.compile(r"[0-9a-f]{64}\n?")
_SKIP_IN_SESSION = {mf.LOCK, "cache"}
#: The store's record of its last backup (``created_utc``, ``to``, ``sessions``); not backed up.
LAST_BACKUP = "last-backup.json"


def valid_code(code: str) -> bool:
    try:
        mf.check_code(code, what="client")
    except StoreError:
        return False
    return True


def key_problem(path: Path) -> str | None:
    """Why the research export's secret at ``path`` cannot be used, or None: it must be a
    regular file of 64 hex digits (and a line end), as ``improv export-dataset`` makes it."""
    from sessions.safeio import read_regular

    try:
        text = read_regular(path, max_bytes=1024, what="dataset key")
    except SessionFormatError as exc:
        return str(exc)
    if not _KEY_TEXT.fullmatch(text.decode("ascii", "replace")):
        return f"{DATASET_KEY} is damaged (expected 64 hex digits)"
    return None


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def os_words(exc: OSError) -> str:
    """An OSError of reading the store in one line: the file's name and the reason (never a
    raw errno text)."""
    from sessions.fsutil import describe_os_error

    name = Path(exc.filename).name if getattr(exc, "filename", None) else ""
    return f"{name}: {describe_os_error(exc)}" if name else describe_os_error(exc)


def _fault_words(exc: BaseException, folder: Path) -> str:
    """A reason to leave something out or mark it damaged, in one line, with paths inside
    ``folder`` given relative to it."""
    from sessions.errors import fault_text

    if isinstance(exc, OSError) and not isinstance(exc, StoreError):
        return os_words(exc)
    return fault_text(exc).replace(f"{folder}{os.sep}", "")


def _file_reason(exc: BaseException, folder: Path) -> str:
    """Why one named file cannot be copied (its name is said beside it)."""
    from sessions.fsutil import describe_os_error

    if isinstance(exc, OSError) and not isinstance(exc, StoreError):
        return describe_os_error(exc)
    return _fault_words(exc, folder)


def _catalogued(store) -> list[str]:
    """The session IDs the store's catalog lists (none if it cannot be read: the folders are
    what a backup holds, the catalog only says which of them should be there)."""
    import sqlite3

    try:
        return sorted(sid for sid in store.catalog.session_ids() if mf.valid_session_id(sid))
    except (sqlite3.Error, StoreError, OSError) as exc:
        log.debug("the catalog could not be read for the backup: %s", exc)
        return []


def plain_problem(text: str, root: Path) -> str:
    """A problem found in a session folder or a copy of one, said without the folder's path
    (relative to ``root``) and without advice meant for a store ("restore it from a
    backup")."""
    return text.replace(f"{root}{os.sep}", "").replace(
        "; the file is damaged: restore it from a backup", "; the file is damaged")


def session_problem(folder: Path, *, digests: dict[str, str] | None = None,
                    named: frozenset[str] | set[str] = frozenset()) -> str | None:
    """Why a session folder (of the store, or unpacked from a backup) would not be restored
    from a backup, in one line, or None: it was being recorded, or it does not verify
    (:func:`sessions.verify.verify_folder`, as ``improv sessions verify`` says).

    Parameters
    ----------
    folder : Path
    digests : dict of str to str, optional
        SHA-256 of files already read (``verify_folder``'s ``digests``).
    named : set of str
        Files of the session (paths in it) already named otherwise, e.g. left out of a
        backup: problems of these (or of files under them) are not counted again.
    """
    return session_check(folder, digests=digests, named=named)[0]


def session_check(folder: Path, *, digests: dict[str, str] | None = None,
                  named: frozenset[str] | set[str] = frozenset()) -> tuple[str | None, bool]:
    """:func:`session_problem`, and whether every problem is one of the session's own logs
    (``annotations.jsonl``, ``revisions.jsonl``, ``notes.history.jsonl``: its recordings
    verify), which a restore restores with the session (review 31, H1)."""
    from sessions.verify import verify_folder

    if (folder / mf.RECORDING_FLAG).exists():
        return "it was backed up while being recorded", False
    report = verify_folder(folder, digests=digests)
    logs = set(report.get("log_problems", []))
    problems, only_logs = [], True
    for raw in report["problems"]:
        line = plain_problem(raw, folder)
        head = line.split(":", 1)[0]
        if not any(head == n or head.startswith(f"{n}/") for n in named):
            problems.append(line)
            only_logs = only_logs and raw in logs
    if not problems:
        return None, False
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more)" if more else ""), only_logs


def log_words(why: str) -> bool:
    """Whether a problem said in one line (as :func:`session_problem` and ``BACKUP.json``
    say it) is about one of a session's own logs, not its recordings."""
    from sessions.notes import NOTES_HISTORY
    from sessions.revisions import REVISIONS

    head = why.split(":", 1)[0].split(" ", 1)[0]
    return head in (mf.ANNOTATIONS, REVISIONS, NOTES_HISTORY) and " (and " not in why


def store_files(store) -> dict[str, Any]:
    """What a backup of ``store`` would hold, and what it leaves out.

    Returns
    -------
    dict
        ``sessions`` (IDs of the session folders to copy: complete ones, and damaged ones,
        which are copied as they are), ``busy`` (``[id, why]`` of sessions being recorded or
        interrupted), ``unreadable`` (``[id, why]`` of session folders that cannot be read or
        are a link), ``clients`` (codes with a goal log), ``files`` (the store files of
        :data:`STORE_FILES` that exist and are whole), ``left_out`` (``[file, why]``: a
        damaged ``dataset-key``, a client folder that is a link).
    """
    sessions, busy, unreadable = [], [], []
    present = store.session_ids() + store.linked_ids()
    for sid in sorted(set(_catalogued(store)) - set(present)):  # the catalog lists it
        what = ("is not a folder" if os.path.lexists(store.folder(sid))
                else "is missing")
        unreadable.append([sid, f"the catalog lists it, but its folder sessions/{sid} {what}"])
    for sid in sorted(present):  # links: named, not read
        folder = store.folder(sid)
        try:
            if folder.is_symlink():
                unreadable.append([sid, f"the session folder {sid} is a symbolic link; improv "
                                        "does not follow links"])
            elif (folder / mf.RECORDING_FLAG).exists():
                from sessions.recovery import is_interrupted

                busy.append([sid, ("interrupted: run 'improv sessions recover' first"
                                   if store.writable
                                   else f"interrupted; {store.recovery_advice()}")
                             if is_interrupted(folder) else "being recorded now"])
            else:
                sessions.append(sid)
        except OSError as exc:  # one unreadable folder never stops the others
            unreadable.append([sid, f"its folder cannot be read: {_file_reason(exc, folder)}"])
    clients_dir = store.root / CLIENTS_DIR
    clients, files, left_out = [], [], []
    try:
        found = sorted(clients_dir.iterdir()) if clients_dir.is_dir() else []
    except OSError as exc:
        found = []
        left_out.append([CLIENTS_DIR, os_words(exc)])
    for p in found:
        if not valid_code(p.name):  # its goals named: a folder of an older improv ('C07\n')
            if not p.name.startswith(".") and os.path.lexists(p / GOALS_FILE):
                left_out.append([f"{CLIENTS_DIR}/{shown(p.name)}/{GOALS_FILE}",
                                 "the folder's name is not a client code: rename it to the "
                                 "client's code (such as C07) and back up again"])
            continue
        rel = f"{CLIENTS_DIR}/{p.name}/{GOALS_FILE}"
        try:
            if p.is_symlink():
                left_out.append([rel, f"the folder {CLIENTS_DIR}/{p.name} is a symbolic link; "
                                      "improv does not follow links"])
            elif os.path.lexists(p / GOALS_FILE):
                clients.append(p.name)
        except OSError as exc:
            left_out.append([rel, os_words(exc)])
    for name in STORE_FILES:
        if not os.path.lexists(store.root / name):
            continue
        why = key_problem(store.root / name) if name == DATASET_KEY else None
        if why:
            left_out.append([name, why])
        elif (store.root / name).is_file():
            files.append(name)
    return {"sessions": sessions, "busy": busy, "unreadable": unreadable, "clients": clients,
            "files": files, "left_out": left_out}


# -- writing ---------------------------------------------------------------------------------

@contextlib.contextmanager
def session_held(folder: Path) -> Iterator[bool | str]:
    """Hold a session's ``audio/`` folder and then the folder itself shared (the order in
    which a compression run takes them exclusively), and then its ``annotations.jsonl`` shared
    (the lock every annotation change takes on the file itself: :mod:`sessions.locks`), so
    nothing in it changes meanwhile. Yields whether the annotation log exists and is held: one
    made after this began is not copied (the backup is of the session as it was); or why it
    cannot be held (it cannot be opened: it is left out and named).

    The order cannot deadlock: an annotation change releases the file's lock before it takes
    the folder's (``sessions.annotation_edits._refresh``)."""
    with contextlib.ExitStack() as stack:
        audio = folder / mf.AUDIO_DIR
        if audio.is_dir():
            stack.enter_context(locks.folder_lock(audio, shared=True))
        stack.enter_context(locks.folder_lock(folder, shared=True))
        annotations = folder / mf.ANNOTATIONS
        held: bool | str = annotations.is_file() and not annotations.is_symlink()
        if held:
            try:
                stack.enter_context(locks.folder_lock(annotations, shared=True))
            except OSError as exc:  # unreadable: the rest of the session is copied
                held = _file_reason(exc, folder)
        yield held


def session_files(folder: Path) -> list[Path]:
    """The files of a session folder that a backup holds (no cache/, lock or hidden files)."""
    return session_entries(folder)[0]


def session_entries(folder: Path) -> tuple[list[Path], list[list[str]]]:
    """The regular files of a session folder that a backup holds (no cache/, lock or hidden
    files), and ``[file, why]`` of what it cannot hold: a link (never followed), a FIFO or
    device, a folder that cannot be read. Paths in ``why`` are relative to ``folder``."""
    out: list[Path] = []
    omitted: list[list[str]] = []

    def unreadable(exc: OSError) -> None:
        rel = Path(exc.filename).relative_to(folder).as_posix() if exc.filename else "."
        omitted.append([rel, os_words(exc)])

    for dirpath, dirs, names in os.walk(folder, onerror=unreadable):
        here = Path(dirpath)
        top = here == folder
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (top and d in _SKIP_IN_SESSION))
        for d in list(dirs):
            if (here / d).is_symlink():
                dirs.remove(d)
                omitted.append([(here / d).relative_to(folder).as_posix(),
                                "a symbolic link; improv does not follow links"])
        for n in sorted(names):
            if n.startswith(".") or (top and n in _SKIP_IN_SESSION):
                continue
            p = here / n
            rel = p.relative_to(folder).as_posix()
            if name_problem(rel):  # SHA256SUMS could not list it
                omitted.append([shown(rel), name_problem(rel)])
                continue
            try:
                st = p.lstat()
            except OSError as exc:
                omitted.append([rel, _file_reason(exc, folder)])
                continue
            if stat.S_ISLNK(st.st_mode):
                omitted.append([rel, "a symbolic link; improv does not follow links"])
            elif not stat.S_ISREG(st.st_mode):
                omitted.append([rel, "not a regular file"])
            else:
                out.append(p)
    return sorted(out), omitted


def _check_target(store, to: Path) -> None:
    if to.is_symlink():
        where = "a place that does not exist" if not to.exists() else "another place"
        raise StoreError(f"{to} is a symbolic link (to {where}): a backup goes into a new "
                         "folder or .zip file and never through a link; choose another name "
                         "(or remove the link)", parameter="to")
    if to.exists():
        raise StoreError(f"{to} exists already: a backup goes into a new folder or .zip file "
                         "(nothing there is overwritten)", parameter="to")
    if not to.parent.is_dir():
        raise StoreError(f"folder {to.parent} does not exist: create it first (e.g. on the "
                         "backup disk) or choose another place", parameter="to")
    root = store.root.resolve()
    target = to.parent.resolve() / to.name
    if target == root or root in target.parents:
        raise StoreError(f"{to} is inside the store {store.root}: put the backup on another "
                         "disk or folder", parameter="to")


def backup_store(store, to: Path, *,
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Back up ``store`` to the new folder or ``.zip`` file ``to``.

    Parameters
    ----------
    store : sessions.store.Store
    to : Path
        A name that does not exist yet, in a folder that does: a folder, or a file ending in
        ``.zip``.
    progress : callable, optional
        Called with each session ID before it is copied.

    Returns
    -------
    dict
        ``path``, ``sessions`` (IDs backed up), ``clients``, ``files``, ``skipped``
        (``[id, why]``: sessions not in the backup at all: being recorded, deleted meanwhile,
        a session folder that cannot be read or is a link, a session the catalog lists whose
        folder is missing or a file), ``left_out`` (``[file, why]``:
        files not copied, each named by its path in a backup: a damaged ``dataset-key``, a
        goal log or a file of a session that is a link or cannot be read), ``damaged``
        (``[id, file]``: files that no longer match the checksum of their session's
        manifest; copied as they are), ``copied_as_is`` (``[id, why]``: sessions that do not
        verify, e.g. whose ``session.json`` cannot be read: their files are copied as they
        are, and a restore sets them aside),
        ``damaged_files`` (``[file, why]``: a goal log, ``setups.json`` or
        ``vocabulary.json`` that is damaged; copied as it is), ``whole`` (True if none of
        these five lists holds anything: the backup holds all of the store, undamaged),
        ``stale_removed`` (hidden partial backups to the same name left by a killed backup,
        removed first), ``bytes`` (copied) and ``created_utc``. ``BACKUP.json`` records the
        same lists, so ``improv backup --check`` can say what is not in it.

    Raises
    ------
    StoreError
        ``to`` exists (or is a symbolic link), its folder does not, it is inside the store,
        or the disk is full
        (nothing is left at ``to`` then).
    """
    to = Path(to)
    _check_target(store, to)
    stale = remove_stale_partials(to)
    plan = store_files(store)
    created = _utc_now()
    sink = PartialSink(to)
    done, skipped, damaged = [], [*plan["busy"], *plan["unreadable"]], []
    as_is: list[list[str]] = []
    left_out = list(plan["left_out"])
    damaged_files: list[list[str]] = []
    clients: list[str] = []
    finished = False
    try:
        for sid in plan["sessions"]:
            if progress is not None:
                progress(sid)
            why = _copy_session(store.folder(sid), f"sessions/{sid}", sink,
                                damaged=damaged, as_is=as_is, left_out=left_out)
            if why:
                skipped.append([sid, why])
            else:
                done.append(sid)
        for client in plan["clients"]:
            rel = f"{CLIENTS_DIR}/{client}/{GOALS_FILE}"
            log_path = store.root / rel
            try:
                with locks.folder_lock(log_path.parent, shared=True):
                    src = open_regular(log_path, "rb")
                    with src:
                        sink.copy(rel, src)
                    problem = _goal_log_problem(log_path, store.root)
            except StoreWriteError:
                raise
            except (SessionFormatError, OSError) as exc:  # a link, unreadable: the rest goes on
                left_out.append([rel, _fault_words(exc, store.root)])
                continue
            clients.append(client)
            if problem:
                damaged_files.append([rel, problem])
        for name in plan["files"]:
            try:
                src = open_regular(store.root / name, "rb")
            except (SessionFormatError, OSError) as exc:
                left_out.append([name, _fault_words(exc, store.root)])
                continue
            with src:
                sink.copy(name, src)
            if name != DATASET_KEY:
                problem = json_problem(store.root / name)
                if problem:
                    damaged_files.append([name, problem])
        files = [n for n in plan["files"] if n in sink.sums]
        about = {"format": FORMAT, "version": VERSION, "created_utc": created,
                 "sessions": done, "clients": clients, "files": files,
                 "skipped": skipped, "damaged": damaged, "copied_as_is": as_is,
                 "left_out": left_out, "damaged_files": damaged_files}
        sink.write_text(BACKUP_FILE, json.dumps(about, indent=2, ensure_ascii=False) + "\n")
        path = sink.finish()
        finished = True
    finally:
        if not finished:  # a failure, Ctrl-C or SIGTERM (the CLI raises it): nothing left
            sink.abandon()
    _record(store, {"created_utc": created, "to": str(path.resolve()), "sessions": len(done)})
    whole = not (skipped or left_out or damaged or as_is or damaged_files)
    return {"path": str(path), "sessions": done, "clients": clients,
            "files": files, "skipped": skipped, "left_out": left_out,
            "damaged": damaged, "copied_as_is": as_is, "damaged_files": damaged_files,
            "whole": whole, "stale_removed": stale,
            "bytes": sink.bytes, "created_utc": created}


def _copy_session(folder: Path, prefix: str, sink: PartialSink, *, damaged: list, as_is: list,
                  left_out: list) -> str | None:
    """Copy one session folder into ``sink`` under ``prefix`` (``sessions/<id>``), holding its
    locks; None, or why it is not in the backup at all (being recorded, deleted meanwhile,
    unreadable). Appends to ``damaged`` (``[id, file]``: a file that no longer matches its
    manifest's checksum), ``as_is`` (``[id, why]``: a session that does not verify, e.g. whose
    ``session.json`` cannot be read, copied as it is) and ``left_out`` (``[file, why]``: a
    file of it not copied: a link, unreadable)."""
    from sessions.errors import SESSION_FAULTS
    from sessions.fsutil import read_json

    sid = folder.name
    try:
        with session_held(folder) as annotations_held:
            if (folder / mf.RECORDING_FLAG).exists():
                return "being recorded now"
            try:
                recorded = mf.validate(read_json(folder / mf.MANIFEST)).get("checksums") or {}
            except SESSION_FAULTS as exc:  # the recordings are what matters: copied all the same
                recorded = {}
                as_is.append([sid, _fault_words(exc, folder)])
            files, omitted = session_entries(folder)
            copied: dict[str, str] = {}
            for p in files:
                rel = p.relative_to(folder).as_posix()
                if rel == mf.ANNOTATIONS and isinstance(annotations_held, str):
                    omitted.append([rel, annotations_held])
                    continue
                if rel == mf.ANNOTATIONS and not annotations_held:
                    continue  # the first annotation was added after the locks
                try:
                    src = open_regular(p, "rb")
                except FileNotFoundError:
                    raise
                except (SessionFormatError, OSError) as exc:
                    omitted.append([rel, _file_reason(exc, folder)])
                    continue
                with src:
                    digest = copied[rel] = sink.copy(f"{prefix}/{rel}", src)
                if rel in recorded and recorded[rel] != digest:
                    damaged.append([sid, rel])
            if not any(s == sid for s, _why in as_is):  # as a check and a restore verify it
                named = {rel for rel, _why in omitted} | {
                    rel for s, rel in damaged if s == sid}
                if not annotations_held:  # not copied (none, or made after the locks)
                    named.add(mf.ANNOTATIONS)
                why = session_problem(folder, digests=copied, named=named)
                if why:
                    as_is.append([sid, why])
            left_out.extend([f"{prefix}/{rel}", why] for rel, why in omitted)
    except FileNotFoundError:  # deleted while the backup ran
        return "deleted while the backup ran"
    except StoreWriteError:
        raise
    except (SessionFormatError, OSError) as exc:  # a folder that cannot be read or locked
        return _fault_words(exc, folder)
    return None


def _goal_log_problem(path: Path, root: Path) -> str | None:
    """Why a client's goal log is damaged (as ``improv sessions verify --all`` says), or None;
    a log readable by others is not damaged (its copy in a backup is owner-only)."""
    from sessions.goals import verify_log

    problems = [p for p in verify_log(path) if "readable by others" not in p]
    if not problems:
        return None
    return problems[0].replace(f"{root}{os.sep}", "").replace(
        "; the file is damaged: restore it from a backup", "")


def json_problem(path: Path) -> str | None:
    """Why a store's JSON file (``setups.json``, ``vocabulary.json``) is damaged, or None."""
    from sessions.fsutil import read_json

    try:
        read_json(path)
    except (StoreError, OSError) as exc:
        return f"{path.name} is not valid JSON" if isinstance(exc, StoreError) else os_words(exc)
    return None


def _record(store, entry: dict[str, Any]) -> None:
    """Note the backup just made in the store's :data:`LAST_BACKUP` (``improv info`` shows
    it); a store that cannot take it keeps the backup all the same."""
    from sessions.fsutil import atomic_write_json

    if not store.writable:
        return
    try:
        atomic_write_json(store.root / LAST_BACKUP, entry)
    except OSError as exc:
        log.warning("the time of this backup could not be noted in the store: %s",
                    exc.strerror or exc)


def last_backup(store) -> dict[str, Any] | None:
    """The store's last backup made with :func:`backup_store`, or None (none yet, or the note
    is unreadable: it is a reminder, never a reason to fail).

    Returns
    -------
    dict or None
        ``created_utc`` (ISO 8601 with offset), ``to`` (the backup's path then) and
        ``sessions`` (how many it holds).
    """
    from sessions.fsutil import read_json

    if not os.path.lexists(store.root / LAST_BACKUP):
        return None
    try:
        entry = read_json(store.root / LAST_BACKUP)
        datetime.fromisoformat(entry["created_utc"])
    except (StoreError, OSError, TypeError, KeyError, ValueError) as exc:
        log.debug("the note of the last backup is unreadable: %s", exc)
        return None
    return {"created_utc": entry["created_utc"], "to": str(entry.get("to") or ""),
            "sessions": entry.get("sessions") if isinstance(entry.get("sessions"), int)
            else None}

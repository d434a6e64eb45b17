"""Backups from the web app: where the store is, its last backup, *Back up now* and *Check*.

The Backups page (``static/backup.js``) is for the therapist who never opens a terminal. It
calls the same library as ``improv backup`` and ``improv backup --check``:
:func:`sessions.backup.backup_store` (then :func:`sessions.backup_restore.check_backup` on
what it wrote) and :func:`sessions.backup_restore.check_backup` alone for *Check this backup*.

- ``GET /api/backup``: the store's folder, what a backup of it holds and how large it is, the
  last backup (``last_backup``: when, where to, ``ago``), the folder to propose (the last
  backup's folder, else the first backup disk plugged in), the backup disks found
  (:func:`sessions.storeinfo.removable_disks`) and the state of the running or last job.
- ``POST /api/backup`` (``folder``): checks the folder at once (a refusal is one sentence with
  its status: 400 no folder given, not a folder, not writable or inside the store; 404 the
  folder does not exist; 409 a backup or check runs already; 507 the disk has too little
  room), then answers 202 and backs up into a new ``improv-YYYY-MM-DD.zip`` there (``-2``,
  ``-3``… when the day's name is taken, as ``improv info`` proposes) on a worker thread, and
  checks the backup it wrote.
- ``POST /api/backup/check`` (``path``, by default the last backup): checks a backup on the
  worker thread (202; 404 if it is not there, 409 if a job runs).
- ``GET /api/backup/job``: the job's state, polled by the page every second: ``running``,
  ``done`` of ``total`` sessions, ``sentence`` (what is happening or what came of it, in
  plain words), ``ok`` and ``error``.

One job at a time for the whole app (two backups to one disk would only compete for it). A
backup runs on while the page is closed; closing improv stops it at the next session and
removes what it had written (:func:`sessions.backup.backup_store` removes its partial on any
failure), so nothing half-made is left on the disk.
"""

from __future__ import annotations

import errno
import getpass
import logging
import os
import re
import shutil
import sys
import threading
from concurrent.futures import Future
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from improv.reports.wording import backup_item_words, counted, size_words
from improv.web.deps import get_store
from improv.web.errors import BadRequest, Busy, NotFound
from sessions.store import Store

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/backup")

#: Room kept free beyond the backup's size on its disk [bytes] (the zip's own entries, the
#: checksum file, and the disk's file system).
SPARE_BYTES = 1 << 20

_jobs_guard = threading.Lock()


#: A backup's store files in words (``sessions.backup.STORE_FILES``).
_FILE_WORDS = {"setups.json": "The saved setups", "vocabulary.json": "The tags",
               "dataset-key": "The research export's key"}


class DiskFull(HTTPException):
    """507: the backup disk has too little room for the backup."""

    def __init__(self, message: str) -> None:
        super().__init__(507, message)


class _Stopped(Exception):
    """improv is closing: the backup stops at the next session (and removes its partial)."""


def removable_disks() -> list[Path]:
    """The backup disks plugged in now (:func:`sessions.storeinfo.removable_disks`)."""
    from sessions.storeinfo import removable_disks as found

    return found()


def folder_hints(platform: str | None = None) -> dict[str, str]:
    r"""How backup folders are named on this computer's system: ``example`` (a folder to show
    in the field and in refusals) and ``disks`` (where a plugged-in backup disk appears).

    >>> folder_hints("win32")["example"]
    'E:\\'
    >>> folder_hints("darwin")["disks"]
    'on a Mac a backup disk appears in /Volumes/'
    """
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return {"example": "E:\\", "disks": "on Windows a backup disk has a letter, e.g. E:"}
    if platform == "darwin":
        return {"example": "/Volumes/BACKUP",
                "disks": "on a Mac a backup disk appears in /Volumes/"}
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a container)
        user = "you"
    return {"example": f"/media/{user}/BACKUP",
            "disks": f"on Linux a backup disk appears in /media/{user}/"}


def same_disk(folder: Path, store_root: Path) -> bool:
    """Whether ``folder`` is on the disk (file system) of the store: a backup there is lost
    with the computer."""
    try:
        return os.stat(folder).st_dev == os.stat(store_root).st_dev
    except OSError:
        return False


#: Said after a backup into a folder on the store's own disk.
SAME_DISK_WORDS = ("This folder is on the same disk as improv's store: it does not protect "
                   "against losing or breaking this computer. Back up to a backup disk as well.")


def free_bytes(folder: Path) -> int:
    """Free room [bytes] on the disk of ``folder`` for this user."""
    return shutil.disk_usage(folder).free


class BackupJobs:
    """The backup or check that runs now (or ran last), on a thread of its own.

    Parameters
    ----------
    store_path : Path
        The store; the job opens its own :class:`sessions.store.Store`.
    """

    def __init__(self, store_path: Path) -> None:
        self.store_path = Path(store_path)
        self._guard = threading.Lock()
        self._state: dict[str, Any] | None = None
        self._future: Future | None = None

    def state(self) -> dict[str, Any] | None:
        """The running or last job (a copy), or None if none ran since improv started."""
        with self._guard:
            return dict(self._state) if self._state else None

    def running(self) -> bool:
        with self._guard:
            return bool(self._state and self._state["running"])

    def wait(self, timeout: float | None = None) -> None:
        """Block until the job (if any) is finished; ``timeout`` in seconds (tests)."""
        with self._guard:
            fut = self._future
        if fut is not None:
            fut.result(timeout)

    def _begin(self, kind: str, target: Path, total: int, sentence: str, run) -> dict:
        with self._guard:
            if self._state and self._state["running"]:
                raise Busy(_busy_words(self._state))
            self._state = {"kind": kind, "running": True, "to": str(target), "done": 0,
                           "total": total, "sentence": sentence, "ok": None, "error": None,
                           "started_utc": datetime.now(timezone.utc).isoformat(
                               timespec="seconds")}
            self._future = _in_own_thread(run)
            return dict(self._state)

    def _update(self, **changes: Any) -> None:
        with self._guard:
            self._state.update(changes)

    def start_backup(self, to: Path, *, total: int, backup_bytes: int,
                     same_disk: bool = False) -> dict[str, Any]:
        """Back up the store to ``to`` (a new ``.zip``) and check it; the state at the start.

        Parameters
        ----------
        to : Path
            The backup file to make (it does not exist yet; its folder does).
        total : int
            Sessions to back up (for "session 3 of 14").
        backup_bytes : int
            The backup's expected size [bytes], for the full-disk sentence.
        same_disk : bool
            The folder is on the store's own disk: the result sentence says that this does not
            protect against losing the computer (:data:`SAME_DISK_WORDS`).

        Raises
        ------
        Busy
            A backup or check runs already.
        """
        return self._begin("backup", to, total,
                           f"Backing up to {to}…",
                           lambda: self._run_backup(to, total, backup_bytes, same_disk))

    def start_check(self, path: Path) -> dict[str, Any]:
        """Check the backup at ``path``; the state at the start (:class:`Busy` if one runs)."""
        return self._begin("check", path, 0,
                           f"Checking the backup {path}: reading every file…",
                           lambda: self._run_check(path))

    def _run_backup(self, to: Path, total: int, backup_bytes: int,
                    same_disk: bool = False) -> None:
        from sessions.backup import backup_store

        store = Store(self.store_path)
        try:
            started = 0

            def progress(_sid: str) -> None:  # called before each session is copied
                nonlocal started
                if not threading.main_thread().is_alive():  # improv is closing
                    raise _Stopped
                started += 1
                self._update(done=started - 1, sentence=f"Backing up session {started} of "
                                                        f"{max(started, total)} to {to}…")

            result = backup_store(store, to, progress=progress)
        except _Stopped:
            log.warning("the backup to %s was stopped because improv was closed; nothing "
                        "was left there", to)
            self._update(running=False, ok=False,
                         error="The backup was stopped because improv was closed; nothing "
                               "was left on the disk.")
            return
        except Exception as exc:  # noqa: BLE001 - said on the page in one sentence
            words = _failure_words(exc, to=to, backup_bytes=backup_bytes)
            log.warning("backup failed: %s", words)
            self._update(running=False, ok=False, error=words, sentence=words)
            return
        finally:
            store.close()
        path = Path(result["path"])
        self._update(done=len(result["sessions"]), total=len(result["sessions"]),
                     sentence=f"Backed up {counted(len(result['sessions']), 'session')} to "
                              f"{path}; now checking it…")
        try:
            from sessions.backup_restore import check_backup

            check = check_backup(path)
        except Exception as exc:  # noqa: BLE001 - the backup stands; its check failed
            check = {"ok": False, "problems": [_one_line(exc)], "damaged": []}
        sentence = _backup_sentence(result, check)
        if same_disk:
            sentence += " " + SAME_DISK_WORDS
        # ok: the check found nothing damaged and nothing was left out but a session being
        # recorded now (said in the sentence, as everything left out is)
        found = check["problems"] or check["damaged"] or check.get("damaged_files")
        lacking = result["left_out"] or result["copied_as_is"] or result["damaged_files"] \
            or any(why != "being recorded now" for _sid, why in result["skipped"])
        self._update(running=False, ok=not (found or lacking), sentence=sentence, result={
            "path": str(path), "sessions": len(result["sessions"]),
            "bytes": result["bytes"], "created_utc": result["created_utc"],
            "checked": not found, "whole": result["whole"] and check["ok"],
            "same_disk": same_disk})

    def _run_check(self, path: Path) -> None:
        from sessions.backup_restore import check_backup

        try:
            result = check_backup(path)
        except Exception as exc:  # noqa: BLE001 - said on the page in one sentence
            words = f"The backup {path} could not be checked: {_one_line(exc)}."
            self._update(running=False, ok=False, error=words, sentence=words)
            return
        self._update(running=False, ok=result["ok"], sentence=_check_sentence(path, result))


def _in_own_thread(run) -> Future:
    """Run ``run`` on a thread of its own; its Future (for :meth:`BackupJobs.wait`).

    Not on a thread pool's (as :mod:`improv.web.background`): Python joins a pool's threads
    at exit while the main thread still counts as alive, so a backup there could not see that
    improv is closing; a plain thread is joined after the main thread has ended
    (``threading.main_thread().is_alive()`` is False then) and the backup stops at its next
    session."""
    done: Future = Future()

    def body() -> None:
        try:
            run()
        except BaseException as exc:  # noqa: BLE001 - kept for wait(); run() says its own
            done.set_exception(exc)
        else:
            done.set_result(None)

    threading.Thread(target=body, name="improv-backup", daemon=False).start()
    return done


def _busy_words(st: dict[str, Any]) -> str:
    what = "A backup" if st["kind"] == "backup" else "A check of a backup"
    return f"{what} is running already (to {st['to']}): wait until it has finished."


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    return text.splitlines()[0]


def _os_errno(exc: BaseException) -> int | None:
    """The errno of ``exc`` or of the OSError it was raised from."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc.errno
        exc = exc.__cause__ or exc.__context__
    return None


def _failure_words(exc: BaseException, *, to: Path, backup_bytes: int) -> str:
    """A failed backup in one sentence (a full disk said as such)."""
    if _os_errno(exc) in (errno.ENOSPC, errno.EDQUOT):
        return (f"The backup disk is full: the backup needs about {size_words(backup_bytes)}. "
                f"Nothing was left in {to.parent}; make room on the disk or use a larger one.")
    return f"The backup to {to} did not finish: {_one_line(exc)}. Nothing was left there."


def _backup_sentence(result: dict[str, Any], check: dict[str, Any]) -> str:
    """What a backup made and what its check found, in plain sentences."""
    clients = result["clients"]
    what = counted(len(result["sessions"]), "session") + (
        f" and the goals of {counted(len(clients), 'client')}" if clients else "")
    words = f"Backed up {what} ({size_words(result['bytes'])}) to {result['path']}"
    # damage the backup met in the store (said below) is no fault of the backup's copy
    in_store = ({s for s, _rel in result["damaged"]}
                | {s for s, _why in result.get("copied_as_is", [])})
    files_in_store = {rel for rel, _why in result.get("damaged_files", [])}
    found = (check["problems"]
             or [f"session {s}: {why}" for s, why in check["damaged"] if s not in in_store]
             or [f"{rel}: {why}" for rel, why in check.get("damaged_files", [])
                 if rel not in files_in_store])
    if not found and (in_store or files_in_store):
        words += ("; checked: it holds what the store holds, but the damage named below is in "
                  "the store itself, so another backup would copy it again.")
    elif not found:  # what was left out when it was made is said below
        words += "; checked: every file in it is whole."
    else:
        words += (f", but checking it found a problem ({found[0]}): make another backup, on "
                  "another disk if you can.")
    for sid, why in result["skipped"]:
        words += f" Session {sid} is not in it ({why})" + (
            ": back up again when it is finished." if why == "being recorded now" else ".")
    for sid, rel in result["damaged"]:
        words += (f" Session {sid}: {rel} had changed since it was recorded; it was copied "
                  f"as it is ('improv sessions verify {sid}' says what is wrong).")
    for sid, why in result.get("copied_as_is", []):
        words += (f" Session {sid} is damaged ({why}); its files were copied as they are "
                  f"('improv sessions verify {sid}' says what is wrong).")
    for rel, why in result.get("damaged_files", []):
        words += f" {_item_words(rel)} damaged ({why}); copied as it is."
    for name, why in result["left_out"]:
        words += f" {_item_words(name, verb='is not')} in it ({why})" + (
            "; an older backup has it." if name in _FILE_WORDS else ".")
    if result["stale_removed"]:
        words += " An unfinished backup left there earlier was removed."
    return words


def _check_sentence(path: Path, r: dict[str, Any]) -> str:
    if r["ok"]:
        clients = f" and the goals of {counted(r['clients'], 'client')}" if r["clients"] else ""
        return (f"The backup {path} is whole: {counted(r['sessions'], 'session')}{clients}, "
                f"{counted(r['files'], 'file')} ({size_words(r['bytes'])}) match their "
                "checksums.")
    if r["problems"]:
        return (f"The backup {path} is damaged: {counted(len(r['problems']), 'problem')} "
                f"(first: {r['problems'][0]}). Make a new backup.")
    if r["damaged"]:
        sid, why = r["damaged"][0]
        words = (f"The backup {path} holds {counted(len(r['damaged']), 'damaged session')} "
                 f"(first: {sid}: {why}); the others can be restored.")
        # damaged in the store already when the backup was made: a new backup copies it again
        if set(r.get("damaged_in_store", ())) >= {s for s, _why in r["damaged"]}:
            return words + (f" The damage is in the store itself: 'improv sessions verify {sid}' "
                            "says what is wrong there.")
        return words + " Make a new backup."
    if r.get("damaged_files"):
        rel, why = r["damaged_files"][0]
        return (f"The backup {path} holds {counted(len(r['damaged_files']), 'damaged file')} "
                f"(first: {rel}: {why}); the rest can be restored. Make a new backup.")
    return (f"The backup {path} is not whole: {counted(len(r['left_out']), 'item')} left out "
            f"when it was made (first: {r['left_out'][0]}); what it holds matches its "
            "checksums.")


def _item_words(rel: str, *, verb: str = "is") -> str:
    """A file of a backup in words, capitalised, with its verb (``The goals of C07 are``)."""
    if rel in _FILE_WORDS:
        return f"{_FILE_WORDS[rel]} {verb}"
    words = backup_item_words(rel, verb=verb)
    return words[0].upper() + words[1:]


def jobs_of(request: Request) -> BackupJobs:
    """The app's backup jobs (made at the first use)."""
    state = request.app.state
    with _jobs_guard:
        if getattr(state, "backup_jobs", None) is None:
            state.backup_jobs = BackupJobs(Path(state.store_path))
        return state.backup_jobs


def _last(store: Store) -> dict[str, Any] | None:
    from sessions.backup import last_backup
    from sessions.timefmt import ago_words

    last = last_backup(store)
    if last is None:
        return None
    return dict(last, ago=ago_words(last["created_utc"]),
                there=bool(last["to"]) and os.path.exists(last["to"]))


def _proposed(last: dict[str, Any] | None, disks: list[Path]) -> str:
    """The folder to propose: the last backup's, else the first backup disk, else none."""
    if last and last["to"]:
        return str(Path(last["to"]).parent)
    return str(disks[0]) if disks else ""


def _backup_plan(store: Store) -> tuple[dict[str, Any], int]:
    from sessions.backup import store_files
    from sessions.storeinfo import backup_bytes

    plan = store_files(store)
    return plan, backup_bytes(store, plan)


@router.get("")
def overview(request: Request, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Where the store is, what a backup holds, the last backup, the folder to propose."""
    plan, size = _backup_plan(store)
    last = _last(store)
    disks = removable_disks()
    proposed = _proposed(last, disks)
    name = f"improv-{date.today().isoformat()}.zip"
    if proposed and Path(proposed).is_dir():  # the day's name, or -2, -3… if it is taken
        from sessions.storeinfo import backup_targets

        name = backup_targets([Path(proposed)], home=Path.home(), today=date.today())[0].name
    return {"store": str(Path(request.app.state.store_path).absolute()),
            "sessions": len(plan["sessions"]), "clients": len(plan["clients"]),
            "busy": len(plan["busy"]), "backup_bytes": size, "size": size_words(size),
            "last": last, "proposed": proposed, "disks": [str(d) for d in disks], "name": name,
            "hints": folder_hints(),
            "job": jobs_of(request).state()}


@router.get("/job")
def job(request: Request) -> dict[str, Any]:
    """The running or last job (``{"job": null}`` if none ran since improv started)."""
    return {"job": jobs_of(request).state()}


class BackupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    folder: str = Field("", max_length=4096)


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(None, max_length=4096)


def _folder(text: str) -> Path:
    """The folder a therapist typed, as a path (``~`` is the home folder)."""
    text = text.strip()
    if not text:
        raise BadRequest("Give the folder to back up into, e.g. the backup disk's folder.")
    if "\0" in text:
        raise BadRequest("That folder name holds a character no folder name can hold.")
    if os.name == "nt" and re.fullmatch(r"[A-Za-z]:", text):
        text += "\\"  # a drive letter alone ("E:") is the disk's top folder
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        raise BadRequest(f"Give the whole folder, for example {folder_hints()['example']} "
                         f"(not just {text!r}).")
    return folder


@router.post("", status_code=202)
def start_backup(body: BackupBody, request: Request,
                 store: Store = Depends(get_store)) -> JSONResponse:
    """Check the folder, then back up into a new ``improv-YYYY-MM-DD.zip`` in it (202)."""
    from sessions.storeinfo import backup_targets

    jobs = jobs_of(request)
    if jobs.running():  # said before anything else: the page may have been open twice
        raise Busy(_busy_words(jobs.state()))
    folder = _folder(body.folder)
    if not folder.exists():
        raise NotFound(f"The folder {folder} does not exist: plug in the backup disk, or "
                       "create the folder first.")
    if not folder.is_dir():
        raise BadRequest(f"{folder} is a file, not a folder: choose the folder to back up "
                         "into.")
    root = store.root.resolve()
    real = folder.resolve()
    if real == root or root in real.parents:
        raise BadRequest(f"{folder} is inside improv's store itself: a backup there would be "
                         "lost with the store. Choose a folder on the backup disk.")
    if not os.access(real, os.W_OK | os.X_OK):
        raise BadRequest(f"improv may not write into {folder} (a read-only disk, or a "
                         "folder of another user): choose another folder.")
    plan, size = _backup_plan(store)
    try:
        free = free_bytes(real)
    except OSError:
        free = None
    if free is not None and free < size + SPARE_BYTES:
        raise DiskFull(f"The disk of {folder} is too full: the backup needs about "
                       f"{size_words(size + SPARE_BYTES)} and {size_words(free)} is free. "
                       "Make room on it or use another disk.")
    to = backup_targets([folder], home=Path.home(), today=date.today())[0]
    state = jobs.start_backup(to, total=len(plan["sessions"]), backup_bytes=size,
                              same_disk=same_disk(real, root))
    return JSONResponse({"job": state}, status_code=202)


@router.post("/check", status_code=202)
def start_check(body: CheckBody, request: Request,
                store: Store = Depends(get_store)) -> JSONResponse:
    """Check a backup (by default the last one made from this store) against its checksums."""
    jobs = jobs_of(request)
    if jobs.running():
        raise Busy(_busy_words(jobs.state()))
    if body.path is not None and body.path.strip():
        path = _folder(body.path)
    else:
        last = _last(store)
        if not last or not last["to"]:
            raise NotFound("No backup has been made from this store yet: make one first.")
        path = Path(last["to"])
    if not path.exists():
        raise NotFound(f"The backup {path} is not there: plug in the backup disk it is on.")
    state = jobs.start_check(path)
    return JSONResponse({"job": state}, status_code=202)

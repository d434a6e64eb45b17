"""The session store: a folder of session folders plus a catalog.

Layout::

    <store>/
      catalog.sqlite          index of all sessions (rebuildable)
      sessions/<id>/          one self-contained folder per session
      tmp/                    imports are assembled here, then renamed in; deletions and
                              recordings' disk reserves pass through (sessions.scratch)

Every folder is created 0700 and every file 0600.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import sqlite3
import stat
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sessions import annotation_log as ann
from sessions import locks, scratch
from sessions import manifest as mf
from sessions.catalog import (
    CATALOG,
    SIDE_FILES,
    Catalog,
    catalog_kind,
    check_catalog_path,
)
from sessions.errors import (
    SESSION_FAULTS,
    InvalidArgumentError,
    SessionBusyError,
    SessionFormatError,
    StoreError,
    StoreWriteError,
    UnknownSessionError,
    UnreadableSessionError,
    catalog_damaged,
    fault_text,
)
from sessions.fsutil import (
    DIR_MODE,
    atomic_write_json,
    describe_os_error,
    fsync_dir,
    make_dir,
    open_new,
    read_json,
    write_errors,
)
from sessions.recovery import is_interrupted, recover_session
from sessions.safeio import store_folder
from sessions.session import Session, renamed_records
from sessions.writer import SessionWriter

log = logging.getLogger(__name__)


def _disk_full(path: Path) -> bool:
    """True if the file system of ``path`` has (almost) no free space left."""
    try:
        return shutil.disk_usage(path).free < 64 * 1024
    except OSError:
        return False


#: What a store folder may hold besides its catalog (a store whose catalog was removed to be
#: rebuilt holds only these): improv makes them (setups.json: improv.capture.setups,
#: vocabulary.json: sessions.vocabulary, dataset-key: improv.archive.session_keys,
#: last-backup.json: sessions.backup, locks: the inputs being recorded,
#: improv.capture.inputlock).
STORE_NAMES = frozenset({"sessions", "tmp", "clients", "locks", "setups.json",
                         "vocabulary.json", "dataset-key", "last-backup.json", ".DS_Store"})


def _check_is_store(root: Path) -> None:
    """Refuse an existing folder that is not empty and not a store: improv would add its
    folders beside the user's files and make the folder owner-only.

    A store holds improv's ``catalog.sqlite`` (or a damaged one beside ``sessions/``), or
    (its catalog removed, to be rebuilt, or damaged) only what improv makes in a store
    (:data:`STORE_NAMES`, the catalog's own files, the temporary files of a write); an
    empty folder becomes a new store.  A
    ``catalog.sqlite`` that is another program's database (:func:`catalog_kind`) is refused
    before anything is changed: improv would add its tables to it.
    """
    try:
        names = os.listdir(root)
    except OSError:  # unreadable: said when the store is used, as before
        return
    if CATALOG in names:
        kind = catalog_kind(root / CATALOG)
        if kind == "improv" or (kind == "unknown" and "sessions" in names):
            return  # improv's, or a damaged one beside the session folders: rebuilt
        if kind == "other":
            raise StoreError(f"{root} is not an improv store: its {CATALOG} is another "
                             "program's database, which improv leaves alone: give an empty "
                             "or new folder", parameter="root")
    others = [n for n in names if n not in STORE_NAMES and not n.startswith(CATALOG)
              and not (n.startswith(".") and n.endswith(".tmp"))]
    if others:
        raise StoreError(f"{root} is not an improv store and not empty (it holds files or "
                         "folders improv did not make): give an empty or new folder",
                         parameter="root")


def _owner_only_session(folder: Path) -> int:
    """Take the group's and others' permissions off every folder and file of a session folder
    copied in by hand with wider modes (``cp -r`` under umask 022 gives 0755 and 0644: anyone
    on the computer could read the recordings); improv makes its own 0700 and 0600.  Links are
    not followed, and only this user's items are changed.

    Returns
    -------
    int
        How many folders and files were changed (said in a warning if any).
    """
    changed = 0
    uid = os.geteuid()
    for dirpath, dirnames, filenames in os.walk(folder):  # never into a linked folder
        for path in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            try:
                st = os.lstat(path)
                if (stat.S_ISLNK(st.st_mode) or st.st_uid != uid
                        or not st.st_mode & 0o077):
                    continue
                os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o077)
                changed += 1
            except OSError as exc:  # said by verify or where the file is read
                log.debug("could not make %s owner-only: %s", path, exc)
    if changed:
        log.warning("session folder %s was open to other users (%d folders or files, copied "
                    "in by hand?): made owner-only", Path(folder).name, changed)
    return changed


#: How long [s] a deletion waits for other commands to let go of the session (a short
#: annotation or notes change) before it refuses (a backup or an analysis of it runs).
DELETE_WAIT_S = 2.0

#: Why a session ID in ``sessions/`` that is a symbolic link is not read (:meth:`Store.unlisted`).
LINK_PROBLEM = ("cannot be read: its folder is a symbolic link, and improv does not follow "
                "links out of its store: put the folder it points to in its place (or remove "
                "the link)")


class Store:
    """Open (and, unless ``create=False``, create) the store at ``root``.

    Parameters
    ----------
    root : Path
        The store folder.
    create : bool
        Create the folder and catalog if missing.  With ``False`` a missing
        store raises :class:`StoreError`.
    parents : bool
        Create missing parent folders of a new store too.  With ``False`` a new store is
        made only inside a folder that exists (a mistyped path raises :class:`StoreError`
        instead of making a second store in new folders).

    Attributes
    ----------
    created : bool
        True if this call made the store folder (a new, empty store).
    """

    def __init__(self, root: Path | str, *, create: bool = True, parents: bool = True) -> None:
        self.root = Path(root).expanduser()
        self.created = False
        if not self.root.exists():
            if not create:
                raise StoreError(
                    f"no session store at {self.root}: check the path given or "
                    "IMPROV_STORE (a new store is made by 'improv record', 'improv sessions "
                    "import' or 'improv sessions demo')", parameter="root")
            parent = self.root.absolute().parent
            if not parents and not parent.is_dir():
                raise StoreError(
                    f"no folder {parent} to make the new store {self.root.name!r} in: check "
                    f"the path, or create {parent} first if it is meant", parameter="root")
            make_dir(self.root)
            self.created = True
        elif not self.root.is_dir():
            raise StoreError(f"store path {self.root} is not a folder")
        else:
            _check_is_store(self.root)
        self.sessions_dir = self.root / "sessions"
        self.tmp_dir = self.root / "tmp"
        self.check_layout()
        self._writable = os.access(self.root, os.W_OK)
        if self._writable:  # the folder exists now: it is a store (perhaps still empty)
            self._owner_only()
            make_dir(self.sessions_dir)
            make_dir(self.tmp_dir)
        self._catalog: Catalog | None = None

    def check_layout(self) -> None:
        """Raise :class:`StoreError` if a folder improv writes, renames or deletes in
        (``sessions/``, ``tmp/``, ``locks/``, ``clients/`` and a client's folder) is a
        symbolic link or not a folder, or the catalog is a link or not a file; checked
        without following links when the store is opened and again before a session is
        added or deleted."""
        from sessions.goals import CLIENTS_DIR

        store_folder(self.sessions_dir)
        store_folder(self.tmp_dir)
        store_folder(self.root / "locks")  # the inputs being recorded (improv.capture.inputlock)
        clients = self.root / CLIENTS_DIR
        if store_folder(clients):
            with contextlib.suppress(OSError):  # unreadable: said where the goals are read
                for entry in os.scandir(clients):
                    if entry.is_symlink():
                        store_folder(Path(entry.path))  # raises
        check_catalog_path(self.root / CATALOG)

    def discard_if_new(self) -> bool:
        """Remove the store this object made (:attr:`created`) if it still holds nothing: a
        refused import into a new store leaves no empty store behind.

        Only what opening a new store makes is removed (the catalog and its side files, the
        empty ``sessions/``, ``tmp/`` and ``locks/`` folders, the store folder itself); a
        store that holds anything else, or that this object did not make, is left as it is.

        Returns
        -------
        bool
            True if the store folder was removed.
        """
        if not self.created:
            return False
        self.close()
        files = {CATALOG + suffix for suffix in ("", *SIDE_FILES)}
        folders = {"sessions", "tmp", "locks"}
        try:
            names = set(os.listdir(self.root))
            if not names <= files | folders:
                return False
            for name in names & folders:
                if not store_folder(self.root / name) or os.listdir(self.root / name):
                    return False
            for name in names & files:
                if not stat.S_ISREG(os.lstat(self.root / name).st_mode):
                    return False
            for name in names:
                if name in folders:
                    os.rmdir(self.root / name)
                else:
                    os.unlink(self.root / name)
            os.rmdir(self.root)
        except (OSError, StoreError) as exc:  # a file came in meanwhile: the store stays
            log.debug("the new store %s was not removed: %s", self.root, exc)
            return False
        self.created = False
        return True

    def _owner_only(self) -> None:
        """Close a store folder made beforehand with a wider mode (``mkdir`` under umask 022
        gives 0755: anyone could list the session IDs) to 0700, as improv makes its own."""
        st = self.root.stat()
        if st.st_mode & stat.S_ISVTX:  # a shared folder such as /tmp: never made owner-only
            return
        if st.st_mode & 0o077 and st.st_uid == os.geteuid():
            log.warning("store folder %s was open to other users (mode %o): made owner-only",
                        self.root, st.st_mode & 0o777)
            with contextlib.suppress(OSError):
                os.chmod(self.root, DIR_MODE)

    @property
    def writable(self) -> bool:
        """True if this process may change the store (checked when it was opened)."""
        return self._writable

    def require_writable(self) -> None:
        """Raise StoreWriteError if the store cannot be changed."""
        if not self._writable:
            raise StoreWriteError(
                f"store {self.root} is read-only (choose a writable store or set "
                "IMPROV_STORE)", parameter="root")

    def recovery_advice(self) -> str:
        """What to do about an interrupted session of this store, in one clause: recover it,
        or (on a read-only store, where recovery cannot write) recover a writable copy."""
        if self._writable:
            return "run 'improv sessions recover'"
        return (f"the store is read-only, so it cannot be recovered there: copy the store "
                f"folder {self.root} to a writable disk and run 'improv --store COPY sessions "
                "recover' there (COPY: the copied folder)")

    # -- catalog -------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        """The SQLite index (opened on first use; rebuilt if missing)."""
        if self._catalog is None:
            path = self.root / CATALOG
            # a zero-byte file is no catalog either (SQLite would take it as an empty one and
            # list no sessions while the folders hold them)
            # (checked without following a link: a catalog that is a link or a folder is refused)
            fresh = not check_catalog_path(path) or path.stat().st_size == 0
            if fresh and not self._writable:
                # a recording killed in a new store (no catalog until a session is finished)
                # on a disk since made read-only: listed from the folders, as a reindex would
                return self._catalog_in_memory("the store is read-only and has no catalog")
            try:
                self._catalog = Catalog(path, readonly=not self._writable)
            except (sqlite3.OperationalError, StoreWriteError) as exc:
                if fresh and _disk_full(self.root):  # no room for a new catalog
                    self._drop_empty_catalog(path)
                    return self._catalog_in_memory(
                        "the disk is full and the store has no catalog yet: it is made when "
                        "there is space again")
                if (fresh or catalog_damaged(exc) or not _disk_full(self.root)
                        or not isinstance(exc, sqlite3.OperationalError)):
                    raise
                # a full disk has no room for the catalog's WAL index: read it as it is (a
                # change then fails with a one-line error), so sessions can still be listed
                log.warning("the disk of %s is full: the catalog is opened read-only",
                            self.root)
                self._catalog = Catalog(path, readonly=True)
            if fresh:
                self._fill_catalog()
        return self._catalog

    def _catalog_in_memory(self, why: str) -> Catalog:
        """A catalog of the session folders in memory, for this process only (nothing is
        written): a store without a catalog that cannot get one is listed all the same."""
        log.info("%s: the sessions of %s are listed from their folders", why, self.root)
        self._catalog = Catalog(self.root / CATALOG, memory=True)
        self._fill_catalog()
        return self._catalog

    @staticmethod
    def _drop_empty_catalog(path: Path) -> None:
        """Remove an empty catalog file (and empty side files) that a failed creation made: a
        zero-byte catalog is none (it would be taken for one until space is free)."""
        for suffix in ("", *SIDE_FILES):
            side = path.with_name(path.name + suffix)
            with contextlib.suppress(OSError):
                if stat.S_ISREG(side.lstat().st_mode) and side.lstat().st_size == 0:
                    side.unlink()

    def close(self) -> None:
        if self._catalog is not None:
            self._catalog.close()
            self._catalog = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- sessions ------------------------------------------------------------------

    def folder(self, session_id: str) -> Path:
        return self.sessions_dir / session_id

    def _entries(self) -> tuple[list[str], list[str]]:
        """The session IDs in ``sessions/``: of real folders, and of symbolic links (looked
        at without following them), each oldest first."""
        if not store_folder(self.sessions_dir):
            return [], []
        folders, links = [], []
        with os.scandir(self.sessions_dir) as entries:
            for entry in entries:
                if not mf.valid_session_id(entry.name):
                    continue
                try:
                    if entry.is_symlink():
                        links.append(entry.name)
                    elif entry.is_dir(follow_symlinks=False):
                        folders.append(entry.name)
                except FileNotFoundError:  # removed since the listing
                    continue
        return sorted(folders), sorted(links)

    def session_ids(self) -> list[str]:
        """IDs of every session folder, oldest first.

        A symbolic link in ``sessions/`` is not a session folder: improv never reads, writes
        or deletes through it (the data would be outside the store); :meth:`linked_ids`
        names them and :meth:`unlisted` reports them as unreadable.
        """
        return self._entries()[0]

    def linked_ids(self) -> list[str]:
        """Session IDs in ``sessions/`` that are symbolic links (never followed), oldest
        first."""
        return self._entries()[1]

    def session(self, session_id: str) -> Session:
        """Open a completed session for reading.

        Raises
        ------
        UnknownSessionError
            If there is no such session (the message suggests ``sessions list``).
        SessionBusyError
            If it is still being recorded.
        UnreadableSessionError
            If its manifest cannot be read (damaged, changed outside improv, or written by a
            newer improv); nothing in its folder is changed, and the catalog lists it as
            ``unreadable`` from now on (:meth:`note_readability`), so every list says so
            whichever command found it.
        """
        folder = self.existing(session_id)
        if (folder / mf.RECORDING_FLAG).exists():
            if is_interrupted(folder):
                raise SessionFormatError(
                    f"session {session_id} was interrupted; {self.recovery_advice()}")
            # the lock is held: by its recorder, or for a moment by another improv process
            # recovering it (every command recovers interrupted sessions first)
            raise SessionBusyError(
                f"session {session_id} is being recorded, or recovered by another improv "
                "process (then try again in a moment)")
        try:
            return Session(folder)
        except SessionFormatError as exc:
            self.note_readability(session_id, readable=False)  # the failure path only
            raise UnreadableSessionError(session_id, str(exc)) from None

    def existing(self, session_id: str) -> Path:
        """The folder of session ``session_id``, which must exist (it may be being recorded).

        Raises
        ------
        UnknownSessionError
            Not a session ID, or no such session (the message suggests ``sessions list``).
        """
        if not isinstance(session_id, str) or not mf.valid_session_id(session_id):
            raise UnknownSessionError(
                f"{session_id!r} is not a session ID (IDs look like 20261127-093012-3fa2; "
                "see 'improv sessions list')"
            )
        folder = self.folder(session_id)
        if not (folder / mf.MANIFEST).exists():
            raise UnknownSessionError(
                f"no session {session_id} in {self.root} (see 'improv sessions list')"
            )
        return folder

    def list(self, *, client: str | None = None) -> list[dict[str, Any]]:
        """Catalog rows of the sessions, newest first."""
        return self.catalog.sessions(client=client)

    def unlisted(self, *, client: str | None = None) -> list[dict[str, Any]]:
        """Session folders that the catalog does not list (a session that cannot be read, a
        folder copied in), so that a list can show them instead of hiding them.

        Parameters
        ----------
        client : str, optional
            Only those of this client, and those whose client cannot be read (they may be
            this client's).

        Returns
        -------
        list of dict
            ``id``, ``client`` (None if it cannot be read), ``status`` (``"unreadable"``, or
            ``"not catalogued"`` for a readable folder the catalog does not list yet) and
            ``problem``: why, in plain words with what to do; oldest first. A session being
            recorded is not among them.
        """
        listed = self.catalog.session_ids()
        folders, links = self._entries()
        out = [{"id": sid, "client": None, "status": "unreadable", "problem": LINK_PROBLEM}
               for sid in links]
        for sid in folders:
            if sid in listed:
                continue
            folder = self.folder(sid)
            row: dict[str, Any] = {"id": sid, "client": None, "status": "not catalogued",
                                   "problem": "not in the catalog: run 'improv sessions reindex'"}
            try:
                if (folder / mf.RECORDING_FLAG).exists():
                    if not self._writable and is_interrupted(folder):  # not recovered at start
                        row["status"] = "interrupted"
                        with contextlib.suppress(*SESSION_FAULTS):
                            row["client"] = read_json(folder / mf.MANIFEST).get("client")
                        row["problem"] = f"interrupted; {self.recovery_advice()}"
                        out.append(row)
                    continue
                manifest = Session(folder).manifest
                row["client"] = manifest.get("client")
                self._index_records(folder, manifest)
            except SESSION_FAULTS as exc:
                why = fault_text(exc)
                if isinstance(exc, OSError) and not isinstance(exc, StoreError):
                    why = f"{Path(exc.filename or sid).name}: {describe_os_error(exc)}"
                row["status"], row["problem"] = "unreadable", f"cannot be read: {why}"
            out.append(row)
        out.sort(key=lambda r: r["id"])
        if client is not None:
            folded = client.casefold()
            out = [r for r in out if r["client"] is None or r["client"].casefold() == folded]
        return out

    def new_session_id(self, started: datetime) -> str:
        stamp = started.astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")
        for _ in range(100):
            sid = f"{stamp}-{secrets.token_hex(2)}"
            if not self.folder(sid).exists() and not (self.tmp_dir / sid).exists():
                return sid
        raise StoreError("could not find a free session ID")  # pragma: no cover

    def new_manifest(
        self,
        *,
        client: str | None,
        players: Iterable[str],
        therapist: str | None = None,
        title: str | None = None,
        source: str = "recorded",
        demo: bool = False,
        started: datetime | None = None,
        settings: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A fresh manifest (no files written)."""
        self.require_writable()
        started = started or datetime.now(timezone.utc)
        if started.tzinfo is None:
            raise InvalidArgumentError("started must be timezone-aware", parameter="started")
        if client is not None:
            mf.check_code(client, what="client")
        if therapist is not None:
            mf.check_code(therapist, what="therapist")
        names = [mf.check_player_name(p) for p in players]
        if len(set(names)) != len(names):
            raise InvalidArgumentError(f"player names must be unique, got {names}",
                                       parameter="players")
        return {
            "format": mf.FORMAT_NAME,
            "schema_version": mf.SCHEMA_VERSION,
            "id": self.new_session_id(started),
            "status": "recording",
            "source": source,
            "demo": bool(demo),
            "client": client,
            "therapist": therapist,
            "title": title,
            "started_utc": started.astimezone(timezone.utc).isoformat(timespec="microseconds"),
            "duration_s": None,
            "players": [{"name": n} for n in names],
            "audio": [],
            "midi": {"file": mf.MIDI_LOG, "ports": [], "events": 0},
            "settings": settings or {},
        }

    def create_session(
        self,
        *,
        client: str | None,
        players: Iterable[str],
        therapist: str | None = None,
        title: str | None = None,
        source: str = "recorded",
        demo: bool = False,
        started: datetime | None = None,
        settings: dict[str, Any] | None = None,
        flush_interval: float = 0.5,
    ) -> SessionWriter:
        """Start a new session and return its writer.

        The folder is flagged ``RECORDING`` until :meth:`SessionWriter.finalize`;
        if the process dies first, the next :meth:`recover` completes it.

        Parameters
        ----------
        client, therapist : str, optional
            Pseudonym codes (e.g. ``C07``); never names.
        players : iterable of str
            Player names, e.g. ``["client", "therapist"]``.
        started : datetime, optional
            UTC start (timezone-aware); now by default.
        settings : dict, optional
            Free-form recording settings stored in the manifest (setup name ...).
        """
        manifest = self.new_manifest(
            client=client, players=players, therapist=therapist, title=title,
            source=source, demo=demo, started=started, settings=settings,
        )
        folder = self.folder(manifest["id"])
        self.check_layout()
        make_dir(self.sessions_dir)
        with write_errors(folder):
            folder.mkdir(mode=0o700)
        # the lock before the flag: a folder flagged RECORDING without a held lock is taken
        # for interrupted, and another process's recovery would complete it under the writer
        lockfile = None
        try:
            lockfile = locks.hold(folder / mf.LOCK)
            with open_new(folder / mf.RECORDING_FLAG, "x") as f:
                f.write(f"{os.getpid()}\n")
            atomic_write_json(folder / mf.MANIFEST, manifest)
            fsync_dir(self.sessions_dir)
            return SessionWriter(folder, manifest, flush_interval=flush_interval,
                                 on_finalize=self._index, lockfile=lockfile)
        except BaseException:
            if lockfile is not None:
                with contextlib.suppress(OSError):
                    lockfile.close()
            # a full disk before anything was recorded: no folder holding only its lock
            # (which no command could list, verify or delete)
            self._remove_if_never_started(manifest["id"], before_manifest=False)
            raise

    def note_readability(self, session_id: str, *, readable: bool) -> None:
        """Keep the catalog's word on whether a session can be read in step with its folder,
        as found when it was opened: a session that could not be read is listed as
        ``unreadable`` (:meth:`Catalog.mark_unreadable`; :meth:`session` does so whenever
        it fails) instead of as it was catalogued, and
        one listed so that reads again (restored from a backup) is catalogued again from its
        manifest. Nothing on a read-only store; a catalog that cannot be written is left as
        it is (the next reindex mends it)."""
        if not self._writable:
            return
        with contextlib.suppress(StoreError, sqlite3.Error, OSError):
            if not readable:
                self.catalog.mark_unreadable(session_id)
            elif self.catalog.status(session_id) == "unreadable":
                self._index(Session(self.folder(session_id)).manifest)

    def reread_unreadable(self) -> list[str]:
        """Catalog again, from its manifest, every session the catalog lists as
        ``unreadable`` whose folder reads now (restored from a backup, its permissions
        mended): the lists show it as it is, not only once its page is opened or the store is
        reindexed. Only those sessions are read (none, mostly: one query); nothing on a
        read-only store.

        Returns
        -------
        list of str
            The IDs catalogued again.
        """
        if not self._writable:
            return []
        again = []
        with contextlib.suppress(sqlite3.Error):
            ids = [r[0] for r in self.catalog.db.execute(
                "SELECT id FROM sessions WHERE status = 'unreadable'")]
            for sid in ids:
                folder = self.folder(sid)
                try:
                    if folder.is_symlink() or (folder / mf.RECORDING_FLAG).exists():
                        continue
                    Session(folder)
                except SESSION_FAULTS:
                    continue
                self.note_readability(sid, readable=True)
                if self.catalog.status(sid) != "unreadable":
                    again.append(sid)
        return again

    def _index(self, manifest: dict[str, Any]) -> None:
        folder = self.folder(manifest["id"])
        self.catalog.put_session(manifest, self._index_records(folder, manifest))

    @staticmethod
    def _index_records(folder: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
        """The annotations the catalog holds of a session: a renamed player's under its
        current name, as Session.annotations()."""
        return ann.fold(renamed_records(folder, manifest,
                                        ann.read_records(folder / mf.ANNOTATIONS)))

    # -- recovery --------------------------------------------------------------------

    def interrupted(self) -> list[str]:
        """IDs of sessions whose recording was interrupted (writer gone), and of folders
        left holding only a lock by a creation that failed (before session 21)."""
        found = []
        for sid in self.session_ids():  # never a link: recovery writes in the folder
            folder = self.folder(sid)
            try:
                if (folder / mf.RECORDING_FLAG).exists():
                    if is_interrupted(folder):
                        found.append(sid)
                elif ((folder / mf.LOCK).exists() and not (folder / mf.MANIFEST).exists()
                      and not locks.is_held(folder / mf.LOCK)):
                    found.append(sid)
            except OSError:  # unreadable: reported where the session is listed or read
                continue
        return found

    def recover(self) -> list[dict[str, Any]]:
        """Recover every interrupted session; returns a report per session.

        Each report has ``id``, ``ok`` and either the recovered counts
        (``midi_events``, ``audio_frames``, ``annotations``, ``duration_s``) or
        ``error``.  One broken session does not stop the others.
        """
        reports = []
        for sid in self.interrupted():
            if self._remove_if_never_started(sid):
                continue
            try:
                manifest = recover_session(self.folder(sid))
                self._index(manifest)
            except SESSION_FAULTS as exc:
                # the caller reports it (the command line as "warning: ..."): not twice
                log.debug("could not recover session %s: %s", sid, exc)
                reports.append({"id": sid, "ok": False, "error": fault_text(exc)})
                continue
            rec = manifest.get("recovery", {})
            reports.append(
                {
                    "id": sid,
                    "ok": True,
                    "midi_events": rec.get("midi_events", 0),
                    "audio_frames": rec.get("audio_frames", {}),
                    "annotations": rec.get("annotations", 0),
                    "duration_s": manifest["duration_s"],
                }
            )
        return reports

    def _remove_if_never_started(self, session_id: str, *, before_manifest: bool = True) -> bool:
        """Remove a folder that a process died in (or failed in, the disk full) while creating
        it: it holds only the ``RECORDING`` flag and the lock (and, with
        ``before_manifest=False``, the manifest of a session that never recorded anything),
        so nothing was recorded (it stayed as a session that could neither be recovered nor
        deleted)."""
        folder = self.folder(session_id)
        try:
            names = {p.name for p in folder.iterdir()}
        except OSError:
            return False
        allowed = {mf.RECORDING_FLAG, mf.LOCK} | (set() if before_manifest else {mf.MANIFEST})
        if (before_manifest and mf.MANIFEST in names) or not names <= allowed:
            return False
        for name in names:
            (folder / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty after all: leave it
            folder.rmdir()
            log.info("removed session folder %s: its creation was interrupted before anything "
                     "was recorded", session_id)
        return not folder.exists()

    def reindex(self) -> dict[str, Any]:
        """Rebuild the catalog from the session folders.

        A catalog that SQLite cannot read (damaged, cut short, a table missing) is kept beside
        as ``catalog.sqlite.damaged-<UTC time>`` and a new one is built: the catalog is only an
        index of the folders.

        Returns ``indexed`` (count), ``skipped`` (``[id, reason]`` pairs for folders that are
        being recorded or cannot be read) and ``damaged_kept_as`` (file name, or None). A
        folder that cannot be read keeps the row it had, with the status ``unreadable``
        (:meth:`Catalog.mark_unreadable`), until it is read again.
        """
        self.require_writable()
        try:
            check = self.catalog.db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            for table in ("sessions", "players", "annotations", "annotation_tags", "features"):
                self.catalog.db.execute(f"SELECT 1 FROM {table} LIMIT 0")  # all there?
        except sqlite3.DatabaseError as exc:
            if not catalog_damaged(exc):
                raise  # in use by another process, a full disk: the catalog is healthy
            kept = self._set_catalog_aside(exc)
            self._catalog = Catalog(self.root / CATALOG)
            result = self._fill_catalog()
            del result["ids"]
            return {**result, "damaged_kept_as": kept}
        # rows are updated in place and the others removed at the end, not cleared first: a
        # reindex that fails midway (a full disk) leaves the catalog as it was
        result = self._fill_catalog()
        self.catalog.keep_only(result.pop("ids"))
        return {**result, "damaged_kept_as": None}

    def _set_catalog_aside(self, exc: Exception) -> str:
        """Rename a damaged catalog (and its WAL or journal files) out of the way; returns the
        new name."""
        if self._catalog is not None:
            with contextlib.suppress(sqlite3.Error):
                self._catalog.close()
            self._catalog = None
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        name = f"{CATALOG}.damaged-{stamp}"
        log.warning("catalog %s is damaged (%s); keeping it as %s and rebuilding",
                    self.root / CATALOG, exc, name)
        for suffix in ("", *SIDE_FILES):
            src = self.root / (CATALOG + suffix)
            if src.exists():
                os.replace(src, self.root / (name + suffix))
        return name

    def _fill_catalog(self) -> dict[str, Any]:
        """Index every session folder into the (empty) catalog."""
        indexed, skipped, ids = 0, [], []
        for sid in self.session_ids():
            folder = self.folder(sid)
            try:  # an unreadable folder (permissions) is reported too: the others go on
                if (folder / mf.RECORDING_FLAG).exists():
                    skipped.append([sid, "recording or interrupted"])
                    continue
                self._index(Session(folder).manifest)
                indexed += 1
                ids.append(sid)
                if self._writable:
                    _owner_only_session(folder)
            except SESSION_FAULTS as exc:  # reported for this session; the others go on
                why = fault_text(exc)
                # a session catalogued before keeps its row, marked unreadable: removing it
                # renumbered the client's later sessions ("Session 7" became 6) and hid it
                if self.catalog.mark_unreadable(sid):
                    ids.append(sid)
                    why += ("; its catalog entry is kept, marked unreadable, so that the "
                            "sessions after it keep their numbers")
                skipped.append([sid, why])
        from sessions.goals import index_all

        skipped += [[f"goals of {c}", why] for c, why in index_all(self)]
        return {"indexed": indexed, "skipped": skipped, "ids": ids}

    # -- deletion --------------------------------------------------------------------

    def delete(self, session_id: str, *, wait_s: float = DELETE_WAIT_S) -> None:
        """Remove a session's folder and catalog rows.

        The folder is first renamed into ``tmp/`` (atomic), so a crash midway
        never leaves a half-deleted session in the list.  It is renamed only while no other
        process holds the session's locks (:func:`sessions.locks.all_free`): a backup then
        copies a session whole or not at all, and a compression or analysis never loses its
        files midway.  A short change (an annotation) is waited for, up to ``wait_s`` seconds
        (:data:`DELETE_WAIT_S`; the web app waits longer, having stopped its own analysis of
        the session).

        Raises
        ------
        SessionBusyError
            It is being recorded, or another command still uses it (nothing is changed).
        """
        folder = self.existing(session_id)
        self.require_writable()
        self.check_layout()  # never renamed through a link into (or out of) another folder
        if (folder / mf.RECORDING_FLAG).exists() and not is_interrupted(folder):
            raise SessionBusyError(f"session {session_id} is being recorded; stop it first")
        # the locks the session's other users take (sessions.locks): a backup copying it, an
        # analysis or compression reading its audio, an annotation or notes change; a short
        # change is waited for, a long one (a backup, an analysis) refuses the deletion
        held = [folder / mf.AUDIO_DIR, folder, folder / mf.ANNOTATIONS]
        deadline = time.monotonic() + wait_s
        # a crash after the rename leaves the folder in tmp/ to sweep_tmp()
        with scratch.claim(self.tmp_dir, f"deleted-{session_id}-{secrets.token_hex(2)}") as trash:
            while True:
                with locks.all_free(held) as free:
                    if free:
                        if not folder.exists():  # deleted meanwhile by another process
                            raise UnknownSessionError(
                                f"no session {session_id} in {self.root} (it was deleted "
                                "meanwhile; see 'improv sessions list')")
                        with write_errors(folder):
                            os.rename(folder, trash.path)
                        fsync_dir(self.sessions_dir)
                        try:
                            self.catalog.delete_session(session_id)
                        except BaseException:
                            os.rename(trash.path, folder)  # keep the store as it was
                            raise
                        break
                if time.monotonic() >= deadline:
                    raise SessionBusyError(
                        f"session {session_id} is in use by another improv command (a backup, "
                        "an analysis, a compression or a change of its annotations or notes): "
                        "nothing was deleted; try again when it has finished")
                time.sleep(0.05)

    def sweep_tmp(self) -> list[str]:
        """Remove what interrupted imports, deletions and recordings left in ``tmp/``.

        Returns the names of the removed items (see :mod:`sessions.scratch`).
        """
        self.require_writable()
        store_folder(self.tmp_dir)
        return scratch.sweep(self.tmp_dir)

    def commit_folder(self, staged: Path) -> str:
        """Move a fully written session folder from ``tmp/`` into the store and index it."""
        manifest = mf.validate(read_json(staged / mf.MANIFEST))
        self.check_layout()
        target = self.folder(manifest["id"])
        if target.exists():
            raise StoreError(f"session {manifest['id']} exists already")
        with write_errors(target):
            os.rename(staged, target)
        fsync_dir(self.sessions_dir)
        try:
            self._index(manifest)
        except BaseException:
            os.rename(target, staged)  # keep the store as it was
            raise
        return manifest["id"]

"""The catalog: one SQLite database indexing every session of a store.

The session folders are the truth; the catalog is an index for queries across
sessions (all sessions of a client, annotations by tag, feature summaries over
time) and can always be rebuilt from the folders (``improv sessions
reindex``).  Its schema evolves through named migrations recorded in the
``migrations`` table.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from sessions.annotation_log import unconfirmed_suggestion
from sessions.fsutil import FILE_MODE, open_new, write_errors
from sessions.goals import CATALOG_SQL as GOALS_SQL
from sessions.names import match_name

log = logging.getLogger(__name__)

#: A session's running number among its client's sessions (1 for the first, by start time, then
#: ID), as SQL over the ``sessions`` table: "Session 7" in every list, page and export. A
#: session whose folder cannot be read keeps its row (:meth:`Catalog.mark_unreadable`), so the
#: numbers after it stay.
SESSION_NUMBER = "ROW_NUMBER() OVER (PARTITION BY client ORDER BY started_utc, id)"

CATALOG = "catalog.sqlite"

#: The catalog's SQLite ``application_id`` ("IMPV"), in the file's header: set in every catalog
#: improv makes (since December 2026) and in an older one when it is opened, so that a folder
#: holding another program's ``catalog.sqlite`` is never taken for a store
#: (:func:`catalog_kind`).
APPLICATION_ID = 0x494D5056

#: The files SQLite keeps beside the catalog, by suffix: the write-ahead log and its index
#: (WAL mode, improv's), and the rollback journal (an older catalog, or one SQLite could
#: not switch to WAL).
SIDE_FILES = ("-wal", "-shm", "-journal")


def check_catalog_path(path: Path) -> bool:
    """Whether the catalog file ``path`` is there (True for a regular file, False if nothing
    is there), checked without following links, with SQLite's files beside it
    (:data:`SIDE_FILES`: ``-wal``, ``-shm`` and the rollback ``-journal``).

    Raises
    ------
    StoreError
        The catalog (or one of its side files) is a symbolic link (SQLite would read, write,
        create and delete files where it points), a folder, or anything else than a regular
        file; the message says what to move.
    """
    import os
    import stat

    from sessions.errors import StoreError
    from sessions.safeio import _kind

    path = Path(path)
    there = False
    for suffix in ("", *SIDE_FILES):
        p = path.with_name(path.name + suffix)
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode):
            there = there or not suffix
            continue
        if stat.S_ISLNK(st.st_mode):
            raise StoreError(f"{p} is a symbolic link; improv does not follow links out of its "
                             "store: remove the link (improv builds the catalog again from the "
                             "session folders)")
        raise StoreError(f"{p} is {_kind(st.st_mode)}, not the catalog file: move it out of "
                         "the store (or rename it); improv builds the catalog again from the "
                         "session folders")
    return there

def catalog_kind(path: Path) -> str:
    """Whose database the file ``path`` is, read without writing anything (not even SQLite's
    side files).

    Returns
    -------
    str
        ``"improv"``: its header carries :data:`APPLICATION_ID`, or (an older catalog) its
        ``migrations`` table names improv's first migration; ``"other"``: an SQLite
        database with another application ID or other tables only (another program's);
        ``"unknown"``: no regular file, empty, unreadable, not an SQLite database or one
        without tables (a damaged catalog, or one whose tables are still in its write-ahead
        log: improv's, if the folder holds nothing else).
    """
    import os
    import stat
    from urllib.parse import quote

    path = Path(path)
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size < 100:
            return "unknown"
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
        try:
            header = os.read(fd, 100)
        finally:
            os.close(fd)
    except OSError:
        return "unknown"
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return "unknown"
    app_id = int.from_bytes(header[68:72], "big")
    if app_id == APPLICATION_ID:
        return "improv"
    if app_id:
        return "other"
    # immutable: SQLite neither locks nor writes the file, and makes no -wal/-shm/-journal
    uri = f"file:{quote(str(path.absolute()))}?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            tables = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            try:  # another program's "migrations" table may have no "name"
                ours = "migrations" in tables and db.execute(
                    "SELECT 1 FROM migrations WHERE name = ?", (MIGRATIONS[0][0],)).fetchone()
            except sqlite3.Error:
                ours = None
        finally:
            db.close()
    except sqlite3.Error:
        return "unknown"
    if not tables:
        return "unknown"
    return "improv" if ours else "other"


MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            client TEXT,
            therapist TEXT,
            title TEXT,
            started_utc TEXT NOT NULL,
            duration_s REAL,
            status TEXT NOT NULL,
            source TEXT,
            demo INTEGER NOT NULL DEFAULT 0,
            midi_events INTEGER NOT NULL DEFAULT 0,
            audio_inputs INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sessions_client ON sessions(client, started_utc);
        CREATE TABLE players (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            kinds TEXT NOT NULL,
            PRIMARY KEY (session_id, name)
        );
        CREATE TABLE annotations (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            t REAL NOT NULL,
            end_t REAL,
            player TEXT,
            tags TEXT NOT NULL,
            text TEXT NOT NULL,
            source TEXT,
            by TEXT,
            created_utc TEXT,
            edited_utc TEXT,
            PRIMARY KEY (session_id, id)
        );
        CREATE INDEX annotations_t ON annotations(session_id, t);
        CREATE TABLE annotation_tags (
            session_id TEXT NOT NULL,
            annotation_id TEXT NOT NULL,
            tag TEXT NOT NULL,
            FOREIGN KEY (session_id, annotation_id)
                REFERENCES annotations(session_id, id) ON DELETE CASCADE
        );
        CREATE INDEX annotation_tags_tag ON annotation_tags(tag);
        CREATE TABLE features (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            player TEXT NOT NULL,
            analysis_key TEXT NOT NULL,
            name TEXT NOT NULL,
            value REAL,
            text TEXT,
            PRIMARY KEY (session_id, player, name)
        );
        """,
    ),
    ("0002_goals", GOALS_SQL),  # treatment goals per client (sessions.goals)
    # the tags' foreign key, indexed: without it each annotation a session's rewrite deleted
    # scanned the whole of annotation_tags (a reindex of 2,445 sessions: 229 s; review 33)
    ("0003_annotation_tags_fk",
     "CREATE INDEX annotation_tags_fk ON annotation_tags(session_id, annotation_id);"),
]


class Catalog:
    """The store's SQLite index.

    Parameters
    ----------
    path : Path
        The database file (created 0600 with its schema if missing).
    readonly : bool
        Open without creating or migrating (for listings on a read-only store).
    memory : bool
        Make an empty catalog in memory instead (``path`` is not opened): a store that has
        no catalog file and cannot get one (a read-only or full disk) is listed from its
        folders into it.

    Notes
    -----
    One Catalog may be opened in one thread and used or closed in another (a
    web request's dependency teardown runs on another worker thread), but not
    by two threads at once: give each thread or request its own Store.
    """

    def __init__(self, path: Path, *, readonly: bool = False, memory: bool = False) -> None:
        self.path = Path(path)
        if memory:  # an index of the folders for this process only: nothing is written
            self.db = sqlite3.connect(":memory:", check_same_thread=False)
            self._prepare()
            self._migrate()
            return
        # never through a link, nor at a folder: SQLite would create, chmod and delete
        # files where the link points
        new = not check_catalog_path(self.path) or self.path.stat().st_size == 0
        if new and not readonly:
            with open_new(self.path, "ab"):  # 0600 from the start; no O_EXCL: others may race
                pass
        if readonly:
            # immutable: a read-only disk cannot hold the WAL index (-shm) either
            uri = f"file:{self.path}?mode=ro&immutable=1"
            self.db = sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)
        else:
            with write_errors(self.path):
                self.db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        self._prepare()
        if not readonly:
            with write_errors(self.path):
                if new:  # in the file's header before the WAL holds anything (catalog_kind)
                    self._set_application_id()
                self._set_wal()
                self._migrate()
                if not new:  # an older catalog: marked too
                    self._set_application_id()
                _owner_only(self.path)

    def _prepare(self) -> None:
        self.db.row_factory = sqlite3.Row
        # the one rule of which annotations are the therapist's (own_annotation_counts)
        self.db.create_function("unconfirmed_suggestion", 2, _unconfirmed_suggestion,
                                deterministic=True)
        self.db.execute("PRAGMA foreign_keys = ON")
        # deleted rows (a deleted session's notes, codes, titles) are overwritten with zeros,
        # not left in free pages: some SQLite builds have this on by default, others not
        self.db.execute("PRAGMA secure_delete = ON")

    def close(self) -> None:
        self.db.close()

    def _set_application_id(self) -> None:
        """Mark the catalog as improv's (:data:`APPLICATION_ID`) if it is not yet."""
        if self.db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.commit()

    def _set_wal(self) -> None:
        """Switch to WAL, waiting while another process holds the database.

        Changing the journal mode needs an exclusive lock and SQLite can answer
        "database is locked" at once, without its busy handler, while another
        process is creating the schema; so retry for up to 10 s.
        """
        import time

        deadline = time.monotonic() + 10.0
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _migrate(self) -> list[str]:
        """Apply missing migrations, one process at a time (``BEGIN IMMEDIATE``
        takes SQLite's write lock before the check, so two processes opening a
        new store at once do not both create the tables)."""
        old_level = self.db.isolation_level
        self.db.isolation_level = None  # manual transactions
        applied = []
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS migrations "
                    "(name TEXT PRIMARY KEY, applied_utc TEXT)"
                )
                done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
                for name, sql in MIGRATIONS:
                    if name in done:
                        continue
                    for statement in _split_sql(sql):
                        self.db.execute(statement)
                    self.db.execute(
                        "INSERT INTO migrations VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                        (name,),
                    )
                    applied.append(name)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        finally:
            self.db.isolation_level = old_level
        return applied

    def migrations(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM migrations ORDER BY name")]

    # -- writing -------------------------------------------------------------------

    def put_session(self, manifest: dict[str, Any], annotations: Iterable[dict] = ()) -> None:
        """Insert or update one session's row and replace its players and annotations.

        Its feature summaries stay: they belong to analyses, which carry their own key (a
        changed recording gives another key, see :func:`improv.analyze.default_keys`). The
        row is updated in place, not deleted and inserted again: the deletion cascaded to
        the features, so compressing or re-indexing a session dropped its analysis results.
        """
        kinds: dict[str, set[str]] = {p["name"]: set() for p in manifest["players"]}
        for port in manifest["midi"].get("ports", []):
            kinds.setdefault(port["player"], set()).add("midi")
        for audio in manifest["audio"]:
            for player in audio.get("players", {}):
                kinds.setdefault(player, set()).add("audio")
        with write_errors(self.path), self.db:
            for table in ("players", "annotations"):  # annotation_tags cascade
                self.db.execute(f"DELETE FROM {table} WHERE session_id = ?", (manifest["id"],))
            self.db.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE "
                "SET client = excluded.client, therapist = excluded.therapist, "
                "title = excluded.title, started_utc = excluded.started_utc, "
                "duration_s = excluded.duration_s, status = excluded.status, "
                "source = excluded.source, demo = excluded.demo, "
                "midi_events = excluded.midi_events, audio_inputs = excluded.audio_inputs",
                (
                    manifest["id"],
                    manifest.get("client"),
                    manifest.get("therapist"),
                    manifest.get("title"),
                    manifest["started_utc"],
                    manifest.get("duration_s"),
                    manifest["status"],
                    manifest.get("source"),
                    int(bool(manifest.get("demo"))),
                    int(manifest["midi"].get("events", 0)),
                    len(manifest["audio"]),
                ),
            )
            self.db.executemany(
                "INSERT INTO players VALUES (?,?,?)",
                [(manifest["id"], n, ",".join(sorted(k))) for n, k in kinds.items()],
            )
            self._put_annotations(manifest["id"], annotations)

    def put_annotations(self, session_id: str, annotations: Iterable[dict]) -> None:
        """Replace the indexed annotations of one session (nothing if the catalog has no row
        for it: see :meth:`_indexed_session`)."""
        with write_errors(self.path), self._indexed_session(session_id), self.db:
            self.db.execute("DELETE FROM annotations WHERE session_id = ?", (session_id,))
            self._put_annotations(session_id, annotations)

    @contextlib.contextmanager
    def _indexed_session(self, session_id: str):
        """Leave out rows of a session the catalog does not hold right now: ``reindex`` is
        rebuilding it (the session's row comes back, read from its folder, which holds the
        change already) or the session was deleted meanwhile. SQLite refused them as a foreign
        key violation, which was reported as a damaged catalog, although the change had been
        saved."""
        try:
            yield
        except sqlite3.IntegrityError:
            if self.db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise  # another constraint: not this case
            log.debug("session %s is not in the catalog now; its rows are left out", session_id)

    def _put_annotations(self, session_id: str, annotations: Iterable[dict]) -> None:
        for a in annotations:
            self.db.execute(
                "INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    session_id, a["id"], a["t"], a.get("end"), a.get("player"),
                    json.dumps(a.get("tags", [])), a.get("text", ""), a.get("source"),
                    a.get("by"), a.get("created_utc"), a.get("edited_utc"),
                ),
            )
            self.db.executemany(
                "INSERT INTO annotation_tags VALUES (?,?,?)",
                [(session_id, a["id"], tag) for tag in a.get("tags", [])],
            )

    def put_features(
        self, session_id: str, player: str, analysis_key: str, summary: dict[str, Any]
    ) -> None:
        """Replace one player's feature summary (numbers as ``value``, the rest as ``text``)."""
        rows = []
        for name, v in summary.items():
            if isinstance(v, bool) or v is None:
                rows.append((session_id, player, analysis_key, name, None, json.dumps(v)))
            elif isinstance(v, (int, float)):
                rows.append((session_id, player, analysis_key, name, float(v), None))
            else:
                rows.append((session_id, player, analysis_key, name, None, str(v)))
        with write_errors(self.path), self._indexed_session(session_id), self.db:
            self.db.execute(
                "DELETE FROM features WHERE session_id = ? AND player = ?", (session_id, player)
            )
            self.db.executemany("INSERT INTO features VALUES (?,?,?,?,?,?)", rows)

    def delete_features(self, session_id: str) -> None:
        """Remove every feature summary of one session (all players, pairs and analysis keys):
        after a player is renamed its results are measured again under the new name."""
        with write_errors(self.path), self.db:
            self.db.execute("DELETE FROM features WHERE session_id = ?", (session_id,))

    def delete_session(self, session_id: str) -> None:
        """Remove a session's rows; with ``secure_delete`` and a truncated WAL, their text
        (titles, codes, annotations) is gone from the files too, not only from the index."""
        with write_errors(self.path), self.db:
            self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        with contextlib.suppress(sqlite3.OperationalError):  # a reader holds it: next time
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def mark_unreadable(self, session_id: str) -> bool:
        """Keep a catalogued session whose folder can no longer be read, with the status
        ``unreadable``: its row stays (the sessions after it keep their running numbers, and
        the lists still show it) until its folder is read again or the session is deleted.

        Returns
        -------
        bool
            Whether the catalog had a row for it.
        """
        with write_errors(self.path), self.db:
            cur = self.db.execute("UPDATE sessions SET status = 'unreadable' WHERE id = ?",
                                  (session_id,))
        return cur.rowcount > 0

    def clear(self) -> None:
        with write_errors(self.path), self.db:
            for table in ("sessions", "goals", "client_plans"):
                self.db.execute(f"DELETE FROM {table}")

    def keep_only(self, session_ids: Iterable[str]) -> None:
        """Remove the rows of every session not in ``session_ids`` (in one transaction)."""
        gone = sorted(self.session_ids() - set(session_ids))
        with write_errors(self.path), self.db:
            self.db.executemany("DELETE FROM sessions WHERE id = ?", [(s,) for s in gone])

    # -- queries ---------------------------------------------------------------------

    def sessions(self, *, client: str | None = None) -> list[dict[str, Any]]:
        """Sessions (newest first), optionally of one client, with their players and their
        ``number``: the client's running session number (1 for the first, by start time)."""
        sql = f"SELECT *, {SESSION_NUMBER} AS number FROM sessions"
        args: tuple = ()
        if client is not None:
            sql += " WHERE client = ?"
            args = (self.client_code(client),)
        sql += " ORDER BY started_utc DESC, id DESC"
        out = [dict(row) for row in self.db.execute(sql, args)]
        # every session's players in one query, not one per session
        psql = "SELECT session_id, name, kinds FROM players"
        if client is not None:
            psql += " WHERE session_id IN (SELECT id FROM sessions WHERE client = ?)"
        players: dict[str, list[dict[str, Any]]] = {}
        for r in self.db.execute(psql + " ORDER BY rowid", args):
            players.setdefault(r["session_id"], []).append(
                {"name": r["name"], "kinds": r["kinds"].split(",") if r["kinds"] else []})
        for d in out:
            d["demo"] = bool(d["demo"])
            d["players"] = players.get(d["id"], [])
        return out

    def status(self, session_id: str) -> str | None:
        """The catalogued status of a session (``complete``, ``recovered``, ``unreadable`` ...);
        None if not catalogued."""
        row = self.db.execute("SELECT status FROM sessions WHERE id = ?",
                              (session_id,)).fetchone()
        return None if row is None else str(row[0])

    def session_number(self, session_id: str) -> int | None:
        """The client's running number of a session ("Session 7"); None if not catalogued."""
        row = self.db.execute(
            f"SELECT n FROM (SELECT id, {SESSION_NUMBER} AS n FROM sessions WHERE client IS "
            "(SELECT client FROM sessions WHERE id = ?)) WHERE id = ?",
            (session_id, session_id)).fetchone()
        return None if row is None else int(row[0])

    def own_annotation_counts(self, session_ids: Iterable[str], *,
                              tag: str | None = None) -> dict[str, int]:
        """Per session, the annotations the therapist wrote or confirmed, optionally only those
        tagged ``tag``: the analysis's role suggestions not yet confirmed
        (:func:`sessions.annotation_log.unconfirmed_suggestion`, the rule the reports use) are
        not the therapist's observations and do not count; an annotation the therapist tagged
        ``suggestion`` themselves does.

        Returns
        -------
        dict
            Session ID -> count, for each of ``session_ids`` (0 where none).
        """
        ids = list(session_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        unconfirmed = "NOT unconfirmed_suggestion(a.source, a.tags)"
        if tag is None:
            sql = (f"SELECT a.session_id, COUNT(*) FROM annotations a WHERE a.session_id IN "
                   f"({marks}) AND {unconfirmed} GROUP BY a.session_id")
            args: tuple = tuple(ids)
        else:
            sql = (f"SELECT a.session_id, COUNT(*) FROM annotations a JOIN annotation_tags t "
                   f"ON t.session_id = a.session_id AND t.annotation_id = a.id "
                   f"WHERE t.tag = ? AND a.session_id IN ({marks}) AND {unconfirmed} "
                   f"GROUP BY a.session_id")
            args = (tag, *ids)
        counts = dict(self.db.execute(sql, args).fetchall())
        return {sid: int(counts.get(sid, 0)) for sid in ids}

    def tag_usage(self) -> dict[str, int]:
        """How many of the therapist's current annotations carry each tag, over the whole
        store (most used first): the tag picker's order and "used N times". The analysis's
        role suggestions not yet confirmed do not count (the rule of
        :meth:`own_annotation_counts`): they had opened the picker's "IAP · autonomy" as
        if the therapist used it."""
        return {tag: n for tag, n in self.db.execute(
            "SELECT t.tag, COUNT(*) AS n FROM annotation_tags t JOIN annotations a "
            "ON a.session_id = t.session_id AND a.id = t.annotation_id "
            "WHERE NOT unconfirmed_suggestion(a.source, a.tags) "
            "GROUP BY t.tag ORDER BY n DESC, t.tag")}

    def client_code(self, given: str) -> str:
        """The stored spelling of a client code (matched without regard to case where that
        leaves one code: "c07" finds "C07"); ``given`` itself if none or several match."""
        codes = [r[0] for r in self.db.execute(
            "SELECT DISTINCT client FROM sessions WHERE client IS NOT NULL")]
        return match_name(given, codes)

    def session_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM sessions")}

    def analysis_keys(self, session_id: str) -> dict[str, set[str]]:
        """Player column -> the analysis keys of its feature rows, for one session."""
        out: dict[str, set[str]] = {}
        for player, key in self.db.execute(
                "SELECT DISTINCT player, analysis_key FROM features WHERE session_id = ?",
                (session_id,)):
            out.setdefault(player, set()).add(key)
        return out

    def features(self, *, session_id: str | None = None, client: str | None = None):
        """Feature summary rows joined with their session's client and start time."""
        sql = (
            "SELECT f.*, s.client, s.started_utc FROM features f "
            "JOIN sessions s ON s.id = f.session_id WHERE 1=1"
        )
        args: list = []
        if session_id is not None:
            sql += " AND f.session_id = ?"
            args.append(session_id)
        if client is not None:
            sql += " AND s.client = ?"
            args.append(self.client_code(client))
        sql += " ORDER BY s.started_utc, f.player, f.name"
        return [dict(r) for r in self.db.execute(sql, args)]


def _owner_only(path: Path) -> None:
    """chmod 0600 the catalog file itself, never a file a link at its name points to."""
    import os

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def _unconfirmed_suggestion(source: str | None, tags: str) -> int:
    """:func:`sessions.annotation_log.unconfirmed_suggestion` of a row of ``annotations``
    (its ``source`` and its ``tags`` as JSON), for SQL."""
    return int(unconfirmed_suggestion({"source": source, "tags": json.loads(tags or "[]")}))


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]

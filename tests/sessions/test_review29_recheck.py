"""Review 29 recheck, findings N5 and N7: a folder holding another program's
``catalog.sqlite`` is never adopted, and SQLite's rollback journal beside the catalog is
never worked through a link or at a folder.

A sentinel outside the store (or the refused folder itself) keeps its files' bytes, modes and
modification times.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from sessions.catalog import APPLICATION_ID, catalog_kind
from sessions.store import Store
from tests.sessions.test_store_links import _backdate, _snapshot, world  # noqa: F401


def _foreign_db(path: Path, *, app_id: int = 0) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER, name TEXT)")
    db.execute("INSERT INTO photos VALUES (1, 'beach')")
    if app_id:
        db.execute(f"PRAGMA application_id = {app_id}")
    db.commit()
    db.close()
    os.chmod(path, 0o644)


# -- N5: another program's catalog.sqlite ------------------------------------------------

@pytest.mark.parametrize("with_docs", [True, False])
@pytest.mark.parametrize("app_id", [0, 0x12345678])
def test_a_folder_with_another_programs_catalog_is_refused_untouched(run_cli, tmp_path,
                                                                     with_docs, app_id):
    app = tmp_path / "app"
    app.mkdir()
    if with_docs:
        (app / "docs").mkdir()
        (app / "docs" / "letter.txt").write_text("hi\n")
    _foreign_db(app / "catalog.sqlite", app_id=app_id)
    os.chmod(app, 0o755)
    _backdate(app)
    before = _snapshot(app)
    digest = hashlib.md5((app / "catalog.sqlite").read_bytes()).hexdigest()
    for args in (("sessions", "list"), ("info",), ("sessions", "reindex")):
        r = run_cli("--store", app, *args)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert r.stderr == (f"error: {app} is not an improv store: its catalog.sqlite is "
                            "another program's database, which improv leaves alone: give an "
                            "empty or new folder\n"), args
        assert _snapshot(app) == before, args  # mode 755, 644; no tables, folders added
    assert hashlib.md5((app / "catalog.sqlite").read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in app.iterdir()) == (["catalog.sqlite", "docs"] if with_docs
                                                     else ["catalog.sqlite"])


def test_a_new_catalog_is_marked_as_improvs_in_its_header(store, world):  # noqa: F811
    store.close()
    header = (world["store"] / "catalog.sqlite").read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID
    assert catalog_kind(world["store"] / "catalog.sqlite") == "improv"


def test_an_older_improv_catalog_without_the_mark_still_opens_and_is_marked(store, world,  # noqa: F811
                                                                              tmp_path):
    store.close()
    cat = world["store"] / "catalog.sqlite"
    db = sqlite3.connect(cat)
    db.execute("PRAGMA application_id = 0")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert int.from_bytes(cat.read_bytes()[68:72], "big") == 0
    (world["store"] / "README.txt").write_text("the practice's store\n")  # not improv's
    assert catalog_kind(cat) == "improv"  # by its migrations table
    with Store(world["store"], create=False) as again:
        assert [r["id"] for r in again.list()] == [world["sid"]]
        assert again.catalog.db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_damaged_catalog_beside_the_session_folders_is_still_rebuilt(run_cli, store, world):  # noqa: F811
    store.close()
    cat = world["store"] / "catalog.sqlite"
    for suffix in ("-wal", "-shm"):
        (world["store"] / f"catalog.sqlite{suffix}").unlink(missing_ok=True)
    cat.write_bytes(b"garbage" * 100)
    (world["store"] / "README.txt").write_text("the practice's store\n")
    assert catalog_kind(cat) == "unknown"
    r = run_cli("sessions", "reindex")
    assert r.exit_code == 0, r.stderr
    assert "indexed 1 session" in r.stdout
    assert catalog_kind(cat) == "improv"


# -- N7: catalog.sqlite-journal ----------------------------------------------------------

def _rollback_mode(cat: Path) -> None:
    """Put the catalog in rollback-journal mode (as an older catalog was)."""
    db = sqlite3.connect(cat)
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()


@pytest.mark.parametrize("kind", ["link", "dangling link", "folder"])
def test_a_catalog_journal_link_or_folder_is_named_with_the_fix(run_cli, store, world, kind):  # noqa: F811
    store.close()
    _rollback_mode(world["store"] / "catalog.sqlite")
    journal = world["store"] / "catalog.sqlite-journal"
    if kind == "folder":
        journal.mkdir()
    else:
        target = world["sentinel"] / ("keep.txt" if kind == "link" else "newjournal")
        os.symlink(target, journal)
    _backdate(world["sentinel"])
    before = _snapshot(world["sentinel"])
    for args in (("sessions", "list"), ("sessions", "reindex"),
                 ("sessions", "correct", world["sid"], "--title", "two")):
        r = run_cli(*args)
        assert r.exit_code == 1, (args, r.stdout)
        if kind == "folder":
            assert r.stderr == (f"error: {journal} is a folder, not the catalog file: move it "
                                "out of the store (or rename it); improv builds the catalog "
                                "again from the session folders\n"), args
        else:
            assert r.stderr == (f"error: {journal} is a symbolic link; improv does not follow "
                                "links out of its store: remove the link (improv builds the "
                                "catalog again from the session folders)\n"), args
        assert _snapshot(world["sentinel"]) == before, args
    assert not (world["sentinel"] / "newjournal").exists()
    if kind == "folder":
        journal.rmdir()
    else:
        journal.unlink()
    r = run_cli("sessions", "list", "--json")  # removed as said: the store works again
    assert r.exit_code == 0 and [row["id"] for row in r.json()] == [world["sid"]]


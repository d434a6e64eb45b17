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



# -- N4: the player limit of a session export --------------------------------------------

def _spread_players(folder: Path, n: int) -> None:
    """Give the MIDI events of a MIDI-only session to ``n`` players (one port each), its
    checksum updated, as a hand-made export would (review 29 recheck, mk300.py)."""
    import json

    m = json.loads((folder / "session.json").read_text())
    lines = (folder / "midi.tsv").read_text().splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        p = line.split("\t")
        p[1], p[2] = f"p{i % n}", f"port{i % n}"
        out.append("\t".join(p))
    (folder / "midi.tsv").write_text("\n".join(out) + "\n")
    m["players"] = [{"name": f"p{i}"} for i in range(n)]
    m["midi"]["ports"] = [{"name": f"port{i}", "player": f"p{i}"} for i in range(n)]
    m["checksums"]["midi.tsv"] = hashlib.sha256((folder / "midi.tsv").read_bytes()).hexdigest()
    (folder / "session.json").write_text(json.dumps(m, indent=1))


@pytest.mark.parametrize("n", [16, 17, 300])
def test_an_export_with_more_players_than_a_session_may_have_is_refused(store, tmp_path, n):
    from sessions.errors import SessionFormatError
    from sessions.export import export_session
    from sessions.importer import import_files
    from sessions.restore import restore_session
    from tests.sessions.helpers import tree_snapshot, write_midi

    with Store(tmp_path / "other") as other:
        notes = [(0.1 * i, 0, 60 + i % 12, 80) for i in range(2 * n)]
        mid = write_midi(tmp_path / "many.mid", tracks={"keys": notes})
        sid = import_files(other, [mid], client="C07")["id"]
        _spread_players(other.folder(sid), n)
        export = export_session(other.folder(sid), tmp_path / "many.zip")
    store.catalog  # noqa: B018 (made before the snapshot)
    before = tree_snapshot(store.root)
    if n <= 16:
        restored = restore_session(store, export)
        assert len(restored["players"]) == n
        return
    with pytest.raises(SessionFormatError) as info:
        restore_session(store, export)
    assert str(info.value) == (
        f"many.zip: session {sid}: it has {n} players (p0, p1, p2, ...), and a session may "
        "have at most 16: import the recordings themselves with 'improv sessions import', "
        "giving the parts you need to players (--player NAME=FILE:N); nothing was imported")
    assert tree_snapshot(store.root) == before
    assert list((store.root / "tmp").iterdir()) == []

import multiprocessing as mp
import sqlite3

from sessions.catalog import MIGRATIONS, Catalog


def _open(path, barrier):
    barrier.wait()
    Catalog(path).close()


def test_migrations_recorded_and_idempotent(tmp_path):
    c = Catalog(tmp_path / "c.sqlite")
    assert c.migrations() == [name for name, _ in MIGRATIONS]
    c.close()
    c = Catalog(tmp_path / "c.sqlite")
    assert c.migrations() == [name for name, _ in MIGRATIONS]
    c.close()


def test_many_processes_opening_a_new_catalog_at_once(tmp_path):
    path = tmp_path / "c.sqlite"
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(6)
    procs = [ctx.Process(target=_open, args=(path, barrier)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0] * 6
    con = sqlite3.connect(path)
    assert [r[0] for r in con.execute("SELECT name FROM migrations")] == [n for n, _ in MIGRATIONS]


def test_a_deleted_session_leaves_no_text_in_the_catalog_files(store, tmp_path):
    """The catalog holds titles, codes and annotation text: deleting a session removes them
    from the database file and its write-ahead log, not only from the index."""
    from sessions.annotation_edits import add_annotation
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    mid = write_midi(tmp_path / "a.mid", tracks={"client": [(0.5 * k, 0, 60, 90)
                                                          for k in range(20)]})
    sid = import_files(store, [mid], client="QXZ91", title="Wednesday XYZZYTITLE")["id"]
    add_annotation(store, sid, t=2.0, tags=["marker"], text="PLUGHNOTE about the client")

    def catalog_bytes():
        return b"".join(p.read_bytes() for p in store.root.glob("catalog.sqlite*"))

    assert b"PLUGHNOTE" in catalog_bytes() and b"XYZZYTITLE" in catalog_bytes()
    store.delete(sid)
    left = catalog_bytes()
    assert b"PLUGHNOTE" not in left and b"XYZZYTITLE" not in left and b"QXZ91" not in left
    assert store.catalog.db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_a_store_folder_made_open_beforehand_is_made_owner_only(tmp_path, caplog):
    import os
    import stat

    from sessions.store import Store

    root = tmp_path / "practice-store"
    root.mkdir()
    os.chmod(root, 0o755)  # as `mkdir` makes it under umask 022
    with caplog.at_level("WARNING"):
        Store(root).close()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert "was open to other users (mode 755): made owner-only" in caplog.text


def test_indexing_a_session_again_keeps_its_feature_summaries(store, tmp_path):
    """Compressing, recovering or re-indexing one session writes its catalog row again; the
    row is updated, not deleted (which cascaded to the analysis results)."""
    from sessions.annotation_edits import add_annotation
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    mid = write_midi(tmp_path / "a.mid", tracks={"client": [(0.5 * k, 0, 60, 90)
                                                          for k in range(20)]})
    sid = import_files(store, [mid], client="C07", title="first")["id"]
    store.catalog.put_features(sid, "client", "k1", {"midi.notes_per_s": 2.0})
    manifest = store.session(sid).manifest
    store.catalog.put_session({**manifest, "title": "second"}, [])
    rows = store.catalog.features(session_id=sid)
    assert [(r["name"], r["value"]) for r in rows] == [("midi.notes_per_s", 2.0)]
    assert store.catalog.sessions()[0]["title"] == "second"
    add_annotation(store, sid, t=1.0, tags=["marker"], text="x")
    store.catalog.put_session(manifest, store.session(sid).annotations())
    assert len(store.catalog.features(session_id=sid)) == 1
    n = store.catalog.db.execute("SELECT COUNT(*) FROM annotation_tags").fetchone()[0]
    assert n == 1  # replaced, not doubled


def test_a_change_saved_while_reindex_rebuilds_the_catalog_is_no_damage(store, tmp_path):
    """reindex empties the catalog, then indexes folder by folder: an annotation added to a
    session not indexed yet was refused by SQLite's foreign key, reported as a damaged catalog
    (exit 1, web 503) although it had been saved; the user then added it again."""
    from sessions.annotation_edits import add_annotation
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    mid = write_midi(tmp_path / "a.mid", tracks={"client": [(0.5 * k, 0, 60, 90)
                                                          for k in range(20)]})
    sid = import_files(store, [mid], client="C07")["id"]
    store.catalog.clear()  # reindex, half-way: this session is not indexed yet
    a = add_annotation(store, sid, t=2.0, tags=["marker"], text="saved once")
    store.catalog.put_features(sid, "client", "k1", {"midi.notes_per_s": 2.0})  # no error
    assert [x["id"] for x in store.session(sid).annotations()] == [a["id"]]
    store.reindex()  # the rebuild reaches the session: its annotation is indexed from the folder
    rows = store.catalog.db.execute("SELECT text FROM annotations WHERE session_id = ?",
                                    (sid,)).fetchall()
    assert [r[0] for r in rows] == ["saved once"]


def test_an_annotations_tags_are_found_by_its_key_not_by_a_scan(tmp_path):
    """Deleting a session's annotations (every rewrite of them, and a reindex) deletes their
    tags through the foreign key: looked up by an index since 0003 (before, each deleted
    annotation scanned the whole table: review 33, 229 s to reindex 2,445 sessions)."""
    c = Catalog(tmp_path / "c.sqlite")
    plan = " ".join(r[-1] for r in c.db.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM annotation_tags "
        "WHERE session_id = ? AND annotation_id = ?", ("s", "a")))
    c.close()
    assert "USING INDEX annotation_tags_fk" in plan, plan


def test_a_catalog_of_an_earlier_improv_gets_the_index_when_opened(tmp_path):
    path = tmp_path / "c.sqlite"
    Catalog(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP INDEX annotation_tags_fk")
    db.execute("DELETE FROM migrations WHERE name = '0003_annotation_tags_fk'")
    db.commit()
    db.close()
    c = Catalog(path)
    try:
        assert c.migrations()[-1] == "0003_annotation_tags_fk"
        assert c.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' "
                            "AND name = 'annotation_tags_fk'").fetchone()
    finally:
        c.close()


def test_reindex_keeps_an_unreadable_sessions_row_so_later_numbers_stay(store, tmp_path):
    """A session folder that can no longer be read keeps its catalog row, marked unreadable:
    removing it renumbered the client's later sessions and hid it from the lists. Read again,
    it is indexed as before."""
    from datetime import datetime, timezone

    from sessions import manifest as mf
    from sessions.importer import import_files
    from tests.sessions.helpers import write_midi

    ids = []
    for k in range(3):
        mid = write_midi(tmp_path / f"s{k}.mid", tracks={"client": [(0.5 * j, 0, 60 + k, 90)
                                                                   for j in range(8)]})
        ids.append(import_files(store, [mid], client="C07",
                                started=datetime(2026, 3, k + 1, 10, tzinfo=timezone.utc))["id"])

    def numbers():
        return {r["id"]: (r["number"], r["status"]) for r in store.list(client="C07")}

    before = numbers()
    assert [before[i][0] for i in ids] == [1, 2, 3]
    manifest = store.folder(ids[1]) / mf.MANIFEST
    good = manifest.read_bytes()
    manifest.write_bytes(b"{ not json")
    result = store.reindex()
    (sid, why), = result["skipped"]
    assert sid == ids[1] and "kept, marked unreadable" in why
    after = numbers()
    assert [after[i][0] for i in ids] == [1, 2, 3]
    assert after[ids[1]][1] == "unreadable" and after[ids[2]][1] == before[ids[2]][1]
    manifest.write_bytes(good)
    assert store.reindex()["skipped"] == []
    assert numbers() == before

"""The store's own folders and catalog are never worked through a link, a non-store folder is
never adopted, and a session that cannot be read is listed, not hidden (review 29, hostile
files, findings 1, 2, 3, 13 and 16).

Every case keeps a sentinel folder outside the store and checks that its files keep their
bytes, mode and modification time, and that nothing was added to or removed from it.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from sessions.errors import StoreError, StoreWriteError
from sessions.fsutil import make_dir, open_new
from sessions.store import Store
from tests.sessions import hostile


def _snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry below ``folder``: its bytes (files), mode and modification time [ns]."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        data = p.read_bytes() if stat.S_ISREG(st.st_mode) else b""
        out[p.relative_to(folder).as_posix()] = (data, st.st_mode, st.st_mtime_ns)
    st = folder.lstat()
    out["."] = (b"", st.st_mode, st.st_mtime_ns)
    return out


@pytest.fixture
def world(run_cli, store_path, tmp_path):
    """A store with one session and one goal log of client C07, and a sentinel folder."""
    sid = hostile.import_good(run_cli, tmp_path)
    r = run_cli("goals", "add", "--client", "C07", "Plays with the therapist")
    assert r.exit_code == 0, r.stderr
    assert (store_path / "clients" / "C07" / "goals.jsonl").is_file()
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    (sentinel / "keep.txt").write_text("not improv's\n")
    os.chmod(sentinel / "keep.txt", 0o644)
    os.utime(sentinel / "keep.txt", ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    return {"sid": sid, "store": store_path, "sentinel": sentinel}


def _move_out(world, name: str) -> Path:
    """Move the store's ``name`` into the sentinel folder and put a link to it in its place."""
    src = world["store"] / name
    dst = world["sentinel"] / "target"
    shutil.move(src, dst)
    os.symlink(dst, src)
    os.utime(world["sentinel"], ns=(10**18, 10**18))
    return dst


def _backdate(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        os.utime(p, ns=(10**18, 10**18), follow_symlinks=False)


# -- finding 1: the catalog ---------------------------------------------------------------

def test_a_catalog_that_is_a_link_is_refused_and_its_target_untouched(run_cli, world):
    cat = world["store"] / "catalog.sqlite"
    outside = world["sentinel"] / "cat.sqlite"
    shutil.copyfile(cat, outside)
    os.chmod(outside, 0o644)
    cat.unlink()
    os.symlink(outside, cat)
    _backdate(world["sentinel"])
    before = _snapshot(world["sentinel"])
    for args in (("sessions", "list"), ("sessions", "correct", world["sid"], "--title", "x"),
                 ("sessions", "reindex")):
        r = run_cli(*args)
        assert r.exit_code == 1, (args, r.stderr)
        assert r.stderr == (f"error: {cat} is a symbolic link; improv does not follow links out "
                            "of its store: remove the link (improv builds the catalog again "
                            "from the session folders)\n")
        assert _snapshot(world["sentinel"]) == before  # mode 644 kept, no -wal/-shm made there
    cat.unlink()  # as the message says: the catalog is built again
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0 and [row["id"] for row in r.json()] == [world["sid"]]


def test_a_dangling_catalog_link_creates_nothing_where_it_points(run_cli, world):
    cat = world["store"] / "catalog.sqlite"
    cat.unlink()
    os.symlink(world["sentinel"] / "new.sqlite", cat)
    before = _snapshot(world["sentinel"])
    r = run_cli("sessions", "list")
    assert r.exit_code == 1 and "catalog.sqlite is a symbolic link" in r.stderr
    assert _snapshot(world["sentinel"]) == before
    assert not (world["sentinel"] / "new.sqlite").exists()


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_a_catalog_journal_that_is_a_link_is_refused(store, world, suffix):
    store.close()
    journal = world["store"] / f"catalog.sqlite{suffix}"
    journal.unlink(missing_ok=True)
    os.symlink(world["sentinel"] / "keep.txt", journal)
    before = _snapshot(world["sentinel"])
    with pytest.raises(StoreError, match=rf"catalog\.sqlite{suffix} is a symbolic link"):
        Store(world["store"])
    assert _snapshot(world["sentinel"]) == before


def test_a_folder_where_the_catalog_is_is_named_with_the_fix(run_cli, world):
    cat = world["store"] / "catalog.sqlite"
    cat.unlink()
    cat.mkdir()
    for args in (("sessions", "list"), ("sessions", "reindex")):
        r = run_cli(*args)
        assert r.exit_code == 1
        assert r.stderr == (f"error: {cat} is a folder, not the catalog file: move it out of "
                            "the store (or rename it); improv builds the catalog again from the "
                            "session folders\n")
    assert cat.is_dir() and not any(cat.iterdir())


# -- finding 2: sessions/, tmp/, clients/, clients/CODE -----------------------------------

@pytest.mark.parametrize("name", ["sessions", "tmp", "clients", "clients/C07"])
def test_a_store_folder_that_is_a_link_is_refused_and_nothing_outside_changes(run_cli, world,
                                                                              name):
    target = _move_out(world, name)
    _backdate(world["sentinel"])
    before = _snapshot(world["sentinel"])
    link = world["store"] / name
    for args in (("sessions", "delete", "--client", "C07", "--yes"),
                 ("sessions", "demo", "--duration", "10", "--no-analyze"),
                 ("goals", "add", "--client", "C07", "Another goal"),
                 ("sessions", "list")):
        r = run_cli(*args)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert r.stderr == (f"error: {link} is a symbolic link; improv does not follow links "
                            "out of its store: put the folder it points to in its place (or "
                            "remove the link) and try again\n"), args
        assert _snapshot(world["sentinel"]) == before, args
    link.unlink()
    shutil.move(target, link)  # put back as the message says: the store works again
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0 and [row["id"] for row in r.json()] == [world["sid"]]


def test_a_link_made_after_the_store_was_opened_is_refused_before_a_delete(store, world):
    target = _move_out(world, "sessions")
    _backdate(world["sentinel"])
    before = _snapshot(world["sentinel"])
    with pytest.raises(StoreError, match="sessions is a symbolic link"):
        store.delete(world["sid"])
    with pytest.raises(StoreError, match="sessions is a symbolic link"):
        store.create_session(client="C07", players=["client"])
    assert _snapshot(world["sentinel"]) == before
    assert (target / world["sid"] / "session.json").is_file()


def test_a_client_folder_link_made_after_opening_is_refused_before_goals_change(store, world):
    from sessions.goals import add_goal, delete_client_goals

    _move_out(world, "clients/C07")
    _backdate(world["sentinel"])
    before = _snapshot(world["sentinel"])
    with pytest.raises(StoreError, match="C07 is a symbolic link"):
        add_goal(store, "C07", text="Another goal")
    with pytest.raises(StoreError, match="C07 is a symbolic link"):
        delete_client_goals(store, "C07")
    assert _snapshot(world["sentinel"]) == before


def test_a_dangling_link_is_never_made_into_a_folder_or_file(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside / "made", tmp_path / "dir-link")
    os.symlink(outside / "made.txt", tmp_path / "file-link")
    with pytest.raises(StoreWriteError, match="dir-link: it is a symbolic link"):
        make_dir(tmp_path / "dir-link")
    for mode in ("ab", "wb"):
        with pytest.raises(StoreWriteError, match="file-link: it is a symbolic link"):
            open_new(tmp_path / "file-link", mode)
    assert list(outside.iterdir()) == []


# -- finding 16: a file where a store folder is expected ----------------------------------

@pytest.mark.parametrize("name", ["sessions", "tmp", "clients"])
def test_a_file_where_a_store_folder_is_expected_is_named_with_the_fix(run_cli, world, name):
    path = world["store"] / name
    shutil.move(path, world["sentinel"] / "moved")
    path.write_text("x\n")
    for args in (("sessions", "list"), ("sessions", "delete", world["sid"], "--yes"),
                 ("sessions", "demo", "--duration", "10", "--no-analyze")):
        r = run_cli(*args)
        assert r.exit_code == 1, args
        assert r.stderr == (f"error: {path} is a file, not a folder: move it out of the store "
                            "(or rename it) and try again\n"), args
    assert path.read_text() == "x\n"


# -- finding 3: a folder that is not a store ----------------------------------------------

def test_a_folder_that_is_not_a_store_is_never_adopted(run_cli, tmp_path):
    others = tmp_path / "others"
    (others / "docs").mkdir(parents=True)
    (others / "docs" / "letter.txt").write_text("hi\n")
    os.chmod(others, 0o755)
    _backdate(others)
    before = _snapshot(others)
    for args in (("sessions", "list"), ("info",), ("sessions", "demo", "--duration", "10",
                                                            "--no-analyze")):
        r = run_cli("--store", others, *args)
        assert r.exit_code == 1, (args, r.stderr)
        assert r.stderr == (f"error: {others} is not an improv store and not empty (it holds "
                            "files or folders improv did not make): give an empty or new "
                            "folder\n"), args
        assert _snapshot(others) == before  # mode 755, nothing added


def test_restore_into_a_folder_that_is_not_a_store_is_refused(run_cli, world, tmp_path):
    bk = tmp_path / "bk"
    assert run_cli("backup", "--to", bk).exit_code == 0
    others = tmp_path / "others"
    others.mkdir(mode=0o755)
    (others / "letter.txt").write_text("hi\n")
    _backdate(others)
    before = _snapshot(others)
    r = run_cli("--store", others, "restore", bk)
    assert r.exit_code == 1 and "is not an improv store and not empty" in r.stderr
    assert _snapshot(others) == before


def test_a_store_without_its_catalog_or_with_a_file_of_the_users_still_opens(store, world):
    store.close()
    (world["store"] / "catalog.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (world["store"] / f"catalog.sqlite{suffix}").unlink(missing_ok=True)
    with Store(world["store"], create=False) as again:  # only what improv makes: a store
        assert [r["id"] for r in again.list()] == [world["sid"]]
    (world["store"] / "README.txt").write_text("the practice's store\n")
    with Store(world["store"], create=False) as again:  # it has its catalog now
        assert [r["id"] for r in again.list()] == [world["sid"]]


def test_an_empty_shared_folder_is_not_made_owner_only(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    Store(shared).close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777


def test_a_command_that_only_reads_makes_no_default_store(run_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("IMPROV_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    r = run_cli("sessions", "list")
    assert r.exit_code == 1
    assert r.stderr.startswith("error: no session store at ")
    assert "created" not in r.stderr
    assert not (tmp_path / "data").exists()


# -- finding 13: a session that cannot be read is listed ----------------------------------

def test_a_session_that_cannot_be_read_is_listed_with_why(run_cli, world, tmp_path):
    bad = "20260101-000000-0bad"
    folder = hostile.copy_session(world["store"], world["sid"], bad)
    (folder / "annotations.jsonl").write_bytes(b"\xff\xfe not text\n")
    assert run_cli("sessions", "reindex").exit_code == 1  # names it, leaves it out
    r = run_cli("sessions", "list")
    assert r.exit_code == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if bad in line)
    assert row.split()[0] == "C07" and row.split()[-1] == "unreadable"
    assert f"session {bad}: cannot be read: " in r.stderr and "not UTF-8" in r.stderr
    rows = run_cli("sessions", "list", "--client", "C07", "--json").json()
    assert [(x["id"], x["status"]) for x in rows] == [(world["sid"], "complete"),
                                                       (bad, "unreadable")]
    assert rows[1]["problem"].startswith("cannot be read: ")
    (folder / "session.json").write_text("{")  # its client cannot be read either
    rows = run_cli("sessions", "list", "--client", "C99", "--json").json()
    assert [(x["id"], x["client"]) for x in rows] == [(bad, None)]


def test_a_folder_not_in_the_catalog_yet_is_listed_as_such(store, world):
    new = "20260101-000000-0add"
    hostile.copy_session(world["store"], world["sid"], new)
    assert store.unlisted() == [{"id": new, "client": "C07", "status": "not catalogued",
                                 "problem": "not in the catalog: run 'improv sessions reindex'"}]
    assert store.unlisted(client="C08") == []
    json.dumps(store.unlisted())

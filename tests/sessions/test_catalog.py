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

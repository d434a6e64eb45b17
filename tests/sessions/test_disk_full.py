"""A full disk (issue 21, item 11), on a real small tmpfs: every command says so in one line,
the catalog stays where it is, and the session on it still verifies.

Mounting needs root; as another user the test is skipped.
"""

from __future__ import annotations

import os

import pytest

from tests.sessions.helpers import fill_disk, tmpfs
from tests.sessions.hostile import import_good, sane

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root"),
    # an OSError inside a libsndfile callback reached the terminal as a traceback
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    with tmpfs(tmp_path / "disk", size="3m") as mount:
        monkeypatch.setenv("IMPROV_STORE", str(mount / "store"))
        yield mount


def test_full_disk_keeps_the_catalog_and_the_session(run_cli, small_disk, tmp_path):
    sid = import_good(run_cli, tmp_path)
    store = small_disk / "store"
    catalog = (store / "catalog.sqlite").read_bytes()
    filler = fill_disk(small_disk)

    demo = run_cli("sessions", "demo", "--duration", "10")
    sane(demo, what="demo")
    assert demo.exit_code == 1 and "disk is full" in demo.stderr
    left = {p.name: sorted(q.name for q in p.iterdir()) for p in (store / "sessions").iterdir()}
    assert list(left) == [sid], left  # no .lock husk
    for args in (("sessions", "reindex"), ("sessions", "compress", sid),
                 ("annotate", sid, "--at", "0.5", "hello"), ("sessions", "verify", "--all")):
        sane(run_cli(*args), what=" ".join(args))
    assert not list(store.glob("catalog.sqlite.damaged-*"))
    assert (store / "catalog.sqlite").exists()
    listed = run_cli("sessions", "list", "--json")
    assert listed.exit_code == 0 and [row["id"] for row in listed.json()] == [sid]
    assert run_cli("sessions", "verify", sid).exit_code == 0

    filler.unlink()
    assert run_cli("sessions", "verify", "--all").exit_code == 0
    assert run_cli("sessions", "reindex").exit_code == 0
    assert [row["id"] for row in run_cli("sessions", "list", "--json").json()] == [sid]
    assert len(catalog) > 0

"""A full disk (issue 21, item 11), on a real small tmpfs: every command says so in one line,
the catalog stays where it is, and the session on it still verifies.

Mounting needs root; as another user the test is skipped.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.sessions.hostile import import_good, sane

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root"),
    # an OSError inside a libsndfile callback reached the terminal as a traceback
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    store = mount / "store"
    monkeypatch.setenv("IMPROV_STORE", str(store))
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount):
    """Fill the disk to the last byte; returns the filler file."""
    filler = mount / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)

        except OSError:
            pass
    with open(filler, "ab", buffering=0) as f:  # the last few bytes too
        for size in (4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)

            except OSError:
                continue
    return filler


def test_full_disk_keeps_the_catalog_and_the_session(run_cli, small_disk, tmp_path):
    sid = import_good(run_cli, tmp_path)
    store = small_disk / "store"
    catalog = (store / "catalog.sqlite").read_bytes()
    filler = _fill(small_disk)

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

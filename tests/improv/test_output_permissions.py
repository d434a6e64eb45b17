"""Every file improv writes outside the store is owner-only (0600), whatever the umask: curves,
plots, trend plots and annotation exports carry a client's data (and the plots' names and
titles their code)."""

import os
import stat

import pytest

from sessions.annotation_edits import add_annotation
from sessions.importer import import_files
from tests.sessions.helpers import write_midi


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_outputs_are_owner_only_under_an_open_umask(run_cli, store, tmp_path, monkeypatch,
                                                    open_umask):
    notes = [(0.25 * k, 0, 60 + k % 5, 80) for k in range(120)]
    mid = write_midi(tmp_path / "s.mid", tracks={"client": notes})
    sid = import_files(store, [mid], client="C21")["id"]
    add_annotation(store, sid, t=3.0, tags=["marker"], text="a note about the client")
    monkeypatch.setenv("IMPROV_STORE", str(store.root))
    out = tmp_path / "out"
    out.mkdir()
    runs = [
        ("analyze", sid, "--curves", out / "curves.csv", "--plot", out / "curves.png"),
        ("analyze", sid, "--plot", out / "curves.svg"),
        ("annotations", "export", sid, "--format", "elan", "--to", out / "notes.eaf"),
        ("annotations", "export", sid, "--format", "csv", "--to", out / "notes.csv"),
        ("compare", "--client", "C21", "--plot", out / "trend"),
    ]
    for args in runs:
        r = run_cli(*args)
        assert r.exit_code == 0, (args, r.stderr)
    written = sorted(out.rglob("*"))
    assert {p.suffix for p in written} >= {".csv", ".png", ".svg", ".eaf"}, written
    assert any(p.name.startswith("C21") for p in written), written
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    assert (out / "notes.eaf").read_bytes().startswith(b"<?xml")
    assert b"a note about the client" in (out / "notes.eaf").read_bytes()

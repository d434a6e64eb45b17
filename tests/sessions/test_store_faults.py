"""A store on a full or read-only disk: clear one-line errors, store unchanged.

These tests mount a small tmpfs (root on Linux, as on CI); elsewhere they skip.
"""

import subprocess

import numpy as np
import pytest
import soundfile as sf

from sessions.store import Store
from tests.sessions.helpers import tmpfs, tree_snapshot, write_audio, write_midi


@pytest.fixture
def small_fs(tmp_path):
    with tmpfs(tmp_path / "mnt", size="3m") as mnt:
        yield mnt


def test_import_onto_a_full_disk_fails_cleanly(small_fs, tmp_path, run_cli, monkeypatch):
    store_root = small_fs / "store"
    monkeypatch.setenv("IMPROV_STORE", str(store_root))
    first = run_cli("sessions", "import", write_midi(tmp_path / "a.mid"), "--client", "C01")
    assert first.exit_code == 0, first.stderr
    big = tmp_path / "big.wav"  # 7.7 MB: refused before writing
    sf.write(big, np.zeros((48000 * 20, 2), np.float32), 48000, subtype="FLOAT")
    noise = tmp_path / "noise.flac"  # FLAC in, FLAC out: found full while writing
    rng = np.random.default_rng(1)
    sf.write(noise, rng.uniform(-1, 1, (48000 * 20, 2)), 48000, subtype="PCM_16")
    before = tree_snapshot(store_root)
    for f, match in ((big, "needs 7.7 MB"), (noise, "the disk is full")):
        r = run_cli("sessions", "import", f, "--client", "C01")
        assert r.exit_code == 1
        assert r.stderr.startswith("error: ") and match in r.stderr, r.stderr
        assert "free some space" in r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
        assert tree_snapshot(store_root) == before
    assert len(run_cli("sessions", "list", "--json").json()) == 1


def test_read_only_store_lists_but_refuses_changes(small_fs, tmp_path, run_cli, monkeypatch):
    store_root = small_fs / "store"
    monkeypatch.setenv("IMPROV_STORE", str(store_root))
    assert run_cli("sessions", "import", write_midi(tmp_path / "a.mid"), "--client",
                   "C01").exit_code == 0
    Store(store_root).close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    before = tree_snapshot(store_root)
    listed = run_cli("sessions", "list", "--json")
    assert listed.exit_code == 0 and len(listed.json()) == 1
    write_audio(tmp_path / "b.wav", seconds=0.1)
    (tmp_path / "n.md").write_text("At 0:00.2 a start.\n")
    (tmp_path / "labels.txt").write_text("0.1\t0.2\tx\n")
    sid = listed.json()[0]["id"]
    for args in (["sessions", "import", tmp_path / "b.wav"],
                 ["sessions", "delete", sid, "--yes"],
                 ["sessions", "reindex"],
                 ["annotate", sid, "--at", "0.1", "x"],
                 ["annotations", "import", sid, tmp_path / "labels.txt"],
                 ["notes", sid, "--from", tmp_path / "n.md"]):
        r = run_cli(*args)
        assert r.exit_code == 1, args
        assert r.stderr.startswith("error: ") and "read-only" in r.stderr, r.stderr
        assert "choose a writable store or set IMPROV_STORE" in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1
    r = run_cli("analyze", sid, "--json")  # measuring changes nothing: results, no cache
    assert r.exit_code == 0, r.stderr
    assert r.json()["players"]["piano"]["sources"]["midi"]["summary"]["n_notes"] == 2
    r = run_cli("sessions", "recover")  # nothing to recover or sweep: not an error
    assert r.exit_code == 0 and r.stdout == "no interrupted sessions\n", r.stderr
    assert tree_snapshot(store_root) == before

"""Scratch items in ``<store>/tmp``: kept while their owner lives, swept once it is killed."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sessions import scratch
from sessions.store import Store
from tests.sessions.helpers import tree_snapshot, write_midi

REPO = Path(__file__).resolve().parents[2]


def _child(code: str) -> subprocess.Popen:
    """A Python child that runs ``code`` then prints "ready" and sleeps until killed."""
    script = textwrap.dedent(code) + "\nprint('ready', flush=True)\nimport time\ntime.sleep(600)\n"
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"child failed: {line!r}"
    return proc


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def test_release_removes_item_and_lock(tmp_path):
    with scratch.claim(tmp_path / "tmp", "abc") as c:
        (c.path / "audio").mkdir(parents=True)
        (c.path / "audio" / "x.wav").write_bytes(b"data")
        assert (tmp_path / "tmp" / "abc.lock").exists()
    assert os.listdir(tmp_path / "tmp") == []


def test_claims_are_owner_only(tmp_path):
    c = scratch.claim(tmp_path / "tmp", "abc")
    try:
        assert (tmp_path / "tmp").stat().st_mode & 0o777 == 0o700
        assert (tmp_path / "tmp" / "abc.lock").stat().st_mode & 0o777 == 0o600
    finally:
        c.release()


@pytest.mark.parametrize("name", ["", "a/b", ".hidden", "x.lock"])
def test_bad_names_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="bad scratch item name"):
        scratch.claim(tmp_path, name)


def test_live_owner_keeps_its_item_and_a_killed_one_loses_it(tmp_path):
    tmp = tmp_path / "tmp"
    proc = _child(f"""
        from sessions import scratch
        c = scratch.claim({str(tmp)!r}, "staging-1")
        c.path.mkdir()
        (c.path / "half.wav").write_bytes(b"x" * 1000)
    """)
    try:
        assert scratch.sweep(tmp) == []
        assert (tmp / "staging-1" / "half.wav").exists()
    finally:
        _kill(proc)
    assert scratch.sweep(tmp) == ["staging-1"]
    assert os.listdir(tmp) == []


def test_lock_without_item_is_removed_once_its_owner_is_gone(tmp_path):
    tmp = tmp_path / "tmp"
    proc = _child(f"""
        from sessions import scratch
        c = scratch.claim({str(tmp)!r}, "reserve-1")
    """)
    try:
        scratch.sweep(tmp)
        assert (tmp / "reserve-1.lock").exists()
    finally:
        _kill(proc)
    assert scratch.sweep(tmp) == []  # no item to list, but the lock is gone
    assert os.listdir(tmp) == []


def test_unclaimed_items_are_removed_only_when_a_day_old(tmp_path):
    tmp = tmp_path / "tmp"
    (tmp / "old").mkdir(parents=True)
    (tmp / "new").mkdir()
    day_ago = time.time() - scratch.UNCLAIMED_AGE_S - 60
    os.utime(tmp / "old", (day_ago, day_ago))
    assert scratch.sweep(tmp) == ["old"]
    assert os.listdir(tmp) == ["new"]


def test_sweep_does_not_follow_links(tmp_path):
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp / "link").symlink_to(outside)
    (tmp / "link.lock").write_text("")
    assert scratch.sweep(tmp) == ["link"]
    assert (outside / "keep.txt").read_text() == "keep"


IMPORT_CHILD = """
    import threading
    from sessions import importer
    from sessions.store import Store

    def stuck(*args, **kwargs):  # the copy of the audio file never ends
        print('ready', flush=True)
        threading.Event().wait()

    importer._copy_audio = stuck
    store = Store({store!r})
    importer.import_files(store, [{midi!r}, {wav!r}], client="C01")
"""


def test_import_killed_midway_leaves_nothing_after_the_next_start(tmp_path, run_cli, monkeypatch):
    """SIGKILL while an import copies its audio: the next command removes the staging folder."""
    import numpy as np
    import soundfile as sf

    store_root = tmp_path / "store"
    monkeypatch.setenv("IMPROV_STORE", str(store_root))
    assert run_cli("sessions", "import", write_midi(tmp_path / "a.mid"), "--client",
                   "C01").exit_code == 0
    Store(store_root).close()
    before = tree_snapshot(store_root)
    wav = tmp_path / "b.wav"
    sf.write(wav, np.zeros((4800, 1), np.float32), 48000)
    script = textwrap.dedent(IMPORT_CHILD).format(
        store=str(store_root), midi=str(write_midi(tmp_path / "c.mid")), wav=str(wav))
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert proc.stdout.readline().strip() == "ready"
        staged = [p for p in os.listdir(store_root / "tmp") if not p.endswith(".lock")]
        assert len(staged) == 1 and (store_root / "tmp" / staged[0] / "midi.tsv").exists()
        # an improv started meanwhile leaves the running import alone
        assert run_cli("sessions", "list", "--json").exit_code == 0
        assert (store_root / "tmp" / staged[0]).exists()
    finally:
        _kill(proc)
    r = run_cli("sessions", "list", "--json")
    assert r.exit_code == 0 and len(r.json()) == 1
    assert "removed 1 item " in r.stderr
    assert os.listdir(store_root / "tmp") == []
    assert tree_snapshot(store_root) == before


def test_delete_leaves_no_trash(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("IMPROV_STORE", str(tmp_path / "store"))
    r = run_cli("sessions", "import", write_midi(tmp_path / "a.mid"), "--client", "C01", "--json")
    sid = r.json()["id"]
    assert run_cli("sessions", "delete", sid, "--yes").exit_code == 0
    assert os.listdir(tmp_path / "store" / "tmp") == []
    assert run_cli("sessions", "list", "--json").json() == []


def test_a_reserve_the_disk_has_no_room_for_is_a_warning_in_words(tmp_path, caplog):
    """A disk too full for the reserve: no reserve, no file left, and a warning that says what
    that means for the recording, without an errno."""
    from tests.sessions.helpers import tmpfs

    with tmpfs(tmp_path / "disk", size="2m") as disk:
        tmp_dir = disk / "tmp"
        tmp_dir.mkdir(mode=0o700)
        with caplog.at_level("WARNING", logger="sessions.scratch"):
            assert scratch.reserve_space(tmp_dir, "reserve-x", 8 << 20) is None
        assert not [p for p in tmp_dir.iterdir() if "reserve-x" in p.name]
    (rec,) = [r for r in caplog.records if r.name == "sessions.scratch"]
    text = rec.getMessage()
    assert "the disk is full" in text and "8 MB" in text and "Errno" not in text

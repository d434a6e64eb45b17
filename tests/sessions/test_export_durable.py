"""``sessions export`` is synced to the disk before it says "exported", and leaves no hidden
partial export behind (review 31, M4): real files, a real ``kill -9`` of a real export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from sessions.export import check_sums, export_session
from tests.sessions.helpers import import_room_duet


@pytest.fixture
def sid(store, tmp_path) -> str:
    return import_room_duet(store, tmp_path)


@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_every_file_and_folder_is_synced_before_the_rename(store, sid, tmp_path, fsynced, kind):
    out = tmp_path / "usb"
    out.mkdir()
    to = out / "c07.zip" if kind == "zip" else out
    path = export_session(store.folder(sid), to)
    synced = [Path(p) for p in fsynced]
    if kind == "zip":
        assert path == to and zipfile.ZipFile(path).testzip() is None
        assert any(p.name.startswith(".c07.zip.") and p.name.endswith(".partial")
                   for p in synced), synced  # the zip itself, under its hidden name
    else:
        assert path == out / sid and check_sums(path) == []
        files = [p for p in path.rglob("*") if p.is_file()]
        for f in files:  # each file was synced under the partial folder's name
            rel = f.relative_to(path).as_posix()
            assert any(p.match(f"*/.{sid}.*.partial/{rel}") for p in synced), rel
    assert synced[-1] == out  # the folder it was renamed in, last
    assert [n for n in os.listdir(out) if n.startswith(".")] == []


@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_a_failed_export_leaves_nothing(store, sid, tmp_path, kind, monkeypatch):
    out = tmp_path / "usb"
    out.mkdir()
    to = out / "c07.zip" if kind == "zip" else out
    from sessions import partial_output

    real = partial_output.PartialSink.copy
    calls = []

    def fail_on_second(sink, rel, src):  # the disk fills in the middle of the export
        calls.append(rel)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(sink, rel, src)

    monkeypatch.setattr(partial_output.PartialSink, "copy", fail_on_second)
    with pytest.raises(OSError):
        export_session(store.folder(sid), to)
    assert os.listdir(out) == []


KILLED = """
import sys
from pathlib import Path
from sessions import partial_output
from sessions.export import export_session

real = partial_output.PartialSink.copy
def slow(sink, rel, src):  # say when the partial export exists, then wait to be killed
    out = real(sink, rel, src)
    print("copying", flush=True)
    sys.stdin.readline()
    return out
partial_output.PartialSink.copy = slow
export_session(Path(sys.argv[1]), Path(sys.argv[2]))
"""


@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_what_a_killed_export_left_is_removed_by_the_next(store, sid, tmp_path, run_cli, kind):
    out = tmp_path / "usb"
    out.mkdir()
    to = out / "c07.zip" if kind == "zip" else out
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(store.folder(sid)), str(to)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parents[2])
    try:
        assert proc.stdout.readline() == "copying\n"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = [n for n in os.listdir(out) if n.endswith(".partial")]
    assert len(left) == 1 and left[0].startswith("." + (to.name if kind == "zip" else sid))
    for _ in range(50):  # the killed process is gone for good (its PID named the partial)
        try:
            os.kill(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    r = run_cli("sessions", "export", sid, "--to", to)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == f"removed {out / left[0]}, left by an export that did not finish\n"
    assert sorted(os.listdir(out)) == [to.name if kind == "zip" else sid]


def test_an_export_by_an_older_improv_left_is_removed_too(store, sid, tmp_path, run_cli):
    out = tmp_path / "usb"
    out.mkdir()
    (out / ".c07.zip.partial").write_bytes(b"PK half a recording")
    (out / ".other.zip.partial").write_bytes(b"not ours")  # another export's name: kept
    r = run_cli("sessions", "export", sid, "--to", out / "c07.zip")
    assert r.exit_code == 0, r.stderr
    assert sorted(os.listdir(out)) == [".other.zip.partial", "c07.zip"]

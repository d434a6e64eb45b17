"""Web uploads are staged in the store's ``tmp/``, never in the system's temporary folder
(review 29 recheck, N9): owner-only, removed at shutdown, swept when a killed server left
them, and never written through a link put in place of ``tmp/``."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sessions.store import Store

REPO = Path(__file__).resolve().parents[3]


def test_uploads_are_staged_in_the_store_and_removed_at_shutdown(tmp_path, client_for):
    path = tmp_path / "store"
    c = client_for(path)
    r = c.post("/api/uploads", content=b"MThd" + b"\0" * 10, headers={"X-Filename": "x.mid"})
    assert r.status_code == 400  # not a MIDI file: refused, nothing left staged
    (folder,) = [p for p in (path / "tmp").glob(f"uploads-{os.getpid()}-*") if p.is_dir()]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and list(folder.iterdir()) == []
    assert (folder.parent / (folder.name + ".lock")).is_file()  # claimed: not swept
    with Store(path) as store:
        assert store.sweep_tmp() == []
    assert folder.is_dir()
    c.__exit__(None, None, None)  # the app stops
    assert list((path / "tmp").iterdir()) == []


def test_the_staging_folder_of_a_killed_server_is_swept(tmp_path):
    path = tmp_path / "store"
    code = ("import os, sys; from pathlib import Path; "
            "from improv.web.app import _staging_folder; "
            "claim, folder = _staging_folder(Path(sys.argv[1])); "
            "(folder / 'u1').mkdir(); (folder / 'u1' / 'room.wav').write_bytes(b'RIFF'); "
            "print(folder.name); os._exit(0)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert (path / "tmp" / out / "u1" / "room.wav").is_file()  # left by the killed server
    with Store(path) as store:
        assert store.sweep_tmp() == [out]
    assert list((path / "tmp").iterdir()) == []


def test_a_link_put_in_place_of_tmp_after_start_is_not_written_through(tmp_path, client_for):
    path = tmp_path / "store"
    c = client_for(path)
    outside = tmp_path / "outside"
    os.rename(path / "tmp", outside)  # the staging folder with it
    os.symlink(outside, path / "tmp")
    os.utime(outside, ns=(10**18, 10**18))
    before = sorted(p.relative_to(outside) for p in outside.rglob("*"))
    r = c.post("/api/uploads", content=b"RIFF", headers={"X-Filename": "room.wav"})
    assert r.status_code == 400
    assert r.json()["error"] == ("the store/tmp is a symbolic link; improv does not follow "
                                 "links out of its store: put the folder it points to in its "
                                 "place (or remove the link) and try again")
    assert sorted(p.relative_to(outside) for p in outside.rglob("*")) == before
    assert outside.stat().st_mtime_ns == 10**18

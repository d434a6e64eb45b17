"""Backups from the web app (improv.web.api_backup): Back up now, Check, and every refusal,
with real stores, the real backup_store and check_backup, and real folders and disks (a small
tmpfs, mounted when the tests run as root, for a full and a read-only disk)."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from pathlib import Path

import pytest

from improv.web import api_backup
from improv.web.api_backup import SAME_DISK_WORDS, folder_hints
from sessions import locks


def _signed_in(client_for, store):
    return client_for(store)


def _finish(c, timeout=120):
    """Wait for the app's backup job; its state."""
    c.app.state.backup_jobs.wait(timeout)
    job = c.get("/api/backup/job").json()["job"]
    assert not job["running"]
    return job


@pytest.fixture
def usb(tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


def _mount(path: Path, options: str):
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def _disk(path: Path, size: str):
    """A real disk of its own at ``path`` (a tmpfs of ``size``; root only), unmounted after."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    _mount(path, f"size={size},mode=0700")
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB disk, smaller than the demo store's backup."""
    yield from _disk(tmp_path / "small", "1m")


def test_back_up_now_makes_a_checked_backup_and_remembers_the_folder(demo_store, usb,
                                                                     client_for):
    path, sid = demo_store
    c = _signed_in(client_for, path)
    before = c.get("/api/backup").json()
    assert before["store"] == str(path.absolute())
    assert before["sessions"] == 1 and before["last"] is None and before["job"] is None
    assert before["size"].endswith("MB") and before["backup_bytes"] > 1e6
    r = c.post("/api/backup", json={"folder": str(usb)})
    assert r.status_code == 202 and r.json()["job"]["running"]
    job = _finish(c)
    target = Path(job["to"])  # the day's name, as the server saw the day (not at import)
    assert target.parent == usb and re.fullmatch(r"improv-\d{4}-\d{2}-\d{2}\.zip", target.name)
    assert job["ok"] is True and job["error"] is None
    # the test's folder is on the store's disk, which the sentence says is no protection
    assert re.fullmatch(rf"Backed up 1 session \(\d+\.\d MB\) to {re.escape(str(target))}; "
                        r"checked: every file in it is whole\. " + re.escape(SAME_DISK_WORDS),
                        job["sentence"]), job
    assert job["result"]["same_disk"] is True
    assert target.is_file() and job["done"] == job["total"] == 1
    from sessions.backup_restore import check_backup

    assert check_backup(target)["sessions"] == 1  # a real backup, whole
    after = c.get("/api/backup").json()
    assert after["last"]["to"] == str(target.resolve()) and after["last"]["ago"] == "today"
    assert after["last"]["there"] is True
    assert after["proposed"] == str(usb.resolve())  # the folder used last is proposed
    assert after["name"] == f"{target.stem}-2.zip"  # the day's name is taken: a new one
    assert "last backup: today" in c.get("/help/").text
    # a second backup the same day goes beside the first, never over it
    assert c.post("/api/backup", json={"folder": after["proposed"]}).status_code == 202
    job = _finish(c)
    assert job["ok"] and (usb / f"{target.stem}-2.zip").is_file()


def test_backup_names_the_clients_goals(course_store, usb, client_for):
    from sessions import goals as gl

    path, _ids = course_store
    from sessions.store import Store

    with Store(path) as st:
        gl.add_goal(st, "C07", text="Plays softer", since="2026-01-05", indicators=[])
    c = _signed_in(client_for, path)
    c.post("/api/backup", json={"folder": str(usb)})
    job = _finish(c)
    assert job["sentence"].startswith("Backed up 4 sessions and the goals of 1 client (")


def test_disks_plugged_in_are_offered(demo_store, client_for, monkeypatch, tmp_path):
    disk = tmp_path / "media" / "anna" / "BACKUP"
    disk.mkdir(parents=True)
    monkeypatch.setattr(api_backup, "removable_disks", lambda: [disk])
    d = _signed_in(client_for, demo_store[0]).get("/api/backup").json()
    assert d["disks"] == [str(disk)] and d["proposed"] == str(disk)  # no backup yet: the disk


def test_check_the_last_backup_whole_and_damaged(demo_store, usb, client_for):
    c = _signed_in(client_for, demo_store[0])
    c.post("/api/backup", json={"folder": str(usb)})
    path = Path(_finish(c)["to"])
    r = c.post("/api/backup/check", json={})
    assert r.status_code == 202 and r.json()["job"]["kind"] == "check"
    job = _finish(c)
    assert job["ok"] is True
    assert re.fullmatch(rf"The backup {re.escape(str(path))} is whole: 1 session, \d+ files "
                        r"\(\d+\.\d MB\) match their checksums\.", job["sentence"]), job
    # one byte changed in the stored audio: the check names the damage
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    c.post("/api/backup/check", json={"path": str(path)})
    job = _finish(c)
    assert job["ok"] is False and job["sentence"].startswith(f"The backup {path} is damaged: ")
    assert "audio/room-mics.wav" in job["sentence"]  # the file named (the zip's own CRC or ours)
    assert job["sentence"].endswith("Make a new backup.")


def test_check_refusals(demo_store, tmp_path, client_for):
    c = _signed_in(client_for, demo_store[0])
    r = c.post("/api/backup/check", json={})
    assert r.status_code == 404
    assert r.json()["error"] == "No backup has been made from this store yet: make one first."
    r = c.post("/api/backup/check", json={"path": str(tmp_path / "gone.zip")})
    assert r.status_code == 404 and "is not there: plug in the backup disk" in r.json()["error"]
    # not a backup at all: the check runs and says so in one sentence
    (tmp_path / "notes").mkdir()
    assert c.post("/api/backup/check", json={"path": str(tmp_path / "notes")}).status_code == 202
    job = _finish(c)
    assert job["ok"] is False and job["error"].startswith(
        f"The backup {tmp_path / 'notes'} could not be checked: notes is a folder without "
        "SHA256SUMS: not an improv export or backup")


@pytest.mark.parametrize("folder, status, words", [
    ("", 400, "Give the folder to back up into, e.g. the backup disk's folder."),
    ("   ", 400, "Give the folder to back up into, e.g. the backup disk's folder."),
    ("BACKUP", 400, f"Give the whole folder, for example {folder_hints()['example']} (not just "
                    "'BACKUP')."),
    ("{tmp}/nowhere", 404, "The folder {tmp}/nowhere does not exist: plug in the backup disk, or "
                           "create the folder first."),
    ("{tmp}/a-file", 400, "{tmp}/a-file is a file, not a folder: choose the folder to back up "
                          "into."),
    ("{store}/sessions", 400, "{store}/sessions is inside improv's store itself: a backup there "
                              "would be lost with the store. Choose a folder on the backup "
                              "disk."),
    ("{store}", 400, "{store} is inside improv's store itself: a backup there would be lost with "
                     "the store. Choose a folder on the backup disk."),
])
def test_refused_folders_are_said_in_one_sentence(demo_store, tmp_path, client_for, folder,
                                                  status, words):
    store = demo_store[0]
    (tmp_path / "a-file").write_text("x")
    c = _signed_in(client_for, store)
    fill = {"tmp": tmp_path, "store": store}
    r = c.post("/api/backup", json={"folder": folder.format(**fill)})
    assert r.status_code == status
    assert r.json() == {"error": words.format(**fill)}
    assert c.get("/api/backup/job").json()["job"] is None  # nothing started
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "store"]


def test_a_folder_that_cannot_be_written_is_refused(demo_store, tmp_path, client_for):
    folder = tmp_path / "locked"
    if os.geteuid() == 0:  # root writes into any folder: a read-only disk, really mounted
        _mount(folder, "ro,size=1m")
    else:
        folder.mkdir(mode=0o500)
    try:
        c = _signed_in(client_for, demo_store[0])
        r = c.post("/api/backup", json={"folder": str(folder)})
        assert r.status_code == 400
        assert r.json()["error"] == (f"improv may not write into {folder} (a read-only disk, or "
                                     "a folder of another user): choose another folder.")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        else:
            folder.chmod(0o700)


def test_a_disk_too_small_is_refused_before_anything_is_written(demo_store, small_disk,
                                                                client_for):
    c = _signed_in(client_for, demo_store[0])
    r = c.post("/api/backup", json={"folder": str(small_disk)})
    assert r.status_code == 507
    assert re.fullmatch(rf"The disk of {re.escape(str(small_disk))} is too full: the backup "
                        r"needs about \d+\.\d MB and 1\.0 MB is free\. Make room on it or use "
                        r"another disk\.", r.json()["error"]), r.json()
    assert list(small_disk.iterdir()) == []


def test_a_disk_that_fills_during_the_backup(demo_store, small_disk, client_for, monkeypatch):
    """The disk fills while the backup runs (its free room was read as plenty, as when another
    program writes there meanwhile): a real ENOSPC, one sentence, nothing left on the disk."""
    monkeypatch.setattr(api_backup, "free_bytes", lambda folder: 1 << 40)
    c = _signed_in(client_for, demo_store[0])
    assert c.post("/api/backup", json={"folder": str(small_disk)}).status_code == 202
    job = _finish(c)
    assert job["ok"] is False
    assert re.fullmatch(rf"The backup disk is full: the backup needs about \d+\.\d MB\. Nothing "
                        rf"was left in {re.escape(str(small_disk))}; make room on the disk or use "
                        r"a larger one\.", job["error"]), job
    assert list(small_disk.iterdir()) == []
    assert c.get("/api/backup").json()["last"] is None  # no backup was noted


def _holding_the_session(store: Path, sid: str):
    """The session's folder locked as a manifest change locks it: a backup waits for it."""
    return locks.folder_lock(store / "sessions" / sid)


def _wait_for_the_first_session(c, timeout=30.0):
    import time

    end = time.monotonic() + timeout
    while "session 1 of" not in c.get("/api/backup/job").json()["job"]["sentence"]:
        assert time.monotonic() < end, "the backup did not reach the first session"
        time.sleep(0.05)


def test_a_second_backup_or_check_while_one_runs_is_refused(demo_store, usb, client_for):
    store, sid = demo_store
    c = _signed_in(client_for, store)
    with _holding_the_session(store, sid):
        r = c.post("/api/backup", json={"folder": str(usb)})
        assert r.status_code == 202
        target = Path(r.json()["job"]["to"])
        _wait_for_the_first_session(c)
        for path, body in (("/api/backup", {"folder": str(usb)}), ("/api/backup/check", {})):
            r = c.post(path, json=body)
            assert r.status_code == 409
            assert r.json()["error"] == (f"A backup is running already (to {target}): wait "
                                         "until it has finished.")
        job = c.get("/api/backup").json()["job"]
        assert job["running"] and job["sentence"] == f"Backing up session 1 of 1 to {target}…"
    assert _finish(c)["ok"]


def test_a_backup_whose_folder_goes_away_leaves_nothing(demo_store, usb, client_for):
    """The backup disk unplugged (here: its folder removed) while the backup runs."""
    import shutil

    store, sid = demo_store
    c = _signed_in(client_for, store)
    with _holding_the_session(store, sid):
        assert c.post("/api/backup", json={"folder": str(usb)}).status_code == 202
        _wait_for_the_first_session(c)  # its partial file is on the disk now
        shutil.rmtree(usb)
    job = _finish(c)
    target = Path(job["to"])
    assert target.parent == usb and job["ok"] is False
    assert job["error"].startswith(f"The backup to {target} did not finish: cannot write ")
    assert job["error"].endswith(". Nothing was left there.")
    assert not usb.exists()
    assert c.get("/api/backup").json()["last"] is None


def test_closing_improv_stops_the_backup_and_removes_it(demo_store, usb, client_for,
                                                        monkeypatch):
    store, sid = demo_store
    c = _signed_in(client_for, store)
    ended = threading.Thread(target=lambda: None)
    ended.start()
    ended.join()
    with _holding_the_session(store, sid):
        # the main thread has ended: Python is closing (as after Ctrl-C in improv serve)
        monkeypatch.setattr(threading, "main_thread", lambda: ended)
        assert c.post("/api/backup", json={"folder": str(usb)}).status_code == 202
    job = _finish(c)
    monkeypatch.undo()
    assert job["ok"] is False and job["error"] == (
        "The backup was stopped because improv was closed; nothing was left on the disk.")
    assert list(usb.iterdir()) == []


def test_back_up_now_keeps_the_apps_security(demo_store, usb, client_for):
    from tests.improv.web.conftest import BASE

    store = demo_store[0]
    c = client_for(store, signed_in=False)
    r = c.post("/api/backup", json={"folder": str(usb)})
    assert r.status_code == 401 and r.json()["signed_in"] is False
    c = _signed_in(client_for, store)
    r = c.post("/api/backup", json={"folder": str(usb)}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]
    del c.headers["X-Improv-Request"]  # a plain form post: no Origin, no custom header
    r = c.post("/api/backup", json={"folder": str(usb)})
    assert r.status_code == 403 and "X-Improv-Request" in r.json()["error"]
    r = c.post("/api/backup/check", json={})
    assert r.status_code == 403
    assert list(usb.iterdir()) == [] and c.get("/api/backup/job").json()["job"] is None
    # with the app's own Origin it goes through
    assert c.post("/api/backup", json={"folder": str(usb)},
                  headers={"Origin": BASE}).status_code == 202
    assert _finish(c)["ok"]


def test_the_help_page_leads_to_the_backups_page(tmp_path, client_for):
    text = client_for(tmp_path / "store").get("/help/").text
    assert '<a href="/#/backups">Backups</a>' in text  # in the header's pages
    assert 'no backup made from it yet · <a href="/#/backups">Back up now</a>' in text


def test_closing_improv_serve_stops_a_backup_and_leaves_nothing(demo_store, usb, live_server):
    """The real server, ended as Ctrl-C ends it, while a backup waits for its first session:
    it goes on to the next session only to stop there, removes its partial file and exits."""
    import signal
    import time

    import httpx

    from improv.demo import create_demo_session
    from sessions.store import Store

    store, _demo = demo_store
    with Store(store) as st:
        create_demo_session(st, duration=5.0)
        first = st.session_ids()[0]  # the backup's first (two demos of one second: any order)
    server = live_server(store)
    with httpx.Client(follow_redirects=True, headers={"X-Improv-Request": "1",
                                                      "X-Improv-Token": server.token}) as http:
        with _holding_the_session(store, first):
            r = http.post(f"{server.base}/api/backup", json={"folder": str(usb)})
            assert r.status_code == 202, r.text
            end = time.monotonic() + 30
            while "session 1 of 2" not in http.get(f"{server.base}/api/backup/job").json()[
                    "job"]["sentence"]:
                assert time.monotonic() < end
                time.sleep(0.05)
            assert len(list(usb.iterdir())) == 1  # the hidden partial backup
            server.proc.send_signal(signal.SIGINT)
            time.sleep(1.0)  # the server closes while the backup waits for the session
            assert server.proc.poll() is None  # it waits for the backup thread
    server.proc.wait(60)  # Ctrl-C's exit status ("aborted"): the backup did not hold it up
    time.sleep(0.5)  # the last lines of its stderr read
    assert list(usb.iterdir()) == []
    assert any("the backup to" in line and "was stopped because improv was closed" in line
               for line in server.stderr), server.stderr


def test_a_session_being_recorded_is_left_out_and_named(demo_store, usb, client_for):
    from datetime import datetime, timezone

    from sessions.store import Store

    path, sid = demo_store
    with Store(path) as st:
        w = st.create_session(client="C07", players=["client"],
                              started=datetime.now(timezone.utc))
        w.add_midi_input("keys", player="client")
        w.midi(0.5, player="client", port="keys", data=bytes([0x90, 60, 80]))
        try:
            c = _signed_in(client_for, path)
            assert c.get("/api/backup").json()["busy"] == 1
            c.post("/api/backup", json={"folder": str(usb)})
            job = _finish(c)
        finally:
            w.finalize(duration_s=1.0)
    assert job["ok"] is True and job["sentence"].startswith("Backed up 1 session (")
    assert job["sentence"].endswith(
        f"; checked: every file in it is whole. Session {w.id} is not in it (being recorded "
        "now): back up again when it is finished. " + SAME_DISK_WORDS)


@pytest.fixture
def other_disk(tmp_path):
    """A real 64 MB disk of its own, as a USB backup disk is."""
    yield from _disk(tmp_path / "other", "64m")


def test_a_backup_on_another_disk_has_no_same_disk_warning(demo_store, other_disk,
                                                            client_for):
    """Review 29 (new, 8b): a folder on the store's own disk was taken without a word; a
    backup disk of its own gets no warning."""
    path, _sid = demo_store
    c = _signed_in(client_for, path)
    assert c.post("/api/backup", json={"folder": str(other_disk)}).status_code == 202
    job = _finish(c)
    assert job["ok"] is True and job["result"]["same_disk"] is False
    assert job["sentence"].endswith("checked: every file in it is whole."), job["sentence"]


def test_the_page_names_folders_as_this_system_does(demo_store, client_for, monkeypatch):
    """Review 29 (new, 8a): the field's example and the refusal spoke Linux only."""
    path, _sid = demo_store
    c = _signed_in(client_for, path)
    hints = c.get("/api/backup").json()["hints"]
    assert hints == folder_hints()
    r = c.post("/api/backup", json={"folder": "backup"})
    assert r.status_code == 400
    assert r.json()["error"] == (f"Give the whole folder, for example {hints['example']} (not "
                                 "just 'backup').")
    assert folder_hints("win32") == {"example": "E:\\",
                                     "disks": "on Windows a backup disk has a letter, e.g. E:"}


"""The Backups page's sentence for a store whose session is damaged (review 29 recheck, N2 and
N9): the damage is in the store, so the advice is to look at the session, not to make another
backup (which would copy it again). Real store, real backup and check."""

from __future__ import annotations

from improv.web.api_backup import SAME_DISK_WORDS
from tests.sessions.helpers import garble_event_log


def _finish(c, timeout=120):
    c.app.state.backup_jobs.wait(timeout)
    job = c.get("/api/backup/job").json()["job"]
    assert not job["running"]
    return job


def test_a_damaged_session_in_the_store_is_not_blamed_on_the_backup(demo_store, tmp_path,
                                                                    client_for):
    path, sid = demo_store
    folder = path / "sessions" / sid
    garble_event_log(folder)
    usb = tmp_path / "usb"
    usb.mkdir()
    c = client_for(path)
    assert c.post("/api/backup", json={"folder": str(usb)}).status_code == 202
    job = _finish(c)
    assert job["ok"] is False and job["result"]["whole"] is False
    sentence = job["sentence"]
    assert "make another backup" not in sentence, sentence
    head, _, rest = sentence.partition("; checked: ")
    assert head.startswith("Backed up 1 session (")
    assert rest.startswith("it holds what the store holds, but the damage named below is in "
                           f"the store itself, so another backup would copy it again. Session "
                           f"{sid} is damaged (midi.tsv"), sentence
    assert (f"its files were copied as they are ('improv sessions verify {sid}' says what is "
            f"wrong). {SAME_DISK_WORDS}") in sentence
    # "Check the last backup" says the same: the damage is the store's, not the backup's
    assert c.post("/api/backup/check", json={}).status_code == 202
    check = _finish(c)
    assert check["ok"] is False and "Make a new backup" not in check["sentence"], check["sentence"]
    assert check["sentence"].endswith(f"The damage is in the store itself: 'improv sessions "
                                      f"verify {sid}' says what is wrong there."), check

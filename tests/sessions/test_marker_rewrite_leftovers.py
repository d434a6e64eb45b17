"""What a crash leaves of an annotation change's rewrite of ``session.mid``'s markers (a second
name, ``.session.mid.<hex>.before``, kept until ``session.json``'s checksum is written), settled
by ``improv sessions recover`` through real files (review 31: it was never swept)."""

from __future__ import annotations

import os

import pytest

from sessions.annotation_edits import add_annotation
from sessions.fsutil import atomic_write_bytes
from sessions.verify import verify_folder
from tests.sessions.helpers import import_room_duet


@pytest.fixture
def sid(store, tmp_path):
    sid = import_room_duet(store, tmp_path)
    add_annotation(store, sid, t=1.0, text="a marker")
    return sid


def _smf(store, sid):
    return store.folder(sid) / store.session(sid).manifest["smf"]["file"]


def test_a_crash_after_the_new_markers_and_before_the_checksum_is_put_back(run_cli, store, sid):
    path = _smf(store, sid)
    earlier = path.read_bytes()
    keep = path.with_name(f".{path.name}.0badc0de.before")
    os.link(path, keep)
    atomic_write_bytes(path, earlier + b"new markers")  # written; the manifest never was
    assert not verify_folder(store.folder(sid))["ok"]
    done = run_cli("sessions", "recover")
    assert done.exit_code == 0, done.output
    assert f"put back {path.name} of session {sid} as its checksum says" in done.stdout
    assert path.read_bytes() == earlier and not keep.exists()
    assert verify_folder(store.folder(sid))["ok"]


def test_a_second_name_left_after_the_checksum_was_written_is_removed(run_cli, store, sid):
    path = _smf(store, sid)
    keep = path.with_name(f".{path.name}.12345678.before")
    os.link(path, keep)
    done = run_cli("sessions", "recover")
    assert f"removed a second name of {path.name} of session {sid}" in done.stdout
    assert not keep.exists() and path.exists() and verify_folder(store.folder(sid))["ok"]
    assert "second name" not in run_cli("sessions", "recover").stdout


def test_a_second_name_that_matches_nothing_is_left_for_verify(run_cli, store, sid):
    path = _smf(store, sid)
    keep = path.with_name(f".{path.name}.abcdef01.before")
    keep.write_bytes(b"something else")
    atomic_write_bytes(path, path.read_bytes() + b"changed")
    done = run_cli("sessions", "recover")
    assert done.exit_code == 0 and keep.exists()
    assert not verify_folder(store.folder(sid))["ok"]  # the checksum mismatch is reported


def test_the_second_name_is_read_back_as_the_file_it_keeps(tmp_path):
    from sessions.fsutil import before_name, kept_by

    made = before_name(tmp_path / "session.mid")
    assert made.parent == tmp_path and made.name.startswith(".session.mid.")
    assert kept_by(made.name) == "session.mid"
    assert before_name(tmp_path / "session.mid") != made  # a new name each time
    for other in ("session.mid", ".session.mid.before", ".session.mid.1a2b3c4.before",
                  ".session.mid.1A2B3C4D.before", "session.mid.1a2b3c4d.before",
                  "..1a2b3c4d.before", ".session.mid.1a2b3c4d.before.tmp"):
        assert kept_by(other) is None, other

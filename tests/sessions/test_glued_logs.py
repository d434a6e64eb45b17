"""Records an older improv glued onto a torn line (review 31: a failed append left its first
bytes, the next append followed them on the same line), through real files: readers take the
whole record with a warning naming the file and line (never its text), ``sessions verify``
says so without failing, ``sessions recover`` separates them for good, keeping the torn bytes
in ``<log>.torn``, and an annotation change that waited while the log was rewritten goes on.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading

import pytest

from sessions import annotation_log as ann
from sessions.annotation_edits import add_annotation
from sessions.lines import glued_at
from sessions.notes import notes_history, save_notes
from sessions.revisions import correct_session, read_revisions
from sessions.verify import verify_folder
from tests.sessions.helpers import import_room_duet

LOGS = ("annotations.jsonl", "revisions.jsonl", "notes.history.jsonl")


@pytest.fixture
def sid(store, tmp_path):
    return import_room_duet(store, tmp_path)


def _glue(path, torn: bytes) -> bytes:
    """Put ``torn`` (the first bytes of a record whose write failed) in front of the last
    line, as the older improv's next append left it; returns that line as it was."""
    blob = path.read_bytes()
    head, last = blob[:-1].rsplit(b"\n", 1) if blob[:-1].count(b"\n") else (b"", blob[:-1])
    path.write_bytes((head + b"\n" if head else b"") + torn + last + b"\n")
    return last


def _fill(store, sid):
    folder = store.folder(sid)
    add_annotation(store, sid, t=1.0, text="first")
    add_annotation(store, sid, t=2.0, text="second")
    correct_session(store, sid, title="One")
    correct_session(store, sid, title="Two")
    save_notes(folder, "version one")
    save_notes(folder, "version two")
    return folder


def _readers(store, sid, folder):
    return {"annotations.jsonl": lambda: [a["text"] for a in store.session(sid).annotations()],
            "revisions.jsonl": lambda: [r["to"] for r in read_revisions(folder)],
            "notes.history.jsonl": lambda: [v["text"] for v in notes_history(folder)]}


def test_glued_at_finds_the_whole_record_after_the_torn_bytes():
    whole = json.dumps({"op": "create", "id": "a-1", "meta": {"x": [1, {"y": 2}]}}).encode()
    torn = json.dumps({"op": "create", "text": "secret"}).encode()[:25]
    assert glued_at(torn + whole) == len(torn)
    assert glued_at(whole) == 0  # a whole line is no glued one
    assert glued_at(torn) == 0 and glued_at(b'{"a": 1} {"b": 2}') == 0  # nothing whole to the end
    assert glued_at(torn + torn) == 0


@pytest.mark.parametrize("name", LOGS)
def test_a_glued_record_is_read_with_a_warning_and_verify_says_so(store, sid, caplog, name):
    folder = _fill(store, sid)
    read = _readers(store, sid, folder)[name]
    expected = read()
    _glue(folder / name, b'{"op": "create", "text": "secret wor')
    with caplog.at_level(logging.WARNING):
        assert read() == expected
        assert read() == expected
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1 and f"{name} of session {sid}: line 2 holds a record glued" in said[0]
    assert "secret" not in said[0] and "sessions recover" in said[0]
    report = verify_folder(folder)
    assert report["ok"], report["problems"]
    assert [w for w in report["warnings"] if name in w and "glued" in w]


def test_recover_separates_the_glued_records_and_keeps_the_torn_bytes(run_cli, store, sid):
    folder = _fill(store, sid)
    before = {n: r() for n, r in _readers(store, sid, folder).items()}
    torn = {n: json.dumps({"text": f"torn {n}"}).encode()[:20] for n in LOGS}
    for name in LOGS:
        _glue(folder / name, torn[name])
    recovered = run_cli("sessions", "recover")
    assert recovered.exit_code == 0, recovered.output
    for name in LOGS:
        assert f"separated 1 line of {name} of session {sid}" in recovered.stdout
        assert (folder / f"{name}.torn").read_bytes() == torn[name] + b"\n"
        assert not [ln for ln in (folder / name).read_bytes().splitlines() if glued_at(ln)]
        assert (folder / name).stat().st_mode & 0o777 == 0o600
    assert {n: r() for n, r in _readers(store, sid, folder).items()} == before
    report = verify_folder(folder)
    assert report["ok"] and report["warnings"] == []
    assert "separated" not in run_cli("sessions", "recover").stdout


def test_a_damaged_line_with_nothing_whole_after_it_is_still_an_error(store, sid):
    folder = _fill(store, sid)
    with open(folder / "annotations.jsonl", "ab") as f:
        f.write(b'{"op": "create", "te{"op": "crea\n')
    assert not verify_folder(folder)["ok"]


def test_an_annotation_waiting_while_recover_rewrote_the_log_is_saved(store, sid):
    """The annotation lock is on the log itself: a change that waited on the file the rewrite
    replaced takes the new file's lock (before, it said the session had been deleted)."""
    folder = _fill(store, sid)
    path = folder / "annotations.jsonl"
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as 'sessions recover' holds it while it rewrites
    done: dict = {}

    def annotate():
        try:
            done["a"] = add_annotation(store, sid, t=3.0, text="third")
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            done["error"] = exc
    worker = threading.Thread(target=annotate)
    worker.start()
    worker.join(0.5)
    assert worker.is_alive(), done  # waiting for the lock
    new = path.with_name(".rewrite")
    new.write_bytes(path.read_bytes())
    os.chmod(new, 0o600)
    os.replace(new, path)  # the log replaced whole, as sessions.lines.unglue does
    os.close(fd)
    worker.join(10)
    assert "error" not in done, done.get("error")
    assert [a["text"] for a in ann.fold(ann.read_records(path))] == ["first", "second", "third"]

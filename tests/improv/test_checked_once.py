"""A client's page checks each session's midi.tsv against its checksum on every load
(``why_left_out``); a file unchanged since this process read it is not read again
(improv.analyze.checked), and one changed since is still caught."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from tests.sessions.helpers import import_weekly_session

START = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
LONG_AGO_NS = 1_700_000_000 * 10**9  # Nov 2023: well outside the racy window


@pytest.fixture
def sid(store, tmp_path, rng):
    from improv.analyze import checked

    checked.forget()
    yield import_weekly_session(store, tmp_path, week=0, notes=30, duration=20.0, rng=rng,
                                start=START)
    checked.forget()


@pytest.fixture
def reads(monkeypatch):
    """The files sha256_file reads, in order."""
    import sessions.fsutil

    read = []
    real = sessions.fsutil.sha256_file

    def counting(path, **kw):
        read.append(path.name)
        return real(path, **kw)

    monkeypatch.setattr(sessions.fsutil, "sha256_file", counting)
    return read


def _age(path):
    os.utime(path, ns=(LONG_AGO_NS, LONG_AGO_NS))
    return path


def test_an_unchanged_midi_log_is_read_once(store, sid, reads):
    from improv.reports.compare import why_left_out

    _age(store.folder(sid) / "midi.tsv")
    assert [why_left_out(store, sid) for _ in range(3)] == [None, None, None]
    assert reads == ["midi.tsv"]  # read on every call before


def test_a_midi_log_just_written_is_read_every_time(store, sid, reads, monkeypatch):
    """Within the file system's time resolution a second write may leave its times as they
    were: a file modified in the last seconds is not kept."""
    from improv.analyze import checked
    from improv.reports.compare import why_left_out

    monkeypatch.setattr(checked, "RACY_S", 10.0**6)  # however slowly this machine runs
    os.utime(store.folder(sid) / "midi.tsv")  # modified now
    assert [why_left_out(store, sid) for _ in range(2)] == [None, None]
    assert reads == ["midi.tsv", "midi.tsv"]


@pytest.mark.parametrize("damage", ["same size, times put back", "appended", "replaced"])
def test_a_midi_log_damaged_after_the_check_is_still_left_out(store, sid, reads, damage):
    from improv.reports.compare import why_left_out

    tsv = _age(store.folder(sid) / "midi.tsv")
    assert why_left_out(store, sid) is None
    data = tsv.read_bytes()
    i = len(data) // 2
    changed = data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]  # one byte
    if damage == "same size, times put back":
        with open(tsv, "r+b") as f:  # the same inode, the same size, the old times
            f.write(changed)
        _age(tsv)
    elif damage == "appended":
        tsv.write_bytes(data + b"1.0\tgarbage\n")
    else:  # another file in its place, with the old times (a copy kept with cp -p)
        other = tsv.with_name("midi.tsv.copy")
        other.write_bytes(changed)
        _age(other).replace(tsv)
    why = why_left_out(store, sid)
    assert why is not None and "midi.tsv of session" in why and "does not match" in why
    assert reads == ["midi.tsv", "midi.tsv"]
    assert why_left_out(store, sid) == why  # and again


def test_a_midi_log_deleted_after_the_check_is_missing(store, sid):
    from improv.reports.compare import why_left_out

    tsv = _age(store.folder(sid) / "midi.tsv")
    assert why_left_out(store, sid) is None
    tsv.unlink()
    assert "midi.tsv of session " + sid + " is missing" in why_left_out(store, sid)

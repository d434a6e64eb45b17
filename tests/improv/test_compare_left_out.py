"""Review 29 finding 8: one damaged session of a client is left out of the client's course
(``compare --client``, ``report --client``; the web app's compare, report and CSV in
tests/improv/web/test_client_left_out.py), named
with the reason; the others are compared, and the command exits 1."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from tests.sessions.helpers import import_weekly_session

START = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)


@pytest.fixture
def course(store, tmp_path, rng):
    """Four weekly sessions of C07 (IDs oldest first)."""
    return [import_weekly_session(store, tmp_path, week=k, notes=30, duration=20.0, rng=rng,
                                  start=START) for k in range(4)]


def _damage_manifest(store, sid):
    path = store.folder(sid) / "session.json"
    path.write_bytes(path.read_bytes()[:300])


def test_compare_client_leaves_a_damaged_session_out_with_the_reason(store, course):
    from improv.reports.compare import compare_client, left_out_notes

    _damage_manifest(store, course[1])
    r = compare_client(store, client="C07")
    assert [s["id"] for s in r["sessions"]] == [course[0], course[2], course[3]]
    assert [g["id"] for g in r["left_out"]] == [course[1]]
    (note,) = left_out_notes(r)
    assert note.startswith("Session 2 (Nov 9) could not be read and is left out: ")
    assert "session.json is not valid JSON" in note and str(store.root) not in note


def test_a_session_whose_recording_cannot_be_measured_is_left_out(store, course):
    from improv.reports.compare import compare_client

    tsv = store.folder(course[2]) / "midi.tsv"
    tsv.write_bytes(tsv.read_bytes() + b"\x00garbage")
    r = compare_client(store, client="C07")
    assert [g["id"] for g in r["left_out"]] == [course[2]]
    assert "midi.tsv" in r["left_out"][0]["reason"]
    assert len(r["sessions"]) == 3


def test_when_no_session_can_be_read_the_error_is_one_line(store, course):
    from improv.errors import ParameterError
    from improv.reports.compare import compare_client

    for sid in course:
        _damage_manifest(store, sid)
    with pytest.raises(ParameterError, match="none of the 4 sessions of client 'C07' could be "
                                             "read: .*improv sessions verify --all") as info:
        compare_client(store, client="C07")
    assert "\n" not in str(info.value)


def test_cli_compare_and_csv_show_the_others_warn_and_exit_1(run_cli, store, course):
    _damage_manifest(store, course[1])
    r = run_cli("compare", "--client", "C07")
    assert r.exit_code == 1, r.stderr
    assert "client C07: 3 sessions" in r.stdout
    assert "warning: Session 2 (Nov 9) could not be read and is left out: " in r.stderr
    assert "Traceback" not in r.stderr and "error:" not in r.stderr
    r = run_cli("compare", "--client", "C07", "--csv")
    assert r.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    # the left-out session has its row, in its place, saying why it has no values
    assert [row["session_id"] for row in rows] == course
    assert [bool(row["left_out"]) for row in rows] == [False, True, False, False]


def test_the_client_csv_names_a_left_out_session_in_its_row(store, course):
    """Re-check N6: a CSV handed on from the client page shows the session it misses."""
    from improv.reports.compare import client_csv, compare_client, data_dictionary_csv

    _damage_manifest(store, course[1])
    r = compare_client(store, client="C07")
    text = client_csv(r)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["session_id"] for row in rows] == course
    gone = rows[1]
    assert gone["left_out"].startswith("Session 2 (Nov 9) could not be read and is left out: ")
    assert "session.json is not valid JSON" in gone["left_out"]
    assert gone["client"] == "C07" and gone["started_utc"].startswith("2026-11-09")
    values = list(r["columns"])
    assert values and all(gone[c] == "" for c in [*values, "days", "duration_s", "demo"])
    assert all(row["left_out"] == "" and row[values[0]] != "" for row in rows if row is not gone)
    assert str(store.root) not in text
    meaning = {row[0]: row[2] for row in csv.reader(io.StringIO(data_dictionary_csv(r)))}
    assert meaning["left_out"].startswith("empty: the row holds the session's values")


def test_cli_report_names_the_left_out_session_in_the_report(run_cli, store, course, tmp_path):
    _damage_manifest(store, course[1])
    to = tmp_path / "c07.html"
    r = run_cli("report", "--client", "C07", "--to", to)
    assert r.exit_code == 1, r.stderr
    assert "warning: Session 2 (Nov 9) could not be read" in r.stderr
    text = to.read_text()
    assert "Left out:</b> Session 2 (Nov 9) could not be read and is left out" in text
    assert str(store.root) not in text


def test_a_report_leaves_out_the_writing_it_cannot_read(run_cli, store, course, tmp_path):
    """Damaged notes (not UTF-8) or a damaged annotation log: the session stays in the
    trends, its writing is left out and said so."""
    (store.folder(course[0]) / "notes.md").write_bytes(b"\xff\xfe\x00 not text")
    with open(store.folder(course[3]) / "annotations.jsonl", "a") as f:
        f.write('{"op":"create", garbage\n')
    to = tmp_path / "c07.html"
    r = run_cli("report", "--client", "C07", "--to", to)
    assert r.exit_code == 1, r.stderr
    text = to.read_text()
    assert ("Session 1 (Nov 2): its annotations or notes could not be read and are left out: "
            "notes.md is not a UTF-8 text file") in text
    assert "Session 4 (Nov 23): its annotations or notes could not be read" in text
    assert "4 sessions" in text
    assert "warning: Session 4 (Nov 23): its annotations or notes" in r.stderr


def _flip_midi_byte(store, sid):
    """Change one digit of a recorded time in midi.tsv: still a readable event log, but no
    longer the one recorded (its checksum no longer matches)."""
    tsv = store.folder(sid) / "midi.tsv"
    data = bytearray(tsv.read_bytes())
    k = data.index(b"\n", data.index(b"\n") + 1) + 1  # the second event's line
    while not chr(data[k]).isdigit():
        k += 1
    data[k] = ord("1") if data[k] != ord("1") else ord("2")
    tsv.write_bytes(bytes(data))


def test_a_recording_damaged_after_it_was_measured_is_left_out_not_compared(store, course):
    """Review 35: the catalog and the cache kept the measures of a session whose midi.tsv was
    damaged after it was measured, and the course, the goals and a comparison of two sessions
    used them without a word, while 'improv analyze' refuses the session."""
    from improv.reports.compare import compare_client, compare_sessions
    from sessions.errors import SessionFormatError

    compare_client(store, client="C07")  # every session measured, as before the damage
    _flip_midi_byte(store, course[1])
    r = compare_client(store, client="C07")
    assert [g["id"] for g in r["left_out"]] == [course[1]]
    assert "midi.tsv of session" in r["left_out"][0]["reason"]
    assert "does not match its checksum" in r["left_out"][0]["reason"]
    assert [s["id"] for s in r["sessions"]] == [course[0], course[2], course[3]]
    with pytest.raises(SessionFormatError, match="does not match its checksum.*nothing was "
                                                 "compared"):
        compare_sessions(store, [course[0], course[1]])
    compare_sessions(store, [course[0], course[2]])  # the others compare as before


def test_the_goals_leave_a_damaged_session_out_too(store, course, run_cli):
    from improv.reports.goals import goals_progress

    r = run_cli("goals", "add", "Plays more", "--client", "C07", "--since", "2026-11-02",
                "--indicator", "notes_per_s@client:up")
    assert r.exit_code == 0, r.stderr
    before = goals_progress(store, "C07", analyse=True)["goals"][0]["versions"][0]
    assert all(v is not None for v in before["indicators"][0]["values"])
    _flip_midi_byte(store, course[1])
    for analyse in (True, False):  # the command line, and the web app (measures in the catalog)
        after = goals_progress(store, "C07", analyse=analyse)["goals"][0]["versions"][0]
        values = after["indicators"][0]["values"]
        assert values[1] is None and all(v is not None for k, v in enumerate(values) if k != 1)

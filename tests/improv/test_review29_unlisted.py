"""A session folder the catalog does not list (it cannot be read, it is a link, it was copied
in) is counted by ``analyze --all`` as failed and named as left out of a client's course and
report, which then exit 1 (review 29, hostile files, finding 13)."""

from __future__ import annotations

from datetime import datetime, timezone

from improv.archive.batch import plan_batch
from sessions.store import Store
from tests.sessions import hostile

BAD = "20260101-000000-0bad"


def _with_unreadable(run_cli, store_path, tmp_path) -> str:
    sid = hostile.import_good(run_cli, tmp_path)
    folder = hostile.copy_session(store_path, sid, BAD)
    (folder / "annotations.jsonl").write_bytes(b"\xff\xfe not text\n")
    assert run_cli("sessions", "reindex").exit_code == 1  # names it, leaves it out
    return sid


def test_analyze_all_counts_a_session_the_catalog_does_not_list_as_failed(run_cli, store_path,
                                                                           tmp_path):
    sid = _with_unreadable(run_cli, store_path, tmp_path)
    with Store(store_path) as store:
        plan = plan_batch(store)
        assert [r["id"] for r in plan["todo"]] == [sid]
        assert [f["session_id"] for f in plan["failed"]] == [BAD]
        assert plan["failed"][0]["error"].startswith("cannot be read: ")
        assert plan["order"] == [BAD, sid]  # by start: the ID's
        assert [f["session_id"] for f in plan_batch(store, clients=["C07"])["failed"]] == [BAD]
        assert plan_batch(store, clients=["C07"], since=datetime(2026, 6, 1, tzinfo=timezone.utc)
                          )["failed"] == []  # it started before


def test_report_and_compare_of_a_client_name_it_and_exit_1(run_cli, store_path, tmp_path):
    _with_unreadable(run_cli, store_path, tmp_path)
    r = run_cli("report", "--client", "C07", "--to", str(tmp_path / "r.html"))
    assert r.exit_code == 1, r.stderr
    assert "(Jan 1" in r.stderr and "could not be read and is left out: " in r.stderr
    assert "not UTF-8" in r.stderr
    html = (tmp_path / "r.html").read_text()
    assert "left out" in html
    r = run_cli("compare", "--client", "C07", "--json")
    assert r.exit_code == 1
    assert [g["session_id"] for g in r.json()["left_out"]] == [BAD]


def test_a_session_whose_client_cannot_be_read_is_said_to_be_maybe_this_clients(
        run_cli, store_path, tmp_path):
    """Its session.json cut short: no one knows whose it is, so every client's course names
    it, as a session that may be theirs, not as one of theirs, and without the store's path
    (review 33, F9: it read "left out" with the full path on all 30 clients' pages)."""
    from improv.reports.compare import compare_client, left_out_notes

    sid = hostile.import_good(run_cli, tmp_path)
    folder = hostile.copy_session(store_path, sid, BAD)
    (folder / "session.json").write_bytes((folder / "session.json").read_bytes()[:40])
    assert run_cli("sessions", "reindex").exit_code == 1
    with Store(store_path) as store:
        r = compare_client(store, client="C07")
    (note,) = left_out_notes(r)
    assert " could not be read, nor whose session it is, and is left out (it may be this " \
           "client's): " in note
    assert "(Jan 1" in note.split(" could not")[0]
    assert "session.json" in note and str(store_path) not in note

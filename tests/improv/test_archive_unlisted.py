"""Review 29 re-check, N3: ``export-dataset`` lists every session folder. One that cannot be
read (a rebuilt catalog no longer lists it) has its ``sessions`` row with ``problem`` and is
counted in the exit status, instead of being dropped while the client's later sessions took
its code; a session whose recording cannot be read although it matches its checksum is
``damaged``, not merely "not analysed"."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from tests.improv.test_archive_problems import _duet  # noqa: E402

START = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)


@pytest.fixture
def course(run_cli, store):
    """Three analysed weekly duets of C07 (IDs oldest first) and one of C08."""
    ids = [_duet(store, client="C07", started=START + timedelta(days=7 * k)) for k in range(3)]
    ids.append(_duet(store, client="C08", started=START + timedelta(days=1)))
    for sid in ids:
        assert run_cli("analyze", sid, "--dialogue", "--json").exit_code == 0
    return ids


def _export(run_cli, tmp_path, name, *args):
    r = run_cli("export-dataset", "--to", str(tmp_path / name), "--json", *args)
    sessions = pd.read_parquet(tmp_path / name / "sessions.parquet")
    return r, sessions.set_index("session_key")


def _codes(sessions):
    return dict(zip(sessions.index, sessions["session"], strict=True))


def test_a_session_that_drops_out_of_the_catalog_keeps_its_code(run_cli, store, course,
                                                                 tmp_path):
    r, before = _export(run_cli, tmp_path, "before")
    assert r.exit_code == 0, r.stderr
    assert sorted(before["session"]) == ["C07-001", "C07-002", "C07-003", "C08-001"]
    first = course[0]
    log = store.folder(first) / "annotations.jsonl"
    log.write_bytes(b"not a json line\n")
    # out of the catalog: a catalog rebuilt after damage has no row to keep for it (a reindex
    # keeps the row it had, marked unreadable: tests/sessions/test_catalog.py)
    store.catalog.delete_session(first)

    r, after = _export(run_cli, tmp_path, "after")
    assert r.exit_code == 1, r.stderr
    assert _codes(after) == _codes(before)  # C07-002 is still the second session
    (p,) = r.json()["problems"]
    assert (p["code"], p["session_id"], p["problem"]) == ("C07-001", first, "unreadable")
    assert "annotations.jsonl" in p["error"]
    row = after[after["session"] == "C07-001"].iloc[0]
    assert (row["client"], row["number"], row["problem"], bool(row["analysed"])) == (
        "C07", 1, "unreadable", False)
    assert row["date"] == before[before["session"] == "C07-001"].iloc[0]["date"]
    assert r.json()["sessions"] == 4
    assert "1 session could not be exported with measures" in r.stderr
    summaries = pd.read_parquet(tmp_path / "after" / "summaries.parquet")
    assert "C07-001" not in set(summaries.session)
    # the human table names it, as analyze --all does
    h = run_cli("export-dataset", "--to", str(tmp_path / "human"))
    assert h.exit_code == 1 and "NOT EXPORTED" in h.stdout and first in h.stdout


def test_a_folder_whose_client_cannot_be_read_has_a_row_and_says_what_it_means(
        run_cli, store, course, tmp_path):
    _, before = _export(run_cli, tmp_path, "before")
    second = course[1]
    manifest = store.folder(second) / "session.json"
    manifest.write_bytes(manifest.read_bytes()[:200])
    store.catalog.delete_session(second)  # out of the catalog, as above
    for name, args in (("all", ()), ("c07", ("--client", "C07"))):
        r, after = _export(run_cli, tmp_path, name, *args)
        assert r.exit_code == 1, r.stderr
        (p,) = r.json()["problems"]
        assert (p["code"], p["session_id"], p["problem"]) == (
            "(unknown)-001", second, "unreadable")
        assert "its client cannot be read" in p["error"] and "session_key" in p["error"]
        row = after[after["session"] == "(unknown)-001"].iloc[0]
        assert pd.isna(row["client"]) and pd.isna(row["number"])
        key = before.index[before["session"] == "C07-002"][0]
        assert row.name == key  # the stable key is the same
        assert row["date"] == before.loc[key, "date"]  # the day its ID holds


def test_a_linked_or_uncatalogued_folder_is_listed(run_cli, store, course, tmp_path):
    import shutil

    _, before = _export(run_cli, tmp_path, "before")
    linked, loose = course[0], course[2]
    outside = tmp_path / "elsewhere"
    shutil.move(store.folder(linked), outside)
    store.folder(linked).symlink_to(outside, target_is_directory=True)
    store.catalog.keep_only([s for s in store.catalog.session_ids() if s != loose])
    r, after = _export(run_cli, tmp_path, "after")
    assert r.exit_code == 1
    assert len(after) == 4 and r.json()["sessions"] == 4  # each folder once
    problems = {p["session_id"]: p for p in r.json()["problems"]}
    assert len(problems) == len(r.json()["problems"]) == 2
    assert problems[linked]["problem"] == "unreadable"
    assert "symbolic link" in problems[linked]["error"]
    assert problems[linked]["code"] == "C07-001"  # the catalog still lists it
    assert problems[loose]["problem"] == "not_catalogued"
    assert "improv sessions reindex" in problems[loose]["error"]
    assert problems[loose]["code"] == "C07-003"  # read: its client and place are known
    assert _codes(after) == _codes(before)
    # once the catalog is rebuilt without the link, its manifest is never read through it
    run_cli("sessions", "reindex")
    r, after = _export(run_cli, tmp_path, "rebuilt")
    (p,) = r.json()["problems"]
    assert (p["session_id"], p["code"]) == (linked, "(unknown)-001")
    assert "symbolic link" in p["error"]


def test_a_demo_folder_the_catalog_does_not_list_is_left_out_as_demos_are(run_cli, store,
                                                                          tmp_path):
    sid = _duet(store, client="C07")
    m = json.loads((store.folder(sid) / "session.json").read_text())
    m["demo"] = True
    (store.folder(sid) / "session.json").write_text(json.dumps(m))
    _duet(store, client="C07")
    store.catalog.keep_only([s for s in store.catalog.session_ids() if s != sid])
    r, sessions = _export(run_cli, tmp_path, "ds")
    assert r.json()["demos_left_out"] == 1 and r.json()["problems"] == []
    assert list(sessions["session"]) == ["C07-002"]  # the demo keeps its number, as in lists
    r, sessions = _export(run_cli, tmp_path, "with", "--include-demo")
    assert [p["problem"] for p in r.json()["problems"]] == ["not_catalogued"]
    assert list(sessions["session"]) == ["C07-001", "C07-002"]


def _rewrite_checksum(store, sid: str, rel: str) -> None:
    path = store.folder(sid) / "session.json"
    m = json.loads(path.read_text())
    m["checksums"][rel] = hashlib.sha256((store.folder(sid) / rel).read_bytes()).hexdigest()
    path.write_text(json.dumps(m))


def test_a_recording_that_cannot_be_read_is_damaged_even_with_a_matching_checksum(
        run_cli, store, course, tmp_path):
    """The checksum written again over a damaged midi.tsv: its analysis is not current (the
    cache's key holds the checksum), and the export says why, as analyze --all would."""
    sid = course[1]
    tsv = store.folder(sid) / "midi.tsv"
    tsv.write_bytes(tsv.read_bytes() + b"\x00\x01garbage")
    _rewrite_checksum(store, sid, "midi.tsv")
    r, after = _export(run_cli, tmp_path, "ds")
    assert r.exit_code == 1, r.stderr
    out = r.json()
    (p,) = out["problems"]
    assert (p["code"], p["problem"]) == ("C07-002", "damaged")
    assert p["error"].startswith("midi.tsv") and str(store.root) not in p["error"]
    assert out["not_analysed"] == []
    row = after[after["session"] == "C07-002"].iloc[0]
    assert row["problem"] == "damaged" and not row["analysed"]
    # an analysed session is not read again, and a session merely not analysed is not damaged
    fresh = _duet(store, client="C09")
    r, after = _export(run_cli, tmp_path, "ds2")
    assert [p["session_id"] for p in r.json()["problems"]] == [sid]
    assert r.json()["not_analysed"] == [{"code": "C09-001", "session_id": fresh}]
    assert fresh in store.catalog.session_ids()


def test_a_linked_folder_the_catalog_still_lists_is_counted_once(run_cli, store, course,
                                                                 tmp_path):
    """Store.unlisted names every link, catalogued or not: analyze --all and a client's
    course named a catalogued one twice (as its row and as a link)."""
    import shutil

    from improv.archive.batch import plan_batch
    from improv.reports.compare import compare_client

    linked = course[0]
    shutil.move(store.folder(linked), tmp_path / "elsewhere")
    store.folder(linked).symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert linked in store.catalog.session_ids()
    failed = plan_batch(store)["failed"]
    assert [f["session_id"] for f in failed] == [linked]
    left_out = compare_client(store, client="C07")["left_out"]
    assert [g["id"] for g in left_out] == [linked]


def test_a_client_whose_every_session_dropped_out_of_the_catalog_is_exported_with_problems(
        run_cli, store, course, tmp_path):
    """Session notes: ``export-dataset --client C08`` said "client 'C08' has no sessions" when
    the client's only session folder had dropped out of the catalog. It is exported as the
    whole store's export lists it (its row and its problem), exit 1; ``analyze --all
    --client C08`` lists it as failed."""
    c08 = course[3]
    log = store.folder(c08) / "annotations.jsonl"
    log.write_bytes(b"not a json line\n")
    store.catalog.delete_session(c08)  # out of the catalog, as above
    r, after = _export(run_cli, tmp_path, "unreadable", "--client", "C08")
    assert r.exit_code == 1, r.stderr
    (p,) = r.json()["problems"]
    assert (p["code"], p["session_id"], p["problem"]) == ("C08-001", c08, "unreadable")
    assert list(after["session"]) == ["C08-001"] and not after["analysed"].iloc[0]
    assert "has no sessions" not in r.stderr
    batch = run_cli("analyze", "--all", "--client", "C08", "--json")
    assert batch.exit_code == 1, batch.stderr
    assert [f["session_id"] for f in batch.json()["failed"]] == [c08]
    assert batch.json()["workers"] is None  # nothing to compute: no cluster started
    human = run_cli("analyze", "--all", "--client", "C08").stdout
    assert "; 1 failed" in human and c08 in human and "worker" not in human  # was "on 0 workers"
    # readable but not catalogued (copied in): the same, with its own problem
    log.write_bytes(b"")
    store.catalog.keep_only([s for s in store.catalog.session_ids() if s != c08])
    r, after = _export(run_cli, tmp_path, "loose", "--client", "C08")
    assert r.exit_code == 1, r.stderr
    assert [(p["code"], p["problem"]) for p in r.json()["problems"]] == [
        ("C08-001", "not_catalogued")]


def test_a_client_whose_folders_cannot_be_read_at_all_is_refused_naming_them(
        run_cli, store, course, tmp_path):
    """Where not even the client of a folder can be read, it cannot be told to be C08's: the
    command says which folders are there but unreadable and what to run, exports nothing."""
    c08 = course[3]
    manifest = store.folder(c08) / "session.json"
    manifest.write_bytes(manifest.read_bytes()[:200])
    store.catalog.delete_session(c08)  # out of the catalog, as above
    for args in (["export-dataset", "--to", str(tmp_path / "ds")], ["analyze", "--all"]):
        r = run_cli(*args, "--client", "C08")
        assert r.exit_code == 1
        (line,) = r.stderr.strip().splitlines()
        assert line.startswith("error: client 'C08' has no sessions in ")
        assert ("1 session folder cannot be read, nor its client, and may be the client's: "
                f"{c08}") in line
        assert "'improv sessions verify --all'" in line and "'improv sessions reindex'" in line
    assert not (tmp_path / "ds").exists()
    # a client with sessions in the catalog is not told about them
    assert "cannot be read, nor" not in run_cli("export-dataset", "--to", str(tmp_path / "c07"),
                                                "--client", "C07").stderr


def test_a_catalogued_session_reindex_cannot_read_keeps_its_code(run_cli, store, course,
                                                                  tmp_path):
    """Reindex keeps the row of a session it cannot read, marked unreadable: the export names it
    with its own code, and the client's later sessions keep theirs (before, the row went and
    the session became '(unknown)-001')."""
    _, before = _export(run_cli, tmp_path, "before")
    second = course[1]
    manifest = store.folder(second) / "session.json"
    manifest.write_bytes(manifest.read_bytes()[:200])
    assert run_cli("sessions", "reindex").exit_code == 1
    r, after = _export(run_cli, tmp_path, "after")
    assert r.exit_code == 1, r.stderr
    (p,) = r.json()["problems"]
    assert (p["session_id"], p["code"], p["problem"]) == (second, "C07-002", "unreadable")
    assert _codes(after) == _codes(before)

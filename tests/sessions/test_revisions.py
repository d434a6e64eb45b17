"""Session names: per-client running numbers, and corrections of the title and client code
that keep the original visible (``revisions.jsonl``)."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.revisions import REVISIONS, correct_session, read_revisions, session_label
from sessions.verify import verify_folder
from tests.sessions.helpers import tree_snapshot

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _session(store, client, *, day, title=None):
    w = store.create_session(client=client, players=["client"], title=title,
                             started=T0 + timedelta(days=day))
    return w.finalize()["id"]


@pytest.fixture
def three(store):
    # made out of order: numbers follow the start times, per client
    ids = {"b": _session(store, "C07", day=7), "a": _session(store, "C07", day=0),
           "x": _session(store, "C08", day=3), "c": _session(store, "C07", day=14,
                                                                 title="Sesion drums")}
    return ids


def test_running_numbers_per_client(store, three):
    rows = {r["id"]: r["number"] for r in store.list()}
    assert [rows[three[k]] for k in "abcx"] == [1, 2, 3, 1]
    assert [r["number"] for r in store.list(client="C07")] == [3, 2, 1]
    assert store.catalog.session_number(three["c"]) == 3
    assert store.catalog.session_number("20990101-000000-0000") is None
    assert session_label(3, three["c"], "drums") == f"Session 3 · {three['c']}: drums"


def test_title_correction_keeps_the_original_visible(store, three, run_cli):
    sid = three["c"]
    r = correct_session(store, sid, title="Session drums", by="T01", reason="typo")
    assert r["title"] == "Session drums" and len(r["revisions"]) == 1
    (rev,) = read_revisions(store.folder(sid))
    assert rev["from"] == "Sesion drums" and rev["to"] == "Session drums"
    assert rev["by"] == "T01" and rev["reason"] == "typo" and rev["at_utc"]
    assert store.session(sid).manifest["title"] == "Session drums"
    assert next(r for r in store.list() if r["id"] == sid)["title"] == "Session drums"
    out = run_cli("sessions", "show", sid)
    assert out.exit_code == 0
    assert "Session 3 · " in out.stdout
    assert "title was Sesion drums, now Session drums" in out.stdout
    # the same value again changes nothing and writes nothing
    assert correct_session(store, sid, title="Session drums")["revisions"] == []
    assert len(read_revisions(store.folder(sid))) == 1
    assert verify_folder(store.folder(sid))["ok"]


def test_client_correction_moves_the_session_and_renumbers(store, three, run_cli):
    out = run_cli("sessions", "correct", three["b"], "--client", "C08", "--by", "T01")
    assert out.exit_code == 0, out.stderr
    assert "client was C07, now C08" in out.stdout
    rows = {r["id"]: r["number"] for r in store.list()}
    assert rows[three["a"]] == 1 and rows[three["c"]] == 2  # C07 renumbered
    assert rows[three["x"]] == 1 and rows[three["b"]] == 2  # C08: day 3, then day 7
    listed = run_cli("sessions", "list", "--client", "C08")
    assert "Session 2" in listed.stdout and three["b"] in listed.stdout
    numbers = [r["number"] for r in run_cli("sessions", "list", "--json").json()]
    assert numbers == [2, 2, 1, 1]  # c, b, x, a (newest first)


@pytest.mark.parametrize("args,message", [
    (["--client", "bad code!"], "client must be a pseudonym code"),
    (["--title", "x" * 201], "title must be at most 200 characters"),
    ([], "give --title, --client or --player OLD=NEW"),
    (["--title", "t", "--by", "no way"], "author"),
])
def test_bad_corrections_change_nothing(store, three, store_path, run_cli, args, message):
    before = tree_snapshot(store_path)
    out = run_cli("sessions", "correct", three["a"], *args)
    assert out.exit_code == 1
    assert message in out.stderr and out.stderr.count("\n") == 1
    assert tree_snapshot(store_path) == before


def test_bad_field_is_refused(store, three):
    with pytest.raises(InvalidArgumentError, match="title or the client"):
        correct_session(store, three["a"], therapist="T09")


def test_verify_and_export_cover_the_revisions(store, three, tmp_path):
    sid = three["a"]
    correct_session(store, sid, title="first")
    path = store.export(sid, tmp_path / "out.zip") if hasattr(store, "export") else None
    if path is None:
        from sessions.export import export_session

        path = export_session(store.folder(sid), tmp_path / "out.zip")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert f"{sid}/{REVISIONS}" in names
        assert json.loads(z.read(f"{sid}/{REVISIONS}").splitlines()[0])["to"] == "first"
    # a correction whose manifest update was lost, and a damaged log: verify says so
    manifest = store.folder(sid) / "session.json"
    m = json.loads(manifest.read_text())
    m["title"] = "other"
    manifest.write_text(json.dumps(m))
    res = verify_folder(store.folder(sid))
    assert not res["ok"] and any("last correction of title" in p for p in res["problems"])
    with open(store.folder(sid) / REVISIONS, "a") as f:
        f.write("{not json\n")
    with pytest.raises(SessionFormatError, match="not valid JSON"):
        read_revisions(store.folder(sid))
    assert any("not valid JSON" in p for p in verify_folder(store.folder(sid))["problems"])

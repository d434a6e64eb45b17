"""Several annotations changed at once (sessions.annotation_edits.change_annotations): one
revision per annotation in the log's usual format, written with one append, and the SMF
markers, the manifest and the catalog refreshed once; a refusal writes nothing."""

from __future__ import annotations

import mido
import pytest

from sessions import annotation_edits
from sessions import annotation_log as ann
from sessions.annotation_edits import add_annotations, annotation_history, change_annotations
from sessions.errors import AnnotationConflictError, InvalidArgumentError
from tests.sessions.helpers import import_room_duet, tree_snapshot


@pytest.fixture
def sid(store, tmp_path):
    return import_room_duet(store, tmp_path)


def _many(store, sid, n):
    duration = store.session(sid).duration_s
    step = duration / (n + 1)
    return add_annotations(store, sid, [
        {"t": k * step, "end": k * step + step / 2, "player": "client",
         "tags": ["suggestion", "autonomy:leader"], "text": f"leader {k}"}
        for k in range(n)], by="improv analyze", source="suggestion")


@pytest.fixture
def counted(monkeypatch, store):
    """How often the log is appended to, the SMF rewritten and the catalog updated."""
    calls = {"append": 0, "smf": 0, "catalog": 0}
    append, write, put = ann.append_records, annotation_edits.atomic_write_bytes, \
        store.catalog.put_annotations

    def count(key, fn):
        def wrapped(*args, **kwargs):
            calls[key] += 1
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(ann, "append_records", count("append", append))
    monkeypatch.setattr(annotation_edits, "atomic_write_bytes", count("smf", write))
    monkeypatch.setattr(store.catalog, "put_annotations", count("catalog", put))
    return calls


def _markers(store, sid) -> list[str]:
    session = store.session(sid)
    path = session.folder / session.manifest["smf"]["file"]
    return [m.text for m in mido.MidiFile(path).tracks[0] if m.type == "marker"]


def test_a_batch_is_one_append_one_rewrite_and_one_catalog_update(store, sid, counted):
    written = _many(store, sid, 60)
    log = store.session(sid).folder / "annotations.jsonl"
    lines_before = len(log.read_text().splitlines())
    for key in counted:
        counted[key] = 0
    done = change_annotations(store, sid, [
        {"id": a["id"], "rev": 1, "fields": {"tags": ["autonomy:leader"],
                                             "text": f"confirmed {k}"}}
        for k, a in enumerate(written[:50])] + [
        {"id": a["id"], "rev": 1, "op": "delete", "reason": "not so"} for a in written[50:]],
        by="T01")
    assert counted == {"append": 1, "smf": 1, "catalog": 1}
    assert [a["id"] for a in done] == [a["id"] for a in written]
    assert all(a["rev"] == 2 for a in done)
    assert [a["text"] for a in done[:50]] == [f"confirmed {k}" for k in range(50)]
    assert all(a["tags"] == ["autonomy:leader"] for a in done[:50])
    assert all(a["deleted"] and a["deleted_reason"] == "not so" for a in done[50:])
    # the log's format: one line per revision, as single edits and deletions write it
    records = ann.read_records(log)
    assert len(records) == lines_before + 60
    assert [r["op"] for r in records[-60:]] == ["edit"] * 50 + ["delete"] * 10
    assert all(r["by"] == "T01" for r in records[-60:])
    history = annotation_history(store, sid, written[0]["id"])
    assert [v["op"] for v in history] == ["create", "edit"]
    assert history[0]["state"]["text"] == "leader 0"  # the earlier version stays
    # what derives from the log shows the change: markers, catalog
    markers = _markers(store, sid)
    assert sum("confirmed" in m for m in markers) == 50
    assert not any("leader 55" in m for m in markers)
    rows = store.catalog.db.execute(
        "SELECT COUNT(*) FROM annotations WHERE session_id = ? AND text LIKE 'confirmed %'",
        (sid,)).fetchone()[0]
    assert rows == 50


def test_deleted_ones_are_restored_in_one_batch(store, sid, counted):
    written = _many(store, sid, 5)
    gone = change_annotations(store, sid, [{"id": a["id"], "op": "delete"} for a in written])
    for key in counted:
        counted[key] = 0
    back = change_annotations(store, sid, [{"id": a["id"], "rev": a["rev"], "op": "restore"}
                                           for a in gone])
    assert counted == {"append": 1, "smf": 1, "catalog": 1}
    assert [a["deleted"] for a in back] == [False] * 5 and all(a["rev"] == 3 for a in back)
    assert len(store.session(sid).annotations()) == 5


def test_an_edit_that_changes_nothing_writes_nothing(store, sid, counted):
    (a,) = _many(store, sid, 1)
    for key in counted:
        counted[key] = 0
    (same,) = change_annotations(store, sid, [{"id": a["id"], "fields": {"text": "leader 0"}}])
    assert same["rev"] == 1 and counted == {"append": 0, "smf": 0, "catalog": 0}


@pytest.mark.parametrize("change, error, words", [
    (lambda w: [{"id": w[0]["id"], "rev": 1}, {"id": w[1]["id"], "rev": 7}],
     AnnotationConflictError, r"1 of the annotations were changed since .* reload them"),
    (lambda w: [{"id": w[0]["id"]}, {"id": w[0]["id"], "op": "delete"}],
     InvalidArgumentError, "named twice"),
    (lambda w: [{"id": w[0]["id"], "op": "move"}], InvalidArgumentError, "op must be"),
    (lambda w: [{"id": w[0]["id"]}, {"id": "a-0000000000"}], InvalidArgumentError,
     "has no annotation 'a-0000000000'"),
    (lambda w: [{"id": w[0]["id"], "fields": {"tags": ["autonomy:boss"]}}],
     InvalidArgumentError, "autonomy:boss"),
    (lambda w: [{"id": w[0]["id"], "fields": {"t": 1e6}}], InvalidArgumentError,
     "outside the session"),
    (lambda w: [{"id": w[1]["id"], "fields": {"player": "nobody"}}], InvalidArgumentError,
     "no player 'nobody'"),
    (lambda w: [{"id": w[0]["id"], "op": "restore"}], InvalidArgumentError, "is not deleted"),
    (lambda w: [{"id": w[2]["id"], "fields": {"text": "x"}}], InvalidArgumentError,
     "is deleted"),
])
def test_a_refused_batch_writes_nothing(store, sid, change, error, words):
    written = _many(store, sid, 3)
    change_annotations(store, sid, [{"id": written[2]["id"], "op": "delete"}])
    before = tree_snapshot(store.root)
    with pytest.raises(error, match=words):
        change_annotations(store, sid, change(written))
    assert tree_snapshot(store.root) == before


def test_an_empty_batch_writes_nothing(store, sid, counted):
    _many(store, sid, 2)
    for key in counted:
        counted[key] = 0
    assert change_annotations(store, sid, []) == []
    assert counted == {"append": 0, "smf": 0, "catalog": 0}

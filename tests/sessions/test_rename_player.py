"""Renaming a player after the recording (``sessions.revisions.rename_player``): a revision in
``revisions.jsonl`` first, then ``session.json``; the raw files keep the recorded name and every
reader (MIDI events, annotations, analysis, catalog, export) sees the new one."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sessions.annotation_edits import add_annotation
from sessions.errors import InvalidArgumentError, SessionBusyError, SessionFormatError
from sessions.importer import import_files
from sessions.revisions import (
    REVISIONS,
    compose_names,
    mark_percussion,
    read_revisions,
    rename_player,
    revision_words,
)
from sessions.verify import verify_folder
from tests.sessions.helpers import tree_snapshot, write_audio, write_midi

CLIENT = [(float(t), 0, (60, 64, 67)[i % 3], 90) for i, t in enumerate(np.arange(0.1, 20, 0.5))]
THERAPIST = [(float(t) + 0.03, 0, 48, 40) for t in np.arange(0.1, 20, 1.0)]


def _imported(store, tmp_path) -> str:
    """A duet imported with the names a file gave (Piano-client, Piano-therapist, room-1)."""
    write_midi(tmp_path / "duet.mid", tracks={"client": CLIENT, "therapist": THERAPIST})
    write_audio(tmp_path / "room-1.wav", sr=8000, seconds=2.0, channels=1)
    return import_files(store, [tmp_path / "duet.mid", tmp_path / "room-1.wav"], client="C07",
                        players=["Piano-client=duet.mid:2", "Piano-therapist=duet.mid:3",
                                 "room-1=room-1.wav"])["id"]


def _rows(store, sql: str, *args) -> list[tuple]:
    return sorted(tuple(r) for r in store.catalog.db.execute(sql, args).fetchall())


def _raw(store, sid) -> dict[str, bytes]:
    folder = store.folder(sid)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in [folder / "midi.tsv", folder / "session.mid", *folder.glob("audio/*"),
                      folder / "annotations.jsonl"] if p.exists()}


def test_a_rename_is_a_revision_and_the_raw_files_stay(store, tmp_path):
    sid = _imported(store, tmp_path)
    add_annotation(store, sid, t=1.0, player="Piano-client", text="starts", by="T01")
    raw = _raw(store, sid)
    r = rename_player(store, sid, "Piano-client", "client", by="T01", reason="track name")
    (rev,) = r["revisions"]
    assert (rev["field"], rev["from"], rev["to"], rev["by"], rev["reason"]) == (
        "player", "Piano-client", "client", "T01", "track name")
    assert read_revisions(store.folder(sid)) == [rev]
    assert revision_words(rev) == "Player Piano-client renamed client"
    m = store.session(sid).manifest
    assert [p["name"] for p in m["players"]] == ["client", "Piano-therapist", "room-1"]
    assert {p["player"] for p in m["midi"]["ports"]} == {"client", "Piano-therapist"}
    assert list(m["audio"][0]["players"]) == ["room-1"]
    assert m["player_names"] == {"Piano-client": "client"}
    assert _raw(store, sid) == raw  # midi.tsv, session.mid, audio, annotation log as written
    assert "Piano-client" in (store.folder(sid) / "midi.tsv").read_text()
    session = store.session(sid)
    ev = session.midi_events()
    assert set(ev.player.tolist()) == {"client", "Piano-therapist"}
    assert len(session.midi_events(players=["client"])) == 2 * len(CLIENT)
    assert len(session.midi_events(players=["Piano-client"])) == 0
    assert [a["player"] for a in session.annotations()] == ["client"]
    assert [a["player"] for a in session.annotation_records()] == ["client"]
    assert _rows(store, "SELECT name FROM players WHERE session_id = ?", sid) == [
        ("Piano-therapist",), ("client",), ("room-1",)]
    assert _rows(store, "SELECT player FROM annotations WHERE session_id = ?", sid) == [
        ("client",)]
    assert verify_folder(store.folder(sid))["ok"], verify_folder(store.folder(sid))["problems"]
    # the same name again writes nothing; an audio player is renamed in its file's players
    assert rename_player(store, sid, "client", "client")["revisions"] == []
    rename_player(store, sid, "room-1", "room")
    assert list(store.session(sid).manifest["audio"][0]["players"]) == ["room"]
    assert len(read_revisions(store.folder(sid))) == 2


def test_chained_renames_compose_and_renaming_back_drops_the_map(store, tmp_path):
    sid = _imported(store, tmp_path)
    rename_player(store, sid, "Piano-client", "clinet")
    add_annotation(store, sid, t=2.0, player="clinet", text="under the typo")
    rename_player(store, sid, "clinet", "client")
    session = store.session(sid)
    assert session.manifest["player_names"] == {"Piano-client": "client"}
    assert set(session.midi_events().player.tolist()) == {"client", "Piano-therapist"}
    assert [a["player"] for a in session.annotations()] == ["client"]  # written as 'clinet'
    assert verify_folder(store.folder(sid))["ok"]
    rename_player(store, sid, "client", "Piano-client")  # back to the recorded name
    assert "player_names" not in store.session(sid).manifest  # as never renamed
    assert [a["player"] for a in store.session(sid).annotations()] == ["Piano-client"]
    assert verify_folder(store.folder(sid))["ok"]
    assert compose_names({"a": "b"}, "b", "a") == {}


def test_two_players_swap_names_and_annotations_follow_their_time(store, tmp_path):
    """Tracks imported the wrong way round: the two players swap names through a third; an
    annotation follows the renames made after it was written, not those before."""
    sid = _imported(store, tmp_path)
    add_annotation(store, sid, t=1.0, player="Piano-client", text="first, as imported")
    rename_player(store, sid, "Piano-client", "x")
    rename_player(store, sid, "Piano-therapist", "Piano-client")
    add_annotation(store, sid, t=2.0, player="Piano-client", text="written after the swap")
    rename_player(store, sid, "x", "Piano-therapist")
    session = store.session(sid)
    assert session.manifest["player_names"] == {"Piano-client": "Piano-therapist",
                                                "Piano-therapist": "Piano-client"}
    assert len(session.midi_events(players=["Piano-therapist"])) == 2 * len(CLIENT)
    assert len(session.midi_events(players=["Piano-client"])) == 2 * len(THERAPIST)
    by_text = {a["text"]: a["player"] for a in session.annotations()}
    assert by_text == {"first, as imported": "Piano-therapist",
                       "written after the swap": "Piano-client"}
    assert _rows(store, "SELECT text, player FROM annotations WHERE session_id = ?", sid) == \
        sorted(by_text.items())
    assert verify_folder(store.folder(sid))["ok"]


def test_annotations_follow_the_renames_by_position_not_by_clock(store, tmp_path, monkeypatch):
    """Review 28, finding 7: an annotation written on a laptop whose clock was ahead (before the
    renames) and one written with a clock behind (after two of them) follow the renames made
    after them in the logs' order, not in the clocks'."""
    import sessions.annotation_log as ann

    sid = _imported(store, tmp_path)
    monkeypatch.setattr(ann, "utc_now", lambda: "2099-01-01T00:00:00+00:00")
    add_annotation(store, sid, t=1.0, player="Piano-client", text="first, as imported")
    monkeypatch.undo()
    rename_player(store, sid, "Piano-client", "x")
    rename_player(store, sid, "Piano-therapist", "Piano-client")
    monkeypatch.setattr(ann, "utc_now", lambda: "2000-01-01T00:00:00+00:00")
    add_annotation(store, sid, t=2.0, player="Piano-client", text="written after the swap")
    monkeypatch.undo()
    rename_player(store, sid, "x", "Piano-therapist")
    assert [r["annotations_before"] for r in read_revisions(store.folder(sid))] == [1, 1, 2]
    by_text = {a["text"]: a["player"] for a in store.session(sid).annotations()}
    assert by_text == {"first, as imported": "Piano-therapist",
                       "written after the swap": "Piano-client"}
    assert verify_folder(store.folder(sid))["ok"], verify_folder(store.folder(sid))["problems"]


def test_a_rename_logged_without_its_position_is_placed_by_time(store, tmp_path):
    """A rename line written before annotations_before (or when the annotation log could not
    be read) places the annotations by their clock, as before."""
    sid = _imported(store, tmp_path)
    add_annotation(store, sid, t=1.0, player="Piano-client", text="before")
    rename_player(store, sid, "Piano-client", "x")
    rename_player(store, sid, "Piano-therapist", "Piano-client")
    add_annotation(store, sid, t=2.0, player="Piano-client", text="after")
    rename_player(store, sid, "x", "Piano-therapist")
    path = store.folder(sid) / REVISIONS
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "annotations_before"})
                            + "\n" for r in lines))
    by_text = {a["text"]: a["player"] for a in store.session(sid).annotations()}
    assert by_text == {"before": "Piano-therapist", "after": "Piano-client"}


def test_an_unreadable_annotation_log_gives_the_rename_no_position(store, tmp_path):
    from sessions.revisions import _annotations_held

    sid = _imported(store, tmp_path)
    folder = store.folder(sid)
    with _annotations_held(folder) as count:  # no log yet
        assert count == 0
    add_annotation(store, sid, t=1.0, player="Piano-client", text="starts")
    with _annotations_held(folder) as count:
        assert count == 1
    log = folder / "annotations.jsonl"
    log.write_text(log.read_text() + "not json\n")
    with _annotations_held(folder) as count:
        assert count is None  # the rename line then has no annotations_before: placed by time


@pytest.mark.parametrize("old,new,error,message", [
    ("cello", "client", InvalidArgumentError,
     r"has no player 'cello' \(players: Piano-client, Piano-therapist, room-1\)"),
    ("Piano-client", "Piano-therapist", InvalidArgumentError,
     "'Piano-therapist' is another player of session .*; players are not merged"),
    ("Piano-client", "ROOM-1", InvalidArgumentError, "'room-1' is another player"),
    ("Piano-client", "Dr.K", SessionFormatError, "new player name must be 1-32 letters"),
    ("Piano-client", "client one", SessionFormatError, "new player name must be 1-32 letters"),
    ("Piano-client", "", SessionFormatError, "new player name must be 1-32 letters"),
    ("Piano-client", "c", SessionFormatError, "author"),
])
def test_refusals_leave_the_store_unchanged(store, tmp_path, old, new, error, message):
    sid = _imported(store, tmp_path)
    before = tree_snapshot(store.root)
    with pytest.raises(error, match=message) as info:
        rename_player(store, sid, old, new, by="no way" if new == "c" else "T01")
    assert "\n" not in str(info.value)
    assert tree_snapshot(store.root) == before


def test_a_session_being_recorded_is_refused(store):
    w = store.create_session(client="C07", players=["client"])
    try:
        before = tree_snapshot(store.root)
        with pytest.raises(SessionBusyError, match="is being recorded"):
            rename_player(store, w.folder.name, "client", "c1")
        assert tree_snapshot(store.root) == before
    finally:
        w.finalize()


def test_analysis_reads_the_new_name_and_reindex_gives_the_same(store, tmp_path):
    from improv.analyze import analyze_session
    from improv.analyze.cache import reindex

    sid = _imported(store, tmp_path)
    before = analyze_session(store, sid)
    assert "Piano-client" in before["players"]
    cache = store.folder(sid) / "cache"
    assert any(cache.iterdir())
    rename_player(store, sid, "Piano-client", "client")
    assert not cache.exists()  # derived data: disposable, measured again
    assert store.catalog.analysis_keys(sid) == {}
    after = analyze_session(store, sid)
    assert set(after["players"]) == {"client", "Piano-therapist", "room-1"}
    assert not after["players"]["client"]["cached"]
    assert (after["players"]["client"]["sources"]["midi"]["summary"]["n_notes"]
            == before["players"]["Piano-client"]["sources"]["midi"]["summary"]["n_notes"])
    features = "SELECT player, analysis_key, name, value, text FROM features WHERE session_id = ?"
    rows = _rows(store, features, sid)
    assert rows and not any("Piano-client" in r[0] for r in rows)
    players = _rows(store, "SELECT * FROM players")
    (store.root / "catalog.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (store.root / f"catalog.sqlite{suffix}").unlink(missing_ok=True)
    store._catalog = None
    reindex(store)
    assert _rows(store, features, sid) == rows
    assert _rows(store, "SELECT * FROM players") == players


def test_an_analysis_finished_after_a_rename_is_not_stored(store, tmp_path, caplog):
    """Review 28, findings 2 and 9: an analysis computed before a rename and stored after it
    wrote catalog rows and a cache file under the former name, beside the new ones."""
    from improv.analyze import analyze_session, compute_session, store_analysis

    sid = _imported(store, tmp_path)
    computed = compute_session(store, sid)  # the web app's analysis right after the import
    assert computed["cache"]
    rename_player(store, sid, "Piano-client", "client", by="T01")  # on the page that opens
    with caplog.at_level("WARNING", logger="improv.analyze"):
        result = store_analysis(store, computed)
    assert "Piano-client" in result["players"]  # returned to its caller, not stored
    assert "changed while it was analysed" in caplog.text
    assert computed["cache"] == []
    cache = store.folder(sid) / "cache"
    assert not cache.exists() or not any(cache.glob("analysis-*"))
    assert store.catalog.analysis_keys(sid) == {}
    analyze_session(store, sid)  # the next request analyses again: only current names
    players = {r[0] for r in _rows(store, "SELECT player FROM features WHERE session_id = ?", sid)}
    assert players == {"client", "Piano-therapist", "room-1"}


def test_an_analysis_of_an_unchanged_session_is_stored(store, tmp_path):
    from improv.analyze import compute_session, store_analysis

    sid = _imported(store, tmp_path)
    rename_player(store, sid, "Piano-client", "client")  # before: the key has the rename
    computed = compute_session(store, sid)
    n = len(computed["cache"])
    store_analysis(store, computed)
    assert len(list((store.folder(sid) / "cache").glob("analysis-*"))) == n
    players = {r[0] for r in _rows(store, "SELECT player FROM features WHERE session_id = ?", sid)}
    assert players == {"client", "Piano-therapist", "room-1"}


def test_an_analysis_of_a_session_deleted_meanwhile_is_not_stored(store, tmp_path, caplog):
    from improv.analyze import compute_session, store_analysis

    sid = _imported(store, tmp_path)
    computed = compute_session(store, sid)
    store.delete(sid)
    with caplog.at_level("WARNING", logger="improv.analyze"):
        store_analysis(store, computed)
    assert "not stored" in caplog.text
    assert not store.folder(sid).exists()
    assert _rows(store, "SELECT player FROM features WHERE session_id = ?", sid) == []


def test_verify_names_a_manifest_that_disagrees_with_the_last_rename(store, tmp_path):
    sid = _imported(store, tmp_path)
    mark_percussion(store, sid, ["Piano-therapist"], by="T01")  # a mark under the old name
    rename_player(store, sid, "Piano-therapist", "therapist")
    assert verify_folder(store.folder(sid))["ok"]  # the mark follows the rename
    path = store.folder(sid) / "session.json"
    good = path.read_text()
    m = json.loads(good)
    del m["player_names"]  # as if the manifest's update were lost halfway
    path.write_text(json.dumps(m))
    problems = verify_folder(store.folder(sid))["problems"]
    assert any("the renames give the player names {'Piano-therapist': 'therapist'}, "
               "session.json's player_names is {}" in p for p in problems)
    assert any("midi.tsv: player 'Piano-therapist' is not a player of session.json" in p
               for p in problems)
    m = json.loads(good)
    m["players"][1]["name"] = "Piano-therapist"  # the old list, the new map
    path.write_text(json.dumps(m))
    problems = verify_folder(store.folder(sid))["problems"]
    assert any("the last rename gives player 'Piano-therapist' the name 'therapist', "
               "session.json's players are Piano-client, Piano-therapist, room-1" in p
               for p in problems)
    m = json.loads(good)
    m["player_names"] = {"Piano-therapist": "drums"}  # names a player that is not there
    path.write_text(json.dumps(m))
    problems = verify_folder(store.folder(sid))["problems"]
    assert any("(renamed 'drums', which is not one either)" in p for p in problems)
    path.write_text(good)
    assert verify_folder(store.folder(sid))["ok"]
    (store.folder(sid) / REVISIONS).write_text('{"field": "player", "from": "a"}\n')
    with pytest.raises(SessionFormatError, match="a player's name"):
        read_revisions(store.folder(sid))


def test_a_rename_whose_manifest_write_failed_leaves_annotations_on_a_player(
        store, tmp_path, monkeypatch):
    """Review 28, finding 3: the rename's line was logged, then session.json could not be
    written (a full disk); a later rename to another name made the annotation's name one no
    player has, and verify said nothing. session.json's player_names is the authority."""
    import sessions.revisions as rv

    sid = _imported(store, tmp_path)
    add_annotation(store, sid, t=1.0, player="Piano-client", text="starts", by="T01")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(rv, "atomic_write_json", full)
        with pytest.raises(OSError, match="No space"):
            rename_player(store, sid, "Piano-client", "clinet", by="T01")
    session = store.session(sid)
    assert session.players == ["Piano-client", "Piano-therapist", "room-1"]
    assert [a["player"] for a in session.annotations()] == ["Piano-client"]
    rename_player(store, sid, "Piano-client", "client", by="T01")
    session = store.session(sid)
    assert [a["player"] for a in session.annotations()] == ["client"]
    assert _rows(store, "SELECT player FROM annotations WHERE session_id = ?", sid) == [
        ("client",)]
    assert verify_folder(store.folder(sid))["ok"], verify_folder(store.folder(sid))["problems"]


def test_verify_names_an_annotation_whose_player_is_no_player(store, tmp_path):
    sid = _imported(store, tmp_path)
    add_annotation(store, sid, t=1.0, player="Piano-client", text="starts", by="T01")
    add_annotation(store, sid, t=2.0, text="the whole group", by="T01")
    assert verify_folder(store.folder(sid))["ok"]
    path = store.folder(sid) / "annotations.jsonl"
    path.write_text(path.read_text().replace('"Piano-client"', '"cello"'))
    problems = verify_folder(store.folder(sid))["problems"]
    assert len(problems) == 1
    assert "annotations.jsonl: annotation" in problems[0]
    assert "(at 1.0 s) names player 'cello', which is not a player of session.json" in problems[0]


def test_export_and_import_keep_the_new_name(store, tmp_path):
    from sessions.export import export_session
    from sessions.restore import restore_session
    from sessions.store import Store

    sid = _imported(store, tmp_path)
    add_annotation(store, sid, t=1.0, player="Piano-client", text="starts")
    rename_player(store, sid, "Piano-client", "client", by="T01")
    zipped = export_session(store.folder(sid), tmp_path / "out.zip")
    with Store(tmp_path / "other") as other:
        restore_session(other, zipped)
        session = other.session(sid)
        assert session.players == ["client", "Piano-therapist", "room-1"]
        assert set(session.midi_events().player.tolist()) == {"client", "Piano-therapist"}
        assert [a["player"] for a in session.annotations()] == ["client"]
        assert [r["field"] for r in read_revisions(session.folder)] == ["player"]
        assert verify_folder(session.folder)["ok"]


def test_replay_and_the_eaf_export_use_the_new_name(store, tmp_path):
    from sessions.interop import write_eaf
    from sessions.playlist import build_playlist

    pytest.importorskip("pympi")
    sid = _imported(store, tmp_path)
    add_annotation(store, sid, t=1.0, player="Piano-client", text="starts")
    rename_player(store, sid, "Piano-client", "client")
    session = store.session(sid)
    pl = build_playlist(session, players=["client"])
    assert pl.midi and {e[1] for e in pl.midi} == {"client"}
    assert [a["player"] for a in pl.annotations] == ["client"]
    write_eaf(tmp_path / "a.eaf", session.annotations(), players=session.players)
    assert 'TIER_ID="client"' in (tmp_path / "a.eaf").read_text()


@pytest.mark.parametrize("names", [["client"], {"Piano-client": "../x"}, {"a\tb": "client"},
                                   {"Piano-client": 3}])
def test_a_malformed_player_names_is_refused_on_read(store, tmp_path, names):
    sid = _imported(store, tmp_path)
    path = store.folder(sid) / "session.json"
    m = json.loads(path.read_text())
    m["player_names"] = names
    path.write_text(json.dumps(m))
    with pytest.raises(SessionFormatError, match="'player_names' must be an object of player "
                                                 "names"):
        store.session(sid)
    assert not verify_folder(store.folder(sid))["ok"]


def test_the_research_export_names_a_renamed_player_as_the_others(store, tmp_path):
    """The finding: 'Piano-client' became player1 while 'client' of other sessions stayed
    'client'; once renamed, the session's rows say 'client'."""
    import csv

    from improv.analyze import analyze_session
    from improv.archive.dataset import export_dataset

    sid = _imported(store, tmp_path)
    rename_player(store, sid, "Piano-client", "client")
    analyze_session(store, sid, dialogue=True)
    export_dataset(store, tmp_path / "ds", fmt="csv")
    with open(tmp_path / "ds" / "summaries.csv", newline="") as f:
        players = {row["player"] for row in csv.DictReader(f)}
    assert "client" in players and not any("Piano-client" in p for p in players)


def test_an_analysis_asked_for_during_a_rename_answers_under_the_new_names(store, tmp_path):
    """Review 28 data safety: the analysis dropped because of a rename was still returned once
    to the request that asked for it, under the former names; it is computed once more."""
    from improv.analyze import analyze_session

    sid = _imported(store, tmp_path)
    renamed = []

    def rename_midway(done, total, label):  # the therapist renames while it is analysed
        if not renamed:
            renamed.append(rename_player(store, sid, "Piano-client", "client", by="T01"))

    result = analyze_session(store, sid, progress=rename_midway)
    assert renamed, "the progress callback did not run: the rename did not happen midway"
    assert "client" in result["players"] and "Piano-client" not in result["players"]
    players = {r[0] for r in _rows(store, "SELECT player FROM features WHERE session_id = ?", sid)}
    assert "client" in players and "Piano-client" not in players

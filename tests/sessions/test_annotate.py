import mido
import pytest

from sessions import interop
from sessions.annotation_edits import (
    add_annotation,
    annotation_history,
    delete_annotation,
    edit_annotation,
    restore_annotation,
    search_annotations,
)
from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.importer import import_files
from sessions.notes import notes_history, notes_with_links, save_notes
from sessions.timefmt import find_time_refs, format_time, parse_time
from sessions.verify import verify_folder
from tests.sessions.helpers import import_room_duet, write_midi


@pytest.fixture
def sid(store, tmp_path):
    return import_room_duet(store, tmp_path)


@pytest.mark.parametrize("text, seconds", [
    ("5", 5.0), ("90.25", 90.25), ("12:30", 750.0), ("1:02:03.5", 3723.5), ("0:00.125", 0.125)])
def test_parse_time(text, seconds):
    assert parse_time(text) == pytest.approx(seconds)
    assert parse_time(format_time(seconds, decimals=3)) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "1:60", "-3", "1:2:3:4", "12:30pm"])
def test_parse_time_rejects(text):
    with pytest.raises(InvalidArgumentError, match="write the time as minutes:seconds|below 60"):
        parse_time(text)


def test_time_references_in_notes():
    refs = find_time_refs("At 0:30 a turn; see [1:02:03.5]. Not 3.14 or 12345.")
    assert [(r["text"], r["t"]) for r in refs] == [("0:30", 30.0), ("[1:02:03.5]", 3723.5)]


def test_corrections_keep_every_version_and_its_time(store, sid):
    a = add_annotation(store, sid, t=10.0, tags=["autonomy:follower"], text="waits", by="T1")
    edited = edit_annotation(store, sid, a["id"], tags=["autonomy:leader"], text="takes over",
                             by="T2")
    assert edited["rev"] == 2 and edited["edited_utc"] >= edited["created_utc"]
    gone = delete_annotation(store, sid, a["id"], by="T2", reason="duplicate")
    assert gone["deleted"]
    assert store.session(sid).annotations() == []
    hist = annotation_history(store, sid, a["id"])
    assert [h["op"] for h in hist] == ["create", "edit", "delete"]
    assert hist[0]["state"]["text"] == "waits" and hist[0]["by"] == "T1"
    assert hist[1]["state"]["tags"] == ["autonomy:leader"]
    assert hist[1]["changes"] == {"tags": ["autonomy:leader"], "text": "takes over"}
    assert hist[2]["changes"]["reason"] == "duplicate"
    assert all(h["at_utc"] for h in hist)
    with pytest.raises(InvalidArgumentError, match="is deleted"):
        edit_annotation(store, sid, a["id"], text="again")


def test_a_deleted_annotation_can_be_restored_as_it_was(store, sid):
    a = add_annotation(store, sid, t=10.0, end=12.0, tags=["autonomy:follower"], text="waits",
                       by="T1")
    delete_annotation(store, sid, a["id"], by="T2", reason="by mistake")
    assert search_annotations(store, text="waits") == []
    back = restore_annotation(store, sid, a["id"], by="T2")
    assert not back["deleted"] and back["rev"] == 3
    assert {k: back[k] for k in ("t", "end", "tags", "text", "by")} == {
        "t": 10.0, "end": 12.0, "tags": ["autonomy:follower"], "text": "waits", "by": "T1"}
    assert not any(k.startswith("deleted_") for k in back)
    assert [x["id"] for x in store.session(sid).annotations()] == [a["id"]]
    assert [x["id"] for x in search_annotations(store, text="waits")] == [a["id"]]  # catalog
    hist = annotation_history(store, sid, a["id"])
    assert [h["op"] for h in hist] == ["create", "delete", "restore"]
    assert hist[2]["by"] == "T2" and hist[2]["state"]["text"] == "waits"
    edited = edit_annotation(store, sid, a["id"], text="waits, then joins")  # editable again
    assert edited["rev"] == 4
    with pytest.raises(InvalidArgumentError, match="is not deleted"):
        restore_annotation(store, sid, a["id"])
    with pytest.raises(InvalidArgumentError, match="has no annotation"):
        restore_annotation(store, sid, "a-0000000000")


@pytest.mark.parametrize("kwargs, match", [
    ({"t": -1.0}, "outside the session"),
    ({"t": 500.0}, "outside the session"),
    ({"t": 5.0, "end": 4.0}, "is before the start"),
    ({"t": 5.0, "player": "nobody"}, "no player 'nobody'"),
    ({"t": 5.0, "tags": ["autonomy:boss"]}, "unknown tag"),
])
def test_bad_annotations_are_refused_and_nothing_written(store, sid, kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        add_annotation(store, sid, **kwargs)
    assert store.session(sid).annotation_records() == []


def test_practice_can_extend_the_vocabulary(store, sid):
    a = add_annotation(store, sid, t=3.0, tags=["mood:playful"], new_tags=["mood:playful"])
    assert a["tags"] == ["mood:playful"]
    assert add_annotation(store, sid, t=4.0, tags=["mood:playful"])["tags"] == ["mood:playful"]


def test_markers_in_the_midi_file_follow_annotations(store, sid):
    add_annotation(store, sid, t=12.5, text="eye contact", tags=["marker"])
    s = store.session(sid)
    mid = mido.MidiFile(s.folder / "session.mid")
    tick, markers = 0, []
    for msg in mid.tracks[0]:
        tick += msg.time
        if msg.type == "marker":
            markers.append((tick / 1920, msg.text))
    assert markers == [(pytest.approx(12.5, abs=0.001), "marker: eye contact")]
    assert len(mid.tracks) == 3  # player tracks untouched
    assert verify_folder(s.folder)["ok"]  # checksum of the rewritten SMF updated


def test_search_across_sessions(store, sid, tmp_path):
    other = import_files(store, [write_midi(tmp_path / "b.mid")], client="C08")["id"]
    add_annotation(store, sid, t=1.0, tags=["autonomy:leader"], text="Strong entry")
    add_annotation(store, other, t=0.5, tags=["autonomy:partner"], text="together")
    assert sorted(r["session_id"] for r in search_annotations(store, tags=["autonomy"])) == sorted(
        [sid, other])
    assert [r["text"] for r in search_annotations(store, tags=["autonomy:leader"])] == [
        "Strong entry"]
    assert [r["session_id"] for r in search_annotations(store, text="strong")] == [sid]
    assert [r["session_id"] for r in search_annotations(store, client="C08")] == [other]
    # % and _ are searched for as themselves, not as SQL wildcards
    add_annotation(store, sid, t=2.0, text="50% louder", tags=["marker"])
    add_annotation(store, sid, t=3.0, text="left_hand", tags=["marker"])
    assert [r["text"] for r in search_annotations(store, text="%")] == ["50% louder"]
    assert [r["text"] for r in search_annotations(store, text="_")] == ["left_hand"]
    assert search_annotations(store, text="strong%entry") == []


@pytest.mark.parametrize("write, read", [
    (interop.to_audacity, interop.from_audacity),
    (interop.to_sonic_visualiser, interop.from_sonic_visualiser),
], ids=["audacity", "sonic-visualiser"])
def test_label_round_trip(store, sid, write, read):
    add_annotation(store, sid, t=1.5, text="a point", tags=["marker"])
    add_annotation(store, sid, t=2.0, end=4.25, player="client", tags=["autonomy:leader"],
                   text="leads")
    items = store.session(sid).annotations()
    back = read(write(items))
    assert [(b["t"], b["end"], b["player"], b["tags"], b["text"]) for b in back] == [
        (a["t"], a["end"], a["player"], a["tags"], a["text"]) for a in items]


@pytest.mark.parametrize("text, expected", [
    # time instants layer (time,label), with a header row
    ("TIME,LABEL\n1.5,entry #marker\n3,\n",
     [(1.5, None, "entry", ["marker"]), (3.0, None, "", [])]),
    # regions layer (time,value,duration,label), tab separated
    ("2.0\t0.5\t1.25\tpulse together\n", [(2.0, 3.25, "pulse together", [])]),
    # notes layer (time,value,duration,level,label), with its header (without it, refused:
    # a box layer writes five columns too, test_interop)
    ("TIME,VALUE,DURATION,LEVEL,LABEL\n4.0,60,0.5,0.8,held note\n",
     [(4.0, 4.5, "held note", [])]),
    # instants without labels
    ("0.25\n", [(0.25, None, "", [])]),
])
def test_sonic_visualiser_layer_exports(text, expected):
    got = interop.from_sonic_visualiser(text)
    assert [(g["t"], g["end"], g["text"], g["tags"]) for g in got] == expected


@pytest.mark.parametrize("text, message", [
    ("1.0,0,abc,x\n", "row 1: time and duration must be seconds"),
    ("1.0,0,-2,x\n", "row 1: negative duration"),
    ("time,duration,label\n1.0,-2,x\n", "row 1: negative duration"),
])
def test_sonic_visualiser_bad_rows(text, message):
    with pytest.raises(SessionFormatError, match=message):
        interop.from_sonic_visualiser(text)


def test_elan_export_reads_back_with_pympi(store, sid, tmp_path):
    import pympi

    add_annotation(store, sid, t=1.5, text="general point", tags=["marker"])
    add_annotation(store, sid, t=2.0, end=4.25, player="client", tags=["autonomy:leader"],
                   text="leads")
    add_annotation(store, sid, t=3.0, end=3.5, player="therapist", text="answers")
    s = store.session(sid)
    path = tmp_path / "s.eaf"
    early = interop.write_eaf(path, s.annotations(), players=s.players,
                              media=[(a.path, a.t0) for a in s.audio_inputs()])
    assert early == []
    eaf = pympi.Elan.Eaf(str(path))
    assert set(eaf.get_tier_names()) == {"client", "therapist", "general"}
    assert eaf.get_annotation_data_for_tier("client") == [(2000, 4250, "leads #autonomy:leader")]
    assert eaf.get_annotation_data_for_tier("therapist") == [(3000, 3500, "answers")]
    linked = eaf.get_linked_files()[0]
    assert linked["MEDIA_URL"].endswith("room.wav")
    # the relative link is relative to the .eaf file (ELAN resolves it from there)
    assert (path.parent / linked["RELATIVE_MEDIA_URL"]).resolve() == s.audio_inputs()[0].path
    # a recording that started 1.5 s before the session gets ELAN's time origin; one that
    # started after it cannot be shifted in ELAN and is returned for a warning
    wav = s.audio_inputs()[0].path
    early = interop.write_eaf(tmp_path / "t.eaf", [], players=s.players,
                              media=[(wav, -1.5), (wav, 2.0)])
    files = pympi.Elan.Eaf(str(tmp_path / "t.eaf")).get_linked_files()
    assert files[0].get("TIME_ORIGIN") == "1500" and "TIME_ORIGIN" not in files[1]
    assert early == [wav]
    back = interop.read_eaf(path, players=s.players)
    assert [(b["t"], b["end"], b["player"], b["tags"], b["text"]) for b in back] == [
        (a["t"], a["end"], a["player"], a["tags"], a["text"]) for a in s.annotations()]


def test_sonic_visualiser_and_csv(store, sid):
    add_annotation(store, sid, t=2.0, end=4.5, player="client", text="x, y")
    add_annotation(store, sid, t=1.0, text="instant")
    items = store.session(sid).annotations()
    sv = interop.to_sonic_visualiser(items).splitlines()
    assert sv == ['time,duration,label', '1.000000,0.000000,"instant"',
                  '2.000000,2.500000,"x, y @client"']
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(interop.to_csv(items))))
    assert [r["text"] for r in rows] == ["instant", "x, y"] and rows[1]["end"] == "4.5"


def test_a_change_to_an_older_revision_is_refused_and_writes_nothing(store, sid):
    from sessions.errors import AnnotationConflictError

    a = add_annotation(store, sid, t=1.0, text="first")
    assert edit_annotation(store, sid, a["id"], text="second", expected_rev=1)["rev"] == 2
    before = store.session(sid).annotation_records()
    with pytest.raises(AnnotationConflictError, match=r"it is at revision 2, the change was "
                                                      r"made to revision 1\): reload it"):
        edit_annotation(store, sid, a["id"], text="from a stale tab", expected_rev=1)
    with pytest.raises(AnnotationConflictError):
        delete_annotation(store, sid, a["id"], expected_rev=1)
    assert store.session(sid).annotation_records() == before
    assert delete_annotation(store, sid, a["id"], expected_rev=2)["deleted"]


def test_changes_at_once_number_their_revisions_in_turn(store, sid):
    """Eight corrections of one annotation at the same moment: eight revisions 2..9, none
    numbered twice, and the annotation ends as the last one written."""
    from concurrent.futures import ThreadPoolExecutor

    a = add_annotation(store, sid, t=1.0, text="first")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: edit_annotation(store, sid, a["id"], text=f"take {k}"),
                      range(8)))
    revs = [r["rev"] for r in store.session(sid).annotation_records() if r["id"] == a["id"]]
    assert revs == list(range(1, 10))
    last = store.session(sid).annotation_records()[-1]
    (now,) = [x for x in store.session(sid).annotations() if x["id"] == a["id"]]
    assert now["text"] == last["text"]
    # the catalog and the SMF's markers end with the last state, not an older one
    assert [r["text"] for r in search_annotations(store, text="take")] == [last["text"]]
    assert verify_folder(store.folder(sid))["ok"]


def test_notes_saved_at_once_by_many_writers_all_land_in_order(store, sid):
    """Eight saves at the same moment (the web app's threads): each succeeds, each is in the
    history, notes.md is the history's last version, and no temporary file is left."""
    from concurrent.futures import ThreadPoolExecutor

    folder = store.session(sid).folder
    texts = [f"version {k}: " + "x" * 20000 for k in range(8)]
    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(lambda t: save_notes(folder, t, by="T1"), texts))
    history = [v["text"] for v in notes_history(folder)]
    assert sorted(history) == sorted(texts)
    assert (folder / "notes.md").read_text() == history[-1]
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_notes_keep_history_and_resolve_time_links(store, sid):
    s = store.session(sid)
    assert save_notes(s.folder, "Calm start. At 0:30 she took the lead.", by="T1")
    assert not save_notes(s.folder, "Calm start. At 0:30 she took the lead.")
    assert save_notes(s.folder, "Calm start. At [0:30] she took the lead; 9:59 was later.", by="T1")
    versions = notes_history(s.folder)
    assert ([v["text"][:11] for v in versions] == ["Calm start.", "Calm start."]
            and len(versions) == 2)
    links = notes_with_links(s.folder, duration_s=s.duration_s)
    assert [(r["t"], r["in_session"]) for r in links["refs"]] == [(30.0, True), (599.0, False)]


def test_a_range_of_no_length_is_a_point(store, sid):
    """Start and end at the same time (1:30-1:30 in the web form): stored as a point, not
    listed as "1:30.0-1:30.0"; an edit that closes a range to no length makes it a point."""
    a = add_annotation(store, sid, t=1.5, end=1.5, text="x")
    assert a["end"] is None
    b = add_annotation(store, sid, t=1.0, end=2.0, text="y")
    assert edit_annotation(store, sid, b["id"], end=1.0)["end"] is None


@pytest.mark.parametrize("tag", ["autonomy:boss", "sparkle"])
def test_an_unknown_tag_says_how_a_new_one_is_added_in_words(store, sid, tag):
    """The error names the New tag field and --new-tag, not the API's field name."""
    with pytest.raises(InvalidArgumentError) as err:
        add_annotation(store, sid, t=5.0, tags=[tag])
    msg = str(err.value)
    assert "New tag field" in msg and "--new-tag" in msg and "new_tags" not in msg

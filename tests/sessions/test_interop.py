"""Annotations through the files other tools read and write (issue 20), each case through the
exported file and read back the way the other tool reads it."""

from __future__ import annotations

import json
import re

import mido
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessions import interop
from sessions.annotation_edits import add_annotation
from sessions.errors import SessionFormatError
from sessions.importer import import_files
from tests.sessions.helpers import import_room_duet

GERMAN = "Übergänge: Flöte & Größe ✓"

#: Texts that the label formats cannot carry as they are.
TRICKY = [
    "tab\there",
    "two\nlines\r\nand a CR\rend",
    "#not-a-tag and @not-the-player in the text",
    "mail: a@b.de, issue #12, C:\\Users\\x, a \\n that is not a newline",
    "ends with a backslash \\",
    "\\#escaped-looking \\\\ and \\@",
    " leading and trailing spaces ",
    "| pipe, comma; \"quotes\" and 'single' ones",
    GERMAN,
    "",
]


@pytest.fixture
def sid(store, tmp_path):
    return import_room_duet(store, tmp_path)


def _fields(items):
    return [(a["t"], a["end"], a["player"], a["tags"], a["text"]) for a in items]


def _add_tricky(store, sid):
    for i, text in enumerate(TRICKY):
        add_annotation(store, sid, t=1.0 + i, end=1.5 + i if i % 2 else None,
                       player=("client", "therapist", None)[i % 3],
                       tags=[["marker"], ["autonomy:leader", "imitation"], []][i % 3], text=text)
    return store.session(sid).annotations()


@pytest.mark.parametrize("fmt", ["audacity", "sv", "csv", "json"])
def test_round_trip_through_the_exported_file(store, sid, tmp_path, fmt):
    items = _add_tricky(store, sid)
    write = {"audacity": interop.to_audacity, "sv": interop.to_sonic_visualiser,
             "csv": interop.to_csv, "json": interop.to_json}[fmt]
    path = tmp_path / {"audacity": "l.txt", "sv": "l.csv", "csv": "e.csv", "json": "e.json"}[fmt]
    path.write_bytes(write(items).encode("utf-8"))
    with open(path, encoding="utf-8", newline="") as f:  # as the import command reads it
        text = f.read()
    assert interop.guess_format(path.name, text) == fmt
    back = interop.IMPORT_FORMATS[fmt](text)
    assert _fields(back) == _fields(items)


def test_audacity_labels_are_lines_audacity_reads(store, sid):
    """Audacity splits a line at every tab and takes the third field as the whole label;
    a line break inside a label made it report unreadable labels."""
    items = _add_tricky(store, sid)
    lines = interop.to_audacity(items).split("\n")
    assert lines[-1] == "" and len(lines) - 1 == len(items)
    for line in lines[:-1]:
        start, end, label = line.split("\t")  # exactly three fields
        assert float(start) <= float(end) and "\r" not in label
    by_text = dict(zip([a["text"] for a in items], lines, strict=False))
    assert by_text["tab\there"].endswith("\ttab\\there #marker @client")
    assert by_text["#not-a-tag and @not-the-player in the text"].endswith(
        "\t\\#not-a-tag and \\@not-the-player in the text")


@pytest.mark.parametrize("text, expected", [
    # a point label as Audacity reads a two-column line: start<TAB>label
    ("1.5\tentry #marker\n", [(1.5, None, None, ["marker"], "entry")]),
    ("1.5\t\n2\n", [(1.5, None, None, [], ""), (2.0, None, None, [], "")]),
    # what Audacity writes: start, end, label; a frequency line after a label (extended
    # label style), Windows line ends, a UTF-8 byte order mark, fields after the label
    ("\ufeff0.500000\t2.000000\tcalm @client\r\n\\\t110.000000\t880.000000\r\n"
     "3,25\t4,5\tcomma decimals\textra\r\n",
     [(0.5, 2.0, "client", [], "calm"), (3.25, 4.5, None, [], "comma decimals")]),
    # tags and player anywhere in a typed label; whitespace other than theirs kept
    ("1\t1\t#marker  two  spaces @therapist #tension\n",
     [(1.0, None, "therapist", ["marker", "tension"], " two  spaces")]),
    # a label that is a number (Audacity: the second field is the end, the label empty)
    ("1\t2\n", [(1.0, 2.0, None, [], "")]),
    # old Mac line ends
    ("1\t1\ta\r2\t2\tb\r", [(1.0, None, None, [], "a"), (2.0, None, None, [], "b")]),
])
def test_audacity_files_as_audacity_reads_them(text, expected):
    assert _fields(interop.from_audacity(text)) == expected


@given(text=st.text(st.characters(blacklist_categories=["Cs"]), max_size=40),
       tags=st.lists(st.from_regex(r"[a-z]{1,8}(:[a-z]{1,8})?", fullmatch=True), max_size=3),
       player=st.one_of(st.none(), st.from_regex(r"[a-z][a-z0-9_.-]{0,7}", fullmatch=True)))
def test_labels_round_trip_any_text(text, tags, player):
    label = interop.label_of({"text": text, "tags": tags, "player": player})
    assert not {"\t", "\n", "\r"} & set(label)
    assert interop.parse_label(label) == {"text": text, "tags": tags, "player": player}
    elan = interop.label_of({"text": text, "tags": tags, "player": None}, controls="\r")
    assert interop.parse_label(elan) == {"text": text, "tags": tags, "player": None}


def _sv_format(text: str):
    """How Sonic Visualiser's CSV import (svcore CSVFormat::guessFormatFor) sees a file:
    the separator, whether the first line is a header, the column headings and the fields,
    split with svcore's quoting rules."""
    lines = interop._sv_lines(text)
    sep = interop._sv_separator(lines[0])
    rows = [interop._sv_split(ln, sep) for ln in lines]
    header = all(c.strip() and not interop._is_number(c) for c in rows[0])
    return sep, header, rows


def test_sonic_visualiser_sees_a_regions_layer(store, sid):
    """With a header row SV gives the columns the purposes their headings name: start time,
    duration, label make a regions layer (TwoDimensionalModelWithDuration). A ``|`` in the
    first label made SV split at ``|``; a quoted newline broke its line reader."""
    add_annotation(store, sid, t=0.5, end=2.0, text="a | b, c", tags=["marker"])
    items = _add_tricky(store, sid)
    text = interop.to_sonic_visualiser(items)
    sep, header, rows = _sv_format(text)
    assert sep == "," and header and rows[0] == ["time", "duration", "label"]
    assert len(rows) == len(items) + 1 and all(len(r) == 3 for r in rows)
    assert text.count("\n") == len(items) + 1  # one line per annotation
    assert rows[1] == ["0.500000", "1.500000", "a | b, c #marker"]
    # SV shows the label with our escapes only: the text part reads as written
    assert [interop.parse_label(r[2])["text"] for r in rows[2:]] == TRICKY


@pytest.mark.parametrize("text, expected", [
    # SV's own region export with its header (upper case), a row whose label is empty
    # (SV leaves the label column out) and a quoted label holding the separator
    ("TIME,VALUE,DURATION,LABEL\n1.000000000,0,0.500000000,\"a, b\"\n2.000000000,3,1.0\n",
     [(1.0, 1.5, "a, b"), (2.0, 3.0, "")]),
    # headerless regions, some without labels: the layout comes from the widest row
    ("1.0,0,0.5,first\n2.0,0,1.0\n", [(1.0, 1.5, "first"), (2.0, 3.0, "")]),
    # pipe separated, with an end time column instead of a duration
    ("time|endtime|label\n1|2.5|x\n", [(1.0, 2.5, "x")]),
    # space separated instants with a quoted label and a comment line
    ("# exported\n1.5 'two words'\n", [(1.5, None, "two words")]),
    # backslash escapes as SV reads them
    ('1.0,"a \\\\ b"\n', [(1.0, None, "a \\ b")]),
    # a time-value layer with its header: the value is no duration
    ('TIME,VALUE,LABEL\n1.5,0.8,"value one"\n', [(1.5, None, "value one")]),
])
def test_sonic_visualiser_exports_as_sv_reads_them(text, expected):
    assert [(a["t"], a["end"], a["text"]) for a in interop.from_sonic_visualiser(text)] == (
        expected)


def test_sonic_visualiser_frames_are_refused():
    with pytest.raises(SessionFormatError, match="times in audio frames"):
        interop.from_sonic_visualiser("FRAME,VALUE,DURATION,LABEL\n48000,0,100,x\n")


@pytest.mark.parametrize("text", [
    '1.5,0.8,"value one"\n',  # a time-value layer: time,value,label
    "1.5,0.8,x\n2.0,0.1\n",  # the same, one label empty (SV leaves its column out)
    "2.0\t0\t1.25\n",  # regions without labels: time,value,duration
])
def test_sonic_visualiser_three_columns_without_header_are_refused(text):
    """Review: a time-value layer without its header row became a range (the value read as
    a duration). Three columns without a header are refused, saying how to give one."""
    with pytest.raises(SessionFormatError, match="3 columns and no header row") as e:
        interop.from_sonic_visualiser(text)
    assert "'Include a header row before the data rows'" in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("text, expected", [
    # one column: instants without labels
    ("0.5\n1.25\n", [(0.5, None, ""), (1.25, None, "")]),
    # two: instants, some label text ...
    ("0.5,1\n1.0,entry\n", [(0.5, None, "1"), (1.0, None, "entry")]),
    # ... or some row without one (a time value always has its value)
    ("0.5,60\n1.0\n", [(0.5, None, "60"), (1.0, None, "")]),
    # four: regions, some label text (a note's level, a box's extent is a number)
    ("1.0,0,0.5,3\n2.0,0,1.0,verse\n2.5,0,1\n",
     [(1.0, 1.5, "3"), (2.0, 3.0, "verse"), (2.5, 3.5, "")]),
    # a box layer with its header: start and end times
    ("START,END,EXTENT START,EXTENT END,LABEL\n1.0,2.5,110,220,hum\n3,4,50,60\n",
     [(1.0, 2.5, "hum"), (3.0, 4.0, "")]),
])
def test_sonic_visualiser_headerless_shapes_one_layer_writes(text, expected):
    """Without a header, the shapes only one kind of SV layer writes are read."""
    assert [(a["t"], a["end"], a["text"]) for a in interop.from_sonic_visualiser(text)] == (
        expected)


@pytest.mark.parametrize("text, says", [
    # time values (or text) whose labels are empty, or instants labelled with numbers
    ("0.5,60\n1.0,62\n", "rows of 2 columns and no header row"),
    # notes without labels, boxes without labels, or regions labelled with numbers
    ("1.0,60,0.5,0.8\n2.0,62,1.0\n", "rows of 4 columns and no header row"),
    # notes (time,value,duration,level,label) or boxes (start,end,low,high,label)
    ("4.0,60,0.5,0.8,held note\n", "rows of 5 columns and no header row"),
    ("1,2,3,4,5,6\n", "rows of 6 columns and no header row, and no annotation layer"),
])
def test_sonic_visualiser_ambiguous_headerless_shapes_are_refused(text, says):
    """Review 36: a time-value layer without labels became instants labelled with its
    values; a notes layer without labels, regions labelled with its levels; a box layer's end
    time read as a pitch and its lowest frequency as a duration."""
    with pytest.raises(SessionFormatError, match=says) as e:
        interop.from_sonic_visualiser(text)
    assert "'Include a header row before the data rows'" in str(e.value)
    assert "\n" not in str(e.value)


def test_sonic_visualiser_image_layer_without_labels_is_refused():
    """An image layer whose labels are empty writes ``time,image``: its files' names were
    imported as the annotations' text (noticed in session 36); with a label it is a
    three-column shape, refused above.  An instant labelled with a word stays an instant."""
    with pytest.raises(SessionFormatError, match="is an image layer") as e:
        interop.from_sonic_visualiser("1.5,/home/anna/photos/anna_session.png\n"
                                      "4.0,drawing.JPG\n")
    assert "\n" not in str(e.value)
    assert [a["text"] for a in interop.from_sonic_visualiser("1.5,picture\n4.0,png\n")] == [
        "picture", "png"]


def test_sonic_visualiser_box_layer_in_frames_is_refused():
    with pytest.raises(SessionFormatError, match="times in audio frames"):
        interop.from_sonic_visualiser("STARTFRAME,ENDFRAME,EXTENT START,EXTENT END,LABEL\n"
                                      "48000,96000,100,200,x\n")


@pytest.mark.parametrize("name, text, fmt", [
    # improv's own layers, under any name
    ("c.sv", "time,duration,label\n0.500000,0.000000,\"x\"\n", "sv"),
    ("beats.txt", "time,label\n0.500000,\"1\"\n", "sv"),
    # Sonic Visualiser's headers (upper case; any separator; times in frames)
    ("layer.txt", "TIME\tVALUE\tDURATION\tLABEL\n1.0\t0\t0.5\tx\n", "sv"),
    ("notes.lab", "TIME,VALUE,DURATION,LEVEL,LABEL\n1.0,60,0.5,0.8,x\n", "sv"),
    ("frames", "FRAME,LABEL\n48000,x\n", "sv"),
    ("text.TXT", "# a comment\nTIME|HEIGHT|LABEL\n1|0.5|x\n", "sv"),
    ("boxes.txt", "START,END,EXTENT START,EXTENT END,LABEL\n1,2,100,200,x\n", "sv"),
    # improv's CSV under another name
    ("rows.txt", "id,t,end,player,tags,text\n,1.0,,,,x\n", "csv"),
    # the name still decides for the rest
    ("labels.txt", "1.0\t2.0\ttime label\n", "audacity"),
    ("layer.csv", "1.0,x\n", "sv"),
    ("a.json", "[]", "json"),
    ("a.eaf", "<ANNOTATION_DOCUMENT/>", "elan"),
])
def test_guess_format_knows_a_layer_by_its_header_whatever_its_name(name, text, fmt):
    """Review: a layer exported to c.sv was read as Audacity labels by its name."""
    assert interop.guess_format(name, text) == fmt


@pytest.mark.parametrize("fmt, text, message", [
    ("csv", "when,what\n1,x\n", "no 't' column"),
    ("csv", "t,end,text\n2,1,x\n", "CSV line 2: the end (1 s) is before the start (2 s)"),
    ("csv", "t,end\nabc,\n", "CSV line 2: t and end must be seconds"),
    ("json", "{\"t\": 1}", "expected a JSON list"),
    ("json", "[{\"t\": 1, \"tags\": \"marker\"}]", "JSON item 1: tags must be a list"),
    ("json", "[{\"t\": \"soon\"}]", "JSON item 1: t and end must be seconds"),
    ("json", "[1", "not a JSON file"),
])
def test_own_exports_bad_files(fmt, text, message):
    with pytest.raises(SessionFormatError, match=re.escape(message)):
        interop.IMPORT_FORMATS[fmt](text)


def test_json_export_imports_again(store, sid):
    add_annotation(store, sid, t=1.0, end=2.0, player="client", tags=["marker"], text=GERMAN)
    items = json.loads(interop.to_json(store.session(sid).annotations()))
    assert _fields(interop.from_json(json.dumps(items))) == _fields(items)


def test_elan_media_url_as_elan_writes_it(store, sid, tmp_path):
    import pympi

    s = store.session(sid)
    folder = tmp_path / "with space"
    folder.mkdir()
    path = folder / "s.eaf"
    interop.write_eaf(path, [], players=s.players,
                      media=[(a.path, a.t0) for a in s.audio_inputs()])
    linked = pympi.Elan.Eaf(str(path)).get_linked_files()[0]
    wav = s.audio_inputs()[0].path
    assert linked["MEDIA_URL"] == "file://" + str(wav)  # file:///abs/path, not encoded
    assert linked["RELATIVE_MEDIA_URL"].startswith("../")
    assert (folder / linked["RELATIVE_MEDIA_URL"]).resolve() == wav


def test_elan_round_trip_of_tricky_texts(store, sid, tmp_path):
    items = _add_tricky(store, sid)
    path = tmp_path / "t.eaf"
    interop.write_eaf(path, items, players=store.session(sid).players)
    assert _fields(interop.read_eaf(path, players=store.session(sid).players)) == _fields(items)


def test_midi_markers_and_track_names_in_utf8(store, sid, tmp_path):
    """session.mid carries the markers and track names as UTF-8; mido reads them with
    charset='utf-8', and our importer reads them back as written."""
    add_annotation(store, sid, t=1.0, tags=["marker"], text=GERMAN)
    smf = store.session(sid).folder / "session.mid"
    mid = mido.MidiFile(smf, charset="utf-8")
    texts = [m.text for m in mid.tracks[0] if m.type == "marker"]
    assert texts == [f"marker: {GERMAN}"]
    copy = tmp_path / "copy.mid"
    copy.write_bytes(smf.read_bytes())
    new = import_files(store, [copy], client="C07")["id"]
    assert [a["text"] for a in store.session(new).annotations()] == [f"marker: {GERMAN}"]


@pytest.mark.parametrize("charset", ["utf-8", "latin-1"])
def test_importer_reads_utf8_and_legacy_texts(store, tmp_path, charset):
    """A DAW's file with a German track name and marker: UTF-8 as today's DAWs write, or
    latin-1 as older sequencers did. Player names are ASCII: umlauts are spelled out."""
    mid = mido.MidiFile(type=1, ticks_per_beat=480, charset=charset)
    text = "Größe ändert sich" + (" ✓" if charset == "utf-8" else "")
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("marker", text=text, time=480)]))
    mid.tracks.append(mido.MidiTrack([
        mido.MetaMessage("track_name", name="Flöte Übung"),
        mido.Message("note_on", note=60, velocity=80, time=0),
        mido.Message("note_off", note=60, time=480)]))
    path = tmp_path / "daw.mid"
    mid.save(path)
    new = import_files(store, [path], client="C07")["id"]
    s = store.session(new)
    assert s.players == ["Floete-Uebung"]
    assert [(a["t"], a["text"]) for a in s.annotations()] == [(0.5, text)]


def test_sv_instants_layer_round_trip_and_labels():
    """A time-instants layer (beats): 'time,label' header, every label read back as written."""
    text = interop.to_sv_instants([0.5, 1.0, 61.25], labels=["1", 'a, "b"', "c|d"])
    assert text.splitlines()[0] == "time,label"
    back = interop.from_sonic_visualiser(text)
    assert [(a["t"], a["end"], a["text"]) for a in back] == [
        (0.5, None, "1"), (1.0, None, 'a, "b"'), (61.25, None, "c|d")]
    assert interop.to_sv_instants([]) == "time,label\n"
    with pytest.raises(ValueError, match="labels must give one label per time, got 1 for 2"):
        interop.to_sv_instants([1.0, 2.0], labels=["x"])

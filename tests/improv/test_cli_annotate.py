import pytest

from tests.cli_status import Usage, exit_status
from tests.sessions.helpers import write_midi


@pytest.fixture
def sid(run_cli, tmp_path):
    mid = write_midi(tmp_path / "duet.mid", tracks={
        "client": [(0.0, 0, 60, 80), (90.0, 0, 62, 80)], "therapist": [(1.0, 9, 38, 90)]})
    r = run_cli("sessions", "import", mid, "--client", "C07", "--player", "client=duet.mid:2",
                "--player", "therapist=duet.mid:3", "--json")
    assert r.exit_code == 0, r.stderr
    return r.json()["id"]


def test_annotate_answers_where_the_annotation_stands(run_cli, sid):
    """A range is answered with its end (review 29: "added a-… at 0:12.0" for 0:12 to 0:15)."""
    r = run_cli("annotate", sid, "--at", "12", "--to", "15", "marker")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("added a-") and "from 0:12.0 to 0:15.0" in r.stdout
    r = run_cli("annotate", sid, "--at", "20", "a moment")
    assert r.exit_code == 0, r.stderr
    assert "at 0:20.0" in r.stdout and " to " not in r.stdout


def test_annotate_list_edit_delete_history(run_cli, sid):
    r = run_cli("annotate", sid, "--at", "0:12.5", "--to", "1:00", "--player", "client",
                "--tag", "autonomy:leader", "client leads", "--json")
    assert r.exit_code == 0, r.stderr
    a = r.json()
    assert (a["t"], a["end"], a["player"], a["tags"]) == (12.5, 60.0, "client", ["autonomy:leader"])
    listed = run_cli("annotations", sid, "--json").json()
    assert [x["id"] for x in listed] == [a["id"]]
    assert run_cli("annotations", sid, "--tag", "tension", "--json").json() == []
    assert "client leads" in run_cli("annotations", sid).stdout
    assert run_cli("annotations", "edit", sid, a["id"], "--text",
                   "client leads firmly").exit_code == 0
    assert run_cli("annotations", "delete", sid, a["id"], "--reason",
                   "wrong session").exit_code == 0
    assert run_cli("annotations", sid, "--json").json() == []
    hist = run_cli("annotations", "history", sid, a["id"], "--json").json()
    assert [h["op"] for h in hist] == ["create", "edit", "delete"]
    human = run_cli("annotations", "history", sid, a["id"]).stdout
    assert "client leads firmly" in human and "wrong session" in human
    # a deletion can be undone; the history keeps both
    r = run_cli("annotations", "restore", sid, a["id"], "--by", "T1", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["text"] == "client leads firmly" and not r.json()["deleted"]
    assert [x["id"] for x in run_cli("annotations", sid, "--json").json()] == [a["id"]]
    human = run_cli("annotations", "history", sid, a["id"]).stdout
    assert "restore" in human and "restored" in human


@pytest.mark.parametrize("args, message", [
    (["annotate", "{sid}", "--at", "99:00", "x"],
     "time 99:00 is outside the session (0 to 1:30.1)"),
    # bug 7: answered in the form it was typed
    (["annotate", "{sid}", "--at", "150", "x"], "time 150 s is outside the session (0 to 90.10 s)"),
    (["annotate", "{sid}", "--at", "1:75", "x"], "below 60"),
    (["annotate", "{sid}", "--at", "5", "--tag", "autonomy:boss"],
     "unknown tag autonomy:boss: autonomy takes dependent, follower, partner, leader, resister"),
    (["annotate", "{sid}", "--at", "5", "--player", "mum"], "no player 'mum'"),
    (["annotate", "{sid}", "--at", "5", "--by", "Anna M.", "x"],
     "the author (by) must be a pseudonym code of 1-32 letters"),
    (["notes", "{sid}", "--from", "{tmp}/n.md", "--by", "bad!"], "the author (by) must be"),
    (["notes", "{sid}", "--from", "{tmp}/latin1.md", "--show"],
     Usage("--from writes the notes; --show, --history and --json read them")),
    (["annotations", "edit", "{sid}", "a-0000000000", "--text", "x"], "no annotation"),
    (["annotations", "edit", "{sid}", "a-0000000000"], Usage("nothing to change")),
    (["annotations", "export", "{sid}", "--format", "elan"], Usage("needs --to")),
    (["annotations", "export", "{sid}"],
     Usage("improv annotations export needs --format audacity, elan, sv, csv or json")),
    (["annotations", "export", "{sid}", "--format", "csv", "--to", "{tmp}/rows.txt"],
     "--to: {tmp}/rows.txt exists already; choose another name or remove it"),
    (["annotations", "export", "{sid}", "--format", "elan", "--to", "{tmp}/no/a.eaf"],
     "--to: folder {tmp}/no does not exist"),
    (["annotations", "search", "--since", "last week"], "--since must be a date"),
    (["annotations", "search", "--tag", "autonomy:leeder"],
     "unknown tag(s) autonomy:leeder: search by a dimension (integration, variability"),
    (["annotations", "search", "--since", "2026-05-01", "--until", "2026-04-01"],
     "the since date (2026-05-01) must be before the until date (2026-04-01)"),
    (["notes", "{sid}"], "set $EDITOR"),
    # times on the command line: SS, MM:SS, HH:MM:SS and fractions, nothing else
    (["annotate", "{sid}", "--at", "abc", "x"], "--at: write the time as minutes:seconds"),
    (["annotate", "{sid}", "--at", "-5", "x"], "or seconds (95.5), got '-5'"),
    (["annotate", "{sid}", "--at", "1:2:3:4", "x"], "--at: write the time as minutes:seconds"),
    (["annotate", "{sid}", "--at", "0:10", "--to", "0:05", "x"],
     "the end (0:05.0) is before the start (0:10.0)"),
    (["annotate", "{sid}", "--at", "10", "--to", "99:00", "x"], "outside the session (0 to"),
    (["annotate", "{sid}", "--at", "10", "--new-tag", "two words"], "without spaces"),
    (["annotations", "edit", "{sid}", "{aid}", "--to", "1:99"], "--to: minutes and seconds"),
    (["annotations", "edit", "{sid}", "{aid}", "--tag", "autonomy:boss"], "unknown tag"),
    (["annotations", "delete", "{sid}", "a-0000000000"],
     "has no annotation 'a-0000000000' (see 'improv annotations {sid}')"),
    (["annotations", "restore", "{sid}", "{aid}"], "annotation {aid} is not deleted"),
    (["annotations", "restore", "{sid}", "a-0000000000"], "has no annotation 'a-0000000000'"),
    # files to import that are not what they claim to be
    (["annotations", "import", "{sid}", "{tmp}/bad.eaf"], "bad.eaf is not a readable ELAN file"),
    (["annotations", "import", "{sid}", "{tmp}/latin1.txt"], "latin1.txt is not a UTF-8 text"),
    (["annotations", "import", "{sid}", "{tmp}/rows.txt"],
     "label line 2: the start must be seconds, got 'abc'"),
    (["annotations", "import", "{sid}", "{tmp}/late.txt"], "time 500.00 s is outside the session"),
    (["annotations", "import", "{sid}", "{tmp}/tags.txt"], "unknown tag"),
    (["annotations", "import", "{sid}", "{tmp}/nan.txt"],
     "label line 2: the start must be seconds, got 'nan'"),
    (["annotations", "import", "{sid}", "{tmp}/inf.csv", "--format", "sv"],
     "Sonic Visualiser row 2: time and duration must be seconds"),
    (["annotations", "import", "{sid}", "{tmp}/reversed.txt"],
     "label line 1: the end (2 s) is before the start (5 s)"),
    # a time-value layer without its header: the value is no duration (review)
    (["annotations", "import", "{sid}", "{tmp}/values.csv", "--format", "sv"],
     "rows of 3 columns and no header row"),
    # review 36: a time-value layer without labels, notes without labels, notes or boxes
    (["annotations", "import", "{sid}", "{tmp}/values2.csv"],
     "rows of 2 columns and no header row, so what its columns hold is unknown (time,value "),
    (["annotations", "import", "{sid}", "{tmp}/notes4.csv"],
     "rows of 4 columns and no header row, so what its columns hold is unknown "
     "(time,value,duration,level as a notes layer"),
    (["annotations", "import", "{sid}", "{tmp}/notes5.csv"],
     "rows of 5 columns and no header row, so what its columns hold is unknown "
     "(time,value,duration,level,label as a notes layer"),
    # a guess from the name that the first line does not fit names --format (review)
    (["annotations", "import", "{sid}", "{tmp}/instants.txt"],
     "instants.txt was read as Audacity labels (guessed from its name), but its first line "
     "looks like a Sonic Visualiser layer: if it is, import it with --format sv"),
    (["annotations", "import", "{sid}", "{tmp}/labels.csv"],
     "labels.csv was read as a Sonic Visualiser layer (guessed from its name), but its first "
     "line looks like Audacity labels: if it is, import it with --format audacity"),
    (["annotations", "import", "{sid}", "{tmp}/words.txt"],
     "looks like none of the formats: give the file's kind with --format (elan, audacity, "),
    # verbal notes written from a file or an editor that fails
    (["notes", "{sid}", "--from", "{tmp}/latin1.md"], "latin1.md is not a UTF-8 text file"),
    (["notes", "{sid}", "EDITOR={tmp}/fail.sh"], "failed; the notes are unchanged"),
    (["notes", "{sid}", "EDITOR={tmp}/latin1.sh"], "the edited notes are not UTF-8 text"),
])
def test_annotation_errors(run_cli, sid, args, message, monkeypatch, store_path, tmp_path):
    from tests.sessions.helpers import tree_snapshot

    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    aid = run_cli("annotate", sid, "--at", "5", "--tag", "marker", "first", "--json").json()["id"]
    assert run_cli("notes", sid, "--from", _file(tmp_path / "n.md", "At 0:05 a start.\n"),
                   ).exit_code == 0
    (tmp_path / "bad.eaf").write_text("<ANNOTATION_DOCUMENT><not closed")
    (tmp_path / "latin1.txt").write_bytes("1\t2\tcaf\xe9\n".encode("latin-1"))
    (tmp_path / "latin1.md").write_bytes("caf\xe9 at 0:05\n".encode("latin-1"))
    _file(tmp_path / "rows.txt", "1.0\t2.0\tfine\nabc\t3\tbad\n")
    _file(tmp_path / "late.txt", "1.0\t2.0\tfine\n500\t501\ttoo late\n")
    _file(tmp_path / "tags.txt", "1.0\t2.0\tfine\n3\t4\tx #autonomy:boss\n")
    _file(tmp_path / "nan.txt", "1.0\t2.0\tfine\nnan\tnan\tnot a time\n")
    _file(tmp_path / "inf.csv", "time,duration,label\n1.0,0,fine\ninf,0,never\n")
    _file(tmp_path / "values.csv", '1.5,0.8,"value one"\n')
    _file(tmp_path / "values2.csv", "1.5,0.8\n2.5,0.6\n")
    _file(tmp_path / "notes4.csv", "1.5,60,0.5,0.8\n2.5,62,0.25,0.6\n")
    _file(tmp_path / "notes5.csv", "1.5,60,0.5,0.8,held\n")
    _file(tmp_path / "instants.txt", '1.5,"entry"\n')
    _file(tmp_path / "labels.csv", "1.0\t2.0\tfine\n")
    _file(tmp_path / "words.txt", "at the start, a pulse\n")
    _file(tmp_path / "reversed.txt", "5\t2\tends before it starts\n")
    _file(tmp_path / "fail.sh", "#!/bin/sh\necho changed >> \"$1\"\nexit 3\n").chmod(0o755)
    _file(tmp_path / "latin1.sh", "#!/bin/sh\nprintf 'caf\\351\\n' >> \"$1\"\n").chmod(0o755)
    argv = [a.format(sid=sid, aid=aid, tmp=tmp_path) for a in args]
    for a in [a for a in argv if a.startswith("EDITOR=")]:
        monkeypatch.setenv("EDITOR", a.split("=", 1)[1])
        argv.remove(a)
    before = tree_snapshot(store_path)
    r = run_cli(*argv)
    status, message = exit_status(message), message.format(sid=sid, aid=aid, tmp=tmp_path)
    assert r.exit_code == status, r.stderr
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    assert tree_snapshot(store_path) == before  # no annotation revision, no notes version


def _file(path, text):
    path.write_text(text)
    return path


def test_export_import_audacity_and_search(run_cli, sid, tmp_path):
    run_cli("annotate", sid, "--at", "5", "--tag", "marker", "first")
    labels = tmp_path / "labels.txt"
    assert run_cli("annotations", "export", sid, "--format", "audacity", "--to",
                   labels).exit_code == 0
    labels.write_text(labels.read_text() + "20.0\t25.5\tsecond #tension:tense @therapist\n")
    r = run_cli("annotations", "import", sid, labels, "--json")
    assert r.exit_code == 0, r.stderr
    assert [a["text"] for a in r.json()] == ["second"]  # "first" is there already
    r = run_cli("annotations", "import", sid, labels)  # the same file again: nothing twice
    assert r.exit_code == 0 and "imported 0 annotations" in r.stdout
    assert "skipped 2 annotations the session already has (imported before?)" in r.stderr
    assert len(run_cli("annotations", sid, "--json").json()) == 2
    found = run_cli("annotations", "search", "--tag", "tension", "--client", "C07", "--json").json()
    assert [(f["t"], f["end"], f["player"]) for f in found] == [(20.0, 25.5, "therapist")]
    bad = tmp_path / "bad.txt"
    bad.write_text("1.0\t2.0\tx @nobody\n")
    before = run_cli("annotations", sid, "--json").json()
    r = run_cli("annotations", "import", sid, bad)
    assert r.exit_code == 1 and "unknown player" in r.stderr
    assert run_cli("annotations", sid, "--json").json() == before


def test_import_sonic_visualiser_layer(run_cli, sid, tmp_path):
    layer = tmp_path / "regions.csv"  # a regions layer as Sonic Visualiser exports it
    layer.write_text("10.0,1,2.5,together #integration:integrated @client\n12,1,0,\n")
    r = run_cli("annotations", "import", sid, layer, "--json")
    assert r.exit_code == 0, r.stderr
    assert [(a["t"], a["end"], a["player"], a["tags"]) for a in r.json()] == [
        (10.0, 12.5, "client", ["integration:integrated"]), (12.0, None, None, [])]
    bad = tmp_path / "bad.csv"
    bad.write_text("1.0,1,2,fine\n2.0,1,x,bad\n")
    before = run_cli("annotations", sid, "--json").json()
    r = run_cli("annotations", "import", sid, bad)
    assert r.exit_code == 1 and r.stderr.startswith("error: ") and "must be seconds" in r.stderr
    assert r.stderr.count("\n") == 1
    assert run_cli("annotations", sid, "--json").json() == before


def test_notes_from_file_and_editor(run_cli, sid, tmp_path, monkeypatch):
    f = tmp_path / "n.md"
    f.write_text("# Session\nAt 0:45 the client laughed.\n")
    assert "1 time reference" in run_cli("notes", sid, "--from", f).stdout
    shown = run_cli("notes", sid, "--json").json()
    assert shown["refs"][0]["t"] == 45.0 and shown["refs"][0]["in_session"]
    editor = tmp_path / "ed.sh"
    editor.write_text("#!/bin/sh\necho 'Later at [1:20] a duet.' >> \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    assert run_cli("notes", sid).exit_code == 0
    assert "[1:20] a duet" in run_cli("notes", sid, "--show").stdout
    assert len(run_cli("notes", sid, "--history").stdout.splitlines()) == 2


def test_list_deleted_says_deleted_and_who(run_cli, store):
    w = store.create_session(client="C07", players=["client"])
    sid = w.finalize(duration_s=60.0)["id"]
    r = run_cli("annotate", sid, "--at", "10", "first", "--json")
    aid = r.json()["id"]
    assert run_cli("annotations", "delete", sid, aid, "--by", "T1").exit_code == 0
    r = run_cli("annotations", "list", sid, "--deleted")
    assert r.exit_code == 0, r.stderr
    header, _, row = r.stdout.splitlines()[:3]
    assert header.split()[-1] == "STATE" and row.split()[-1] == "deleted"
    (a,) = run_cli("annotations", "list", sid, "--deleted", "--json").json()
    assert a["deleted"] and a["deleted_by"] == "T1" and a["edited_utc"] is None



def _room_starts_late(run_cli, tmp_path):
    """A session of a MIDI file and room.wav imported 1.5 s into it, with a marker at 2 s:
    (the MIDI file, the session ID)."""
    from tests.sessions.helpers import write_audio

    mid = write_midi(tmp_path / "k.mid", tracks={"client": [(0.5 * k, 0, 60, 80)
                                                          for k in range(20)]})
    write_audio(tmp_path / "room.wav", seconds=8.0)
    r = run_cli("sessions", "import", mid, tmp_path / "room.wav", "--client", "C07",
                "--offset", "room.wav=1.5", "--json")
    assert r.exit_code == 0, r.stderr
    sid = r.json()["id"]
    assert run_cli("annotate", sid, "--at", "2", "marker").exit_code == 0
    return mid, sid


def test_label_exports_note_a_recording_that_does_not_start_with_the_session(run_cli,
                                                                              tmp_path):
    """Audacity and Sonic Visualiser labels are laid over a recording: one that starts 1.5 s
    into the session showed every label 1.5 s late, with no word of it (ELAN's export warned).
    The note is on stderr; the labels (stdout) stay on the session clock; CSV and JSON (data,
    not laid over a file) and a session whose audio starts with it get no note."""
    mid, sid = _room_starts_late(run_cli, tmp_path)
    for fmt in ("audacity", "sv"):
        r = run_cli("annotations", "export", sid, "--format", fmt)
        assert r.exit_code == 0, r.stderr
        assert r.stderr == ("note: audio/room.wav starts 1.500 s into the session; the times "
                            "are on the session clock, so over that recording alone they show "
                            "that much late (--clock file puts them on that recording's "
                            "clock)\n")
        assert "2.000000" in r.stdout
    for fmt in ("csv", "json"):
        r = run_cli("annotations", "export", sid, "--format", fmt)
        assert r.exit_code == 0 and r.stderr == ""
    r = run_cli("sessions", "import", mid, tmp_path / "room.wav", "--client", "C07", "--json")
    same = r.json()["id"]
    r = run_cli("annotations", "export", same, "--format", "sv")
    assert r.exit_code == 0 and r.stderr == ""


def test_label_exports_note_a_recording_that_started_before_the_session(run_cli, store):
    """A recorder's stream can start before the session clock (t0 < 0): the labels then show
    that much early over the recording."""
    import numpy as np

    w = store.create_session(client="C07", players=["client"])
    audio = w.add_audio_input("room", sr=8000, channels=1, players={"client": [1]},
                              device={"name": "test", "hostapi": "none"}, t0=-0.25)
    for i in range(0, 8000 * 4, 4000):
        audio.write(np.zeros((4000, 1), np.float32))
        audio.anchor(frame=i, t=i / 8000 - 0.25)
    sid = w.finalize(duration_s=3.75)["id"]
    assert run_cli("annotate", sid, "--at", "2", "marker").exit_code == 0
    r = run_cli("annotations", "export", sid, "--format", "audacity")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ("note: audio/room.wav starts 0.250 s before the session; the times are "
                        "on the session clock, so over that recording alone they show that "
                        "much early (--clock file puts them on that recording's clock)\n")


def test_elan_export_warns_of_a_recording_that_starts_after_the_session(run_cli, tmp_path):
    """ELAN cannot shift a media file later: the export says so, rather than leaving the
    markers silently 1.5 s off the sound they mark."""
    _, sid = _room_starts_late(run_cli, tmp_path)
    r = run_cli("annotations", "export", sid, "--format", "elan", "--to", tmp_path / "a.eaf")
    assert r.exit_code == 0, r.stderr
    assert ("warning: room.wav starts 1.500 s into the session; ELAN cannot shift a file "
            "later" in r.stderr)


def test_the_listing_says_suggested_confirmed_and_edited_as_the_page_does(run_cli, sid, store):
    """A confirmed role suggestion read "edited" in 'improv annotations' while the session page
    says "confirmed" (its text: "…, confirmed Dec 6, 2026"): the listing says "confirmed",
    "suggested" for one to review, and "edited" only for a correction of the content."""
    from improv.analyze.roles import accept_roles, confirm_suggestions
    from sessions.annotation_edits import add_annotation, edit_annotation

    runs = [{"t": t, "end": t + 4.0, "player": "client", "role": "leader", "confidence": 0.9}
            for t in (10.0, 20.0, 30.0)]
    waiting, confirmed, corrected = accept_roles(store, sid, runs)
    confirm_suggestions(store, sid, [{"id": a["id"]} for a in (confirmed, corrected)])
    edit_annotation(store, sid, corrected["id"], text="she leads, clearly")
    own = add_annotation(store, sid, t=40.0, tags=["suggestion"], text="try the drum")
    edit_annotation(store, sid, own["id"], text="try the big drum")
    edit_annotation(store, sid, own["id"], text="try the bass drum")
    out = run_cli("annotations", sid).stdout
    state = {a["id"]: line.rstrip().rsplit("  ", 1)[-1].strip()
             for line in out.splitlines() for a in (waiting, confirmed, corrected, own)
             if line.startswith(a["id"])}
    assert state == {waiting["id"]: "suggested", confirmed["id"]: "confirmed",
                     corrected["id"]: "confirmed, edited", own["id"]: "edited 2 times"}
    line = next(x for x in out.splitlines() if x.startswith(confirmed["id"]))
    assert "leader · client, confirmed " in line and "edited" not in line


def test_sv_layers_on_the_recordings_clock_round_trip(run_cli, tmp_path):
    """Review 29: Sonic Visualiser layers ignored a recording's offset (beats export has
    --clock file). Export with --clock file puts the marker at 2 s (session) at 0.5 s of
    room.wav (starts 1.5 s in); a layer drawn over the WAV imported with --clock file lands on
    the session clock; a plain import of such a layer says how to; the round trip gives the
    annotation back (so nothing new is added)."""
    from sessions.interop import from_sonic_visualiser

    _, sid = _room_starts_late(run_cli, tmp_path)
    r = run_cli("annotate", sid, "--at", "1", "before the recording")
    assert r.exit_code == 0
    r = run_cli("annotations", "export", sid, "--format", "sv", "--clock", "file")
    assert r.exit_code == 0, r.stderr
    assert [(a["t"], a["text"]) for a in from_sonic_visualiser(r.stdout)] == [(0.5, "marker")]
    assert "1 annotation before audio/room.wav starts is left out" in r.stderr
    layer = tmp_path / "layer.csv"
    layer.write_text(r.stdout)
    r = run_cli("annotations", "import", sid, layer, "--clock", "file")
    assert r.exit_code == 0, r.stderr
    assert "imported 0 annotations" in r.stdout and "skipped 1 annotation " in r.stderr
    drawn = _file(tmp_path / "drawn.csv", "1.000000000,snare on the WAV at 1 s\n")
    r = run_cli("annotations", "import", sid, drawn, "--clock", "file", "--json")
    assert r.exit_code == 0, r.stderr
    assert [a["t"] for a in r.json()] == [2.5]
    drawn2 = _file(tmp_path / "drawn2.csv", "3.000000000,plain import\n")
    r = run_cli("annotations", "import", sid, drawn2, "--json")
    assert r.exit_code == 0 and [a["t"] for a in r.json()] == [3.0]
    assert "import it with --clock file" in r.stderr
    for args in (("--format", "csv", "--clock", "file"), ("--format", "sv", "--input", "room")):
        r = run_cli("annotations", "export", sid, *args)
        assert r.exit_code != 0
    r = run_cli("annotations", "export", sid, "--format", "sv", "--clock", "file", "--input",
                "nope")
    assert r.exit_code != 0 and "no audio input 'nope'" in r.stderr


def test_an_sv_layer_is_read_back_whatever_its_name(run_cli, tmp_path):
    """Review: a layer exported to c.sv was read as Audacity labels ('the start must be
    seconds, got 'time,duration,label''); its header row makes it a layer whatever its name,
    and the round trip on the recording's clock adds nothing."""
    _, sid = _room_starts_late(run_cli, tmp_path)
    assert run_cli("annotate", sid, "--at", "3", "--to", "4.5", "a range").exit_code == 0
    layer = tmp_path / "ex" / "c.sv"
    layer.parent.mkdir()
    r = run_cli("annotations", "export", sid, "--format", "sv", "--clock", "file", "--to", layer)
    assert r.exit_code == 0, r.stderr
    r = run_cli("annotations", "import", sid, layer, "--clock", "file")
    assert r.exit_code == 0, r.stderr
    assert "imported 0 annotations" in r.stdout and "skipped 2 annotations" in r.stderr


def test_the_format_an_error_names_reads_the_file(run_cli, sid, tmp_path):
    """The --format a wrong guess names reads the file (an SV instants layer named .txt)."""
    layer = _file(tmp_path / "instants.txt", '1.5,"entry #marker"\n')
    assert "--format sv" in run_cli("annotations", "import", sid, layer).stderr
    r = run_cli("annotations", "import", sid, layer, "--format", "sv", "--json")
    assert r.exit_code == 0, r.stderr
    assert [(a["t"], a["end"], a["text"], a["tags"]) for a in r.json()] == [
        (1.5, None, "entry", ["marker"])]


def test_a_damaged_annotation_log_says_what_to_do(run_cli, sid, store_path):
    """Review: one bad line in annotations.jsonl gave 'error: …/annotations.jsonl:6: not
    valid JSON (…)' and no advice; the command line adds verify and a backup, as for a
    session that cannot be read."""
    import json

    from tests.sessions.helpers import tree_snapshot

    for k in range(6):
        assert run_cli("annotate", sid, "--at", str(k + 1), f"note {k}").exit_code == 0
    log = store_path / "sessions" / sid / "annotations.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    lines[5] = '{"op": "create", "id": oops}\n'
    log.write_text("".join(lines))
    before = tree_snapshot(store_path)
    r = run_cli("annotations", sid, "--json")
    assert json.loads(r.stderr)["kind"] == "DamagedLogError", r.stderr
    for args in (["annotations", sid], ["summary", sid]):  # the summary caches its analysis
        r = run_cli(*args)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, (args, r.stderr)
        assert r.stderr.startswith("error: ") and "annotations.jsonl:6: not valid JSON" in r.stderr
        assert (f"not valid JSON (Expecting value: line 1 column 24 (char 23)); check the "
                f"session with 'improv sessions verify {sid}'; a backup made before holds the "
                "file as it was ('improv help restore')") in r.stderr, r.stderr
        if args[0] == "annotations":
            assert tree_snapshot(store_path) == before


def test_clock_file_needs_an_audio_recording(run_cli, sid, tmp_path):
    r = run_cli("annotations", "export", sid, "--format", "sv", "--clock", "file")
    assert r.exit_code != 0 and "no audio recording" in r.stderr


def test_json_and_csv_round_trip_keep_author_and_source(run_cli, store, tmp_path):
    """Review 29: an import from improv's own JSON or CSV export made every annotation
    ``by`` None and ``source`` import; a role suggestion lost that it was one."""
    from sessions.annotation_edits import add_annotations

    ids = []
    for client in ("C01", "C02", "C03"):
        w = store.create_session(client=client, players=["client"])
        w.add_midi_input("k", player="client")
        ids.append(w.finalize(duration_s=20.0)["id"])
    add_annotations(store, ids[0], [{"t": 1.0, "text": "by hand"}], by="T01")
    add_annotations(store, ids[0], [{"t": 3.0, "end": 6.0, "tags": ["autonomy:leader"],
                                     "player": "client"}], by="analysis", source="suggestion")
    for fmt, target in (("json", ids[1]), ("csv", ids[2])):
        out = tmp_path / f"a.{fmt}"
        assert run_cli("annotations", "export", ids[0], "--format", fmt, "--to",
                       out).exit_code == 0
        r = run_cli("annotations", "import", target, out, "--by", "T09")
        assert r.exit_code == 0, r.stderr
        got = sorted((a["t"], a["by"], a["source"]) for a in store.session(target).annotations())
        assert got == [(1.0, "T01", "manual"), (3.0, "analysis", "suggestion")], fmt
    bad = _file(tmp_path / "bad.json", '[{"t": 1, "source": "robot"}]')
    r = run_cli("annotations", "import", ids[1], bad)
    assert r.exit_code != 0 and "source must be one of" in r.stderr


def test_a_one_row_sv_file_is_an_error_not_zero_imports(run_cli, sid, tmp_path):
    """Review 29: '0:31.5,label' alone was read as a header: 'imported 0', status 0."""
    for text in ("0:31.5,label\n", "time,label\n"):
        r = run_cli("annotations", "import", sid, _file(tmp_path / "one.csv", text))
        assert r.exit_code != 0
        assert "read as a header, and no rows of annotations" in r.stderr


def test_listing_the_tags_makes_no_store(run_cli, store_path, monkeypatch, tmp_path):
    """Review 29: 'improv annotations tags' without --store made an empty store in the home
    folder; listing tags reads, and makes nothing."""
    import shutil

    shutil.rmtree(store_path)
    monkeypatch.delenv("IMPROV_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    r = run_cli("annotations", "tags", "--json")
    assert r.exit_code == 0, r.stderr
    assert "autonomy" in r.json()["dimensions"]
    assert "created" not in r.stderr
    assert not (tmp_path / "data").exists() and not (tmp_path / "home").exists()

"""Who plays each part of an import, as proposed before the import (review 28 second,
finding 1): the players of the client's last session, found by the words of the names and
their order; else client or therapist from a word in a name; else nobody (asked); never a name
made from a file's name."""

from __future__ import annotations

from datetime import datetime, timezone

from sessions.import_players import previous_players, suggest_players, words
from sessions.importer import describe_file, import_files
from tests.sessions.helpers import write_audio, write_midi


def _duet(path, names=("Piano client", "Piano therapist")):
    return write_midi(path, tracks={names[0]: [(0.5, 0, 60, 90)], names[1]: [(0.3, 1, 48, 80)]})


def _players(proposed):
    return [[(p["player"], p["why"]) for p in f] for f in proposed]


def test_words_of_names():
    assert words("Piano client") == {"piano", "client"}
    assert words("room-2.WAV") == {"room", "2"}
    assert words("piano_Client") == {"piano", "client"}


def test_without_a_previous_session_role_words_else_ask(tmp_path):
    mid = _duet(tmp_path / "keyboard-1.mid")
    write_audio(tmp_path / "room-1.wav", sr=8000, seconds=1.0, channels=1)
    write_audio(tmp_path / "therapist mic.wav", sr=8000, seconds=1.0, channels=1)
    files = [describe_file(p) for p in (mid, tmp_path / "room-1.wav",
                                        tmp_path / "therapist mic.wav")]
    assert _players(suggest_players(files, None)) == [
        [("client", "name"), ("therapist", "name")],
        [(None, None)],  # never "room-1": a name made from a file's name
        [("therapist", "name")]]
    both = write_midi(tmp_path / "x.mid", tracks={"client and therapist": [(0.1, 0, 60, 90)],
                                                  "Track 2": [(0.2, 0, 61, 90)]})
    assert _players(suggest_players([describe_file(both)], None)) == [[(None, None)] * 2]


def test_a_track_without_notes_gets_no_player(tmp_path):
    """A track that only sets up an instrument goes with its file's main player: it is
    described (no notes) and no one is proposed or asked for it."""
    import mido

    mid = write_midi(tmp_path / "k.mid", tracks={"client": [(0.1, 0, 60, 90)]})
    f = mido.MidiFile(mid)
    f.tracks.append(mido.MidiTrack([mido.MetaMessage("track_name", name="Setup"),
                                    mido.Message("program_change", channel=1, program=5)]))
    f.save(mid)
    d = describe_file(mid)
    assert [p["text"] for p in d["parts"]] == ["track 2 'client', 1 note",
                                                "track 3 'Setup', no notes"]
    assert _players(suggest_players([d], None)) == [[("client", "name"), (None, None)]]


def test_the_last_sessions_players_by_words_then_order(store, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    write_audio(old / "room-1.wav", sr=8000, seconds=1.0, channels=1)
    first = import_files(
        store, [_duet(old / "keyboard-1.mid"), old / "room-1.wav"], client="C07",
        players=["Piano-client=keyboard-1.mid:2", "Piano-therapist=keyboard-1.mid:3",
                 "room=room-1.wav"],
        started=datetime(2026, 10, 1, 10, tzinfo=timezone.utc))
    import_files(store, [_duet(old / "demo.mid")], client="C07", demo=True)  # not counted
    prev = previous_players(store, "c07")  # the code as typed, in any case
    assert prev["id"] == first["id"] and prev["number"] == 1
    # tracks in the other order: found by their names' words, not by their place
    mid = _duet(tmp_path / "keyboard-2.mid", names=("Piano therapist", "Piano client"))
    write_audio(tmp_path / "room-2.wav", sr=8000, seconds=1.0, channels=1)
    files = [describe_file(tmp_path / "room-2.wav"), describe_file(mid)]
    assert _players(suggest_players(files, prev)) == [
        [("room", "previous")],
        [("Piano-therapist", "previous"), ("Piano-client", "previous")]]
    # tracks whose names say nothing: in the order of the last session's MIDI players, marked
    # as placed by their order alone (the page asks to confirm them: review 35)
    plain = _duet(tmp_path / "take.mid", names=("Track 1", "Track 2"))
    assert _players(suggest_players([describe_file(plain)], prev)) == [
        [("Piano-client", "order"), ("Piano-therapist", "order")]]
    # a third track: nobody had it last time, and its name says nothing: asked
    three = write_midi(tmp_path / "three.mid", tracks={
        "A": [(0.1, 0, 60, 90)], "B": [(0.2, 0, 61, 90)], "C": [(0.3, 0, 62, 90)]})
    assert _players(suggest_players([describe_file(three)], prev))[0][2] == (None, None)


def test_an_audio_channel_no_one_played_is_left_out_again(store, tmp_path):
    write_audio(tmp_path / "room.wav", sr=8000, seconds=1.0, channels=2)
    import_files(store, [tmp_path / "room.wav"], client="C07", players=["room=room.wav:1"],
                 leave_out=["room.wav:2"])
    prev = previous_players(store, "C07")
    assert [(s["kind"], s["player"]) for s in prev["slots"]] == [("audio", "room"), ("audio", "")]
    assert _players(suggest_players([describe_file(tmp_path / "room.wav")], prev)) == [
        [("room", "previous"), ("", "previous")]]


def test_no_previous_session_without_client_or_sessions(store):
    assert previous_players(store, None) is None
    assert previous_players(store, "C99") is None

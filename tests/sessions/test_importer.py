import re

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.errors import InvalidArgumentError, SessionFormatError
from sessions.import_mapping import parse_player_map
from sessions.importer import import_files
from tests.sessions.helpers import tree_snapshot, write_audio, write_midi


@pytest.mark.parametrize("spec, expect", [
    ("client=duet.mid", ("client", "duet.mid", None, None)),
    ("client=duet.mid:2", ("client", "duet.mid", "number", 2)),
    ("client=duet.mid:track3", ("client", "duet.mid", "track", 3)),
    ("therapist=duet.mid:ch10", ("therapist", "duet.mid", "channel", 10)),
    ("client=C:/rec/a.wav:1", ("client", "C:/rec/a.wav", "number", 1)),
])
def test_parse_player_map(spec, expect):
    m = parse_player_map(spec)
    assert (m.player, m.file, m.kind, m.number) == expect


@pytest.mark.parametrize("spec, error", [
    ("client", InvalidArgumentError), ("=a.mid", InvalidArgumentError),
    ("client=", InvalidArgumentError), ("bad name=a.mid", SessionFormatError)])
def test_parse_player_map_rejects(spec, error):
    with pytest.raises(error, match="NAME=FILE|player name"):
        parse_player_map(spec)


def test_a_new_player_name_has_no_dot_but_a_stored_one_is_read():
    """'.' separates a measure's column (client.midi.notes_per_s): a new name with one is
    refused with the reason, a name an older improv stored is still read, and a MIDI track's
    label becomes a name without one."""
    from sessions import manifest as mf
    from sessions.midi_file import default_player

    with pytest.raises(SessionFormatError, match=r"got 'Dr\.K' \('\.' separates .* use '-'"):
        parse_player_map("Dr.K=a.mid")
    assert mf.check_player_name("Dr.K", stored=True) == "Dr.K"
    assert default_player("Piano 1.0", "track1") == "Piano-1-0"
    assert default_player("...", "track1") == "track1"


def test_type1_tracks_become_players_with_exact_times(store, tmp_path):
    notes_a = [(0.0, 0, 60, 90), (0.75, 0, 62, 70), (2.5, 0, 64, 50)]
    notes_b = [(0.4, 9, 38, 100), (1.2, 9, 42, 60)]
    mid = write_midi(tmp_path / "duet.mid", tracks={"Piano": notes_a, "Drums": notes_b},
                     tempo_bpm=93.0, markers=[(1.0, "client smiles")])
    m = import_files(store, [mid], client="C07",
                     players=["client=duet.mid:2", "therapist=duet.mid:3"])
    s = store.session(m["id"])
    assert s.players == ["client", "therapist"]
    ons = s.midi_events(players=["client"])
    on_times = ons.t[(ons.status & 0xF0) == 0x90]
    np.testing.assert_allclose(on_times, [n[0] for n in notes_a], atol=0.002)
    drums = s.midi_events(players=["therapist"])
    assert set(drums.status & 0x0F) == {9}
    (marker,) = s.annotations()
    assert marker["text"] == "client smiles" and marker["t"] == pytest.approx(1.0, abs=0.002)
    assert marker["source"] == "import"


def test_type0_channels_default_to_players_and_can_be_mapped(store, tmp_path):
    mid = write_midi(tmp_path / "t0.mid", mtype=0,
                     tracks={"x": [(0.0, 0, 60, 90), (0.5, 9, 36, 90), (1.0, 0, 64, 90)]})
    m = import_files(store, [mid], players=["drums=t0.mid:10"])
    s = store.session(m["id"])
    assert sorted(s.players) == ["ch1", "drums"]
    assert len(s.midi_events(players=["drums"])) == 2


def test_audio_and_midi_recorded_together_with_offsets(store, tmp_path):
    y = write_audio(tmp_path / "room.wav", sr=44100, seconds=2.0, channels=2, subtype="PCM_24")
    write_audio(tmp_path / "voice.flac", sr=48000, seconds=1.0, channels=1)
    mid = write_midi(tmp_path / "keys.mid", tracks={"keys": [(0.0, 0, 60, 90)]})
    m = import_files(
        store, [tmp_path / "room.wav", tmp_path / "voice.flac", mid], client="C07",
        players=["client=room.wav:1", "therapist=room.wav:2", "client=keys.mid",
                 "therapist=voice.flac"],
        offset={"keys.mid": 0.5, "voice.flac": 1.5},
    )
    s = store.session(m["id"])
    room = s.audio_input("room")
    assert (room.sr, room.channels, room.frames) == (44100, 2, 88200)
    assert room.players == {"client": [1], "therapist": [2]}
    back = s.read_audio("room")
    np.testing.assert_allclose(back, y, atol=2 ** -22)
    voice = s.audio_input("voice")
    assert voice.path.suffix == ".flac" and voice.t0 == 1.5
    assert s.midi_events().t[0] == pytest.approx(0.5)
    assert m["duration_s"] == pytest.approx(2.5)
    assert [p for p, _ in [(a.name, 0) for a in s.audio_inputs()]] == ["room", "voice"]


@pytest.mark.parametrize("fmt, subtype", [("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III")])
def test_lossy_formats_are_decoded(store, tmp_path, fmt, subtype):
    path = tmp_path / f"clip.{fmt.lower()}"
    sr = 44100
    t = np.arange(sr) / sr
    sf.write(path, 0.3 * np.sin(2 * np.pi * 440 * t), sr, format=fmt, subtype=subtype)
    m = import_files(store, [path], client="C01")
    s = store.session(m["id"])
    (a,) = s.audio_inputs()
    assert a.sr == sr and abs(a.frames - sr) < 3000
    rms = float(np.sqrt(np.mean(s.read_audio(a.name)[2000:40000] ** 2)))
    assert rms == pytest.approx(0.3 / np.sqrt(2), rel=0.1)


def _bad_files(tmp_path):
    good = write_midi(tmp_path / "good.mid")
    blob = good.read_bytes()
    (tmp_path / "truncated.mid").write_bytes(blob[: len(blob) // 2])
    (tmp_path / "empty.mid").write_bytes(b"")
    (tmp_path / "garbage.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk" * 5)
    (tmp_path / "notes.txt").write_text("hello")
    write_midi(tmp_path / "metaonly.mid", tracks={})
    sf.write(tmp_path / "silent.wav", np.zeros((0, 1)), 8000)
    return {
        "truncated.mid": "cannot be read as a MIDI file",
        "empty.mid": "empty",
        "garbage.wav": "not readable audio",
        "notes.txt": "unsupported file type",
        "metaonly.mid": "no MIDI messages",
        "silent.wav": "not readable audio|no audio frames|empty",
        "missing.wav": "does not exist",
    }


def test_bad_files_leave_the_store_exactly_as_before(store, tmp_path):
    import_files(store, [write_midi(tmp_path / "first.mid")], client="C01")
    cases = _bad_files(tmp_path)
    before = tree_snapshot(store.root)
    for name, match in cases.items():
        with pytest.raises(SessionFormatError, match=match):
            import_files(store, [tmp_path / "good.mid", tmp_path / name], client="C01")
        assert tree_snapshot(store.root) == before, name


@pytest.mark.parametrize("players, match", [
    (["client=nothere.mid"], "not among the files"),
    (["client=good.mid:9"], "no track 9"),
    (["client=good.mid:ch17"], r"1\.\.16"),
])
def test_bad_mappings_are_rejected(store, tmp_path, players, match):
    write_midi(tmp_path / "good.mid")
    with pytest.raises(InvalidArgumentError, match=match):
        import_files(store, [tmp_path / "good.mid"], players=players)
    assert store.session_ids() == []


@pytest.mark.slow
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_midi_and_wav_importers(store, tmp_path, data):
    """Mutated real files either import or fail with SessionFormatError; never anything else."""
    kind = data.draw(st.sampled_from(["mid", "wav"]))
    seed = tmp_path / f"seed.{kind}"
    if not seed.exists():
        if kind == "mid":
            write_midi(seed, tracks={"a": [(0.1 * i, 0, 60 + i, 80) for i in range(8)]})
        else:
            write_audio(seed, sr=8000, seconds=0.05, channels=1, subtype="PCM_16")
    blob = bytearray(seed.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, max(0, len(blob) - 1)))
        if op == "flip" and blob:
            blob[pos] ^= data.draw(st.integers(1, 255))
        elif op == "cut":
            del blob[pos: pos + data.draw(st.integers(1, 64))]
        else:
            blob[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
    target = tmp_path / f"fuzz.{kind}"
    target.write_bytes(bytes(blob))
    n_before = len(store.session_ids())
    try:
        m = import_files(store, [target], client="F01")
    except SessionFormatError:
        assert len(store.session_ids()) == n_before
        assert list(store.tmp_dir.iterdir()) == []
    else:
        assert store.session(m["id"]).manifest["status"] == "complete"


def test_type0_channel_that_has_no_messages_is_refused(store, tmp_path):
    path = write_midi(tmp_path / "t0.mid", mtype=0,
                      tracks={"a": [(0.0, 0, 60, 90), (0.5, 9, 38, 90)]})
    before = tree_snapshot(store.root)
    with pytest.raises(InvalidArgumentError, match=r"t0.mid has no MIDI messages on channel 3 "
                                                 r"\(channels: 1, 10\)"):
        import_files(store, [path], client="C07", players=["client=t0.mid:3"])
    assert tree_snapshot(store.root) == before


def test_system_messages_go_with_the_main_player_not_a_player_of_their_own(store, tmp_path):
    """A GS reset (SysEx) in a type-0 file, and a type-1 track holding only SysEx, are kept
    with the file's main player instead of becoming a player "system" or "track1"."""
    import mido

    gs_reset = mido.Message("sysex", data=[0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7F, 0x00, 0x41])
    for mtype in (0, 1):
        mid = mido.MidiFile(type=mtype, ticks_per_beat=480)
        notes = [gs_reset.copy(time=0)] if mtype == 0 else []
        for k in range(4):
            notes += [mido.Message("note_on", note=60 + k, velocity=90, time=0 if k == 0 else 240),
                      mido.Message("note_off", note=60 + k, time=240)]
        if mtype == 1:
            mid.tracks.append(mido.MidiTrack([gs_reset.copy(time=0)]))
        mid.tracks.append(mido.MidiTrack([mido.MetaMessage("track_name", name="piano"), *notes]))
        path = tmp_path / f"sys{mtype}.mid"
        mid.save(path)
        m = import_files(store, [path], client="C07")
        main = "ch1" if mtype == 0 else "piano"
        assert [p["name"] for p in m["players"]] == [main]
        ev = store.session(m["id"]).midi_events()
        raws = [bytes(r) for r in ev.raw]
        assert bytes(gs_reset.bytes()) in raws and len(raws) == 9  # the reset and 8 notes
        assert set(ev.player) == {main}


def test_separate_files_are_never_merged_into_one_player(store, tmp_path):
    """Two type-0 files on channel 1, and two audio files called take: four players, each
    file's notes or samples its own (they merged into 'ch1' and 'take' before), and two MIDI
    files of one name stay two ports, so their notes are not paired with each other's."""
    a = write_midi(tmp_path / "client.mid", mtype=0, tracks={"x": [(0.0, 0, 60, 90)] * 1})
    b = write_midi(tmp_path / "therapist.mid", mtype=0,
                   tracks={"x": [(0.5, 0, 72, 90), (1.0, 0, 74, 90)]})
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    write_audio(tmp_path / "x" / "take.wav", seconds=0.5, channels=1)
    write_audio(tmp_path / "y" / "take.wav", seconds=0.5, channels=1, freq=220.0)
    m = import_files(store, [a, b, tmp_path / "x" / "take.wav", tmp_path / "y" / "take.wav"])
    s = store.session(m["id"])
    assert sorted(s.players) == ["client-ch1", "take", "take-2", "therapist-ch1"]
    assert len(s.midi_events(players=["client-ch1"])) == 2  # one note: on and off
    assert len(s.midi_events(players=["therapist-ch1"])) == 4
    # a name given with --player is not merged with another file's default of that name
    m = import_files(store, [a, b], players=["ch1=client.mid"])
    s = store.session(m["id"])
    assert sorted(s.players) == ["ch1", "therapist-ch1"]
    assert len(s.midi_events(players=["ch1"])) == 2
    same = [write_midi(tmp_path / d / "take.mid", tracks={"piano": [(0.0, 0, 60, 90)]})
            for d in ("x", "y")]
    m = import_files(store, same, players=["c=x/take.mid", "t=y/take.mid"])
    assert sorted((p["name"], p["player"]) for p in m["midi"]["ports"]) == [
        ("x/take.mid", "c"), ("y/take.mid", "t")]


def test_channels_that_play_no_note_are_no_players(store, tmp_path):
    """A type-0 file that sets up all 16 channels (program change, controllers) but plays on
    one: one player, with the setup messages (15 empty players 'ch2'..'ch16' before)."""
    import mido

    mid = mido.MidiFile(type=0, ticks_per_beat=480)
    setup = [mido.Message("program_change", channel=c, program=0, time=0) for c in range(16)]
    setup += [mido.Message("control_change", channel=c, control=7, value=100, time=0)
              for c in range(16)]
    notes = [mido.Message("note_on", note=60, velocity=90, time=0),
             mido.Message("note_off", note=60, time=240)]
    mid.tracks.append(mido.MidiTrack(setup + notes))
    mid.save(tmp_path / "setup.mid")
    m = import_files(store, [tmp_path / "setup.mid"])
    assert [p["name"] for p in m["players"]] == ["ch1"]
    assert len(store.session(m["id"]).midi_events()) == 32 + 2  # nothing dropped


@pytest.mark.parametrize("maps, expect", [
    # a track map wins over a whole-file map in either order
    (["b=multi.mid:3", "a=multi.mid"], {"a": 2, "b": 4}),
    (["a=multi.mid", "b=multi.mid:3"], {"a": 2, "b": 4}),
    (["b=multi.mid:3", "c=multi.mid:3"], "track 3, channel 2 is given to several players (b, c)"),
    (["a=multi.mid", "c=multi.mid"], "multi.mid is given whole to several players (a, c)"),
])
def test_conflicting_player_maps_are_refused_not_decided_by_their_order(store, tmp_path, maps,
                                                                       expect):
    write_midi(tmp_path / "multi.mid", tracks={"piano": [(0.0, 0, 60, 90)],
                                               "strings": [(0.0, 1, 48, 70), (0.5, 1, 50, 70)]})
    if isinstance(expect, str):
        with pytest.raises(InvalidArgumentError, match=re.escape(expect)):
            import_files(store, [tmp_path / "multi.mid"], players=maps)
        return
    m = import_files(store, [tmp_path / "multi.mid"], players=maps)
    s = store.session(m["id"])
    notes = {p: int(np.sum((s.midi_events(players=[p]).status & 0xF0) >= 0x80)) for p in expect}
    assert notes == expect


def test_audio_channels_left_out_of_a_mapping_are_named(store, tmp_path):
    write_audio(tmp_path / "six.wav", seconds=0.5, channels=6)
    m = import_files(store, [tmp_path / "six.wav"],
                     players=["client=six.wav:2", "therapist=six.wav:5"])
    assert m["audio"][0]["players"] == {"client": [2], "therapist": [5]}
    assert any("channel(s) 1, 3, 4, 6 belong to no player" in w for w in m["warnings"])


# -- review 28 (second), findings 1 and 8: the parts of a file, spaces, names in errors ------

def _keyboard(path):
    return write_midi(path, tracks={"Piano client": [(0.5 * k, 0, 60 + k, 90) for k in range(4)],
                                    "Piano therapist": [(0.3, 1, 48, 80)]})


@pytest.mark.parametrize("spec, expect", [
    ("Therapist = room.wav", ("Therapist", "room.wav", None, None)),
    (" client =duet.mid : 2 ", ("client", "duet.mid", "number", 2)),
    ("client= duet.mid:track3", ("client", "duet.mid", "track", 3)),
])
def test_spaces_around_the_equals_sign_are_left_out(spec, expect):
    m = parse_player_map(spec)
    assert (m.player, m.file, m.kind, m.number) == expect


def test_describe_file_lists_tracks_with_names_and_notes_and_audio_channels(tmp_path):
    from sessions.importer import check_file, describe_file

    mid = _keyboard(tmp_path / "keyboard-3.mid")
    d = describe_file(mid)
    assert d["kind"] == "midi" and d["midi_type"] == 1
    # the tempo track holds no MIDI message: it is not a part
    assert [p["text"] for p in d["parts"]] == ["track 2 'Piano client', 4 notes",
                                                "track 3 'Piano therapist', 1 note"]
    assert [(p["selector"], p["name"], p["channels"]) for p in d["parts"]] == [
        ("track2", "Piano client", [1]), ("track3", "Piano therapist", [2])]
    write_audio(tmp_path / "room.wav", sr=8000, seconds=75.0, channels=1)
    a = describe_file(tmp_path / "room.wav")
    assert a["text"] == "room.wav, 1 channel, 75 s"
    assert [p["selector"] for p in a["parts"]] == ["1"]
    t0 = write_midi(tmp_path / "t0.mid", mtype=0,
                    tracks={"x": [(0.0, 0, 60, 90), (0.5, 9, 36, 90), (1.0, 0, 64, 90)]})
    assert [p["text"] for p in describe_file(t0)["parts"]] == ["channel 1, 2 notes",
                                                                "channel 10, 1 note"]
    assert [p["selector"] for p in describe_file(t0)["parts"]] == ["ch1", "ch10"]
    assert check_file(mid) == "midi" and check_file(tmp_path / "room.wav") == "audio"


def test_a_missing_track_is_named_with_the_tracks_there_are(store, tmp_path):
    mid = _keyboard(tmp_path / "keyboard-3.mid")
    before = tree_snapshot(store.root)
    with pytest.raises(InvalidArgumentError) as e:
        import_files(store, [mid], players=["client=keyboard-3.mid:1"])
    assert str(e.value) == ("keyboard-3.mid has no track 1 with MIDI messages "
                            "(tracks: 2 'Piano client', 3 'Piano therapist')")
    assert tree_snapshot(store.root) == before


def test_imported_ports_keep_their_track_names(store, tmp_path):
    mid = _keyboard(tmp_path / "keyboard-3.mid")
    m = import_files(store, [mid], players=["client=keyboard-3.mid:2",
                                            "therapist=keyboard-3.mid:3"])
    assert [(p["player"], p["device"].get("tracks")) for p in m["midi"]["ports"]] == [
        ("client", ["Piano client"]), ("therapist", ["Piano therapist"])]


def test_left_out_parts_are_not_imported_and_named(store, tmp_path):
    mid = write_midi(tmp_path / "take.mid", tracks={
        "Track 1": [(0.5, 0, 60, 90)], "Track 2": [(0.3, 1, 50, 80)],
        "Click": [(0.1 * k, 9, 37, 80) for k in range(10)]})
    write_audio(tmp_path / "room.wav", sr=8000, seconds=1.0, channels=2)
    m = import_files(store, [mid, tmp_path / "room.wav"],
                     players=["client=take.mid:track2", "therapist=take.mid:track3",
                              "room=room.wav"], leave_out=["take.mid:track4", "room.wav:2"])
    assert m["settings"]["left_out"] == ["take.mid track 4 'Click'", "room.wav channel 2"]
    assert m["midi"]["events"] == 4  # two notes of two players, no click
    assert m["audio"][0]["players"] == {"room": [1]}
    assert not m.get("warnings")  # left out on purpose: no "belong to no player"


@pytest.mark.parametrize("players, leave_out, message", [
    ([], ["take.mid:track2", "take.mid:track3"], "every part of take.mid that plays is left out"),
    ([], ["take.mid"], "a part left out must look like FILE:N"),
    ([], ["take.mid:9"], "take.mid has no track 9 with MIDI messages (tracks: 2 'Track 1', "),
    (["client=take.mid:2"], ["take.mid:2"],
     "take.mid: track 2 'Track 1' is both left out and given to client; choose one"),
    ([], ["room.wav:1"], "every channel of room.wav is left out"),
    (["room=room.wav:1"], ["room.wav:1"], "room.wav: channel 1 is both left out and given"),
    ([], ["room.wav:3"], "room.wav has 1 channel(s); channel 3 does not exist"),
])
def test_bad_left_out_parts_are_refused_in_one_line(store, tmp_path, players, leave_out,
                                                    message):
    mid = write_midi(tmp_path / "take.mid", tracks={"Track 1": [(0.5, 0, 60, 90)],
                                                     "Track 2": [(0.3, 1, 50, 80)]})
    write_audio(tmp_path / "room.wav", sr=8000, seconds=1.0, channels=1)
    before = tree_snapshot(store.root)
    with pytest.raises(InvalidArgumentError) as e:
        import_files(store, [mid, tmp_path / "room.wav"], players=players, leave_out=leave_out)
    assert message in str(e.value) and "\n" not in str(e.value)
    assert tree_snapshot(store.root) == before

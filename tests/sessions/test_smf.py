import mido
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions.smf import encode_smf


def _read_back(data: bytes, tmp_path) -> mido.MidiFile:
    p = tmp_path / "x.mid"
    p.write_bytes(data)
    return mido.MidiFile(p)


def _track_times(track, tpb=960):
    out, tick = [], 0
    for msg in track:
        tick += msg.time
        out.append((tick / (2 * tpb), msg))  # 120 BPM: 2 beats per second
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=3600, allow_nan=False), min_size=1, max_size=60))
def test_every_event_time_is_reproduced_within_1ms(tmp_path_factory, times):
    tmp_path = tmp_path_factory.mktemp("smf")
    events = sorted((t, "client", bytes([0x90, 60, 100])) for t in times)
    data, skipped = encode_smf(players=["client"], events=events)
    mid = _read_back(data, tmp_path)
    got = [t for t, m in _track_times(mid.tracks[1]) if m.type == "note_on"]
    assert skipped == 0 and len(got) == len(times)
    assert np.max(np.abs(np.array(got) - np.sort(times))) <= 0.001


def test_one_track_per_player_markers_and_sysex(tmp_path):
    events = [
        (0.5, "client", bytes([0x90, 60, 100])),
        (0.6, "therapist", bytes([0x99, 38, 90])),
        (0.7, "client", bytes([0xF0, 0x43, 0x10, 0xF7])),
        (0.8, "client", bytes([0xF8])),  # MIDI clock: not allowed in an SMF
    ]
    data, skipped = encode_smf(
        players=["client", "therapist"], events=events, markers=[(1.25, "note: Überraschung")]
    )
    assert skipped == 1
    mid = _read_back(data, tmp_path)
    assert mid.type == 1 and len(mid.tracks) == 3
    assert [t.name for t in mid.tracks[1:]] == ["client", "therapist"]
    markers = [(t, m) for t, m in _track_times(mid.tracks[0]) if m.type == "marker"]
    assert len(markers) == 1 and abs(markers[0][0] - 1.25) < 0.001
    assert markers[0][1].bin()[-len("Überraschung".encode()):] == "Überraschung".encode()
    sysex = [m for _, m in _track_times(mid.tracks[1]) if m.type == "sysex"]
    assert sysex and list(sysex[0].data) == [0x43, 0x10]


def test_the_file_is_as_long_as_the_session_and_imports_back_alike(store, tmp_path):
    """A session rarely ends with its last note: session.mid ends at the session's end (its
    conductor track's end), also after an annotation rewrote the markers, so a player reading
    it, or improv importing it again, gets the same length (54.6 s of 60 s before)."""
    from sessions.annotation_edits import add_annotation
    from sessions.importer import import_files

    w = store.create_session(client="C07", players=["client"])
    for k in range(20):
        w.midi(0.5 + 2.5 * k, player="client", port="Keys", data=bytes([0x90, 60, 90]))
        w.midi(0.8 + 2.5 * k, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    sid = w.finalize(duration_s=60.0)["id"]
    smf = store.folder(sid) / "session.mid"
    assert abs(mido.MidiFile(smf).length - 60.0) < 1e-3
    add_annotation(store, sid, t=59.0, tags=["marker"], text="end")
    assert abs(mido.MidiFile(smf).length - 60.0) < 1e-3
    again = import_files(store, [smf], client="C07")
    assert abs(again["duration_s"] - 60.0) < 1e-3

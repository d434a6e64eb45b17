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

"""Stretches not recorded in a therapist's words (review 36: "Not recorded: MIDI port Digital
Piano:midi_out 0:07.5–0:15.0 (device lost)", and a JACK stop's last 0.1 s read as a device
lost, when it was the recording that ended)."""

from __future__ import annotations

import pytest

from sessions.gap_words import gap_text, known_name, stretches
from sessions.session import group_gaps


def _manifest(events, *, audio=(), ports=("Digital Piano:midi_out",), duration=30.0):
    return {"events": list(events), "audio": list(audio), "duration_s": duration,
            "midi": {"ports": [{"name": p, "player": "client"} for p in ports]}}


def test_an_unplugged_keyboard_is_named_as_known_with_its_player_in_past_tense():
    m = _manifest([{"kind": "midi_gap", "t": 7.5, "end": 15.0, "port": "Digital Piano:midi_out",
                    "player": "client"},
                   {"kind": "stop", "t": 30.0, "reason": "stopped"}])
    (g,) = stretches(m)
    assert g["text"] == ("Digital Piano (client) was unplugged 0:07.5–0:15.0: nothing "
                         "recorded from it then")
    assert g["span"] in g["text"] and g["label"] == "Digital Piano (client) unplugged"
    # the journal's facts stay as they were (--json, scripts, sessions show)
    assert (g["what"], g["why"], g["t"], g["end"]) == (
        "MIDI port Digital Piano:midi_out", "device lost", 7.5, 15.0)
    # a renamed player is named as it is now
    (g,) = stretches(m, renamed={"client": "Anna"})
    assert g["input"] == "Digital Piano (Anna)"


def test_what_a_stopped_jack_server_took_reads_as_the_end_of_the_recording():
    """JACK stopped at 9.52 s; the audio input's last callback was 9.49 s; the recording
    stopped itself at 9.59 s (the review's session)."""
    audio = [{"name": "fluidsynth", "sr": 48000, "players": {"therapist": [1]},
              "device": {"name": "fluidsynth"}, "gaps": []}]
    events = [{"kind": "jack_server_lost", "t": 9.518},
              {"kind": "midi_gap", "t": 9.518, "end": 9.59, "port": "Digital Piano:midi_out",
               "player": "client"},
              {"kind": "source_gap", "t": 9.49, "end": 9.59, "source": "fluidsynth",
               "port": None, "name": "fluidsynth"},
              {"kind": "stop", "t": 9.59, "reason": "jack_server_lost"}]
    texts = [g["text"] for g in stretches(_manifest(events, audio=audio, duration=9.59))]
    assert texts == [
        "fluidsynth (therapist) recorded nothing 0:09.5–0:09.6, until the recording stopped",
        "Digital Piano (client) recorded nothing 0:09.5–0:09.6, until the recording stopped"]
    assert not any("device lost" in t or "unplugged" in t for t in texts)
    # the recording went on (other inputs): the server is the reason; an unplug long before:
    # unplugged
    events[-1]["reason"] = "stopped"
    events.append({"kind": "midi_gap", "t": 2.0, "end": 4.0, "port": "Digital Piano:midi_out",
                   "player": "client"})
    gs = stretches(_manifest(events, audio=audio, duration=30.0))
    assert [g["cause"] for g in gs] == ["unplugged", "jack_stopped", "jack_stopped"]
    assert gs[1]["text"].endswith("recorded nothing 0:09.5–0:09.6: the audio system (JACK) "
                                  "stopped")


def test_dropouts_and_a_reopened_device_filled_with_silence():
    audio = [{"name": "Room-Mic", "sr": 1000, "players": {"client": [1], "therapist": [2]},
              "device": {"name": "Room Mic"},
              "gaps": [{"t": 12.0, "frames": 100},
                       {"t": 20.0, "frames": 3000, "detected_by": "reopen"}]}]
    gs = stretches(_manifest([], audio=audio, ports=()))
    assert [g["text"] for g in gs] == [
        "Room Mic (client, therapist) had a dropout 0:12.0–0:12.1, filled with silence",
        "Room Mic (client, therapist) was unplugged 0:20.0–0:23.0: filled with silence"]
    # a cluster of them: counted, summed
    one = dict(gs[0])
    group = {**one, "t": 12.0, "end": 16.6, "count": 26, "total_s": 0.35}
    words = gap_text(group, count=26, total_s=0.35)
    assert words["text"] == ("Room Mic (client, therapist) had 26 dropouts 0:12.0–0:16.6, "
                             "0.35 s in all, filled with silence")
    assert words["label"] == "Room Mic (client, therapist): 26 dropouts"


def test_clusters_keep_their_input_and_cause():
    gaps = [{"t": 1.0, "end": 2.0, "what": "MIDI port k:o", "why": "device lost",
             "name": "k", "players": ["client"], "cause": "unplugged"},
            {"t": 3.0, "end": 4.0, "what": "MIDI port k:o", "why": "device lost",
             "name": "k", "players": ["client"], "cause": "jack_stopped"}]
    out = group_gaps(gaps)
    assert [(g["cause"], g["name"], g["players"]) for g in out] == [
        ("unplugged", "k", ["client"]), ("jack_stopped", "k", ["client"])]


@pytest.mark.parametrize("name, among, known", [
    ("Digital Piano:midi_out", (), "Digital Piano"),
    ("USB MIDI:out_1", ("USB MIDI:out_1", "USB MIDI:out_2"), "USB MIDI:out_1"),
    ("system", (), "system"), (":x", (), ":x")])
def test_known_name(name, among, known):
    assert known_name(name, among=among) == known


def test_a_jack_source_gone_is_named_as_the_live_warning_named_it():
    """The JACK source wired to the input went away (its input, "system", recorded silence):
    named as the live warning said it, with the players of the input it fed."""
    audio = [{"name": "system", "sr": 48000, "players": {"client": [1]},
              "device": {"name": "system"}, "gaps": []}]
    m = _manifest([{"kind": "source_gap", "t": 6.0, "end": 9.5, "source": "mic:out_1",
                    "port": "improv-audio:in_1", "name": "system"}], audio=audio, ports=())
    (g,) = stretches(m)
    assert g["text"] == "mic (client) was unplugged 0:06.0–0:09.5: nothing recorded from it then"

"""What a session says of an input fault (review 36, analysis 1.23.0, summary format 6).

1. A keyboard unplugged in the middle of a note (lost at 7.5 s, back at 15 s of a 23.6 s
   recording): the note ends at 7.5 s (analysis, piano roll), the 7.5 s not recorded are not
   the client's playing, and the summary says they were not recorded. Before: one note from
   7.05 s to the end, "Client played for 88 % of the time".
2. A dead microphone (digital silence throughout): the summary says no sound reached improv
   and that this is not a measure of the playing, where it said "Therapist did not play."; a
   microphone that heard only a quiet room: no playing heard from it, check where it points.
"""

from __future__ import annotations

import numpy as np
import pytest

SR = 16000
LOST, BACK, END = 7.528, 15.024, 23.6


def _text(summary: dict) -> str:
    return " ".join(s["text"] for s in summary["sentences"])


def _unplugged_session(store) -> str:
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("Digital Piano", player="client")
    w.add_midi_input("Keys", player="therapist")
    for t in np.arange(0.0, 7.0, 0.5):  # the client's eighths, then a note held
        w.midi(float(t), player="client", port="Digital Piano", data=bytes([0x90, 60, 80]))
        w.midi(float(t) + 0.3, player="client", port="Digital Piano", data=bytes([0x80, 60, 0]))
    w.midi(7.054, player="client", port="Digital Piano", data=bytes([0x90, 62, 80]))
    # ... unplugged while it sounds: its note-off never arrives
    for t in np.arange(15.5, 20.0, 0.5):  # back, playing until 20 s, then silent
        w.midi(float(t), player="client", port="Digital Piano", data=bytes([0x90, 64, 80]))
        w.midi(float(t) + 0.3, player="client", port="Digital Piano", data=bytes([0x80, 64, 0]))
    for t in np.arange(2.0, 22.0, 1.0):  # the therapist, a note a second throughout
        w.midi(float(t), player="therapist", port="Keys", data=bytes([0x90, 48, 60]))
        w.midi(float(t) + 0.5, player="therapist", port="Keys", data=bytes([0x80, 48, 0]))
    w.report("device_lost", t=LOST, input="midi", port="Digital Piano", player="client")
    w.report("device_back", t=BACK, input="midi", port="Digital Piano", player="client",
             gap_start=LOST, gap_s=BACK - LOST)
    w.report("midi_gap", t=LOST, end=BACK, port="Digital Piano", player="client")
    return w.finalize(duration_s=END)["id"]


def test_a_note_held_as_the_keyboard_was_unplugged_ends_there(store):
    from improv.analyze import analyze_session
    from improv.analyze.sources import midi_notes
    from improv.web.api_sessions import _piano_roll

    sid = _unplugged_session(store)
    session = store.session(sid)
    held = midi_notes(session, "client")
    (i,) = np.flatnonzero(held.pitch == 62)
    assert held.end[i] == pytest.approx(LOST)  # was END: the note ran to the session's end
    roll = _piano_roll(session)["client"]
    (j,) = [k for k, p in enumerate(roll["pitch"]) if p == 62]
    assert roll["end"][j] == pytest.approx(LOST, abs=1e-3)
    res = analyze_session(store, sid, dialogue=True, use_cache=False)
    assert res["not_recorded"] == {"client": [[LOST, BACK]]}
    s = res["players"]["client"]["sources"]["midi"]["summary"]
    recorded = END - (BACK - LOST)
    # the client was silent from 20 s to the end: 3.6 of the 16.1 s recorded (it read 0)
    assert s["silence_share"] == pytest.approx(3.6 / recorded, abs=0.02)
    assert s["notes_per_s"] == pytest.approx(24 / recorded)
    (pair,) = res["dialogue"]
    # playing 0-7.5 and 15.5-20.3 s of the 16.1 s recorded (with the bridge: about 75 %);
    # with the note held to the end it read 88 %
    share = pair["summary"]["client_active_share"]
    assert 0.7 < share < 0.8


def test_the_summary_says_what_was_not_recorded(store):
    from improv.reports.summary_text import session_summary

    sid = _unplugged_session(store)
    text = _text(session_summary(store, sid, use_cache=False))
    assert "Nothing was recorded from client's MIDI instrument from 0:08 to 0:15 (it was " \
           "lost): client's measures are of the 0:16 that was recorded." in text, text
    assert "Client played for 7" in text and "of their recording and therapist for" in text
    assert "of the time both were recorded" in text


def _mic_session(store, y: np.ndarray, *, warned: float | None = None) -> str:
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("Keys", player="client")
    for t in np.arange(0.0, 20.0, 0.5):
        w.midi(float(t), player="client", port="Keys", data=bytes([0x90, 60, 80]))
        w.midi(float(t) + 0.3, player="client", port="Keys", data=bytes([0x80, 60, 0]))
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"therapist": [1]}, t0=0.0)
    a.write(y[:, None].astype(np.float32))
    if warned is not None:  # the web recording's live warning, journaled (input_silent)
        w.report("input_silent", t=warned, player="therapist", input="mic",
                 input_kind="audio", label="USB mic", channels=[1])
    return w.finalize(duration_s=len(y) / SR)["id"]


def test_a_dead_microphone_is_an_input_fault_not_a_player_who_did_not_play(store):
    from improv.analyze import analyze_session
    from improv.reports.summary_text import session_summary

    sid = _mic_session(store, np.zeros(int(30 * SR)))
    res = analyze_session(store, sid, dialogue=True, use_cache=False)
    s = res["players"]["therapist"]["sources"]["audio"]["summary"]
    assert s["status"] == "silent" and s["peak_dbfs"] == pytest.approx(-100.0)
    summary = session_summary(store, sid, use_cache=False)
    text = _text(summary)
    assert "No sound reached improv from therapist's microphone (it recorded silence from " \
           "start to end, not even the room's background): check the input; this is not a " \
           "measure of the playing." in text, text
    assert "did not play" not in text and "nothing to measure" not in text
    # no share of the time and no dialogue read from a dead input
    assert "therapist for 0 %" not in text and "played together" not in text
    assert "Client played for" in text
    assert [g["label"] for g in summary["groups"]][0] == "Session"
    assert "client & therapist" not in [g["label"] for g in summary["groups"]]
    assert "noticed while recording" not in text


def test_a_dead_microphone_warned_of_while_recording_says_so(store):
    from improv.reports.summary_text import session_summary

    sid = _mic_session(store, np.zeros(int(40 * SR)), warned=30.0)
    summary = session_summary(store, sid, use_cache=False)
    (said,) = [s for s in summary["sentences"] if s["text"].startswith("No sound reached")]
    assert said["text"].endswith("this is not a measure of the playing. This was noticed "
                                 "while recording: improv warned of it 0:30 after the start.")
    assert said["measures"]["no_sound_warned.therapist"] == 30.0


def test_a_microphone_that_heard_only_the_room_heard_no_playing(store):
    from improv.reports.summary_text import session_summary

    rng = np.random.default_rng(3)
    y = (10 ** (-70 / 20)) * rng.standard_normal(int(30 * SR))  # a quiet room, -70 dBFS RMS
    text = _text(session_summary(store, _mic_session(store, y), use_cache=False))
    assert "No playing was heard from therapist's microphone: it recorded only quiet " \
           "background (its loudest moment was" in text, text
    assert "check where the microphone points" in text
    assert "did not play" not in text and "No sound reached" not in text

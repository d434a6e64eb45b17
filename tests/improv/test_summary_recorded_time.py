"""The summary of a pair where one recording ends early (review 29, finding 6; dialogue 1.8):
the Session part says the recording ends, not that the player stopped playing; no turn of the
other player runs on past it; the shares are said of the time recorded."""

from __future__ import annotations

import json

import numpy as np

from analysis.dialogue import PlayerEvents, analyze_dialogue
from improv.reports.summary_text import summary_groups

DURATION, END = 210.0, 19.0


def _result(*, b_recorded):
    """A 3:30 duet: client and therapist answer each other every 3 s until 0:19, where the
    therapist's only input (an audio file) ends; the client plays on alone to the end."""
    t = np.arange(0.0, END, 0.25)
    phase = np.mod(t, 6.0) < 3.0
    a = np.concatenate((t[phase], np.arange(END, DURATION, 0.25)))
    b = t[~phase]
    d = analyze_dialogue(PlayerEvents(a, a + 0.2), PlayerEvents(b, b + 0.2, recorded=b_recorded),
                         duration=DURATION, names=("client", "therapist"), tempo=False)
    entry = json.loads(json.dumps({"pair": ["client", "therapist"], "name": "client|therapist",
                                   **d.to_dict()}))
    measured = {"status": "ok", "sources": {"midi": {"summary": {"status": "ok"}}}}
    return {"duration_s": DURATION, "window_s": 6.0,
            "players": {"client": measured, "therapist": measured}, "dialogue": [entry]}


def _texts(groups, label):
    return [s["text"] for g in groups if g["label"] == label for s in g["sentences"]]


def test_an_input_that_ends_early_is_said_and_counts_no_turn_past_it():
    result = _result(b_recorded=(0.0, END))
    entry = result["dialogue"][0]
    assert max(t["end"] for t in entry["turns"]) <= END + 1e-9  # no 190 s turn
    groups = summary_groups(result, recorded={"therapist": (0.0, END)})
    session = _texts(groups, "Session")
    assert "The recording of therapist ends at 0:19 (the session goes on to 3:30)." in session
    assert not any("stopped playing" in t or "silent to the end" in t for t in session), session
    assert any(t.startswith("Client played for") and "therapist for" in t
               and t.endswith("of their recording.") for t in session), session
    pair = " ".join(_texts(groups, "client & therapist"))
    assert "of the time both were recorded" in pair, pair
    assert "3:1" not in pair and "190 s" not in pair and "191 s" not in pair, pair


def test_a_player_who_stops_inside_the_recording_still_stopped_playing():
    """The therapist's recording runs to the end of the session (a live microphone): their
    silence after 0:19 is their own, and the client's last turn is a turn."""
    result = _result(b_recorded=None)
    assert max(t["end"] for t in result["dialogue"][0]["turns"]) == DURATION
    session = _texts(summary_groups(result, recorded={}), "Session")
    assert "Therapist stopped playing at 0:18 and was silent to the end." in session, session
    assert not any("recording" in t for t in session), session


def test_a_stored_session_gives_the_dialogue_the_microphones_recorded_time(tmp_path, store, rng):
    """Through the store (improv.analyze.sources.player_events): a MIDI player for a minute
    and a microphone recorded for 3 s; the pair's turns and shares stop where the microphone's
    recording ends."""
    import soundfile as sf

    from improv.analyze import analyze_session
    from improv.reports.summary_text import session_summary
    from sessions.importer import import_files
    from tests.improv.test_summary import _notes
    from tests.sessions.helpers import write_midi

    sr = 22050
    y = np.zeros(int(3.0 * sr), np.float32)
    burst = 0.5 * np.sin(2 * np.pi * 2000 * np.arange(220) / sr) * np.exp(-np.arange(220) / 66)
    for t in np.arange(0.1, 2.9, 0.26):
        y[int(t * sr):int(t * sr) + 220] += burst
    sf.write(tmp_path / "mic.wav", y, sr)
    mid = write_midi(tmp_path / "keys.mid", tracks={
        "client": _notes(bpm=90, t0=0.5, t1=60.0, pitches=[60, 64, 67], velocity=70, rng=rng)})
    sid = import_files(store, [mid, tmp_path / "mic.wav"],
                       players=["client=keys.mid:2", "therapist=mic.wav"])["id"]
    (d,) = analyze_session(store, sid, dialogue=True)["dialogue"]
    assert all(t["end"] <= 3.0 + 1e-6 for t in d["turns"]), d["turns"]
    assert d["summary"]["client_solo_share"] < 0.9  # of 3 s, not of the 60 s session
    text = session_summary(store, sid)["text"]
    assert "therapist for" in text and "of their recording" in text, text

"""Live measures on what a session writer has stored (no devices: the writer is fed directly).

Known answers: a client playing quarter notes at 120 BPM (velocity 90) from 0 s, a therapist
joining at 2 s every 0.3 s and falling silent at 9 s; an audio player with
clicks every 0.5 s at a known level. Tolerances: density ±0.15 notes/s (one note more or less
in an 8 s window), tempo within 3 %, level within 0.5 dB.
"""

from __future__ import annotations

import numpy as np
import pytest

from improv.analyze.live import (
    LIVE_WINDOW_S,
    LiveMeasurer,
    LiveMeasures,
    next_update,
    pair_state,
)
from improv.cli.live_display import live_lines
from sessions.tails import MidiLogTail, read_journal_tail
from tests.sessions.helpers import wait_written

SR = 48000


def _notes(w, player, *, start, step, until, velocity=90, pitch=60):
    t = start
    while t < until:
        w.midi(t, player=player, port="kb", data=[0x90, pitch, velocity])
        w.midi(t + step / 2, player=player, port="kb", data=[0x80, pitch, 0])
        t += step


def test_live_midi_measures_and_pair(store):
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("kb", player="client")
    _notes(w, "client", start=0.0, step=0.5, until=12.0)  # 120 BPM, 2 notes/s
    _notes(w, "therapist", start=2.0, step=0.3, until=9.0, velocity=50, pitch=48)  # 200 BPM
    wait_written(w)
    live = LiveMeasures(w.folder)
    m = live.update(11.0)  # window [2, 10): therapist stopped at 9 s, within the bridge
    c, t = m["players"]["client"], m["players"]["therapist"]
    assert c["notes_per_s"] == pytest.approx(2.0, abs=0.15)
    assert c["loudness"] == 90 and c["loudness_unit"] == "velocity"
    assert c["tempo_bpm"] == pytest.approx(120, rel=0.03) and c["pulse"] == "clear"
    assert t["notes_per_s"] == pytest.approx(24 / 8, abs=0.15)  # 2.0, 2.3 ... 8.9 s
    assert m["pair"] == {"players": ["client", "therapist"], "state": "both", "who": None}
    m = live.update(13.0)  # window [4, 12): the therapist has been silent for 3 s
    assert m["pair"]["state"] == "one" and m["pair"]["who"] == "client"
    # the display says the therapist stopped, not that their fading pulse is gone
    assert m["players"]["therapist"]["playing"] is False
    assert m["players"]["therapist"]["stopped"] is True
    assert m["players"]["client"]["stopped"] is False
    therapist = [ln for ln in live_lines(m) if ln.startswith("  therapist: ")]
    assert therapist and therapist[0].endswith("velocity, stopped playing"), therapist
    m = live.update(25.0)  # window [16, 24): nobody
    assert m["players"] == {"client": None, "therapist": None}
    assert m["pair"]["state"] == "silence"
    w.finalize()


def test_live_pulse_throughout_without_one_tempo(store):
    """A client who plays at 100 BPM for 4 s, then at 150: a pulse in every tempo window of the
    live window, but no one tempo fits it (intermittent, share 1); one who has played only the
    last 3 s of it: the pulse only at times (share 2/3)."""
    w = store.create_session(client="C07", players=["client", "therapist"])
    _notes(w, "client", start=0.05, step=0.6, until=4.0)
    _notes(w, "client", start=4.25, step=0.4, until=9.0)
    _notes(w, "therapist", start=5.0, step=0.5, until=9.0)
    wait_written(w)
    m = LiveMeasures(w.folder).update(9.0)["players"]  # window [0, 8)
    c, t = m["client"], m["therapist"]
    assert c["pulse"] == "intermittent" and not c["tempo_clear"]
    assert c["pulsed_share"] == 1.0
    assert t["pulse"] == "intermittent" and t["pulsed_share"] == pytest.approx(2 / 3, abs=1e-3)
    w.finalize()
    # the terminal display says it as the web panel does
    lines = live_lines(LiveMeasures(w.folder).update(9.0))
    assert lines[1].startswith("  client: ") and lines[1].endswith(
        "(unsure), a pulse, but no single tempo")
    assert lines[2].endswith("(unsure), pulse only at times")


def test_slow_steady_playing_has_not_stopped_between_its_notes(store):
    """Short notes every 2.5 s: between two of them the dialogue's activity has ended (it
    bridges rests of 1 s), but the player has not stopped; 6 s after the last note they have."""
    w = store.create_session(client="C07", players=["client"])
    for t in np.arange(0.0, 12.0, 2.5):  # 0, 2.5, ..., 10 s
        w.midi(float(t), player="client", port="kb", data=[0x90, 60, 80])
        w.midi(float(t) + 0.1, player="client", port="kb", data=[0x80, 60, 0])
    wait_written(w)
    live = LiveMeasures(w.folder)
    m = live.update(13.0)["players"]["client"]  # window [4, 12): the last note 2 s ago
    assert m["playing"] is False and m["stopped"] is False
    assert "stopped" not in live_lines({"window_s": 8.0, "players": {"client": m}})[1]
    m = live.update(17.0)["players"]["client"]  # window [8, 16): the last note 6 s ago
    assert m["stopped"] is True
    w.finalize()


def test_live_audio_level_and_onsets(store):
    w = store.create_session(client="C07", players=["client"])
    a = w.add_audio_input("mic", sr=SR, channels=2, players={"client": [2]})
    y = np.zeros((SR * 10, 2), np.float32)
    for k in range(20):  # clicks every 0.5 s on channel 2, 10 ms bursts of noise
        i = k * SR // 2
        y[i:i + 480, 1] = np.random.default_rng(k).uniform(-0.5, 0.5, 480)
    a.write(y)
    wait_written(w)
    m = LiveMeasures(w.folder).update(11.0)["players"]["client"]
    assert m["source"] == "audio:mic"
    assert m["notes_per_s"] == pytest.approx(2.0, abs=0.15)
    assert m["tempo_bpm"] == pytest.approx(120, rel=0.03)
    expected = 10 * np.log10(np.mean(np.square(y[-8 * SR:, 1], dtype=np.float64)))
    assert m["loudness"] == pytest.approx(expected, abs=0.5)
    assert m["stopped"] is False
    w.finalize()


@pytest.mark.parametrize("after", ["silence", "held tone", "nothing at all"])
def test_live_audio_stopped_unless_a_tone_is_held(store, after):
    """Clicks for 4 s, then silence (stopped) or a held tone without onsets (still playing); a
    mic that heard nothing in the window has not played in it (not "stopped")."""
    w = store.create_session(client="C07", players=["client"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"client": [1]})
    y = np.zeros((SR * 10, 1), np.float32)
    for k in range(8 if after != "nothing at all" else 0):
        i = k * SR // 2
        y[i:i + 480, 0] = np.random.default_rng(k).uniform(-0.5, 0.5, 480)
    if after == "held tone":
        t = np.arange(SR * 6) / SR
        y[4 * SR:, 0] = 0.2 * np.sin(2 * np.pi * 220.0 * t) * np.minimum(1.0, t / 0.5)
    a.write(y)
    wait_written(w)
    m = LiveMeasures(w.folder).update(11.0)["players"]["client"]  # the last 8 s
    assert m["stopped"] is (after != "held tone")
    line = live_lines({"window_s": 8.0, "players": {"client": m}})[1]
    words = {"silence": "stopped playing", "held tone": "pulse only at times",
             "nothing at all": "not playing"}[after]
    assert line.endswith(words), line
    w.finalize()


def test_tails_take_only_complete_lines_and_frames(tmp_path):
    log = tmp_path / "midi.tsv"
    log.write_bytes(b"t\tplayer\tport\tdelta_s\tdata\n1.0\tclient\tkb\t\t903c64\n2.0\tcli")
    tail = MidiLogTail(log)
    assert tail.read_new().t.tolist() == [1.0]
    with open(log, "ab") as f:
        f.write(b"ent\tkb\t\t903e64\nbad line\n")
    ev = tail.read_new()
    assert ev.t.tolist() == [2.0] and ev.player.tolist() == ["client"]
    assert len(tail.read_new()) == 0
    assert len(MidiLogTail(tmp_path / "none.tsv").read_new()) == 0


def test_journal_tail(store):
    w = store.create_session(client="C07", players=["client"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"client": [1]})
    a.write(np.arange(1000, dtype=np.float32))
    wait_written(w)
    path = w.folder / "audio" / "mic.wav"
    y, total, sr = read_journal_tail(path, frames=10)
    assert total == 1000 and sr == SR and y[:, 0].tolist() == list(range(990, 1000))
    with open(path, "ab") as f:
        f.write(b"\0\0")  # half a frame: not taken
    assert read_journal_tail(path, frames=5000)[1] == 1000
    w.finalize()


def test_measurer_updates_from_its_process(store):
    w = store.create_session(client="C07", players=["client"])
    _notes(w, "client", start=0.0, step=0.5, until=10.0)
    wait_written(w)
    lm = LiveMeasurer(w.folder, now=lambda: 10.0, interval_s=0.05).start()
    try:
        import time

        deadline = time.monotonic() + 5
        while lm.latest() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        lm.stop()
    assert lm.latest()["players"]["client"]["notes_per_s"] == pytest.approx(2.0, abs=0.15)
    assert lm.latest()["window_s"] == LIVE_WINDOW_S
    w.finalize()


def test_updates_keep_their_pace_when_an_update_takes_time():
    """Updates are due on a grid of the interval: the time an update takes does not push the
    next one back (a whole interval's wait after each update made them 1.05 to 1.24 s apart
    on a busy machine), and one that overran skips the slots it missed instead of bursting."""
    assert next_update(10.0, 10.3, 1.0) == 11.0  # took 0.3 s: the next one a second after
    assert next_update(11.0, 11.999, 1.0) == 12.0
    assert next_update(10.0, 11.0, 1.0) == 12.0  # took the whole interval: the next slot
    assert next_update(10.0, 12.5, 1.0) == 13.0  # overran by 1.5 s: one update, at 13 s


def test_pair_state_names_who_plays():
    on, off = {"playing": True}, {"playing": False}
    assert pair_state(on, None, ("a", "b"))["who"] == "a"
    assert pair_state(off, on, ("a", "b")) == {"players": ["a", "b"], "state": "one", "who": "b"}
    assert pair_state(None, None, ("a", "b"))["state"] == "silence"


def test_live_audio_a_tone_struck_and_held_is_playing(store):
    """A tone that starts at 3 s with an attack and is held to the end is playing at the end of
    the window (analysis 1.24.0: its onset's sound lasts as long as it sounds); with each audio
    onset held 0.25 s its activity ended at about 3.25 s and ``playing`` was False."""
    w = store.create_session(client="C07", players=["client"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"client": [1]})
    y = np.zeros((SR * 10, 1), np.float32)
    t = np.arange(SR * 7) / SR
    y[3 * SR:, 0] = 0.3 * np.sin(2 * np.pi * 220.0 * t)  # struck: no fade in
    a.write(y)
    wait_written(w)
    m = LiveMeasures(w.folder).update(11.0)["players"]["client"]  # the last 8 s
    assert m["stopped"] is False
    assert m["playing"] is True
    w.finalize()

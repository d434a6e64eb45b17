"""Live measures of an input that is lost (review 36): a keyboard unplugged while a note
sounded read "Now: client plays alone" for as long as it was away (the note, never released,
sounded on); an audio input that stopped kept its last seconds, read as the music now."""

from __future__ import annotations

import numpy as np

from improv.analyze.live import InputsLost, LiveMeasures, pair_state
from tests.sessions.helpers import wait_written

SR = 16000


def _eighths(w, player, port, *, start, until, pitch=60):
    for t in np.arange(start, until, 0.5):
        w.midi(float(t), player=player, port=port, data=[0x90, pitch, 80])
        w.midi(float(t) + 0.3, player=player, port=port, data=[0x80, pitch, 0])


def test_a_keyboard_unplugged_during_a_note_is_not_playing(store):
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("Digital Piano", player="client")
    _eighths(w, "client", "Digital Piano", start=0.0, until=7.0)
    w.midi(7.054, player="client", port="Digital Piano", data=[0x90, 62, 80])  # held ...
    w.report("device_lost", t=7.5, input="midi", port="Digital Piano", player="client")
    wait_written(w)
    live = LiveMeasures(w.folder)
    m = live.update(12.0)  # window [3, 11): lost at 7.5 s
    c = m["players"]["client"]
    assert c["playing"] is False and c["lost"] is True and c["stopped"] is True
    assert m["pair"]["state"] == "silence" and m["pair"]["lost"] == ["client"]
    # back at 15 s: the note's late release finds nothing, new notes are playing
    w.report("device_back", t=15.0, input="midi", port="Digital Piano", player="client",
             gap_start=7.5, gap_s=7.5)
    _eighths(w, "client", "Digital Piano", start=15.5, until=24.0, pitch=64)
    wait_written(w)
    m = live.update(21.0)  # window [12, 20)
    c = m["players"]["client"]
    assert c["playing"] is True and c["lost"] is False
    assert m["pair"] == {"players": ["client", "therapist"], "state": "one", "who": "client"}
    # 9 notes in [12, 20), 15.5 to 19.5 s
    assert c["notes_per_s"] == 9 / 8
    w.finalize()


def test_without_the_loss_the_held_note_reads_as_playing(store):
    """The same playing with no device lost: the note held from 7.05 s is playing (as the
    live measures said of the unplugged keyboard before)."""
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("Digital Piano", player="client")
    _eighths(w, "client", "Digital Piano", start=0.0, until=7.0)
    w.midi(7.054, player="client", port="Digital Piano", data=[0x90, 62, 80])
    wait_written(w)
    m = LiveMeasures(w.folder).update(12.0)
    assert m["players"]["client"]["playing"] is True and not m["players"]["client"]["lost"]
    assert m["pair"]["state"] == "one"
    w.finalize()


def test_a_lost_audio_input_is_not_its_last_seconds(store):
    w = store.create_session(client="C07", players=["client", "therapist"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"therapist": [1]}, t0=0.0)
    y = np.zeros(int(10 * SR), np.float32)
    for t in np.arange(0.0, 10.0, 0.5):  # clicks every 0.5 s to the loss
        k = int(t * SR)
        y[k:k + 400] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(400) / SR)
    a.write(y[:, None])
    wait_written(w)
    live = LiveMeasures(w.folder)
    assert live.update(11.0)["players"]["therapist"]["playing"] is True
    w.report("device_lost", t=10.0, input="audio", device="USB mic", name="mic",
             reason="no callbacks")
    wait_written(w)
    m = live.update(14.0)
    t = m["players"]["therapist"]
    assert t["playing"] is False and t["lost"] is True and t["notes_per_s"] == 0.0
    assert m["pair"]["lost"] == ["therapist"] and m["pair"]["state"] == "silence"
    w.finalize()


def test_inputs_lost_reads_only_whole_lines(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"kind":"anchor","t":1.0}\n{"kind":"device_lost","t":2.0,"input":"midi",'
                    '"port":"A","player":"client"}\n{"kind":"device_ba')
    lost = InputsLost(path)
    lost.read_new()
    assert lost.midi(["A"]) == ([(2.0, float("inf"))], True)
    with open(path, "a") as f:
        f.write('ck","t":5.0,"input":"midi","port":"A","player":"client"}\n')
    lost.read_new()
    assert lost.midi(["A"]) == ([(2.0, 5.0)], False)
    # a player with two keyboards is lost only while both are
    assert lost.midi(["A", "B"]) == ([], False)


def test_pair_state_leaves_out_a_lost_player():
    on, gone = {"playing": True}, {"playing": True, "lost": True}
    assert pair_state(gone, on, ("a", "b")) == {"players": ["a", "b"], "state": "one",
                                               "who": "b", "lost": ["a"]}

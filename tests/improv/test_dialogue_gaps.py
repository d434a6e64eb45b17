"""A stretch a player's input did not record (a keyboard unplugged for a while, a sound card's
dropout filled with silence) is outside the pair's shared time in the dialogue (dialogue 1.9):
before, it read as that player's silence and the other's turn (note 30)."""

from __future__ import annotations

import numpy as np
import pytest

SR = 16000
LOST = (20.0, 50.0)


def _answering(w, *, player: str, port: str, first: float, until: float = 90.0) -> None:
    """Eighth notes in every other 3 s from ``first`` (0: the call, 3: the answer)."""
    for t in np.arange(0.0, until, 0.25):
        if (np.mod(t, 6.0) < 3.0) == (first == 0.0) and not LOST[0] <= t < LOST[1]:
            w.midi(float(t), player=player, port=port, data=bytes([0x90, 60, 90]))
            w.midi(float(t) + 0.2, player=player, port=port, data=bytes([0x80, 60, 0]))


def _calling(w, *, port: str) -> None:
    """The client's eighth notes in the first 3 s of every 6 s, for 90 s."""
    for t in np.arange(0.0, 90.0, 0.25):
        if np.mod(t, 6.0) < 3.0:
            w.midi(float(t), player="client", port=port, data=bytes([0x90, 64, 90]))
            w.midi(float(t) + 0.2, player="client", port=port, data=bytes([0x80, 64, 0]))


def _turns(store, sid):
    from improv.analyze import analyze_session

    (entry,) = analyze_session(store, sid, dialogue=True, use_cache=False)["dialogue"]
    return entry


def _inside_lost(turns):
    return [t for t in turns if t["start"] < LOST[1] - 1 and t["end"] > LOST[0] + 1]


def test_a_keyboard_lost_for_half_a_minute_is_not_the_others_turn(store):
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("KeysA", player="client")
    w.add_midi_input("KeysB", player="therapist")
    _calling(w, port="KeysA")  # on through the loss (their rests there are theirs)
    _answering(w, player="therapist", port="KeysB", first=3.0)
    w.report("midi_gap", t=LOST[0], end=LOST[1], port="KeysB", player="therapist")
    sid = w.finalize(duration_s=90.0)["id"]
    entry = _turns(store, sid)
    assert not _inside_lost(entry["turns"]), entry["turns"]
    assert entry["summary"]["silent_share"] == pytest.approx(0.0, abs=0.05)
    assert entry["summary"]["therapist_active_share"] == pytest.approx(0.5, abs=0.06)


def test_an_audio_dropout_is_not_the_players_silence(store):
    """The therapist on a microphone whose sound card dropped 30 s (filled with silence, the
    input's ``gaps``); the client on MIDI."""
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("Keys", player="client")
    _calling(w, port="Keys")
    y = np.zeros(int(90.0 * SR), np.float32)
    for t in np.arange(3.0, 90.0, 0.25):
        if np.mod(t, 6.0) >= 3.0 and not LOST[0] <= t < LOST[1]:
            k = int(t * SR)
            y[k:k + 800] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / SR) \
                * np.exp(-np.arange(800) / 200)
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"therapist": [1]}, t0=0.0)
    a.write(y[:, None].copy())
    a.gap(t=LOST[0], frames=int((LOST[1] - LOST[0]) * SR))
    sid = w.finalize(duration_s=90.0)["id"]
    entry = _turns(store, sid)
    assert not _inside_lost(entry["turns"]), entry["turns"]
    assert entry["summary"]["silent_share"] == pytest.approx(0.0, abs=0.05)


def test_without_a_gap_the_silence_is_the_players(store):
    """The same MIDI duet with the therapist silent from 0:20 to 0:50 and no device lost:
    the client's playing there is a turn of theirs, as before."""
    w = store.create_session(client="C07", players=["client", "therapist"])
    w.add_midi_input("KeysA", player="client")
    w.add_midi_input("KeysB", player="therapist")
    _calling(w, port="KeysA")
    _answering(w, player="therapist", port="KeysB", first=3.0)
    sid = w.finalize(duration_s=90.0)["id"]
    assert _inside_lost(_turns(store, sid)["turns"])

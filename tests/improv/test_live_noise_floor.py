"""The live display's silence gate follows a running estimate of the room's noise floor
(analysis 1.21.0), through the live code path of tests/improv/test_live_measures.py: a session
writer fed a second of audio at a time, :class:`LiveMeasures` updated after each second as the
recorder's child process does.

Known answer: clicks (10 ms noise bursts, -11 dBFS) every 0.5 s in three phrases of 6 s with
4 s pauses, then nothing more from 26 s; the room is pink noise at -45 dBFS RMS (or -65, a
quiet room). At 34 s the player has stopped 8 s ago.
"""

from __future__ import annotations

import numpy as np
import pytest

import analysis.audio
from improv.analyze.live import LiveMeasures, NoiseFloor
from tests.analysis.test_audio_noise_1_20 import pink, scaled
from tests.sessions.helpers import wait_written

SR = 48000
END = 34


def clicks_in_a_room(room_db, rng):
    y = scaled(pink(END * SR, rng), room_db)
    for start in (0.0, 10.0, 20.0):
        for k in range(12):
            i = int((start + 0.5 * k) * SR)
            y[i:i + 480] += rng.uniform(-0.5, 0.5, 480)
    return y.astype(np.float32)


def record_live(store, y):
    """Feed ``y`` to a session writer a second at a time, updating the live measures after
    each second; returns the live measures object and the client's last measures."""
    w = store.create_session(client="C07", players=["client"])
    a = w.add_audio_input("mic", sr=SR, channels=1, players={"client": [1]})
    live = LiveMeasures(w.folder)
    m = None
    for t in range(1, END + 1):
        a.write(y[(t - 1) * SR:t * SR, None])
        wait_written(w)
        m = live.update(t + 1.0)["players"]["client"]
    w.finalize()
    return live, m


@pytest.mark.parametrize("room_db", [-45, -65])
def test_the_live_gate_follows_the_room(store, monkeypatch, room_db):
    """In a room at -45 dBFS the fixed -50 dBFS gate heard the room as sound to the end of the
    window: the display never said the player had stopped. The running floor is the room's
    and the gate rises over it, so it does; in a quiet room the gate stays -50 dBFS."""
    y = clicks_in_a_room(room_db, np.random.default_rng(7))
    live, m = record_live(store, y)
    nf = live.noise["client"]
    # the 5th percentile of the room's 300 ms power: a little under its RMS, as offline
    assert room_db - 4.0 < nf.floor_dbfs < room_db
    assert m["stopped"] is True and m["playing"] is False
    if room_db == -65:
        assert nf.gate_dbfs == -50.0
        return
    assert -45.0 < nf.gate_dbfs < -35.0
    # the gate cannot rise (the rule before 1.21.0): the room reads as sound to the end
    monkeypatch.setattr(analysis.audio, "NOISE_GATE_MAX_DBFS", -50.0)
    live, m = record_live(store, y)
    assert live.noise["client"].gate_dbfs == -50.0
    assert m["stopped"] is False


def test_the_floor_takes_each_frame_once():
    """Updates that overlap (the live window is 8 s, an update comes every second) add only
    the frames written since the last one; frames the floor never saw (a journal that grew by
    more than the window between two updates) are passed over, and a journal shorter than
    before (a new one) is taken from its first frame; the floor keeps the ticks it had, to
    ``span_s``. Known answer: ticks of a steady tone at -20 dBFS, and of silence."""
    nf = NoiseFloor(span_s=30.0)
    n = SR // 10
    tone = (0.1 * np.sqrt(2) * np.sin(2 * np.pi * 440 * np.arange(40 * SR) / SR)).astype(
        np.float32)
    for total in range(8 * SR, 20 * SR + 1, SR):  # overlapping 8 s windows, a second apart
        nf.push(tone[total - 8 * SR:total], total=total, sr=SR)
    assert nf._ms.size == 200  # 20 s of ticks, each once
    assert 10 * np.log10(nf._ms).mean() == pytest.approx(-20.0, abs=0.05)
    nf.push(np.zeros(8 * SR, np.float32), total=40 * SR, sr=SR)  # 12 s unseen: passed over
    assert nf._ms.size == 280 and (nf._ms[-80:] == 0.0).all() and (nf._ms[:200] > 0).all()
    assert nf._next == 40 * SR
    nf.push(tone[:2 * SR + n // 2], total=2 * SR + n // 2, sr=SR)  # a new, shorter journal
    assert nf._ms.size == 300  # 280 + 20 whole ticks, the last 30 s of them kept
    assert nf._next == 2 * SR  # the half tick waits for the rest of its frames
    nf.push(tone[SR:3 * SR], total=3 * SR, sr=SR)
    assert nf._next == 3 * SR and nf._ms.size == 300
    assert (nf._ms[-30:] > 0).all() and (nf._ms[-90:-30] == 0.0).all()

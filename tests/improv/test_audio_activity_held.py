"""A held sound is playing in the dialogue as in the player's silences (analysis 1.24.0,
dialogue 1.11.0; review rev-pulse, finding 4): every audio onset counted as 0.25 s of
playing, so a tone sounding 2 s of every 4 read "therapist played for 13 % of their
recording" beside "0 % silence" in the same session's measures. Now each onset's sound lasts
until it falls quiet or 20 dB under its attack (:func:`analysis.onsets.onset_ends`)."""

from __future__ import annotations

import numpy as np
import pytest

SR = 16000


def _duo(seconds: float = 60.0) -> np.ndarray:
    """Left: 80 ms blips at 100 BPM (the client); right: a 220 Hz tone 2 s on, 2 s off."""
    t = np.arange(int(seconds * SR)) / SR
    client = np.zeros_like(t)
    n = int(0.08 * SR)
    for k in np.arange(0.5, seconds - 0.2, 0.6):
        i = int(k * SR)
        client[i:i + n] = 0.3 * np.sin(2 * np.pi * 440 * t[:n])
    held = 0.3 * np.sin(2 * np.pi * 220 * t) * ((t % 4.0) < 2.0)
    return np.stack([client, held], axis=1).astype(np.float32)


def test_a_tone_held_half_the_time_is_playing_half_the_time(store):
    from improv.analyze import analyze_session

    w = store.create_session(client="C07", players=["client", "therapist"])
    a = w.add_audio_input("duo", sr=SR, channels=2, players={"client": [1], "therapist": [2]},
                          t0=0.0)
    y = _duo()
    a.write(y)
    sid = w.finalize(duration_s=len(y) / SR)["id"]
    res = analyze_session(store, sid, dialogue=True, use_cache=False)
    (src,) = [v for k, v in res["players"]["therapist"]["sources"].items()
              if k.startswith("audio")]
    ends = np.asarray(src["onset_ends_s"])
    onsets = np.asarray(src["onsets"])
    assert len(ends) == len(onsets) and np.all(ends >= onsets)
    # the tone that starts at 4 s sounds for its 2 s, not 0.25 s
    i = int(np.argmin(np.abs(onsets - 4.0)))
    assert onsets[i] == pytest.approx(4.0, abs=0.05)
    assert ends[i] - onsets[i] == pytest.approx(2.0, abs=0.15)
    (pair,) = res["dialogue"]
    # on 2 s of every 4: about half; it read 0.13 with every onset held 0.25 s
    assert pair["summary"]["therapist_active_share"] == pytest.approx(0.5, abs=0.07)
    # the blips (80 ms, 0.6 s apart) are bridged into one stretch, as before
    assert pair["summary"]["client_active_share"] > 0.95


def test_a_sound_ends_where_it_falls_quiet_or_far_under_its_attack():
    from analysis.onsets import onset_ends

    db = np.array([-10.0] * 5 + [-25.0] * 5 + [-35.0] * 5 + [-90.0] * 5)
    quiet = db < -50.0
    # 20 dB under its attack (-10 dBFS) at 1.0 s, though still over the gate
    assert onset_ends(np.array([0.0]), db, quiet, step=0.1).tolist() == [1.0]
    # an onset with no sounding tick in its first 200 ms ends where it starts
    assert onset_ends(np.array([1.6]), db, quiet, step=0.1).tolist() == [1.6]
    # a sound going on past the next onset ends there
    held = np.full(30, -20.0)
    assert onset_ends(np.array([0.0, 1.0]), held, held < -50, step=0.1).tolist() == [1.0, 3.0]
    assert onset_ends(np.zeros(0), db, quiet).size == 0

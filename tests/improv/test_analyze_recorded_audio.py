"""``improv analyze`` of an audio input that records only part of the session (analysis
1.19.0, review 31 M3): its rates and shares of time are over the time it recorded, through the
real importer, store and cache."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from improv.analyze import analyze_session
from tests.improv.test_analyze import import_files_
from tests.sessions.helpers import write_midi

SR = 22050


def _clicks(seconds: float, *, every: float = 0.5) -> np.ndarray:
    y = np.zeros(int(seconds * SR), np.float32)
    n = int(0.02 * SR)
    burst = (0.3 * np.sin(2 * np.pi * 1000 * np.arange(n) / SR)
             * np.exp(-np.arange(n) / (0.004 * SR))).astype(np.float32)
    for t in np.arange(0.25, seconds - 0.1, every):
        i = int(t * SR)
        y[i : i + n] += burst[: y.size - i]
    return y


def test_a_late_short_recording_has_its_rates_over_the_time_it_recorded(tmp_path, store):
    """A 10 s recording imported with --offset 10 into a 30 s session (the session's length set
    by a MIDI player): 2 onsets a second and no silence, where it read 0.67 onsets/s and a
    silence share of 0.67 (the 20 s it did not record); the windows before and after it have
    no value (null)."""
    mid = write_midi(tmp_path / "k.mid", tracks={"client": [(0.5, 0, 60, 80),
                                                            (29.5, 0, 62, 80)]})
    sf.write(tmp_path / "late.wav", _clicks(10.0), SR, subtype="FLOAT")
    m = import_files_(store, [mid, tmp_path / "late.wav"],
                      players=["client=k.mid:2", "drums=late.wav"], offset={"late.wav": 10.0})
    res = analyze_session(store, m["id"], players=["drums"], catalog=False)
    assert res["duration_s"] == pytest.approx(30.0, abs=0.6)
    a = res["players"]["drums"]["sources"]["audio"]
    s = a["summary"]
    assert s["n_onsets"] == 20
    assert s["onsets_per_s"] == pytest.approx(2.0, abs=0.05)
    assert s["silence_share"] == 0.0
    c = a["curves"]["onsets_per_s"]
    t = np.array(c["times"])
    v = c["values"]
    assert all(v[i] is None for i in np.flatnonzero((t + 3.0 <= 12.0) | (t - 3.0 >= 18.0)))
    inside = np.flatnonzero((t - 3.0 >= 10.0) & (t + 3.0 <= 20.0))
    assert inside.size and all(v[i] == pytest.approx(2.0, abs=0.2) for i in inside)
    assert all(a["curves"]["silence_share"]["values"][i] == 0.0 for i in inside)

"""Results kept as numpy arrays until they are written or returned (issue 22): the same JSON
as the lists they replace, and every reader still gets lists."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest


def _analysis(rng, n: int = 500):
    from analysis.dynamics import DynamicChange
    from analysis.summary import PlayerAnalysis

    times = np.arange(n) + 3.0000004  # rounds to 6 digits
    values = rng.normal(size=n)
    values[::7] = np.nan
    values[3] = np.inf
    ints = rng.integers(0, 9, n)  # an integer curve is written as floats
    onsets = np.sort(rng.uniform(0, n, 4 * n))
    levels = rng.uniform(-60, 0, onsets.size)
    levels[::11] = -np.inf
    return PlayerAnalysis("audio", {"a": (times, values), "b": (times, ints)},
                          {"status": "ok", "x": np.float64(1.5), "y": None},
                          [DynamicChange(kind="crescendo", start=np.float64(10.0), end=20.0,
                                         change=np.float64(6.5))],
                          onsets, onset_levels=levels, beats=onsets[::3] + 1e-7)


def _lists(pa, inp):
    """The lists the cache held before: PlayerAnalysis.to_dict and the audio fields."""
    from improv.analyze.sources import drift_corrected

    d = pa.to_dict()
    d["onsets"] = [round(float(x), 6) for x in drift_corrected(pa.onsets, inp)]
    d["beats"] = [round(float(x), 4) for x in drift_corrected(np.asarray(pa.beats), inp)]
    d["onset_levels_dbfs"] = [round(float(x), 2) if np.isfinite(x) else None
                              for x in pa.onset_levels]
    if inp.drift_ppm:
        for c in d["curves"].values():
            c["times"] = [round(float(x), 6)
                          for x in drift_corrected(np.asarray(c["times"], float), inp)]
        for ch in d["changes"]:
            for k in ("start", "end"):
                ch[k] = float(drift_corrected(np.asarray(ch[k], float), inp))
    return d


@pytest.mark.parametrize("drift", [0.0, 37.5])
def test_array_results_write_the_json_of_the_lists(tmp_path, drift):
    from analysis.windows import json_safe
    from improv.analyze.cache import write_cache
    from improv.analyze.sources import result_dict
    from sessions.fsutil import atomic_write_json

    pa = _analysis(np.random.default_rng(int(drift)))
    inp = SimpleNamespace(t0=0.25, drift_ppm=drift)
    compact = json_safe(result_dict(pa, inp=inp), keep_arrays=True)
    assert isinstance(compact["curves"]["a"]["values"], np.ndarray)
    assert isinstance(compact["onsets"], np.ndarray)
    session = SimpleNamespace(cache_dir=tmp_path / "cache")
    session.cache_dir.mkdir()
    write_cache(session, "new.json", {"entry": compact}, safe=True)
    atomic_write_json(tmp_path / "old.json", {"entry": json_safe(_lists(pa, inp))})
    new, old = (tmp_path / "cache" / "new.json").read_bytes(), (tmp_path / "old.json").read_bytes()
    assert new == old
    assert json.loads(new)["entry"]["curves"]["a"]["values"][7] is None
    assert json_safe(compact) == json_safe(_lists(pa, inp))


def test_the_json_default_refuses_other_objects():
    from analysis.windows import json_default

    assert json_default(np.array([1.0, np.nan])) == [1.0, None]
    assert json_default(np.int64(3)) == 3
    with pytest.raises(TypeError, match="object"):
        json_default(object())


def test_compute_keeps_arrays_and_every_reader_gets_lists(store):
    from improv.analyze import analyze_session, as_lists, compute_session, store_analysis
    from improv.analyze.sources import player_events
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=30.0)["id"]
    computed = compute_session(store, sid, dialogue=True, use_cache=False)
    res = computed["result"]
    kept = [src for e in res["players"].values() for src in e["sources"].values()
            if isinstance(src["curves"][next(iter(src["curves"]))]["times"], np.ndarray)]
    assert kept, "the computed result keeps numpy arrays"
    audio = [(p, e) for p, e in res["players"].items() if any(s.startswith("audio")
                                                             for s in e["sources"])]
    if audio:  # the dialogue reads an audio player's onsets from the arrays
        session = store.session(sid)
        ev, _ = player_events(session, audio[0][0], audio[0][1], session.midi_events())
        assert ev is not None
    out = store_analysis(store, computed)
    assert computed["cache"] == []
    text = json.dumps(out, allow_nan=False)  # lists only: json.dumps refuses an ndarray
    assert json.loads(text) == out
    again = analyze_session(store, sid, dialogue=True)  # from the cache files just written
    assert all(e["cached"] for e in again["players"].values())
    for p, e in out["players"].items():
        assert {**e, "cached": True} == again["players"][p]
    assert as_lists(again) is again
    for e in out["players"].values():  # curves on the same windows share one list of times
        for src in e["sources"].values():
            c = src["curves"]
            if "notes_per_s" in c:
                assert c["notes_per_s"]["times"] is c["polyphony"]["times"]
            if "level_dbfs" in c:
                assert c["level_dbfs"]["times"] is c["loudness_lufs"]["times"]
                assert c["level_dbfs"]["times"] is not c["loudness_lufs_momentary"]["times"]

"""Memory of a long session's analysis (issue 22) without a change of results: the cache files
and catalog values of a generated session are the same with every block-wise path in small
blocks as with the default paths, and each memory-saving path gives the same values as the
one it replaced."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest


def _digests(store, store_path: Path, sid: str) -> dict[str, str]:
    """SHA-256 per cache file (its JSON without the session id, which differs per run) and of
    the session's catalog rows."""
    out = {}
    for p in sorted((store_path / "sessions" / sid / "cache").glob("*.json")):
        data = json.loads(p.read_text())
        data.pop("session_id")
        kind = p.name.split("-")[0] + ":" + (data.get("player") or data["entry"]["name"])
        out[kind] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    db = sqlite3.connect(store_path / "catalog.sqlite")
    try:
        rows = sorted(db.execute("SELECT player, analysis_key, name, value, text FROM features "
                                 "WHERE session_id = ?", (sid,)).fetchall())
    finally:
        db.close()
    out["catalog"] = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    return out


def test_cache_json_and_catalog_unchanged(store, store_path, monkeypatch):
    """The 120 s demo analysed with dialogue gives the same cache files and catalog rows with
    the bootstrap, the tempo salience, the coverage grids and the audio streaming state forced
    into many small blocks, and the results written from numpy arrays, as by the default
    paths on the same machine. (The digests were compared with ones recorded on another
    machine before; floating-point sums differ in their last bits between CPUs, so a digest
    recorded on an Intel machine failed on an AMD one with the same code and libraries.)"""
    import analysis.dialogue.coupling as coupling
    from improv.analyze import analyze_session
    from improv.demo import create_demo_session

    sid = create_demo_session(store, duration=120.0)["id"]
    analyze_session(store, sid, dialogue=True, use_cache=False)
    default = _digests(store, store_path, sid)
    assert set(default) == {"analysis:client", "analysis:therapist",
                            "dialogue:client|therapist", "catalog"}
    import analysis.periodicity as periodicity
    import analysis.windows as windows

    # every block-wise path in many small blocks
    monkeypatch.setattr(coupling, "_BOOT_ELEMENTS", 1 << 9)
    monkeypatch.setattr(periodicity, "_ACF_CHUNK", 7)
    import analysis.beats as beats

    monkeypatch.setattr(beats, "_FRAME_BLOCK", 777)  # per-frame beat periods in blocks
    monkeypatch.setattr(windows, "_COVERAGE_BLOCK", 999)
    import analysis.audio as audio

    monkeypatch.setattr(audio, "_JOIN", 3)  # the streaming state joined every 3 blocks
    for p in (store_path / "sessions" / sid / "cache").glob("*.json"):
        p.unlink()
    analyze_session(store, sid, dialogue=True, use_cache=False)
    assert _digests(store, store_path, sid) == default


@pytest.mark.parametrize("n", [30, 257, 4000])
def test_bootstrap_in_chunks_gives_the_values_of_all_draws_at_once(n):
    from analysis.dialogue import coupling

    rng = np.random.default_rng(n)
    xy, w = rng.normal(size=(2, 3, n)), rng.uniform(size=(3, n))
    idx = coupling._block_index(n, np.random.default_rng(7), 400)
    whole = coupling._alphas(xy[:, :, idx].transpose(0, 2, 1, 3), w[:, idx].transpose(1, 0, 2))
    chunked = coupling._boot_alphas(xy, w, np.random.default_rng(7), 400)
    assert chunked.shape == (400, 2)
    assert np.array_equal(whole, chunked, equal_nan=True)
    assert coupling._boot_alphas(xy, w, np.random.default_rng(7), 0).shape == (0, 2)


@pytest.mark.parametrize("block", [1, 7, 1 << 16])
@pytest.mark.parametrize("duration", [0.0, 5.999, 6.0, 61.234, 900.0])
def test_coverage_in_blocks_gives_the_window_means_of_the_whole_grid(monkeypatch, block,
                                                                     duration):
    from analysis import windows

    monkeypatch.setattr(windows, "_COVERAGE_BLOCK", block)
    rng = np.random.default_rng(int(duration))
    start = np.sort(rng.uniform(-1.0, duration + 1.0, 300))
    end = start + rng.exponential(1.5, start.size)
    for step, window, hop in ((0.01, 6.0, 1.0), (0.1, 2.5, 0.5)):
        whole = windows.window_means(
            windows.interval_coverage(start, end, step=step, duration=duration),
            duration=duration, window=window, hop=hop, step=step)
        blocks = windows.coverage_window_means(start, end, step=step, duration=duration,
                                               window=window, hop=hop)
        for x, y in zip(whole, blocks, strict=True):
            assert x.shape == y.shape and np.array_equal(x, y)


def test_json_written_in_pieces_is_byte_identical(tmp_path):
    from sessions.fsutil import atomic_write_json

    obj = {"curves": {"t": [i / 10 for i in range(30000)], "v": [None, 1e-300, -0.0] * 999},
           "names": ["Ärztin", "✓"], "empty": {}, "nested": [[], [{}]]}
    path = tmp_path / "x.json"
    atomic_write_json(path, obj)
    assert path.read_bytes() == (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_json_that_cannot_be_written_leaves_the_old_file(tmp_path):
    from sessions.fsutil import atomic_write_json

    path = tmp_path / "x.json"
    atomic_write_json(path, {"a": 1})
    with pytest.raises(TypeError):
        atomic_write_json(path, {"a": [1.0] * 10000 + [object()]})
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


@pytest.mark.parametrize("block", [1, 999, 1 << 16])
def test_frame_periods_in_blocks_give_the_whole_arrays(block, monkeypatch):
    """The beat periods per frame (int32) computed a block of frames at a time are those of
    the whole per-frame tempo rounded as track_beats rounds it, and the coverage the same."""
    from analysis import beats
    from analysis.tempo import TempoCurve

    times = np.arange(3.0, 300.0, 1.0)
    bpm = 90.0 + 20.0 * np.sin(times / 17.0)
    bpm[40:60] = np.nan  # no pulse
    tc = TempoCurve(times, bpm, np.ones(times.size), 90.0, 0.5, 0.5)
    n, fr = 30_250, 100.0
    whole_bpm, whole_cov = beats._frame_tempo(tc, n, fr)
    monkeypatch.setattr(beats, "_FRAME_BLOCK", block)
    fpb, cov = beats._frame_tempo(tc, n, fr, periods=True)
    assert fpb.dtype == np.int32
    assert np.array_equal(fpb, np.round(fr * 60.0 / whole_bpm).astype(np.int32))
    assert np.array_equal(cov, whole_cov) and not cov[5000:5200].all() and cov.any()
    f_bpm, f_cov = beats._frame_tempo(tc, n, fr)
    assert np.array_equal(f_bpm, whole_bpm) and np.array_equal(f_cov, whole_cov)


@pytest.mark.parametrize("size", [5, 300, 1000])
def test_window_segments_are_the_rows_of_the_padded_envelope(size, rng):
    """The windows' segments read without a padded copy of the whole envelope are the rows of
    that padded copy (zeros past the end), for envelopes shorter and longer than a window."""
    from analysis import periodicity

    env, n = rng.uniform(size=size), 120
    padded = np.concatenate([env, np.zeros(n)])
    starts = np.minimum(np.r_[0, rng.integers(0, size + 50, 40), size], size)
    want = np.lib.stride_tricks.sliding_window_view(padded, n)[starts]
    assert np.array_equal(periodicity._segments(env, starts, n), want)

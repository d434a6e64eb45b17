"""Waveform peaks: min/max per bucket of frames, precomputed once per audio input.

A 60-minute stereo recording at 48 kHz has 173 million samples; the browser
needs only a few thousand per lane.  :func:`ensure_peaks` reads an input once,
blockwise (memory stays at one block), and stores the minimum and maximum of
every :data:`BASE_BUCKET` frames per channel, quantised to int8
(``round(x * 127)``, minimum rounded down and maximum up so that no peak is
hidden), in ``<session>/cache/peaks-<input>-<bucket>.npy`` for each zoom level
of :data:`LEVELS`; coarser levels are reduced from the base level exactly.
The cache is derived data (disposable); recorded audio never changes after a
session is completed, so the frame count in the file's metadata is the key.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
from pathlib import Path

import numpy as np

from improv.web.cache import write_cache

log = logging.getLogger(__name__)

BASE_BUCKET = 256
"""Frames per bucket of the finest level (5.3 ms at 48 kHz)."""
LEVELS = (256, 2048, 16384, 131072)
"""Frames per bucket of each stored zoom level (each 8 times the one before)."""
BLOCK_FRAMES = BASE_BUCKET * 1024
"""Frames read at a time (262144: 2 MB per stereo float32 block)."""
PEAKS_VERSION = 1

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _stem(name: str) -> str:
    """A safe file-name part for an input name (any characters) plus a short hash."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:32]
    return f"{safe}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _paths(cache: Path, name: str) -> tuple[Path, dict[int, Path]]:
    stem = _stem(name)
    return cache / f"peaks-{stem}.json", {b: cache / f"peaks-{stem}-{b}.npy" for b in LEVELS}


def compute_base(blocks, *, channels: int) -> np.ndarray:
    """Min/max per :data:`BASE_BUCKET` frames of an iterable of float blocks.

    Parameters
    ----------
    blocks : iterable of np.ndarray [shape=(n, channels)]
        Blocks whose lengths are multiples of :data:`BASE_BUCKET` (the last may be shorter).
    channels : int

    Returns
    -------
    np.ndarray [shape=(buckets, channels, 2), dtype=int8]
        ``[..., 0]`` the minimum, ``[..., 1]`` the maximum, times 127.
    """
    parts = []
    for block in blocks:
        n = len(block)
        full = n - n % BASE_BUCKET
        out = []
        if full:
            # channel-major copy first: reducing contiguous runs of 256 samples is ~30 times
            # faster than reducing the interleaved (frames, channels) layout in place
            b = np.ascontiguousarray(block[:full].T).reshape(channels, -1, BASE_BUCKET)
            out.append(np.stack([b.min(axis=2).T, b.max(axis=2).T], axis=-1))
        if full < n:
            tail = block[full:]
            out.append(np.stack([tail.min(axis=0), tail.max(axis=0)], axis=-1)[None])
        parts.append(np.concatenate(out))
    if not parts:
        return np.zeros((0, channels, 2), np.int8)
    peaks = np.clip(np.concatenate(parts), -1.0, 1.0) * 127.0
    q = np.empty(peaks.shape, np.int8)
    q[..., 0] = np.floor(peaks[..., 0])
    q[..., 1] = np.ceil(peaks[..., 1])
    return q


def reduce_level(base: np.ndarray, factor: int) -> np.ndarray:
    """Coarser peaks: min of mins and max of maxes over ``factor`` buckets."""
    n = len(base)
    pad = (-n) % factor
    if pad:
        edge = np.repeat(base[-1:], pad, axis=0)
        base = np.concatenate([base, edge])
    b = base.reshape(-1, factor, base.shape[1], 2)
    return np.stack([b[..., 0].min(axis=1), b[..., 1].max(axis=1)], axis=-1)


def _save_npy(path: Path, arr: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, arr)
    write_cache(path, buf.getvalue())


def ensure_peaks(session, name: str) -> dict:
    """Peaks of input ``name`` of ``session``, computed on first use and cached.

    Returns
    -------
    dict
        ``name``, ``sr``, ``channels``, ``frames``, ``t0``, ``drift_ppm``, ``players``
        and ``levels`` (``[{"bucket_frames", "buckets"}]``, finest first).

    Raises
    ------
    sessions.errors.SessionFormatError
        No such input.
    """
    inp = session.audio_input(name)  # raises for unknown names: only manifest inputs
    meta = {
        "version": PEAKS_VERSION, "name": inp.name, "sr": inp.sr, "channels": inp.channels,
        "frames": inp.frames, "t0": inp.t0, "drift_ppm": inp.drift_ppm, "players": inp.players,
    }
    with _lock(f"{session.folder}/{name}"):
        cache = session.folder / "cache"
        meta_path, level_paths = _paths(cache, name)
        if meta_path.exists() and all(p.exists() for p in level_paths.values()):
            try:
                stored = json.loads(meta_path.read_text())
                if stored.get("version") == PEAKS_VERSION and stored.get("frames") == inp.frames:
                    return stored
            except (OSError, ValueError):
                pass
        levels = _compute(session, inp)
        out = dict(meta,
                   levels=[{"bucket_frames": b, "buckets": len(a)} for b, a in levels.items()])
        try:
            cache = session.cache_dir
            for b, arr in levels.items():
                _save_npy(level_paths[b], arr)
            write_cache(meta_path, json.dumps(out).encode())
        except OSError as exc:  # a read-only store: serve from memory
            log.warning("could not cache waveform peaks: %s", exc)
            _memory[(str(session.folder), name)] = levels
        return out


_memory: dict[tuple[str, str], dict[int, np.ndarray]] = {}


def _compute(session, inp) -> dict[int, np.ndarray]:
    base = compute_base(session.audio_blocks(inp.name, blocksize=BLOCK_FRAMES),
                        channels=inp.channels)
    levels = {BASE_BUCKET: base}
    for b in LEVELS[1:]:
        levels[b] = reduce_level(base, b // BASE_BUCKET)
    return levels


def load_level(session, name: str, bucket_frames: int) -> np.ndarray:
    """One zoom level (after :func:`ensure_peaks`)."""
    if bucket_frames not in LEVELS:
        from improv.web.errors import BadRequest

        raise BadRequest(f"bucket_frames must be one of {list(LEVELS)}, got {bucket_frames}")
    ensure_peaks(session, name)
    mem = _memory.get((str(session.folder), name))
    if mem is not None:
        return mem[bucket_frames]
    _, level_paths = _paths(session.folder / "cache", name)
    return np.load(level_paths[bucket_frames], allow_pickle=False)


def precompute_all(session) -> None:
    """Peaks of every audio input of a session (after recording or import)."""
    for inp in session.audio_inputs():
        try:
            ensure_peaks(session, inp.name)
        except Exception as exc:  # noqa: BLE001 - a broken file must not stop the others
            log.warning("waveform peaks of %s/%s failed: %s", session.id, inp.name, exc)

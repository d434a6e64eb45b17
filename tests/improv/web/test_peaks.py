"""Waveform peaks against a plain per-bucket minimum and maximum (pure logic)."""

import numpy as np
import pytest

from improv.web.peaks import BASE_BUCKET, compute_base, reduce_level


def _reference(y: np.ndarray) -> np.ndarray:
    """Min/max of every BASE_BUCKET frames per channel, the last bucket partial, int8-quantised
    outward (minimum down, maximum up)."""
    out = []
    for a in range(0, len(y), BASE_BUCKET):
        b = np.clip(y[a:a + BASE_BUCKET], -1, 1) * 127
        out.append(np.stack([np.floor(b.min(axis=0)), np.ceil(b.max(axis=0))], axis=-1))
    return np.array(out, dtype=np.int8)


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_base_level_equals_the_plain_min_and_max(channels):
    rng = np.random.default_rng(channels)
    y = rng.uniform(-1.2, 1.2, (BASE_BUCKET * 37 + 100, channels)).astype(np.float32)
    # blocks of whole buckets, the last with a partial bucket, as read from a file
    blocks = [y[a:a + BASE_BUCKET * 16] for a in range(0, len(y), BASE_BUCKET * 16)]
    got = compute_base(iter(blocks), channels=channels)
    assert got.dtype == np.int8 and got.shape == (38, channels, 2)
    assert np.array_equal(got, _reference(y))


def test_coarser_levels_reduce_the_base_exactly():
    rng = np.random.default_rng(7)
    y = rng.uniform(-1, 1, (BASE_BUCKET * 100, 2)).astype(np.float32)
    base = compute_base(iter([y]), channels=2)
    coarse = reduce_level(base, 8)
    assert coarse.shape == (13, 2, 2)
    assert np.array_equal(coarse[0, :, 0], base[:8, :, 0].min(axis=0))
    assert np.array_equal(coarse[-1, :, 1], base[96:, :, 1].max(axis=0))  # padded with the edge
    assert compute_base(iter([]), channels=2).shape == (0, 2, 2)

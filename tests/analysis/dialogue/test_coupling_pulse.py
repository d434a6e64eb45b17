"""Lead and follow from timing: ornaments and fills, and the moving-block bootstrap
(analysis.dialogue.coupling; dialogue 1.7 study, docs/benchmarks.md)."""

import numpy as np
import pytest

from analysis.dialogue.coupling import _BLOCK, _block_index, analyze_coupling, beat_pairs
from analysis.dialogue.events import PlayerEvents

from .test_coupling import NAMES, couple, human_like


def ornamented(rng, lead):
    """The leader's own ornaments, which the follower does not copy: a grace note 70 ms before
    10 % of the beats and a three-note fill (sixteenths) after 5 % of them [seconds]."""
    grace = lead[rng.random(lead.size) < 0.1] - 0.07
    fill_at = lead[:-1][rng.random(lead.size - 1) < 0.05]
    fills = (fill_at[:, None] + np.array([0.125, 0.25, 0.375])[None, :]).ravel()
    return np.sort(np.r_[lead, grace, fills]), grace.size + fills.size


def test_ornaments_and_fills_do_not_dominate(rng):
    # the pairing by the shared pulse leaves the ornaments unpaired: they cost the beats
    # around them, not the gains; the follower's gain and the leader stay as without them
    a, b = couple(rng, human_like(rng, n=400), 0.4)
    a_orn, n_extra = ornamented(rng, a)
    assert n_extra > 40
    plain = beat_pairs(a, b)
    orn = beat_pairs(a_orn, b)
    assert 0.5 * plain.t.size < orn.t.size < plain.t.size  # beats lost, not replaced
    assert np.all(np.isin(orn.t, a))  # no ornament onset became a beat
    dur = float(max(a_orn[-1], b[-1])) + 1
    s0, s = (analyze_coupling(PlayerEvents(x), PlayerEvents(b), duration=dur,
                              names=NAMES).summary for x in (a, a_orn))
    assert s["timing_leader"] == "client"
    assert s["therapist_alpha"] == pytest.approx(0.4, abs=0.15)  # stated tolerance
    assert s["therapist_alpha"] == pytest.approx(s0["therapist_alpha"], abs=0.06)
    assert s["client_alpha"] <= 0.1


def test_the_bootstrap_resamples_whole_blocks_of_beats():
    # the asynchrony is autocorrelated, so a resample keeps runs of _BLOCK consecutive beats
    idx = _block_index(100, np.random.default_rng(0), 50)
    assert idx.shape == (50, 100)
    assert idx.min() >= 0 and idx.max() <= 99
    blocks = idx[:, : (100 // _BLOCK) * _BLOCK].reshape(50, -1, _BLOCK)
    assert np.all(np.diff(blocks, axis=-1) == 1)
    starts = blocks[:, :, 0]
    assert np.unique(starts).size > 50  # the starts vary (not one fixed tiling)

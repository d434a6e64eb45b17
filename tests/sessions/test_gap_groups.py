"""Stretches not recorded, grouped into clusters (one line per cluster on the session page)."""

from __future__ import annotations

import pytest

from sessions.session import group_gaps


def _g(t, end, what="audio input mic", why="dropout, filled with silence"):
    return {"t": t, "end": end, "what": what, "why": why}


def test_clusters_per_input_and_reason_with_total_duration():
    gaps = [_g(1.0 + 0.5 * k, 1.01 + 0.5 * k) for k in range(25)]  # 25 short dropouts
    gaps += [_g(40.0, 40.2)]  # 27 s after the cluster's end: its own
    gaps += [_g(2.0, 5.0, what="MIDI port Keys", why="device lost")]  # another input
    out = group_gaps(gaps)
    assert [(g["what"], g["count"]) for g in out] == [
        ("audio input mic", 25), ("MIDI port Keys", 1), ("audio input mic", 1)]
    first = out[0]
    assert (first["t"], first["end"]) == (1.0, pytest.approx(13.01))
    assert first["total_s"] == pytest.approx(0.25)
    assert group_gaps([]) == []


@pytest.mark.parametrize("second,count", [(10.0 + 9.99, 1), (10.0 + 10.0, 2)])
def test_join_distance_is_from_the_cluster_end(second, count):
    assert len(group_gaps([_g(5.0, 10.0), _g(second, second + 1)], join_s=10.0)) == count

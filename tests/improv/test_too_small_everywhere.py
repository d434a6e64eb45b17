"""A clear trend too small to matter is no change anywhere: not in the course charts (the web
page's and the report's: no dashed trend line) and not in the goal readings, as the course
table already said (8ab8987). The web page's charts:
tests/improv/web/test_client_change_matters.py.

The store is :func:`tests.improv.test_compare_change_matters.build_store`: the therapist's
silence falls steadily by 0.14 percentage points over eight sessions (a clear test, below the
2 points that matter), the client's by 3.5 points (a change).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.improv.test_compare_change_matters import CLIENT, THERAPIST, build_store
from tests.improv.test_goals import N


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("too_small"))


@pytest.fixture(scope="module")
def result(built):
    from improv.reports.compare import compare_client
    from sessions.store import Store

    with Store(built[0]) as store:
        res = compare_client(store, client="C07", features=["silence_share"])
    assert res["features"][THERAPIST]["change"] == "too small to matter"
    assert res["features"][THERAPIST]["trend"]["distinguishable"]
    assert res["features"][CLIENT]["change"] == "yes"
    return res


def _dashed_lines(result, column):
    """The dashed lines the report's chart of ``column`` draws, and the marks it names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from improv.reports.trend_plots import _draw_course

    fig, ax = plt.subplots()
    try:
        seen = _draw_course(ax, result, column, xs=list(range(N)),
                            annotated=np.zeros(N, dtype=bool))
        return [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"], seen
    finally:
        plt.close(fig)


def test_the_report_chart_draws_no_trend_line_for_a_trend_too_small(result):
    lines, seen = _dashed_lines(result, THERAPIST)
    assert lines == [] and "trend" not in seen
    lines, seen = _dashed_lines(result, CLIENT)
    assert len(lines) == 1 and "trend" in seen


def test_the_report_legend_names_no_dashed_line_where_none_is_drawn(result):
    from improv.reports.client_report import _legend_html

    only_small = dict(result, columns=[THERAPIST])
    assert "dashed line" not in _legend_html(only_small)
    html = _legend_html(result)
    assert "dashed line" in html and "large enough to matter" in html


def test_a_goal_reading_says_no_change_that_matters(built, tmp_path, run_cli):
    path = tmp_path / "goal_store"
    shutil.copytree(built[0], path)
    cli = lambda *a: run_cli("--store", str(path), *a)  # noqa: E731
    r = cli("goals", "add", "--client", "C07", "Leaves room to play", "--since", "2026-01-05",
            "--indicator", "silence_share:down@therapist",
            "--indicator", "silence_share:down@client", "--json")
    assert r.exit_code == 0, r.stderr
    r = cli("goals", "show", "--client", "C07", "--json")
    assert r.exit_code == 0, r.stderr
    (goal,) = r.json()["goals"]
    small, large = goal["versions"][-1]["indicators"]
    assert small["trend"]["distinguishable"] and small["trend"]["mk_p"] < 0.05
    assert small["verdict"] == "too small to matter" and small["towards"] is None
    assert "no change that matters over 8 sessions" in small["reading"]
    assert "fell" not in small["reading"] and "rose" not in small["reading"]
    assert large["verdict"] == "falling" and large["towards"] is True
    assert "fell from" in large["reading"]
    assert "therapist (MIDI) · Silence: no change that matters over 8 sessions (a clear " \
           "trend, but smaller than 2 percentage points, the smallest change that matters)" \
           in goal["reading"]
    human = cli("goals", "show", "--client", "C07").stdout
    assert "no change that matters" in human and "too small to matter" in human

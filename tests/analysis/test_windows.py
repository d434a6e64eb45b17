import numpy as np
import pytest

from analysis.errors import ParameterError
from analysis.windows import count_in_windows, window_starts, window_times


def test_window_grid():
    assert window_starts(10.0, window=6.0, hop=1.0).tolist() == [0, 1, 2, 3, 4]
    assert window_times(10.0, window=6.0, hop=1.0).tolist() == [3, 4, 5, 6, 7]
    assert window_starts(3.0).size == 0  # shorter than one window: empty, not an error
    assert window_starts(6.0).tolist() == [0.0]


def test_counts():
    t, c = count_in_windows(np.array([0.0, 0.5, 5.99, 6.0, 9.5]), duration=10.0, window=6.0,
                            hop=2.0)
    assert t.tolist() == [3.0, 5.0, 7.0]
    assert c.tolist() == [3, 2, 3]  # windows [0,6), [2,8), [4,10)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"window": 0.0}, "window must be a finite number > 0"),
        ({"window": float("nan")}, "window must be a finite number > 0"),
        ({"hop": -1.0}, "hop must be a finite number > 0"),
        ({"window": 2.0, "hop": 3.0}, "hop must be <= window"),
    ],
)
def test_bad_params(kw, match):
    with pytest.raises(ParameterError, match=match):
        window_starts(10.0, **kw)


def test_bad_duration():
    with pytest.raises(ParameterError, match="duration must be a finite number >= 0"):
        window_starts(-1.0)
    with pytest.raises(TypeError, match="duration must be a number"):
        window_starts("10")


def test_window_means_of_a_grid_signal():
    from analysis.windows import window_means

    cells = np.repeat([0.0, 1.0], 500)  # 10 ms cells: 0 for 5 s, then 1 for 5 s
    t, m = window_means(cells, duration=10.0, window=2.0, hop=2.0, step=0.01)
    assert t.tolist() == [1.0, 3.0, 5.0, 7.0, 9.0] and m.tolist() == [0, 0, 0.5, 1, 1]
    t, m = window_means(cells, duration=1.0, window=2.0, hop=1.0, step=0.01)
    assert t.size == 0 and m.size == 0


def test_cumulative_coverage_integrates_the_number_of_intervals():
    from analysis.windows import cumulative_coverage, interval_coverage

    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    got = cumulative_coverage(np.array([0.5, 1.0]), np.array([2.5, 3.0]), x)
    assert got.tolist() == [0.0, 0.5, 2.5, 4.0, 4.0]
    assert interval_coverage(np.array([0.5]), np.array([1.0]), step=0.5, duration=1.5).tolist() \
        == [0.0, 1.0, 0.0]


def test_json_safe_numbers():
    from analysis.windows import json_number, json_safe

    assert json_number(np.float32("nan")) is None and json_number(None) is None
    assert json_number(np.int64(3)) == 3.0
    assert json_safe({1: np.array([1.5, np.inf]), "a": (np.float64(2.0), float("-inf"))}) == {
        "1": [1.5, None], "a": [2.0, None]}

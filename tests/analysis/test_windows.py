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

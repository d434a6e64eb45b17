import numpy as np
import pytest


@pytest.fixture
def rng():
    """Seeded generator: synthetic inputs are random but reproducible."""
    return np.random.default_rng(20240611)

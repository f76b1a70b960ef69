import math

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import WindowPooling
from tests.conftest import to_numpy


def reference(x, k, mode):
    """Cells of k steps counted back from the newest step; the oldest cell may be partial.
    Pools axis 1 of `[B, T]` or `[B, T, C]` (test_covariate_block uses it for covariates)."""
    steps = x.shape[1]
    cells = []
    for c in range(math.ceil(steps / k)):
        end = steps - c * k
        cell = x[:, max(0, end - k) : end]
        cells.append(cell.max(axis=1) if mode == "max" else cell.mean(axis=1))
    return np.stack(cells[::-1], axis=1)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("steps,k", [(12, 1), (12, 2), (12, 3), (13, 2), (10, 4), (7, 7), (5, 3)])
def test_matches_reference(mode, steps, k, rng):
    x = rng.normal(size=(3, steps)).astype("float32")
    layer = WindowPooling(k, mode=mode)
    out = to_numpy(layer(x))
    assert out.shape == (3, math.ceil(steps / k))
    assert layer.compute_output_shape((None, steps)) == (None, math.ceil(steps / k))
    np.testing.assert_allclose(out, reference(x.astype("float64"), k, mode), atol=1e-6)


def test_newest_cell_holds_the_last_steps():
    x = np.arange(7, dtype="float32")[None]  # cells [0], [1 2 3], [4 5 6]
    np.testing.assert_allclose(to_numpy(WindowPooling(3, mode="average")(x)), [[0, 2, 5]])
    np.testing.assert_allclose(to_numpy(WindowPooling(3, mode="max")(x)), [[0, 3, 6]])


def test_config_round_trip():
    layer = WindowPooling(4, mode="average")
    assert WindowPooling.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize(
    "kwargs,word", [({"pool_size": 0}, "pool_size"), ({"pool_size": 2, "mode": "min"}, "mode")]
)
def test_bad_arguments_are_named(kwargs, word):
    with pytest.raises(NHITSInputError, match=word):
        WindowPooling(**kwargs)

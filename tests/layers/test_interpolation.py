import math

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import ForecastInterpolation, interpolation_matrix
from tests.conftest import to_numpy

SIZES = [(1, 1), (1, 7), (3, 12), (6, 24), (5, 12), (12, 12), (24, 96), (7, 5), (2, 3)]


def reference(knots, horizon, mode):
    """Resampling written from the definitions: cell centres, clamped edges, Keys' kernel."""
    n = knots.shape[-1]
    scale = n / horizon
    out = np.zeros(knots.shape[:-1] + (horizon,))
    for j in range(horizon):
        centre = (j + 0.5) * scale - 0.5
        if mode == "linear":
            out[..., j] = [np.interp(centre, np.arange(n), row) for row in knots]
        elif mode == "nearest":
            out[..., j] = knots[..., min(math.floor((j + 0.5) * scale), n - 1)]
        else:

            def keys(d, a=-0.75):
                d = abs(d)
                if d <= 1:
                    return (a + 2) * d**3 - (a + 3) * d**2 + 1
                if d < 2:
                    return a * d**3 - 5 * a * d**2 + 8 * a * d - 4 * a
                return 0.0

            base = math.floor(centre)
            for i in range(base - 1, base + 3):
                out[..., j] += keys(centre - i) * knots[..., min(max(i, 0), n - 1)]
    return out


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
@pytest.mark.parametrize("n_knots,horizon", SIZES)
def test_layer_matches_reference(mode, n_knots, horizon, rng):
    knots = rng.normal(size=(4, n_knots)).astype("float32")
    layer = ForecastInterpolation(n_knots, horizon, mode=mode)
    np.testing.assert_allclose(
        to_numpy(layer(knots)), reference(knots.astype("float64"), horizon, mode), atol=1e-5
    )


@pytest.mark.parametrize("mode", ["linear", "nearest", "cubic"])
def test_equal_sizes_is_identity_and_columns_sum_to_one(mode):
    np.testing.assert_allclose(interpolation_matrix(9, 9, mode), np.eye(9), atol=1e-12)
    np.testing.assert_allclose(interpolation_matrix(5, 17, mode).sum(axis=0), 1.0, atol=1e-12)


def test_linear_reproduces_a_line_between_the_first_and_last_knot_centres():
    knots = np.arange(6, dtype="float64")[None] * 2.0 + 1.0  # knot i sits at step 4 i + 1.5
    out = (knots @ interpolation_matrix(6, 24, "linear"))[0]
    steps = np.arange(24)
    inside = (steps >= 1.5) & (steps <= 21.5)
    np.testing.assert_allclose(out[inside], 1.0 + 2.0 * (steps[inside] - 1.5) / 4.0)


def test_config_round_trip_and_output_shape():
    layer = ForecastInterpolation(3, 10, mode="cubic", name="interp")
    clone = ForecastInterpolation.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert layer.compute_output_shape((None, 3)) == (None, 10)


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"n_knots": 0, "horizon": 4}, "n_knots"),
        ({"n_knots": 2, "horizon": 4, "mode": "x"}, "mode"),
    ],
)
def test_bad_arguments_are_named(kwargs, word):
    with pytest.raises(NHITSInputError, match=word):
        ForecastInterpolation(**kwargs)

"""The block's covariate input: pooled per channel, flattened time-major, after the target."""

import math

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import NHITSBlock, WindowPooling
from tests.conftest import to_numpy
from tests.layers.test_pooling import reference as pool_reference


def covariates(rng, batch, input_size, horizon, hist, futr, stat):
    inputs = {"history": rng.normal(size=(batch, input_size))}
    if hist:
        inputs["hist_exog"] = rng.normal(size=(batch, input_size, hist))
    if futr:
        inputs["futr_exog"] = rng.normal(size=(batch, input_size + horizon, futr))
    if stat:
        inputs["stat_exog"] = rng.normal(size=(batch, stat))
    return {k: v.astype("float32") for k, v in inputs.items()}


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("steps,k", [(12, 1), (12, 3), (13, 2), (7, 7), (5, 3)])
def test_pooling_a_3d_input_pools_each_channel_over_time(mode, steps, k, rng):
    x = rng.normal(size=(2, steps, 3)).astype("float32")
    layer = WindowPooling(k, mode=mode)
    out = to_numpy(layer(x))
    assert out.shape == (2, math.ceil(steps / k), 3)
    assert layer.compute_output_shape((None, steps, 3)) == (None, math.ceil(steps / k), 3)
    np.testing.assert_allclose(out, pool_reference(x.astype("float64"), k, mode), atol=1e-6)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize(
    "input_size,horizon,pool_size,hist,futr,stat",
    [(12, 4, 2, 2, 3, 1), (13, 5, 3, 1, 2, 0), (12, 4, 1, 0, 2, 0), (9, 3, 4, 3, 0, 2)],
)
def test_mlp_input_is_the_pooled_target_then_the_pooled_flattened_covariates(
    mode, input_size, horizon, pool_size, hist, futr, stat, rng
):
    block = NHITSBlock(
        input_size,
        horizon,
        pool_size=pool_size,
        pooling=mode,
        hidden_size=8,
        hist_exog=hist,
        futr_exog=futr,
        stat_exog=stat,
    )
    inputs = covariates(rng, 3, input_size, horizon, hist, futr, stat)
    x = {k: v.astype("float64") for k, v in inputs.items()}
    parts = [pool_reference(x["history"], pool_size, mode)]
    if hist:
        parts.append(pool_reference(x["hist_exog"], pool_size, mode).reshape(3, -1))
    if futr:
        parts.append(pool_reference(x["futr_exog"], pool_size, mode).reshape(3, -1))
    if stat:
        parts.append(x["stat_exog"])
    expected = np.concatenate(parts, axis=1)
    backcast, forecast = block(inputs)
    assert tuple(backcast.shape) == (3, input_size) and tuple(forecast.shape) == (3, horizon)
    assert block.mlp_input_size == expected.shape[1]
    assert block.hidden[0].kernel.shape == (expected.shape[1], 8)
    np.testing.assert_allclose(to_numpy(block.mlp_input(inputs)), expected, atol=1e-6)


def test_flattening_is_time_major():
    # Two channels with distinct values: cell 0 of both comes before cell 1 of either.
    block = NHITSBlock(4, 2, pool_size=2, pooling="max", hidden_size=4, hist_exog=2)
    hist = np.array([[[1, 10], [2, 20], [3, 30], [4, 40]]], "float32")
    inputs = {"history": np.zeros((1, 4), "float32"), "hist_exog": hist}
    np.testing.assert_allclose(to_numpy(block.mlp_input(inputs))[0, 2:], [2, 20, 4, 40])


def test_the_forecast_method_matches_call_with_covariates(rng):
    block = NHITSBlock(12, 4, pool_size=2, n_knots=2, hidden_size=8, hist_exog=1, futr_exog=2)
    inputs = covariates(rng, 3, 12, 4, 1, 2, 0)
    np.testing.assert_allclose(
        to_numpy(block.forecast(inputs)), to_numpy(block(inputs)[1]), atol=1e-6
    )


def test_a_block_without_covariates_keeps_its_weights_and_its_input(rng):
    block = NHITSBlock(12, 4, pool_size=2, hidden_size=8)
    x = rng.normal(size=(2, 12)).astype("float32")
    block(x)
    assert block.pool_hist is None and block.pool_futr is None
    assert [tuple(w.shape) for w in block.weights] == [(6, 8), (8,), (8, 8), (8,), (8, 16), (16,)]
    np.testing.assert_array_equal(to_numpy(block.mlp_input(x)), to_numpy(block.pool(x)))


def test_config_round_trip_keeps_the_counts():
    block = NHITSBlock(16, 4, pool_size=2, hidden_size=8, hist_exog=2, futr_exog=1, stat_exog=3)
    config = block.get_config()
    assert (config["hist_exog"], config["futr_exog"], config["stat_exog"]) == (2, 1, 3)
    assert NHITSBlock.from_config(config).get_config() == config


@pytest.mark.parametrize("name", ["hist_exog", "futr_exog", "stat_exog"])
@pytest.mark.parametrize("value", [-1, 1.5, True])
def test_bad_counts_are_named(name, value):
    with pytest.raises(NHITSInputError, match=name):
        NHITSBlock(8, 4, **{name: value})

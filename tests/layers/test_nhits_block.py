import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import NHITSBlock
from tests.conftest import to_numpy


@pytest.mark.parametrize(
    "input_size,horizon,pool_size,n_knots", [(48, 12, 2, 3), (13, 1, 4, 1), (7, 5, 7, 5)]
)
def test_shapes(input_size, horizon, pool_size, n_knots):
    block = NHITSBlock(input_size, horizon, pool_size=pool_size, n_knots=n_knots, hidden_size=8)
    backcast, forecast = block(np.zeros((3, input_size), "float32"))
    assert tuple(backcast.shape) == (3, input_size)
    assert tuple(forecast.shape) == (3, horizon)
    assert block.compute_output_shape((3, input_size)) == ((3, input_size), (3, horizon))


def test_forecast_is_the_interpolated_tail_of_theta():
    block = NHITSBlock(8, 6, pool_size=2, n_knots=2, hidden_size=4, n_layers=1)
    x = np.random.default_rng(0).normal(size=(2, 8)).astype("float32")
    backcast, forecast = to_numpy(block(x))
    h = np.maximum(
        to_numpy(block.pool(x)) @ to_numpy(block.hidden[0].kernel) + to_numpy(block.hidden[0].bias),
        0,
    )
    theta = h @ to_numpy(block.theta.kernel) + to_numpy(block.theta.bias)
    np.testing.assert_allclose(backcast, theta[:, :8], atol=1e-5)
    knots = theta[:, 8:]
    np.testing.assert_allclose(forecast[:, [0, 5]], knots[:, [0, 1]], atol=1e-5)


def test_config_round_trip():
    block = NHITSBlock(16, 4, pool_size=2, n_knots=2, hidden_size=8, dropout=0.1, name="b")
    clone = NHITSBlock.from_config(block.get_config())
    assert clone.get_config() == block.get_config()


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"input_size": 0, "horizon": 4}, "input_size"),
        ({"input_size": 8, "horizon": 4, "hidden_size": -1}, "hidden_size"),
        ({"input_size": 8, "horizon": 4, "dropout": 1.0}, "dropout"),
        ({"input_size": 8, "horizon": 4, "pooling": "min"}, "pooling"),
    ],
)
def test_bad_arguments_are_named(kwargs, word):
    with pytest.raises(NHITSInputError, match=word):
        NHITSBlock(**kwargs)


def test_numpy_integer_arguments_are_stored_as_python_ints():
    """A block built with NumPy sizes (a loop over np.arange, say) keeps a JSON config."""
    import json

    block = NHITSBlock(
        input_size=np.int64(12), horizon=np.int32(4), pool_size=np.int64(2), hidden_size=8
    )
    config = block.get_config()
    assert type(config["input_size"]) is int and type(config["horizon"]) is int
    json.dumps(config)

import dataclasses
import inspect

import keras
import numpy as np
import pytest

from keras_nhits.config import ModelConfig
from keras_nhits.errors import NHITSInputError
from keras_nhits.models import NHITS
from tests.conftest import to_numpy

TINY = {"hidden_size": 16}


@pytest.mark.parametrize(
    "input_size,horizon,pool_sizes,freq_downsample",
    [
        (48, 12, (2, 2, 1), (4, 2, 1)),
        (37, 12, (4, 3, 1), (4, 2, 1)),  # input_size not divisible by the pool sizes
        (20, 3, (2, 2, 1), (8, 4, 1)),  # horizon < downsampling ratio
        (10, 1, (3, 2, 1), (4, 2, 1)),  # horizon 1
        (5, 7, (5, 5, 5), (1, 1, 1)),  # pool size = input size, horizon > input
    ],
)
def test_output_shapes_for_odd_sizes(input_size, horizon, pool_sizes, freq_downsample):
    model = NHITS(
        input_size, horizon, pool_sizes=pool_sizes, freq_downsample=freq_downsample, **TINY
    )
    x = np.random.default_rng(0).normal(size=(3, input_size)).astype("float32")
    out = model(x)
    assert tuple(out.shape) == (3, horizon)
    assert model.compute_output_shape((3, input_size)) == (3, horizon)
    assert np.all(np.isfinite(to_numpy(out)))


def test_per_stack_knots_follow_the_downsampling_ratios():
    model = NHITS(60, 24, freq_downsample=(8, 5, 1), **TINY)
    assert [b.n_knots for b in model.blocks] == [3, 4, 24]
    model = NHITS(60, 3, freq_downsample=(8, 5, 1), **TINY)
    assert [b.n_knots for b in model.blocks] == [1, 1, 3]


def test_blocks_per_stack_and_doubly_residual_forecast():
    model = NHITS(
        16,
        4,
        n_stacks=2,
        n_blocks=(2, 1),
        pool_sizes=(2, 1),
        freq_downsample=(2, 1),
        scaler="identity",
        naive_level=False,
        **TINY,
    )
    x = np.random.default_rng(1).normal(size=(2, 16)).astype("float32")
    residual, total = x.astype("float64"), 0.0
    for block in model.blocks:
        backcast, forecast = to_numpy(block(residual.astype("float32")))
        residual, total = residual - backcast, total + forecast
    np.testing.assert_allclose(to_numpy(model(x)), total, atol=1e-5)
    assert [b.name for b in model.blocks] == [
        "stack_0_block_0",
        "stack_0_block_1",
        "stack_1_block_0",
    ]


def test_model_takes_and_returns_raw_units():
    x = np.random.default_rng(2).normal(size=(4, 24)).astype("float32")
    model = NHITS(24, 6, **TINY)
    shifted = to_numpy(model(x * 10.0 + 5000.0))
    # Standard per-window scaling: an affine change of the input moves the forecast the same way.
    np.testing.assert_allclose(shifted, to_numpy(model(x)) * 10.0 + 5000.0, rtol=1e-4)


def test_naive_level_starts_from_the_last_value():
    model = NHITS(12, 5, **TINY)
    model.build((None, 12))
    for block in model.blocks:
        block.theta.kernel.assign(np.zeros(block.theta.kernel.shape))
        block.theta.bias.assign(np.zeros(block.theta.bias.shape))
    x = np.random.default_rng(3).normal(size=(3, 12)).astype("float32") + 100.0
    np.testing.assert_allclose(to_numpy(model(x)), np.repeat(x[:, -1:], 5, axis=1), rtol=1e-6)


def test_decomposition_sums_to_the_forecast():
    model = NHITS(32, 8, **TINY)
    x = np.random.default_rng(4).normal(size=(5, 32)).astype("float32") * 3 + 20
    parts = to_numpy(model.decompose(x))
    assert parts.shape == (5, 4, 8)
    np.testing.assert_allclose(parts.sum(axis=1), to_numpy(model(x)), rtol=1e-5, atol=1e-4)


def test_overfits_one_batch():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 24)).astype("float32")
    y = rng.normal(size=(8, 6)).astype("float32")
    model = NHITS(24, 6, hidden_size=64, scaler="identity", naive_level=False)
    model.compile(keras.optimizers.Adam(3e-3), "mse")
    first = float(model.evaluate(x, y, verbose=0))
    for _ in range(300):
        last = float(model.train_on_batch(x, y))
    assert last < first / 100, (first, last)


def test_one_step_changes_every_trainable_weight():
    model = NHITS(16, 4, dropout=0.1, **TINY)
    model.compile(keras.optimizers.SGD(0.1), "mae")
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(32, 16)).astype("float32"), rng.normal(size=(32, 4)).astype("float32")
    model.build((None, 16))
    before = [to_numpy(w) for w in model.trainable_weights]
    model.train_on_batch(x, y)
    after = [to_numpy(w) for w in model.trainable_weights]
    assert len(before) == 3 * (2 + 2 + 2)  # 3 blocks x (2 hidden + theta) x (kernel, bias)
    unchanged = [
        w.path for w, a, b in zip(model.trainable_weights, after, before) if np.array_equal(a, b)
    ]
    assert not unchanged


def test_get_config_round_trip():
    model = NHITS(
        40,
        10,
        n_blocks=(1, 2, 1),
        pooling="average",
        interpolation="cubic",
        scaler="robust",
        dropout=0.2,
        naive_level=False,
        **TINY,
    )
    config = model.get_config()
    clone = NHITS.from_config(config)
    assert clone.get_config() == config


def test_keras_file_round_trip_gives_identical_forecasts(tmp_path):
    model = NHITS(24, 6, **TINY)
    x = np.random.default_rng(7).normal(size=(4, 24)).astype("float32")
    expected = to_numpy(model(x))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert isinstance(loaded, NHITS)
    np.testing.assert_array_equal(to_numpy(loaded(x)), expected)


def test_mixed_float16_computes_in_half_and_returns_float32():
    keras.config.set_dtype_policy("mixed_float16")
    model = NHITS(16, 4, **TINY)
    x = np.random.default_rng(8).normal(size=(8, 16)).astype("float32")
    out = model(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    assert model.blocks[0].hidden[0].compute_dtype == "float16"
    assert model.blocks[0].hidden[0].kernel.dtype == "float32"
    model.compile(keras.optimizers.Adam(1e-3), "mae")
    loss = float(model.train_on_batch(x, np.zeros((8, 4), "float32")))
    assert np.isfinite(loss)


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"input_size": 0}, "input_size"),
        ({"horizon": -3}, "horizon"),
        ({"n_stacks": 0}, "n_stacks"),
        ({"pool_sizes": (2, 2)}, "pool_sizes"),
        ({"pool_sizes": (64, 2, 1)}, "pool_sizes"),
        ({"freq_downsample": (0, 1, 1)}, "freq_downsample"),
        ({"n_blocks": (1, 1)}, "n_blocks"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"pooling": "min"}, "pooling"),
        ({"interpolation": "spline"}, "interpolation"),
        ({"dropout": -0.1}, "dropout"),
        ({"scaler": "log"}, "scaler"),
    ],
)
def test_bad_arguments_are_named(kwargs, word):
    arguments = {"input_size": 24, "horizon": 6, **kwargs}
    with pytest.raises(NHITSInputError, match=word):
        NHITS(**arguments)


def test_a_wrong_input_width_is_named():
    model = NHITS(24, 6, **TINY)
    with pytest.raises(NHITSInputError, match="input_size=24"):
        model(np.zeros((2, 30), "float32"))


def test_signature_defaults_are_the_model_config_defaults():
    parameters = inspect.signature(NHITS.__init__).parameters
    for spec in dataclasses.fields(ModelConfig):
        if spec.name in parameters and spec.name not in ("input_size", "horizon"):
            assert parameters[spec.name].default == spec.default, spec.name


def test_get_config_is_the_base_config_and_every_model_config_field():
    model = NHITS(24, 6, n_blocks=[1, 2, 1], pool_sizes=[2, 1, 1], **TINY)
    names = [spec.name for spec in dataclasses.fields(ModelConfig)]
    assert set(model.get_config()) == {"name", "trainable", "dtype", *names}
    assert model.n_blocks == (1, 2, 1) and model.pool_sizes == (2, 1, 1)
    assert all(getattr(model, name) == getattr(model.model_config, name) for name in names)


def test_a_mixed_policy_and_a_callable_activation_survive_from_config():
    model = NHITS(24, 6, activation=keras.activations.gelu, dtype="mixed_float16", **TINY)
    clone = NHITS.from_config(model.get_config())
    assert clone.dtype_policy.name == "mixed_float16"
    assert clone.activation == "gelu"
    assert clone.get_config() == model.get_config()


def test_arguments_are_read_only():
    model = NHITS(24, 6, **TINY)
    with pytest.raises(AttributeError):
        model.horizon = 12

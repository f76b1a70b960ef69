"""NHITS with historical, future-known and static covariates (the paper's exogenous variant)."""

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_nhits.config import ModelConfig
from keras_nhits.errors import NHITSInputError
from keras_nhits.models import NHITS
from keras_nhits.saving import safetensors as safetensors_io
from tests.conftest import to_numpy

L, H = 12, 4
TINY = {"input_size": L, "horizon": H, "hidden_size": 8}
STATS = {
    "hist": (np.array([50.0, -2.0]), np.array([10.0, 0.5])),
    "futr": (np.array([3.0, 0.0, 7.0]), np.array([2.0, 0.0, np.nan])),  # 0 and NaN become 1
    "stat": (np.array([1000.0]), np.array([300.0])),
}


def inputs(seed=0, batch=5, hist=2, futr=3, stat=1, raw=True):
    """A dict input in raw units (levels and spreads far from 0 and 1 when `raw`)."""
    rng = np.random.default_rng(seed)
    x = {"history": rng.normal(size=(batch, L)) * 3 + 20}
    if hist:
        x["hist_exog"] = rng.normal(size=(batch, L, hist)) * (10 if raw else 1) + (50 if raw else 0)
    if futr:
        x["futr_exog"] = rng.normal(size=(batch, L + H, futr)) * 2 + (3 if raw else 0)
    if stat:
        x["stat_exog"] = rng.normal(size=(batch, stat)) * 300 + (1000 if raw else 0)
    return {k: v.astype("float32") for k, v in x.items()}


def full_model(**kwargs):
    model = NHITS(**TINY, hist_exog=2, futr_exog=3, stat_exog=1, **kwargs)
    model.set_covariate_statistics(**STATS)
    return model


def test_changing_the_future_covariate_over_the_horizon_changes_the_forecast():
    model = NHITS(**TINY, futr_exog=2, pool_sizes=(1, 1, 1))
    x = inputs(hist=0, futr=2, stat=0)
    changed = {**x, "futr_exog": x["futr_exog"].copy()}
    changed["futr_exog"][:, L:] += 5.0  # after the forecast origin only
    before, after = to_numpy(model(x)), to_numpy(model(changed))
    assert np.all(np.abs(after - before).max(axis=1) > 1e-4)


def test_the_historical_covariate_changes_the_forecast():
    model = NHITS(**TINY, hist_exog=1)
    x = inputs(hist=1, futr=0, stat=0)
    changed = {**x, "hist_exog": x["hist_exog"] * -1.0}
    assert np.abs(to_numpy(model(changed)) - to_numpy(model(x))).max() > 1e-4


def test_the_static_covariate_changes_the_forecast():
    model = NHITS(**TINY, stat_exog=1)
    x = inputs(hist=0, futr=0, stat=1)
    assert (
        np.abs(to_numpy(model({**x, "stat_exog": x["stat_exog"] + 500})) - to_numpy(model(x))).max()
        > 1e-4
    )


def test_shapes_and_input_shapes():
    model = full_model()
    assert model.input_shapes(5) == {
        "history": (5, L),
        "hist_exog": (5, L, 2),
        "futr_exog": (5, L + H, 3),
        "stat_exog": (5, 1),
    }
    assert tuple(model(inputs()).shape) == (5, H)
    assert model.compute_output_shape(model.input_shapes(5)) == (5, H)
    assert NHITS(**TINY).input_shapes(5) == (5, L)


def _without(x, key):
    return {k: v for k, v in x.items() if k != key}


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda x: x["history"], ["expects a dict", "history", "(5, 12)"]),
        (lambda x: _without(x, "futr_exog"), ["missing 'futr_exog'", "input_size + horizon=16"]),
        (lambda x: _without(x, "history"), ["missing 'history'", "input_size=12"]),
        (lambda x: {**x, "extra": x["stat_exog"]}, ["unexpected 'extra'"]),
        (
            lambda x: {**x, "futr_exog": x["futr_exog"][:, :L]},
            ["'futr_exog'", "(batch, input_size + horizon=16, futr_exog=3)", "(5, 12, 3)"],
        ),
        (
            lambda x: {**x, "hist_exog": x["hist_exog"][..., :1]},
            ["'hist_exog'", "(batch, input_size=12, hist_exog=2)", "(5, 12, 1)"],
        ),
        (lambda x: {**x, "stat_exog": x["stat_exog"][:, 0]}, ["'stat_exog'", "(5,)"]),
        (lambda x: {**x, "history": x["history"][:, 1:]}, ["'history'", "(5, 11)"]),
        (lambda x: {**x, "stat_exog": x["stat_exog"][:3]}, ["one batch size"]),
    ],
)
def test_a_missing_or_mis_shaped_input_is_refused_by_name(make, words):
    model = full_model()
    with pytest.raises(NHITSInputError) as caught:
        model(make(inputs()))
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


def test_a_covariate_the_model_does_not_take_is_refused():
    model = NHITS(**TINY, hist_exog=2)
    with pytest.raises(NHITSInputError, match="unexpected 'futr_exog' .the model has futr_exog=0"):
        model(inputs(stat=0))
    with pytest.raises(NHITSInputError, match="unexpected 'hist_exog'"):
        NHITS(**TINY)(inputs(futr=0, stat=0))


def test_a_model_without_covariates_also_takes_a_history_dict():
    model = NHITS(**TINY)
    x = inputs(hist=0, futr=0, stat=0)
    np.testing.assert_array_equal(to_numpy(model(x)), to_numpy(model(x["history"])))
    assert not model.covariate_scalers
    assert all(name.startswith("stack_") for name in safetensors_io.weight_map(model))


def test_decomposition_sums_to_the_forecast_with_covariates():
    model = full_model()
    x = inputs()
    parts = to_numpy(model.decompose(x))
    assert parts.shape == (5, 4, H)
    np.testing.assert_allclose(parts.sum(axis=1), to_numpy(model(x)), rtol=1e-5, atol=1e-4)


def test_raw_covariates_with_statistics_equal_scaled_covariates_with_the_identity():
    model = full_model()
    raw = inputs()
    expected = to_numpy(model(raw))
    scaled = dict(raw)
    for argument, key in (("hist", "hist_exog"), ("futr", "futr_exog"), ("stat", "stat_exog")):
        mean, std = STATS[argument]
        std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        scaled[key] = ((raw[key] - mean) / std).astype("float32")
    identity = {a: (np.zeros_like(m), np.ones_like(s)) for a, (m, s) in STATS.items()}
    model.set_covariate_statistics(**identity)
    np.testing.assert_allclose(to_numpy(model(scaled)), expected, rtol=1e-5, atol=1e-5)


def test_statistics_are_kept_per_kind_and_zero_or_nan_std_becomes_one():
    stats = full_model().covariate_statistics()
    np.testing.assert_array_equal(stats["futr_exog"][1], [2.0, 1.0, 1.0])
    np.testing.assert_array_equal(stats["stat_exog"][0], [1000.0])


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"futr": STATS["futr"]}, ["futr", "futr_exog=0"]),
        ({"hist": (np.zeros(3), np.ones(3))}, ["hist_exog_scaler", "shape (2,)", "(3,)"]),
        ({"hist": np.zeros(2)}, ["hist statistics must be a (mean, std) pair"]),
    ],
)
def test_bad_statistics_are_refused_by_name(kwargs, words):
    model = NHITS(**TINY, hist_exog=2)
    with pytest.raises(NHITSInputError) as caught:
        model.set_covariate_statistics(**kwargs)
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


@pytest.mark.parametrize("kind", ["hist_exog", "futr_exog", "stat_exog"])
def test_bad_counts_are_named(kind):
    for value in (-1, 2.0, "3"):
        with pytest.raises(NHITSInputError, match=kind):
            NHITS(**TINY, **{kind: value})


def test_fits_on_dict_inputs_and_keeps_its_statistics():
    model = full_model(scaler="identity", naive_level=False)
    x = inputs(batch=16)
    y = np.random.default_rng(9).normal(size=(16, H)).astype("float32")
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    history = model.fit(x, y, batch_size=8, epochs=15, verbose=0).history["loss"]
    assert history[-1] < history[0] / 2, history
    stats = model.covariate_statistics()
    np.testing.assert_array_equal(stats["hist_exog"][0], STATS["hist"][0].astype("float32"))
    np.testing.assert_array_equal(stats["stat_exog"][1], STATS["stat"][1].astype("float32"))


def test_every_trainable_weight_learns_from_the_covariates_too():
    model = full_model(dropout=0.1)
    model.compile(keras.optimizers.SGD(0.1), "mae")
    model.build(model.input_shapes())
    before = [to_numpy(w) for w in model.trainable_weights]
    model.train_on_batch(inputs(batch=16), np.zeros((16, H), "float32"))
    after = [to_numpy(w) for w in model.trainable_weights]
    assert len(before) == 3 * (2 + 2 + 2)
    assert not [w.path for w, a, b in zip(model.trainable_weights, after, before) if (a == b).all()]


def test_mixed_float16_with_covariates_returns_float32():
    keras.config.set_dtype_policy("mixed_float16")
    model = full_model()
    out = model(inputs())
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    assert np.all(np.isfinite(to_numpy(out)))


def test_get_config_round_trip_keeps_the_counts():
    model = full_model()
    config = model.get_config()
    assert (config["hist_exog"], config["futr_exog"], config["stat_exog"]) == (2, 3, 1)
    assert NHITS.from_config(config).get_config() == config


KERAS_SCRIPT = """
import sys
import keras
import numpy as np
import keras_nhits
folder = sys.argv[1]
model = keras.saving.load_model(folder + "/model.keras", safe_mode=True)
x = dict(np.load(folder + "/x.npz"))
np.save(folder + "/forecast.npy", keras.ops.convert_to_numpy(model(x)).astype("float64"))
np.save(folder + "/futr_std.npy", model.covariate_statistics()["futr_exog"][1])
"""


def test_keras_file_round_trip_in_a_fresh_process(tmp_path):
    model = full_model()  # never called: setting the statistics built all its weights
    model.save(tmp_path / "model.keras")
    x = inputs()
    expected = to_numpy(model(x))
    np.savez(tmp_path / "x.npz", **x)
    subprocess.run(
        [sys.executable, "-c", KERAS_SCRIPT, str(tmp_path)],
        env=dict(os.environ),
        check=True,
        timeout=300,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "forecast.npy"), expected)
    np.testing.assert_array_equal(np.load(tmp_path / "futr_std.npy"), [2.0, 1.0, 1.0])


def test_safetensors_round_trip_keeps_the_forecast_and_the_statistics(tmp_path):
    model = NHITS(**TINY, hist_exog=2, futr_exog=3, stat_exog=1)
    safetensors_io.save_model(model, tmp_path)  # unbuilt: save_model builds it from its config
    model.set_covariate_statistics(**STATS)
    safetensors_io.save_model(model, tmp_path)
    x = inputs()
    loaded = safetensors_io.load_model(tmp_path)
    assert loaded.input_shapes() == model.input_shapes()
    np.testing.assert_array_equal(to_numpy(loaded(x)), to_numpy(model(x)))
    for kind, (mean, std) in model.covariate_statistics().items():
        np.testing.assert_array_equal(loaded.covariate_statistics()[kind][0], mean)
        np.testing.assert_array_equal(loaded.covariate_statistics()[kind][1], std)


def test_a_safetensors_file_without_covariates_does_not_load_into_a_covariate_config(tmp_path):
    import json

    safetensors_io.save_model(NHITS(**TINY), tmp_path)
    record = json.loads((tmp_path / "config.json").read_text())
    record["model"]["stat_exog"] = 1
    (tmp_path / "config.json").write_text(json.dumps(record))
    with pytest.raises(NHITSInputError, match="stat_exog_scaler/mean"):
        safetensors_io.load_model(tmp_path)


def test_parameter_count_matches_a_covariate_model():
    config = ModelConfig(
        input_size=13, horizon=5, pool_sizes=(3, 2, 1), hidden_size=8, hist_exog=2, futr_exog=3
    )
    model = NHITS(**config.model_kwargs())
    model.build(model.input_shapes())
    assert safetensors_io.parameter_count(config) == model.count_params()


CROSS_BACKEND_SCRIPT = """
import sys
import keras
import numpy as np
from keras_nhits.saving import safetensors as safetensors_io
folder = sys.argv[1]
model = safetensors_io.load_model(folder)
x = dict(np.load(folder + "/x.npz"))
np.save(folder + "/forecast.npy", keras.ops.convert_to_numpy(model(x)).astype("float64"))
"""


@pytest.mark.slow
@pytest.mark.parametrize("other", ["jax", "tensorflow", "torch"])
def test_same_weights_and_statistics_same_forecast_on_every_backend(other, tmp_path):
    if other == keras.backend.backend():
        pytest.skip("this is the backend under test")
    if importlib.util.find_spec(other) is None:
        pytest.skip(f"the {other} backend is not installed")
    model = full_model(pooling="average", interpolation="cubic")
    x = inputs()
    np.savez(tmp_path / "x.npz", **x)
    safetensors_io.save_model(model, tmp_path)
    env = {**os.environ, "KERAS_BACKEND": other}
    subprocess.run(
        [sys.executable, "-c", CROSS_BACKEND_SCRIPT, str(tmp_path)],
        env=env,
        check=True,
        timeout=300,
    )
    np.testing.assert_allclose(
        np.load(tmp_path / "forecast.npy"), to_numpy(model(x)), rtol=1e-5, atol=1e-5
    )

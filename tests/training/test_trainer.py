import json
import os

import keras
import numpy as np
import pytest

from keras_nhits import NHITSTrainer
from keras_nhits.data import load_series, prepare_splits, window_arrays
from keras_nhits.errors import NHITSInputError
from tests.synthetic import seasonal_frame


def silent(_line):
    pass


def test_learns_a_seasonal_series_and_beats_the_naive_forecast(tiny_config):
    frame = seasonal_frame()
    result = NHITSTrainer(tiny_config(epochs=6, lr=3e-3), log=silent).fit(frame)
    history = result.metrics["history"]
    assert history[-1]["loss"] < history[0]["loss"] / 2
    assert result.metrics["test"]["mae"] < 0.5 * result.metrics["baselines"]["naive"]["mae"]
    files = set(os.listdir(result.output))
    assert {"model.keras", "model.safetensors", "config.json", "metrics.json"} <= files


def test_test_metrics_equal_a_numpy_reference(tiny_config):
    frame = seasonal_frame()
    config = tiny_config(epochs=1)
    model, metrics = NHITSTrainer(config, log=silent).fit(frame)
    splits = prepare_splits(load_series(frame), input_size=48, horizon=12)
    x, y = window_arrays(splits.series, splits.test, 48, 12)
    forecast = keras.ops.convert_to_numpy(model.predict(x, verbose=0)).astype("float64")
    error = forecast - y
    assert metrics["windows"]["test"] == len(x)
    assert metrics["test"]["mae"] == pytest.approx(np.abs(error).mean(), rel=1e-5)
    assert metrics["test"]["mse"] == pytest.approx((error**2).mean(), rel=1e-5)
    naive = np.repeat(x[:, -1:], 12, axis=1) - y
    assert metrics["baselines"]["naive"]["mae"] == pytest.approx(np.abs(naive).mean(), rel=1e-6)
    assert metrics["season_length"] == 24
    assert "seasonal_naive" in metrics["baselines"]


def test_early_stopping_stops_when_validation_stops_improving(tiny_config):
    noise = seasonal_frame(noise=3.0, seed=1)
    config = tiny_config(epochs=40, patience=2, lr_patience=0, lr=1e-2, hidden_size=64)
    metrics = NHITSTrainer(config, log=silent).fit(noise).metrics
    history = metrics["history"]
    assert metrics["epochs_completed"] < 40
    best = min(r["val_loss"] for r in history)
    assert all(r["val_loss"] >= best for r in history[-2:])
    assert metrics["best_epoch"] == metrics["epochs_completed"] - 2


def test_reduce_lr_on_plateau_lowers_the_rate(tiny_config):
    noise = seasonal_frame(noise=3.0, seed=2)
    config = tiny_config(epochs=12, patience=0, lr_patience=1, lr_factor=0.5, lr=1e-2)
    history = NHITSTrainer(config, log=silent).fit(noise).metrics["history"]
    rates = [r["learning_rate"] for r in history]
    assert rates[0] == pytest.approx(1e-2)
    assert min(rates) <= 5e-3 + 1e-9
    assert all(b <= a for a, b in zip(rates, rates[1:]))


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd", "rmsprop"])
def test_every_optimizer_trains(tiny_config, optimizer):
    config = tiny_config(epochs=3, optimizer=optimizer, lr_patience=0)
    history = NHITSTrainer(config, log=silent).fit(seasonal_frame()).metrics["history"]
    assert all(np.isfinite(r["loss"]) for r in history)
    assert history[-1]["loss"] < history[0]["loss"]


def test_same_seed_same_metrics(tiny_config, tmp_path):
    frame = seasonal_frame()
    first = NHITSTrainer(tiny_config(epochs=2, output=str(tmp_path / "a")), log=silent).fit(frame)
    second = NHITSTrainer(tiny_config(epochs=2, output=str(tmp_path / "b")), log=silent).fit(frame)
    assert first.metrics["test"] == second.metrics["test"]
    assert [r["loss"] for r in first.metrics["history"]] == [
        r["loss"] for r in second.metrics["history"]
    ]


def test_saved_run_loads_and_forecasts_the_same(tiny_config, tmp_path):
    frame = seasonal_frame()
    trainer = NHITSTrainer(tiny_config(epochs=1), log=silent)
    model, _ = trainer.fit(frame)
    x = np.random.default_rng(0).normal(size=(5, 48)).astype("float32") + 10
    expected = keras.ops.convert_to_numpy(model(x))
    trainer.save(tmp_path / "saved")
    for folder in (tmp_path / "saved", tmp_path / "run"):
        loaded = NHITSTrainer.load(folder, log=silent)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.model(x)), expected, rtol=1e-6)
    assert loaded.config.horizon == 12 and loaded.metrics["epochs_completed"] == 1
    keras_model = keras.saving.load_model(tmp_path / "run" / "model.keras", safe_mode=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras_model(x)), expected, rtol=1e-6)


def test_a_finished_run_is_not_overwritten_without_asking(tiny_config):
    frame = seasonal_frame()
    NHITSTrainer(tiny_config(epochs=1), log=silent).fit(frame)
    metrics_path = os.path.join(tiny_config().output, "metrics.json")
    before = open(metrics_path).read()
    with pytest.raises(NHITSInputError, match="already holds a finished run"):
        NHITSTrainer(tiny_config(epochs=1), log=silent).fit(frame)
    assert open(metrics_path).read() == before
    NHITSTrainer(tiny_config(epochs=1, overwrite=True), log=silent).fit(frame)


def test_mixed_precision_and_gpu_flags_on_a_cpu_say_so(tiny_config):
    lines = []
    result = NHITSTrainer(tiny_config(epochs=1, mixed_precision=True), log=lines.append).fit(
        seasonal_frame()
    )
    if not keras_gpus():
        assert "no GPU found: training on the CPU" in lines
        assert any("ignored on the CPU" in line for line in lines)
        assert result.metrics["dtype_policy"] == "float32"
    assert keras.config.dtype_policy().name == "float32"
    record = json.load(open(os.path.join(result.output, "config.json")))
    assert record["training"]["mixed_precision"] is True


def keras_gpus():
    from keras_nhits.training.devices import list_gpus

    return list_gpus()


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="PyTorch cannot write SavedModels")
def test_export_on_pytorch_is_refused_before_anything_is_trained(tiny_config, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(NHITSInputError, match="--export needs the TensorFlow or JAX backend"):
        NHITSTrainer(tiny_config(export=True, output=str(out)), log=silent).fit(seasonal_frame())
    assert not out.exists()

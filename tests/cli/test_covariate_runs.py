"""Covariates the way a user meets them: `train --futr-exog/--hist-exog/--calendar/--static`,
then `predict --future`, `export` and predict from the SavedModel, each in a fresh process.

The command-line path does not depend on the backend: it runs in the TensorFlow pass only
(`ONE_BACKEND`); the in-process trainer test below runs on every backend.
"""

import json

import numpy as np
import polars as pl
import pytest

from keras_nhits.data import load_series
from keras_nhits.serving.forecaster import forecast_frame, load_forecaster
from tests.reliability.helpers import (
    ONE_BACKEND,
    TINY,
    assert_one_error_line,
    run_subprocess,
    snapshot,
)
from tests.synthetic import seasonal_frame

HORIZON = 6  # TINY's horizon
COVARIATE_FLAGS = [
    "--futr-exog",
    "temp",
    "--hist-exog",
    "load",
    "--calendar",
    "hour,dayofweek",
    "--stat-exog",
    "region",
]


def covariate_frame(steps=200):
    """Two hourly series with a future-known `temp`, a historical `load` and the target driven
    by both."""
    frame = seasonal_frame(2, steps)
    rng = np.random.default_rng(1)
    temp = rng.normal(size=frame.height)
    load = rng.normal(size=frame.height)
    return frame.with_columns(
        temp=pl.Series(temp), load=pl.Series(load), y=pl.col("y") + 2 * pl.Series(temp)
    )


def split_history_future(frame, n_future=10):
    """The data up to each series' origin, and the next `n_future` rows' covariates."""
    history = frame.group_by("unique_id", maintain_order=True).head(frame.height // 2 - n_future)
    future = frame.join(history.select("unique_id", "ds"), on=["unique_id", "ds"], how="anti")
    future = future.group_by("unique_id", maintain_order=True).head(n_future)
    return history, future.select("unique_id", "ds", "temp")


@pytest.fixture(scope="module")
def covariate_run(tmp_path_factory):
    """A run trained by `python -m keras_nhits.train` with every kind of covariate."""
    folder = tmp_path_factory.mktemp("covariates")
    data, static = folder / "train.csv", folder / "static.csv"
    covariate_frame().write_csv(data)
    pl.DataFrame({"unique_id": ["s0", "s1"], "region": ["north", "south"]}).write_csv(static)
    run = folder / "run"
    argv = ["--data", data, "--static", static, *COVARIATE_FLAGS, *TINY, "--output", run]
    result = run_subprocess([*argv, "--export"])
    assert result.code == 0, result.stderr
    return run, folder


@ONE_BACKEND
def test_the_run_records_the_covariates_and_builds_the_model_for_them(covariate_run):
    run, _ = covariate_run
    record = json.loads((run / "config.json").read_text())
    covariates = record["data"]["covariates"]
    assert covariates["hist_exog"] == ["load"] and covariates["futr_exog"] == ["temp"]
    assert covariates["calendar"] == ["hour", "dayofweek"]
    assert covariates["stat_exog"] == ["region=north", "region=south"]
    assert covariates["static_values"] == {"s0": [1.0, 0.0], "s1": [0.0, 1.0]}
    assert record["training"]["futr_exog"] == "temp"
    model = load_forecaster(run)
    assert model.future_columns == ("temp",)
    metrics = json.loads((run / "metrics.json").read_text())
    assert np.isfinite(metrics["test"]["mae"]) and metrics["windows"]["test"] > 0


@ONE_BACKEND
def test_predict_with_future_values_uses_them_and_the_saved_model_agrees(covariate_run):
    run, folder = covariate_run
    history, future = split_history_future(covariate_frame())
    history.write_csv(folder / "history.csv")
    future.write_csv(folder / "future.csv")
    out = folder / "forecast.csv"
    argv = ["--model", run, "--data", folder / "history.csv", "--future", folder / "future.csv"]
    result = run_subprocess([*argv, "--output", out], module="keras_nhits.predict")
    assert result.code == 0, result.stderr
    forecast = pl.read_csv(out, try_parse_dates=True)
    assert forecast.columns == ["unique_id", "ds", "forecast"] and forecast.height == 2 * HORIZON
    expected = future.group_by("unique_id", maintain_order=True).head(HORIZON)
    assert forecast["ds"].to_list() == expected["ds"].to_list()

    # The future really is used: other temperatures over the horizon, another forecast.
    warmer = future.with_columns(temp=pl.col("temp") + 3)
    warmer.write_csv(folder / "warmer.csv")
    other = folder / "warmer_forecast.csv"
    argv_warm = [*argv[:-1], folder / "warmer.csv", "--output", other]
    assert run_subprocess(argv_warm, module="keras_nhits.predict").code == 0
    moved = np.abs(pl.read_csv(other)["forecast"] - forecast["forecast"]).max()
    assert moved > 1e-3

    # The SavedModel, fed the same files, forecasts what the run folder does, in raw units.
    served = folder / "served.csv"
    argv_sm = ["--model", run / "saved_model", *argv[2:], "--output", served]
    result = run_subprocess(argv_sm, module="keras_nhits.predict")
    assert result.code == 0, result.stderr
    np.testing.assert_allclose(
        pl.read_csv(served)["forecast"], forecast["forecast"], rtol=1e-5, atol=1e-5
    )


def _bad_future(folder, change):
    history, future = split_history_future(covariate_frame())
    history.write_csv(folder / "history.csv")
    change(future).write_csv(folder / "bad_future.csv")
    return folder / "bad_future.csv"


def _with_text(frame):
    return frame.with_columns(temp=pl.col("temp").cast(pl.String).str.replace(r"^(.).*", "warm"))


FUTURE_CASES = [
    ("nan", lambda f: f.with_columns(temp=pl.lit(float("nan"))), ["'temp'", "NaN"]),
    ("missing rows", lambda f: f.filter(pl.col("unique_id") == "s0"), ["lacks 6 of the 12"]),
    ("too short", lambda f: f.group_by("unique_id").head(3), ["lacks 6 of the 12", "next 6"]),
    ("no column", lambda f: f.drop("temp"), ["no future-known column 'temp'"]),
    ("text", _with_text, ["'temp' is not numeric"]),
    ("twice", lambda f: pl.concat([f, f.head(1)]), ["2 rows for series 's0'"]),
]


@ONE_BACKEND
@pytest.mark.parametrize(
    "change,words", [c[1:] for c in FUTURE_CASES], ids=[c[0] for c in FUTURE_CASES]
)
def test_a_bad_future_file_exits_2_with_one_line_and_writes_nothing(
    covariate_run, tmp_path, change, words
):
    run, _ = covariate_run
    future = _bad_future(tmp_path, change)
    out = tmp_path / "forecast.csv"
    argv = ["--model", run, "--data", tmp_path / "history.csv", "--future", future]
    result = run_subprocess([*argv, "--output", out], module="keras_nhits.predict")
    assert_one_error_line(result, words)
    assert not out.exists()


@ONE_BACKEND
def test_predict_without_the_future_file_says_which_columns_it_needs(covariate_run, tmp_path):
    run, _ = covariate_run
    covariate_frame().write_csv(tmp_path / "data.csv")
    argv = ["--model", run, "--data", tmp_path / "data.csv"]
    result = run_subprocess(argv, module="keras_nhits.predict")
    assert_one_error_line(result, ["future-known columns temp", "--future FILE"])


def _text_load(path):
    frame = covariate_frame().with_columns(load=pl.lit("high"))
    frame.write_csv(path)
    return []


def _varying_static(path):
    frame = covariate_frame()
    frame.with_columns(region=pl.Series(["a", "b"] * (frame.height // 2))).write_csv(path)
    return ["--stat-exog", "region"]


TRAIN_CASES = [
    (
        "missing column",
        lambda p: covariate_frame().write_csv(p) or ["--futr-exog", "rain"],
        ["rain"],
    ),
    (
        "text covariate",
        lambda p: _text_load(p) + ["--hist-exog", "load"],
        ["'load'", "not numeric"],
    ),
    ("varying static", _varying_static, ["region", "s0"]),
    ("two kinds", lambda p: ["--hist-exog", "temp", "--futr-exog", "temp"], ["both hist_exog"]),
    ("target", lambda p: ["--target", "y", "--futr-exog", "y"], ["target and futr_exog"]),
    ("calendar", lambda p: ["--calendar", "hours"], ["calendar", "'hours'"]),
]


@ONE_BACKEND
@pytest.mark.parametrize(
    "make,words", [c[1:] for c in TRAIN_CASES], ids=[c[0] for c in TRAIN_CASES]
)
def test_bad_covariate_training_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path, make, words
):
    data = tmp_path / "data.csv"
    covariate_frame().write_csv(data)
    flags = make(data)
    before = snapshot(tmp_path)
    out = tmp_path / "run"
    result = run_subprocess(["--data", data, *flags, *TINY, "--output", out])
    assert_one_error_line(result, words)
    assert not out.exists() and snapshot(tmp_path) == before


def test_the_trainer_fits_covariates_and_forecast_frame_reads_them_on_every_backend(tmp_path):
    """In process, on the suite's backend: train, then forecast from the run folder."""
    from keras_nhits import NHITSTrainer

    data = covariate_frame()
    history, future = split_history_future(data)
    trainer = NHITSTrainer(
        futr_exog=["temp"],
        hist_exog="load",
        calendar="hour",
        input_size=24,
        horizon=HORIZON,
        hidden_size=8,
        epochs=1,
        windows_per_epoch=128,
        quiet=True,
        output=str(tmp_path / "run"),
        log=lambda line: None,
    )
    model, metrics = trainer.fit(data)
    assert (model.hist_exog, model.futr_exog, model.stat_exog) == (1, 2, 0)
    assert np.isfinite(metrics["test"]["mae"])
    forecaster = load_forecaster(tmp_path / "run")
    series = load_series(history, hist_exog="load", futr_exog="temp", calendar="hour")
    frame = forecast_frame(forecaster, series, future=future)
    assert frame.height == 2 * HORIZON and frame["forecast"].is_finite().all()

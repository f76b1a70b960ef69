"""`NHITSTrainer.cross_validation` and `predict` from Python, on every backend: the test split's
cross-validation reproduces the test metrics training reports, a forecast at a cutoff does not
depend on anything after it, quantile and covariate models flow through, pandas in gives pandas
out, and a loaded run forecasts as the trainer that wrote it."""

import numpy as np
import polars as pl
import pytest

from keras_nhits.backtesting.backtest import run_backtest
from keras_nhits.errors import NHITSInputError
from keras_nhits.training.trainer import NHITSTrainer
from tests.synthetic import seasonal_frame

SMALL = {"input_size": 24, "horizon": 6, "hidden_size": 16, "quiet": True, "epochs": 1}


def _fit(folder, frame, **settings):
    config = {**SMALL, "windows_per_epoch": 256, "output": str(folder / "run"), **settings}
    trainer = NHITSTrainer(log=lambda line: None, **config)
    trainer.fit(frame)
    return trainer


@pytest.fixture(scope="module")
def scaled_run(tmp_path_factory):
    frame = seasonal_frame(3, 300, noise=0.3)
    trainer = _fit(tmp_path_factory.mktemp("cv"), frame, series_scaler="standard")
    return trainer, frame


def test_the_test_split_cross_validated_reproduces_the_reported_test_metrics(scaled_run):
    trainer, frame = scaled_run
    metrics = trainer.metrics
    per_series = metrics["windows"]["test"] // 3  # equal lengths: as many test windows each
    cv = trainer.cross_validation(frame, n_windows=per_series, step_size=1)
    assert cv.columns == ["unique_id", "ds", "cutoff", "y", "forecast"]
    assert cv.height == metrics["windows"]["test"] * SMALL["horizon"]
    error = (cv["y"].cast(pl.Float64) - cv["forecast"].cast(pl.Float64)).to_numpy()
    # float32 columns: the frame's values carry the model's precision.
    np.testing.assert_allclose(np.abs(error).mean(), metrics["test"]["mae"], rtol=1e-5)
    np.testing.assert_allclose(np.square(error).mean(), metrics["test"]["mse"], rtol=1e-4)
    s1 = cv.filter(pl.col("unique_id") == "s1")
    mae = (s1["y"].cast(pl.Float64) - s1["forecast"]).abs().mean()
    np.testing.assert_allclose(mae, metrics["test_per_series"]["s1"]["mae"], rtol=1e-5)


def test_a_forecast_at_a_cutoff_depends_on_nothing_after_it(scaled_run):
    trainer, frame = scaled_run
    cv = trainer.cross_validation(frame, n_windows=4, step_size=10)
    cutoffs = sorted(set(cv["cutoff"].to_list()))
    first = cutoffs[0]
    rng = np.random.default_rng(3)
    changed = frame.with_columns(
        pl.when(pl.col("ds") > first)
        .then(pl.col("y") * 5 + pl.Series(rng.normal(0, 50, frame.height)))
        .otherwise(pl.col("y"))
        .alias("y")
    )
    again = trainer.cross_validation(changed, n_windows=4, step_size=10)
    at_first = pl.col("cutoff") == first
    np.testing.assert_array_equal(
        cv.filter(at_first)["forecast"].to_numpy(), again.filter(at_first)["forecast"].to_numpy()
    )
    # The later cutoffs read the changed values: the comparison above can fail.
    later = ~at_first
    assert not np.allclose(
        cv.filter(later)["forecast"].to_numpy(), again.filter(later)["forecast"].to_numpy()
    )
    # The actual y of the first cutoff is the changed future, which the forecast never read.
    assert not np.allclose(cv.filter(at_first)["y"], again.filter(at_first)["y"])


def test_cutoffs_are_spaced_by_the_step_and_the_last_forecast_ends_the_series(scaled_run):
    trainer, frame = scaled_run
    cv = trainer.cross_validation(frame, n_windows=3, step_size=5)
    s0 = cv.filter(pl.col("unique_id") == "s0")
    cutoffs = sorted(set(s0["cutoff"].to_list()))
    assert [(b - a).total_seconds() / 3600 for a, b in zip(cutoffs, cutoffs[1:])] == [5, 5]
    assert s0["ds"].max() == frame.filter(pl.col("unique_id") == "s0")["ds"].max()
    last = s0.filter(pl.col("cutoff") == cutoffs[-1])
    assert (last["ds"] > cutoffs[-1]).all() and last.height == SMALL["horizon"]


def test_predict_forecasts_after_the_data_and_a_loaded_run_agrees(scaled_run):
    trainer, frame = scaled_run
    forecasts = trainer.predict(frame)
    assert forecasts.columns == ["unique_id", "ds", "forecast"]
    assert forecasts.height == 3 * SMALL["horizon"]
    assert forecasts["ds"].min() > frame["ds"].max()
    loaded = NHITSTrainer.load(trainer.config.output, log=lambda line: None)
    np.testing.assert_allclose(loaded.predict(frame)["forecast"], forecasts["forecast"])
    cv = trainer.cross_validation(frame, n_windows=2)
    np.testing.assert_allclose(
        loaded.cross_validation(frame, n_windows=2)["forecast"], cv["forecast"]
    )


def test_pandas_in_gives_pandas_out(scaled_run):
    pd = pytest.importorskip("pandas")
    trainer, frame = scaled_run
    cv = trainer.cross_validation(frame.to_pandas(), n_windows=2)
    assert isinstance(cv, pd.DataFrame)
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "forecast"]
    assert str(cv["ds"].dtype).startswith("datetime64")
    expected = trainer.cross_validation(frame, n_windows=2)
    np.testing.assert_array_equal(cv["forecast"].to_numpy(), expected["forecast"].to_numpy())
    assert isinstance(trainer.predict(frame.to_pandas()), pd.DataFrame)


def test_a_series_the_run_never_saw_is_refused_with_its_per_series_scaler(scaled_run):
    trainer, _ = scaled_run
    other = seasonal_frame(1, 300, prefix="new")
    with pytest.raises(NHITSInputError, match="series new0 not seen in training"):
        trainer.cross_validation(other, n_windows=2)


def test_a_quantile_model_backtests_its_intervals(tmp_path):
    frame = seasonal_frame(2, 300, noise=0.5)
    trainer = _fit(tmp_path, frame, level=(80,))
    cv = trainer.cross_validation(frame, n_windows=3)
    assert cv.columns[-3:] == ["forecast", "forecast-lo-80", "forecast-hi-80"]
    assert (cv["forecast-lo-80"] <= cv["forecast"]).all()
    assert (cv["forecast"] <= cv["forecast-hi-80"]).all()
    backtest = run_backtest(trainer.forecaster(), frame, n_windows=3)
    coverage = backtest.record["probabilistic"]["intervals"]["80"]["coverage"]
    inside = (cv["y"] >= cv["forecast-lo-80"]) & (cv["y"] <= cv["forecast-hi-80"])
    np.testing.assert_allclose(coverage, inside.mean(), atol=1e-6)


def test_covariates_after_the_cutoff_are_read_only_when_known_in_advance(tmp_path):
    frame = seasonal_frame(1, 300).with_columns(
        (pl.col("y") * 0.5).alias("load"), pl.col("ds").dt.hour().cast(pl.Float64).alias("hour")
    )
    trainer = _fit(tmp_path, frame, hist_exog=("load",), futr_exog=("hour",))
    cv = trainer.cross_validation(frame, n_windows=3, step_size=4)
    first = cv["cutoff"].min()
    late = pl.col("ds") > first
    # The target and the historical covariate after the first cutoff: not read by its forecast.
    changed = frame.with_columns(
        pl.when(late).then(pl.col("y") + 100).otherwise(pl.col("y")).alias("y"),
        pl.when(late).then(-pl.col("load")).otherwise(pl.col("load")).alias("load"),
    )
    again = trainer.cross_validation(changed, n_windows=3, step_size=4)
    at_first = pl.col("cutoff") == first
    np.testing.assert_array_equal(
        cv.filter(at_first)["forecast"].to_numpy(), again.filter(at_first)["forecast"].to_numpy()
    )
    # The future-known column over the horizon is read: it is known in advance.
    shifted = frame.with_columns(
        pl.when(late).then(pl.col("hour") + 7).otherwise(pl.col("hour")).alias("hour")
    )
    moved = trainer.cross_validation(shifted, n_windows=3, step_size=4)
    assert not np.allclose(
        cv.filter(at_first)["forecast"].to_numpy(), moved.filter(at_first)["forecast"].to_numpy()
    )

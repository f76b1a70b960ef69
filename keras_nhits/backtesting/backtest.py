"""A backtest from data to results: read the data as the model's run did, forecast every cutoff,
lay the forecasts out long and score them (what `NHITSTrainer.cross_validation` and
`python -m keras_nhits.backtest` both run)."""

from dataclasses import dataclass

import polars as pl

from keras_nhits.backtesting.cross_validation import (
    BacktestForecasts,
    backtest_forecasts,
    cross_validation_frame,
)
from keras_nhits.backtesting.report import backtest_record
from keras_nhits.data.series_set import SeriesSet
from keras_nhits.serving.forecast_data import load_forecast_data
from keras_nhits.training.metrics import season_length_for


@dataclass
class Backtest:
    """What `run_backtest` returns.

    Attributes:
        frame: the long forecasts (`cross_validation_frame`), a Polars DataFrame.
        record: the scores (`backtest_record`), JSON-ready.
        series: the `SeriesSet` the data was read into.
        forecasts: the `BacktestForecasts` behind both.
    """

    frame: pl.DataFrame
    record: dict
    series: SeriesSet
    forecasts: BacktestForecasts


def run_backtest(
    forecaster,
    data,
    n_windows,
    step_size=1,
    season_length=0,
    options=None,
    walk_forward=None,
    scores=True,
):
    """Backtests `forecaster` on `data` at `n_windows` cutoffs per series, `step_size` apart.

    Args:
        forecaster: a loaded `Forecaster` (`load_forecaster`, or a trainer's).
        data: a path, Polars/pandas DataFrame or array, read by `load_forecast_data`.
        n_windows, step_size: the cutoffs (`keras_nhits.backtesting.cutoffs`).
        season_length: the seasonal-naive baseline's and MASE's season; 0 (the default) takes
            the one of the data's step (`season_length_for`: 24 for hourly data, 7 daily ...).
        options: the `load_series` keywords (default: the run's reader settings).
        walk_forward: a `WalkForward` to refit the model as the cutoffs advance
            (`keras_nhits.backtesting.refit`); its plan and refits go in the record's `refit`.
        scores: False leaves the record out (`record` None): `cross_validation` returns the
            frame alone, and the scores are most of a backtest's time without refits.

    Raises `NHITSInputError` for data the reader refuses and series too short for the cutoffs.
    """
    series = load_forecast_data(forecaster, data, options)
    if not season_length:
        season_length = season_length_for(series.freqs[0] if series.freqs else None)
    result = backtest_forecasts(
        forecaster, series, n_windows, step_size, season_length, walk_forward
    )
    frame = cross_validation_frame(
        forecaster,
        series,
        result,
        id_col=series.columns.get("id") or "unique_id",
        time_col=series.columns.get("time") or "ds",
    )
    if not scores:
        return Backtest(frame, None, series, result)
    record = backtest_record(forecaster, series, result, n_windows, step_size)
    if walk_forward is not None:
        record["refit"] = walk_forward.summary()
    return Backtest(frame, record, series, result)

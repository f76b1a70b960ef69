"""Rolling-origin forecasts of a trained model: every cutoff of every series in batched passes.

`backtest_forecasts` forecasts the windows of `cutoff_windows` through the loaded
`Forecaster`, the very path predict and the SavedModel serve by (`window_forecasts`: the run's
series scaler, the range checks, raw units back), in chunks of windows so that memory holds one
chunk of inputs at a time beside the forecasts themselves. A forecast at cutoff c reads the
target only up to c: its input window ends there. Future-known covariates are read over the
horizon from the data, as they are known in advance by definition; historical ones only over the
input window.

Beside the model, the naive (last value) and seasonal-naive (last season) forecasts of the same
windows, so the backtest's report says whether the model earns its keep at each cutoff.
`cross_validation_frame` lays it all out long: one row per series, cutoff and horizon step.
"""

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from keras_nhits.backtesting.cutoffs import CutoffWindows, cutoff_windows
from keras_nhits.data.windows import window_arrays
from keras_nhits.errors import NHITSInputError
from keras_nhits.serving.window_forecasts import (
    forecast_columns,
    median_forecasts,
    window_forecasts,
)
from keras_nhits.training.metrics import naive_forecast, seasonal_naive_forecast

# Windows per pass: a few MB of inputs for the default model, enough to keep the model busy.
CHUNK_WINDOWS = 4096
CUTOFF_COLUMN, ACTUAL_COLUMN = "cutoff", "y"


@dataclass
class BacktestForecasts:
    """The forecasts of every backtest window, in raw units.

    Attributes:
        windows: the `CutoffWindows` forecast.
        actual: float64 `[N, H]`, the values that followed each cutoff.
        forecasts: float64 `[N, H]` (a quantile model's `[N, H, Q]`), as `window_forecasts`.
        point: float64 `[N, H]`, the point forecast (a quantile model's median).
        cutoff_times: `[N]`, each window's cutoff as a time of its series (datetime64 or
            int64 steps).
        baselines: `{"naive": [N, H], "seasonal_naive": [N, H]}`, the second when the season
            length is above 1 and fits in the input window.
        season_length: the seasonal-naive baseline's season (0 or 1: none).
    """

    windows: CutoffWindows
    actual: np.ndarray
    forecasts: np.ndarray
    point: np.ndarray
    cutoff_times: np.ndarray
    baselines: dict = field(default_factory=dict)
    season_length: int = 0


def backtest_forecasts(
    forecaster, series_set, n_windows, step_size=1, season_length=0, walk_forward=None
):
    """Forecasts `n_windows` cutoffs per series, `step_size` steps apart (see `cutoffs`).

    Args:
        forecaster: a loaded `Forecaster` (`load_forecaster`, or a trainer's).
        series_set: the data (`load_forecast_data`), with the covariates the model takes.
        n_windows, step_size: the cutoffs, as `cutoff_windows`.
        season_length: the seasonal-naive baseline's season (0: none).
        walk_forward: a `WalkForward` (`keras_nhits.backtesting.refit`) to refit the model
            as the cutoffs advance; None (the default) forecasts every cutoff with
            `forecaster`.

    Raises `NHITSInputError` for a series too short for the cutoffs, and what
    `window_forecasts` refuses.
    """
    horizon, input_size = forecaster.horizon, forecaster.input_size
    windows = cutoff_windows(series_set, input_size, horizon, n_windows, step_size)
    seasonal = 1 < season_length <= input_size
    if walk_forward is None:
        groups = [(forecaster, np.arange(len(windows)))]
    else:
        groups = walk_forward.groups(series_set, windows)
    parts = {"actual": [], "forecasts": [], "naive": [], "seasonal_naive": []}
    order = []
    for group_forecaster, rows in groups:
        for begin in range(0, len(rows), CHUNK_WINDOWS):
            picked = rows[begin : begin + CHUNK_WINDOWS]
            x, y = window_arrays(series_set, windows.starts[picked], input_size, horizon)
            ids = [series_set.ids[i] for i in windows.series[picked]]
            parts["forecasts"].append(window_forecasts(group_forecaster, x, ids))
            history = (x["history"] if isinstance(x, dict) else x).astype(np.float64)
            parts["actual"].append(y.astype(np.float64))
            parts["naive"].append(naive_forecast(history, horizon))
            if seasonal:
                parts["seasonal_naive"].append(
                    seasonal_naive_forecast(history, horizon, season_length)
                )
        order.append(rows)
    arrays = {name: _in_window_order(chunks, order) for name, chunks in parts.items() if chunks}
    forecasts = arrays["forecasts"]
    baselines = {"naive": arrays["naive"]}
    if seasonal:
        baselines["seasonal_naive"] = arrays["seasonal_naive"]
    return BacktestForecasts(
        windows=windows,
        actual=arrays["actual"],
        forecasts=forecasts,
        point=median_forecasts(forecaster, forecasts),
        cutoff_times=_times(series_set, windows, 0)[1],
        baselines=baselines,
        season_length=int(season_length) if seasonal else 0,
    )


def _in_window_order(chunks, order):
    """The chunks of rows forecast group by group, put back in the order of the windows."""
    stacked = np.concatenate(chunks)
    if len(order) == 1:
        return stacked  # one group of every window, already in order
    rows = np.concatenate(order)
    placed = np.empty_like(stacked)
    placed[rows] = stacked
    return placed


def cross_validation_frame(forecaster, series_set, result, id_col="unique_id", time_col="ds"):
    """The long DataFrame of a `BacktestForecasts`: (`id_col`,) `time_col`, `cutoff`, `y` and
    the forecast columns predict writes (`forecast`, a quantile model's `forecast-lo-80` ...).

    One row per series, cutoff and horizon step, in that order; the id column when there are
    several series (as predict writes it); times in the data's own type (datetimes, dates or
    integer steps).
    """
    taken = {id_col, time_col} if series_set.n_series > 1 else {time_col}
    clash = taken & {CUTOFF_COLUMN, ACTUAL_COLUMN}
    if clash or id_col == time_col:
        raise NHITSInputError(
            f"the data's column {sorted(clash or {id_col})[0]!r} would clash with the "
            f"backtest's own columns ({CUTOFF_COLUMN}, {ACTUAL_COLUMN}); rename it"
        )
    windows, horizon = result.windows, forecaster.horizon
    times = _times(series_set, windows, horizon)[0]
    columns = {}
    if series_set.n_series > 1:
        ids = np.asarray(series_set.ids, dtype=object)[windows.series]
        columns[id_col] = np.repeat(ids, horizon)
    columns[time_col] = times
    columns[CUTOFF_COLUMN] = np.repeat(result.cutoff_times, horizon)
    columns[ACTUAL_COLUMN] = pl.Series(result.actual.reshape(-1), dtype=pl.Float32)
    columns.update(forecast_columns(forecaster, result.forecasts))
    return pl.DataFrame(columns)


def _times(series_set, windows, horizon):
    """`([N * H] target times, [N] cutoff times)`, series by series (windows are grouped by
    series, in order); no target times for `horizon=0`."""
    steps = np.arange(1, horizon + 1, dtype=np.int64)
    target_parts, cutoff_parts = [], []
    bounds = np.flatnonzero(np.diff(windows.series)) + 1
    for rows in np.split(np.arange(len(windows)), bounds):
        if rows.size == 0:
            continue
        i = int(windows.series[rows[0]])
        cut = windows.cutoffs[rows]
        cutoff_parts.append(series_set.time_at(i, cut))
        if horizon:
            target_parts.append(series_set.time_at(i, (cut[:, None] + steps).reshape(-1)))
    targets = np.concatenate(target_parts) if target_parts else np.zeros(0, np.int64)
    return targets, np.concatenate(cutoff_parts)

"""The record of a backtest (`backtest.json`): errors overall, per cutoff and per series, beside
the naive and seasonal-naive forecasts of the same windows.

Every figure is in raw units over the windows of `backtest_forecasts`. MASE divides by each
series' in-sample (seasonal) naive error on its values before its earliest cutoff, so the scale
itself uses no value a forecast is scored on. A quantile model adds, overall, the coverage,
width and Winkler score of each interval and the scaled CRPS (`probabilistic_metrics`).
"""

import numpy as np

from keras_nhits.probabilistic.scores import probabilistic_metrics
from keras_nhits.training.metrics import (
    forecast_metrics,
    grouped_forecast_metrics,
    mase_scale,
)


def backtest_record(forecaster, series_set, result, n_windows, step_size):
    """The JSON-ready record of a `BacktestForecasts` (see the module docstring).

    Keys: `n_windows`, `step_size`, `horizon`, `input_size`, `n_series`, `windows`,
    `season_length`, `overall` (`{"model", "naive", "seasonal_naive"}`, each the metrics of
    `forecast_metrics`), `per_cutoff` (one entry per cutoff number, earliest first: its `cutoff`
    time, the latest among the series when theirs differ, and the same three), `per_series`
    (`{id: {...}}`) and, for a quantile model, `probabilistic`.
    """
    windows = result.windows
    season = max(result.season_length, 1)
    scale = _scale(series_set, windows, season)
    forecasts = {"model": result.point, **result.baselines}
    record = {
        "n_windows": int(n_windows),
        "step_size": int(step_size),
        "horizon": int(forecaster.horizon),
        "input_size": int(forecaster.input_size),
        "n_series": int(series_set.n_series),
        "windows": len(windows),
        "season_length": result.season_length,
        "overall": _scores(result.actual, forecasts, scale, slice(None)),
        "per_cutoff": [],
        "per_series": {},
    }
    # Windows come series by series, n_windows each, cutoffs in order (`cutoff_windows`):
    # `[n_series, n_windows, horizon]` grids, scored along one axis at a time.
    n_series, n = series_set.n_series, int(n_windows)
    actual = np.asarray(result.actual, np.float64).reshape(n_series, n, -1)
    grids = {k: np.asarray(f, np.float64).reshape(n_series, n, -1) for k, f in forecasts.items()}
    by_cutoff = {
        k: grouped_forecast_metrics(_rows(actual, 1), _rows(f, 1), scale) for k, f in grids.items()
    }
    latest = np.asarray(result.cutoff_times).reshape(n_series, n).max(axis=0)
    for rank in range(n):
        entry = {"cutoff": time_text(latest[rank]), "series": n_series}
        entry.update({k: scores[rank] for k, scores in by_cutoff.items()})
        record["per_cutoff"].append(entry)
    own = [_scale(series_set, windows, season, series=[i]) for i in range(n_series)]
    by_series = {
        k: grouped_forecast_metrics(_rows(actual, 0), _rows(f, 0), own) for k, f in grids.items()
    }
    for i in range(n_series):
        record["per_series"][str(series_set.ids[i])] = {
            k: scores[i] for k, scores in by_series.items()
        }
    if forecaster.quantiles:
        record["probabilistic"] = probabilistic_metrics(
            result.actual, result.forecasts, forecaster.quantiles, forecaster.levels or None
        )
    return record


def _rows(grid, axis):
    """`[groups, points]` of a `[n_series, n_windows, horizon]` grid, one group per index of
    `axis` (0: per series, 1: per cutoff)."""
    return np.moveaxis(grid, axis, 0).reshape(grid.shape[axis], -1)


def _scores(actual, forecasts, scale, rows):
    return {name: forecast_metrics(actual[rows], f[rows], scale) for name, f in forecasts.items()}


def _scale(series_set, windows, season, series=None):
    """MASE's denominator from each series' values before its earliest cutoff."""
    chosen = range(series_set.n_series) if series is None else series
    per_series = len(windows) // max(series_set.n_series, 1)
    segments = []
    for i in chosen:
        first = int(windows.cutoffs[i * per_series])  # the series' earliest cutoff
        segments.append(series_set.series_values(i)[: first + 1].astype(np.float64))
    return mase_scale(segments, season_length=season)


def time_text(value):
    """A timestamp as JSON text: ISO 8601 to the second (finer only when needed), or an integer
    step as a number."""
    if isinstance(value, np.datetime64):
        if value == value.astype("datetime64[s]"):
            return np.datetime_as_string(value, unit="s")
        return np.datetime_as_string(value)
    return int(value)

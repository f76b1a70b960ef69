"""The record of a backtest (`backtest.json`): errors overall, per cutoff and per series, beside
the naive and seasonal-naive forecasts of the same windows.

Every figure is in raw units over the windows of `backtest_forecasts`. MASE divides by each
series' in-sample (seasonal) naive error on its values before its earliest cutoff, so the scale
itself uses no value a forecast is scored on. A quantile model adds, overall, the coverage,
width and Winkler score of each interval and the scaled CRPS (`probabilistic_metrics`).
"""

import numpy as np

from keras_nhits.probabilistic.scores import probabilistic_metrics
from keras_nhits.training.metrics import forecast_metrics, mase_scale


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
    # Windows come series by series, n_windows each, cutoffs in order (`cutoff_windows`).
    grid = np.arange(len(windows)).reshape(series_set.n_series, int(n_windows))
    for rank in range(int(n_windows)):
        rows = grid[:, rank]
        entry = {"cutoff": time_text(result.cutoff_times[rows].max()), "series": int(rows.size)}
        entry.update(_scores(result.actual, forecasts, scale, rows))
        record["per_cutoff"].append(entry)
    for i in range(series_set.n_series):
        own = _scale(series_set, windows, season, series=[i])
        record["per_series"][str(series_set.ids[i])] = _scores(
            result.actual, forecasts, own, grid[i]
        )
    if forecaster.quantiles:
        record["probabilistic"] = probabilistic_metrics(
            result.actual, result.forecasts, forecaster.quantiles, forecaster.levels or None
        )
    return record


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

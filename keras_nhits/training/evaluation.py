"""Forecasts of a split's windows and their errors in raw units, next to the naive baselines:
pooled over every window (`evaluate_split`) and series by series (`evaluate_per_series`)."""

import dataclasses

import keras
import numpy as np

from keras_nhits.data import iter_windows, window_series
from keras_nhits.training.metrics import (
    forecast_metrics,
    mase_scale,
    naive_forecast,
    seasonal_naive_forecast,
)


@dataclasses.dataclass
class SplitForecasts:
    """The windows of a split and the model's forecasts of them, in raw units.

    Unpacks as `inputs, actual, forecasts` (`[n, L]`, `[n, H]`, `[n, H]`: the point forecast,
    a quantile model's median); `quantiles` is `[n, H, Q]` for a quantile model, else None.
    """

    inputs: np.ndarray
    actual: np.ndarray
    forecasts: np.ndarray
    quantiles: np.ndarray | None = None

    def __iter__(self):
        return iter((self.inputs, self.actual, self.forecasts))


def predict_windows(model, splits, raw_series, starts, batch_size=1024):
    """The `SplitForecasts` of the windows at `starts`, all in raw units.

    The model sees the windows of `splits.series` (scaled by the dataset-level scaler when one
    was fitted) and its forecasts are mapped back with that scaler; inputs and targets come from
    `raw_series`, the series as read, so the errors are in the user's units.
    """
    inputs, actual, forecasts = [], [], []
    scaled_batches = iter_windows(
        splits.series, starts, splits.input_size, splits.horizon, batch_size
    )
    raw_batches = iter_windows(raw_series, starts, splits.input_size, splits.horizon, batch_size)
    for begin, ((x_scaled, _), (x_raw, y_raw)) in zip(
        range(0, len(starts), batch_size), zip(scaled_batches, raw_batches)
    ):
        y_hat = keras.ops.convert_to_numpy(model.predict_on_batch(x_scaled))
        which = window_series(raw_series, starts[begin : begin + batch_size])
        forecasts.append(splits.scaler.inverse_transform(y_hat.astype(np.float64), which))
        # With covariates the window is the model's dict input: the target history is its own.
        inputs.append(x_raw["history"] if isinstance(x_raw, dict) else x_raw)
        actual.append(y_raw)
    quantiles = getattr(model, "quantiles", ())
    if not forecasts:
        empty = np.zeros((0, splits.horizon))
        bands = np.zeros((0, splits.horizon, len(quantiles))) if quantiles else None
        return SplitForecasts(np.zeros((0, splits.input_size)), empty, empty, bands)
    y_hat = np.concatenate(forecasts)
    if not quantiles:
        return SplitForecasts(np.concatenate(inputs), np.concatenate(actual), y_hat)
    median = y_hat[..., model.median_index]
    return SplitForecasts(np.concatenate(inputs), np.concatenate(actual), median, y_hat)


def training_scale(raw_series, splits, season_length, series=None):
    """MASE's denominator: in-sample (seasonal) naive error on the training part of every
    series, or of the series whose indices are given in `series`."""
    segments = []
    for i in range(raw_series.n_series) if series is None else series:
        n_train = int(splits.sizes[i, 0])
        segments.append(raw_series.series_values(i)[:n_train].astype(np.float64))
    return mase_scale(segments, season_length=max(season_length, 1))


def _baseline_forecasts(inputs, horizon, input_size, season_length):
    """`{name: [windows, horizon]}`: naive and, when the season fits the input, seasonal naive."""
    forecasts = {"naive": naive_forecast(inputs, horizon)}
    if 1 < season_length <= input_size and len(inputs):
        forecasts["seasonal_naive"] = seasonal_naive_forecast(inputs, horizon, season_length)
    return forecasts


def evaluate_split(model, splits, raw_series, starts, season_length):
    """Metrics of the model and of the naive baselines on the windows at `starts`.

    Returns `(model_metrics, baselines, SplitForecasts)`; `baselines` holds
    `naive` (last value repeated) and, when `season_length` is known and fits in the input,
    `seasonal_naive`.
    """
    windows = predict_windows(model, splits, raw_series, starts)
    inputs, actual, forecasts = windows
    scale = training_scale(raw_series, splits, season_length)
    references = _baseline_forecasts(inputs, splits.horizon, splits.input_size, season_length)
    baselines = {name: forecast_metrics(actual, f, scale) for name, f in references.items()}
    return forecast_metrics(actual, forecasts, scale), baselines, windows


def evaluate_per_series(splits, raw_series, starts, windows, season_length):
    """The metrics of `evaluate_split`, series by series, from the windows it returned.

    Args:
        windows: `(inputs, actual, forecasts)` of the windows at `starts`, as `evaluate_split`
            returns them.

    Returns `(per_series, baselines_per_series)`, each keyed by series id, for the series with
    at least one window: `{id: {mae, mse, ...}}` and `{id: {"naive": {...}, ...}}`. MASE uses the
    series' own training part as its scale.
    """
    inputs, actual, forecasts = windows
    which = window_series(raw_series, starts)
    # Group the windows by series once (a stable sort), not one mask per series.
    order = np.argsort(which, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(which[order])) + 1)
    per_series, baselines = {}, {}
    for rows in groups:
        if rows.size == 0:
            continue
        i = int(which[rows[0]])
        scale = training_scale(raw_series, splits, season_length, series=[i])
        name = raw_series.ids[i]
        per_series[name] = forecast_metrics(actual[rows], forecasts[rows], scale)
        references = _baseline_forecasts(
            inputs[rows], splits.horizon, splits.input_size, season_length
        )
        baselines[name] = {
            key: forecast_metrics(actual[rows], f, scale) for key, f in references.items()
        }
    return per_series, baselines

"""Forecasts of a split's windows and their errors in raw units, next to the naive baselines,
pooled over every window and series by series (`evaluate_test`, batch by batch: a large panel's
test split does not fit in memory), and the windows of a small split at once
(`predict_windows`)."""

import dataclasses

import keras
import numpy as np

from keras_nhits.data import iter_windows, window_series
from keras_nhits.training.error_sums import ErrorSums
from keras_nhits.training.metrics import (
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


def forecast_batches(model, splits, raw_series, starts, batch_size=1024):
    """Yields `(begin, series, SplitForecasts)` of the windows at `starts`, `batch_size` at a
    time and in order, all in raw units: `begin` is the batch's first position in `starts` and
    `series` each window's series index.

    The model sees the windows of `splits.series` (scaled by the dataset-level scaler when one
    was fitted) and its forecasts are mapped back with that scaler; inputs and targets come from
    `raw_series`, the series as read, so the errors are in the user's units.
    """
    quantiles = getattr(model, "quantiles", ())
    scaled_batches = iter_windows(
        splits.series, starts, splits.input_size, splits.horizon, batch_size
    )
    raw_batches = iter_windows(raw_series, starts, splits.input_size, splits.horizon, batch_size)
    for begin, ((x_scaled, _), (x_raw, y_raw)) in zip(
        range(0, len(starts), batch_size), zip(scaled_batches, raw_batches)
    ):
        y_hat = keras.ops.convert_to_numpy(model.predict_on_batch(x_scaled))
        which = window_series(raw_series, starts[begin : begin + batch_size])
        y_hat = splits.scaler.inverse_transform(y_hat.astype(np.float64), which)
        # With covariates the window is the model's dict input: the target history is its own.
        inputs = x_raw["history"] if isinstance(x_raw, dict) else x_raw
        if quantiles:
            median = y_hat[..., model.median_index]
            yield begin, which, SplitForecasts(inputs, y_raw, median, y_hat)
        else:
            yield begin, which, SplitForecasts(inputs, y_raw, y_hat)


def _concatenate(parts, input_size, horizon, n_quantiles):
    """One `SplitForecasts` of the batches `parts` (empty arrays when there is none)."""
    if not parts:
        empty = np.zeros((0, horizon))
        bands = np.zeros((0, horizon, n_quantiles)) if n_quantiles else None
        return SplitForecasts(np.zeros((0, input_size)), empty, empty, bands)
    fields = [np.concatenate([getattr(p, f) for p in parts]) for f in ("inputs", "actual")]
    forecasts = np.concatenate([p.forecasts for p in parts])
    bands = np.concatenate([p.quantiles for p in parts]) if n_quantiles else None
    return SplitForecasts(*fields, forecasts, bands)


def predict_windows(model, splits, raw_series, starts, batch_size=1024):
    """The `SplitForecasts` of the windows at `starts`, all in raw units and held at once: for
    a few windows (a check, a picture); the trainer's test metrics and conformal calibration go
    batch by batch instead (`evaluate_test`, `forecast_batches`)."""
    batches = forecast_batches(model, splits, raw_series, starts, batch_size)
    parts = [part for _, _, part in batches]
    n_quantiles = len(getattr(model, "quantiles", ()))
    return _concatenate(parts, splits.input_size, splits.horizon, n_quantiles)


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


@dataclasses.dataclass
class TestScores:
    """What `evaluate_test` measured on a split's windows.

    `test` and `baselines` (`{"naive": ..., "seasonal_naive": ...}`) are pooled over every
    window; `test_per_series` and `baselines_per_series` are keyed by series id, for the series
    with at least one window; `probabilistic` is a quantile model's section (else None); `kept`
    holds the windows asked for with `keep` (the panels of forecast.png), at `kept_starts`.
    """

    test: dict
    baselines: dict
    test_per_series: dict
    baselines_per_series: dict
    probabilistic: dict | None
    kept: SplitForecasts
    kept_starts: np.ndarray


def evaluate_test(model, splits, raw_series, starts, season_length, keep=(), intervals=None):
    """Forecasts the windows at `starts` batch by batch and scores them as they come: the
    model's and the naive baselines' metrics, pooled and per series, and with `intervals` (an
    `IntervalScores` of the model's quantiles) the probabilistic scores.

    No window is held beyond its batch, so memory does not grow with the split; the numbers
    equal `forecast_metrics` over all windows at once to float64 rounding. `keep` lists the
    positions (in `starts`) of the windows to return whole (`TestScores.kept`). MASE scales by
    the in-sample (seasonal) naive error of the training parts, pooled for the pooled metrics
    and the series' own for its row.
    """
    keep = np.unique(np.asarray(keep, dtype=np.int64))
    model_sums = ErrorSums(raw_series.n_series)
    baseline_sums = {}
    kept = []
    for begin, which, batch in forecast_batches(model, splits, raw_series, starts):
        model_sums.add(batch.actual, batch.forecasts, which)
        references = _baseline_forecasts(
            batch.inputs, splits.horizon, splits.input_size, season_length
        )
        for name, forecast in references.items():
            sums = baseline_sums.setdefault(name, ErrorSums(raw_series.n_series))
            sums.add(batch.actual, forecast, which)
        if intervals is not None:
            intervals.add(batch)
        rows = keep[(keep >= begin) & (keep < begin + len(which))] - begin
        if rows.size:
            kept.append(_rows(batch, rows))
    n_quantiles = len(getattr(model, "quantiles", ()))
    scale = training_scale(raw_series, splits, season_length)
    tested = np.flatnonzero(model_sums.points > 0)
    scales = np.full(raw_series.n_series, np.nan)
    for i in tested:
        scales[i] = training_scale(raw_series, splits, season_length, series=[int(i)])
    per_series = model_sums.per_series(scales)
    baselines_per_series = {name: sums.per_series(scales) for name, sums in baseline_sums.items()}
    return TestScores(
        test=model_sums.pooled(scale),
        baselines={name: sums.pooled(scale) for name, sums in baseline_sums.items()},
        test_per_series={raw_series.ids[i]: per_series[i] for i in tested},
        baselines_per_series={
            raw_series.ids[i]: {name: rows[i] for name, rows in baselines_per_series.items()}
            for i in tested
        },
        probabilistic=None if intervals is None else intervals.record(),
        kept=_concatenate(kept, splits.input_size, splits.horizon, n_quantiles),
        kept_starts=np.asarray(starts)[keep],
    )


def _rows(batch, rows):
    """The `SplitForecasts` of `rows` of one batch, copied out of it."""
    bands = None if batch.quantiles is None else batch.quantiles[rows].copy()
    return SplitForecasts(
        batch.inputs[rows].copy(), batch.actual[rows].copy(), batch.forecasts[rows].copy(), bands
    )

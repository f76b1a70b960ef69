"""The test scores of a quantile model's forecasts, beside a seasonal-naive interval baseline.

What `metrics.json` holds under `probabilistic` for a model trained with `--quantiles` or
`--level`: pinball loss per quantile, scaled CRPS, and for each interval level its empirical
coverage, mean width and Winkler score on the test windows (`keras_nhits.probabilistic.scores`).

The baseline answers "do the model's intervals earn their keep": the seasonal-naive forecast
(naive when the season does not fit the input window) with, at each horizon step, the empirical
quantiles of its own errors on the validation windows added. It is calibrated on validation as
the model's early stopping is, never on the test windows it is scored on.
"""

import numpy as np

from keras_nhits.data import iter_windows
from keras_nhits.probabilistic.scores import (
    baseline_quantiles,
    error_quantiles,
    interval_levels,
    probabilistic_metrics,
)
from keras_nhits.training.metrics import naive_forecast, seasonal_naive_forecast


def interval_record(model, splits, raw_series, windows, season_length, levels=()):
    """The `probabilistic` section of `metrics.json` for a quantile model.

    Args:
        model: the trained `NHITS` (its `quantiles`).
        splits, raw_series: what the trainer evaluated (`prepare_splits`, `load_series`).
        windows: the `SplitForecasts` of the test windows (with `quantiles`).
        season_length: the seasonal-naive baseline's season (the trainer's).
        levels: the interval levels of `--level`; default those the quantiles make.

    Returns `{"quantiles", "levels", "test", "baselines": {"seasonal_naive": ...}}`; the
    baseline is left out when there is no validation window to calibrate it on.
    """
    quantiles = tuple(model.quantiles)
    levels = tuple(levels) or interval_levels(quantiles)
    record = {
        "quantiles": list(quantiles),
        "levels": list(levels),
        "test": probabilistic_metrics(windows.actual, windows.quantiles, quantiles, levels),
        "baselines": {},
    }
    if len(splits.val) and len(windows.actual):
        offsets = _validation_error_quantiles(splits, raw_series, season_length, quantiles)
        point = _seasonal_naive(windows.inputs, splits, season_length)
        bands = baseline_quantiles(point, offsets)
        record["baselines"]["seasonal_naive"] = probabilistic_metrics(
            windows.actual, bands, quantiles, levels
        )
    return record


def _seasonal_naive(inputs, splits, season_length):
    """The seasonal-naive forecasts of `inputs` (naive when the season does not fit)."""
    if 1 < season_length <= splits.input_size:
        return seasonal_naive_forecast(inputs, splits.horizon, season_length)
    return naive_forecast(inputs, splits.horizon)


def _validation_error_quantiles(splits, raw_series, season_length, quantiles):
    """`[H, Q]`: per horizon step, the quantiles of the baseline's errors on validation."""
    errors = []
    for x, y in iter_windows(raw_series, splits.val, splits.input_size, splits.horizon):
        history = x["history"] if isinstance(x, dict) else x
        errors.append(y - _seasonal_naive(history, splits, season_length))
    return error_quantiles(np.concatenate(errors).astype(np.float64), quantiles)

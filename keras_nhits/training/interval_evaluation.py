"""The test scores of a quantile model's forecasts, beside a seasonal-naive interval baseline.

What `metrics.json` holds under `probabilistic` for a model trained with `--quantiles` or
`--level`: pinball loss per quantile, scaled CRPS, and for each interval level its empirical
coverage, mean width and Winkler score on the test windows (`keras_nhits.probabilistic.scores`).

The baseline answers "do the model's intervals earn their keep": the seasonal-naive forecast
(naive when the season does not fit the input window) with, at each horizon step, the empirical
quantiles of its own errors on the validation windows added. It is calibrated on validation as
the model's early stopping is, never on the test windows it is scored on.

`IntervalScores` takes the test windows batch by batch (`evaluation.evaluate_test`) and keeps
only the sums the scores are means of, so the test split is never held at once.
"""

import numpy as np

from keras_nhits.data import iter_windows
from keras_nhits.probabilistic.scores import (
    add_sums,
    baseline_quantiles,
    error_quantiles,
    interval_levels,
    metrics_from_sums,
    score_sums,
)
from keras_nhits.training.metrics import naive_forecast, seasonal_naive_forecast


class IntervalScores:
    """The `probabilistic` section of `metrics.json` for a quantile model, batch by batch.

    Args:
        model: the trained `NHITS` (its `quantiles`).
        splits, raw_series: what the trainer evaluates (`prepare_splits`, `load_series`).
        season_length: the seasonal-naive baseline's season (the trainer's).
        levels: the interval levels of `--level`; default those the quantiles make.

    The baseline's error quantiles come from the validation windows when this is made; without
    a validation window there is no baseline.
    """

    def __init__(self, model, splits, raw_series, season_length, levels=()):
        self.quantiles = tuple(model.quantiles)
        self.levels = tuple(levels) or interval_levels(self.quantiles)
        self._splits = splits
        self._season = season_length
        self._offsets = None
        if len(splits.val):
            self._offsets = _validation_error_quantiles(
                splits, raw_series, season_length, self.quantiles
            )
        self._model = self._baseline = None

    def add(self, windows):
        """Adds a batch of test windows' `SplitForecasts` (with `quantiles`)."""
        sums = score_sums(windows.actual, windows.quantiles, self.quantiles, self.levels)
        self._model = add_sums(self._model, sums)
        if self._offsets is not None and len(windows.actual):
            point = _seasonal_naive(windows.inputs, self._splits, self._season)
            bands = baseline_quantiles(point, self._offsets)
            sums = score_sums(windows.actual, bands, self.quantiles, self.levels)
            self._baseline = add_sums(self._baseline, sums)

    def record(self):
        """`{"quantiles", "levels", "test", "baselines": {"seasonal_naive": ...}}` of the
        windows added; the baseline is left out without validation or test windows."""
        empty = np.zeros((0, self._splits.horizon))
        model = self._model or score_sums(
            empty, np.zeros((*empty.shape, len(self.quantiles))), self.quantiles, self.levels
        )
        record = {
            "quantiles": list(self.quantiles),
            "levels": list(self.levels),
            "test": metrics_from_sums(model, self.quantiles),
            "baselines": {},
        }
        if self._baseline is not None:
            record["baselines"]["seasonal_naive"] = metrics_from_sums(
                self._baseline, self.quantiles
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

"""Running sums of point-forecast errors, series by series, from which every metric of
`forecast_metrics` follows, pooled over all series or for each one.

A test split of a large panel holds more windows than memory does (100,000 series of a few
hundred test steps are tens of millions of windows), so evaluation adds batches of windows to
these sums and keeps no window. Every metric is a ratio of sums: MAE, MSE, sMAPE over the points,
MAPE over the non-zero targets, MASE the MAE over a scale from the training data, and R² with its
total sum of squares kept as a count, a mean and a sum of squared deviations per series, merged
batch by batch and series into series as in Chan, Golub & LeVeque, "Algorithms for computing the
sample variance" (1983), so it is not the cancellation-prone Σy² - (Σy)²/n.
"""

import numpy as np

from keras_nhits.training.metrics import METRIC_NAMES, metrics_of_totals, row_error_totals

# The sums kept per series, each a float64 array of one value per series.
_FIELDS = ("points", "absolute", "squared", "ape", "nonzero", "sape", "mean", "m2")


class ErrorSums:
    """The sums of the errors of the windows added so far, one entry per series.

    Args:
        n_series: the number of series the windows' series indices (`add`) run over.
    """

    def __init__(self, n_series):
        self._sums = {name: np.zeros(n_series) for name in _FIELDS}

    def add(self, y_true, y_pred, series):
        """Adds windows: `y_true`, `y_pred` `[n, H]` in raw units and `series` `[n]`, the index
        of each window's series (any order)."""
        y_true = np.asarray(y_true, dtype=np.float64)
        y_pred = np.asarray(y_pred, dtype=np.float64)
        if y_true.shape[0] == 0:
            return
        # Sums over the few series of the batch, then added to theirs.
        present, local = np.unique(np.asarray(series), return_inverse=True)
        groups = present.size

        def total(per_row):
            return np.bincount(local, weights=per_row, minlength=groups)

        points = np.bincount(local, minlength=groups) * float(y_true.shape[1])
        mean = total(y_true.sum(axis=1)) / points
        batch = {name: total(rows) for name, rows in row_error_totals(y_true, y_pred).items()}
        batch["points"] = points
        batch["mean"] = mean
        batch["m2"] = total(np.square(y_true - mean[local][:, None]).sum(axis=1))
        before = {name: values[present] for name, values in self._sums.items()}
        merged = _merge(before, batch)
        for name in _FIELDS:
            self._sums[name][present] = merged[name]

    def per_series(self, scales):
        """`[n_series]` metric dicts (`forecast_metrics`' keys); `scales` are the series' MASE
        denominators (`[n_series]`, nan where unknown). A series without a window gets None
        everywhere."""
        return _metric_dicts(self._sums, np.asarray(scales, dtype=np.float64))

    def pooled(self, scale):
        """The metrics over every window added, as `forecast_metrics` of them all with the
        MASE denominator `scale`."""
        sums = self._sums
        points = sums["points"].sum()
        pooled = {name: np.array([sums[name].sum()]) for name in _FIELDS}
        mean = (sums["points"] * sums["mean"]).sum() / points if points else 0.0
        pooled["mean"] = np.array([mean])
        spread = sums["points"] * np.square(sums["mean"] - mean)
        pooled["m2"] = np.array([sums["m2"].sum() + spread.sum()])
        return _metric_dicts(pooled, np.array([scale], dtype=np.float64))[0]

    @property
    def points(self):
        """`[n_series]`: the points (windows x horizon) added for each series."""
        return self._sums["points"].copy()


def _merge(a, b):
    """The sums of two disjoint sets of points of the same series (Chan et al.'s update)."""
    points = a["points"] + b["points"]
    merged = {name: a[name] + b[name] for name in _FIELDS if name not in ("mean", "m2")}
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(points > 0, b["points"] / np.where(points > 0, points, 1.0), 0.0)
    delta = b["mean"] - a["mean"]
    merged["mean"] = a["mean"] + delta * share
    merged["m2"] = a["m2"] + b["m2"] + np.square(delta) * a["points"] * share
    return merged


def _metric_dicts(sums, scales):
    totals = {name: sums[name] for name in _FIELDS if name not in ("mean", "m2")}
    values = metrics_of_totals(**totals, sst=sums["m2"], scales=scales)
    return [{name: values[name][g] for name in METRIC_NAMES} for g in range(len(scales))]

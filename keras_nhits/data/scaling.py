"""`SeriesScaler`: dataset-level scaling of each series, fitted on its training part only.

Fitting on the training segment keeps validation and test statistics out of training (no
leakage). A constant training segment gets scale 1, never a division by zero. The statistics
are kept to invert forecasts and serialise to a JSON-ready dict saved with the run.
"""

import numpy as np

from keras_nhits.data.aligned import aligned_empty
from keras_nhits.data.report import name_list
from keras_nhits.errors import NHITSInputError, check_choice
from keras_nhits.options import SERIES_SCALERS


class SeriesScaler:
    """Per-series affine scaling `(x - shift) / scale`.

    Methods: `"none"` (shift 0, scale 1), `"standard"` (mean, standard deviation), `"robust"`
    (median, interquartile range), `"minmax"` (minimum, maximum - minimum).

    Args:
        method: one of none, standard, robust, minmax.
        shift: float64 `[n_series]`.
        scale: float64 `[n_series]`, all > 0.
        ids: the series' names, kept so a saved scaler can be checked against the data.

    Example:
        >>> scaler = SeriesScaler("standard", shift=[10.0], scale=[2.0], ids=["a"])
        >>> scaler.inverse_transform(np.array([[0.0, 1.0]]), [0]).tolist()
        [[10.0, 12.0]]
    """

    def __init__(self, method, shift, scale, ids=()):
        check_choice("series_scaler", method, SERIES_SCALERS)
        self.method = method
        self.shift = np.asarray(shift, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.ids = [str(i) for i in ids]
        if self.shift.shape != self.scale.shape or not np.all(self.scale > 0):
            raise NHITSInputError("series scaler statistics are malformed (shift/scale mismatch)")

    @classmethod
    def fit(cls, series, train_lengths, method, report=None):
        """Fits on the first `train_lengths[i]` steps of each series of a `SeriesSet`.

        `report`, a `data.report.Report` (or None), is told of the series kept at scale 1.
        """
        n = series.n_series
        shift, scale = np.zeros(n), np.ones(n)
        constant = []
        if method != "none":
            for i, n_train in enumerate(np.asarray(train_lengths)):
                segment = series.series_values(i)[: max(int(n_train), 0)].astype(np.float64)
                if segment.size == 0:
                    continue
                shift[i], spread = _statistics(segment, method)
                if spread > 0 and np.isfinite(spread):
                    scale[i] = spread
                else:
                    constant.append(series.ids[i])
        if constant and report is not None:
            report.add(
                f"series_scaler={method}: {len(constant)} series have constant training values "
                f"and keep scale 1: {name_list(constant)}"
            )
        return cls(method, shift, scale, series.ids)

    def keeping(self, other, report=None):
        """This scaler with `other`'s statistics for the series both know (matched by id).

        `other` must use the same method; `report` gets a line saying how many were kept.
        """
        if other.method != self.method:
            raise NHITSInputError(
                f"series_scaler={self.method} cannot keep statistics fitted with "
                f"series_scaler={other.method}"
            )
        if self.method == "none":
            return self
        known = {series_id: i for i, series_id in enumerate(other.ids)}
        shift, scale = self.shift.copy(), self.scale.copy()
        kept = 0
        for i, series_id in enumerate(self.ids):
            if series_id in known:
                shift[i], scale[i] = other.shift[known[series_id]], other.scale[known[series_id]]
                kept += 1
        if report is not None:
            report.add(
                f"series_scaler={self.method}: {kept} of {len(self.ids)} series keep the "
                "statistics of the run continued, the others are fitted on their training part"
            )
        return SeriesScaler(self.method, shift, scale, self.ids)

    def _broadcast(self, stats, values, series_index):
        picked = stats[np.asarray(series_index)]
        return picked.reshape(picked.shape + (1,) * (np.ndim(values) - picked.ndim))

    def transform(self, values, series_index):
        """Scales `values` of the series `series_index` (an int, or one index per row)."""
        shift = self._broadcast(self.shift, values, series_index)
        scale = self._broadcast(self.scale, values, series_index)
        return ((np.asarray(values) - shift) / scale).astype(np.asarray(values).dtype)

    def inverse_transform(self, values, series_index):
        """Back to raw units: `values * scale + shift` (e.g. forecasts `[B, horizon]`)."""
        shift = self._broadcast(self.shift, values, series_index)
        scale = self._broadcast(self.scale, values, series_index)
        return (np.asarray(values) * scale + shift).astype(np.asarray(values).dtype)

    def apply(self, series):
        """A new `SeriesSet` with every series scaled (the input is left unchanged)."""
        if self.method == "none":
            return series
        values = aligned_empty(series.values.shape, np.float32)
        for i in range(series.n_series):
            begin, end = series.offsets[i], series.offsets[i + 1]
            scaled = (series.values[begin:end] - self.shift[i]) / self.scale[i]
            if not np.all(np.isfinite(scaled)):
                raise NHITSInputError(
                    f"series {series.ids[i]!r} overflows float32 after series_scaler="
                    f"{self.method}; use series_scaler=standard or none"
                )
            values[begin:end] = scaled
        return series.with_values(
            values, note=f"series_scaler={self.method}: scaled each series by its training part"
        )

    def to_dict(self):
        """JSON-ready statistics (saved with the run, read back by `from_dict`)."""
        return {
            "method": self.method,
            "ids": list(self.ids),
            "shift": self.shift.tolist(),
            "scale": self.scale.tolist(),
        }

    @classmethod
    def from_dict(cls, config):
        try:
            return cls(config["method"], config["shift"], config["scale"], config.get("ids", ()))
        except (KeyError, TypeError) as error:
            raise NHITSInputError(f"series scaler record is malformed: missing {error}") from None


def _statistics(segment, method):
    if method == "standard":
        return segment.mean(), segment.std()
    if method == "robust":
        q25, median, q75 = np.percentile(segment, [25, 50, 75])
        return median, q75 - q25
    low, high = segment.min(), segment.max()
    return low, high - low

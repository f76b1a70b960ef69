"""Conformal intervals inside the model: a forecast and the offsets calibrated on validation ->
the quantiles of central intervals, in raw units, so predict and the SavedModel apply them."""

import keras
from keras import ops

from keras_nhits.errors import NHITSInputError, check_int
from keras_nhits.probabilistic.levels import level_bounds, level_quantiles, parse_levels
from keras_nhits.probabilistic.levels import median_index as median_position


@keras.saving.register_keras_serializable(package="keras_nhits")
class ConformalIntervals(keras.layers.Layer):
    """Split-conformal intervals per horizon step from offsets stored as weights.

    For window scale `s` (the input window's standard deviation, floored at `1e-6 * (1 +
    mean |x|)`, as `keras_nhits.probabilistic.conformal.window_scale` computes it) and the
    offset `o[h, k]` of horizon step `h` and level `k` (calibrated on validation windows by
    `conformal_offsets` and set with `set_offsets`):

    - a point forecast `y` `(batch, H)` becomes the quantiles `y -/+ s * o` of each level and
      `y` as the median: `(batch, H, 2K + 1)` in the order of `level_quantiles(levels)`;
    - a quantile forecast `(batch, H, Q)` (conformalized quantile regression) has each level's
      two bounds moved outward by `s * o` (inward for a negative offset, where the head
      over-covered on validation); the other quantiles pass through.

    Then each bound is kept outside the one nearer the median (a running min below it, a
    running max above), so intervals nest and quantiles never cross, whatever the offsets.
    Before calibration the offsets are 0 (a point forecast's intervals have width 0).

    Args:
        levels: the interval levels in percent, e.g. `(80, 90)`.
        horizon: int, forecast length H.
        quantiles: the head's quantile levels for a quantile forecast (each level's bounds
            among them), `()` for a point forecast.

    Call: `layer(history, forecast)` with the raw input window `(batch, L)`.

    Reference: Lei et al., "Distribution-free predictive inference for regression", JASA 2018;
    Romano, Patterson & Candès, "Conformalized Quantile Regression", NeurIPS 2019.
    """

    def __init__(self, levels, horizon, quantiles=(), **kwargs):
        super().__init__(**kwargs)
        self.levels = parse_levels(levels, "conformal levels")
        if not self.levels:
            raise NHITSInputError("ConformalIntervals needs at least one level, e.g. (80, 90)")
        self.horizon = check_int("horizon", horizon, 1)
        self.quantiles = tuple(float(q) for q in quantiles)
        self.output_quantiles = self.quantiles or level_quantiles(self.levels)
        position = {q: i for i, q in enumerate(self.output_quantiles)}
        missing = [b for lv in self.levels for b in level_bounds(lv) if b not in position]
        if missing:
            raise NHITSInputError(
                f"conformal levels {list(self.levels)} need the quantiles {missing}, which the "
                f"model does not forecast ({list(self.quantiles)})"
            )
        self._bounds = [tuple(position[b] for b in level_bounds(lv)) for lv in self.levels]
        self._median = median_position(self.output_quantiles)

    def build(self, history_shape, forecast_shape=None):
        self.offsets = self.add_weight(
            shape=(self.horizon, len(self.levels)),
            initializer="zeros",
            trainable=False,
            dtype="float32",
            name="offsets",
        )

    def set_offsets(self, offsets):
        """Stores the calibrated `[H, K]` offsets (finite numbers, one column per level)."""
        import numpy as np

        offsets = np.asarray(offsets, dtype=np.float64)
        expected = (self.horizon, len(self.levels))
        if offsets.shape != expected:
            raise NHITSInputError(
                f"conformal offsets must have shape (horizon, levels) = {expected}; received "
                f"{offsets.shape}"
            )
        if not np.isfinite(offsets).all():
            raise NHITSInputError(
                "conformal offsets must be finite: too few calibration windows for a level "
                "give an unbounded interval; use a larger validation split"
            )
        self.offsets.assign(offsets.astype("float32"))

    def call(self, history, forecast):
        history = ops.cast(history, "float32")
        floor = 1e-6 * (1.0 + ops.mean(ops.abs(history), axis=1, keepdims=True))
        scale = ops.maximum(ops.std(history, axis=1, keepdims=True), floor)  # [B, 1]
        half = scale[:, :, None] * self.offsets[None]  # [B, 1, 1] * [1, H, K] -> [B, H, K]
        if self.quantiles:
            channels = [forecast[..., j] for j in range(len(self.quantiles))]
        else:
            channels = [forecast] * len(self.output_quantiles)
        for k, (low, high) in enumerate(self._bounds):
            channels[low] = channels[low] - half[..., k]
            channels[high] = channels[high] + half[..., k]
        m = self._median
        for j in range(m - 1, -1, -1):  # nest the intervals: outward from the median
            channels[j] = ops.minimum(channels[j], channels[j + 1])
        for j in range(m + 1, len(channels)):
            channels[j] = ops.maximum(channels[j], channels[j - 1])
        return ops.stack(channels, axis=-1)  # [B, H, Q]

    def compute_output_shape(self, history_shape, forecast_shape=None):
        return (history_shape[0], self.horizon, len(self.output_quantiles))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "levels": list(self.levels),
                "horizon": self.horizon,
                "quantiles": list(self.quantiles),
            }
        )
        return config

"""The losses of probabilistic models: the multi-quantile pinball loss of a quantile head, and
a point loss of the median channel for a point model with conformal intervals."""

import keras
from keras import ops

from keras_nhits.errors import NHITSInputError, check_int
from keras_nhits.probabilistic.levels import parse_quantiles


@keras.saving.register_keras_serializable(package="keras_nhits")
class PinballLoss(keras.losses.Loss):
    """Mean pinball (quantile) loss over the quantiles, the horizon and the batch.

    For quantile level `tau` and error `e = y - q`, the loss is `max(tau * e, (tau - 1) * e)`:
    minimised in expectation by the `tau` quantile of `y` (Koenker & Bassett 1978), so one head
    trained on the mean over its quantiles learns all of them at once. At `tau = 0.5` it is half
    the absolute error: the median channel learns what an MAE model learns.

    Args:
        quantiles: the quantile levels, in the order of the prediction's last axis (as
            `NHITS(quantiles=...)` holds them; the median is added when missing).

    Shapes: `y_true` `(batch, H)`, `y_pred` `(batch, H, Q)`; the loss is computed in float32.

    Example:
        >>> loss = PinballLoss((0.1, 0.5, 0.9))
        >>> float(loss(np.zeros((1, 2)), np.ones((1, 2, 3))))  # errors -1: 0.9, 0.5, 0.1
        0.5
    """

    def __init__(self, quantiles, name="pinball", reduction="sum_over_batch_size", **kwargs):
        super().__init__(name=name, reduction=reduction, **kwargs)
        self.quantiles = parse_quantiles(quantiles, "quantiles")

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        errors = ops.cast(y_true, "float32")[..., None] - y_pred  # [B, H, 1] - [B, H, Q]
        tau = ops.convert_to_tensor(self.quantiles, "float32")  # [Q]
        losses = ops.maximum(tau * errors, (tau - 1.0) * errors)
        return ops.mean(losses, axis=(-2, -1))  # [B]

    def get_config(self):
        config = super().get_config()
        config.update({"quantiles": list(self.quantiles)})
        return config


@keras.saving.register_keras_serializable(package="keras_nhits")
class MedianChannelLoss(keras.losses.Loss):
    """A point loss (`mae`, `mse`, `huber`) of the median channel of a `(batch, H, Q)` output.

    What a point model with conformal intervals trains with: its output holds the intervals'
    bounds beside the point forecast (the median channel), and only the point forecast is
    trained; the intervals are calibrated after training.

    Args:
        loss: `"mae"`, `"mse"` or `"huber"`.
        median_index: the median's position on the last axis.
    """

    def __init__(self, loss, median_index, name=None, reduction="sum_over_batch_size", **kw):
        super().__init__(name=name or f"{loss}_of_median", reduction=reduction, **kw)
        if loss not in _POINT_LOSSES:
            raise NHITSInputError(
                f"loss must be one of {', '.join(_POINT_LOSSES)}; received {loss!r}"
            )
        self.loss = loss
        self.median_index = check_int("median_index", median_index, 0)
        self._point = _POINT_LOSSES[loss]

    def call(self, y_true, y_pred):
        median = ops.cast(y_pred[..., self.median_index], "float32")  # [B, H, Q] -> [B, H]
        return self._point(ops.cast(y_true, "float32"), median)

    def get_config(self):
        config = super().get_config()
        config.update({"loss": self.loss, "median_index": self.median_index})
        return config


_POINT_LOSSES = {
    "mae": keras.losses.mean_absolute_error,
    "mse": keras.losses.mean_squared_error,
    "huber": keras.losses.huber,
}


@keras.saving.register_keras_serializable(package="keras_nhits")
class DistributionLoss(keras.losses.Loss):
    """Negative log-likelihood of a parametric head, read from the quantiles it outputs.

    `DistributionQuantiles` outputs `loc + scale * z(tau)`: the median is `loc`, and `scale` is
    the quantile farthest from the median minus `loc`, over its `z`. For `e = (y - loc) / scale`
    the loss is `log scale - log density(e)`: `log scale + e^2 / 2` (normal, constant dropped
    but kept here so the value is the true NLL), `log scale + (df + 1) / 2 log(1 + e^2 / df)`
    (Student's t). Raw units shift it by the log of the window's scale, a constant: the
    gradients are those of the scaled problem.

    Args:
        distribution: `"normal"` or `"studentt"`.
        quantiles: the head's quantile levels (the median among them).
    """

    def __init__(self, distribution, quantiles, name=None, reduction="sum_over_batch_size", **kw):
        from keras_nhits.probabilistic.distributions import (
            STUDENTT_DF,
            log_density_constant,
            standard_quantiles,
        )
        from keras_nhits.probabilistic.levels import median_index

        super().__init__(name=name or f"{distribution}_nll", reduction=reduction, **kw)
        self.distribution = distribution
        self.quantiles = parse_quantiles(quantiles, "quantiles")
        z = standard_quantiles(distribution, self.quantiles, STUDENTT_DF)
        self._far = max(range(len(z)), key=lambda i: abs(z[i]))
        self._z_far = z[self._far]
        if self._z_far == 0:
            raise NHITSInputError(
                "a distribution loss needs a quantile other than the median to read the scale"
            )
        self._median = median_index(self.quantiles)
        self._constant = log_density_constant(distribution, STUDENTT_DF)
        self._df = STUDENTT_DF

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        loc = y_pred[..., self._median]
        scale = (y_pred[..., self._far] - loc) / self._z_far
        scale = ops.maximum(scale, 1e-12)
        e = (ops.cast(y_true, "float32") - loc) / scale
        if self.distribution == "normal":
            log_density = self._constant - 0.5 * ops.square(e)
        else:
            log_density = self._constant - 0.5 * (self._df + 1.0) * ops.log1p(
                ops.square(e) / self._df
            )
        return ops.mean(ops.log(scale) - log_density, axis=-1)  # [B]

    def get_config(self):
        config = super().get_config()
        config.update({"distribution": self.distribution, "quantiles": list(self.quantiles)})
        return config

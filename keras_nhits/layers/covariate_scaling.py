"""Covariate scaling inside the model: fixed per-channel statistics, saved with the weights."""

import keras
import numpy as np
from keras import ops

from keras_nhits.errors import NHITSInputError, check_int
from keras_nhits.options import MAX_UNITS


@keras.saving.register_keras_serializable(package="keras_nhits")
class CovariateScaler(keras.layers.Layer):
    """Standardises covariate channels by statistics of the training split: `(x - mean) / std`.

    The target is scaled per window (`WindowScaler`), but a covariate such as a temperature or a
    price index carries its information in its level, which per-window scaling would remove; so
    each channel is scaled by one fixed mean and standard deviation computed on the training
    split. They are held as non-trainable weights, so they travel with the model in safetensors,
    `.keras` and SavedModel files and the model takes covariates in raw units. Until
    `set_statistics` is called they are the identity (mean 0, std 1). Computed in float32 even
    under a mixed-precision policy, like the target's scaling.

    Args:
        channels: int, number of covariate channels C (the last axis), `>= 1`.

    Input shape: `(..., C)`, e.g. `(batch, steps, C)` or `(batch, C)`. Output: the same shape,
    float32.

    Example:
        >>> layer = CovariateScaler(2)
        >>> layer.set_statistics(mean=[10.0, 0.0], std=[2.0, 0.0])  # a zero std becomes 1
        >>> [float(v) for v in layer(np.array([[12.0, 3.0]], "float32"))[0]]
        [1.0, 3.0]
    """

    def __init__(self, channels, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.channels = check_int("channels", channels, 1, MAX_UNITS)

    def build(self, input_shape=None):
        shape = (self.channels,)
        self.mean = self.add_weight(name="mean", shape=shape, initializer="zeros", trainable=False)
        self.std = self.add_weight(name="std", shape=shape, initializer="ones", trainable=False)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        return (x - ops.cast(self.mean, "float32")) / ops.cast(self.std, "float32")

    def set_statistics(self, mean, std):
        """Sets the per-channel `mean` and `std` (sequences of C numbers) the layer scales by.

        A std that is NaN, infinite, zero or numerically zero (below `1e-6 * (1 + |mean|)`, what
        float32 cannot resolve around the mean; a constant channel) becomes 1, so a constant
        covariate is only shifted; a negative std or a non-finite mean is refused.
        """
        mean, std = self._checked(mean, "mean"), self._checked(std, "std")
        if not np.all(np.isfinite(mean)):
            raise NHITSInputError(
                f"{self.name}: covariate mean must be finite in every channel; received {mean}"
            )
        if np.any(std < 0):
            raise NHITSInputError(
                f"{self.name}: covariate std must not be negative; received {std}"
            )
        usable = np.isfinite(std) & (std > 1e-6 * (1.0 + np.abs(mean)))
        if not self.built:
            self.build()
        self.mean.assign(mean.astype("float32"))
        self.std.assign(np.where(usable, std, 1.0).astype("float32"))

    def statistics(self):
        """The `(mean, std)` the layer scales by, as float32 NumPy arrays of C values."""
        if not self.built:
            self.build()
        return ops.convert_to_numpy(self.mean), ops.convert_to_numpy(self.std)

    def _checked(self, values, what):
        try:
            array = np.asarray(values, dtype="float64")
        except (TypeError, ValueError):
            raise NHITSInputError(
                f"{self.name}: covariate {what} must be {self.channels} numbers; received "
                f"{type(values).__name__}"
            ) from None
        if array.shape != (self.channels,):
            raise NHITSInputError(
                f"{self.name}: covariate {what} must have shape ({self.channels},), one value "
                f"per channel; received shape {array.shape}"
            )
        return array

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"channels": self.channels})
        return config

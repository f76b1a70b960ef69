"""Multi-rate input pooling: the window seen by a stack, downsampled by its pool size."""

import math

import keras
from keras import ops

from keras_nhits.errors import NHITSInputError, check_choice, check_int
from keras_nhits.options import MAX_WINDOW, POOLING_MODES


@keras.saving.register_keras_serializable(package="keras_nhits")
class WindowPooling(keras.layers.Layer):
    """Max or average pooling over time with kernel = stride = `pool_size`.

    Each N-HiTS stack looks at its input window at its own rate: a larger pool size smooths out
    high frequencies and shrinks the MLP's input. When `pool_size` does not divide the window, the
    oldest pooling cell is partial (it covers fewer steps) so that the whole window is used and
    the most recent cell always holds the last `pool_size` steps. Partial cells are reduced over
    the steps they cover only. Time is axis 1: a `(batch, steps, channels)` input (covariates)
    has each channel pooled on its own.

    Args:
        pool_size: int, kernel and stride, `>= 1` (1 is the identity).
        mode: str, `"max"` (default, the paper's choice) or `"average"`.

    Input shape: `(batch, steps)` or `(batch, steps, channels)`. Output shape: `(batch,
    ceil(steps / pool_size))` or `(batch, ceil(steps / pool_size), channels)`.

    Example:
        >>> layer = WindowPooling(pool_size=2)
        >>> layer(np.arange(10, dtype="float32")[None]).shape
        (1, 5)

    Reference: Challu et al., "N-HiTS", AAAI 2023, section 3.1 (multi-rate signal sampling).
    """

    def __init__(self, pool_size, mode="max", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = check_int("pool_size", pool_size, 1, MAX_WINDOW)
        self.mode = check_choice("mode", mode, POOLING_MODES)

    def build(self, input_shape):
        steps = input_shape[1]
        if steps is None:
            raise NHITSInputError("WindowPooling needs a known number of steps")
        self._cells = math.ceil(steps / self.pool_size)
        self._pad = self._cells * self.pool_size - steps

    def call(self, inputs):
        if self.pool_size == 1:
            return inputs
        x = inputs
        if self._pad:
            # Max: repeating the oldest value cannot change the partial cell's maximum.
            # Average: zeros add nothing to the sum, which is divided by the true count below.
            if self.mode == "max":
                front = ops.repeat(x[:, :1], self._pad, axis=1)
            else:
                front = ops.zeros_like(x[:, : self._pad])
            x = ops.concatenate([front, x], axis=1)
        # [B, L'] -> [B, P, k], or [B, L', C] -> [B, P, k, C]: the cell's steps are axis 2.
        channels = tuple(x.shape[2:])
        cells = ops.reshape(x, (-1, self._cells, self.pool_size, *channels))
        if self.mode == "max":
            return ops.max(cells, axis=2)
        if self._pad:  # the oldest cell holds pool_size - pad real steps
            sums = ops.sum(cells, axis=2)
            first = sums[:, :1] / (self.pool_size - self._pad)
            return ops.concatenate([first, sums[:, 1:] / self.pool_size], axis=1)
        return ops.mean(cells, axis=2)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        cells = None if steps is None else math.ceil(steps / self.pool_size)
        return (input_shape[0], cells, *input_shape[2:])

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "mode": self.mode})
        return config

"""Hierarchical interpolation: the coarse forecast knots of a block, resampled to the horizon."""

import math

import keras
import numpy as np
from keras import ops

from keras_nhits.errors import check_choice, check_int
from keras_nhits.options import INTERPOLATION_MODES, MAX_WINDOW

# Keys' cubic convolution parameter, the value PyTorch and OpenCV use for bicubic resampling.
_CUBIC_A = -0.75


def interpolation_matrix(n_knots, horizon, mode):
    """The `[n_knots, horizon]` matrix `W` such that `knots @ W` resamples knots to the horizon.

    Knots and horizon steps are treated as cell centres spanning the same interval (the
    `align_corners=False` convention of `torch.nn.functional.interpolate`), so with
    `n_knots == horizon` every mode is the identity, and the knots of a downsampling ratio r sit
    in the middle of their r forecast steps.

    Args:
        n_knots: number of coarse forecast points, `>= 1`.
        horizon: number of forecast steps, `>= 1`.
        mode: `"linear"`, `"nearest"` or `"cubic"` (Keys, a = -0.75, edges clamped).

    Returns:
        A float64 NumPy array of shape `(n_knots, horizon)` whose columns sum to 1.
    """
    check_choice("interpolation", mode, INTERPOLATION_MODES)
    scale = n_knots / horizon
    matrix = np.zeros((n_knots, horizon), dtype=np.float64)
    last = n_knots - 1
    for j in range(horizon):
        if mode == "nearest":
            matrix[min(int(math.floor((j + 0.5) * scale)), last), j] = 1.0
            continue
        src = (j + 0.5) * scale - 0.5
        if mode == "linear":
            src = max(src, 0.0)
            i0 = min(int(math.floor(src)), last)
            lam = src - i0 if i0 < last else 0.0
            matrix[i0, j] += 1.0 - lam
            matrix[min(i0 + 1, last), j] += lam
        else:
            i = int(math.floor(src))
            t = src - i
            for offset, weight in zip((-1, 0, 1, 2), _cubic_weights(t)):
                matrix[min(max(i + offset, 0), last), j] += weight
    return matrix


def _cubic_weights(t):
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


@keras.saving.register_keras_serializable(package="keras_nhits")
class ForecastInterpolation(keras.layers.Layer):
    """Resamples `n_knots` coarse forecast points to `horizon` steps.

    N-HiTS blocks predict the forecast at a reduced rate (`max(horizon // r, 1)` knots for the
    stack's downsampling ratio r) and interpolate it to the full horizon; low-rate stacks are thus
    forced to model the slow components of the series. Interpolation is linear in the knots, so it
    is one matrix product with a fixed matrix built once in `build` (see `interpolation_matrix`).

    Args:
        n_knots: int, number of coarse forecast points.
        horizon: int, number of forecast steps.
        mode: str, `"linear"` (default), `"nearest"` or `"cubic"`.

    Input shape: `(batch, n_knots)`. Output shape: `(batch, horizon)`.

    Example:
        >>> layer = ForecastInterpolation(n_knots=3, horizon=12)
        >>> layer(np.ones((2, 3), "float32")).shape
        (2, 12)

    Reference: Challu et al., "N-HiTS: Neural Hierarchical Interpolation for Time Series
    Forecasting", AAAI 2023, section 3.2.
    """

    def __init__(self, n_knots, horizon, mode="linear", **kwargs):
        super().__init__(**kwargs)
        self.n_knots = check_int("n_knots", n_knots, 1, MAX_WINDOW)
        self.horizon = check_int("horizon", horizon, 1, MAX_WINDOW)
        self.mode = check_choice("mode", mode, INTERPOLATION_MODES)

    def build(self, input_shape):
        # Kept as NumPy: a tensor made here could belong to a traced graph (TensorFlow builds
        # layers inside `tf.function`); in `call` it becomes a graph constant, once per trace.
        self._matrix = interpolation_matrix(self.n_knots, self.horizon, self.mode).astype("float32")

    def call(self, knots):
        if self.n_knots == self.horizon:  # every mode is the identity then
            return knots
        return ops.matmul(knots, ops.convert_to_tensor(self._matrix, dtype=knots.dtype))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon)

    def get_config(self):
        config = super().get_config()
        config.update({"n_knots": self.n_knots, "horizon": self.horizon, "mode": self.mode})
        return config

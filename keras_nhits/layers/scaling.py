"""Per-window scaling inside the model, so the model takes and returns raw values."""

import keras
from keras import ops

from keras_nhits.errors import check_choice, check_number
from keras_nhits.options import WINDOW_SCALERS


@keras.saving.register_keras_serializable(package="keras_nhits")
class WindowScaler(keras.layers.Layer):
    """Normalises each input window by its own statistics; `inverse` maps forecasts back.

    Scaling every window by itself makes one model serve series of any level and spread (prices
    in the thousands next to returns near zero) and keeps the statistics inside the graph, so an
    exported model needs no side files. Statistics are computed in float32 even under a
    mixed-precision policy: raw prices can overflow or lose all precision in float16.

    Methods (`loc`, `scale` per window):
    - `"identity"`: 0 and 1.
    - `"standard"` (default): mean and standard deviation.
    - `"robust"`: median and interquartile range (outliers do not move it).
    - `"minmax"`: minimum and range, mapping the window to [0, 1].
    A scale that is (numerically) zero, a constant window, is replaced by 1 so nothing is divided
    by zero: "numerically zero" is below `epsilon * (1 + |loc|)`, because float32 cannot resolve
    smaller spreads around a large level.

    Args:
        method: str, one of the methods above. Default `"standard"`.
        epsilon: float, relative threshold under which a scale counts as zero. Default `1e-6`.

    Call: `scaled, loc, scale = layer(x)` with `x` of shape `(batch, steps)`; `loc` and `scale`
    have shape `(batch, 1)`. `layer.inverse(y, loc, scale)` returns `y * scale + loc`.

    Example:
        >>> scaled, loc, scale = WindowScaler()(np.array([[1.0, 2.0, 3.0]], "float32"))
        >>> [round(float(v), 3) for v in scaled[0]]
        [-1.225, 0.0, 1.225]
    """

    def __init__(self, method="standard", epsilon=1e-6, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.method = check_choice("method", method, WINDOW_SCALERS)
        self.epsilon = float(check_number("epsilon", epsilon, 0.0, low_inclusive=False))

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        if self.method == "identity":
            ones = ops.ones_like(x[:, :1])
            return x, ones * 0.0, ones
        if self.method == "standard":
            loc = ops.mean(x, axis=1, keepdims=True)
            scale = ops.sqrt(ops.mean(ops.square(x - loc), axis=1, keepdims=True))
        elif self.method == "robust":
            q = ops.quantile(x, [0.25, 0.5, 0.75], axis=1)  # [3, B]
            loc = ops.expand_dims(q[1], 1)
            scale = ops.expand_dims(q[2] - q[0], 1)
        else:
            loc = ops.min(x, axis=1, keepdims=True)
            scale = ops.max(x, axis=1, keepdims=True) - loc
        scale = ops.where(scale > self.epsilon * (1.0 + ops.abs(loc)), scale, ops.ones_like(scale))
        return (x - loc) / scale, loc, scale

    def inverse(self, outputs, loc, scale):
        """Maps scaled values (any number of trailing steps) back to raw units, in float32."""
        # Statistics handed in as NumPy arrays become tensors first: NumPy's operator on a
        # PyTorch tensor goes through a deprecated __array_wrap__.
        scale, loc = ops.convert_to_tensor(scale, "float32"), ops.convert_to_tensor(loc, "float32")
        return ops.cast(outputs, "float32") * scale + loc

    def compute_output_shape(self, input_shape):
        stats = (input_shape[0], 1)
        return (tuple(input_shape), stats, stats)

    def get_config(self):
        config = super().get_config()
        config.update({"method": self.method, "epsilon": self.epsilon})
        return config

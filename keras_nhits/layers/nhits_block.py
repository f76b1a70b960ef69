"""One N-HiTS block: pooled input (and covariates) -> MLP -> backcast and interpolated forecast."""

import math
from collections.abc import Mapping

import keras
from keras import ops

from keras_nhits.errors import check_choice, check_int, check_number
from keras_nhits.layers.interpolation import ForecastInterpolation
from keras_nhits.layers.pooling import WindowPooling
from keras_nhits.options import (
    INTERPOLATION_MODES,
    MAX_LAYERS,
    MAX_UNITS,
    MAX_WINDOW,
    POOLING_MODES,
)


@keras.saving.register_keras_serializable(package="keras_nhits")
class NHITSBlock(keras.layers.Layer):
    """An N-HiTS block: multi-rate pooling, an MLP, backcast and coarse forecast coefficients.

    The block pools its input window by `pool_size`, runs an MLP of `n_layers` x `hidden_size`
    units, and projects to `input_size` backcast coefficients plus `n_knots` forecast knots, which
    are interpolated to the horizon. The backcast is the part of the input the block explains; the
    model subtracts it before the next block (doubly-residual stacking).

    With covariates (the paper's exogenous variant, N-HiTS section 3 and neuralforecast's
    `NHITSBlock`) the MLP also sees them: each channel of the historical covariates is pooled over
    the input window and each channel of the future-known ones over the window plus the horizon,
    with the block's own pooling, and both are flattened and concatenated, with the static
    covariates, after the pooled target (see `mlp_input`). Only the target has a backcast: the
    covariates are the same for every block.

    Args:
        input_size: int, input window length L.
        horizon: int, forecast length H.
        pool_size: int, input pooling kernel (= stride). Default 1.
        n_knots: int, forecast knots, `max(H // r, 1)` for a downsampling ratio r. Default H.
        hidden_size: int, units of each MLP layer. Default 512.
        n_layers: int, MLP layers. Default 2.
        pooling: str, `"max"` or `"average"`. Default `"max"`.
        interpolation: str, `"linear"`, `"nearest"` or `"cubic"`. Default `"linear"`.
        dropout: float, dropout after each MLP layer. Default 0.
        activation: str, MLP activation. Default `"relu"`.
        hist_exog: int, historical covariate channels (observed up to the forecast origin).
            Default 0.
        futr_exog: int, future-known covariate channels (known over the window and the
            horizon). Default 0.
        stat_exog: int, static covariates (one value per series). Default 0.
        n_outputs: int, forecast channels: 1 for a point forecast, one per quantile for a
            quantile model (each channel has its own `n_knots` knots). Default 1.

    Input shape: `(batch, L)` without covariates; with them a dict with `"history"` `(batch, L)`
    and, for each count above 0, `"hist_exog"` `(batch, L, hist_exog)`, `"futr_exog"` `(batch,
    L + H, futr_exog)`, `"stat_exog"` `(batch, stat_exog)`, all scaled. Output: `(backcast
    (batch, L), forecast (batch, H))`, the forecast `(batch, H, n_outputs)` when `n_outputs > 1`.

    Example:
        >>> block = NHITSBlock(input_size=48, horizon=12, pool_size=2, n_knots=3, hidden_size=16)
        >>> backcast, forecast = block(np.zeros((4, 48), "float32"))
        >>> tuple(backcast.shape), tuple(forecast.shape)
        ((4, 48), (4, 12))

    Reference: Challu et al., "N-HiTS", AAAI 2023, section 3 and figure 2.
    """

    def __init__(
        self,
        input_size,
        horizon,
        pool_size=1,
        n_knots=None,
        hidden_size=512,
        n_layers=2,
        pooling="max",
        interpolation="linear",
        dropout=0.0,
        activation="relu",
        hist_exog=0,
        futr_exog=0,
        stat_exog=0,
        n_outputs=1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # Stored as the checks return them (Python ints and floats, NumPy's taken), so that
        # get_config is plain JSON.
        self.input_size = check_int("input_size", input_size, 1, MAX_WINDOW)
        self.horizon = check_int("horizon", horizon, 1, MAX_WINDOW)
        self.pool_size = check_int("pool_size", pool_size, 1, MAX_WINDOW)
        n_knots = self.horizon if n_knots is None else n_knots
        self.n_knots = check_int("n_knots", n_knots, 1, MAX_WINDOW)
        self.hidden_size = check_int("hidden_size", hidden_size, 1, MAX_UNITS)
        self.n_layers = check_int("n_layers", n_layers, 1, MAX_LAYERS)
        self.pooling = check_choice("pooling", pooling, POOLING_MODES)
        self.interpolation = check_choice("interpolation", interpolation, INTERPOLATION_MODES)
        self.dropout = float(check_number("dropout", dropout, 0.0, 1.0, high_inclusive=False))
        self.activation = keras.activations.serialize(keras.activations.get(activation))
        self.hist_exog = check_int("hist_exog", hist_exog, 0, MAX_UNITS)
        self.futr_exog = check_int("futr_exog", futr_exog, 0, MAX_UNITS)
        self.stat_exog = check_int("stat_exog", stat_exog, 0, MAX_UNITS)
        self.n_outputs = check_int("n_outputs", n_outputs, 1, MAX_UNITS)

        # === Layers ===
        policy = self.dtype_policy
        self.pool = self._pooling("pool")
        # Weightless: covariate models keep the weights (and names) of a model without them. Two
        # layers because one is built for L steps and the other for L + H.
        self.pool_hist = self.pool_futr = None
        if self.hist_exog:
            self.pool_hist = self._pooling("pool_hist")
        if self.futr_exog:
            self.pool_futr = self._pooling("pool_futr")
        self.hidden = [
            keras.layers.Dense(
                self.hidden_size, activation=activation, dtype=policy, name=f"dense_{i}"
            )
            for i in range(self.n_layers)
        ]
        self.drop = keras.layers.Dropout(self.dropout, dtype=policy) if self.dropout else None
        width = self.input_size + self.n_knots * self.n_outputs
        self.theta = keras.layers.Dense(width, dtype=policy, name="theta")
        self.interpolate = ForecastInterpolation(
            self.n_knots, self.horizon, mode=self.interpolation, dtype=policy, name="interpolate"
        )

    def _pooling(self, name):
        return WindowPooling(self.pool_size, mode=self.pooling, dtype=self.dtype_policy, name=name)

    @property
    def has_covariates(self):
        """Whether the block takes the dict input (any covariate count above 0)."""
        return bool(self.hist_exog or self.futr_exog or self.stat_exog)

    def build(self, input_shape):
        batch = (input_shape["history"] if isinstance(input_shape, Mapping) else input_shape)[0]
        _build_once(self.pool, (batch, self.input_size))
        if self.pool_hist is not None:
            _build_once(self.pool_hist, (batch, self.input_size, self.hist_exog))
        if self.pool_futr is not None:
            _build_once(self.pool_futr, (batch, self.input_size + self.horizon, self.futr_exog))
        shape = (batch, self.mlp_input_size)
        for dense in self.hidden:
            _build_once(dense, shape)
            shape = (shape[0], self.hidden_size)
        _build_once(self.theta, shape)
        _build_once(self.interpolate, (shape[0], self.n_knots))

    def call(self, inputs, training=None):
        theta = self.theta(self._hidden(inputs, training))  # [B, L + knots * n_outputs]
        backcast = theta[:, : self.input_size]
        return backcast, self._interpolated(theta[:, self.input_size :])

    def _interpolated(self, knots):
        """`[B, knots]` -> `[B, H]`, or with several outputs `[B, knots * Q]` (each output's
        knots together) -> `[B, H, Q]`."""
        if self.n_outputs == 1:
            return self.interpolate(knots)
        knots = ops.reshape(knots, (-1, self.n_outputs, self.n_knots))  # [B, Q, knots]
        return ops.transpose(self.interpolate(knots), (0, 2, 1))  # [B, Q, H] -> [B, H, Q]

    def forecast(self, inputs, training=None):
        """The forecast alone, `block(inputs)[1]`, without computing the backcast.

        For the model's last block, whose backcast would be subtracted from nothing: its
        `input_size` backcast units are about a ninth of the default model's multiply-adds. Only
        the forecast columns of the `theta` kernel are multiplied; the backcast columns get a zero
        gradient, as they do through `call` when the backcast is unused.
        """
        if not self.built:
            self.build(keras.tree.map_structure(lambda x: tuple(x.shape), inputs))
        if self.theta.quantization_mode is not None:  # a quantized kernel: let Dense handle it
            return self(inputs, training=training)[1]
        h = self._hidden(inputs, training)
        kernel = ops.cast(self.theta.kernel[:, self.input_size :], h.dtype)  # autocast, by hand
        knots = ops.add(
            ops.matmul(h, kernel), ops.cast(self.theta.bias[self.input_size :], h.dtype)
        )
        return self._interpolated(knots)  # [B, knots] -> [B, H] (or [B, H, Q])

    @property
    def mlp_input_size(self):
        """Width of the MLP's input: the pooled target, then the pooled, flattened covariates."""
        pooled = math.ceil(self.input_size / self.pool_size)
        futr = math.ceil((self.input_size + self.horizon) / self.pool_size)
        return pooled * (1 + self.hist_exog) + futr * self.futr_exog + self.stat_exog

    def mlp_input(self, inputs):
        """The MLP's input `[B, mlp_input_size]`: the pooled target alone without covariates,
        else `concat(pool(history), flatten(pool(hist_exog)), flatten(pool(futr_exog)),
        stat_exog)`, each covariate flattened time-major (cell 0's channels, then cell 1's...)."""
        if not self.has_covariates:
            return self.pool(inputs)  # [B, L] -> [B, ceil(L / k)]
        parts = [self.pool(inputs["history"])]  # [B, L] -> [B, P]
        if self.pool_hist is not None:
            hist = self.pool_hist(inputs["hist_exog"])  # [B, L, X] -> [B, P, X]
            parts.append(ops.reshape(hist, (-1, hist.shape[1] * self.hist_exog)))
        if self.pool_futr is not None:
            futr = self.pool_futr(inputs["futr_exog"])  # [B, L + H, F] -> [B, P', F]
            parts.append(ops.reshape(futr, (-1, futr.shape[1] * self.futr_exog)))
        if self.stat_exog:
            parts.append(inputs["stat_exog"])  # [B, S]
        return ops.concatenate(parts, axis=1)

    def _hidden(self, inputs, training):
        h = self.mlp_input(inputs)
        for dense in self.hidden:
            h = dense(h)
            if self.drop is not None:
                h = self.drop(h, training=training)
        return h

    def compute_output_shape(self, input_shape):
        batch = (input_shape["history"] if isinstance(input_shape, Mapping) else input_shape)[0]
        forecast = (batch, self.horizon) + ((self.n_outputs,) if self.n_outputs > 1 else ())
        return (batch, self.input_size), forecast

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_size": self.input_size,
                "horizon": self.horizon,
                "pool_size": self.pool_size,
                "n_knots": self.n_knots,
                "hidden_size": self.hidden_size,
                "n_layers": self.n_layers,
                "pooling": self.pooling,
                "interpolation": self.interpolation,
                "dropout": self.dropout,
                "activation": self.activation,
                "hist_exog": self.hist_exog,
                "futr_exog": self.futr_exog,
                "stat_exog": self.stat_exog,
                "n_outputs": self.n_outputs,
            }
        )
        return config


def _build_once(layer, input_shape):
    # A sub-layer called on its own before its parent was built must not be built twice.
    if not layer.built:
        layer.build(input_shape)

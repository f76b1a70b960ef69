"""The N-HiTS model: stacks of blocks, doubly-residual stacking and per-window scaling."""

import dataclasses
from collections.abc import Mapping

import keras
from keras import ops

from keras_nhits.config import COVARIATE_KINDS, ModelConfig
from keras_nhits.errors import NHITSInputError
from keras_nhits.layers.conformal_intervals import ConformalIntervals
from keras_nhits.layers.covariate_scaling import CovariateScaler
from keras_nhits.layers.distribution_head import DistributionQuantiles
from keras_nhits.layers.nhits_block import NHITSBlock
from keras_nhits.layers.quantile_head import MonotoneQuantiles
from keras_nhits.layers.scaling import WindowScaler
from keras_nhits.probabilistic.levels import level_quantiles, median_index


@keras.saving.register_keras_serializable(package="keras_nhits")
class NHITS(keras.Model):
    """N-HiTS: Neural Hierarchical Interpolation for Time Series forecasting.

    Stack s pools the input window by `pool_sizes[s]` and forecasts `max(horizon //
    freq_downsample[s], 1)` knots that are interpolated to the horizon, so early stacks model slow
    components and the last stack the fine detail. Blocks are doubly residual: each block's
    backcast is subtracted from the running input, and the block forecasts add up.

    The model takes and returns raw values: a `WindowScaler` normalises every input window by its
    own statistics and maps the forecast back, so an exported model needs nothing else. With
    `naive_level=True` the forecast starts from the window's last value and the stacks learn the
    change from it (what neuralforecast does too); near-random-walk series such as exchange rates
    then start at the naive forecast instead of having to learn it.

    Args:
        input_size: int, input window length L.
        horizon: int, forecast length H.
        n_stacks: int, number of stacks. Default 3.
        n_blocks: int or tuple of one int per stack, blocks per stack. Default 1.
        hidden_size: int, units of each MLP layer. Default 512.
        n_layers: int, MLP layers per block. Default 2.
        pool_sizes: tuple of one int per stack, input pooling kernels. Default `(2, 2, 1)`.
        freq_downsample: tuple of one int per stack, forecast downsampling ratios. Default
            `(4, 2, 1)`.
        pooling: str, `"max"` (default) or `"average"`.
        interpolation: str, `"linear"` (default), `"nearest"` or `"cubic"`.
        dropout: float, MLP dropout. Default 0.
        activation: str, MLP activation (in Python also a Keras activation function). Default
            `"relu"`.
        scaler: str, per-window scaling: `"identity"`, `"standard"` (default), `"robust"`,
            `"minmax"`.
        naive_level: bool, start the forecast from the last input value. Default True.
        hist_exog: int, historical covariate columns (observed up to the forecast origin).
            Default 0.
        futr_exog: int, future-known covariate columns (known over the window and the
            horizon: calendar features, planned promotions). Default 0.
        stat_exog: int, static covariate columns (one value per series). Default 0.
        quantiles: tuple of floats in (0, 1), the quantiles to forecast (the median 0.5 is
            added); `()` (default) for a point forecast. Each block then forecasts one channel
            per quantile and `MonotoneQuantiles` makes them non-crossing around the median.
        distribution: str, `""` (default), `"normal"` or `"studentt"`: with `quantiles`, a
            parametric head (`DistributionQuantiles`: location and scale per step, the
            quantiles in closed form), trained by `DistributionLoss` (negative log-likelihood)
            instead of the monotone quantile head and the pinball loss.
        conformal: tuple of interval levels in percent, e.g. `(80, 90)`: split-conformal
            intervals (`ConformalIntervals`) around the point forecast, or with `quantiles`
            the head's bounds of those levels moved; calibrated after training with
            `set_conformal_offsets` (see `keras_nhits.probabilistic.conformal`). Default `()`.

    The arguments are checked and kept as one `ModelConfig`, `model.model_config`; `model.horizon`
    and the other arguments read it, and `get_config` is its fields.

    Input shape: `(batch, L)` raw values without covariates. With covariates (any count above
    0) a dict of raw values (`model.input_shapes()` gives the shapes):
    - `"history"`: `(batch, L)`, the target;
    - `"hist_exog"`: `(batch, L, hist_exog)`, over the input window;
    - `"futr_exog"`: `(batch, L + H, futr_exog)`, over the input window and then the horizon;
    - `"stat_exog"`: `(batch, stat_exog)`.
    A key is required when its count is above 0 and refused when it is 0. Every block sees the
    covariates next to its pooled residual (see `NHITSBlock`); they are scaled inside the model by
    statistics of the training split, set with `set_covariate_statistics` and saved with the
    weights. Output shape: `(batch, H)` raw values, float32 (also under a `mixed_float16` policy,
    where the blocks compute in float16). With `quantiles` or `conformal`: `(batch, H,
    len(model.quantiles))`, non-decreasing along the last axis, the median at
    `model.median_index` (the point forecast); `model.quantiles` are the head's quantiles, or
    the interval bounds of `conformal` around a point forecast.

    Example:
        >>> model = NHITS(input_size=48, horizon=12, hidden_size=16)
        >>> model(np.zeros((4, 48), "float32")).shape
        (4, 12)
        >>> model.decompose(np.zeros((4, 48), "float32")).shape  # level + one row per stack
        (4, 4, 12)
        >>> model = NHITS(input_size=48, horizon=12, hidden_size=16, futr_exog=2)
        >>> model.set_covariate_statistics(futr=(np.array([20.0, 0.5]), np.array([5.0, 0.5])))
        >>> x = {"history": np.zeros((4, 48), "float32"),
        ...      "futr_exog": np.zeros((4, 60, 2), "float32")}  # window + horizon steps
        >>> model(x).shape
        (4, 12)

    Reference: Challu, Olivares, Oreshkin, Garza, Mergenthaler-Canseco, Dubrawski, "N-HiTS:
    Neural Hierarchical Interpolation for Time Series Forecasting", AAAI 2023, arXiv:2201.12886.
    """

    def __init__(
        self,
        input_size,
        horizon,
        n_stacks=3,
        n_blocks=1,
        hidden_size=512,
        n_layers=2,
        pool_sizes=(2, 2, 1),
        freq_downsample=(4, 2, 1),
        pooling="max",
        interpolation="linear",
        dropout=0.0,
        activation="relu",
        scaler="standard",
        naive_level=True,
        hist_exog=0,
        futr_exog=0,
        stat_exog=0,
        quantiles=(),
        distribution="",
        conformal=(),
        **kwargs,
    ):
        # The signature names the fields for users; ModelConfig checks them (the one place), and
        # a field it has that the signature lacks still arrives, through **kwargs.
        arguments = {k: v for k, v in locals().items() if k in _FIELDS}
        arguments.update({k: kwargs.pop(k) for k in _FIELDS & kwargs.keys()})
        config = ModelConfig(**arguments)
        # Stored by its Keras name (or serialized form), so that get_config is JSON.
        config.activation = keras.activations.serialize(keras.activations.get(config.activation))
        super().__init__(**kwargs)
        self.model_config = config

        # === Layers ===
        blocks = config.n_blocks
        blocks_per_stack = (blocks,) * config.n_stacks if isinstance(blocks, int) else blocks
        self.window_scaler = WindowScaler(config.scaler, name="window_scaler")
        # Only the kinds the model takes have a scaler: a model without covariates keeps exactly
        # the weights of one made before they existed, so its files still load.
        self.covariate_scalers = {
            kind: CovariateScaler(getattr(config, kind), name=f"{kind}_scaler")
            for kind in COVARIATE_KINDS
            if getattr(config, kind)
        }
        # One flat list (Keras tracks it); `_block_stack[i]` is the stack of block i.
        self.blocks = []
        self._block_stack = []
        for s, n in enumerate(blocks_per_stack):
            for b in range(n):
                self._block_stack.append(s)
                self.blocks.append(self._make_block(s, name=f"stack_{s}_block_{b}"))
        self.quantile_head = self.conformal_intervals = None
        if config.distribution:
            self.quantile_head = DistributionQuantiles(
                config.distribution, config.quantiles, dtype="float32", name="quantile_head"
            )
        elif config.quantiles:
            # float32 under mixed precision too: it adds to the float32 level and scale, and
            # a softplus gap below float16's resolution would tie neighbouring quantiles.
            self.quantile_head = MonotoneQuantiles(
                median_index(config.quantiles), dtype="float32", name="quantile_head"
            )
        if config.conformal:
            self.conformal_intervals = ConformalIntervals(
                config.conformal,
                config.horizon,
                config.quantiles,
                dtype="float32",
                name="conformal_intervals",
            )

    def _make_block(self, s, name):
        """A block of stack `s`."""
        config = self.model_config
        return NHITSBlock(
            input_size=config.input_size,
            horizon=config.horizon,
            pool_size=config.pool_sizes[s],
            n_knots=max(config.horizon // config.freq_downsample[s], 1),
            hidden_size=config.hidden_size,
            n_layers=config.n_layers,
            pooling=config.pooling,
            interpolation=config.interpolation,
            dropout=config.dropout,
            activation=config.activation,
            hist_exog=config.hist_exog,
            futr_exog=config.futr_exog,
            stat_exog=config.stat_exog,
            # The head's channels: loc and scale, or one per quantile; conformal adds none.
            n_outputs=2 if config.distribution else max(len(config.quantiles), 1),
            dtype=self.dtype_policy,
            name=name,
        )

    @property
    def quantiles(self):
        """The quantile levels of the output's last axis: the head's (`model_config.quantiles`),
        else the bounds of the conformal levels with the median; `()` for a point model."""
        config = self.model_config
        return config.quantiles or level_quantiles(config.conformal)

    @property
    def median_index(self):
        """The position of the median in `quantiles` (None for a point model)."""
        return median_index(self.quantiles) if self.quantiles else None

    def set_conformal_offsets(self, offsets):
        """Stores the `[horizon, levels]` offsets calibrated on validation windows (see
        `ConformalIntervals`); saved and loaded with the weights in every format."""
        if self.conformal_intervals is None:
            raise NHITSInputError("the model has no conformal levels: build it with conformal=")
        if not self.built:
            self.build(self.input_shapes())
        self.conformal_intervals.set_offsets(offsets)

    @property
    def has_covariates(self):
        """Whether the model takes the dict input (any covariate count above 0)."""
        return bool(self.covariate_scalers)

    def input_shapes(self, batch_size=None):
        """The documented input shape(s): `(batch, L)`, or with covariates a dict of the keys the
        model takes (`"history"` and each covariate kind whose count is above 0)."""
        history = (batch_size, self.input_size)
        if not self.has_covariates:
            return history
        shapes = {"history": history}
        if self.hist_exog:
            shapes["hist_exog"] = (batch_size, self.input_size, self.hist_exog)
        if self.futr_exog:
            shapes["futr_exog"] = (batch_size, self.input_size + self.horizon, self.futr_exog)
        if self.stat_exog:
            shapes["stat_exog"] = (batch_size, self.stat_exog)
        return shapes

    def build(self, input_shape=None):
        # Every size follows from the config; only the batch size is taken from `input_shape`
        # (a tuple or, with covariates, a dict of them; a plain tuple builds those too).
        if isinstance(input_shape, Mapping):
            input_shape = input_shape.get("history")
        shapes = self.input_shapes(None if input_shape is None else input_shape[0])
        history = shapes["history"] if self.has_covariates else shapes
        if not self.window_scaler.built:
            self.window_scaler.build(history)
        for kind, scaler in self.covariate_scalers.items():
            if not scaler.built:
                scaler.build(shapes[kind])
        if self.conformal_intervals is not None and not self.conformal_intervals.built:
            self.conformal_intervals.build(history)
        for block in self.blocks:
            if not block.built:
                block.build(shapes)
        self.built = True

    def set_covariate_statistics(self, hist=None, futr=None, stat=None):
        """Sets the statistics the model scales raw covariates by, from the training split.

        Args:
            hist, futr, stat: a `(mean, std)` pair of NumPy arrays (one value per channel) for
                the historical, future-known and static covariates; None leaves a kind as it
                is. A NaN or (numerically) zero std becomes 1 (a constant column).

        They are non-trainable weights: saved and loaded with the model in every format. An
        unbuilt model is built first, so that all its weights exist when it is saved next.
        """
        given = (
            ("hist", "hist_exog", hist),
            ("futr", "futr_exog", futr),
            ("stat", "stat_exog", stat),
        )
        for argument, kind, pair in given:
            if pair is None:
                continue
            if kind not in self.covariate_scalers:
                raise NHITSInputError(
                    f"{argument}: statistics were given but the model has {kind}=0; build it "
                    f"with {kind} set to the number of columns"
                )
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise NHITSInputError(
                    f"{argument} statistics must be a (mean, std) pair; received "
                    f"{type(pair).__name__}"
                )
            if not self.built:
                self.build(self.input_shapes())
            self.covariate_scalers[kind].set_statistics(*pair)

    def covariate_statistics(self):
        """`{kind: (mean, std)}` for each covariate kind the model takes, as NumPy arrays."""
        return {kind: scaler.statistics() for kind, scaler in self.covariate_scalers.items()}

    def _split_inputs(self, inputs):
        """The raw target `[B, L]` and a dict of the raw covariates, shapes checked."""
        if not self.has_covariates:
            if isinstance(inputs, Mapping):
                if set(inputs) != {"history"}:
                    _refuse_keys(inputs, {"history": self.input_shapes()})
                inputs = inputs["history"]
            shape = tuple(inputs.shape)
            if len(shape) != 2 or shape[1] not in (None, self.input_size):
                raise NHITSInputError(
                    f"NHITS expects inputs of shape (batch, input_size={self.input_size}); "
                    f"received {shape}"
                )
            return inputs, {}
        expected = self.input_shapes()
        if not isinstance(inputs, Mapping):
            raise NHITSInputError(
                f"NHITS with covariates expects a dict with keys {', '.join(expected)}; "
                f"received a {type(inputs).__name__} of shape {tuple(inputs.shape)}"
            )
        if set(inputs) != set(expected):
            _refuse_keys(inputs, expected)
        batches = set()
        for key, shape in expected.items():
            received = tuple(inputs[key].shape)
            fits = len(received) == len(shape) and all(
                r is None or r == s for r, s in zip(received[1:], shape[1:])
            )
            if not fits:
                raise NHITSInputError(
                    f"NHITS input {key!r} must have shape {_shape_text(key, shape)}; "
                    f"received {received}"
                )
            batches.add(received[0])
        if len(batches - {None}) > 1:
            sizes = {key: tuple(inputs[key].shape)[0] for key in expected}
            raise NHITSInputError(f"NHITS inputs must share one batch size; received {sizes}")
        covariates = {k: v for k, v in inputs.items() if k != "history"}
        return inputs["history"], covariates

    def _components(self, inputs, training=None):
        """Scaled forecast components: the level `[B, 1]` (None without `naive_level`), one
        `[B, H]` forecast per stack (`[B, H, Q]` free channels with quantiles), and the
        scaler's statistics."""
        history, covariates = self._split_inputs(inputs)
        scaled, loc, scale = self.window_scaler(history)  # [B, L], [B, 1], [B, 1] in float32
        residual = ops.cast(scaled, self.compute_dtype)
        covariates = {  # the same scaled covariates for every block; only the target is residual
            kind: ops.cast(self.covariate_scalers[kind](x), self.compute_dtype)
            for kind, x in covariates.items()
        }
        # [B, 1]: broadcast over the horizon where it is added (a repeat adds ops to every call).
        level = scaled[:, -1:] if self.naive_level else None
        stack_forecasts = [None] * self.n_stacks
        final = len(self.blocks) - 1
        for i, (block, s) in enumerate(zip(self.blocks, self._block_stack)):
            block_inputs = {"history": residual, **covariates} if covariates else residual
            if i == final:  # its backcast would be subtracted from nothing: skip computing it
                forecast = block.forecast(block_inputs, training=training)
            else:
                backcast, forecast = block(block_inputs, training=training)
                residual = residual - backcast
            previous = stack_forecasts[s]
            stack_forecasts[s] = forecast if previous is None else previous + forecast
        return level, [ops.cast(f, "float32") for f in stack_forecasts], loc, scale

    def call(self, inputs, training=None):
        level, stack_forecasts, loc, scale = self._components(inputs, training=training)
        forecast = stack_forecasts[0]
        for stack_forecast in stack_forecasts[1:]:
            forecast = forecast + stack_forecast
        if self.quantile_head is None:
            forecast = forecast if level is None else level + forecast
            forecast = self.window_scaler.inverse(forecast, loc, scale)  # float32 [B, H], raw
        else:
            # The level shifts every quantile alike, and the scale is positive: the order of
            # the head's quantiles survives both. [B, 1] -> [B, 1, 1] against [B, H, Q].
            forecast = self.quantile_head(forecast)
            if level is not None:
                forecast = forecast + level[:, :, None]
            forecast = self.window_scaler.inverse(forecast, loc[:, :, None], scale[:, :, None])
        if self.conformal_intervals is None:
            return forecast
        history = inputs["history"] if isinstance(inputs, Mapping) else inputs
        return self.conformal_intervals(history, forecast)  # [B, H, Q], raw units

    def decompose(self, inputs):
        """Each stack's contribution to the forecast, in raw units (the paper's decomposition).

        Returns a float32 tensor `(batch, n_stacks + 1, horizon)`: row 0 is the level (the
        window's location, plus its last value when `naive_level`), row s + 1 is stack s. The
        rows sum to `model(inputs)`, because the inverse scaling is affine. A quantile model
        decomposes its median (the quantile head passes the median channel through).
        """
        level, stack_forecasts, loc, scale = self._components(inputs, training=False)
        if self.quantile_head is not None:
            # The median channel: a distribution head's location, else the median's.
            config = self.model_config
            m = 0 if config.distribution else median_index(config.quantiles)
            stack_forecasts = [f[..., m] for f in stack_forecasts]
        level = ops.zeros_like(stack_forecasts[0]) + (0.0 if level is None else level)  # [B, H]
        rows = [self.window_scaler.inverse(level, loc, scale)]
        rows += [f * scale for f in stack_forecasts]
        return ops.stack(rows, axis=1)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, Mapping):
            input_shape = input_shape["history"]
        if self.quantiles:
            return (input_shape[0], self.horizon, len(self.quantiles))
        return (input_shape[0], self.horizon)

    def get_config(self):
        # Keras' own from_config passes this back to __init__ (ModelConfig turns lists read
        # from a .keras file back into tuples).
        return {**super().get_config(), **dataclasses.asdict(self.model_config)}


_FIELDS = {spec.name for spec in dataclasses.fields(ModelConfig)}


def _refuse_keys(inputs, expected):
    """Refuses a dict input whose keys are not those of `expected` (key -> shape), naming each
    missing key with its shape and each unexpected one."""
    parts = [
        f"missing {key!r} of shape {_shape_text(key, shape)}"
        for key, shape in expected.items()
        if key not in inputs
    ]
    for key in sorted(str(k) for k in set(inputs) - set(expected)):
        reason = f"the model has {key}=0" if key in COVARIATE_KINDS else "not an NHITS input"
        parts.append(f"unexpected {key!r} ({reason})")
    raise NHITSInputError(
        f"NHITS inputs must be the keys {', '.join(expected)}; {'; '.join(parts)}"
    )


def _shape_text(key, shape):
    """`(batch, input_size + horizon=16, futr_exog=2)`: each size with what it comes from."""
    names = {
        "history": ("input_size",),
        "hist_exog": ("input_size", "hist_exog"),
        "futr_exog": ("input_size + horizon", "futr_exog"),
        "stat_exog": ("stat_exog",),
    }[key]
    return "(" + ", ".join(["batch", *(f"{n}={s}" for n, s in zip(names, shape[1:]))]) + ")"


def _config_property(name):
    return property(
        lambda self: getattr(self.model_config, name), doc=f"`model_config.{name}`, read-only."
    )


# `model.horizon` and the like read the one ModelConfig; nothing keeps a second copy.
# (`quantiles` is the output's, a property of the class: the head's are `model_config.quantiles`.)
for _name in sorted(_FIELDS - {"quantiles"}):
    setattr(NHITS, _name, _config_property(_name))

"""The N-HiTS model: stacks of blocks, doubly-residual stacking and per-window scaling."""

import dataclasses

import keras
from keras import ops

from keras_nhits.config import ModelConfig
from keras_nhits.errors import NHITSInputError
from keras_nhits.layers.nhits_block import NHITSBlock
from keras_nhits.layers.scaling import WindowScaler


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

    The arguments are checked and kept as one `ModelConfig`, `model.model_config`; `model.horizon`
    and the other arguments read it, and `get_config` is its fields.

    Input shape: `(batch, L)` raw values. Output shape: `(batch, H)` raw values, float32 (also
    under a `mixed_float16` policy, where the blocks compute in float16).

    Example:
        >>> model = NHITS(input_size=48, horizon=12, hidden_size=16)
        >>> model(np.zeros((4, 48), "float32")).shape
        (4, 12)
        >>> model.decompose(np.zeros((4, 48), "float32")).shape  # level + one row per stack
        (4, 4, 12)

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
        # One flat list (Keras tracks it); `_block_stack[i]` is the stack of block i.
        self.blocks = []
        self._block_stack = []
        for s, n in enumerate(blocks_per_stack):
            for b in range(n):
                self._block_stack.append(s)
                self.blocks.append(self._make_block(s, name=f"stack_{s}_block_{b}"))

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
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, input_shape=None):
        shape = (None if input_shape is None else input_shape[0], self.input_size)
        for layer in [self.window_scaler, *self.blocks]:
            if not layer.built:
                layer.build(shape)
        self.built = True

    def _components(self, inputs, training=None):
        """Scaled forecast components: the level `[B, 1]` (None without `naive_level`), one
        `[B, H]` forecast per stack, and the scaler's statistics."""
        shape = tuple(inputs.shape)
        if len(shape) != 2 or shape[1] not in (None, self.input_size):
            raise NHITSInputError(
                f"NHITS expects inputs of shape (batch, input_size={self.input_size}); "
                f"received {shape}"
            )
        scaled, loc, scale = self.window_scaler(inputs)  # [B, L], [B, 1], [B, 1] in float32
        residual = ops.cast(scaled, self.compute_dtype)
        # [B, 1]: broadcast over the horizon where it is added (a repeat adds ops to every call).
        level = scaled[:, -1:] if self.naive_level else None
        stack_forecasts = [None] * self.n_stacks
        final = len(self.blocks) - 1
        for i, (block, s) in enumerate(zip(self.blocks, self._block_stack)):
            if i == final:  # its backcast would be subtracted from nothing: skip computing it
                forecast = block.forecast(residual, training=training)
            else:
                backcast, forecast = block(residual, training=training)
                residual = residual - backcast
            previous = stack_forecasts[s]
            stack_forecasts[s] = forecast if previous is None else previous + forecast
        return level, [ops.cast(f, "float32") for f in stack_forecasts], loc, scale

    def call(self, inputs, training=None):
        level, stack_forecasts, loc, scale = self._components(inputs, training=training)
        forecast = stack_forecasts[0] if level is None else level + stack_forecasts[0]
        for stack_forecast in stack_forecasts[1:]:
            forecast = forecast + stack_forecast
        return self.window_scaler.inverse(forecast, loc, scale)  # float32 [B, H], raw units

    def decompose(self, inputs):
        """Each stack's contribution to the forecast, in raw units (the paper's decomposition).

        Returns a float32 tensor `(batch, n_stacks + 1, horizon)`: row 0 is the level (the
        window's location, plus its last value when `naive_level`), row s + 1 is stack s. The
        rows sum to `model(inputs)`, because the inverse scaling is affine.
        """
        level, stack_forecasts, loc, scale = self._components(inputs, training=False)
        level = ops.zeros_like(stack_forecasts[0]) + (0.0 if level is None else level)  # [B, H]
        rows = [self.window_scaler.inverse(level, loc, scale)]
        rows += [f * scale for f in stack_forecasts]
        return ops.stack(rows, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon)

    def get_config(self):
        # Keras' own from_config passes this back to __init__ (ModelConfig turns lists read
        # from a .keras file back into tuples).
        return {**super().get_config(), **dataclasses.asdict(self.model_config)}


_FIELDS = {spec.name for spec in dataclasses.fields(ModelConfig)}


def _config_property(name):
    return property(
        lambda self: getattr(self.model_config, name), doc=f"`model_config.{name}`, read-only."
    )


# `model.horizon` and the like read the one ModelConfig; nothing keeps a second copy.
for _name in sorted(_FIELDS):
    setattr(NHITS, _name, _config_property(_name))

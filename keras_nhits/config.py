"""Configuration dataclasses: model, data and trainer settings, and the one config the CLI parses.

One `NHITSTrainingConfig` flows everywhere: the CLI (`python -m keras_nhits.train`) is generated
from it with argparse-dataclass, the Python API takes it, and every run writes it (resolved) next to
its outputs so any model can be rebuilt from its folder. It is the union of three smaller configs so
that each part of the library receives only its own settings: `ModelConfig` goes to `NHITS`,
`DataConfig` to the readers and the window pipeline, `TrainerConfig` to the optimizer and callbacks.

Defaults are immutable (tuples, not lists). Validation happens in `__post_init__` and raises
`NHITSInputError` (a `ValueError`) naming the field, what was expected and what was received.
"""

import argparse
import dataclasses
import difflib
import json
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field

from keras_nhits.errors import NHITSInputError

POOLING_MODES = ("max", "average")
INTERPOLATION_MODES = ("linear", "nearest", "cubic")
WINDOW_SCALERS = ("identity", "standard", "robust", "minmax")
SERIES_SCALERS = ("none", "standard", "robust", "minmax")
FILL_MODES = ("error", "ffill", "interpolate", "zero")
GAP_MODES = ("warn", "error", "fill")
LOSSES = ("mae", "mse", "huber")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
JIT_MODES = ("auto", "on", "off")
# Keras activations that make sense in the MLP; named here so a config is checked before Keras
# (and its backend) is even imported.
ACTIVATIONS = (
    "relu",
    "gelu",
    "silu",
    "swish",
    "elu",
    "selu",
    "tanh",
    "sigmoid",
    "softplus",
    "softsign",
    "leaky_relu",
    "relu6",
    "mish",
    "linear",
)

# Sizes beyond these are refused before anything is allocated (a tampered or mistyped config must
# not make the process try to allocate terabytes).
MAX_WINDOW = 1_000_000
MAX_UNITS = 65_536
MAX_LAYERS = 64
# Counts (a stride, windows per epoch, epochs, a split of so many steps) stop at 2**53, the
# largest whole number a float holds exactly and well inside NumPy's int64: beyond it they
# overflowed deep in NumPy instead of being refused by name.
MAX_COUNT = 2**53
MAX_GPU = 1023
MAX_CLIPNORM = 1e9
# A config file is a few hundred bytes; one far bigger is not a config file.
MAX_CONFIG_BYTES = 1 << 20


def parse_int_tuple(text, name="value"):
    """Parses `"2,2,1"` (the CLI form) or a sequence of integers into a tuple of ints.

    Whole floats (`2.0`) are taken as integers; any other value is refused, never truncated.
    """
    if isinstance(text, str):
        parts = [p for p in text.replace(" ", "").split(",") if p]
        try:
            return tuple(int(p) for p in parts)
        except ValueError:
            raise NHITSInputError(
                f"{name} must be comma-separated integers such as '2,2,1'; received {text!r}"
            ) from None
    if not isinstance(text, (tuple, list)):
        raise NHITSInputError(
            f"{name} must be a list of integers such as [2, 2, 1] or a text such as '2,2,1'; "
            f"received {_short(text)}"
        )
    return tuple(_whole(name, v) for v in text)


def _int_tuple_flag(text):
    # argparse shows an ArgumentTypeError's text as is (other errors as "invalid <type> value").
    try:
        return parse_int_tuple(text, "the value")
    except NHITSInputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _int_tuple_field(default, help_text):
    return field(default=default, metadata={"type": _int_tuple_flag, "help": help_text})


def _whole(name, value):
    """`value` as an int: an int, or a float with no fractional part; refused otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NHITSInputError(f"{name} must hold integers; received {_short(value)}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise NHITSInputError(f"{name} must hold whole numbers; received {value}")
        return int(value)
    return value


def _short(value):
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return _magnitude(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _magnitude(value):
    """A huge int, shown without converting it (a float overflows, `str` refuses 4,300 digits)."""
    digits = int(abs(value).bit_length() * math.log10(2))
    return f"about {'-' if value < 0 else ''}1e{digits}"


def _check_choice(name, value, choices):
    if value not in choices:
        raise NHITSInputError(f"{name} must be one of {', '.join(choices)}; received {value!r}")


def _check_int(name, value, low, high=MAX_COUNT):
    if isinstance(value, bool) or not isinstance(value, int):
        raise NHITSInputError(f"{name} must be an integer; received {_short(value)}")
    if value < low or value > high:
        raise NHITSInputError(f"{name} must be between {low} and {high}; received {_short(value)}")


def _check_number(name, value, low, high=None, low_inclusive=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NHITSInputError(f"{name} must be a number; received {_short(value)}")
    if isinstance(value, int) and abs(value) > MAX_COUNT:
        raise NHITSInputError(f"{name} must be at most {MAX_COUNT}; received {_short(value)}")
    if not math.isfinite(value):
        raise NHITSInputError(f"{name} must be a finite number; received {value}")
    too_low = value < low if low_inclusive else value <= low
    if too_low or (high is not None and value > high):
        op = ">=" if low_inclusive else ">"
        bound = f"{op} {low}" + ("" if high is None else f" and at most {high}")
        raise NHITSInputError(f"{name} must be {bound}; received {value}")


def _check_flags(config, cls):
    """Every on/off field of `cls` holds a bool (`"no"` or 0 would silently mean something)."""
    for spec in dataclasses.fields(cls):
        value = getattr(config, spec.name)
        if isinstance(spec.default, bool) and not isinstance(value, bool):
            raise NHITSInputError(f"{spec.name} must be true or false; received {_short(value)}")


def _check_texts(config, cls):
    """Every text field of `cls` holds a str (a path object is taken as its text)."""
    for spec in dataclasses.fields(cls):
        if not isinstance(spec.default, str):
            continue
        value = getattr(config, spec.name)
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
            setattr(config, spec.name, value)
        if not isinstance(value, str):
            raise NHITSInputError(f"{spec.name} must be a text; received {_short(value)}")
        if "\0" in value:
            raise NHITSInputError(f"{spec.name} must not contain a NUL character")


def _unknown(what, names, known):
    """The message for unknown field names, with the closest known name as a hint."""
    names = sorted(str(n) for n in names)
    hint = difflib.get_close_matches(names[0], known, n=1)
    hint = f"; did you mean {hint[0]}?" if hint else ""
    return (
        f"unknown {what} {', '.join(_short(n) for n in names)}{hint} (the names are the CLI flag "
        "names with underscores, e.g. input_size)"
    )


class _Fields:
    """Makes an unknown keyword argument an `NHITSInputError` naming it (a dataclass' own
    `__init__` raises a bare `TypeError`)."""

    def __new__(cls, *args, **kwargs):
        known = [spec.name for spec in dataclasses.fields(cls)]
        unknown = [name for name in kwargs if name not in known]
        if unknown:
            raise NHITSInputError(_unknown(f"{cls.__name__} field(s)", unknown, known))
        if len(args) > len(known):
            raise NHITSInputError(f"{cls.__name__} takes at most {len(known)} fields")
        return super().__new__(cls)


# === Model ===


@dataclass
class ModelConfig(_Fields):
    """The arguments of `keras_nhits.NHITS` (see its docstring for their meaning)."""

    input_size: int = field(default=120, metadata={"help": "input window length (steps)"})
    horizon: int = field(default=24, metadata={"help": "forecast horizon (steps)"})
    n_stacks: int = field(default=3, metadata={"help": "number of stacks"})
    n_blocks: int = field(default=1, metadata={"help": "blocks per stack"})
    hidden_size: int = field(default=512, metadata={"help": "units of each MLP layer"})
    n_layers: int = field(default=2, metadata={"help": "MLP layers per block"})
    pool_sizes: tuple = _int_tuple_field(
        (2, 2, 1), "input pooling kernel per stack, e.g. 2,2,1 (one value per stack)"
    )
    freq_downsample: tuple = _int_tuple_field(
        (4, 2, 1), "forecast downsampling ratio per stack, e.g. 4,2,1 (one value per stack)"
    )
    pooling: str = field(default="max", metadata={"help": "input pooling: max, average"})
    interpolation: str = field(
        default="linear", metadata={"help": "interpolation: linear, nearest, cubic"}
    )
    dropout: float = field(default=0.0, metadata={"help": "dropout rate in the MLPs"})
    activation: str = field(default="relu", metadata={"help": "MLP activation"})
    scaler: str = field(
        default="standard",
        metadata={
            "help": "per-window scaling inside the model: identity, standard, robust, minmax"
        },
    )
    naive_level: bool = field(
        default=True,
        metadata={"help": "start the forecast from the window's last value (a naive level)"},
    )

    def __post_init__(self):
        self.pool_sizes = parse_int_tuple(self.pool_sizes, "pool_sizes")
        self.freq_downsample = parse_int_tuple(self.freq_downsample, "freq_downsample")
        _check_flags(self, ModelConfig)
        validate_model_arguments(
            input_size=self.input_size,
            horizon=self.horizon,
            n_stacks=self.n_stacks,
            n_blocks=self.n_blocks,
            hidden_size=self.hidden_size,
            n_layers=self.n_layers,
            pool_sizes=self.pool_sizes,
            freq_downsample=self.freq_downsample,
            pooling=self.pooling,
            interpolation=self.interpolation,
            dropout=self.dropout,
            scaler=self.scaler,
            activation=self.activation,
        )

    def model_kwargs(self):
        """The keyword arguments of `NHITS` (exactly the fields of this class)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(ModelConfig)}


def validate_model_arguments(
    input_size,
    horizon,
    n_stacks,
    n_blocks,
    hidden_size,
    n_layers,
    pool_sizes,
    freq_downsample,
    pooling,
    interpolation,
    dropout,
    scaler,
    activation="relu",
):
    """Checks the NHITS arguments; shared by `ModelConfig` and `NHITS.__init__`.

    `activation` may also be a callable when a model is built in Python; a name must be one of
    `ACTIVATIONS`.
    """
    _check_int("input_size", input_size, 1, MAX_WINDOW)
    _check_int("horizon", horizon, 1, MAX_WINDOW)
    _check_int("n_stacks", n_stacks, 1, MAX_LAYERS)
    blocks = n_blocks if isinstance(n_blocks, (tuple, list)) else (n_blocks,)
    for b in blocks:
        _check_int("n_blocks", b, 1, MAX_LAYERS)
    if isinstance(n_blocks, (tuple, list)) and len(n_blocks) != n_stacks:
        raise NHITSInputError(
            f"n_blocks must have one value per stack (n_stacks={n_stacks}); received {n_blocks}"
        )
    _check_int("hidden_size", hidden_size, 1, MAX_UNITS)
    _check_int("n_layers", n_layers, 1, MAX_LAYERS)
    for name, values in (("pool_sizes", pool_sizes), ("freq_downsample", freq_downsample)):
        if len(values) != n_stacks:
            raise NHITSInputError(
                f"{name} must have one value per stack (n_stacks={n_stacks}); "
                f"received {tuple(values)}"
            )
        for v in values:
            _check_int(name, v, 1, MAX_WINDOW)
    for k in pool_sizes:
        if k > input_size:
            raise NHITSInputError(
                f"pool_sizes must not exceed input_size={input_size}; received {tuple(pool_sizes)}"
            )
    _check_choice("pooling", pooling, POOLING_MODES)
    _check_choice("interpolation", interpolation, INTERPOLATION_MODES)
    _check_number("dropout", dropout, 0.0, 1.0)
    if dropout >= 1.0:
        raise NHITSInputError(f"dropout must be in [0, 1); received {dropout}")
    _check_choice("scaler", scaler, WINDOW_SCALERS)
    if isinstance(activation, str):
        _check_choice("activation", activation, ACTIVATIONS)


# === Data ===


@dataclass
class DataConfig(_Fields):
    """Where the series come from, how they are checked, split and cut into windows."""

    data: str = field(
        default="",
        metadata={"help": "CSV/Parquet file, folder or glob (default: the bundled ETTh1 sample)"},
    )
    target: str = field(
        default="",
        metadata={
            "help": "target column(s), comma-separated (default: y, or every numeric column)"
        },
    )
    time_col: str = field(
        default="", metadata={"help": "time column (default: ds, date, time or timestamp)"}
    )
    id_col: str = field(
        default="", metadata={"help": "series id column for long format (default: unique_id)"}
    )
    fill: str = field(
        default="error",
        metadata={"help": "missing target values: error, ffill, interpolate, zero"},
    )
    gaps: str = field(
        default="warn", metadata={"help": "gaps in the time index: warn, error, fill"}
    )
    freq: str = field(
        default="",
        metadata={
            "help": "step of the time index: h, 30min, D, B (business days), W, MS, ME, QS, YS "
            "or a Polars duration such as 15m, 2h, 1mo (default: inferred per series)"
        },
    )
    val_split: float = field(
        default=0.1, metadata={"help": "validation part: fraction < 1 or a count of steps"}
    )
    test_split: float = field(
        default=0.2, metadata={"help": "test part: fraction < 1 or a count of steps"}
    )
    series_scaler: str = field(
        default="none",
        metadata={"help": "dataset-level scaling fitted on train: none, standard, robust, minmax"},
    )
    batch_size: int = field(default=256, metadata={"help": "windows per batch"})
    stride: int = field(default=1, metadata={"help": "step between training window starts"})
    windows_per_epoch: int = field(
        default=0, metadata={"help": "training windows sampled per epoch (0: all)"}
    )
    seed: int = field(default=42, metadata={"help": "random seed (shuffling, weights)"})

    def __post_init__(self):
        _check_choice("fill", self.fill, FILL_MODES)
        _check_choice("gaps", self.gaps, GAP_MODES)
        _check_choice("series_scaler", self.series_scaler, SERIES_SCALERS)
        for name in ("val_split", "test_split"):
            value = getattr(self, name)
            _check_number(name, value, 0.0, MAX_COUNT)
            if value >= 1 and float(value) != int(value):
                raise NHITSInputError(
                    f"{name} must be a fraction below 1 or a whole count of steps; received {value}"
                )
        if self.val_split < 1 and self.test_split < 1 and self.val_split + self.test_split >= 1:
            raise NHITSInputError(
                "val_split + test_split must leave some data for training; received "
                f"{self.val_split} + {self.test_split}"
            )
        _check_int("batch_size", self.batch_size, 1, 1 << 20)
        _check_int("stride", self.stride, 1)
        _check_int("windows_per_epoch", self.windows_per_epoch, 0)
        _check_texts(self, DataConfig)
        _check_int("seed", self.seed, 0, 2**32 - 1)
        if self.freq:
            # Imported here, not at the top: keras_nhits.frequency is data code, kept apart from
            # the config, and it loads no backend.
            from keras_nhits.frequency import parse_freq

            parse_freq(self.freq)


# === Trainer ===


@dataclass
class TrainerConfig(_Fields):
    """Optimizer, loss, callbacks, devices and outputs of a training run."""

    epochs: int = field(default=100, metadata={"help": "maximum number of epochs"})
    lr: float = field(default=1e-3, metadata={"help": "initial learning rate"})
    loss: str = field(default="mae", metadata={"help": "training loss: mae, mse, huber"})
    optimizer: str = field(
        default="adam", metadata={"help": "optimizer: adam, adamw, sgd, rmsprop"}
    )
    weight_decay: float = field(default=0.0, metadata={"help": "weight decay (adamw, sgd ...)"})
    clipnorm: float = field(default=0.0, metadata={"help": "gradient norm clipping (0: off)"})
    patience: int = field(
        default=10, metadata={"help": "early stopping patience in epochs (0: off)"}
    )
    lr_patience: int = field(
        default=3, metadata={"help": "epochs without improvement before the rate is cut"}
    )
    lr_factor: float = field(default=0.5, metadata={"help": "factor the rate is cut by"})
    lr_decays: int = field(
        default=0,
        metadata={
            "help": "step decay: cut the rate by lr_factor this many times, evenly spaced over "
            "the epochs (0: off; replaces the plateau cuts of lr_patience)"
        },
    )
    season_length: int = field(
        default=0, metadata={"help": "season for the seasonal-naive baseline (0: from frequency)"}
    )
    jit_compile: str = field(
        default="auto",
        metadata={
            "help": "compile the training step: auto (XLA on TensorFlow and JAX, eager on "
            "PyTorch), on, off"
        },
    )
    gpu: int = field(default=0, metadata={"help": "GPU index to train on (-1: CPU)"})
    mixed_precision: bool = field(
        default=False, metadata={"help": "mixed_float16 on a GPU (ignored on CPU)"}
    )
    output: str = field(default="nhits_run", metadata={"help": "output folder of the run"})
    checkpoint_dir: str = field(
        default="", metadata={"help": "checkpoint folder (default: OUTPUT/checkpoints)"}
    )
    resume: bool = field(default=False, metadata={"help": "continue an interrupted run"})
    overwrite: bool = field(
        default=False, metadata={"help": "replace a finished or stopped run in OUTPUT"}
    )
    export: bool = field(default=False, metadata={"help": "also write a TF SavedModel"})
    tensorboard: str = field(default="", metadata={"help": "TensorBoard log folder (off if empty)"})
    quiet: bool = field(default=False, metadata={"help": "one line per epoch, no progress bar"})
    plot_series: str = field(
        default="",
        metadata={"help": "series ids drawn in forecast.png, comma-separated (default: every one)"},
    )

    def __post_init__(self):
        _check_int("epochs", self.epochs, 1)
        _check_number("lr", self.lr, 0.0, low_inclusive=False)
        _check_choice("loss", self.loss, LOSSES)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_number("weight_decay", self.weight_decay, 0.0)
        # Keras scales gradients by clipnorm / norm in float32: beyond ~1e38 that is inf / inf,
        # NaN weights and a "training diverged" that blames the rate.
        _check_number("clipnorm", self.clipnorm, 0.0, MAX_CLIPNORM)
        _check_int("patience", self.patience, 0)
        _check_int("lr_patience", self.lr_patience, 0)
        _check_number("lr_factor", self.lr_factor, 0.0, 1.0, low_inclusive=False)
        if self.lr_factor >= 1:
            raise NHITSInputError(f"lr_factor must be in (0, 1); received {self.lr_factor}")
        _check_int("lr_decays", self.lr_decays, 0)
        _check_int("season_length", self.season_length, 0, MAX_WINDOW)
        _check_int("gpu", self.gpu, -1, MAX_GPU)
        _check_choice("jit_compile", self.jit_compile, JIT_MODES)
        _check_flags(self, TrainerConfig)
        _check_texts(self, TrainerConfig)
        if not self.output.strip():
            # An empty name would be the current folder, which holds the user's files.
            raise NHITSInputError("output must name the run's folder, e.g. runs/close; received ''")


# === Config ===


@dataclass
class NHITSTrainingConfig(TrainerConfig, DataConfig, ModelConfig):
    """Every setting of a training run: model, data and trainer fields in one flat dataclass.

    The CLI flags are its fields (`input_size` -> `--input-size`). Use `.model`, `.data_config`
    and `.trainer` to hand each part of the library only its own settings.

    Example:
        >>> config = NHITSTrainingConfig(horizon=12, input_size=60, epochs=5)
        >>> config.model.horizon
        12
    """

    config: str = field(
        default="", metadata={"help": "JSON or TOML file of these fields (flags override it)"}
    )

    def __post_init__(self):
        ModelConfig.__post_init__(self)
        DataConfig.__post_init__(self)
        TrainerConfig.__post_init__(self)
        if isinstance(self.config, os.PathLike):
            self.config = os.fspath(self.config)
        if not isinstance(self.config, str):
            raise NHITSInputError(f"config must be a path; received {_short(self.config)}")
        if self.export and self.series_scaler != "none":
            raise NHITSInputError(
                f"export needs series_scaler none: the {self.series_scaler} statistics are per "
                "series and cannot travel in the SavedModel's raw-units signature (the model's "
                "own per-window scaler already makes it scale-free)"
            )

    @property
    def model(self):
        return ModelConfig(**_subset(self, ModelConfig))

    @property
    def data_config(self):
        return DataConfig(**_subset(self, DataConfig))

    @property
    def trainer(self):
        return TrainerConfig(**_subset(self, TrainerConfig))

    def to_dict(self):
        """JSON-ready dict of every field (tuples become lists)."""
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def coerce(cls, config=None, **overrides):
        """`config` as an `NHITSTrainingConfig`, with `overrides` (field values) applied.

        Takes None (the defaults), a config, or a dict of its fields; anything else (a path, say)
        is an `NHITSInputError` naming what was received, as is an unknown field.
        """
        if config is None:
            config = cls()
        elif isinstance(config, dict):
            config = cls.from_dict(config)
        elif not isinstance(config, cls):
            hint = (
                "; to read a config file use NHITSTrainingConfig.from_file(path)"
                if isinstance(config, (str, os.PathLike))
                else ""
            )
            raise NHITSInputError(
                f"config must be an NHITSTrainingConfig or a dict of its fields; received "
                f"{type(config).__name__} {_short(str(config))}{hint}"
            )
        return dataclasses.replace(config, **overrides) if overrides else config

    @classmethod
    def from_dict(cls, values):
        """Builds a config from a dict, refusing unknown keys and wrong types by name."""
        return cls(**cls.check_values(values))

    @classmethod
    def check_values(cls, values):
        """`values` with each key known and each value of its field's type (whole floats made
        ints, lists tuples), without the checks that relate fields to each other: what a config
        file must pass on its own, before the CLI's flags are merged in."""
        if not isinstance(values, dict):
            raise NHITSInputError(
                f"a config must be a table/object of fields; received {type(values).__name__}"
            )
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = [name for name in values if name not in known]
        if unknown:
            raise NHITSInputError(_unknown("config key(s)", unknown, list(known)))
        return {name: _coerce(name, known[name], value) for name, value in values.items()}

    @classmethod
    def read_file(cls, path):
        """The fields in a JSON (`.json`) or TOML (`.toml`) file, as a dict (types unchecked:
        `from_dict` checks them, after the CLI's flags have been merged in)."""
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or not path or "\0" in path:
            raise NHITSInputError(f"a config file must be a path; received {_short(path)}")
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise NHITSInputError(f"config file {path} does not exist") from None
        except OSError as error:
            raise NHITSInputError(f"config file {path} cannot be read: {error.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            raise NHITSInputError(
                f"config file {path} is a folder; give the .json or .toml file itself"
            )
        if not stat.S_ISREG(info.st_mode):
            raise NHITSInputError(f"config file {path} is not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise NHITSInputError(
                f"config file {path} is {info.st_size} bytes; a config file is at most "
                f"{MAX_CONFIG_BYTES} (is it the right file?)"
            )
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as error:
            raise NHITSInputError(f"config file {path} cannot be read: {error.strerror}") from None
        if len(data) > MAX_CONFIG_BYTES:
            raise NHITSInputError(f"config file {path} is over {MAX_CONFIG_BYTES} bytes")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NHITSInputError(
                f"config file {path} is not UTF-8 text (a binary file?); write it as JSON or TOML"
            ) from None
        kind = "TOML" if path.endswith(".toml") else "JSON"
        try:
            values = tomllib.loads(text) if kind == "TOML" else json.loads(text)
        except RecursionError:
            raise NHITSInputError(f"config file {path} nests too deeply to be a config") from None
        except ValueError as error:  # json.JSONDecodeError and tomllib.TOMLDecodeError
            raise NHITSInputError(f"config file {path} is not valid {kind}: {error}") from None
        if not isinstance(values, dict):
            raise NHITSInputError(f"config file {path} must hold a table/object of fields")
        return values

    @classmethod
    def from_file(cls, path):
        """Reads a JSON (`.json`) or TOML (`.toml`) file of config fields."""
        return cls.from_dict(cls.read_file(path))


def _subset(config, cls):
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(cls)}


def _coerce(name, spec, value):
    """Checks a value read from a config file against the field's default type.

    A whole float is taken for an integer field (`2.0`); any other float is refused, never
    truncated.
    """
    default = spec.default
    if value is None:
        raise NHITSInputError(
            f"config key {name} is null; give a value or leave the key out for the default"
        )
    if isinstance(default, tuple):
        return parse_int_tuple(value, f"config key {name}")
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                raise NHITSInputError(
                    f"config key {name} is too large; received {_short(value)}"
                ) from None
    elif isinstance(default, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, float):
            raise NHITSInputError(f"config key {name} must be a whole number; received {value}")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    expected = {bool: "true or false", float: "a number", int: "an integer", str: "a text"}
    raise NHITSInputError(
        f"config key {name} must be {expected[type(default)]}; received {_short(value)}"
    )

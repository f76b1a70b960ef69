"""Configuration dataclasses: model, data and trainer settings, and the one config the CLI parses.

One `NHITSTrainingConfig` flows everywhere: the CLI (`python -m keras_nhits.train`) is generated
from it with argparse-dataclass, the Python API takes it, and every run writes it (resolved) next to
its outputs so any model can be rebuilt from its folder. It is the union of three smaller configs so
that each part of the library receives only its own settings: `ModelConfig` goes to `NHITS`,
`DataConfig` to the readers and the window pipeline, `TrainerConfig` to the optimizer and callbacks.

Defaults are immutable (tuples, not lists). Validation happens in `__post_init__` and raises
`NHITSInputError` (a `ValueError`) naming the field, what was expected and what was received; a
NumPy number is taken and stored as the Python number it holds, so the config writes as JSON.

Over 400 lines on purpose: most of them are the fields with the help texts the CLI shows, and the
four dataclasses are kept in one file so that the flat `NHITSTrainingConfig` reads next to the
parts it joins.
"""

import argparse
import dataclasses
import os
from dataclasses import dataclass, field

from keras_nhits import config_file
from keras_nhits.config_file import (
    StrictFields,
    check_flags,
    check_texts,
    int_tuple_field,
    number_tuple_field,
    parse_int_tuple,
)
from keras_nhits.data.checks import check_splits
from keras_nhits.errors import (
    NHITSInputError,
    check_choice,
    check_int,
    check_number,
    short_repr,
)
from keras_nhits.options import (
    ACTIVATIONS,
    CALENDAR_FEATURES,
    CONFORMAL_MODES,
    DISTRIBUTE_MODES,
    FILL_MODES,
    GAP_MODES,
    INTERPOLATION_MODES,
    JIT_MODES,
    LOSSES,
    MAX_BATCH,
    MAX_CLIPNORM,
    MAX_GPU,
    MAX_LAYERS,
    MAX_SEED,
    MAX_UNITS,
    MAX_WINDOW,
    OPTIMIZERS,
    POOLING_MODES,
    SERIES_SCALERS,
    WINDOW_SCALERS,
)
from keras_nhits.probabilistic.distributions import DISTRIBUTIONS
from keras_nhits.probabilistic.levels import (
    level_bounds,
    level_quantiles,
    parse_levels,
    parse_quantiles,
)

# The covariate kinds: a ModelConfig field (their count) and the key of the model's dict input.
COVARIATE_KINDS = ("hist_exog", "futr_exog", "stat_exog")

__all__ = [
    "COVARIATE_KINDS",
    "DataConfig",
    "ModelConfig",
    "NHITSTrainingConfig",
    "TrainerConfig",
    "parse_int_tuple",
]


# === Model ===


@dataclass
class ModelConfig(StrictFields):
    """The arguments of `keras_nhits.NHITS` (see its docstring for their meaning).

    A model holds one of these (`model.model_config`) and its `get_config` is these fields, so a
    new model argument is one field here and its use in the layer that needs it.
    """

    input_size: int = field(default=120, metadata={"help": "input window length (steps)"})
    horizon: int = field(default=24, metadata={"help": "forecast horizon (steps)"})
    n_stacks: int = field(default=3, metadata={"help": "number of stacks"})
    n_blocks: int = field(default=1, metadata={"help": "blocks per stack"})
    hidden_size: int = field(default=512, metadata={"help": "units of each MLP layer"})
    n_layers: int = field(default=2, metadata={"help": "MLP layers per block"})
    pool_sizes: tuple = int_tuple_field(
        (2, 2, 1), "input pooling kernel per stack, e.g. 2,2,1 (one value per stack)"
    )
    freq_downsample: tuple = int_tuple_field(
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
    # Counts of covariate columns (NHITS(futr_exog=2, ...) in Python). A training run counts
    # them from the columns it reads: in `NHITSTrainingConfig` these names are DataConfig's
    # comma-separated column lists, and `model_for(series)` fills in the counts.
    hist_exog: int = field(
        default=0,
        metadata={"help": "historical covariate columns, observed up to the forecast origin"},
    )
    futr_exog: int = field(
        default=0,
        metadata={"help": "future-known covariate columns, known over the window and horizon"},
    )
    stat_exog: int = field(
        default=0, metadata={"help": "static covariate columns, one value per series"}
    )
    quantiles: tuple = number_tuple_field(
        (),
        "forecast these quantiles, e.g. 0.1,0.9, trained with the pinball loss (the median 0.5 "
        "is added: it is the point forecast; default: a point forecast)",
        parse_quantiles,
    )
    distribution: str = field(
        default="",
        metadata={
            "help": "a parametric head: normal or studentt (its quantiles in closed form); "
            "set by --loss normal|studentt"
        },
    )
    # The levels whose intervals are calibrated by split conformal prediction (NHITS(conformal=
    # (80, 90))); the CLI's --conformal MODE with --level sets them (TrainerConfig.conformal).
    conformal: tuple = number_tuple_field(
        (),
        "conformal interval levels in percent, e.g. 80,90 (calibrated after training)",
        parse_levels,
    )

    def __post_init__(self):
        self.quantiles = parse_quantiles(self.quantiles, "quantiles")
        self.conformal = parse_levels(self.conformal, "conformal")
        if self.distribution:
            check_choice("distribution", self.distribution, DISTRIBUTIONS)
            if not self.quantiles:
                raise NHITSInputError(
                    f"a {self.distribution} head reports quantiles of its distribution: give "
                    "them with quantiles (the CLI: --level 80,90 or --quantiles 0.1,0.9)"
                )
        if self.conformal and self.quantiles:
            # Conformalized quantile regression moves the head's own interval bounds.
            missing = [
                b for lv in self.conformal for b in level_bounds(lv) if b not in self.quantiles
            ]
            if missing:
                raise NHITSInputError(
                    f"conformal levels {list(self.conformal)} need the quantiles {missing}, "
                    f"which quantiles {list(self.quantiles)} lack"
                )
        self.pool_sizes = parse_int_tuple(self.pool_sizes, "pool_sizes")
        self.freq_downsample = parse_int_tuple(self.freq_downsample, "freq_downsample")
        if isinstance(self.n_blocks, (tuple, list)):  # one count per stack (a list from JSON)
            self.n_blocks = parse_int_tuple(self.n_blocks, "n_blocks")
        check_flags(self, ModelConfig)
        self.input_size = check_int("input_size", self.input_size, 1, MAX_WINDOW)
        self.horizon = check_int("horizon", self.horizon, 1, MAX_WINDOW)
        self.n_stacks = check_int("n_stacks", self.n_stacks, 1, MAX_LAYERS)
        self.hidden_size = check_int("hidden_size", self.hidden_size, 1, MAX_UNITS)
        self.n_layers = check_int("n_layers", self.n_layers, 1, MAX_LAYERS)
        self._check_stacks()
        check_choice("pooling", self.pooling, POOLING_MODES)
        check_choice("interpolation", self.interpolation, INTERPOLATION_MODES)
        self.dropout = float(check_number("dropout", self.dropout, 0.0, 1.0, high_inclusive=False))
        check_choice("scaler", self.scaler, WINDOW_SCALERS)
        for name in COVARIATE_KINDS:
            check_int(name, getattr(self, name), 0, MAX_UNITS)
        # In Python a model may also take a Keras activation function or its serialized form.
        if isinstance(self.activation, str):
            check_choice("activation", self.activation, ACTIVATIONS)
        elif not (callable(self.activation) or isinstance(self.activation, dict)):
            raise NHITSInputError(
                f"activation must be the name of an activation such as 'relu'; received "
                f"{short_repr(self.activation)}"
            )

    def _check_stacks(self):
        """Every per-stack setting holds one valid value per stack."""
        per_stack = {"pool_sizes": self.pool_sizes, "freq_downsample": self.freq_downsample}
        if isinstance(self.n_blocks, tuple):
            per_stack["n_blocks"] = self.n_blocks
        else:
            self.n_blocks = check_int("n_blocks", self.n_blocks, 1, MAX_LAYERS)
        for name, values in per_stack.items():
            if len(values) != self.n_stacks:
                raise NHITSInputError(
                    f"{name} must have one value per stack (n_stacks={self.n_stacks}); "
                    f"received {values}"
                )
            for v in values:
                check_int(name, v, 1, MAX_LAYERS if name == "n_blocks" else MAX_WINDOW)
        if max(self.pool_sizes) > self.input_size:
            raise NHITSInputError(
                f"pool_sizes must not exceed input_size={self.input_size}; received "
                f"{self.pool_sizes}"
            )

    def model_kwargs(self):
        """The keyword arguments of `NHITS` (exactly the fields of this class)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(ModelConfig)}


# === Data ===


@dataclass
class DataConfig(StrictFields):
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
    hist_exog: str = field(
        default="",
        metadata={
            "help": "historical covariate columns, comma-separated: observed up to the forecast "
            "origin (other sensors, volumes)"
        },
    )
    futr_exog: str = field(
        default="",
        metadata={
            "help": "future-known covariate columns, comma-separated: known over the window and "
            "the horizon (weather forecasts, planned events); predict reads them from --future"
        },
    )
    stat_exog: str = field(
        default="",
        metadata={
            "help": "static covariate columns, comma-separated: one value per series, from the "
            "data (long format) or from --static (text becomes one-hot columns)"
        },
    )
    calendar: str = field(
        default="",
        metadata={
            "help": "calendar features from the time column as future-known covariates, "
            "comma-separated: " + ", ".join(CALENDAR_FEATURES)
        },
    )
    static: str = field(
        default="",
        metadata={
            "help": "CSV/Parquet file of static covariates: the id column (unique_id in wide "
            "format) and the --stat-exog columns (default: all its other columns)"
        },
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
        check_choice("fill", self.fill, FILL_MODES)
        check_choice("gaps", self.gaps, GAP_MODES)
        check_choice("series_scaler", self.series_scaler, SERIES_SCALERS)
        # The same rules as prepare_splits and make_dataset, from the same place.
        self.val_split, self.test_split = check_splits(self.val_split, self.test_split)
        self.batch_size = check_int("batch_size", self.batch_size, 1, MAX_BATCH)
        self.stride = check_int("stride", self.stride, 1)
        self.windows_per_epoch = check_int("windows_per_epoch", self.windows_per_epoch, 0)
        for name in (*COVARIATE_KINDS, "calendar"):
            setattr(self, name, _joined_names(name, getattr(self, name)))
        check_texts(self, DataConfig)
        self.seed = check_int("seed", self.seed, 0, MAX_SEED)
        self._check_covariates()
        if self.freq:
            # Imported here, not at the top: it loads NumPy, which a config otherwise does not.
            from keras_nhits.data.frequency import parse_freq

            parse_freq(self.freq)

    def covariate_columns(self):
        """`{"hist_exog": (...), "futr_exog": (...), "stat_exog": (...)}`: the names given."""
        return {kind: _split_names(getattr(self, kind)) for kind in COVARIATE_KINDS}

    def _check_covariates(self):
        """Each calendar feature is known; no column is two kinds, or the target too."""
        for feature in _split_names(self.calendar):
            check_choice("calendar", feature, CALENDAR_FEATURES)
        targets = set(_split_names(self.target))
        seen = {}
        for kind, names in self.covariate_columns().items():
            for column in names:
                if column in targets:
                    raise NHITSInputError(
                        f"column {column!r} is the target and {kind}; a covariate must be "
                        "another column"
                    )
                if column in seen:
                    raise NHITSInputError(
                        f"column {column!r} is named as both {seen[column]} and {kind}; give "
                        "each covariate one kind"
                    )
                seen[column] = kind


def _split_names(text):
    return tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))


def _joined_names(name, value):
    """A list or tuple of column names (the Python API) as the comma-separated text a flag
    takes; text as it is."""
    if isinstance(value, (list, tuple)):
        if not all(isinstance(v, str) and "," not in v for v in value):
            raise NHITSInputError(
                f"{name} must be column names (a comma-separated text or a list of names); "
                f"received {short_repr(value)}"
            )
        return ",".join(value)
    return value


# === Trainer ===


@dataclass
class TrainerConfig(StrictFields):
    """Optimizer, loss, callbacks, devices and outputs of a training run."""

    epochs: int = field(default=100, metadata={"help": "maximum number of epochs"})
    lr: float = field(default=1e-3, metadata={"help": "initial learning rate"})
    loss: str = field(
        default="mae",
        metadata={
            "help": "training loss: mae, mse, huber; normal, studentt (a parametric head trained "
            "by negative log-likelihood, with --level or --quantiles)"
        },
    )
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
    conformal: str = field(
        default="",
        metadata={
            "help": "calibrate the --level intervals on the validation split (split conformal, "
            "per horizon step): point (intervals around a point model trained with --loss) or "
            "quantiles (move the quantile head's bounds); default: off"
        },
    )
    jit_compile: str = field(
        default="auto",
        metadata={
            "help": "compile the training step: auto (XLA on TensorFlow and JAX, eager on "
            "PyTorch), on, off"
        },
    )
    gpu: int = field(default=0, metadata={"help": "GPU index to train on (-1: CPU)"})
    distribute: str = field(
        default="none",
        metadata={
            "help": "spread each batch over devices: none (one device, --gpu), mirrored (every "
            "GPU of this host under TensorFlow, tf.distribute.MirroredStrategy)"
        },
    )
    mixed_precision: bool = field(
        default=False, metadata={"help": "mixed_float16 on a GPU (ignored on CPU)"}
    )
    output: str = field(default="nhits_run", metadata={"help": "output folder of the run"})
    checkpoint_dir: str = field(
        default="", metadata={"help": "checkpoint folder (default: OUTPUT/checkpoints)"}
    )
    resume: bool = field(default=False, metadata={"help": "continue an interrupted run"})
    init_from: str = field(
        default="",
        metadata={
            "help": "continue a trained run folder on new data: its architecture, series "
            "scaling and weights, a fresh optimizer, a new --output"
        },
    )
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
        self.epochs = check_int("epochs", self.epochs, 1)
        self.lr = check_number("lr", self.lr, 0.0, low_inclusive=False)
        check_choice("loss", self.loss, LOSSES)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        self.weight_decay = check_number("weight_decay", self.weight_decay, 0.0)
        # Keras scales gradients by clipnorm / norm in float32: beyond ~1e38 that is inf / inf,
        # NaN weights and a "training diverged" that blames the rate.
        self.clipnorm = check_number("clipnorm", self.clipnorm, 0.0, MAX_CLIPNORM)
        self.patience = check_int("patience", self.patience, 0)
        self.lr_patience = check_int("lr_patience", self.lr_patience, 0)
        self.lr_factor = check_number(
            "lr_factor", self.lr_factor, 0.0, 1.0, low_inclusive=False, high_inclusive=False
        )
        self.lr_decays = check_int("lr_decays", self.lr_decays, 0)
        self.season_length = check_int("season_length", self.season_length, 0, MAX_WINDOW)
        if self.conformal:
            check_choice("conformal", self.conformal, CONFORMAL_MODES)
        self.gpu = check_int("gpu", self.gpu, -1, MAX_GPU)
        check_choice("jit_compile", self.jit_compile, JIT_MODES)
        check_choice("distribute", self.distribute, DISTRIBUTE_MODES)
        check_flags(self, TrainerConfig)
        check_texts(self, TrainerConfig)
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

    # The model's `distribution` follows --loss: recorded by the run, not a flag to set.
    distribution: str = field(default="", metadata={"help": argparse.SUPPRESS})
    level: tuple = number_tuple_field(
        (),
        "forecast central intervals at these levels in percent, e.g. 80,90: the median and "
        "the quantiles of forecast-lo-80, forecast-hi-80, ... (instead of --quantiles)",
        parse_levels,
    )
    config: str = field(
        default="", metadata={"help": "JSON or TOML file of these fields (flags override it)"}
    )

    def __post_init__(self):
        DataConfig.__post_init__(self)  # first: the covariate names are its fields here
        self.level = parse_levels(self.level, "level")
        if self.level and parse_quantiles(self.quantiles):
            raise NHITSInputError(
                "give either quantiles or level, not both: --level 80 is --quantiles 0.1,0.9"
            )
        derived = self.loss if self.loss in DISTRIBUTIONS else ""
        if self.distribution not in ("", derived):
            raise NHITSInputError(
                f"distribution follows --loss (normal, studentt); received distribution "
                f"{self.distribution!r} with loss {self.loss!r}"
            )
        self.distribution = derived
        if derived and not (self.level or parse_quantiles(self.quantiles)):
            raise NHITSInputError(
                f"--loss {derived} forecasts a distribution: give the quantiles it reports "
                "with --level 80,90 or --quantiles 0.1,0.9"
            )
        if derived and self.conformal == "point":
            raise NHITSInputError(
                f"--conformal point calibrates a point model, and --loss {derived} trains a "
                "distribution head: use --conformal quantiles"
            )
        if self.conformal and not self.level:
            what = "--quantiles are not intervals" if parse_quantiles(self.quantiles) else ""
            raise NHITSInputError(
                f"conformal calibrates central intervals: give them with --level, e.g. --level "
                f"80,90{'; ' + what if what else ''}"
            )
        # The model's fields, checked and normalised by the ModelConfig they make (the
        # quantiles of --level stay the model's: the config keeps the level the user gave).
        model = self.model
        for spec in dataclasses.fields(ModelConfig):
            derived = ("conformal", "distribution", *(("quantiles",) if self.level else ()))
            if spec.name not in (*COVARIATE_KINDS, *derived):
                setattr(self, spec.name, getattr(model, spec.name))
        TrainerConfig.__post_init__(self)
        if self.model.quantiles and not self.distribution and self.loss != "mae":
            raise NHITSInputError(
                f"quantile forecasts train with the pinball loss (at the median it is MAE); "
                f"--loss {self.loss} does not apply: leave it out"
            )
        if isinstance(self.config, os.PathLike):
            self.config = os.fspath(self.config)
        if not isinstance(self.config, str):
            raise NHITSInputError(f"config must be a path; received {short_repr(self.config)}")
        if self.export and self.series_scaler != "none":
            raise NHITSInputError(
                f"export needs series_scaler none: the {self.series_scaler} statistics are per "
                "series and cannot travel in the SavedModel's raw-units signature (the model's "
                "own per-window scaler already makes it scale-free)"
            )

    @property
    def model(self):
        """The `ModelConfig` of these fields, without covariates (their counts come from the
        data: see `model_for`)."""
        fields = _subset(self, ModelConfig)
        # --level: the quantile head's quantiles, unless --conformal point calibrates intervals
        # around a point model; --conformal MODE: the levels calibrated.
        if self.level:
            fields["quantiles"] = () if self.conformal == "point" else level_quantiles(self.level)
        fields["conformal"] = self.level if self.conformal else ()
        fields["distribution"] = self.loss if self.loss in DISTRIBUTIONS else ""
        return ModelConfig(**{**fields, **dict.fromkeys(COVARIATE_KINDS, 0)})

    def model_for(self, series):
        """The `ModelConfig` for a `SeriesSet` read with these settings: the covariate counts
        are its columns' (a one-hot static column counts once per category)."""
        return dataclasses.replace(self.model, **series.covariate_counts())

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
                f"{type(config).__name__} {short_repr(str(config))}{hint}"
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
        return config_file.check_values(cls, values)

    @classmethod
    def read_file(cls, path):
        """The fields in a JSON (`.json`) or TOML (`.toml`) file, as a dict (types unchecked:
        `from_dict` checks them, after the CLI's flags have been merged in)."""
        return config_file.read_file(path)

    @classmethod
    def from_file(cls, path):
        """Reads a JSON (`.json`) or TOML (`.toml`) file of config fields."""
        return cls.from_dict(cls.read_file(path))


def _subset(config, cls):
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(cls)}

"""The allowed values of every option with a fixed set of choices, and the size limits.

Kept apart from the dataclasses and the layers, with no import at all, so that a config, a layer
and the SavedModel checks read one list each and none of them loads another to find it.
"""

POOLING_MODES = ("max", "average")
INTERPOLATION_MODES = ("linear", "nearest", "cubic")
WINDOW_SCALERS = ("identity", "standard", "robust", "minmax")
SERIES_SCALERS = ("none", "standard", "robust", "minmax")
FILL_MODES = ("error", "ffill", "interpolate", "zero")
GAP_MODES = ("warn", "error", "fill")
# normal and studentt train a parametric head by negative log-likelihood.
LOSSES = ("mae", "mse", "huber", "normal", "studentt")
# --conformal: intervals around a point model, or the quantile head's bounds moved.
CONFORMAL_MODES = ("point", "quantiles")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
JIT_MODES = ("auto", "on", "off")
DISTRIBUTE_MODES = ("none", "mirrored")
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
# Windows per batch: a batch of a million windows is already far more than a device holds.
MAX_BATCH = 1 << 20
# The run's seed goes to `keras.utils.set_random_seed`, which seeds NumPy: below 2**32.
MAX_SEED = 2**32 - 1
MAX_CLIPNORM = 1e9
# A config file is a few hundred bytes; one far bigger is not a config file.
MAX_CONFIG_BYTES = 1 << 20
# Calendar features `load_series(calendar=...)` makes from the time column (future-known
# covariates; see `keras_nhits.data.calendar`).
CALENDAR_FEATURES = (
    "hour",
    "dayofweek",
    "dayofmonth",
    "month",
    "dayofyear",
    "weekofyear",
    "business_day",
)
# A text static column becomes one 0/1 column per category; beyond this many it is refused.
MAX_STATIC_CATEGORIES = 64

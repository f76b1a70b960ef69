"""keras_nhits: N-HiTS forecasting (Challu et al., AAAI 2023) as a multi-backend Keras 3 model.

The public names are imported lazily, so `import keras_nhits` (and the CLI's startup) does not
load Keras and its backend until a model, layer or trainer is first used: the command-line tools
can configure devices and logging before the backend starts. Importing the package still
registers every serializable class with Keras (at once when Keras is loaded, else as soon as it
loads), so `keras.saving.load_model("model.keras")` works after `import keras_nhits`. The
configs work without any backend installed; a Keras-backed name whose backend is missing raises
an `ImportError` naming the fix.
"""

import importlib

__version__ = "0.1.0"

from keras_nhits.backend import missing_backend_message, register_when_keras_loads  # noqa: E402
from keras_nhits.config import (  # noqa: E402
    DataConfig,
    ModelConfig,
    NHITSTrainingConfig,
    TrainerConfig,
)
from keras_nhits.errors import NHITSInputError  # noqa: E402

# Keras finds NHITS and its layers in a .keras file only once they are registered.
register_when_keras_loads()

_LAZY = {
    "NHITS": ("keras_nhits.models.nhits", "NHITS"),
    "NHITSBlock": ("keras_nhits.layers.nhits_block", "NHITSBlock"),
    "ForecastInterpolation": ("keras_nhits.layers.interpolation", "ForecastInterpolation"),
    "WindowPooling": ("keras_nhits.layers.pooling", "WindowPooling"),
    "WindowScaler": ("keras_nhits.layers.scaling", "WindowScaler"),
    "CovariateScaler": ("keras_nhits.layers.covariate_scaling", "CovariateScaler"),
    "ConformalIntervals": ("keras_nhits.layers.conformal_intervals", "ConformalIntervals"),
    "MonotoneQuantiles": ("keras_nhits.layers.quantile_head", "MonotoneQuantiles"),
    "PinballLoss": ("keras_nhits.probabilistic.losses", "PinballLoss"),
    "DistributionLoss": ("keras_nhits.probabilistic.losses", "DistributionLoss"),
    "DistributionQuantiles": ("keras_nhits.layers.distribution_head", "DistributionQuantiles"),
    "NHITSTrainer": ("keras_nhits.training.trainer", "NHITSTrainer"),
    "NHITSTrainingError": ("keras_nhits.errors", "NHITSTrainingError"),
    "TrainingResult": ("keras_nhits.training.trainer", "TrainingResult"),
    "load_safetensors": ("keras_nhits.saving.safetensors", "load_model"),
    "save_safetensors": ("keras_nhits.saving.safetensors", "save_model"),
    "load_series": ("keras_nhits.data", "load_series"),
    "prepare_splits": ("keras_nhits.data", "prepare_splits"),
    "make_dataset": ("keras_nhits.data", "make_dataset"),
    "TuneConfig": ("keras_nhits.tuning.config", "TuneConfig"),
    "run_search": ("keras_nhits.tuning.search", "run_search"),
}


def __getattr__(name):
    if name in _LAZY:
        module, attribute = _LAZY[name]
        try:
            value = getattr(importlib.import_module(module), attribute)
        except ImportError as error:
            message = missing_backend_message(error)
            if message is None:
                raise
            raise ImportError(f"keras_nhits.{name}: {message}", name=error.name) from error
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keras_nhits' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


__all__ = [
    "DataConfig",
    "ModelConfig",
    "NHITSInputError",
    "NHITSTrainingConfig",
    "TrainerConfig",
    "__version__",
    *_LAZY,
]

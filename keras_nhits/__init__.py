"""keras_nhits: N-HiTS forecasting (Challu et al., AAAI 2023) as a multi-backend Keras 3 model."""

__version__ = "0.1.0"

from keras_nhits.config import (  # noqa: E402
    DataConfig,
    ModelConfig,
    NHITSTrainingConfig,
    TrainerConfig,
)
from keras_nhits.errors import NHITSInputError  # noqa: E402
from keras_nhits.layers import (  # noqa: E402
    ForecastInterpolation,
    NHITSBlock,
    WindowPooling,
    WindowScaler,
)
from keras_nhits.models import NHITS  # noqa: E402
from keras_nhits.safetensors_io import load_model as load_safetensors  # noqa: E402
from keras_nhits.safetensors_io import save_model as save_safetensors  # noqa: E402

__all__ = [
    "NHITS",
    "DataConfig",
    "ForecastInterpolation",
    "ModelConfig",
    "NHITSBlock",
    "NHITSInputError",
    "NHITSTrainingConfig",
    "TrainerConfig",
    "WindowPooling",
    "WindowScaler",
    "__version__",
    "load_safetensors",
    "save_safetensors",
]

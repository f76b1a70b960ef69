"""keras_nhits: N-HiTS forecasting (Challu et al., AAAI 2023) as a multi-backend Keras 3 model."""

__version__ = "0.1.0"

from keras_nhits.config import (  # noqa: E402
    DataConfig,
    ModelConfig,
    NHITSTrainingConfig,
    TrainerConfig,
)
from keras_nhits.errors import NHITSInputError  # noqa: E402

__all__ = [
    "DataConfig",
    "ModelConfig",
    "NHITSInputError",
    "NHITSTrainingConfig",
    "TrainerConfig",
    "__version__",
]

"""The same weights give the same forecast on TensorFlow, JAX and PyTorch."""

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_nhits.models import NHITS
from keras_nhits.saving import safetensors as safetensors_io
from tests.conftest import to_numpy

BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}

FORECAST_SCRIPT = """
import sys
import keras
import numpy as np
from keras_nhits.saving import safetensors as safetensors_io
folder = sys.argv[1]
model = safetensors_io.load_model(folder)
x = np.load(folder + "/x.npy")
np.save(folder + "/forecast.npy", keras.ops.convert_to_numpy(model(x)).astype("float64"))
"""


@pytest.mark.slow
@pytest.mark.parametrize("other", sorted(BACKEND_MODULES))
def test_same_weights_same_forecast_on_every_backend(other, tmp_path):
    if other == keras.backend.backend():
        pytest.skip("this is the backend under test")
    if importlib.util.find_spec(BACKEND_MODULES[other]) is None:
        pytest.skip(f"the {other} backend is not installed")
    model = NHITS(40, 12, pooling="average", interpolation="cubic", hidden_size=32)
    x = np.random.default_rng(0).normal(size=(7, 40)).astype("float32") * 5 + 100
    np.save(tmp_path / "x.npy", x)
    safetensors_io.save_model(model, tmp_path)
    env = {**os.environ, "KERAS_BACKEND": other}
    subprocess.run(
        [sys.executable, "-c", FORECAST_SCRIPT, str(tmp_path)], env=env, check=True, timeout=300
    )
    np.testing.assert_allclose(
        np.load(tmp_path / "forecast.npy"), to_numpy(model(x)), rtol=1e-5, atol=1e-5
    )

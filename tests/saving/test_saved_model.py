"""An exported SavedModel, loaded by TensorFlow alone, forecasts what the Keras model does."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.models import NHITS
from keras_nhits.saving.saved_model import EXPORT_BACKENDS, export_saved_model

# keras and keras_nhits are blocked (any import of them fails): the SavedModel must stand alone.
SERVE = """
import sys
sys.modules["keras"] = sys.modules["keras_nhits"] = None
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
for batch in (1, 37):
    x = np.load(sys.argv[2])[:batch]
    forecast = loaded.signatures["serving_default"](history=tf.constant(x))["forecast"]
    parts = loaded.signatures["decompose"](history=tf.constant(x))["components"]
    np.save(f"{sys.argv[3]}_{batch}.npy", forecast.numpy())
    np.save(f"{sys.argv[3]}_{batch}_parts.npy", parts.numpy())
"""


@pytest.mark.slow
def test_saved_model_serves_raw_forecasts_without_keras(tmp_path):
    model = NHITS(36, 8, hidden_size=16, interpolation="cubic")
    x = (np.random.default_rng(0).normal(size=(37, 36)) * 20 + 1500).astype("float32")
    if keras.backend.backend() not in EXPORT_BACKENDS:
        with pytest.raises(NHITSInputError, match="KERAS_BACKEND=tensorflow"):
            export_saved_model(model, tmp_path / "saved")
        assert not (tmp_path / "saved").exists()
        return
    export_saved_model(model, tmp_path / "saved")
    np.save(tmp_path / "x.npy", x)
    subprocess.run(
        [
            sys.executable,
            "-c",
            SERVE,
            str(tmp_path / "saved"),
            str(tmp_path / "x.npy"),
            str(tmp_path / "out"),
        ],
        check=True,
        timeout=300,
    )
    expected = keras.ops.convert_to_numpy(model(x))
    for batch in (1, 37):
        served = np.load(tmp_path / f"out_{batch}.npy")
        assert served.shape == (batch, 8)
        np.testing.assert_allclose(served, expected[:batch], rtol=1e-5, atol=1e-5 * 1500)
        parts = np.load(tmp_path / f"out_{batch}_parts.npy")
        assert parts.shape == (batch, 4, 8)
        np.testing.assert_allclose(parts.sum(axis=1), served, rtol=1e-5, atol=1e-3)


def test_export_saved_model_refuses_a_folder_of_the_users(tmp_path):
    if keras.backend.backend() not in EXPORT_BACKENDS:
        pytest.skip("SavedModel export runs on the TensorFlow and JAX backends")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(NHITSInputError, match="files keras_nhits did not write"):
        export_saved_model(NHITS(12, 4, hidden_size=8), tmp_path / "mine")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mine", "notes.txt"]


def test_a_model_with_covariates_is_refused_by_name_and_nothing_is_written(tmp_path):
    from keras_nhits import NHITS
    from keras_nhits.errors import NHITSInputError
    from keras_nhits.saving.saved_model import export_saved_model

    model = NHITS(input_size=12, horizon=4, futr_exog=2, hidden_size=8)
    with pytest.raises(NHITSInputError, match="without covariates for now; this one has futr_exog"):
        export_saved_model(model, tmp_path / "sm")
    assert not (tmp_path / "sm").exists()

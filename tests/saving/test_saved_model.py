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


# The covariate signature in a process without keras: each input by its name, then a call that
# leaves one out (its error message is saved for the test to read).
SERVE_COVARIATES = """
import sys
sys.modules["keras"] = sys.modules["keras_nhits"] = None
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
inputs = {k: tf.constant(v) for k, v in np.load(sys.argv[2]).items()}
serve = loaded.signatures["serving_default"]
np.save(sys.argv[3] + "_forecast.npy", serve(**inputs)["forecast"].numpy())
parts = loaded.signatures["decompose"](**inputs)["components"]
np.save(sys.argv[3] + "_parts.npy", parts.numpy())
signatures = loaded.signatures
names = {k: sorted(signatures[k].structured_input_signature[1]) for k in sorted(signatures)}
missing = {k: v for k, v in inputs.items() if k != "futr_exog"}
try:
    serve(**missing)
    error = "no error"
except TypeError as e:
    error = str(e).splitlines()[0]
with open(sys.argv[3] + "_meta.txt", "w") as handle:
    handle.write(repr(names) + "\\n" + error + "\\n")
"""


def _covariate_model():
    """A tiny model with every covariate kind and statistics far from (0, 1), so that a signature
    that skipped the scaling would forecast something else."""
    model = NHITS(16, 4, hidden_size=8, hist_exog=2, futr_exog=1, stat_exog=3)
    model.set_covariate_statistics(
        hist=(np.array([100.0, -3.0]), np.array([20.0, 0.5])),
        futr=(np.array([12.0]), np.array([6.0])),
        stat=(np.array([1.0, 50.0, -7.0]), np.array([2.0, 10.0, 3.0])),
    )
    return model


def _covariate_inputs(model, batch):
    """Raw inputs in the units the statistics describe: `{key: float32 array}`."""
    rng = np.random.default_rng(1)
    mean = {k: v[0] for k, v in model.covariate_statistics().items()}
    std = {k: v[1] for k, v in model.covariate_statistics().items()}
    inputs = {"history": rng.normal(1500, 20, size=(batch, model.input_size))}
    for kind, shape in model.input_shapes(batch).items():
        if kind != "history":
            inputs[kind] = mean[kind] + std[kind] * rng.normal(size=shape)
    return {k: v.astype("float32") for k, v in inputs.items()}


@pytest.mark.slow
def test_a_covariate_saved_model_serves_raw_forecasts_by_named_inputs_without_keras(tmp_path):
    model = _covariate_model()
    if keras.backend.backend() not in EXPORT_BACKENDS:
        with pytest.raises(NHITSInputError, match="KERAS_BACKEND=tensorflow"):
            export_saved_model(model, tmp_path / "saved")
        assert not (tmp_path / "saved").exists()
        return
    inputs = _covariate_inputs(model, 5)
    export_saved_model(model, tmp_path / "saved")
    np.savez(tmp_path / "inputs.npz", **inputs)
    script = [sys.executable, "-c", SERVE_COVARIATES, str(tmp_path / "saved")]
    script += [str(tmp_path / "inputs.npz"), str(tmp_path / "out")]
    subprocess.run(script, check=True, timeout=300)
    expected = keras.ops.convert_to_numpy(model(inputs))
    served = np.load(tmp_path / "out_forecast.npy")
    np.testing.assert_allclose(served, expected, rtol=1e-5, atol=1e-5 * 1500)
    parts = np.load(tmp_path / "out_parts.npy")
    np.testing.assert_allclose(parts, keras.ops.convert_to_numpy(model.decompose(inputs)), atol=0.1)
    np.testing.assert_allclose(parts.sum(axis=1), served, rtol=1e-5, atol=1e-3)
    # The covariates move the forecast: the match above is not that of a graph ignoring them.
    shifted = {**inputs, "futr_exog": inputs["futr_exog"] + 30.0}
    assert not np.allclose(keras.ops.convert_to_numpy(model(shifted)), served, atol=1e-3)
    names, error = (tmp_path / "out_meta.txt").read_text().splitlines()
    keys = sorted(["history", "hist_exog", "futr_exog", "stat_exog"])
    assert names == repr({"decompose": keys, "serving_default": keys})
    assert "missing a required argument: 'futr_exog'" in error, error


def test_a_covariate_signature_has_only_the_inputs_the_model_has(tmp_path):
    if keras.backend.backend() not in EXPORT_BACKENDS:
        pytest.skip("SavedModel export runs on the TensorFlow and JAX backends")
    model = NHITS(12, 4, hidden_size=8, futr_exog=2)
    specs = _signature_inputs(export_saved_model(model, tmp_path / "sm"))
    assert specs == {"history": [-1, 12], "futr_exog": [-1, 16, 2]}


def test_a_model_without_covariates_keeps_its_history_only_signature(tmp_path):
    # Existing clients (TF Serving requests, the C API benchmark) name these tensors.
    if keras.backend.backend() not in EXPORT_BACKENDS:
        pytest.skip("SavedModel export runs on the TensorFlow and JAX backends")
    signatures = _signature_defs(export_saved_model(NHITS(12, 4, hidden_size=8), tmp_path / "sm"))
    serve, decompose = signatures["serving_default"], signatures["decompose"]
    assert {k: v.name for k, v in serve.inputs.items()} == {"history": "serving_default_history:0"}
    assert {k: v.name for k, v in decompose.inputs.items()} == {"history": "decompose_history:0"}
    assert list(serve.outputs) == ["forecast"] and list(decompose.outputs) == ["components"]


def test_predict_refuses_a_covariate_saved_model_without_its_record_in_one_line(tmp_path):
    """Exported from Python without a run record, nothing names the covariate columns."""
    if keras.backend.backend() not in EXPORT_BACKENDS:
        pytest.skip("SavedModel export runs on the TensorFlow and JAX backends")
    from keras_nhits.serving.forecaster import load_forecaster

    path = export_saved_model(_covariate_model(), tmp_path / "sm")
    with pytest.raises(NHITSInputError, match="takes covariates .*without the run record") as e:
        load_forecaster(path)
    assert "hist_exog=2, futr_exog=1, stat_exog=3" in str(e.value) and "\n" not in str(e.value)


def _signature_defs(folder):
    """The SavedModel's signature definitions, read from `saved_model.pb` as data."""
    from keras_nhits.saving.saved_model_safety import read_saved_model

    return dict(read_saved_model(str(folder)).meta_graphs[0].signature_def)


def _signature_inputs(folder):
    """`{input name: shape}` of the serving_default signature (-1 for the batch)."""
    inputs = _signature_defs(folder)["serving_default"].inputs
    return {k: [d.size for d in v.tensor_shape.dim] for k, v in inputs.items()}

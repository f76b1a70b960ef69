"""The C-API latency harness runs the exported SavedModel and forecasts what Python does."""

import shutil

import keras
import pytest

from tests.benchmarks.scripts import load_benchmark

pytestmark = [
    pytest.mark.skipif(
        keras.backend.backend() not in ("tensorflow", "jax"),
        reason="SavedModel export needs the TensorFlow or JAX backend",
    ),
    pytest.mark.skipif(
        not any(shutil.which(c) for c in ("cc", "gcc", "clang")), reason="no C compiler"
    ),
]


@pytest.fixture(scope="module")
def c_api():
    return load_benchmark("savedmodel_c_api")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    import tensorflow as tf

    from keras_nhits import NHITS
    from keras_nhits.saving.saved_model import export_saved_model

    model = NHITS(input_size=24, horizon=6, hidden_size=8)
    model.build((None, 24))
    path = tmp_path_factory.mktemp("export") / "saved"
    export_saved_model(model, str(path))
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    return path, lambda x: serve(history=tf.constant(x))["forecast"].numpy()


@pytest.fixture(scope="module")
def harness(c_api, tmp_path_factory):
    try:
        return c_api.build(tmp_path_factory.mktemp("harness"))
    except c_api.HarnessUnavailable as error:
        pytest.skip(str(error))


def test_signature_tensors_name_the_serving_input_and_output(c_api, exported):
    tensor_in, tensor_out = c_api.signature_tensors(exported[0])
    assert tensor_in == "serving_default_history:0"
    assert tensor_out.endswith(":0") and tensor_out != tensor_in


@pytest.mark.parametrize("batch", [1, 3])
def test_harness_forecasts_what_the_python_signature_forecasts(c_api, exported, harness, batch):
    path, serve = exported
    figures = c_api.measure(harness, path, input_size=24, batch=batch, calls=20)
    expected = serve(c_api.harness_window(batch, 24))[0, 0]
    assert figures["first_value"] == pytest.approx(float(expected), rel=1e-5, abs=1e-5)
    assert 0 < figures["round_p50_low_ms"] <= figures["p50_ms"] <= figures["p99_ms"]
    assert figures["p50_ms"] <= figures["round_p50_high_ms"]
    assert figures["forecasts_per_s"] > 0


def test_harness_refuses_an_unknown_tensor(c_api, exported, harness, monkeypatch):
    monkeypatch.setattr(c_api, "signature_tensors", lambda folder: ("nope:0", "nope:0"))
    with pytest.raises(RuntimeError, match="no operation nope"):
        c_api.measure(harness, exported[0], input_size=24, batch=1, calls=10)

"""`import keras_nhits` is enough to load a saved model, and says what to install when the Keras
backend is missing: both in a fresh process, as a user meets them."""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from tests.reliability.helpers import ONE_BACKEND, CliResult, assert_one_error_line, environment

LOAD = """
import json, sys
import numpy as np
{imports}
model = keras.saving.load_model(sys.argv[1])
x = np.asarray(json.loads(sys.argv[2]), dtype="float32")
print(json.dumps(np.asarray(model.predict_on_batch(x)).tolist()))
"""


@pytest.mark.parametrize(
    "imports",
    [
        "import keras, keras_nhits",
        # keras_nhits before Keras: the classes are registered when Keras loads (the same on
        # every backend, so checked once).
        pytest.param("import keras_nhits\nimport keras", marks=ONE_BACKEND),
    ],
)
def test_keras_file_loads_in_a_fresh_process_after_import_keras_nhits(tmp_path, imports):
    from keras_nhits import NHITS

    model = NHITS(input_size=16, horizon=4, hidden_size=8, pool_sizes=(2, 2, 1))
    x = np.random.default_rng(0).normal(size=(3, 16)).astype("float32")
    expected = np.asarray(model.predict_on_batch(x))
    path = tmp_path / "m.keras"
    model.save(path)
    script = LOAD.format(imports=imports)
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), json.dumps(x.tolist())],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = np.asarray(json.loads(done.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_import_keras_nhits_registers_every_serializable_class():
    import keras_nhits

    for name in ("NHITS", "NHITSBlock", "ForecastInterpolation", "WindowPooling", "WindowScaler"):
        registered = keras.saving.get_registered_object(f"keras_nhits>{name}")
        assert registered is getattr(keras_nhits, name), name


FAKE_JAX = 'raise ModuleNotFoundError("No module named \'jax\'", name="jax")\n'


def _without_jax(tmp_path):
    fake = tmp_path / "fake" / "jax"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(FAKE_JAX)
    env = environment()
    env["PYTHONPATH"] = str(fake.parent) + ":" + env.get("PYTHONPATH", "")
    env["KERAS_BACKEND"] = "jax"
    return env


@ONE_BACKEND
@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "keras_nhits.train", "--epochs", "1"],
        ["-m", "keras_nhits.predict", "--model", "x", "--data", "y"],
    ],
)
def test_a_missing_backend_is_one_line_naming_the_fix(tmp_path, argv):
    done = subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env=_without_jax(tmp_path),
        cwd=tmp_path,
    )
    result = CliResult(done.returncode, done.stdout, done.stderr)
    assert_one_error_line(result, ["jax", "pip install keras-nhits[jax]", "KERAS_BACKEND"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake"]


@ONE_BACKEND
def test_without_the_backend_configs_work_and_a_model_name_says_what_to_install(tmp_path):
    script = textwrap.dedent(
        """
        import keras_nhits
        config = keras_nhits.NHITSTrainingConfig(horizon=12)
        print(config.model.horizon)
        try:
            keras_nhits.NHITS
        except ImportError as error:
            print(error)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env=_without_jax(tmp_path),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    horizon, message = done.stdout.strip().splitlines()
    assert horizon == "12"
    assert "keras_nhits.NHITS" in message and "pip install keras-nhits[jax]" in message

"""`--distribute mirrored`: one process, every device of the host under TensorFlow.

On a CPU the test process splits its CPU into two logical devices (what a host with two GPUs
looks like to `tf.distribute`): a mirrored step must move the weights as one device's step on
the whole batch does, and a mirrored run must end where one device ends on the same batches,
write a run folder whose model loads, and repeat itself for its seed. The documented command
on this one-device machine says so and trains as usual; on a backend that cannot mirror it is
refused before anything is written.
"""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from tests.reliability.helpers import TINY, assert_one_error_line, hourly_frame, run_subprocess

TENSORFLOW_ONLY = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="MirroredStrategy is TensorFlow's"
)

TWO_DEVICES = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from keras_nhits import NHITS
    from keras_nhits.training.trainer import NHITSTrainer

    data, out, task = sys.argv[1], sys.argv[2], sys.argv[3]
    if task == "step":
        # The same batch, one step on one device and one mirrored over both.
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 24)).astype("float32")
        y = rng.normal(size=(64, 6)).astype("float32")
        weights = {}
        for mode in ("one", "mirrored"):
            keras.utils.set_random_seed(3)
            scope = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope()
            with scope if mode == "mirrored" else tf.device("/cpu:0"):
                model = NHITS(input_size=24, horizon=6, hidden_size=16)
                model.build((None, 24))
                model.compile(optimizer="adam", loss="mae", jit_compile=False)
                for _ in range(3):
                    model.train_on_batch(x, y)
            np.savez(os.path.join(out, mode + ".npz"), *model.get_weights())
    else:
        class OneEpochOn(NHITSTrainer):
            # Under a strategy Keras takes one pass's first batch to learn the shapes before
            # training, so a mirrored run trains on the sampled epochs 2, 3, ...: a one-device
            # run that skips the first pass sees the same batches.
            def _datasets(self, splits):
                train, val = super()._datasets(splits)
                next(iter(train))
                return train, val

        log = []
        mode = "none" if task == "train-one-device" else "mirrored"
        trainer = (OneEpochOn if mode == "none" else NHITSTrainer)(
            log=log.append, input_size=24, horizon=6, hidden_size=16, epochs=3,
            windows_per_epoch=512, batch_size=64, quiet=True, gpu=-1, output=out,
            distribute=mode, jit_compile="off",
        )
        model, metrics = trainer.fit(data)
        np.savez(out + ".npz", *model.get_weights())
        print(json.dumps({"log": log, "loss": [r["loss"] for r in metrics["history"]]}))
    """
)


def _two_devices(tmp_path, task, out):
    data = tmp_path / "prices.csv"
    if not data.exists():
        hourly_frame(n_series=3, steps=300).write_csv(data)
    script = tmp_path / "two_devices.py"
    script.write_text(TWO_DEVICES)
    done = subprocess.run(
        [sys.executable, str(script), str(data), str(out), task],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]) if task != "step" else None


@TENSORFLOW_ONLY
def test_a_mirrored_step_is_the_step_of_one_device_on_the_whole_batch(tmp_path):
    """NHITS' layers under MirroredStrategy: each replica takes half the batch, and the summed
    gradients move the weights as one device on all of it does."""
    _two_devices(tmp_path, "step", tmp_path)
    one, mirrored = np.load(tmp_path / "one.npz"), np.load(tmp_path / "mirrored.npz")
    assert len(one.files) == len(mirrored.files) > 0
    for key in one.files:
        np.testing.assert_allclose(mirrored[key], one[key], rtol=1e-5, atol=1e-6)


@TENSORFLOW_ONLY
def test_a_mirrored_run_learns_like_one_device_writes_its_folder_and_repeats(tmp_path):
    first = _two_devices(tmp_path, "train", tmp_path / "first")
    again = _two_devices(tmp_path, "train", tmp_path / "again")
    assert any("2 replicas" in line for line in first["log"]), first["log"]
    assert first["loss"][-1] < first["loss"][0]
    assert again["loss"] == first["loss"]
    a, b = np.load(tmp_path / "first.npz"), np.load(tmp_path / "again.npz")
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key])
    # On the same batches, one device ends where the mirrored run does.
    one = _two_devices(tmp_path, "train-one-device", tmp_path / "one")
    assert not any("replicas" in line for line in one["log"])
    np.testing.assert_allclose(one["loss"], first["loss"], rtol=1e-5)
    c = np.load(tmp_path / "one.npz")
    for key in a.files:
        np.testing.assert_allclose(a[key], c[key], rtol=1e-4, atol=1e-5)
    # The run folder is whole, and its model (saved from one device) loads in a fresh process.
    metrics = json.loads((tmp_path / "first" / "metrics.json").read_text())
    assert metrics["epochs_completed"] == 3 and metrics["test"]["mae"] is not None
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, keras, keras_nhits; keras.saving.load_model(sys.argv[1], safe_mode=True); "
            "print('loaded')",
            str(tmp_path / "first" / "model.keras"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.strip().endswith("loaded"), done.stderr[-2000:]


@TENSORFLOW_ONLY
def test_mirrored_on_a_one_device_machine_says_so_and_trains(tmp_path):
    out = tmp_path / "run"
    result = _train_mirrored(tmp_path, out)
    assert result.code == 0, result.stderr
    assert "--distribute mirrored: this machine has one device" in result.stdout + result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_completed"] == 1
    assert json.loads((out / "config.json").read_text())["training"]["distribute"] == "mirrored"


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="TensorFlow can mirror")
def test_mirrored_off_tensorflow_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    result = _train_mirrored(tmp_path, out)
    line = assert_one_error_line(result, ["--distribute mirrored", "KERAS_BACKEND=tensorflow"])
    assert keras.backend.backend() in line
    assert not out.exists()


def _train_mirrored(tmp_path, out):
    """The documented command with `--distribute mirrored`, a tiny run, in a fresh process."""
    data = tmp_path / "prices.csv"
    hourly_frame().write_csv(data)
    flags = ["--data", data, "--output", out, *TINY, "--distribute", "mirrored"]
    return run_subprocess(flags, timeout=300)

"""Malformed inputs and untrusted models through `python -m keras_nhits.predict`.

`--model RUN_DIR --data FILE --output FILE.csv`, with one model trained once for the module.
Each case: exit 2, one line on stderr naming the problem, no traceback, the `--output` file not
created (or, if it existed, unchanged). The model cases tamper with a copy of the run folder:
a `.keras` file carrying a Lambda (its code must never run), renamed tensors, absurd sizes.
"""

import json
import shutil

import keras
import pytest

from tests.reliability.helpers import (
    assert_one_error_line,
    hourly_frame,
    run_in_process,
    run_subprocess,
    train_tiny_run,
    write_bytes,
    write_text,
)

pytestmark = pytest.mark.slow  # one training for the module

predict = pytest.importorskip("keras_nhits.cli.predict")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("predict")
    hourly_frame().write_csv(folder / "series.csv")
    return train_tiny_run(folder / "series.csv", folder / "run")


def _predict(argv, capfd):
    return run_in_process(argv, capfd, main=predict.main)


def _copy(run_dir, tmp_path):
    return shutil.copytree(run_dir, tmp_path / "model")


def _lambda_keras(run_dir, tmp):
    marker = tmp / "code_ran"
    payload = eval(f"lambda x: (open({str(marker)!r}, 'w').close(), x)[1]")
    inputs = keras.Input((24,))
    model = keras.Model(inputs, keras.layers.Dense(6)(keras.layers.Lambda(payload)(inputs)))
    model.save(tmp / "evil.keras")
    marker.unlink()
    return tmp / "evil.keras"


def _renamed_tensor(run_dir, tmp):
    from safetensors.numpy import load_file, save_file

    folder = _copy(run_dir, tmp)
    tensors = load_file(folder / "model.safetensors")
    name = sorted(tensors)[0]
    tensors["x/" + name] = tensors.pop(name)
    save_file(tensors, folder / "model.safetensors")
    return folder


def _absurd_config(run_dir, tmp):
    folder = _copy(run_dir, tmp)
    record = json.loads((folder / "config.json").read_text())
    record["model"]["hidden_size"] = 1_000_000_000
    (folder / "config.json").write_text(json.dumps(record))
    return folder


def _config_edited(section, value):
    def make(run_dir, tmp):
        folder = _copy(run_dir, tmp)
        record = json.loads((folder / "config.json").read_text())
        if isinstance(value, dict):
            record[section] = {**record[section], **value}
        else:
            record[section] = value
        (folder / "config.json").write_text(json.dumps(record))
        return folder

    return make


def _truncated_weights(run_dir, tmp):
    folder = _copy(run_dir, tmp)
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 3])
    return folder


MODEL_CASES = [
    ("keras-with-lambda", _lambda_keras, ["evil.keras", "cannot be loaded safely"]),
    ("renamed-tensor", _renamed_tensor, ["model.safetensors", "unexpected tensors x/"]),
    ("absurd-config", _absurd_config, ["config.json", "hidden_size"]),
    ("horizon-as-text", _config_edited("model", {"horizon": "six"}), ["config.json", "horizon"]),
    (
        "target-as-number",
        _config_edited("training", {"target": 5}),
        ["config.json", "training.target must be text", "number 5"],
    ),
    ("data-as-list", _config_edited("data", []), ["config.json", "'data' must be a JSON object"]),
    (
        "fill-unknown",
        _config_edited("training", {"fill": "mean"}),
        ["config.json", "training.fill must be one of"],
    ),
    ("truncated-weights", _truncated_weights, ["model.safetensors", "truncated or corrupted"]),
    ("missing-model", lambda run_dir, tmp: tmp / "nope", ["nope", "does not exist"]),
]


@pytest.mark.parametrize(
    "make, words", [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES]
)
def test_untrusted_or_damaged_model_is_refused(run_dir, tmp_path, capfd, make, words):
    model = make(run_dir, tmp_path)
    out = tmp_path / "forecast.csv"
    data = run_dir.parent / "series.csv"
    result = _predict(["--model", model, "--data", data, "--output", out], capfd)
    assert_one_error_line(result, words)
    assert not out.exists()
    assert not (tmp_path / "code_ran").exists()


def _frame_file(frame, name):
    def make(tmp):
        frame.write_csv(tmp / name)
        return tmp / name

    return make


DATA_CASES = [
    pytest.param(lambda t: write_text(t / "e.csv", ""), ["e.csv", "is empty"], id="empty-file"),
    pytest.param(
        lambda t: write_bytes(t / "b.csv", bytes(range(256))), ["b.csv", "binary"], id="binary"
    ),
    pytest.param(
        _frame_file(hourly_frame().rename({"y": "price"}), "p.csv"),
        ["'y'", "not found"],
        id="missing-target",
    ),
    pytest.param(
        lambda t: write_text(t / "n.csv", "unique_id,ds,y\na,2024-01-01,1\na,2024-01-02,NaN\n"),
        ["series 'a'", "missing"],
        id="nan-target",
    ),
    pytest.param(_frame_file(hourly_frame(steps=10), "s.csv"), ["input_size=24"], id="too-short"),
    pytest.param(
        _frame_file(hourly_frame(scale=1e39), "big.csv"), ["float32 range"], id="float32-overflow"
    ),
    pytest.param(
        _frame_file(hourly_frame(scale=1e30), "huge.csv"),
        ["series 's0'", "float32"],
        id="values-1e30",
    ),
]


@pytest.mark.parametrize("make, words", DATA_CASES)
def test_bad_data_is_refused_and_an_existing_output_kept(run_dir, tmp_path, capfd, make, words):
    data = make(tmp_path)
    previous = "unique_id,ds,forecast\ns0,2024-01-09 08:00:00,1.5\n"  # an earlier forecast
    out = write_text(tmp_path / "forecast.csv", previous)
    result = _predict(["--model", run_dir, "--data", data, "--output", out], capfd)
    assert_one_error_line(result, words)
    assert (tmp_path / "forecast.csv").read_text() == previous


def test_a_lambda_keras_file_through_a_real_subprocess(run_dir, tmp_path):
    model = _lambda_keras(run_dir, tmp_path)
    out = tmp_path / "forecast.csv"
    flags = ["--model", model, "--data", run_dir.parent / "series.csv", "--output", out]
    result = run_subprocess(flags, module="keras_nhits.predict")
    assert_one_error_line(result, ["evil.keras", "cannot be loaded safely"])
    assert not out.exists() and not (tmp_path / "code_ran").exists()

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.synthetic import seasonal_frame

TINY_FLAGS = [
    "--input-size",
    "48",
    "--horizon",
    "12",
    "--hidden-size",
    "16",
    "--batch-size",
    "64",
    "--quiet",
]


def train(*flags, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "keras_nhits.train", *flags],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_cli_on_the_shipped_sample_writes_every_output_file(tmp_path):
    out = tmp_path / "run"
    result = train(
        "--target",
        "OT",
        "--epochs",
        "1",
        "--windows-per-epoch",
        "256",
        "--hidden-size",
        "16",
        "--quiet",
        "--output",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    files = set(os.listdir(out))
    assert {"model.keras", "model.safetensors", "config.json", "metrics.json"} <= files
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["test"]) == {"mae", "mse", "rmse", "mape", "smape", "mase", "r2"}
    assert {"naive", "seasonal_naive"} <= set(metrics["baselines"])
    assert metrics["epochs_completed"] == 1 and metrics["train_seconds"] > 0
    assert [r["epoch"] for r in metrics["history"]] == [1]
    assert {"loss", "val_loss", "learning_rate"} <= set(metrics["history"][0])
    record = json.loads((out / "config.json").read_text())
    assert record["training"]["target"] == "OT" and record["model"]["horizon"] == 24
    assert "ETTh1" in record["data"]["source"]
    assert not [name for name in files if ".tmp" in name]


@pytest.mark.parametrize(
    "flags,words",
    [
        (["--horizon", "0"], "horizon"),
        (["--input-size", "-5"], "input_size"),
        (["--pool-sizes", "64,2,1", "--input-size", "48"], "pool_sizes"),
        (["--optimizer", "adamax"], "optimizer"),
        (["--loss", "quantile"], "loss"),
        (["--horizon", "abc"], "horizon"),
        (["--no-such-flag"], "no-such-flag"),
        (["--data", "/no/such/file.csv"], "does not exist"),
        (["--target", "price"], "price"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, flags, words):
    out = tmp_path / "run"
    result = train(*flags, "--output", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert words in lines[0] and "Traceback" not in result.stderr
    assert not out.exists()


def test_config_file_is_read_and_flags_override_it(tmp_path):
    (tmp_path / "run.toml").write_text("horizon = 0\nunknown_key = 3\n")
    result = train("--config", str(tmp_path / "run.toml"))
    assert result.returncode == 2 and "unknown_key" in result.stderr
    (tmp_path / "run.json").write_text(json.dumps({"horizon": "twelve"}))
    result = train("--config", str(tmp_path / "run.json"))
    assert result.returncode == 2 and "horizon" in result.stderr
    (tmp_path / "ok.json").write_text(json.dumps({"horizon": 0, "pooling": "max"}))
    result = train("--config", str(tmp_path / "ok.json"), "--horizon", "-1")
    assert result.returncode == 2 and "received -1" in result.stderr


@pytest.mark.slow
def test_a_run_killed_in_epoch_3_resumes_and_keeps_the_first_records(tmp_path):
    data = tmp_path / "series.csv"
    seasonal_frame(steps=2000).write_csv(data)
    out = tmp_path / "run"
    flags = [
        *TINY_FLAGS,
        "--data",
        str(data),
        "--epochs",
        "5",
        "--patience",
        "0",
        "--windows-per-epoch",
        "40000",
        "--output",
        str(out),
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "keras_nhits.train", *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state_path = out / "checkpoints" / "state.json"
    deadline = time.time() + 900  # generous: CI machines may be loaded
    state = None
    while time.time() < deadline and process.poll() is None:
        if state_path.exists():
            state = json.loads(state_path.read_text())
            if state["epoch"] >= 2:
                break
        time.sleep(0.02)
    assert state is not None and state["epoch"] == 2, "the run did not reach epoch 2 in time"
    time.sleep(0.3)  # inside epoch 3
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = json.loads(state_path.read_text())
    assert before["epoch"] in (2, 3)
    assert not (out / "metrics.json").exists()

    refused = train(*flags)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = train(*flags, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_completed"] == 5
    assert metrics["resumed_from_epoch"] == before["epoch"]
    assert [r["epoch"] for r in metrics["history"]] == [1, 2, 3, 4, 5]
    assert metrics["history"][:2] == before["records"][:2]

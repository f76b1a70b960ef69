"""Killed runs, diverged runs and concurrent runs: files stay whole, records stay kept.

`test_ten_kills_then_resume` SIGKILLs one run ten times at seeded random moments, each kill in a
new process resuming the last one: during an epoch, while a checkpoint or the best weights are
written, at the rename of a finished temporary file, during the final save, and from outside
after a random delay. After every kill each file of the run folder must read back whole; at the
end one `--resume` must finish the run with every record a checkpoint ever held unchanged.
It runs in the TensorFlow pass only: the files it checks are written by this package's atomic
writes, the same on every backend, and a kill-and-resume on every backend is
`tests/training/test_train_cli.py::test_a_run_killed_in_epoch_3_resumes_and_keeps_the_first_records`.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from keras_nhits.saving.ownership import write_marker
from tests.reliability.helpers import (
    ONE_BACKEND,
    assert_one_error_line,
    checked_files,
    damaged_files,
    environment,
    hourly_frame,
    leftovers,
    run_in_process,
    run_subprocess,
    snapshot,
)

HOOK = Path(__file__).with_name("kill_hook.py")
EPOCHS = 6
RUN_FLAGS = [
    "--input-size",
    "24",
    "--horizon",
    "6",
    "--hidden-size",
    "32",
    "--batch-size",
    "64",
    "--windows-per-epoch",
    "1024",
    "--patience",
    "0",
    "--quiet",
]


def _plan(seed=20240601):
    """Ten (phase, n, delay) kills; `external` kills come from this process after `delay` s."""
    rng = random.Random(seed)
    return [
        ("epoch", 1, rng.uniform(0.0, 0.5)),
        ("checkpoint", 1, rng.uniform(0.0, 0.1)),
        ("rename-checkpoints", rng.randint(2, 4), 0.0),
        ("external", 0, rng.uniform(0.5, 3.0)),
        ("best", 1, rng.uniform(0.0, 0.1)),
        ("epoch", 2, rng.uniform(0.0, 0.5)),
        ("checkpoint", rng.randint(1, 2), rng.uniform(0.0, 0.1)),
        ("final", 1, rng.uniform(0.0, 1.0)),
        ("rename-output", rng.randint(1, 4), 0.0),
        ("external", 0, rng.uniform(0.2, 1.0)),
    ]


def _kill_with_hook(flags, plan):
    phase, n, delay = plan
    done = subprocess.run(
        [sys.executable, str(HOOK), *flags],
        env={**environment(), "NHITS_KILL_AT": f"{phase}:{n}:{delay}"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stderr


def _kill_from_outside(flags, delay):
    process = subprocess.Popen(
        [sys.executable, "-m", "keras_nhits.train", *flags],
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.readline()  # the first report line: the data is read, training starts
    time.sleep(delay)
    alive = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    stderr = process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    return (process.returncode if alive else "finished before the kill"), stderr


def _state(out):
    path = out / "checkpoints" / "state.json"
    return json.loads(path.read_text()) if path.exists() else None


@ONE_BACKEND
@pytest.mark.slow
def test_ten_kills_then_resume(tmp_path):
    data = tmp_path / "series.csv"
    hourly_frame(steps=400).write_csv(data)
    out = tmp_path / "run"
    flags = [*RUN_FLAGS, "--data", data, "--epochs", EPOCHS, "--output", out]
    flags = [str(f) for f in flags]

    saved = {}  # epoch -> its record, as first seen in a checkpoint
    log = []
    files_checked = records_compared = 0
    for k, (phase, n, delay) in enumerate(_plan()):
        run_flags = flags + (["--resume"] if k else [])
        if phase == "external":
            code, stderr = _kill_from_outside(run_flags, delay)
        else:
            code, stderr = _kill_with_hook(run_flags, (phase, n, delay))
        assert code == -signal.SIGKILL, f"kill {k + 1} ({phase}) did not land: {code} {stderr}"
        damaged = damaged_files(out)
        assert not damaged, f"after kill {k + 1} ({phase}:{n}:{delay:.3f}): {damaged}"
        files_checked += len(checked_files(out))
        state = _state(out)
        for record in state["records"] if state else []:
            first = saved.setdefault(record["epoch"], record)
            assert record == first, f"kill {k + 1} changed the record of epoch {record['epoch']}"
            records_compared += 1
        log.append((phase, n, round(delay, 3), state["epoch"] if state else 0, leftovers(out)))

    last_epoch = _state(out)["epoch"] if _state(out) else 0
    resumed = run_subprocess([*flags, "--resume"])
    assert resumed.code == 0, resumed.stderr
    assert not damaged_files(out)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_completed"] == EPOCHS
    assert metrics["resumed_from_epoch"] == last_epoch
    assert [r["epoch"] for r in metrics["history"]] == list(range(1, EPOCHS + 1))
    for epoch, record in saved.items():
        assert metrics["history"][epoch - 1] == record, f"the record of epoch {epoch} was lost"
    # The resumed run cleared what killed writes left in its checkpoint folder.
    assert not leftovers(out / "checkpoints"), leftovers(out / "checkpoints")
    print(
        f"\n10 kills, {files_checked} files read back whole, {records_compared} records compared"
        " unchanged; (phase, n, delay, epochs checkpointed, temporary files):",
        *log,
        sep="\n  ",
    )


# === A NaN loss ===


@pytest.mark.slow
@pytest.mark.parametrize("windows", [1024, 64], ids=["nan-mid-epoch", "nan-weights-one-batch"])
def test_a_diverging_run_stops_with_one_line_and_writes_no_model(tmp_path, windows):
    # 64 windows = one batch per epoch: the loss reported is the one before the update that
    # blew the weights up, so only val_loss and the weights show it.
    data = tmp_path / "series.csv"
    hourly_frame(steps=400).write_csv(data)
    out = tmp_path / "run"
    flags = [*RUN_FLAGS, "--windows-per-epoch", windows, "--epochs", 2, "--lr", "1e12"]
    result = run_subprocess([*flags, "--data", data, "--output", out])
    assert_one_error_line(result, ["training diverged", "in epoch 1"], code=1)
    # No model, no metrics: the folder holds its marker, lock and the run's settings only.
    assert sorted(os.listdir(out)) == [".keras_nhits", ".lock", "checkpoints"]
    assert sorted(os.listdir(out / "checkpoints")) == [".keras_nhits", ".lock", "run_config.json"]


@pytest.mark.slow
def test_a_nan_after_good_epochs_keeps_the_checkpoint_and_the_previous_outputs(tmp_path):
    data = tmp_path / "series.csv"
    hourly_frame(steps=400).write_csv(data)
    out = tmp_path / "run"
    flags = [*RUN_FLAGS, "--data", data, "--output", out]
    first = run_subprocess([*flags, "--epochs", 2])
    assert first.code == 0, first.stderr
    before = snapshot(out)

    # Continue for two more epochs with a weight decay that blows the weights up.
    diverged = run_subprocess([*flags, "--epochs", 4, "--resume", "--weight-decay", "1e30"])
    assert_one_error_line(diverged, ["training diverged", "epoch 3", "checkpoint"], code=1)
    after = snapshot(out)
    # Only the record of the last command's settings is rewritten.
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [os.path.join("checkpoints", "run_config.json")]
    assert json.loads((out / "checkpoints" / "state.json").read_text())["epoch"] == 2
    assert not damaged_files(out)


# === Two runs on one folder ===


@pytest.mark.slow
def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(tmp_path, capfd):
    data = tmp_path / "series.csv"
    hourly_frame(steps=400).write_csv(data)
    out = tmp_path / "run"
    flags = [str(f) for f in [*RUN_FLAGS, "--data", data, "--output", out, "--epochs", 1000]]
    first = subprocess.Popen(
        [sys.executable, "-m", "keras_nhits.train", *flags],
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        lock = out / ".lock"
        deadline = time.time() + 300
        while not (lock.exists() and lock.read_text().strip()) and time.time() < deadline:
            assert first.poll() is None, "the first run ended early"
            time.sleep(0.1)
        words = ["in use by another run", f"pid {first.pid}"]
        second = run_subprocess([*flags, "--resume"])
        assert_one_error_line(second, words)
        # --overwrite must not delete the running run's checkpoint folder either.
        folder = os.stat(out / "checkpoints").st_ino
        assert_one_error_line(run_in_process([*flags, "--overwrite"], capfd), words)
        assert os.stat(out / "checkpoints").st_ino == folder
        assert (out / "checkpoints" / "run_config.json").exists()
        # Once it has saved an epoch, a plain run is told the folder is in use, not "stopped".
        while not (out / "checkpoints" / "state.json").exists() and time.time() < deadline:
            assert first.poll() is None, "the first run ended early"
            time.sleep(0.1)
        assert_one_error_line(run_in_process(flags, capfd), words)
        assert first.poll() is None, "the first run died"
    finally:
        first.kill()
        first.wait()


# === A damaged checkpoint folder ===


def _killed_run(out):
    """The folders a run killed in its first epochs leaves: marked as a run and its checkpoints."""
    (out / "checkpoints").mkdir(parents=True)
    write_marker(out, "run")
    write_marker(out / "checkpoints", "checkpoints")
    return out


DAMAGED_STATES = [
    ("truncated", '{"epoch": 2, "weights": "epoch_2.wei', "not JSON"),
    ("no-weights-key", json.dumps({"epoch": 2}), "'weights' is missing"),
    ("a-list", "[1, 2]", "not a JSON object"),
    (
        "weights-outside-the-folder",
        json.dumps(
            {"epoch": 2, "weights": "../../x.weights.h5", "learning_rate": 0.001, "records": []}
        ),
        "not a checkpoint",
    ),
]


@pytest.mark.parametrize(
    "text, words", [c[1:] for c in DAMAGED_STATES], ids=[c[0] for c in DAMAGED_STATES]
)
def test_a_damaged_state_file_is_one_line_and_changes_nothing(tmp_path, capfd, text, words):
    data = tmp_path / "series.csv"
    hourly_frame().write_csv(data)
    out = _killed_run(tmp_path / "run")
    (out / "checkpoints" / "state.json").write_text(text)
    before = snapshot(out)
    for flag in ("--resume", None):
        flags = [*RUN_FLAGS, "--data", data, "--output", out, *([flag] if flag else [])]
        result = run_in_process(flags, capfd)
        assert_one_error_line(result, ["state.json is damaged", words])
        assert snapshot(out) == before


def test_overwrite_replaces_a_damaged_checkpoint_folder(tmp_path, capfd):
    data = tmp_path / "series.csv"
    hourly_frame().write_csv(data)
    out = _killed_run(tmp_path / "run")
    (out / "checkpoints" / "state.json").write_text(DAMAGED_STATES[0][1])
    flags = [*RUN_FLAGS, "--epochs", "1", "--data", data, "--output", out, "--overwrite"]
    result = run_in_process(flags, capfd)
    assert result.code == 0, result.err
    assert json.loads((out / "checkpoints" / "state.json").read_text())["epoch"] == 1
    assert not damaged_files(out)


def test_a_new_run_clears_what_a_killed_writer_left_in_its_output(tmp_path, capfd):
    data = tmp_path / "series.csv"
    hourly_frame().write_csv(data)
    out = _killed_run(tmp_path / "run")
    (out / ".model.safetensors.tmp-0a1b2c3d.tmp").write_bytes(b"half a file")
    (out / "notes.txt").write_text("the user's own file\n")
    result = run_in_process([*RUN_FLAGS, "--epochs", "1", "--data", data, "--output", out], capfd)
    assert result.code == 0, result.err
    assert leftovers(out) == []
    assert (out / "notes.txt").read_text() == "the user's own file\n"

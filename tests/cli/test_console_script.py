"""`keras-nhits <command>`, the console script setup.cfg installs, runs the same commands as
`python -m keras_nhits.<command>`. Backend-independent: runs on the TensorFlow pass only."""

import os
import subprocess
import sys

import pytest

from tests.reliability.helpers import ONE_BACKEND

pytestmark = ONE_BACKEND

SCRIPT = os.path.join(os.path.dirname(sys.executable), "keras-nhits")


def _run(*argv):
    if not os.path.exists(SCRIPT):
        pytest.fail(f"{SCRIPT} is missing: the package is not installed with its entry points")
    return subprocess.run([SCRIPT, *argv], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", ["train", "predict", "export", "backtest", "tune"])
def test_each_command_answers_its_own_help(command):
    result = _run(command, "--help")
    module = subprocess.run(
        [sys.executable, "-m", f"keras_nhits.{command}", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == module.stdout  # the very same parser and flags


def test_the_command_list_names_every_command():
    result = _run("--help")
    assert result.returncode == 0
    for command in ("train", "predict", "export", "backtest", "tune"):
        assert f"  {command} " in result.stdout


def test_an_unknown_command_is_one_line_and_exit_2():
    result = _run("fit", "--data", "x.csv")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown command 'fit'" in result.stderr
    assert "Traceback" not in result.stderr


def test_train_through_the_console_script_writes_a_run(tmp_path):
    from tests.reliability.helpers import TINY
    from tests.synthetic import seasonal_frame

    data = tmp_path / "data.csv"
    seasonal_frame(steps=200).write_csv(data)
    result = _run("train", "--data", str(data), "--output", str(tmp_path / "run"), *TINY)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "run" / "metrics.json").is_file()
    assert (tmp_path / "run" / "model.safetensors").is_file()

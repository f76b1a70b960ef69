"""`python -m keras_nhits.train --init-from RUN` the way a user meets it: a trained run continued
on appended data in a fresh process, writing a new run folder that records where it came from,
RUN left as it was; and every input that cannot continue RUN refused in one line, exit 2, with
nothing written.

The command-line path does not depend on the backend: it runs in the TensorFlow pass only
(`ONE_BACKEND`); tests/training/test_init_from.py runs the library path on every backend.
"""

import json

import pytest

from tests.reliability.helpers import (
    ONE_BACKEND,
    TINY,
    assert_one_error_line,
    hourly_frame,
    run_in_process,
    run_subprocess,
    snapshot,
)

pytestmark = ONE_BACKEND


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    """RUN trained by the documented command on 200 hourly steps of two series; NEW holds
    them with 100 more steps appended."""
    folder = tmp_path_factory.mktemp("continue")
    hourly_frame(2, 200).write_csv(folder / "old.csv")
    hourly_frame(2, 300).write_csv(folder / "new.csv")
    flags = ["--data", folder / "old.csv", *TINY, "--hidden-size", "12", "--lr", "0.003"]
    result = run_subprocess([*flags, "--output", folder / "run"])
    assert result.code == 0, result.stderr
    return folder


def test_the_documented_command_continues_a_run_in_a_new_folder(parent):
    run, new = parent / "run", parent / "continued"
    before = snapshot(run)
    result = run_subprocess(
        ["--init-from", run, "--data", parent / "new.csv", "--epochs", "2", "--output", new]
    )
    assert result.code == 0, result.stderr
    assert f"init from {run}" in result.stdout
    record = json.loads((new / "config.json").read_text())
    assert record["init_from"]["run"] == str(run)
    assert record["init_from"]["lengths"] == [200, 200]
    assert record["data"]["lengths"] == [300, 300]
    training = record["training"]
    # RUN's settings, except the ones given again and the per-invocation ones.
    assert (training["hidden_size"], training["lr"], training["input_size"]) == (12, 0.003, 24)
    assert training["epochs"] == 2 and training["init_from"] == str(run)
    metrics = json.loads((new / "metrics.json").read_text())
    assert metrics["epochs_completed"] == 2 and metrics["init_from"] == str(run)
    assert snapshot(run) == before  # RUN is read, never written


def _not_a_run(parent, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("call the broker\n")
    return ["--init-from", tmp_path / "notes"], ["is not a run folder", "notes"]


CASES = {
    "a_contradicting_hidden_size": (["--hidden-size", "64"], ["--hidden-size 64 contradicts"]),
    "a_contradicting_horizon": (["--horizon", "12"], ["--horizon 12 contradicts", "6"]),
    "a_distribution_head_on_a_point_run": (
        ["--loss", "studentt", "--level", "80"],
        ["contradicts"],
    ),
    "the_run_itself_as_output": (
        ["--output", "{run}"],
        ["--output", "would replace the run --init-from continues"],
    ),
}


@pytest.mark.parametrize("case", [*sorted(CASES), "a_folder_that_is_not_a_run"])
def test_what_cannot_continue_the_run_is_one_line_exit_2_nothing_written(
    case, parent, tmp_path, capfd
):
    run = parent / "run"
    if case == "a_folder_that_is_not_a_run":
        flags, words = _not_a_run(parent, tmp_path)
    else:
        more, words = CASES[case]
        flags = ["--init-from", run, *[str(run) if a == "{run}" else a for a in more]]
    if "--output" not in flags:
        flags += ["--output", tmp_path / "out"]
    before, files = snapshot(run), snapshot(tmp_path)
    result = run_in_process([*flags, "--data", parent / "new.csv", "--quiet"], capfd)
    assert_one_error_line(result, words)
    assert snapshot(run) == before and snapshot(tmp_path) == files

"""`python -m keras_nhits.backtest` the way a user meets it: a trained run folder, its `.keras`
file and its SavedModel backtested in fresh processes, the files written checked against each
other and against the Python API, walk-forward refits recorded, and every bad input refused in one
line with nothing written.

The command-line path does not depend on the backend: it runs in the TensorFlow pass only
(`ONE_BACKEND`); the windowing, leakage and refit tests under tests/backtesting run on every
backend.
"""

import io
import json

import numpy as np
import polars as pl
import pytest

from tests.reliability.helpers import (
    ONE_BACKEND,
    assert_one_error_line,
    hourly_frame,
    run_in_process,
    run_subprocess,
    snapshot,
    train_tiny_run,
)

pytestmark = ONE_BACKEND

BACKTEST = "keras_nhits.backtest"
N_SERIES, N_WINDOWS, STEP, HORIZON = 2, 3, 6, 6


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny run (input 24, horizon 6) trained on two hourly series of 300 steps."""
    folder = tmp_path_factory.mktemp("backtest")
    data = folder / "series.csv"
    hourly_frame(N_SERIES, 300).write_csv(data)
    run = train_tiny_run(data, folder / "run")
    return run, data


def _flags(run, data, *more):
    return ["--model", run, "--data", data, "--n-windows", N_WINDOWS, "--step-size", STEP, *more]


def test_the_documented_command_writes_forecasts_scores_and_a_picture(trained, tmp_path):
    run, data = trained
    output = tmp_path / "bt.csv"
    result = run_subprocess(_flags(run, data, "--output", output), module=BACKTEST)
    assert result.code == 0, result.stderr
    frame = pl.read_csv(output, try_parse_dates=True)
    assert frame.columns == ["unique_id", "ds", "cutoff", "y", "forecast"]
    assert frame.height == N_SERIES * N_WINDOWS * HORIZON
    cutoffs = sorted(frame["cutoff"].unique().to_list())
    assert [(b - a).total_seconds() for a, b in zip(cutoffs, cutoffs[1:])] == [STEP * 3600] * 2
    source = pl.read_csv(data, try_parse_dates=True)
    assert frame["ds"].max() == source["ds"].max()  # the latest forecast ends the series
    joined = frame.join(source, on=["unique_id", "ds"], suffix="_data")
    np.testing.assert_allclose(joined["y"].to_numpy(), joined["y_data"].to_numpy())

    record = json.loads((tmp_path / "bt.backtest.json").read_text())
    assert record["windows"] == N_SERIES * N_WINDOWS and "refit" not in record
    mae = float(np.mean(np.abs(frame["y"].to_numpy() - frame["forecast"].to_numpy())))
    assert record["overall"]["model"]["mae"] == pytest.approx(mae, rel=1e-4)
    assert set(record["overall"]) == {"model", "naive", "seasonal_naive"}
    assert len(record["per_cutoff"]) == N_WINDOWS and len(record["per_series"]) == N_SERIES
    assert (tmp_path / "bt.backtest.png").read_bytes().startswith(b"\x89PNG")
    assert f"MAE model {mae:.4g}" in result.stdout


def test_the_command_and_trainer_cross_validation_forecast_alike(trained, tmp_path):
    from keras_nhits import NHITSTrainer

    run, data = trained
    result = run_subprocess(_flags(run, data), module=BACKTEST)
    assert result.code == 0, result.stderr
    from_cli = pl.read_csv(io.StringIO(result.stdout))
    assert "MAE model" in result.stderr.splitlines()[-1]  # no --output: the summary on stderr
    from_python = NHITSTrainer.load(run).cross_validation(
        pl.read_csv(data, try_parse_dates=True), n_windows=N_WINDOWS, step_size=STEP
    )
    np.testing.assert_allclose(
        from_cli["forecast"].to_numpy(), from_python["forecast"].to_numpy(), rtol=1e-5
    )


@pytest.mark.slow
def test_the_saved_model_and_keras_file_backtest_like_the_run_folder(trained, tmp_path):
    run, data = trained
    saved = tmp_path / "saved"
    export = run_subprocess(["--model", run, "--output", saved], module="keras_nhits.export")
    assert export.code == 0, export.stderr
    forecasts = {}
    for name, model in (("run", run), ("saved", saved), ("keras", run / "model.keras")):
        result = run_subprocess(_flags(model, data), module=BACKTEST)
        assert result.code == 0, (name, result.stderr)
        forecasts[name] = pl.read_csv(io.StringIO(result.stdout))["forecast"].to_numpy()
    np.testing.assert_allclose(forecasts["saved"], forecasts["run"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(forecasts["keras"], forecasts["run"], rtol=1e-5, atol=1e-6)


def test_refit_retrains_a_copy_before_every_kth_cutoff_and_records_it(trained, tmp_path):
    run, data = trained
    before = snapshot(run)
    output = tmp_path / "walk.parquet"
    flags = ["--refit", "2", "--refit-steps", "5", "--train-length", "100", "--output", output]
    result = run_subprocess(_flags(run, data, *flags), module=BACKTEST)
    assert result.code == 0, result.stderr
    refit = json.loads((tmp_path / "walk.backtest.json").read_text())["refit"]
    assert refit["every"] == 2 and refit["train_length"] == 100 and refit["steps"] == 5
    # Cutoffs 0, 1 share the first refit and cutoff 2 gets the second; each trains on the last
    # 100 steps of each series up to its cutoff: 100 - (24 + 6) + 1 = 71 windows per series.
    assert [r["windows"] for r in refit["refits"]] == [N_SERIES * 71] * 2
    assert [r["cutoffs"] for r in refit["refits"]] == [[0, 1], [2, 2]]
    assert "refit 2/2: 5 steps" in result.stdout
    assert snapshot(run) == before  # the run folder is read, never retrained in place
    walked = pl.read_parquet(output)
    plain = run_subprocess(_flags(run, data), module=BACKTEST)
    fixed = pl.read_csv(io.StringIO(plain.stdout))
    assert walked.height == fixed.height
    assert not np.allclose(walked["forecast"].to_numpy(), fixed["forecast"].to_numpy())


def test_a_second_backtest_replaces_the_files_a_backtest_wrote(trained, tmp_path, capfd):
    from keras_nhits.cli.backtest import main

    run, data = trained
    output = tmp_path / "bt.parquet"
    first = run_in_process(_flags(run, data, "--output", output), capfd, main)
    assert first.code == 0, first.stderr
    again = run_in_process(
        ["--model", run, "--data", data, "--n-windows", 2, "--output", output], capfd, main
    )
    assert again.code == 0, again.stderr
    assert pl.read_parquet(output).height == N_SERIES * 2 * HORIZON
    assert json.loads((tmp_path / "bt.backtest.json").read_text())["n_windows"] == 2


def _not_a_run(tmp_path, run, data):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("buy milk\n")
    return ["--model", tmp_path / "notes", "--data", data, "--n-windows", 2]


def _users_file(tmp_path, run, data):
    (tmp_path / "mine.csv").write_text("a,b\n1,2\n")
    return _flags(run, data, "--output", tmp_path / "mine.csv")


def _refit_keras_file(tmp_path, run, data):
    return _flags(run / "model.keras", data, "--refit", 1, "--output", tmp_path / "bt.csv")


CASES = {
    "n_windows_0": (
        lambda tmp, run, data: ["--model", run, "--data", data, "--n-windows", 0],
        ["n_windows", "0"],
    ),
    "more_windows_than_the_data_holds": (
        lambda tmp, run, data: ["--model", run, "--data", data, "--n-windows", 100, "-s", 3],
        ["cannot hold n_windows=100", "step_size=3"],
    ),
    "a_step_too_large_for_the_data": (
        lambda tmp, run, data: ["--model", run, "--data", data, "--n-windows", 2, "-s", 280],
        ["step_size=280"],
    ),
    "a_folder_that_is_not_a_run": (_not_a_run, ["notes"]),
    "refit_of_a_keras_file": (_refit_keras_file, ["--refit needs a run folder"]),
    "train_length_without_refit": (
        lambda tmp, run, data: _flags(run, data, "--train-length", 100),
        ["--train-length needs --refit"],
    ),
    "an_unknown_plot_series": (
        lambda tmp, run, data: _flags(run, data, "--plot-series", "s9", "--output", tmp / "b.csv"),
        ["--plot-series 's9'"],
    ),
    "the_data_file_as_output": (
        lambda tmp, run, data: _flags(run, data, "--output", data),
        ["--output"],
    ),
    "a_users_file_as_output": (_users_file, ["mine.csv"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_nothing_written(case, trained, tmp_path, capfd):
    from keras_nhits.cli.backtest import main

    run, data = trained
    make, words = CASES[case]
    argv = [a if a != "-s" else "--step-size" for a in make(tmp_path, run, data)]
    before, run_before, data_before = snapshot(tmp_path), snapshot(run), snapshot(data)
    result = run_in_process(argv, capfd, main)
    assert_one_error_line(result, words)
    assert result.stdout == ""
    assert snapshot(tmp_path) == before
    assert snapshot(run) == run_before and snapshot(data) == data_before

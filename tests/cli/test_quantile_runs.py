"""Quantile forecasts the way a user meets them: `train --level` / `--quantiles` / `--conformal`,
then predict from the run folder, the `.keras` file and the exported SavedModel, each in a fresh
process.

The command-line path does not depend on the backend: it runs in the TensorFlow pass only
(`ONE_BACKEND`); the model and loss tests under tests/models and tests/probabilistic run on
every backend.
"""

import io
import json

import numpy as np
import polars as pl
import pytest

from tests.reliability.helpers import (
    ONE_BACKEND,
    TINY,
    assert_one_error_line,
    hourly_frame,
    run_subprocess,
    snapshot,
)

LEVEL_COLUMNS = ["forecast", "forecast-lo-90", "forecast-lo-80", "forecast-hi-80", "forecast-hi-90"]


@pytest.fixture(scope="module")
def level_run(tmp_path_factory):
    """A run trained by `python -m keras_nhits.train --level 80,90 --export`."""
    folder = tmp_path_factory.mktemp("levels")
    data = folder / "train.csv"
    hourly_frame(2, 300).write_csv(data)
    run = folder / "run"
    result = run_subprocess(
        ["--data", data, "--level", "80,90", *TINY, "--output", run, "--export"]
    )
    assert result.code == 0, result.stderr
    return run, data


def _predict(model, data):
    result = run_subprocess(["--model", model, "--data", data], module="keras_nhits.predict")
    assert result.code == 0, result.stderr
    return pl.read_csv(io.StringIO(result.stdout))


@ONE_BACKEND
def test_a_level_run_records_interval_scores_beside_the_seasonal_naive_intervals(level_run):
    run, _ = level_run
    metrics = json.loads((run / "metrics.json").read_text())
    record = metrics["probabilistic"]
    assert record["quantiles"] == [0.05, 0.1, 0.5, 0.9, 0.95]
    assert record["levels"] == [80, 90]
    for scores in (record["test"], record["baselines"]["seasonal_naive"]):
        assert set(scores["pinball"]) == {"0.05", "0.1", "0.5", "0.9", "0.95"}
        assert scores["scaled_crps"] > 0
        for level in ("80", "90"):
            interval = scores["intervals"][level]
            assert 0 <= interval["coverage"] <= 1 and interval["width"] > 0
            assert interval["winkler"] >= interval["width"]
    # The 90 % interval holds the 80 % one, so it covers at least as much.
    intervals = record["test"]["intervals"]
    assert intervals["90"]["coverage"] >= intervals["80"]["coverage"]
    assert intervals["90"]["width"] > intervals["80"]["width"]
    # The point metrics are the median's: the pinball loss at 0.5 is half its MAE.
    np.testing.assert_allclose(record["test"]["pinball"]["0.5"], metrics["test"]["mae"] / 2)
    config = json.loads((run / "config.json").read_text())
    assert config["training"]["level"] == [80, 90] and config["training"]["quantiles"] == []


@ONE_BACKEND
def test_predict_writes_the_intervals_and_every_model_file_agrees(level_run):
    run, data = level_run
    from_run = _predict(run, data)
    assert from_run.columns == ["unique_id", "ds", *LEVEL_COLUMNS]
    values = from_run.select(LEVEL_COLUMNS[1:3] + LEVEL_COLUMNS[:1] + LEVEL_COLUMNS[3:])
    assert np.all(np.diff(values.to_numpy(), axis=1) >= 0)  # lo-90 <= lo-80 <= median <= ...
    for other in (run / "model.keras", run / "saved_model"):
        frame = _predict(other, data)
        assert frame.columns == from_run.columns
        # The SavedModel's quantiles are predict's, in raw units.
        np.testing.assert_allclose(
            frame.select(LEVEL_COLUMNS).to_numpy(),
            from_run.select(LEVEL_COLUMNS).to_numpy(),
            rtol=1e-5,
            atol=1e-4,
        )
    record = json.loads((run / "saved_model" / "keras_nhits.json").read_text())
    assert record["quantiles"] == [0.05, 0.1, 0.5, 0.9, 0.95] and record["level"] == [80, 90]


@ONE_BACKEND
def test_quantiles_name_their_columns_and_predict_replaces_its_own_file(tmp_path):
    data = tmp_path / "train.csv"
    hourly_frame(1, 300).write_csv(data)
    run = tmp_path / "run"
    result = run_subprocess(["--data", data, "--quantiles", "0.9,0.1", *TINY, "--output", run])
    assert result.code == 0, result.stderr
    output = tmp_path / "forecast.csv"
    for _ in range(2):  # the second run replaces the file the first wrote
        argv = ["--model", run, "--data", data, "--output", output]
        done = run_subprocess(argv, module="keras_nhits.predict")
        assert done.code == 0, done.stderr
    frame = pl.read_csv(output)
    assert frame.columns == ["ds", "forecast", "forecast-q0.1", "forecast-q0.9"]
    assert (frame["forecast-q0.1"] <= frame["forecast"]).all()
    assert (frame["forecast"] <= frame["forecast-q0.9"]).all()


@ONE_BACKEND
def test_conformal_intervals_are_applied_by_predict_and_the_saved_model(tmp_path):
    data = tmp_path / "train.csv"
    hourly_frame(2, 300).write_csv(data)
    run = tmp_path / "run"
    flags = ["--level", "80", "--conformal", "point", "--loss", "mse", *TINY]
    result = run_subprocess(["--data", data, *flags, "--output", run, "--export"])
    assert result.code == 0, result.stderr
    record = json.loads((run / "metrics.json").read_text())["probabilistic"]
    offsets = np.array(record["conformal"]["offsets"]["80"])
    assert record["conformal"]["mode"] == "point" and np.all(offsets > 0)
    columns = ["forecast", "forecast-lo-80", "forecast-hi-80"]
    from_run = _predict(run, data)
    assert from_run.columns == ["unique_id", "ds", *columns]
    width = (from_run["forecast-hi-80"] - from_run["forecast-lo-80"]).to_numpy()
    assert np.all(width > 0)  # calibrated: an uncalibrated point model's interval is width 0
    from_saved = _predict(run / "saved_model", data)
    np.testing.assert_allclose(
        from_saved.select(columns).to_numpy(), from_run.select(columns).to_numpy(), rtol=1e-5
    )
    config = json.loads((run / "config.json").read_text())["training"]
    assert config["conformal"] == "point" and config["loss"] == "mse"


@ONE_BACKEND
@pytest.mark.parametrize(
    "flags,words",
    [
        (["--quantiles", "1.2"], ["quantiles", "below 1.0", "1.2"]),
        (["--quantiles", "0.1,0.1"], ["0.1 twice"]),
        (["--level", "0"], ["level", "> 0.0"]),
        (["--level", "80,80"], ["80 twice"]),
        (["--level", "80", "--quantiles", "0.1,0.9"], ["either quantiles or level"]),
        (["--quantiles", "0.1,0.9", "--loss", "mse"], ["pinball", "--loss mse"]),
        (["--conformal", "point"], ["--level"]),
        (["--conformal", "point", "--quantiles", "0.1,0.9"], ["--level", "not intervals"]),
        (["--conformal", "always", "--level", "80"], ["conformal", "point, quantiles"]),
        (["--conformal", "point", "--level", "90", "--val-split", "10"], ["9 validation"]),
        (["--loss", "normal"], ["--loss normal", "--level"]),
        (["--loss", "studentt", "--level", "80", "--conformal", "point"], ["quantiles"]),
    ],
)
def test_bad_quantile_flags_exit_2_with_one_line_and_write_nothing(tmp_path, flags, words):
    data = tmp_path / "train.csv"
    hourly_frame(1, 300).write_csv(data)
    before = snapshot(tmp_path)
    result = run_subprocess(["--data", data, *flags, *TINY, "--output", tmp_path / "run"])
    assert_one_error_line(result, words)
    assert snapshot(tmp_path) == before

import subprocess
import sys

import keras
import numpy as np
import polars as pl
import pytest

from keras_nhits import NHITSTrainer
from keras_nhits.cli.common import run
from keras_nhits.cli.predict import main
from keras_nhits.data import load_series
from keras_nhits.serving.forecaster import Forecaster, forecast_frame, load_forecaster
from tests.training.conftest import seasonal_frame


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("predict")
    frame = seasonal_frame(steps=400)
    frame.write_csv(folder / "series.csv")
    config = dict(
        input_size=48,
        horizon=12,
        hidden_size=16,
        epochs=1,
        windows_per_epoch=256,
        quiet=True,
        output=str(folder / "run"),
    )
    model, _ = NHITSTrainer(log=lambda line: None, **config).fit(folder / "series.csv")
    return folder, frame, model


def zeros_forecaster(input_size, horizon):
    return Forecaster(lambda x: np.zeros((len(x), horizon)), input_size, horizon, {}, None, "t")


@pytest.mark.parametrize(
    "times,expected",
    [
        (
            pl.datetime_range(
                pl.datetime(2024, 3, 1), pl.datetime(2024, 3, 1, 9), "1h", eager=True
            ),
            ["2024-03-01 10:00:00", "2024-03-01 11:00:00", "2024-03-01 12:00:00"],
        ),
        (
            pl.date_range(pl.date(2024, 2, 20), pl.date(2024, 2, 29), "1d", eager=True),
            ["2024-03-01", "2024-03-02", "2024-03-03"],
        ),
        (pl.Series(np.arange(100, 110)), [110, 111, 112]),
    ],
    ids=["hourly", "daily", "integer"],
)
def test_timestamps_continue_at_the_series_step(times, expected):
    frame = pl.DataFrame({"ds": times, "y": np.arange(10.0)})
    out = forecast_frame(zeros_forecaster(4, 3), load_series(frame))
    assert out.columns == ["ds", "forecast"]
    assert [str(v) for v in out["ds"].to_list()] == [str(v) for v in expected]


def test_predict_equals_the_model_on_each_series_last_window(trained_run, capsys):
    folder, frame, model = trained_run
    code = run(
        main,
        [
            "--model",
            str(folder / "run"),
            "--data",
            str(folder / "series.csv"),
            "--output",
            str(folder / "out.parquet"),
        ],
    )
    assert code == 0
    out = pl.read_parquet(folder / "out.parquet")
    assert out.columns == ["unique_id", "ds", "forecast"] and out.height == 2 * 12
    for series_id in ("s0", "s1"):
        history = frame.filter(pl.col("unique_id") == series_id)["y"].to_numpy()[-48:]
        expected = keras.ops.convert_to_numpy(model(history[None].astype("float32")))[0]
        got = out.filter(pl.col("unique_id") == series_id)
        np.testing.assert_allclose(got["forecast"].to_numpy(), expected, rtol=1e-5)
        last = frame.filter(pl.col("unique_id") == series_id)["ds"].max()
        assert (got["ds"][0] - last).total_seconds() == 3600


@pytest.mark.slow
def test_saved_model_and_run_folder_predict_the_same(trained_run, tmp_path):
    folder, _, _ = trained_run
    if keras.backend.backend() == "torch":
        pytest.skip("SavedModel export runs on the TensorFlow and JAX backends")
    export = [
        sys.executable,
        "-m",
        "keras_nhits.export",
        "--model",
        str(folder / "run"),
        "--output",
        str(tmp_path / "saved"),
    ]
    assert subprocess.run(export, capture_output=True, timeout=300).returncode == 0
    from_run = forecast_frame(load_forecaster(folder / "run"), load_series(folder / "series.csv"))
    from_saved = forecast_frame(
        load_forecaster(tmp_path / "saved"), load_series(folder / "series.csv")
    )
    np.testing.assert_allclose(
        from_saved["forecast"].to_numpy(), from_run["forecast"].to_numpy(), rtol=1e-5
    )


def test_a_corrupted_weights_file_is_one_clear_line_and_no_output(trained_run, tmp_path):
    folder, _, _ = trained_run
    broken = tmp_path / "run"
    broken.mkdir()
    (broken / "config.json").write_bytes((folder / "run" / "config.json").read_bytes())
    data = (folder / "run" / "model.safetensors").read_bytes()
    (broken / "model.safetensors").write_bytes(data[:100])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_nhits.predict",
            "--model",
            str(broken),
            "--data",
            str(folder / "series.csv"),
            "--output",
            str(tmp_path / "out.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "model.safetensors" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_an_unknown_output_format_exits_2(trained_run, capsys):
    folder, _, _ = trained_run
    argv = ["--model", str(folder / "run"), "--data", str(folder / "series.csv")]
    assert run(main, [*argv, "--output", "out.xlsx"]) == 2
    assert "unknown format" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:  # argparse rejects an unknown choice itself
        run(main, [*argv, "--fill", "mean"])
    assert exit_info.value.code == 2
    assert "--fill" in capsys.readouterr().err


def test_a_series_shorter_than_the_window_is_named(trained_run):
    folder, _, _ = trained_run
    short = pl.DataFrame({"ds": np.arange(10), "y": np.arange(10.0)})
    with pytest.raises(ValueError, match="shorter than input_size=48"):
        forecast_frame(load_forecaster(folder / "run"), load_series(short))

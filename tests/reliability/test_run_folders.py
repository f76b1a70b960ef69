"""The run folder: nothing of the user's is deleted or replaced, and what a finished run shows.

`train` writes only into folders that are new, empty or marked as ours (`.keras_nhits`), never
into one that holds the data or config it reads, and `--overwrite` removes only the names a run
writes. Every refusal is one line, exit 2, with every folder left byte for byte. One tiny run
(the module fixture, over a previous run holding the user's notes) proves the other side: the
user's files survive, and the summary line, metrics.json and forecast.png say what they should.
"""

import contextlib
import io
import json
import os
import sys

import numpy as np
import pytest

from keras_nhits import NHITSTrainer, NHITSTrainingConfig
from keras_nhits.errors import NHITSInputError
from keras_nhits.saving.ownership import MARKER_FILE, marker_kind
from tests.reliability.helpers import (
    ONE_BACKEND,
    TINY,
    CliResult,
    assert_one_error_line,
    hourly_frame,
    previous_run,
    run_in_process,
    snapshot,
    write_text,
)

# Backend-independent command-line paths (the metrics are NumPy): the TensorFlow pass only.
pytestmark = ONE_BACKEND

NOTES = "my notes, not keras_nhits'\n"


def _data(tmp_path, n_series=2):
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / "series.csv"
    hourly_frame(n_series=n_series).write_csv(path)
    write_text(folder / "notes.txt", NOTES)
    return path


def _refused(capfd, argv, words, *kept):
    """Runs `train ARGV`: one line holding `words`, exit 2, each of `kept` byte for byte."""
    before = [snapshot(k) for k in kept]
    line = assert_one_error_line(run_in_process([*TINY, *argv], capfd), words)
    assert [snapshot(k) for k in kept] == before, f"changed by: {line}"
    return line


# === Refused before anything is written ===


def test_checkpoint_dir_on_the_data_folder_is_refused_even_with_overwrite(tmp_path, capfd):
    data = _data(tmp_path)
    out = tmp_path / "run"
    for extra in ([], ["--overwrite"]):
        argv = ["--data", data, "--output", out, "--checkpoint-dir", data.parent, *extra]
        _refused(capfd, argv, ["--checkpoint-dir", "data it reads"], data.parent)
    assert not out.exists()


def test_output_on_a_folder_of_the_users_files_is_refused_even_with_overwrite(tmp_path, capfd):
    data = _data(tmp_path)
    theirs = tmp_path / "results"
    theirs.mkdir()
    write_text(theirs / "report.docx", "someone's report")
    for extra in ([], ["--overwrite"]):
        argv = ["--data", data, "--output", theirs, *extra]
        _refused(capfd, argv, ["--output", "did not write", "report.docx"], theirs)


def test_a_checkpoint_dir_that_is_the_output_is_refused(tmp_path, capfd):
    # A cleanup of such a folder used to delete the run's .lock with the checkpoints, so a
    # second run could train at once on the same folder.
    data = _data(tmp_path)
    kept = previous_run(tmp_path / "previous")
    argv = ["--data", data, "--output", kept, "--checkpoint-dir", kept, "--overwrite"]
    _refused(capfd, argv, ["--checkpoint-dir", "the --output folder itself"], kept)


def test_an_output_inside_the_checkpoint_dir_is_refused(tmp_path, capfd):
    data = _data(tmp_path)
    ckpt = tmp_path / "ckpt"
    argv = ["--data", data, "--output", ckpt / "run", "--checkpoint-dir", ckpt]
    _refused(capfd, argv, ["--output", "inside --checkpoint-dir"])
    assert not ckpt.exists()


def test_a_checkpoint_dir_that_another_run_uses_is_refused(tmp_path, capfd):
    from keras_nhits.saving.run_lock import RunLock

    data = _data(tmp_path)
    ckpt, out = tmp_path / "ckpt", tmp_path / "run"
    with RunLock(ckpt, "--checkpoint-dir"):  # as a run with another --output holds it
        argv = ["--data", data, "--output", out, "--checkpoint-dir", ckpt]
        _refused(capfd, argv, ["--checkpoint-dir", "in use by another run"], ckpt)
    assert not out.exists()


def test_another_runs_folder_as_checkpoint_dir_is_refused(tmp_path, capfd):
    data = _data(tmp_path)
    other = previous_run(tmp_path / "other")
    argv = ["--data", data, "--output", tmp_path / "run", "--checkpoint-dir", other]
    _refused(capfd, argv, ["--checkpoint-dir", "keras_nhits run folder"], other, tmp_path / "run")


def test_an_output_holding_the_data_file_is_refused_even_with_overwrite(tmp_path, capfd):
    kept = previous_run(tmp_path / "previous")
    data = kept / "series.csv"
    hourly_frame().write_csv(data)
    argv = ["--data", data, "--output", kept, "--overwrite"]
    _refused(capfd, argv, ["--output", "would replace the data it reads", "series.csv"], kept)


def test_a_folder_where_a_checkpoint_file_goes_is_refused_before_anything_is_deleted(
    tmp_path, capfd
):
    # `--overwrite` must remove state.json, epoch_1.weights.h5 ...: none of it may go when one
    # of those names cannot be replaced (here a folder of the user's named like our file).
    data = _data(tmp_path)
    kept = previous_run(tmp_path / "previous")
    (kept / "checkpoints" / "best.weights.h5").mkdir()
    write_text(kept / "checkpoints" / "best.weights.h5" / "keep.txt", NOTES)
    argv = ["--data", data, "--output", kept, "--overwrite"]
    _refused(capfd, argv, ["--checkpoint-dir", "best.weights.h5", "folder"], kept)


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root writes into read-only folders"
)
def test_a_read_only_checkpoint_folder_is_refused_before_anything_is_deleted(tmp_path, capfd):
    data = _data(tmp_path)
    kept = previous_run(tmp_path / "previous")
    os.chmod(kept / "checkpoints", 0o555)
    try:
        argv = ["--data", data, "--output", kept, "--overwrite"]
        _refused(capfd, argv, ["--checkpoint-dir", "read-only"], kept)
    finally:
        os.chmod(kept / "checkpoints", 0o755)


def test_an_unknown_plot_series_is_refused_up_front(tmp_path, capfd):
    data = _data(tmp_path)
    out = tmp_path / "run"
    _refused(capfd, ["--data", data, "--output", out, "--plot-series", "s1,nope"], ["nope", "s0"])
    assert not out.exists()


def test_tensorboard_without_its_package_is_refused_up_front(tmp_path, capfd, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # `import tensorboard` fails
    data = _data(tmp_path)
    out, logs = tmp_path / "run", tmp_path / "tb"
    argv = ["--data", data, "--output", out, "--tensorboard", logs]
    _refused(capfd, argv, ["--tensorboard", "keras-nhits[tensorboard]"])
    assert not out.exists() and not logs.exists()


def test_a_tensorboard_path_that_is_a_file_is_refused_up_front(tmp_path, capfd):
    data = _data(tmp_path)
    out, logs = tmp_path / "run", write_text(tmp_path / "tb.txt", NOTES)
    argv = ["--data", data, "--output", out, "--tensorboard", logs]
    _refused(capfd, argv, ["--tensorboard", "tb.txt", "not a folder"], logs)
    assert not out.exists()


@pytest.mark.parametrize(
    "args, kwargs, words",
    [
        (("runs/config.toml",), {}, ["config must be an NHITSTrainingConfig", "str", "from_file"]),
        ((42,), {}, ["config must be an NHITSTrainingConfig", "int", "42"]),
        ((), {"bogus": 1}, ["unknown NHITSTrainingConfig field", "bogus"]),
        (({"horizon": 6, "bogus": 1},), {}, ["unknown config key", "bogus"]),
    ],
    ids=["a-path", "a-number", "unknown-override", "dict-unknown-key"],
)
def test_a_trainer_refuses_what_is_not_a_config(args, kwargs, words):
    with pytest.raises(NHITSInputError) as caught:
        NHITSTrainer(*args, **kwargs)
    for word in words:
        assert word in str(caught.value)


def test_a_dict_of_fields_is_a_config():
    assert NHITSTrainer({"horizon": 6}, epochs=2).config == NHITSTrainingConfig(horizon=6, epochs=2)


def test_pre_marker_folders_are_recognised_and_a_users_file_is_not(tmp_path):
    legacy = tmp_path / "old_run"
    (legacy / "checkpoints").mkdir(parents=True)
    write_text(legacy / "config.json", json.dumps({"format": "keras_nhits"}))
    for name in ("state.json", "run_config.json", "epoch_3.weights.h5", ".lock"):
        write_text(legacy / "checkpoints" / name, "{}")
    assert marker_kind(legacy) == "run"
    assert marker_kind(legacy / "checkpoints") == "checkpoints"
    write_text(legacy / "checkpoints" / "notes.txt", NOTES)
    assert marker_kind(legacy / "checkpoints") is None


# === A run over a previous one, with the user's notes in both folders ===


SERIES = 13  # one more than forecast.png draws
PLOTTED = [f"s{i}" for i in reversed(range(SERIES))]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """`train --overwrite --plot-series s12,...,s0` of 13 series over a previous run holding
    the user's notes: (folder, result, the folder before, the titles forecast.png drew)."""
    from keras_nhits.cli import common as cli
    from keras_nhits.cli import train
    from keras_nhits.training import trainer as training

    tmp = tmp_path_factory.mktemp("overwrite")
    data = tmp / "series.csv"
    hourly_frame(n_series=SERIES).write_csv(data)
    out = previous_run(tmp / "run")
    (out / "checkpoints" / "best.weights.h5").write_bytes(b"previous best")
    write_text(out / "notes.txt", NOTES)
    write_text(out / "checkpoints" / "README", NOTES)
    before = snapshot(out)

    drawn, plot = [], training.plot_forecasts

    def recording_plot(*args, **kwargs):  # draws the real picture, and notes its panels
        drawn.extend(kwargs["titles"])
        return plot(*args, **kwargs)

    stdout, stderr = io.StringIO(), io.StringIO()
    argv = [
        *TINY,
        "--data",
        data,
        "--output",
        out,
        "--overwrite",
        "--plot-series",
        ",".join(PLOTTED),
    ]
    training.plot_forecasts = recording_plot
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.run(train.main, [str(a) for a in argv])
    finally:
        training.plot_forecasts = plot
    return out, CliResult(code, stdout.getvalue(), stderr.getvalue()), before, drawn


def _metrics(out):
    return json.loads((out / "metrics.json").read_text())


def test_overwrite_replaces_only_what_a_run_wrote(finished):
    out, result, before, _ = finished
    assert result.code == 0, result.stderr
    after = snapshot(out)
    assert after["notes.txt"] == after[os.path.join("checkpoints", "README")] == NOTES.encode()
    replaced = ["model.keras", "model.safetensors", "config.json", "metrics.json"]
    replaced += [os.path.join("checkpoints", n) for n in ("state.json", "best.weights.h5")]
    assert all(after[name] != before[name] for name in replaced)
    assert json.loads(after[os.path.join("checkpoints", "state.json")])["records"]
    assert marker_kind(out) == "run" and marker_kind(out / "checkpoints") == "checkpoints"
    assert (out / MARKER_FILE).is_file()


def test_the_summary_names_seasonal_naive_and_says_which_baseline_wins(finished):
    out, result, _, _ = finished
    metrics = _metrics(out)
    line = next(x for x in result.stdout.splitlines() if x.startswith("test MAE"))
    assert "naive " in line and "seasonal naive (season 24)" in line
    model, baselines = metrics["test"]["mae"], metrics["baselines"]
    lost = [
        name
        for key, name in (("naive", "naive"), ("seasonal_naive", "seasonal naive (season 24)"))
        if baselines[key]["mae"] < model
    ]
    if lost:
        assert f"worse than {' and '.join(lost)} on the test split" in line
    else:
        assert "beats naive and seasonal naive (season 24) on the test split" in line


def test_metrics_json_holds_per_series_test_metrics_and_baselines(finished):
    out, _, _, _ = finished
    metrics = _metrics(out)
    per_series, baselines = metrics["test_per_series"], metrics["baselines_per_series"]
    assert sorted(per_series) == sorted(baselines) == sorted(PLOTTED)
    for values in per_series.values():
        assert set(values) == set(metrics["test"])
        assert all(v is None or np.isfinite(v) for v in values.values())
    # Equal series have equal test windows: the pooled MAE is the mean of the series' MAEs.
    for key, pooled in (("mae", metrics["test"]), ("naive", metrics["baselines"]["naive"])):
        if key == "mae":
            values = [v["mae"] for v in per_series.values()]
        else:
            values = [b["naive"]["mae"] for b in baselines.values()]
        assert np.mean(values) == pytest.approx(pooled["mae"], rel=1e-9)
    assert all("seasonal_naive" in b for b in baselines.values())


def test_the_run_record_keeps_the_resolved_data_settings(finished):
    out, _, _, _ = finished
    record = json.loads((out / "config.json").read_text())
    assert record["data"]["columns"] == {"time": "ds", "id": "unique_id", "targets": ["y"]}
    assert record["data"]["freqs"] == ["1 hours"] * SERIES
    assert record["data"]["freq"] == "" and record["training"]["plot_series"] == ",".join(PLOTTED)


def test_forecast_png_draws_the_named_series_and_says_when_it_leaves_some_out(finished):
    out, result, _, drawn = finished
    assert (out / "forecast.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn == PLOTTED[:12]
    assert "forecast.png: the first 12 of 13 series (choose others with --plot-series)" in (
        result.stdout
    )


def test_the_summary_says_when_the_model_loses_to_seasonal_naive():
    from keras_nhits.training.summary import summary_line

    metrics = {
        "test": {"mae": 2.0, "rmse": 3.0, "mase": 1.5},
        "baselines": {
            "naive": {"mae": 3.0, "rmse": 4.0},
            "seasonal_naive": {"mae": 1.0, "rmse": 1.5},
        },
        "season_length": 24,
        "epochs_completed": 3,
        "best_epoch": 2,
        "train_seconds": 1.0,
    }
    line = summary_line(metrics)
    assert line.startswith("test MAE 2 (naive 3, seasonal naive (season 24) 1), RMSE 3 ")
    assert "; worse than seasonal naive (season 24) on the test split;" in line


def test_trainer_save_refuses_a_folder_of_the_users_files(tmp_path):
    from keras_nhits.models.nhits import NHITS

    trainer = NHITSTrainer(input_size=24, horizon=6, hidden_size=8)
    trainer.model = NHITS(**trainer.config.model.model_kwargs())
    trainer.model.build((None, 24))
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    write_text(theirs / "config.json", NOTES)
    with pytest.raises(NHITSInputError, match="did not write"):
        trainer.save(theirs)
    assert snapshot(theirs) == {"config.json": NOTES.encode()}
    trainer.save(tmp_path / "new")
    assert marker_kind(tmp_path / "new") == "run"
    trainer.save(tmp_path / "new")  # ours: replaced

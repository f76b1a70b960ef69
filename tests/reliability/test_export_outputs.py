"""`python -m keras_nhits.export`: the SavedModel carries the run's data settings, and export
replaces only a SavedModel folder it wrote.

One tiny run for the module, trained on `price` with a second numeric column `volume` beside it:
a SavedModel that forgot the run's settings would forecast `volume` too.
"""

import json
import os
import shutil

import keras
import polars as pl
import pytest

from tests.reliability.helpers import (
    ONE_BACKEND,
    assert_one_error_line,
    hourly_frame,
    run_in_process,
    snapshot,
    train_tiny_run,
)

pytestmark = [
    pytest.mark.slow,  # one training and one export for the module
    ONE_BACKEND,
    pytest.mark.skipif(
        keras.backend.backend() not in ("tensorflow", "jax"),
        reason="SavedModel export runs on the TensorFlow and JAX backends",
    ),
]

export = pytest.importorskip("keras_nhits.cli.export")
predict = pytest.importorskip("keras_nhits.cli.predict")

HORIZON = 6


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(folder, run folder, SavedModel folder): `series.csv` holds `price` and `volume`."""
    folder = tmp_path_factory.mktemp("export")
    frame = hourly_frame().rename({"y": "price"}).with_columns(volume=pl.col("price") * 100)
    frame.write_csv(folder / "series.csv")
    # train --export writes run/saved_model: checked below like export's.
    train_tiny_run(
        folder / "series.csv", folder / "run", horizon=HORIZON, target="price", export=True
    )
    assert export.main(["--model", str(folder / "run"), "--output", str(folder / "saved")]) == 0
    return folder, folder / "run", folder / "saved"


def _predict(model, data, out, capfd):
    result = run_in_process(
        ["--model", model, "--data", data, "--output", out], capfd, main=predict.main
    )
    assert result.code == 0, result.stderr
    return pl.read_csv(out)


def test_a_saved_model_forecasts_the_runs_target_not_every_numeric_column(exported, capfd):
    folder, run, saved = exported
    data = folder / "series.csv"
    from_run = _predict(run, data, folder / "from_run.csv", capfd)
    assert from_run["unique_id"].unique().sort().to_list() == ["s0", "s1"]
    assert from_run.height == 2 * HORIZON
    models = (
        (saved, "from_saved.csv"),
        (run / "saved_model", "from_train_export.csv"),
        (run / "model.keras", "from_keras.csv"),
    )
    for model, name in models:
        got = _predict(model, data, folder / name, capfd)
        assert got.select("unique_id", "ds").equals(from_run.select("unique_id", "ds")), model
        diff = (got["forecast"] - from_run["forecast"]).abs().max()
        assert diff <= 1e-4 * from_run["forecast"].abs().max(), model
    for folder in (saved, run / "saved_model"):
        record = json.loads((folder / "keras_nhits.json").read_text())
        assert record["data_options"]["target"] == "price"


def test_train_export_refuses_a_saved_model_folder_it_did_not_write_before_training(
    tmp_path, capfd
):
    from tests.reliability.helpers import TINY, previous_run

    run = previous_run(tmp_path / "run")
    (run / "saved_model").mkdir()
    (run / "saved_model" / "notes.txt").write_text("mine")
    hourly_frame().write_csv(tmp_path / "series.csv")
    before = snapshot(run)
    argv = [*TINY, "--data", tmp_path / "series.csv", "--output", run, "--overwrite", "--export"]
    result = run_in_process(argv, capfd)
    assert_one_error_line(result, ["--export", "saved_model", "notes.txt"])
    assert snapshot(run) == before


def test_a_second_export_replaces_the_saved_model_it_wrote(exported, tmp_path, capfd):
    _, run, saved = exported
    target = shutil.copytree(saved, tmp_path / "saved")
    (target / "variables" / "stale.index").write_bytes(b"from an older export")
    result = run_in_process(["--model", run, "--output", target], capfd, main=export.main)
    assert result.code == 0, result.stderr
    assert not (target / "variables" / "stale.index").exists()
    marker = json.loads((target / ".keras_nhits").read_text())
    assert marker["kind"] == "saved_model"
    assert (target / "saved_model.pb").is_file() and (target / "keras_nhits.json").is_file()


def _foreign_saved_model(exported, tmp):
    """A SavedModel written by someone else: ours without our marker and record."""
    folder = shutil.copytree(exported[2], tmp / "theirs")
    (folder / ".keras_nhits").unlink()
    (folder / "keras_nhits.json").unlink()
    return folder


def _foreign_folder(exported, tmp):
    (tmp / "mine").mkdir()
    (tmp / "mine" / "notes.txt").write_text("my notes")
    return tmp / "mine"


REFUSED = [
    ("run-folder", lambda e, t: e[1], ["would replace the run folder"]),
    ("folder-holding-the-run", lambda e, t: e[0], ["would replace the run folder"]),
    ("checkpoints", lambda e, t: e[1] / "checkpoints", ["keras_nhits checkpoints folder"]),
    ("data-file", lambda e, t: e[0] / "series.csv", ["is a file, not a folder"]),
    ("foreign-folder", _foreign_folder, ["files keras_nhits did not write", "notes.txt"]),
    ("foreign-saved-model", _foreign_saved_model, ["files keras_nhits did not write"]),
]


@pytest.mark.parametrize("make, words", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_export_refuses_an_output_it_did_not_write(exported, tmp_path, capfd, make, words):
    output = make(exported, tmp_path)
    before = snapshot(exported[0]), snapshot(tmp_path)
    result = run_in_process(["--model", exported[1], "--output", output], capfd, main=export.main)
    assert_one_error_line(result, ["--output", *words])
    assert (snapshot(exported[0]), snapshot(tmp_path)) == before


def test_export_refuses_the_current_folder(exported, tmp_path, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_in_process(["--model", exported[1], "--output", "."], capfd, main=export.main)
    assert_one_error_line(result, ["--output .", "current folder"])
    assert os.listdir(tmp_path) == []


def test_export_to_a_read_only_folder_is_one_line(exported, tmp_path, capfd):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user writes through permissions (root)")
        output = locked / "sub" / "saved"
        result = run_in_process(["--model", exported[1], "--output", output], capfd, export.main)
        assert_one_error_line(result, ["--output", "read-only"])
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o700)


# === SavedModels predict refuses ===


def _truncated_variables(exported, tmp):
    folder = shutil.copytree(exported[2], tmp / "cut")
    path = folder / "variables" / "variables.data-00000-of-00001"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return folder


def _renamed_signature(input_name, output_name):
    """A SavedModel of our model whose serving_default names its input or output otherwise."""

    def make(exported, tmp):
        from keras.export import ExportArchive

        from keras_nhits.models import NHITS

        model = NHITS(24, HORIZON, hidden_size=8)
        model.build((None, 24))
        archive = ExportArchive()
        archive.track(model)
        spec = [keras.InputSpec(shape=(None, 24), dtype="float32", name=input_name)]
        archive.add_endpoint(
            name="serving_default",
            fn=lambda x: {output_name: model(x, training=False)},
            input_signature=spec,
        )
        archive.write_out(str(tmp / "other"), verbose=False)
        return tmp / "other"

    return make


DAMAGED = [
    ("truncated-variables", _truncated_variables, ["cut", "cannot be loaded"]),
    ("no-forecast-output", _renamed_signature("history", "y"), ["no 'forecast'"]),
    ("no-history-input", _renamed_signature("x", "forecast"), ["no 'history'"]),
]


@pytest.mark.parametrize("make, words", [c[1:] for c in DAMAGED], ids=[c[0] for c in DAMAGED])
def test_predict_refuses_a_damaged_or_foreign_saved_model(exported, tmp_path, capfd, make, words):
    model = make(exported, tmp_path)
    out = tmp_path / "forecast.csv"
    data = exported[0] / "series.csv"
    result = run_in_process(
        ["--model", model, "--data", data, "--output", out], capfd, main=predict.main
    )
    assert_one_error_line(result, ["SavedModel", *words])
    assert not out.exists()

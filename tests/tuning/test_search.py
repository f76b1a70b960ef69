"""`run_search` on every backend: trials train as `train` does (the best trial's config retrained
reaches its validation loss again), the pruner stops a trial that is clearly behind, and the
test split is never touched. Tiny data and models: a few trials of a few epochs."""

import json
import math

import keras
import optuna
import pytest

from keras_nhits.training.trainer import NHITSTrainer
from keras_nhits.tuning.search import run_search
from keras_nhits.tuning.storage import default_url
from tests.synthetic import seasonal_frame

TINY_SEARCH = {
    "horizon": 6,
    "input_size": 24,
    "hidden_size": 8,
    "batch_size": 64,
    "windows_per_epoch": 256,
    "epochs": 4,
    "quiet": True,
}


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "series.csv"
    seasonal_frame(2, 400).write_csv(path)
    return path


def _space(tmp_path, text):
    path = tmp_path / "space.toml"
    path.write_text(text)
    return str(path)


def test_the_best_trial_trained_again_reaches_its_validation_loss(tmp_path, data):
    space = _space(
        tmp_path,
        "[lr]\nlow = 1e-3\nhigh = 1e-2\nlog = true\n[hidden_size]\nchoices = [8, 16]\n",
    )
    result = run_search(
        {**TINY_SEARCH, "trials": 3, "space": space, "output": str(tmp_path / "tune")},
        str(data),
        log=lambda line: None,
    )
    best = result.study.best_trial
    assert len(result.study.trials) == 3
    assert result.best_config.lr == best.params["lr"]
    assert result.best_config.hidden_size == best.params["hidden_size"]
    keras.backend.clear_session()  # as a fresh process of `train --config best.toml` starts
    trained = NHITSTrainer(result.best_config, output=str(tmp_path / "run"), log=lambda _: None)
    _, metrics = trained.fit(str(data))
    val_losses = [r["val_loss"] for r in metrics["history"]]
    assert min(val_losses) == pytest.approx(best.value, rel=1e-5)
    record = json.loads((tmp_path / "tune" / "tune.json").read_text())
    assert record["best"]["number"] == best.number
    # The search reports validation only: no test figure anywhere in its record.
    assert set(record) == {"study", "storage", "trials", "target_trials", "best"}
    assert set(record["best"]) == {"number", "val_loss", "best_epoch", "params"}


def test_the_pruner_stops_a_trial_that_is_clearly_behind(tmp_path, data):
    space = _space(tmp_path, "[lr]\nlow = 1e-9\nhigh = 3e-2\nlog = true\n")
    settings = {**TINY_SEARCH, "epochs": 6, "space": space, "output": str(tmp_path / "tune")}
    quiet = {"log": lambda line: None}
    run_search({**settings, "trials": 1}, str(data), **quiet)
    study = optuna.load_study(study_name="nhits", storage=default_url(tmp_path / "tune"))
    for lr in (3e-2, 3e-2, 3e-2, 1e-9):  # three good trials, then one that cannot learn
        study.enqueue_trial({"lr": lr})
    result = run_search({**settings, "trials": 5}, str(data), **quiet)
    trials = result.study.trials
    assert [t.state.name for t in trials[1:4]] == ["COMPLETE"] * 3
    slow = trials[4]
    assert slow.params["lr"] == 1e-9
    assert slow.state.name == "PRUNED"
    assert slow.user_attrs["pruned_at"] < 6  # stopped before its last epoch
    assert slow.user_attrs["epochs"] == slow.user_attrs["pruned_at"]
    assert math.isfinite(slow.user_attrs["best_val_loss"])
    # The best is a finished trial, never the pruned one: trial 0's lr is drawn at random (the
    # sampler is seeded from OS entropy) and may beat the three of 3e-2.
    best = result.study.best_trial
    finished = [t for t in trials if t.state.name == "COMPLETE"]
    assert best.number != slow.number and best.state.name == "COMPLETE"
    assert best.value == min(t.value for t in finished)

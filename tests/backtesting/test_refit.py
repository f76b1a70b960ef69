"""Walk-forward refits (`cross_validation(refit=K)`), on every backend: a refit sees no value after
its cutoff, continues from the trained weights and keeps the architecture, leaves the trained
model as it was, trains on the rolling window `train_length` asks for, and refuses what it
cannot do with one line."""

import numpy as np
import polars as pl
import pytest

from keras_nhits.backtesting.refit import refit_plan, training_starts, walk_forward
from keras_nhits.data import load_series
from keras_nhits.errors import NHITSInputError
from keras_nhits.training.trainer import NHITSTrainer
from tests.synthetic import seasonal_frame

SMALL = {"input_size": 24, "horizon": 6, "hidden_size": 16, "quiet": True, "epochs": 1}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    frame = seasonal_frame(2, 240, noise=0.3)
    folder = tmp_path_factory.mktemp("refit")
    trainer = NHITSTrainer(
        log=lambda line: None,
        **SMALL,
        windows_per_epoch=256,
        series_scaler="standard",
        output=str(folder / "run"),
    )
    trainer.fit(frame)
    return trainer, frame


def _forecasts(cv, cutoffs):
    return cv.filter(pl.col("cutoff").is_in(cutoffs))["forecast"].to_numpy()


def test_refits_see_no_value_after_their_cutoff(run):
    trainer, frame = run
    # refit=2 over 4 cutoffs 10 steps apart: refits before cutoffs 0 and 2. The forecasts at
    # cutoffs 0 and 1 come from the first refit, which trained on data up to cutoff 0.
    cv = trainer.cross_validation(frame, n_windows=4, step_size=10, refit=2, refit_steps=5)
    cutoffs = sorted(set(cv["cutoff"].to_list()))
    rng = np.random.default_rng(5)
    changed = frame.with_columns(
        pl.when(pl.col("ds") > cutoffs[1])
        .then(pl.col("y") * 3 + pl.Series(rng.normal(0, 20, frame.height)))
        .otherwise(pl.col("y"))
        .alias("y")
    )
    again = trainer.cross_validation(changed, n_windows=4, step_size=10, refit=2, refit_steps=5)
    np.testing.assert_allclose(
        _forecasts(cv, cutoffs[:2]), _forecasts(again, cutoffs[:2]), rtol=1e-5, atol=1e-5
    )
    # The second refit trained on the changed values: the comparison above can fail.
    assert not np.allclose(_forecasts(cv, cutoffs[2:]), _forecasts(again, cutoffs[2:]))


def test_a_refit_continues_from_the_trained_weights_and_keeps_the_architecture(run):
    trainer, frame = run
    before = [w.copy() for w in trainer.model.get_weights()]
    plain = trainer.cross_validation(frame, n_windows=3, step_size=5)
    refit = trainer.cross_validation(frame, n_windows=3, step_size=5, refit=True, refit_steps=20)
    assert refit.columns == plain.columns and refit.height == plain.height
    assert refit["cutoff"].to_list() == plain["cutoff"].to_list()
    assert not np.allclose(refit["forecast"].to_numpy(), plain["forecast"].to_numpy())
    # The trained model is left as it was.
    for old, new in zip(before, trainer.model.get_weights()):
        np.testing.assert_array_equal(old, new)

    walker = walk_forward(
        trainer.model,
        trainer.config,
        trainer.record,
        "run",
        refit_plan(1, None, 3),
        log=lambda line: None,
    )
    assert walker.model.get_config() == trainer.model.get_config()
    for start, copy in zip(before, walker.model.get_weights()):
        np.testing.assert_array_equal(start, copy)  # warm start: the trained weights
    series = load_series(frame, target="y", time_col="ds", id_col="unique_id")
    from keras_nhits.backtesting.cutoffs import cutoff_windows

    windows = cutoff_windows(series, 24, 6, n_windows=2, step_size=5)
    groups = list(walker.groups(series, windows))
    assert [rows.tolist() for _, rows in groups] == [[0, 2], [1, 3]]
    changed = [not np.allclose(a, b) for a, b in zip(before, walker.model.get_weights())]
    assert any(changed)
    assert [w.shape for w in walker.model.get_weights()] == [w.shape for w in before]
    assert len(walker.refits) == 2 and all(r["windows"] > 0 for r in walker.refits)


def test_training_windows_end_at_the_cutoff_within_the_train_length():
    series = load_series(np.arange(60.0).reshape(2, 30).T)  # two series of 30 steps
    starts = training_starts(series, np.array([20, 11]), input_size=5, horizon=3)
    # Series 0: starts 0..13 (targets end at 20); series 1 (offset 30): starts 0..4.
    assert starts.tolist() == list(range(14)) + [30 + s for s in range(5)]
    rolling = training_starts(series, np.array([20, 11]), 5, 3, train_length=10)
    assert rolling.tolist() == [11, 12, 13, 32, 33, 34]
    for start, end in ((s, s + 8 - 1) for s in rolling):
        series_index = int(start >= 30)
        cutoff = (20, 11)[series_index] + 30 * series_index
        assert end <= cutoff and start >= cutoff - 10 + 1


def test_the_backtest_record_keeps_the_refits(run):
    trainer, frame = run
    backtest = trainer.backtest(
        frame, n_windows=5, step_size=3, refit=2, train_length=100, refit_steps=4
    )
    refit = backtest.record["refit"]
    assert (refit["every"], refit["train_length"], refit["steps"]) == (2, 100, 4)
    assert len(refit["refits"]) == 3  # before cutoffs 0, 2 and 4
    # A rolling window of 100 steps holds 100 - 30 + 1 windows per series.
    assert all(r["windows"] == 2 * 71 for r in refit["refits"])
    assert [r["cutoffs"] for r in refit["refits"]] == [[0, 1], [2, 3], [4, 4]]


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"refit": 0, "train_length": 50}, "train_length needs refit"),
        ({"refit": -1}, "refit must be between 1"),
        ({"refit": 1.5}, "refit must be an integer"),
        ({"refit": 1, "train_length": 20}, "train_length must be between 30"),
        ({"refit": 1, "refit_steps": 0}, "refit_steps must be between 1"),
    ],
)
def test_bad_refit_arguments_are_refused_by_name(run, arguments, message):
    trainer, frame = run
    with pytest.raises(NHITSInputError, match=message):
        trainer.cross_validation(frame, n_windows=2, **arguments)


def test_a_refit_without_any_training_window_is_refused(run):
    trainer, frame = run
    # 240 steps, 6-step horizon: the earliest of 206 cutoffs is at step 28, where a series
    # holds no window of 30 steps.
    with pytest.raises(NHITSInputError, match="refit 1 has no training window"):
        trainer.cross_validation(frame, n_windows=206, refit=300)

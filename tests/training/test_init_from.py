"""`NHITSTrainer(init_from=RUN)`: a trained run continued on new data, on every backend.

The run starts from RUN's weights and keeps its architecture and series scaling; on data whose
pattern changed after RUN was trained, the continued run forecasts the new part better than RUN.
The command line (`train --init-from`) is tested in tests/cli/test_train_init_from.py.
"""

import numpy as np
import polars as pl
import pytest

from keras_nhits import NHITSTrainer
from keras_nhits.errors import NHITSInputError
from tests.synthetic import HOUR, START

SMALL = dict(input_size=48, horizon=12, hidden_size=32, quiet=True, val_split=0.1)


def regime_frame(old_steps, new_steps, seed=0):
    """Two hourly series: a daily cycle for `old_steps`, then a 6-hour sawtooth of three times
    the amplitude on a level 5 higher (the pattern RUN never saw)."""
    rng = np.random.default_rng(seed)
    t = np.arange(old_steps + new_steps)
    frames = []
    for i in range(2):
        old = 10 * (i + 1) + 3 * np.sin(2 * np.pi * (t + 5 * i) / 24)
        new = 10 * (i + 1) + 5 + 9 * ((t % 6) / 6 - 0.5)
        y = np.where(t < old_steps, old, new) + rng.normal(0, 0.1, t.size)
        frames.append(pl.DataFrame({"unique_id": f"s{i}", "ds": START + t * HOUR, "y": y}))
    return pl.concat(frames)


def _log(line):
    pass


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    """RUN: trained on the old pattern only, with per-series standard scaling."""
    folder = tmp_path_factory.mktemp("init_from")
    trainer = NHITSTrainer(
        log=_log,
        **SMALL,
        epochs=3,
        windows_per_epoch=1024,
        series_scaler="standard",
        output=str(folder / "run"),
    )
    trainer.fit(regime_frame(400, 0))
    return folder, trainer


def test_a_continued_run_forecasts_the_new_part_better_than_its_parent(parent):
    folder, run = parent
    data = regime_frame(400, 400)
    continued = NHITSTrainer(
        log=_log,
        init_from=str(folder / "run"),
        epochs=4,
        windows_per_epoch=2048,
        lr=3e-3,
        output=str(folder / "continued"),
    )
    continued.fit(data)
    # The last 8 days of 12-step forecasts lie in the new pattern (it starts at step 400).
    before = run.backtest(data, n_windows=16, step_size=12).record["overall"]["model"]["mae"]
    after = continued.backtest(data, n_windows=16, step_size=12).record["overall"]["model"]["mae"]
    assert after < 0.5 * before, (before, after)
    assert continued.record["init_from"]["run"] == str(folder / "run")
    assert continued.metrics["init_from"] == str(folder / "run")


def test_it_starts_from_the_parents_weights_and_keeps_its_settings(parent):
    folder, run = parent
    data = regime_frame(500, 0, seed=1)
    barely = NHITSTrainer(
        log=_log,
        init_from=folder / "run",
        lr=1e-9,
        epochs=1,
        windows_per_epoch=64,
        output=str(folder / "barely"),
    )
    barely.fit(data)
    assert barely.config.hidden_size == 32 and barely.config.series_scaler == "standard"
    assert barely.model.count_params() == run.model.count_params()
    for got, want in zip(barely.model.get_weights(), run.model.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-5)
    fresh = NHITSTrainer(
        log=_log, **SMALL, epochs=1, windows_per_epoch=64, lr=1e-9, seed=7, output=str(folder / "f")
    )
    fresh.fit(data)  # what the check above would see without init_from
    first = run.model.get_weights()[0]
    assert not np.allclose(fresh.model.get_weights()[0], first, atol=1e-3)


def test_known_series_keep_the_parents_scaling_and_new_ones_are_fitted(parent):
    folder, run = parent
    data = pl.concat(
        [
            regime_frame(400, 200),
            regime_frame(600, 0, seed=3)
            .filter(pl.col("unique_id") == "s0")
            .with_columns(pl.lit("s9").alias("unique_id")),
        ]
    )
    continued = NHITSTrainer(
        log=_log,
        init_from=str(folder / "run"),
        epochs=1,
        windows_per_epoch=64,
        output=str(folder / "scaled"),
    )
    continued.fit(data)
    old = run.record["data"]["series_scaler"]
    new = continued.record["data"]["series_scaler"]
    assert new["ids"] == ["s0", "s1", "s9"]
    assert new["shift"][:2] == old["shift"] and new["scale"][:2] == old["scale"]
    # s9's statistics come from its own training part (its daily cycle around 10).
    assert new["shift"][2] == pytest.approx(10.0, abs=0.5)


@pytest.mark.parametrize(
    ("setting", "flag"),
    [
        ({"hidden_size": 64}, "--hidden-size 64 contradicts"),
        ({"horizon": 24}, "--horizon 24 contradicts"),
        ({"series_scaler": "none"}, "--series-scaler none contradicts"),
        ({"level": (80,)}, "--level 80 contradicts"),
    ],
)
def test_a_setting_that_contradicts_the_parent_is_refused_by_its_flag(parent, setting, flag):
    folder, _ = parent
    trainer = NHITSTrainer(
        log=_log, init_from=str(folder / "run"), output=str(folder / "refused"), **setting
    )
    with pytest.raises(NHITSInputError, match=flag):
        trainer.fit(regime_frame(400, 100))
    assert not (folder / "refused").exists()

"""Covariate windows: make_dataset batches, window_arrays, last_windows and the training
statistics, each checked against NumPy slices of the flat arrays; a covariate NHITS fits on them
(on whichever KERAS_BACKEND the suite runs with)."""

import keras
import numpy as np
import polars as pl
import pytest
from data_helpers import long_frame

from keras_nhits import NHITS, NHITSInputError
from keras_nhits.data import (
    calendar_features,
    covariate_statistics,
    last_windows,
    load_series,
    make_dataset,
    prepare_splits,
    window_arrays,
)

INPUT, HORIZON = 12, 4


def _series(calendar=("hour",)):
    frame = long_frame(3, 120).with_columns(
        h=pl.col("y") * 2, f=-pl.col("y"), size=pl.col("unique_id").str.slice(1).cast(pl.Float64)
    )
    return load_series(
        frame, hist_exog=("h",), futr_exog=("f",), stat_exog=("size",), calendar=calendar
    )


@pytest.fixture(scope="module")
def splits():
    # Unscaled, so that every target value is unique (1000 * series + step) and finds its window.
    return prepare_splits(_series(), input_size=INPUT, horizon=HORIZON)


def _expected(series, starts):
    """The windows' covariates cut from the flat arrays with NumPy, window by window."""
    hist = np.stack([series.hist_exog[s : s + INPUT] for s in starts])
    futr = np.stack([series.futr_exog[s : s + INPUT + HORIZON] for s in starts])
    which = [int(np.searchsorted(series.offsets, s, side="right") - 1) for s in starts]
    return hist, futr, series.stat_exog[which]


def _check_batch(series, x, y):
    starts = []
    for history in x["history"].numpy():
        # Every value is unique (1000 * series + step): it finds its window.
        starts.append(int(np.flatnonzero(series.values == history[0])[0]))
    hist, futr, stat = _expected(series, starts)
    np.testing.assert_array_equal(x["hist_exog"].numpy(), hist)
    np.testing.assert_array_equal(x["futr_exog"].numpy(), futr)
    np.testing.assert_array_equal(x["stat_exog"].numpy(), stat)
    targets = np.stack([series.values[s + INPUT : s + INPUT + HORIZON] for s in starts])
    np.testing.assert_array_equal(y.numpy(), targets)


@pytest.mark.parametrize(
    "options",
    [{}, {"shuffle": True}, {"windows_per_epoch": 50}, {"windows_per_epoch": 900}],
    ids=["in-order", "shuffled", "subset", "with-replacement"],
)
def test_batches_carry_the_covariate_slices_of_their_windows(splits, options):
    data = make_dataset(
        splits.series, splits.train, input_size=INPUT, horizon=HORIZON, batch_size=64, **options
    )
    n = 0
    for x, y in data:
        assert set(x) == {"history", "hist_exog", "futr_exog", "stat_exog"}
        assert x["hist_exog"].shape[1:] == (INPUT, 1)
        assert x["futr_exog"].shape[1:] == (INPUT + HORIZON, 2)
        _check_batch(splits.series, x, y)
        n += len(y)
    assert n == (options.get("windows_per_epoch") or len(splits.train))


def test_in_order_batches_are_the_train_starts_in_order(splits):
    data = make_dataset(splits.series, splits.val, input_size=INPUT, horizon=HORIZON)
    x, _ = next(iter(data))
    hist, futr, stat = _expected(splits.series, splits.val)
    np.testing.assert_array_equal(x["hist_exog"].numpy(), hist)
    np.testing.assert_array_equal(x["futr_exog"].numpy(), futr)
    np.testing.assert_array_equal(x["stat_exog"].numpy(), stat)


def test_only_the_kinds_present_are_in_the_batches():
    series = load_series(long_frame(2, 60), calendar=("dayofweek",))
    splits = prepare_splits(series, input_size=INPUT, horizon=HORIZON)
    x, _ = next(iter(make_dataset(splits.series, splits.train, input_size=INPUT, horizon=HORIZON)))
    assert set(x) == {"history", "futr_exog"}
    plain = prepare_splits(load_series(long_frame(2, 60)), input_size=INPUT, horizon=HORIZON)
    x, _ = next(iter(make_dataset(plain.series, plain.train, input_size=INPUT, horizon=HORIZON)))
    assert not isinstance(x, dict) and x.shape[1:] == (INPUT,)


def test_window_arrays_return_the_input_dict_with_covariates(splits):
    x, y = window_arrays(splits.series, splits.test, INPUT, HORIZON)
    hist, futr, stat = _expected(splits.series, splits.test)
    np.testing.assert_array_equal(x["hist_exog"], hist)
    np.testing.assert_array_equal(x["futr_exog"], futr)
    np.testing.assert_array_equal(x["stat_exog"], stat)
    plain_x, plain_y = window_arrays(splits.series.values, splits.test, INPUT, HORIZON)
    np.testing.assert_array_equal(x["history"], plain_x)
    np.testing.assert_array_equal(y, plain_y)


def test_last_windows_continue_the_calendar_over_the_horizon(splits):
    series = splits.series
    windows = last_windows(series, INPUT)
    assert windows.x.shape == (3, INPUT)
    end = series.offsets[1:]
    np.testing.assert_array_equal(
        windows.covariates["hist_exog"][0], series.hist_exog[end[0] - INPUT : end[0]]
    )
    future_f = np.full((3, HORIZON, 1), 7.0, np.float32)
    inputs = windows.model_inputs(HORIZON, future=future_f)
    assert inputs["futr_exog"].shape == (3, INPUT + HORIZON, 2)
    np.testing.assert_array_equal(inputs["futr_exog"][:, :INPUT], windows.covariates["futr_exog"])
    np.testing.assert_array_equal(inputs["futr_exog"][:, INPUT:, 0], 7.0)
    hours = calendar_features(windows.future_times(1, HORIZON), ("hour",))[:, 0]
    np.testing.assert_array_equal(inputs["futr_exog"][1, INPUT:, 1], hours)
    np.testing.assert_array_equal(hours, (np.arange(120, 124)) % 24)
    with pytest.raises(NHITSInputError, match="future values of futr_exog f"):
        windows.model_inputs(HORIZON)
    with pytest.raises(NHITSInputError, match=r"future must be \[n_series=3, horizon=4, 1\]"):
        windows.model_inputs(HORIZON, future=np.zeros((3, HORIZON, 2)))


def test_calendar_only_futures_need_no_future_values():
    series = load_series(long_frame(2, 60), calendar=("hour",))
    inputs = last_windows(series, INPUT).model_inputs(HORIZON)
    np.testing.assert_array_equal(inputs["futr_exog"][0, INPUT:, 0], np.arange(60, 64) % 24)
    plain = last_windows(load_series(long_frame(2, 60)), INPUT)
    assert plain.model_inputs(HORIZON) is plain.x and plain.covariates == {}


def test_covariate_statistics_cover_each_row_the_training_windows_see_once(splits):
    stats = covariate_statistics(splits)
    series, starts = splits.series, splits.train
    hist, futr = series.hist_exog.astype(np.float64), series.futr_exog.astype(np.float64)
    hist_rows = np.unique(np.concatenate([np.arange(s, s + INPUT) for s in starts]))
    futr_rows = np.unique(np.concatenate([np.arange(s, s + INPUT + HORIZON) for s in starts]))
    np.testing.assert_allclose(stats["hist"][0], hist[hist_rows].mean(axis=0))
    np.testing.assert_allclose(stats["hist"][1], hist[hist_rows].std(axis=0))
    np.testing.assert_allclose(stats["futr"][0], futr[futr_rows].mean(axis=0))
    np.testing.assert_allclose(stats["futr"][1], futr[futr_rows].std(axis=0))
    np.testing.assert_allclose(stats["stat"][0], [1.0])
    # Exactly the training part of each series, no validation or test row.
    train_parts = [np.arange(o, o + n) for o, n in zip(series.offsets, splits.sizes[:, 0])]
    np.testing.assert_array_equal(futr_rows, np.concatenate(train_parts))


def test_a_covariate_nhits_fits_on_the_dataset(splits):
    keras.utils.set_random_seed(0)
    counts = splits.series.covariate_counts()
    model = NHITS(
        input_size=INPUT,
        horizon=HORIZON,
        hidden_size=8,
        n_stacks=2,
        pool_sizes=(2, 1),
        freq_downsample=(2, 1),
        **counts,
    )
    model.set_covariate_statistics(**covariate_statistics(splits))
    model.compile(optimizer="adam", loss="mae")
    train = make_dataset(
        splits.series, splits.train, input_size=INPUT, horizon=HORIZON, batch_size=32, shuffle=True
    )
    history = model.fit(train.take(2), epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    x, _ = window_arrays(splits.series, splits.test[:5], INPUT, HORIZON)
    assert keras.ops.convert_to_numpy(model.predict_on_batch(x)).shape == (5, HORIZON)

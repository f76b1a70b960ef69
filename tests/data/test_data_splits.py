"""Split sizes, window counts and contents against hand computations; no target leakage."""

import numpy as np
import polars as pl
import pytest
from data_helpers import long_frame

from keras_nhits.data import (
    load_series,
    min_length,
    prepare_splits,
    split_sizes,
    window_arrays,
    window_series,
)


@pytest.mark.parametrize(
    "n, val, test, expected",
    [
        (7588, 0.1, 0.2, (5311, 760, 1517)),  # Exchange, 70/10/20
        (966, 0.1, 0.2, (676, 97, 193)),  # ILI, 70/10/20
        (14400, 2880, 2880, (8640, 2880, 2880)),  # ETTh, counts
        (70, 0.1, 0.2, (49, 7, 14)),  # 0.7 * 70 is 48.999... in floats
        (100, 0.0, 0.25, (75, 0, 25)),
        (7588, 0.0, 0.2, (6071, 0, 1517)),  # no validation: no stray step left in val
        (100, 10, 0.2, (70, 10, 20)),
    ],
)
def test_split_sizes(n, val, test, expected):
    assert split_sizes(n, val, test) == expected


def test_window_counts_and_contents_by_hand():
    series = load_series(np.arange(100.0))
    splits = prepare_splits(series, input_size=10, horizon=5, stride=3)
    # n_train = 70, n_val = 10, n_test = 20.
    assert splits.sizes.tolist() == [[70, 10, 20]]
    assert splits.train.tolist() == list(range(0, 56, 3))  # (70 - 15) // 3 + 1 = 19 windows
    assert splits.val.tolist() == list(range(60, 66))  # targets start at 70 ... 75
    assert splits.test.tolist() == list(range(70, 86))  # targets start at 80 ... 95
    x, y = window_arrays(splits.series, splits.train[:2], 10, 5)
    np.testing.assert_array_equal(x, [np.arange(10.0), np.arange(3.0, 13.0)])
    np.testing.assert_array_equal(y, [np.arange(10.0, 15.0), np.arange(13.0, 18.0)])


def test_no_target_leaks_across_splits():
    # y = 1000 * series + step, so a value is its own position.
    series = load_series(long_frame(n_series=3, n_steps=200))
    splits = prepare_splits(series, input_size=24, horizon=12, val_split=0.1, test_split=0.2)
    n_train, n_val, _ = splits.sizes[0]
    for name, starts, low, high in (
        ("train", splits.train, 0, n_train),
        ("val", splits.val, n_train, n_train + n_val),
        ("test", splits.test, n_train + n_val, 200),
    ):
        x, y = window_arrays(splits.series, starts, 24, 12)
        which = window_series(splits.series, starts)
        step = y - 1000.0 * which[:, None]
        assert step.min() >= low and step.max() < high, name
        # Every window belongs to one series: inputs and targets are consecutive steps.
        np.testing.assert_array_equal(np.diff(np.concatenate([x, y], axis=1), axis=1), 1.0)
    _, y_train = window_arrays(splits.series, splits.train, 24, 12)
    _, y_val = window_arrays(splits.series, splits.val, 24, 12)
    assert np.intersect1d(y_train, y_val).size == 0
    # Every val/test target step is covered once per position: n_val - horizon + 1 windows.
    assert splits.val.size == 3 * (n_val - 12 + 1)


def test_val_inputs_reach_back_into_train():
    splits = prepare_splits(load_series(np.arange(100.0)), input_size=20, horizon=5)
    x, y = window_arrays(splits.series, splits.val[:1], 20, 5)
    assert x[0, 0] == 50 and y[0, 0] == 70


def test_short_series_are_skipped_and_reported():
    short = long_frame(n_series=3, n_steps=50).filter(pl.col("unique_id") == "s2")
    series = load_series(pl.concat([long_frame(n_series=2), short]))
    splits = prepare_splits(series, input_size=30, horizon=10)
    assert splits.skipped == ["s2"]
    assert set(window_series(series, np.concatenate([splits.train, splits.test]))) == {0, 1}
    assert "skipped 1 series" in splits.report[0]
    assert "at least 58 steps" in splits.report[0] and "s2 (50)" in splits.report[0]
    assert min_length(30, 10, 0.1, 0.2) == 58


def test_etth_protocol_via_head():
    series = load_series(np.arange(17420.0))
    splits = prepare_splits(
        series.head(14400), input_size=96, horizon=96, val_split=2880, test_split=2880
    )
    assert splits.sizes.tolist() == [[8640, 2880, 2880]]
    assert splits.train.size == 8640 - 192 + 1
    assert splits.test.size == 2880 - 96 + 1
    _, y = window_arrays(splits.series, splits.test[-1:], 96, 96)
    assert y[0, -1] == 14399
    assert series.head(14400).report[-1] == "kept the first 14400 steps of each series"


def test_window_index_is_compact():
    splits = prepare_splits(load_series(np.arange(1000.0)), input_size=8, horizon=4)
    assert splits.train.dtype == np.int32 and splits.train.ndim == 1


@pytest.mark.parametrize("stride", [1, 3])
def test_window_starts_match_one_series_at_a_time(stride):
    # prepare_splits computes the starts of all series in blocks; the same, series by series.
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 120, 300)
    values = np.concatenate([np.arange(n, dtype=float) for n in lengths])
    ids = np.repeat([f"s{i:03d}" for i in range(len(lengths))], lengths)
    series = load_series(pl.DataFrame({"unique_id": ids, "y": values}))
    splits = prepare_splits(series, input_size=20, horizon=5, stride=stride)
    expected = ([], [], [])
    for offset, (n_train, n_val, n_test) in zip(series.offsets, splits.sizes):
        if n_train < 25:
            continue
        expected[0].extend(offset + np.arange(0, n_train - 25 + 1, stride))
        for part, begin, length in ((1, n_train, n_val), (2, n_train + n_val, n_test)):
            first = max(begin, 20)
            expected[part].extend(offset + p - 20 for p in range(first, begin + length - 5 + 1))
    for got, want in zip((splits.train, splits.val, splits.test), expected):
        np.testing.assert_array_equal(got, want)
    assert len(splits.skipped) == int((splits.sizes[:, 0] < 25).sum()) > 0

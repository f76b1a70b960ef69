"""Evaluation windows with their series and times; last windows and future timestamps."""

import numpy as np
import polars as pl
import pytest
from data_helpers import HOUR, START, long_frame

from keras_nhits import NHITSInputError
from keras_nhits.data import (
    BusinessDay,
    future_times,
    iter_windows,
    last_windows,
    load_series,
    prepare_splits,
    window_arrays,
    window_series,
    window_target_times,
)


def test_window_series_and_target_times():
    series = load_series(long_frame(n_series=2, n_steps=100))
    splits = prepare_splits(series, input_size=10, horizon=5)
    which = window_series(series, splits.test)
    times = window_target_times(series, splits.test, 10)
    assert which.tolist() == [0] * 16 + [1] * 16
    # Test targets start at step 80 ... 95 of each series.
    np.testing.assert_array_equal(times[:16], START + np.arange(80, 96) * HOUR)
    np.testing.assert_array_equal(times[16:], times[:16])
    _, y = window_arrays(series, splits.test, 10, 5)
    np.testing.assert_array_equal(y[:, 0] - 1000 * which, np.arange(80, 96).tolist() * 2)


def test_target_times_of_a_series_with_gaps_use_its_stored_times():
    series = load_series(long_frame(n_series=1, n_steps=100, gap_steps=(50,)))
    splits = prepare_splits(series, input_size=10, horizon=5)
    times = window_target_times(series, splits.test, 10)
    np.testing.assert_array_equal(times, series.times(0)[splits.test + 10])


def test_iter_windows_matches_window_arrays():
    series = load_series(np.arange(300.0))
    starts = prepare_splits(series, input_size=12, horizon=6).train
    batches = list(iter_windows(series, starts, 12, 6, batch_size=50))
    x, y = window_arrays(series, starts, 12, 6)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    assert len(batches) == int(np.ceil(len(starts) / 50))


def test_every_series_is_continued_at_once_as_one_at_a_time():
    # last_times and future_time_rows group the fixed steps; calendar months, business days
    # and series with gaps kept as observations go their own way. Both paths agree.
    month_ends = np.array(["2023-10-31", "2023-11-30", "2023-12-31", "2024-01-31"], "datetime64[D]")
    pieces = {
        "hourly": START + np.arange(30) * HOUR,
        "quarter-hourly": START + np.arange(30) * np.timedelta64(15, "m"),
        "monthly": month_ends.astype("datetime64[us]"),
        "business": np.busday_offset("2024-01-01", np.arange(12)).astype("datetime64[us]"),
        "gappy": START + np.r_[np.arange(10), np.arange(12, 20)] * HOUR,
    }
    frame = pl.concat(
        pl.DataFrame({"unique_id": name, "ds": times, "y": np.arange(len(times), dtype=float)})
        for name, times in pieces.items()
    )
    series = load_series(frame)
    last = last_windows(series, 3)
    expected_last = [series.last_time(i) for i in range(series.n_series)]
    np.testing.assert_array_equal(series.last_times(), expected_last)
    rows = last.future_time_rows(5)
    for i in range(series.n_series):
        np.testing.assert_array_equal(rows[i], last.future_times(i, 5))
    assert rows[2, 0] == np.datetime64("2024-02-29")  # the month-end anchor kept
    assert rows[3, 0] == np.datetime64("2024-01-17")  # Tuesday 16th -> Wednesday 17th
    steps = load_series(pl.DataFrame({"ds": [3, 5, 7], "y": [1.0, 2.0, 3.0]}))
    np.testing.assert_array_equal(last_windows(steps, 1).future_time_rows(2), [[9, 11]])


def test_last_windows_and_their_future_times():
    series = load_series(long_frame(n_series=2, n_steps=100))
    last = last_windows(series, 8)
    np.testing.assert_array_equal(last.x, [np.arange(92.0, 100.0), 1000 + np.arange(92.0, 100.0)])
    assert last.ids == ["s0", "s1"]
    assert last.last_time[1] == START + 99 * HOUR
    np.testing.assert_array_equal(last.future_times(1, 3), START + np.arange(100, 103) * HOUR)


def test_last_windows_refuses_short_series():
    frame = pl.DataFrame({"unique_id": ["a"] * 5 + ["b"] * 20, "y": np.arange(25.0)})
    with pytest.raises(NHITSInputError, match=r"shorter than input_size=10.*a \(5\)"):
        last_windows(load_series(frame), 10)


@pytest.mark.parametrize(
    "last, freq, expected",
    [
        (np.int64(41), 2, [43, 45]),
        (
            np.datetime64("2021-01-01T23:00"),
            np.timedelta64(1, "h"),
            ["2021-01-02T00:00", "2021-01-02T01:00"],
        ),
        (np.datetime64("2024-01-31"), np.timedelta64(1, "M"), ["2024-02-29", "2024-03-31"]),
        (np.datetime64("2024-01-15"), np.timedelta64(1, "M"), ["2024-02-15", "2024-03-15"]),
        (np.datetime64("2024-01-05"), np.timedelta64(7, "D"), ["2024-01-12", "2024-01-19"]),
        # Business days: Friday -> Monday, at midnight in the data's unit.
        (np.datetime64("2024-01-05"), BusinessDay(), ["2024-01-08", "2024-01-09"]),
        (np.datetime64("2024-01-05T00:00", "us"), "B", ["2024-01-08", "2024-01-09"]),
        # A step's text, as a run's config.json records it (data.freqs).
        (np.datetime64("2021-01-01T23:00"), "1 hours", ["2021-01-02T00:00", "2021-01-02T01:00"]),
    ],
)
def test_future_times(last, freq, expected):
    result = future_times(last, freq, 2)
    np.testing.assert_array_equal(result, np.asarray(expected, dtype=result.dtype))


def test_future_times_needs_a_step():
    with pytest.raises(NHITSInputError, match="single timestamp"):
        future_times(np.datetime64("2024-01-01"), None, 3)

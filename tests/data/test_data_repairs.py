"""Repairs are explicit: each one changes the data as documented and is reported."""

import numpy as np
import polars as pl
import pytest
from data_helpers import HOUR, START, long_frame

from keras_nhits.data import future_times, load_series
from keras_nhits.data.cleaning import fill_missing
from keras_nhits.data.frequency import BusinessDay


def _one_series(values, steps=None):
    steps = np.arange(len(values)) if steps is None else np.asarray(steps)
    return pl.DataFrame({"ds": START + steps * HOUR, "y": values}, strict=False)


def _line(series, words):
    found = [line for line in series.report if words in line]
    assert found, f"{words!r} not in report {series.report}"
    return found[0]


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("ffill", [1.0, 1.0, 1.0, 4.0, 4.0]),
        ("interpolate", [1.0, 2.0, 3.0, 4.0, 4.0]),
        ("zero", [1.0, 0.0, 0.0, 4.0, 0.0]),
    ],
)
def test_fill_modes(mode, expected):
    y = np.array([1.0, np.nan, np.nan, 4.0, np.nan])
    filled, leading = fill_missing(y, mode)
    np.testing.assert_allclose(filled, expected)
    assert leading == 0


def test_ffill_backfills_leading_values_and_counts_them():
    series = load_series(_one_series([None, None, 3.0, None, 5.0]), fill="ffill")
    np.testing.assert_array_equal(series.values, [3.0, 3.0, 3.0, 3.0, 5.0])
    assert "filled 3 missing" in _line(series, "fill=ffill")
    assert "2 leading missing values" in _line(series, "backfill")


def test_inf_is_filled_like_nan_and_reported():
    series = load_series(_one_series([1.0, float("inf"), 3.0, float("-inf")]), fill="interpolate")
    np.testing.assert_array_equal(series.values, [1.0, 2.0, 3.0, 3.0])
    assert "2 of the filled values were inf" in _line(series, "inf")


def test_large_values_within_float32_are_valid():
    series = load_series(_one_series([1e30, -1e30, 3e38]))
    assert np.all(np.isfinite(series.values)) and series.values[0] == np.float32(1e30)


def test_unsorted_rows_are_sorted_and_reported():
    frame = long_frame()
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=0)
    series = load_series(shuffled)
    reference = load_series(frame)
    assert sorted(series.ids) == reference.ids
    for sid in reference.ids:
        i, j = series.index(sid), reference.index(sid)
        np.testing.assert_array_equal(series.series_values(i), reference.series_values(j))
    assert "sorted 3 series by time" in _line(series, "sorted")


def test_gaps_warn_keeps_the_observations_as_a_sequence():
    series = load_series(long_frame(gap_steps=(10, 11, 50)))
    assert series.lengths.tolist() == [197, 197, 197]
    times = series.times(0)
    assert times[10] == START + 12 * HOUR
    assert series.freqs[0] == np.timedelta64(1, "h")
    assert "6 gaps in the time index of 3 series" in _line(series, "gaps=warn")
    # Times of a series kept as a sequence are stored; regular ones are not.
    regular = load_series(long_frame())
    assert regular.explicit_ticks == {} and set(series.explicit_ticks) == {0, 1, 2}


def test_gaps_fill_inserts_steps_and_interpolates_them():
    series = load_series(long_frame(n_series=1, gap_steps=(10, 11)), gaps="fill")
    np.testing.assert_array_equal(series.values, np.arange(200.0))
    np.testing.assert_array_equal(series.times(0), START + np.arange(200) * HOUR)
    assert "inserted 2 missing time steps in 1 series, filled by interpolation" in _line(
        series, "gaps=fill"
    )


def test_gaps_fill_uses_the_fill_mode_when_one_is_given():
    series = load_series(long_frame(n_series=1, gap_steps=(10, 11)), gaps="fill", fill="zero")
    assert series.values[10] == 0 and series.values[11] == 0


def test_trading_days_are_business_days_without_weekend_gaps():
    days = np.arange("2024-01-01", "2024-03-01", dtype="datetime64[D]")
    weekdays = days[np.is_busday(days)]
    series = load_series(
        pl.DataFrame({"date": weekdays, "close": np.arange(len(weekdays), dtype=float)})
    )
    assert series.freqs == [BusinessDay()] and series.explicit_ticks == {}
    assert len(series.values) == len(weekdays)
    assert not any("gaps" in line for line in series.report)
    np.testing.assert_array_equal(series.times(0), weekdays)


@pytest.mark.parametrize(
    "dates, freq, future",
    [
        (["2021-01-01", "2021-02-01", "2021-03-01"], np.timedelta64(1, "M"), "2021-04-01"),
        (["2021-01-31", "2021-02-28", "2021-03-31"], np.timedelta64(1, "M"), "2021-04-30"),
        (["2020-03-31", "2020-06-30", "2020-09-30"], np.timedelta64(3, "M"), "2020-12-31"),
        (["2019-01-01", "2020-01-01", "2021-01-01"], np.timedelta64(12, "M"), "2022-01-01"),
        # Equal steps of 31 days that are months (was a fixed 31 days: Oct 2 next).
        (["2021-07-01", "2021-08-01", "2021-09-01"], np.timedelta64(1, "M"), "2021-10-01"),
    ],
)
def test_calendar_months_are_regular(dates, freq, future):
    frame = pl.DataFrame({"date": dates, "y": [1.0, 2.0, 3.0]}).with_columns(
        pl.col("date").str.to_date()
    )
    series = load_series(frame)
    assert series.freqs == [freq] and series.explicit_ticks == {}
    assert not any("gaps" in line for line in series.report)
    np.testing.assert_array_equal(series.times(0), np.array(dates, dtype="datetime64[D]"))
    assert future_times(series.last_time(0), freq, 1)[0] == np.datetime64(future)


def test_monthly_gap_is_filled_on_the_calendar():
    frame = pl.DataFrame(
        {"date": ["2021-01-01", "2021-02-01", "2021-04-01"], "y": [1.0, 2.0, 4.0]}
    ).with_columns(pl.col("date").str.to_date())
    series = load_series(frame, gaps="fill")
    np.testing.assert_array_equal(series.values, [1.0, 2.0, 3.0, 4.0])
    assert series.times(0)[2] == np.datetime64("2021-03-01")


def test_clean_data_reports_only_what_was_loaded():
    series = load_series(long_frame())
    assert len(series.report) == 1 and series.report[0].startswith("loaded 3 series (600 steps)")

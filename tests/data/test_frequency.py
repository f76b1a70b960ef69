"""Steps of the time index: business days, `--freq` spellings, and steps written back as text."""

import numpy as np
import polars as pl
import pytest

from keras_nhits.data import (
    BusinessDay,
    freq_name,
    last_windows,
    load_series,
    parse_freq,
    window_target_times,
)
from keras_nhits.data.frequency import same_step
from keras_nhits.errors import NHITSInputError
from keras_nhits.training.metrics import season_length_for

# 2024-01-01 is a Monday; 2024-02-29 a Thursday, 2024-03-01 a Friday.
DAYS = np.arange("2024-01-01", "2024-03-02", dtype="datetime64[D]")
WEEKDAYS = DAYS[np.is_busday(DAYS)]


def _frame(times, **columns):
    return pl.DataFrame({"ds": times, "y": np.arange(len(times), dtype=float), **columns})


def _future(series, horizon=2):
    return last_windows(series, 1).future_times(0, horizon)


def _report_line(series, words):
    found = [line for line in series.report if words in line]
    assert found, f"{words!r} not in report {series.report}"
    return found[0]


# === Business days ===


@pytest.mark.parametrize("as_datetime", [False, True], ids=["dates", "midnight-datetimes"])
def test_a_monday_to_friday_series_is_business_days(as_datetime):
    times = WEEKDAYS.astype("datetime64[us]") if as_datetime else WEEKDAYS
    series = load_series(_frame(times))
    assert series.freqs == [BusinessDay()] and series.explicit_ticks == {}
    assert not any("gaps" in line for line in series.report)
    np.testing.assert_array_equal(series.times(0), times)


def test_exchange_holidays_keep_business_days_and_are_reported_as_gaps():
    holiday = np.datetime64("2024-01-15")  # a Monday
    times = WEEKDAYS[WEEKDAYS != holiday]
    series = load_series(_frame(times))
    assert series.freqs == [BusinessDay()]
    assert "1 gaps in the time index of 1 series" in _report_line(series, "gaps=warn")
    np.testing.assert_array_equal(series.times(0), times)
    with pytest.raises(NHITSInputError, match="gap after 2024-01-12 .next timestamp 2024-01-16"):
        load_series(_frame(times), gaps="error")


def test_forecast_times_of_business_days_skip_the_weekend():
    series = load_series(_frame(WEEKDAYS))  # ends on Friday 2024-03-01
    np.testing.assert_array_equal(
        _future(series, 3), np.array(["2024-03-04", "2024-03-05", "2024-03-06"], "datetime64[D]")
    )


def test_window_target_times_of_business_days_are_weekdays():
    series = load_series(_frame(WEEKDAYS))
    times = window_target_times(series, np.arange(len(WEEKDAYS) - 3), 3)
    np.testing.assert_array_equal(times, WEEKDAYS[3:])


def test_gaps_fill_fills_a_missing_weekday_but_never_a_weekend():
    wednesday = np.datetime64("2024-01-10")
    times = WEEKDAYS[WEEKDAYS != wednesday]
    frame = pl.DataFrame({"ds": times, "y": (times - WEEKDAYS[0]).astype(float)})
    series = load_series(frame, gaps="fill")
    np.testing.assert_array_equal(series.times(0), WEEKDAYS)
    # Interpolated between Tuesday (8.0) and Thursday (10.0), on the calendar-day values.
    assert series.values[np.flatnonzero(WEEKDAYS == wednesday)[0]] == 9.0
    assert "inserted 1 missing time steps" in _report_line(series, "gaps=fill")


def test_the_season_of_business_days_is_a_five_day_week():
    series = load_series(_frame(WEEKDAYS))
    assert season_length_for(series.freqs[0]) == 5
    assert season_length_for("B") == 5


def test_a_single_week_is_daily_unless_freq_says_business_days():
    week = WEEKDAYS[:5]  # Monday to Friday: no weekend crossed
    assert load_series(_frame(week)).freqs == [np.timedelta64(1, "D")]
    series = load_series(_frame(week), freq="B")
    assert series.freqs == [BusinessDay()]
    assert _future(series, 1)[0] == np.datetime64("2024-01-08")


# === --freq spellings ===


def _every(start, step, n=4):
    return np.datetime64(start, "us") + np.arange(n) * np.timedelta64(*step)


def _dates(*dates):
    return np.array(dates, dtype="datetime64[D]")


SPELLINGS = [
    # spelling, timestamps on that grid, the step, the next two timestamps
    ("h", _every("2024-01-01", (1, "h")), np.timedelta64(1, "h"), ["2024-01-01T04", "T05"]),
    ("H", _every("2024-01-01", (1, "h")), np.timedelta64(1, "h"), ["2024-01-01T04", "T05"]),
    ("30min", _every("2024-01-01", (30, "m")), np.timedelta64(30, "m"), ["T02:00", "T02:30"]),
    ("min", _every("2024-01-01", (1, "m")), np.timedelta64(1, "m"), ["T00:04", "T00:05"]),
    ("s", _every("2024-01-01", (1, "s")), np.timedelta64(1, "s"), ["T00:00:04", "T00:00:05"]),
    ("ms", _every("2024-01-01", (1, "ms")), np.timedelta64(1, "ms"), ["T00:00:00.004", ".005"]),
    ("D", _dates("2024-01-01", "2024-01-02", "2024-01-03"), np.timedelta64(1, "D"), ["01-04"]),
    ("B", _dates("2024-01-04", "2024-01-05", "2024-01-08"), BusinessDay(), ["01-09", "01-10"]),
    ("W", _dates("2024-01-03", "2024-01-10", "2024-01-17"), np.timedelta64(7, "D"), ["01-24"]),
    ("W-MON", _dates("2024-01-01", "2024-01-08"), np.timedelta64(7, "D"), ["01-15", "01-22"]),
    ("MS", _dates("2024-01-01", "2024-02-01"), np.timedelta64(1, "M"), ["03-01", "04-01"]),
    ("ME", _dates("2024-01-31", "2024-02-29"), np.timedelta64(1, "M"), ["03-31", "04-30"]),
    ("QS", _dates("2024-01-01", "2024-04-01"), np.timedelta64(3, "M"), ["07-01", "10-01"]),
    ("QE", _dates("2024-03-31", "2024-06-30"), np.timedelta64(3, "M"), ["09-30", "12-31"]),
    ("YS", _dates("2022-01-01", "2023-01-01"), np.timedelta64(12, "M"), ["2024-01-01"]),
    ("YE", _dates("2022-12-31", "2023-12-31"), np.timedelta64(12, "M"), ["2024-12-31"]),
    ("1h", _every("2024-01-01", (1, "h")), np.timedelta64(1, "h"), ["2024-01-01T04"]),
    ("15m", _every("2024-01-01", (15, "m")), np.timedelta64(15, "m"), ["T01:00", "T01:15"]),
    ("1h30m", _every("2024-01-01", (90, "m")), np.timedelta64(90, "m"), ["T06:00", "T07:30"]),
    ("30s", _every("2024-01-01", (30, "s")), np.timedelta64(30, "s"), ["T00:02:00"]),
    ("2d", _dates("2024-01-01", "2024-01-03"), np.timedelta64(2, "D"), ["01-05", "01-07"]),
    ("1w", _dates("2024-01-03", "2024-01-10"), np.timedelta64(7, "D"), ["01-17"]),
    ("1mo", _dates("2024-01-15", "2024-02-15"), np.timedelta64(1, "M"), ["03-15", "04-15"]),
    ("1q", _dates("2024-01-15", "2024-04-15"), np.timedelta64(3, "M"), ["07-15"]),
    ("1y", _dates("2022-03-01", "2023-03-01"), np.timedelta64(12, "M"), ["2024-03-01"]),
    ("1i", np.array([10, 11, 12]), 1, [13, 14]),
    ("3", np.array([0, 3, 6]), 3, [9, 12]),
    ("1 hours", _every("2024-01-01", (1, "h")), np.timedelta64(1, "h"), ["2024-01-01T04"]),
]


def _expected(times, future):
    """Future timestamps written as suffixes ("01-04", "T05") of the last timestamp's text."""
    if times.dtype.kind != "M":
        return np.array(future)
    last = str(times[-1])
    return np.array([_complete(last, text) for text in future], dtype=times.dtype)


def _complete(last, text):
    if text[:4].isdigit():  # a full date: "2024-01-01T04"
        return text
    if text.startswith("."):  # fractions of a second
        return last[: last.index(".")] + text
    if text.startswith("T"):
        return last[: last.index("T")] + text
    return last[:5] + text  # "01-04": month and day of the same year


@pytest.mark.parametrize(
    "spelling, times, step, future", SPELLINGS, ids=[row[0] for row in SPELLINGS]
)
def test_every_freq_spelling_parses_and_continues_its_grid(spelling, times, step, future):
    assert same_step(parse_freq(spelling), step)
    series = load_series(_frame(times), freq=spelling)
    assert same_step(series.freqs[0], step) and series.explicit_ticks == {}
    np.testing.assert_array_equal(series.times(0), times)
    np.testing.assert_array_equal(_future(series, len(future)), _expected(times, future))


@pytest.mark.parametrize(
    "spelling",
    ["M", "T", "hourly", "0h", "2B", "W-XYZ", "1mo1d", "h1", "-1h", "1.5h", "1 fortnights"],
)
def test_bad_freq_spellings_are_refused_with_one_line(spelling):
    with pytest.raises(NHITSInputError) as error:
        parse_freq(spelling)
    message = str(error.value)
    assert message.startswith(f"--freq {spelling!r} is") and "\n" not in message
    with pytest.raises(NHITSInputError, match="--freq"):
        load_series(_frame(WEEKDAYS), freq=spelling)


@pytest.mark.parametrize("spelling", [row[0] for row in SPELLINGS])
def test_each_step_written_as_text_reads_back(spelling):
    step = parse_freq(spelling)
    # str() is what a run records in config.json (data.freqs); freq_name is the short form.
    assert same_step(parse_freq(str(step)), step)
    assert same_step(parse_freq(freq_name(step)), step)


# === Data that disagrees with --freq ===


@pytest.mark.parametrize(
    "times, freq, words",
    [
        (WEEKDAYS, "D", "has step B (business days) but --freq D (1d) was given; pass --freq B"),
        (DAYS, "B", "has step 1d but --freq B was given; pass --freq 1d"),
        (DAYS, "h", "has step 1d but --freq h (1h) was given; pass --freq 1d"),
        (_dates("2024-01-15", "2024-02-15"), "MS", "not on the 1st of a month as --freq MS"),
        (_dates("2024-01-01", "2024-02-01"), "ME", "not on the last day of a month"),
        (_dates("2024-01-03", "2024-01-10"), "W-MON", "not on a Monday"),
        (np.arange(5), "h", "has integer steps"),
        (WEEKDAYS, "1i", "has datetimes but --freq 1i needs integer steps"),
        (_dates("2024-01-06"), "B", "2024-01-06 is not a business day"),  # a Saturday
    ],
)
def test_a_series_whose_step_disagrees_with_freq_is_refused(times, freq, words):
    frame = _frame(times, unique_id=["ok"] * len(times))
    with pytest.raises(NHITSInputError, match="series 'ok'") as error:
        load_series(frame, freq=freq)
    assert words in str(error.value) and "\n" not in str(error.value)


def test_off_grid_timestamps_with_freq_are_handled_by_gaps_as_without():
    times = _every("2024-01-01", (1, "h"), 48)
    times[20] += np.timedelta64(30, "m")
    series = load_series(_frame(times), freq="h")
    assert "1 timestamps off the most common step" in _report_line(series, "gaps=warn")
    with pytest.raises(NHITSInputError, match="off the grid of its most common step 1h"):
        load_series(_frame(times), freq="h", gaps="error")


def test_freq_gives_a_series_with_one_timestamp_its_step():
    frame = pl.DataFrame(
        {
            "unique_id": ["a", "a", "a", "b"],
            "ds": _dates("2024-01-29", "2024-01-30", "2024-01-31", "2024-01-31"),
            "y": [1.0, 2.0, 3.0, 4.0],
        }
    )
    assert load_series(frame).freqs[1] is None
    series = load_series(frame, freq="D")
    assert series.freqs == [np.timedelta64(1, "D")] * 2
    assert last_windows(series, 1).future_times(1, 1)[0] == np.datetime64("2024-02-01")

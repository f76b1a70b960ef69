"""Time columns: reading them as int64 ticks, inferring each series' step, continuing timestamps.

A time column may hold datetimes, dates, strings Polars can parse as datetimes, or integer steps;
with no time column the rows are taken in order (steps 0, 1, 2, ...). Internally every time is an
int64 tick in one NumPy unit (`"us"`, `"ns"`, `"ms"` or `"D"`; None for integer steps), so the
checks below are plain integer arithmetic.

The step (frequency) of a series is its most common difference between consecutive timestamps. A
step of 28-31 days (or a multiple, e.g. quarters and years) on timestamps anchored to the same day
of the month, or to the month's end, is a calendar step `np.timedelta64(k, "M")`, so monthly data
is regular and its future timestamps land on month boundaries.

Dates (or midnight datetimes) that all fall on Monday to Friday, a day apart except for jumps over
weekends, are business days (`BusinessDay()`, "B"): positions are counted in business days
(`np.busday_count`), so a missing Wednesday is a gap and a weekend is not, and they continue on
business days (`np.busday_offset`: Friday -> Monday). Exchange holidays are gaps. The steps'
types and their spellings are in `keras_nhits.data.frequency`.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from keras_nhits.data.frequency import BusinessDay, coarsest, parse_freq
from keras_nhits.errors import NHITSInputError

# Forecast times from this one on cannot be written as ISO dates (five-digit years).
LAST_WRITABLE_TIME = np.datetime64("10000-01-01T00:00:00", "us")


def time_expression(column, dtype):
    """Returns (expression giving int64 ticks, unit) for a time column of `dtype`."""
    col = pl.col(column)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return col.to_physical().cast(pl.Int64), dtype.time_unit
    if dtype == pl.Date:
        return col.to_physical().cast(pl.Int64), "D"
    if dtype.is_integer():
        return col.cast(pl.Int64), None
    if dtype == pl.String:
        # time_zone="UTC": strings with an offset are converted, naive ones taken as UTC.
        parsed = col.str.to_datetime(strict=False, time_unit="us", time_zone="UTC")
        return parsed.dt.replace_time_zone(None).to_physical(), "us"
    raise NHITSInputError(
        f"time column {column!r} must hold datetimes, dates, date strings or integer steps; "
        f"received {dtype}; pass time_col='' to use the row order"
    )


def check_parsed(column, raw, ticks):
    """Raises if a string time column has values that did not parse (e.g. a second format)."""
    if raw.dtype != pl.String:
        return
    failed = ticks.is_null() & raw.is_not_null()
    if failed.any():
        example = raw.filter(failed)[0]
        first = raw.drop_nulls()[0]
        problem = (
            "values that are not dates Polars can read"
            if example == first
            else f"values that are not dates in the format of its first value {first!r}"
        )
        raise NHITSInputError(
            f"time column {column!r} has {problem}, e.g. {example!r}; write every time in one "
            "format (ISO 8601: 2020-01-31 13:00:00)"
        )


def time_label(tick, unit):
    """A tick as text for messages: ISO 8601 without trailing zeros, or the integer step."""
    if not unit:
        return str(int(tick))
    time = np.datetime64(int(tick), unit)
    for coarse in ("D", "m", "s", "ms", "us"):
        if time.astype(f"datetime64[{coarse}]") == time:
            return str(time.astype(f"datetime64[{coarse}]"))
    return str(time)


def as_time(tick, unit):
    """A tick as a NumPy scalar: `np.datetime64` in `unit`, or `np.int64` for integer steps."""
    return np.datetime64(int(tick), unit) if unit else np.int64(tick)


def coarsest_step(ticks, unit):
    """`ticks` ticks of `unit` as a timedelta in the coarsest exact unit (or an int step)."""
    if unit is None:
        return int(ticks)
    return coarsest(np.timedelta64(int(ticks), unit))


# === Steps ===


@dataclass
class Step:
    """A series' inferred step and each timestamp's position on the step grid.

    `positions[k]` is how many steps timestamp k lies after the first; `off_grid` is the index of
    the first timestamp that is not a whole number of steps after the first one (or None).
    """

    freq: object
    positions: np.ndarray
    off_grid: int | None
    n_off_grid: int = 0

    @property
    def regular(self):
        return self.off_grid is None and self.positions[-1] == len(self.positions) - 1


def infer_step(ticks, unit):
    """The step of a sorted, strictly increasing int64 tick array (see the module docstring)."""
    n = len(ticks)
    if n < 2:
        return Step(None, np.zeros(n, np.int64), None)
    diffs = np.diff(ticks)
    low, high = diffs.min(), diffs.max()
    # Equal steps of 28 days or more may still be months (Jul 1, Aug 1, Sep 1: 31 days each).
    if low == high and (unit is None or low < 28 * _day(unit)):
        return Step(coarsest_step(low, unit), np.arange(n, dtype=np.int64), None)
    values, counts = np.unique(diffs, return_counts=True)
    mode = values[np.argmax(counts)]
    if unit is not None:
        calendar = _calendar_step(ticks, unit, mode)
        if calendar is not None:
            return calendar
        if mode == _day(unit):
            business = business_step(ticks, unit)
            # Weekdays only, and fewer business days than days: some step jumps over a weekend
            # (a single week of Monday to Friday is plain daily data).
            if business is not None and business.positions[-1] < (ticks[-1] - ticks[0]) // mode:
                return business
    if low == high:
        return Step(coarsest_step(low, unit), np.arange(n, dtype=np.int64), None)
    return _on_grid(coarsest_step(mode, unit), ticks - ticks[0], mode)


def _day(unit):
    return int(np.timedelta64(1, "D").astype(f"timedelta64[{unit}]").astype(np.int64))


def _business_days(ticks, unit):
    """The ticks as `datetime64[D]` when every one is a midnight on Monday to Friday, else None."""
    if unit is None or (ticks % _day(unit)).any():
        return None
    days = (ticks // _day(unit)).astype("datetime64[D]")
    return days if np.is_busday(days).all() else None


def business_step(ticks, unit):
    """The `Step` of business-day ticks: positions counted in business days (Fri -> Mon is 1).

    Returns None when a tick is not a midnight on Monday to Friday.
    """
    days = _business_days(ticks, unit)
    if days is None:
        return None
    return Step(BusinessDay(), np.busday_count(days[0], days).astype(np.int64), None)


def _calendar_step(ticks, unit, mode):
    day = _day(unit)
    months = round(mode / (30.44 * day))
    if months < 1 or abs(mode - months * 30.44 * day) > 3 * day * max(1, months // 12 + 1):
        return None
    times = ticks.astype(f"datetime64[{unit}]")
    month = times.astype("datetime64[M]")
    # Anchored to the same offset from the month's start, or from the next month's start.
    from_start = (times - month.astype(f"datetime64[{unit}]")).astype(np.int64)
    to_end = ((month + 1).astype(f"datetime64[{unit}]") - times).astype(np.int64)
    if not ((from_start == from_start[0]).all() or (to_end == to_end[0]).all()):
        return None
    index = month.astype(np.int64)
    values, counts = np.unique(np.diff(index), return_counts=True)
    step = int(values[np.argmax(counts)])
    if step < 1:
        return None
    return _on_grid(np.timedelta64(step, "M"), index - index[0], step)


def _on_grid(freq, offsets, step):
    off = np.flatnonzero(offsets % step)
    first = int(off[0]) if off.size else None
    return Step(freq, offsets // step, first, int(off.size))


# === Continuing timestamps ===


def is_calendar(freq):
    """True for a calendar step in months (`np.timedelta64(k, "M")`)."""
    return isinstance(freq, np.timedelta64) and np.datetime_data(freq.dtype)[0] == "M"


def regular_times(start, freq, n):
    """`n` timestamps from `start` (a datetime64 or int) spaced by `freq`."""
    if freq is None:
        if n > 1:
            raise NHITSInputError(
                "the step of a series with a single timestamp is unknown; it cannot be continued"
            )
        return np.asarray([start])[:n]
    return times_at(start, freq, np.arange(n, dtype=np.int64))


def times_at(start, freq, positions):
    """The timestamps `positions` (an int array) steps of `freq` after `start`."""
    positions = np.asarray(positions, dtype=np.int64)
    if is_calendar(freq):
        return _add_months(start, positions * int(freq.astype(np.int64)))
    if isinstance(freq, BusinessDay):
        unit = np.datetime_data(start.dtype)[0]
        days = np.busday_offset(start.astype("datetime64[D]"), positions, roll="forward")
        return days.astype(f"datetime64[{unit}]")
    if isinstance(start, np.datetime64):
        unit = np.datetime_data(start.dtype)[0]
        return (start + positions * freq).astype(f"datetime64[{unit}]")
    return int(start) + positions * int(freq)


def _add_months(start, months):
    unit = np.datetime_data(start.dtype)[0]
    month = start.astype("datetime64[M]")
    next_month = (month + 1).astype(f"datetime64[{unit}]")
    one_day = np.timedelta64(1, "D")
    if (start + one_day).astype("datetime64[M]") > month:
        # Month-end anchoring (Jan 31, Feb 29, Mar 31 ...): count back from the next month.
        to_end = next_month - start
        return ((month + 1 + months).astype(f"datetime64[{unit}]") - to_end).astype(
            f"datetime64[{unit}]"
        )
    from_start = start - month.astype(f"datetime64[{unit}]")
    return ((month + months).astype(f"datetime64[{unit}]") + from_start).astype(
        f"datetime64[{unit}]"
    )


def future_times(last_time, freq, horizon):
    """The `horizon` timestamps after `last_time` with step `freq` (for forecasts).

    Args:
        last_time: the series' last timestamp, `np.datetime64` or an integer step.
        freq: its step, `np.timedelta64` (`"M"` for calendar months), `BusinessDay()`, an
            int, or its text (`"1h"`, `"B"`, `"1 hours"`; see `keras_nhits.data.frequency`).
        horizon: number of future timestamps.

    Example:
        >>> future_times(np.datetime64("2020-01-31"), np.timedelta64(1, "M"), 2)
        array(['2020-02-29', '2020-03-31'], dtype='datetime64[D]')
        >>> future_times(np.datetime64("2024-01-05"), BusinessDay(), 2)  # a Friday
        array(['2024-01-08', '2024-01-09'], dtype='datetime64[D]')
    """
    if isinstance(freq, str):
        freq = parse_freq(freq)
    if freq is None:
        raise NHITSInputError(
            "the series has a single timestamp, so its step is unknown and its future "
            "timestamps cannot be computed"
        )
    if not isinstance(last_time, np.datetime64) and not isinstance(freq, (int, np.integer)):
        last_time = np.datetime64(last_time)
    if not isinstance(last_time, np.datetime64):
        _check_integer_end(last_time, freq, horizon)
    times = regular_times(last_time, freq, horizon + 1)[1:]
    if isinstance(last_time, np.datetime64) and len(times) and times[-1] >= LAST_WRITABLE_TIME:
        raise NHITSInputError(
            f"the forecast after {last_time} reaches the year 10000, which dates cannot be "
            "written in; check the time column"
        )
    return times


def future_time_rows(last_times, freqs, horizon):
    """`[n, horizon]`: the `future_times` of every series at once, row `i` for series `i`.

    Series with a fixed step (a `np.timedelta64` other than calendar months, or an integer
    step) are continued in one NumPy operation per distinct step, so forecasting 100,000
    series costs milliseconds here; calendar months and business days go one series at a time.
    Refuses what `future_times` refuses (a single timestamp, times past the year 10000 or the
    largest integer).

    Args:
        last_times: each series' last timestamp: a datetime64 array in one unit, or int64.
        freqs: each series' step (see `future_times`).
        horizon: number of future timestamps.
    """
    last_times = np.asarray(last_times)
    rows = np.empty((len(last_times), horizon), dtype=last_times.dtype)
    groups, others = fixed_step_groups(freqs)
    for i in others:
        rows[i] = future_times(last_times[i], freqs[i], horizon)
    ahead = np.arange(1, horizon + 1, dtype=np.int64)
    for step, which in groups:
        last = last_times[which]
        _check_continuable(last.max(), step, horizon)
        rows[which] = (last[:, None] + ahead * step).astype(last_times.dtype)
    return rows


def fixed_step_groups(freqs):
    """The series of each fixed step, and the others: `([(step, indices), ...], [i, ...])`.

    A fixed step is a `np.timedelta64` other than calendar months, or an integer step; calendar
    months, business days and None (a single timestamp) are the others. Steps are told apart
    by their type and text, computed once per distinct step, so 100,000 series cost a few
    dictionary lookups each.
    """
    fast = _same_kind_steps(freqs)
    if fast is not None:
        return fast, []
    kinds, members, others = {}, {}, []
    for i, freq in enumerate(freqs):
        text = (type(freq), str(freq))
        key = kinds.get(text)
        if key is None:
            key = kinds[text] = _fixed_key(freq)
        if key is False:
            others.append(i)
        else:
            members.setdefault(key, (freq, []))[1].append(i)
    return [(freq, np.asarray(which)) for freq, which in members.values()], others


def _same_kind_steps(freqs):
    """`fixed_step_groups`' groups in one NumPy pass when every step is a non-calendar
    `np.timedelta64` or every one an integer (the usual panel), else None."""
    if not freqs or not isinstance(freqs[0], (int, np.integer)):
        return None
    try:
        steps = np.asarray(freqs)
    except (TypeError, ValueError):  # months beside hours, say
        return None
    if steps.ndim != 1 or steps.dtype.kind not in "mi":
        return None
    if steps.dtype.kind == "m" and np.datetime_data(steps.dtype)[0] in ("Y", "M"):
        return None
    values, inverse = np.unique(steps, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(values) + 1))
    return [(values[k], order[bounds[k] : bounds[k + 1]]) for k in range(len(values))]


def _fixed_key(freq):
    """`(unit, count)` of a fixed step, False for any other."""
    # np.timedelta64 is an np.integer too: test it first.
    if isinstance(freq, np.timedelta64):
        if is_calendar(freq):
            return False
        return (np.datetime_data(freq.dtype)[0], int(freq.astype(np.int64)))
    if isinstance(freq, (int, np.integer)):
        return (None, int(freq))
    return False


def _check_integer_end(last, step, horizon):
    """Refuses integer times that `horizon` steps of `step` after `last` take out of int64,
    computed in Python integers (the check itself must not wrap around)."""
    end = int(last) + int(horizon) * int(step)
    if not -(2**63) < end < 2**63:
        raise NHITSInputError(
            f"the forecast steps after {int(last)} pass the largest integer time "
            "(2**63 - 1); renumber the time column from 0"
        )


def _check_continuable(last, step, horizon):
    """Refuses continuing `last` by `horizon` steps past what its type can hold, computed in
    Python integers (NumPy's would wrap around)."""
    if not isinstance(last, np.datetime64):
        _check_integer_end(last, step, horizon)
        return
    unit = np.datetime_data(last.dtype)[0]
    step_ticks = int(step.astype(f"timedelta64[{unit}]").astype(np.int64))
    end = int(last.astype(np.int64)) + int(horizon) * step_ticks
    per_day = int(np.timedelta64(1, "D").astype(f"timedelta64[{unit}]").astype(np.int64))
    writable = int(LAST_WRITABLE_TIME.astype("datetime64[D]").astype(np.int64)) * per_day
    if end >= min(writable, 2**63):
        raise NHITSInputError(
            f"the forecast after {last} reaches the year 10000 (or the last time "
            f"datetime64[{unit}] holds), which dates cannot be written in; check the time column"
        )

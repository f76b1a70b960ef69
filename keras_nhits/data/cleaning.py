"""Checks and repairs of one series: time order, duplicates, gaps, missing values, float32 range.

Every repair is tallied in the load's `Report`; everything that cannot be repaired (a duplicate
timestamp, a missing value with `fill="error"`, a value beyond float32) raises `NHITSInputError`
naming the series and the first offending timestamp.

With a step given (`freq`, the user's `--freq`) each series is checked against it: its own step
(inferred as without it) must be that step, on the anchor the spelling requires (`MS`: the 1st of
months), else the series is refused naming both steps; timestamps off the grid and gaps are then
handled by `gaps` as usual, and a series with a single timestamp gets the given step.

Covariate columns (historical and future-known, `covariates`) follow every row operation of the
target: the same sort, the same inserted steps; their missing or non-finite values are refused or
repaired by the same `fill` mode, column by column, and tallied apart ("cov_filled").
"""

from dataclasses import dataclass

import numpy as np

from keras_nhits.data.frequency import BusinessDay, freq_name, same_step, step_kind
from keras_nhits.data.timeindex import Step, business_step, infer_step, time_label
from keras_nhits.errors import NHITSInputError

# float32 tops out at 3.4e38; anything above this would become inf when stored.
FLOAT32_LIMIT = 3e38
# Filling gaps may at most multiply a series' length by this (a mistyped year would otherwise
# ask for millions of inserted steps).
MAX_GAP_GROWTH = 10


@dataclass
class CleanSeries:
    """One checked series: float32 values, first tick, step, and its ticks if not regular."""

    values: np.ndarray
    start: int
    freq: object
    ticks: np.ndarray | None
    covariates: np.ndarray | None = None


# Integer time steps are kept within +-2**62 so that differences and forecast steps fit int64.
MAX_INTEGER_TIME = 2**62


def clean_series(
    series_id, ticks, y, *, unit, fill, gaps, report, freq=None, covariates=None, names=()
):
    """Checks and repairs one series (see the module docstring); returns a `CleanSeries`.

    Args:
        series_id: the series' name for messages.
        ticks: int64 times (see `timeindex`), or None to take the rows in order.
        y: float64 values, NaN where missing.
        unit: the ticks' NumPy unit, or None for integer steps.
        fill: "error" | "ffill" | "interpolate" | "zero".
        gaps: "warn" | "error" | "fill".
        report: the load's `Report`.
        freq: the step every series must have, a `frequency.FreqSpec`, or None to infer it.
        covariates: float64 `[len(y), C]` covariate rows of the series (NaN where missing), or
            None; returned float32 in `CleanSeries.covariates`, aligned with the values.
        names: the C covariate column names, for messages.
    """
    n = len(y)
    if ticks is None:
        ticks = np.arange(n, dtype=np.int64)
    _check_integer_range(series_id, ticks, unit)
    ticks, y, order = _in_time_order(series_id, ticks, y, unit, report)
    if covariates is not None and order is not None:
        covariates = covariates[order]
    n_bad, n_inf = _check_values(series_id, ticks, y, unit, fill)
    if covariates is not None:
        _check_covariates(series_id, ticks, covariates, unit, fill, names)
    step = infer_step(ticks, unit)
    if freq is not None:
        step = _given_step(series_id, ticks, unit, step, freq)
    regular = step.regular
    positions = None
    if not regular:
        ticks, y, regular = _apply_gap_policy(series_id, ticks, y, step, unit, gaps, report)
        positions = step.positions if len(y) > n else None
    if n_bad or len(y) > n:
        y = _filled(series_id, y, fill, report, n_bad, n_inf)
    if covariates is not None:
        covariates = _filled_covariates(
            series_id, covariates, positions, len(y), fill, report, names
        )
    return CleanSeries(
        values=y.astype(np.float32),
        start=int(ticks[0]),
        freq=step.freq,
        ticks=None if regular else ticks,
        covariates=covariates,
    )


def _in_time_order(series_id, ticks, y, unit, report):
    """(ticks, y, order) sorted by time (tallied; `order` the permutation, None when already
    sorted); raises at the first duplicate timestamp."""
    diffs = np.diff(ticks)
    out_of_order = int(np.count_nonzero(diffs < 0))
    order = None
    if out_of_order:
        order = np.argsort(ticks, kind="stable")
        ticks, y = ticks[order], y[order]
        diffs = np.diff(ticks)
        report.tally("sorted", series_id, out_of_order)
    duplicates = np.flatnonzero(diffs == 0)
    if duplicates.size:
        raise NHITSInputError(
            f"series {series_id!r} has duplicate timestamp {time_label(ticks[duplicates[0]], unit)}"
            f" ({duplicates.size} repeated timestamps in all); keep one row per time (aggregate or"
            " drop the others)"
        )
    return ticks, y, order


def _check_values(series_id, ticks, y, unit, fill):
    """(missing or non-finite values, of which inf); raises on one when `fill="error"` and on
    a value beyond float32."""
    bad = ~np.isfinite(y)
    n_bad = int(np.count_nonzero(bad))
    n_inf = int(np.count_nonzero(np.isinf(y))) if n_bad else 0
    if n_bad and fill == "error":
        first = int(np.argmax(bad))
        kind = "an inf" if np.isinf(y[first]) else "a missing (null/NaN)"
        raise NHITSInputError(
            f"series {series_id!r} has {kind} target value at {time_label(ticks[first], unit)} "
            f"({n_bad} in all); pass fill=ffill, interpolate or zero to repair them"
        )
    too_big = np.flatnonzero(np.abs(np.where(bad, 0.0, y)) > FLOAT32_LIMIT)
    if too_big.size:
        k = too_big[0]
        raise NHITSInputError(
            f"series {series_id!r} has values beyond the float32 range (|x| > 3e38), e.g. "
            f"{y[k]:.3g} at {time_label(ticks[k], unit)}; rescale the target column (e.g. "
            "divide it by 1e6)"
        )
    return n_bad, n_inf


def _filled(series_id, y, fill, report, n_bad, n_inf):
    """`y` with its `n_bad` missing or non-finite values (`n_inf` of them inf) and the steps
    inserted by gaps=fill filled by `fill`, and tallied; inserted steps are interpolated when
    missing values are otherwise errors."""
    mode = "interpolate" if fill == "error" else fill
    y, leading = fill_missing(np.where(np.isfinite(y), y, np.nan), mode)
    report.tally("filled", series_id, n_bad)
    report.tally("inf", series_id, n_inf)
    report.tally("leading", series_id, leading)
    if np.isnan(y).any():
        raise NHITSInputError(
            f"series {series_id!r} has no valid target value to fill from; drop the series "
            "or fix its values"
        )
    return y


def _check_covariates(series_id, ticks, covariates, unit, fill, names):
    """Raises on a missing or non-finite covariate value when `fill="error"`, and on one beyond
    float32, naming the column, the series and the first such time."""
    bad = ~np.isfinite(covariates)
    if fill == "error" and bad.any():
        row, col = np.argwhere(bad)[0]
        kind = "an inf" if np.isinf(covariates[row, col]) else "a missing (null/NaN)"
        raise NHITSInputError(
            f"covariate column {names[col]!r} has {kind} value in series {series_id!r} at "
            f"{time_label(ticks[row], unit)} ({int(bad[:, col].sum())} in that column); pass "
            "fill=ffill, interpolate or zero to repair them"
        )
    too_big = np.abs(np.where(bad, 0.0, covariates)) > FLOAT32_LIMIT
    if too_big.any():
        row, col = np.argwhere(too_big)[0]
        raise NHITSInputError(
            f"covariate column {names[col]!r} has values beyond the float32 range (|x| > 3e38) in "
            f"series {series_id!r}, e.g. {covariates[row, col]:.3g} at "
            f"{time_label(ticks[row], unit)}; rescale that column"
        )


def _filled_covariates(series_id, covariates, positions, length, fill, report, names):
    """float32 `[length, C]`: the covariate rows placed at their `positions` on the step grid
    (None: unchanged) and every missing or non-finite value filled column by column by `fill`
    (inserted steps are interpolated when `fill="error"`), as the target is."""
    if positions is not None:
        grid = np.full((length, covariates.shape[1]), np.nan)
        grid[positions] = covariates
        covariates = grid
    bad = ~np.isfinite(covariates)
    n_bad = int(bad.sum())
    if n_bad:
        mode = "interpolate" if fill == "error" else fill
        covariates = covariates.copy()
        for k in np.flatnonzero(bad.any(axis=0)):
            if bad[:, k].all():
                raise NHITSInputError(
                    f"covariate column {names[k]!r} has no valid value in series {series_id!r} "
                    "to fill from; fix that column's values"
                )
            column = np.where(bad[:, k], np.nan, covariates[:, k])
            covariates[:, k] = fill_missing(column, mode)[0]
        report.tally("cov_filled", series_id, n_bad)
    return covariates.astype(np.float32)


def _check_integer_range(series_id, ticks, unit):
    """Integer steps beyond +-2**62 would wrap around int64 in differences and continuations."""
    if unit is None and ticks.size and max(-int(ticks.min()), int(ticks.max())) > MAX_INTEGER_TIME:
        raise NHITSInputError(
            f"series {series_id!r}: the integer time column reaches beyond +-2**62 "
            f"(about {MAX_INTEGER_TIME:.1e}), where steps overflow; renumber the steps from 0"
        )


def _given_step(series_id, ticks, unit, step, spec):
    """The series' `Step` on the grid of `spec` (a `FreqSpec`); raises if it has another step."""
    given = spec.step
    name = (
        f"--freq {spec.text}"
        if spec.text == freq_name(given)
        else (f"--freq {spec.text} ({freq_name(given)})")
    )
    if (unit is None) != (step_kind(given) == "int"):
        has = "integer steps (an integer time column, or none)" if unit is None else "datetimes"
        needs = "a time column of dates or datetimes" if unit is None else "integer steps"
        raise NHITSInputError(
            f"series {series_id!r} has {has} but {name} needs {needs}; pass another --freq or "
            "leave it empty"
        )
    if step.freq is None:
        step = Step(given, step.positions, None)
    elif not same_step(step.freq, given):
        business = business_step(ticks, unit) if isinstance(given, BusinessDay) else None
        if business is None or not same_step(step.freq, np.timedelta64(1, "D")):
            raise NHITSInputError(
                f"series {series_id!r} has step {_described(step.freq)} but {name} was given; pass "
                f"--freq "
                f"{freq_name(step.freq)}, or leave --freq empty to infer each series' step"
            )
        step = business  # a single week of weekdays
    if isinstance(given, BusinessDay) and business_step(ticks[:1], unit) is None:
        raise NHITSInputError(
            f"series {series_id!r}: {time_label(ticks[0], unit)} is not a business day (a "
            f"midnight, Monday to Friday), which {name} needs; pass another --freq"
        )
    _check_anchor(series_id, ticks[0], unit, spec, name)
    return step


def _described(freq):
    if step_kind(freq) == "business":
        return "B (business days)"
    return freq_name(freq)


_ANCHORS = {"start": "on the 1st of a month", "end": "on the last day of a month"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _check_anchor(series_id, tick, unit, spec, name):
    """Raises if the series' grid (its first timestamp) is not on the anchor of `spec`."""
    if spec.anchor is None:
        return
    day = np.datetime64(int(tick), unit).astype("datetime64[D]")
    if spec.anchor == "start":
        ok = day.astype("datetime64[M]").astype("datetime64[D]") == day
    elif spec.anchor == "end":
        ok = (day + 1).astype("datetime64[M]") != day.astype("datetime64[M]")
    else:
        ok = (day.astype(np.int64) + 3) % 7 == spec.anchor  # 1970-01-01 was a Thursday
    if not ok:
        where = _ANCHORS.get(spec.anchor) or f"on a {_WEEKDAYS[spec.anchor]}"
        raise NHITSInputError(
            f"series {series_id!r} starts at {time_label(tick, unit)}, not {where} as {name} "
            f"needs; pass --freq {freq_name(spec.step)} to keep the data's own day"
        )


def _apply_gap_policy(series_id, ticks, y, step, unit, gaps, report):
    """Applies `gaps` to a series whose timestamps skip steps; returns (ticks, y, regular)."""
    irregular = step.off_grid is not None
    if irregular:
        where = (
            f"timestamp {time_label(ticks[step.off_grid], unit)} is off the grid of its most "
            f"common step {freq_name(step.freq)}"
        )
        fixes = "gaps=warn keeps the timestamps as a sequence"
    else:
        k = int(np.argmax(np.diff(step.positions) != 1))
        where = (
            f"gap after {time_label(ticks[k], unit)} (next timestamp "
            f"{time_label(ticks[k + 1], unit)}, step {freq_name(step.freq)})"
        )
        fixes = (
            "gaps=fill inserts the missing steps, gaps=warn keeps the observations as a sequence"
        )
    if gaps == "error" or (gaps == "fill" and irregular):
        raise NHITSInputError(f"series {series_id!r}: {where}; {fixes}")
    if gaps == "warn":
        if irregular:
            report.tally("irregular", series_id, step.n_off_grid)
        else:
            report.tally("gaps", series_id, int(np.count_nonzero(np.diff(step.positions) != 1)))
        return ticks, y, False
    length = int(step.positions[-1]) + 1
    if length > MAX_GAP_GROWTH * len(y):
        raise NHITSInputError(
            f"series {series_id!r}: filling its gaps would make {length} steps out of {len(y)} "
            f"(from {time_label(ticks[0], unit)} to {time_label(ticks[-1], unit)} at step "
            f"{freq_name(step.freq)}); check the timestamps or use gaps=warn"
        )
    filled = np.full(length, np.nan)
    filled[step.positions] = y
    report.tally("gap_steps", series_id, length - len(y))
    return ticks[:1], filled, True


def fill_missing(y, mode):
    """Fills the NaNs of `y` by `mode`; returns (filled, number of leading NaNs).

    Leading NaNs have no earlier value: "ffill" and "interpolate" give them the first valid value
    (a backfill), "zero" gives 0. Interpolation is linear in the position along the series.
    """
    bad = np.isnan(y)
    valid = np.flatnonzero(~bad)
    if valid.size == 0:
        return y, 0
    leading = int(valid[0])
    if mode == "zero":
        return np.where(bad, 0.0, y), 0
    if mode == "interpolate":
        y = y.copy()
        y[bad] = np.interp(np.flatnonzero(bad), valid, y[valid])
        return y, leading
    # ffill: the index of the last valid value at or before each position.
    last_valid = np.where(bad, 0, np.arange(len(y)))
    np.maximum.accumulate(last_valid, out=last_valid)
    last_valid[:leading] = leading
    return y[last_valid], leading

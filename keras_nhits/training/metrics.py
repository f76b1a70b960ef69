"""Forecast error metrics and naive baselines, in NumPy and float64.

Evaluation runs over every test window in raw (unscaled) units, in float64 NumPy rather than
`keras.metrics`: the numbers then do not depend on the backend, the batch size or the
mixed-precision policy. A large test split is scored batch by batch through the sums of
`error_sums`, whose metrics come from the same formulas (`metrics_of_totals`). Each metric
takes `y_true` and `y_pred` of the same shape, usually `[windows, horizon]`, averages over all
points and returns a Python float.

NaN in the inputs propagates to the result; the only NaN a metric makes itself is where it is
undefined (MAPE with every target 0, MASE with a zero or unknown scale, R² with a constant target).

The baselines (`naive_forecast`, `seasonal_naive_forecast`) give the numbers a trained model has to
beat, and `mase_scale` / `season_length_for` give MASE its denominator as in Hyndman & Koehler,
"Another look at measures of forecast accuracy" (2006).
"""

import math
import numbers

import numpy as np

from keras_nhits.errors import NHITSInputError, check_int
from keras_nhits.options import MAX_WINDOW

METRIC_NAMES = ("mae", "mse", "rmse", "mape", "smape", "mase", "r2")


# === Metrics ===


def _pair(y_true, y_pred):
    """Both arrays as float64, checked to have the same shape."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise NHITSInputError(
            f"y_true and y_pred must have the same shape; received y_true {y_true.shape} "
            f"and y_pred {y_pred.shape}"
        )
    return y_true, y_pred


def _mean(values):
    # An empty evaluation has no error to report: nan, without NumPy's "mean of empty slice"
    # warning.
    return float(values.mean()) if values.size else math.nan


def mae(y_true, y_pred):
    """Mean absolute error: mean of |y - ŷ| over all points."""
    y_true, y_pred = _pair(y_true, y_pred)
    return _mean(np.abs(y_true - y_pred))


def mse(y_true, y_pred):
    """Mean squared error: mean of (y - ŷ)² over all points."""
    y_true, y_pred = _pair(y_true, y_pred)
    return _mean(np.square(y_true - y_pred))


def rmse(y_true, y_pred):
    """Root mean squared error: sqrt(MSE), in the units of the target."""
    return math.sqrt(mse(y_true, y_pred))


def mape(y_true, y_pred):
    """Mean absolute percentage error, in percent: 100 · mean of |y - ŷ| / |y|.

    Points whose target is exactly 0 are left out (masked), because their ratio is undefined; the
    mean runs over the remaining points. Returns nan when every target is 0.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    keep = y_true != 0
    if not keep.any():
        return math.nan
    return 100.0 * float(np.mean(np.abs(y_true[keep] - y_pred[keep]) / np.abs(y_true[keep])))


def smape(y_true, y_pred):
    """Symmetric MAPE, in percent: 100 · mean of 2|y - ŷ| / (|y| + |ŷ|), between 0 and 200.

    A point where both `y` and `ŷ` are 0 is a perfect forecast and counts as 0 (instead of 0/0);
    it stays in the mean, so every point weighs the same.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    numerator = 2.0 * np.abs(y_true - y_pred)
    denominator = np.abs(y_true) + np.abs(y_pred)
    # The denominator is 0 only where both are 0, and then so is the numerator.
    terms = numerator / np.where(denominator == 0, 1.0, denominator)
    return 100.0 * _mean(terms)


def mase(y_true, y_pred, scale):
    """Mean absolute scaled error: MAE / `scale`.

    `scale` is the in-sample MAE of the (seasonal) naive forecast on the training series, from
    `mase_scale`. It is an explicit argument because it comes from the training data, which the
    test windows do not contain. Returns nan when `scale` is nan, infinite, 0 or negative (a
    constant training series has no naive error to scale by), never a division by zero. A MASE
    below 1 beats the in-sample naive forecast.
    """
    scale = float(scale)
    if not math.isfinite(scale) or scale <= 0:
        return math.nan
    return mae(y_true, y_pred) / scale


def _season_length(season_length):
    """`season_length` as a positive int, or an error naming it."""
    return check_int("season_length", season_length, 1)


def mase_scale(train_values_list, season_length=1):
    """The MASE denominator: mean |x[t] - x[t - m]| pooled over the training part of every series.

    Args:
        train_values_list: an iterable of 1-D arrays, the training segment of each series (in raw
            units, as the metrics are).
        season_length: `m`, the lag of the naive forecast; 1 (the default) is the plain naive
            forecast, 24 for hourly data with a daily cycle, and so on (see `season_length_for`).

    Every m-step difference of every series counts once, so longer series weigh more. Series with
    `m` points or fewer have no such difference and are skipped. Returns nan when no series is long
    enough or when every difference is 0 (constant series), so `mase` reports nan rather than
    dividing by zero.
    """
    m = _season_length(season_length)
    total = 0.0
    count = 0
    for values in train_values_list:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.size <= m:
            continue
        diffs = np.abs(values[m:] - values[:-m])
        total += float(diffs.sum())
        count += diffs.size
    if count == 0:
        return math.nan
    scale = total / count
    return scale if scale > 0 else math.nan


def r2(y_true, y_pred):
    """Coefficient of determination: 1 - SSE / SST over all points pooled.

    SSE = Σ (y - ŷ)², SST = Σ (y - mean(y))² with one mean over all points (not per window).
    Returns nan when SST is 0 (a constant target explains nothing to compare against). 1 is a
    perfect forecast; predicting the overall mean gives 0; worse forecasts go negative.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.size == 0:
        return math.nan
    sst = float(np.sum(np.square(y_true - y_true.mean())))
    if sst == 0:
        return math.nan
    sse = float(np.sum(np.square(y_true - y_pred)))
    return 1.0 - sse / sst


def forecast_metrics(y_true, y_pred, mase_scale=math.nan):
    """Every metric at once, as a JSON-ready dict.

    Args:
        y_true: the actual values, usually `[windows, horizon]`, in raw units.
        y_pred: the forecasts, same shape.
        mase_scale: the MASE denominator from the module-level `mase_scale` function; nan (the
            default) when unknown, which makes `"mase"` None.

    Returns:
        A dict with exactly the keys `mae, mse, rmse, mape, smape, mase, r2`, in that order, each a
        Python float, or None where the metric is undefined (nan) or infinite: `json.dump` then
        writes `null` instead of the invalid JSON token `NaN`.
    """
    scale = mase_scale
    values = {
        "mae": mae(y_true, y_pred),
        "mse": mse(y_true, y_pred),
        "rmse": rmse(y_true, y_pred),
        "mape": mape(y_true, y_pred),
        "smape": smape(y_true, y_pred),
        "mase": mase(y_true, y_pred, scale),
        "r2": r2(y_true, y_pred),
    }
    return {name: (float(v) if math.isfinite(v) else None) for name, v in values.items()}


def grouped_forecast_metrics(y_true, y_pred, mase_scales):
    """`forecast_metrics` of each group at once: one dict per row of `[groups, points]` arrays.

    Args:
        y_true, y_pred: `[groups, points]` (a backtest's cutoffs or series, each row every
            point of that group), raw units.
        mase_scales: the MASE denominator of each group (`[groups]`), or one for all.

    The same numbers as `forecast_metrics` row by row (to float64 rounding), without a Python
    loop over the groups: a backtest of thousands of cutoffs scores them in a few array passes.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    groups = y_true.shape[0]
    if y_true.ndim != 2 or y_true.shape[1] == 0:
        return [forecast_metrics(y_true[g], y_pred[g]) for g in range(groups)]
    values = metrics_of_totals(
        points=np.full(groups, float(y_true.shape[1])),
        **row_error_totals(y_true, y_pred),
        sst=np.square(y_true - y_true.mean(axis=1, keepdims=True)).sum(axis=1),
        scales=np.broadcast_to(np.asarray(mase_scales, dtype=np.float64), (groups,)),
    )
    return [{name: values[name][g] for name in METRIC_NAMES} for g in range(groups)]


def row_error_totals(y_true, y_pred):
    """The error totals of each row of `[rows, points]` float64 arrays, as `metrics_of_totals`
    takes them: `{"absolute", "squared", "ape", "nonzero", "sape"}`, each `[rows]`."""
    error = y_true - y_pred
    absolute = np.abs(error)
    keep = y_true != 0
    ratios = np.where(keep, absolute / np.where(keep, np.abs(y_true), 1.0), 0.0)
    denominator = np.abs(y_true) + np.abs(y_pred)
    symmetric = 2.0 * absolute / np.where(denominator == 0, 1.0, denominator)
    return {
        "absolute": absolute.sum(axis=1),
        "squared": np.square(error).sum(axis=1),
        "ape": ratios.sum(axis=1),
        "nonzero": keep.sum(axis=1).astype(np.float64),
        "sape": symmetric.sum(axis=1),
    }


def metrics_of_totals(*, points, absolute, squared, ape, nonzero, sape, sst, scales):
    """The metrics of groups of points from their totals, each a `[groups]` float64 array.

    Args:
        points: the points of each group; absolute, squared: Σ|y - ŷ| and Σ(y - ŷ)²;
        ape, nonzero: Σ|y - ŷ| / |y| over the points with y != 0, and how many there are;
        sape: Σ 2|y - ŷ| / (|y| + |ŷ|) (0 where both are 0); sst: Σ(y - mean(y))² in the
        group; scales: the MASE denominators.

    Returns `{name: [value per group]}` for every name of `METRIC_NAMES`, each value a Python
    float or None where undefined, as `forecast_metrics` gives them: the one formula of every
    metric for `grouped_forecast_metrics` and the running sums of evaluation (`error_sums`).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        count = np.where(points > 0, points, np.nan)
        values = {"mae": absolute / count, "mse": squared / count}
        values["rmse"] = np.sqrt(values["mse"])
        values["mape"] = np.where(nonzero > 0, 100.0 * ape / np.maximum(nonzero, 1), np.nan)
        values["smape"] = 100.0 * sape / count
        usable = np.isfinite(scales) & (scales > 0)
        values["mase"] = np.where(usable, values["mae"] / np.where(usable, scales, 1.0), np.nan)
        r2 = 1.0 - squared / np.where(sst == 0, 1.0, sst)
        values["r2"] = np.where((sst == 0) | (points == 0), np.nan, r2)
    return {
        name: [float(v) if math.isfinite(v) else None for v in values[name]]
        for name in METRIC_NAMES
    }


# === Baselines ===


def _windows(x, horizon):
    """`x` as a `[windows, input_size]` array and `horizon` as a positive int, both checked."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] < 1:
        raise NHITSInputError(
            "x must have shape [windows, input_size] with input_size >= 1; "
            f"received shape {x.shape}"
        )
    return x, check_int("horizon", horizon, 1, MAX_WINDOW)


def naive_forecast(x, horizon):
    """The last value of each input window, repeated over the horizon.

    Args:
        x: input windows, `[windows, input_size]`.
        horizon: number of steps to forecast.

    Returns:
        `[windows, horizon]`, same dtype as `x`.
    """
    x, horizon = _windows(x, horizon)
    # [W, L] -> [W, 1] -> [W, H]
    return np.repeat(x[:, -1:], horizon, axis=1)


def seasonal_naive_forecast(x, horizon, season_length):
    """The last season of each input window, repeated over the horizon.

    Step `h` (0-based) of the forecast is `x[:, L - m + (h % m)]` for input size `L` and season
    length `m`: the value one season before, or several seasons before when the horizon is longer
    than a season. `season_length=1` is `naive_forecast`.

    Args:
        x: input windows, `[windows, input_size]`.
        horizon: number of steps to forecast.
        season_length: `m`, at least 1 and at most `input_size`.

    Returns:
        `[windows, horizon]`, same dtype as `x`.
    """
    x, horizon = _windows(x, horizon)
    input_size = x.shape[1]
    m = _season_length(season_length)
    if m > input_size:
        raise NHITSInputError(
            f"season_length ({m}) is longer than the input window (input_size {input_size}); "
            "use a season_length <= input_size or a longer --input-size"
        )
    columns = input_size - m + np.arange(horizon) % m
    # [W, L] -> [W, H]
    return x[:, columns]


# === Seasonality ===

_NS_PER_MINUTE = 60 * 10**9
_NS_PER_DAY = 86400 * 10**9
# Season length of a step of whole calendar months: monthly -> yearly cycle, quarterly -> yearly.
_SEASON_OF_MONTHS = {1: 12, 3: 4}
# (fewest days, most days, season length) of a step of whole days: daily -> weekly cycle,
# weekly -> yearly, a month of days -> yearly, a quarter of days -> yearly.
_SEASON_OF_DAYS = ((1, 1, 7), (7, 7, 52), (28, 31, 12), (89, 92, 4))


def season_length_for(freq):
    """A default season length for a sampling frequency, or 0 when there is none to assume.

    Args:
        freq: the step between consecutive timestamps, as a `numpy.timedelta64`, a
            `datetime.timedelta`, `keras_nhits.data.frequency.BusinessDay()` or a step's text
            (`"1h"`, `"B"`, `"1 hours"`: what `parse_freq` reads, e.g. a run's recorded
            `data.freqs`); None or an integer (series indexed by step number, no calendar)
            gives 0.

    Returns:
        The season length `m` for MASE and the seasonal naive baseline:

        - a step from 1 minute up to a day that divides a day evenly: steps per day
          (hourly -> 24, 15 minutes -> 96, 6 hours -> 4), the daily cycle;
        - 1 day: 7, the weekly cycle;
        - 1 business day: 5, the trading week;
        - 7 days: 52, the yearly cycle;
        - 28 to 31 days, or `timedelta64(1, "M")`: 12 (monthly);
        - 89 to 92 days, or `timedelta64(3, "M")`: 4 (quarterly);
        - anything else (seconds, 7 minutes, yearly, irregular): 0, unknown.

        Callers treat 0 as "no seasonality known" and fall back to the plain naive forecast (m=1).
    """
    from keras_nhits.data.frequency import BusinessDay, parse_freq

    if isinstance(freq, str):
        freq = parse_freq(freq)
    if isinstance(freq, BusinessDay):
        return 5
    step = _calendar_step(freq)
    if step is None:
        return 0
    unit, _ = np.datetime_data(step.dtype)
    if unit in ("M", "Y"):
        # Calendar units have no fixed length in nanoseconds (NumPy would use an average month).
        months = int(step.astype("timedelta64[M]").astype(np.int64))
        return _SEASON_OF_MONTHS.get(months, 0)
    # Whole nanoseconds, so the divisibility tests are exact integer arithmetic.
    return _season_of_step(int(step.astype("timedelta64[ns]").astype(np.int64)))


def _calendar_step(freq):
    """`freq` as a `numpy.timedelta64`, or None when it has no calendar (None, an integer step
    or NaT)."""
    # np.timedelta64 subclasses np.signedinteger, hence numbers.Integral: test it first.
    if freq is None or (
        isinstance(freq, numbers.Integral) and not isinstance(freq, np.timedelta64)
    ):
        return None
    try:
        step = np.timedelta64(freq)
    except (TypeError, ValueError) as error:
        raise NHITSInputError(
            "freq must be a numpy.timedelta64, a datetime.timedelta, BusinessDay(), a step's "
            "text, an int or None; "
            f"received {freq!r}"
        ) from error
    return None if np.isnat(step) else step


def _season_of_step(step_ns):
    """The season length of a fixed step of `step_ns` nanoseconds (see `season_length_for`)."""
    if step_ns <= 0:
        return 0
    if _NS_PER_MINUTE <= step_ns < _NS_PER_DAY:
        return _NS_PER_DAY // step_ns if _NS_PER_DAY % step_ns == 0 else 0
    if step_ns % _NS_PER_DAY != 0:
        return 0
    days = step_ns // _NS_PER_DAY
    return next((m for low, high, m in _SEASON_OF_DAYS if low <= days <= high), 0)

"""Scores of probabilistic forecasts (quantiles and central intervals), in NumPy and float64.

Like `keras_nhits.training.metrics`, these run once over every test window in raw units, so they
are plain NumPy: the numbers do not depend on the backend, the batch size or the precision policy.
`y_true` is `[N, H]` (windows x horizon) and a quantile forecast `q_pred` is `[N, H, Q]`, its last
axis in the order of `quantiles` (sorted levels in (0, 1)). Each function returns Python floats
or JSON-ready dicts, with None where a score is undefined (nan or infinite), so `json.dump`
writes `null`. NaN in the inputs propagates to that None.

The scores (Gneiting & Raftery, "Strictly proper scoring rules, prediction, and estimation",
JASA 2007; Winkler, "A decision-theoretic approach to interval estimation", JASA 1972):

- pinball (quantile) loss at level `tau`, error `e = y - q`: `max(tau * e, (tau - 1) * e)`,
  averaged over all points; proper for the `tau` quantile.
- CRPS = 2 * integral over tau in (0, 1) of the pinball loss of the tau quantile. With only the
  forecast quantiles known, `scaled_crps` approximates that integral by the mean over the given
  quantiles (the closer and more even they are, the better: 99 evenly spaced ones are within
  about 1 % for a normal forecast), then divides by mean |y| so that series and datasets of
  different magnitudes compare. The same idea as neuralforecast's `scaled_crps`, written here.
- interval at level `l` % (alpha = 1 - l / 100), bounds `[lo, hi]`: coverage (fraction of points
  inside, bounds included), mean width `hi - lo`, and the Winkler (interval) score
  `hi - lo + (2 / alpha) * (lo - y if y < lo) + (2 / alpha) * (y - hi if y > hi)`, which rewards
  narrow intervals and penalises misses in proportion to their distance.

`error_quantiles` and `baseline_quantiles` make the interval baseline: a point forecast (seasonal
naive) plus, per horizon step, the empirical quantiles of its errors on the validation windows.
"""

import math

import numpy as np

from keras_nhits.errors import NHITSInputError, check_number
from keras_nhits.probabilistic.levels import TOLERANCE, level_bounds, level_text, quantile_text

# === Checks ===


def _json(value):
    """A Python float, or None where it is nan or infinite."""
    value = float(value)
    return value if math.isfinite(value) else None


def _matrix(name, value):
    """`value` as a float64 `[N, H]` array, or an error naming it."""
    value = np.asarray(value, dtype=np.float64)
    if value.ndim != 2:
        raise NHITSInputError(
            f"{name} must have shape [windows, horizon]; received shape {value.shape}"
        )
    return value


def _quantile_inputs(y_true, q_pred, quantiles):
    """`y_true` `[N, H]`, `q_pred` `[N, H, Q]` and `quantiles` `[Q]` as float64, checked."""
    y_true = _matrix("y_true", y_true)
    q_pred = np.asarray(q_pred, dtype=np.float64)
    taus = np.asarray(quantiles, dtype=np.float64)
    if taus.ndim != 1 or taus.size == 0:
        raise NHITSInputError(
            f"quantiles must be a non-empty sequence of levels; received {quantiles!r}"
        )
    if not (np.all((taus > 0) & (taus < 1)) and np.all(np.diff(taus) > 0)):
        raise NHITSInputError(
            f"quantiles must be sorted levels in (0, 1), none twice; received {list(quantiles)}"
        )
    expected = (*y_true.shape, taus.size)
    if q_pred.shape != expected:
        raise NHITSInputError(
            f"q_pred must have shape [windows, horizon, quantiles] = {expected} (y_true "
            f"{y_true.shape}, {taus.size} quantiles); received shape {q_pred.shape}"
        )
    return y_true, q_pred, taus


def _level(level):
    """An interval level in percent, in (0, 100)."""
    return check_number("level", level, 0.0, 100.0, low_inclusive=False, high_inclusive=False)


# === Quantile scores ===


def _pinball(y_true, q_pred, taus):
    """`[N, H, Q]` pinball losses."""
    errors = y_true[..., None] - q_pred  # [N, H, 1] - [N, H, Q]
    return np.maximum(taus * errors, (taus - 1.0) * errors)


def _ratio(total, count):
    """`total / count` as `_json` gives it: None with nothing counted (no point)."""
    return _json(total / count) if count else None


def _pinball_means(sums, taus):
    return {
        quantile_text(tau): _ratio(sums["pinball"][i], sums["points"]) for i, tau in enumerate(taus)
    }


def _crps_of(sums, taus):
    """2 * mean pinball over every point and quantile / mean |y|, from the sums."""
    points = sums["points"]
    scale = sums["abs_y"] / points if points else math.nan
    if not math.isfinite(scale) or scale == 0:
        return None
    return _json(2.0 * float(np.sum(sums["pinball"])) / (points * taus.size) / scale)


def _quantile_sums(y_true, q_pred, taus):
    """The sums behind `pinball_losses` and `scaled_crps`: points, pinball per quantile, |y|."""
    losses = _pinball(y_true, q_pred, taus).reshape(-1, taus.size)  # [N * H, Q]
    return {
        "points": float(y_true.size),
        "pinball": losses.sum(axis=0),
        "abs_y": float(np.abs(y_true).sum()),
    }


def pinball_losses(y_true, q_pred, quantiles):
    """The mean pinball loss of each quantile over all points: `{quantile_text(q): float}`.

    Args:
        y_true: the actual values, `[N, H]`, raw units.
        q_pred: the forecast quantiles, `[N, H, Q]`, last axis in the order of `quantiles`.
        quantiles: the sorted quantile levels, each in (0, 1).
    """
    y_true, q_pred, taus = _quantile_inputs(y_true, q_pred, quantiles)
    return _pinball_means(_quantile_sums(y_true, q_pred, taus), taus)


def scaled_crps(y_true, q_pred, quantiles):
    """CRPS approximated by the quantiles, divided by mean |y|: 2 * mean pinball / mean |y|.

    The mean pinball loss over all points and all quantiles stands in for the CRPS integral over
    every quantile level (see the module docstring). Returns None when mean |y| is 0 or not
    finite (nothing to scale by), or when there is no point.
    """
    y_true, q_pred, taus = _quantile_inputs(y_true, q_pred, quantiles)
    return _crps_of(_quantile_sums(y_true, q_pred, taus), taus)


# === Intervals ===


def interval_levels(quantiles):
    """The central-interval levels (percent) that `quantiles` hold both bounds of, ascending.

    `(0.1, 0.5, 0.9)` -> `(80,)`; `(0.05, 0.1, 0.5, 0.9, 0.95)` -> `(80, 90)`. Two levels closer
    than 1e-9 count as the same. A whole level is an int.
    """
    taus = [float(q) for q in quantiles]
    levels = set()
    for low in taus:
        if low < 0.5 and any(abs(high - (1.0 - low)) < TOLERANCE for high in taus):
            level = round((1.0 - 2.0 * low) * 100.0, 8)
            levels.add(int(level) if level.is_integer() else level)
    return tuple(sorted(levels))


def _interval_sums(y_true, lower, upper, level):
    """`[coverage, width, winkler]` summed over the points (see `interval_scores`)."""
    alpha = 1.0 - _level(level) / 100.0
    width = upper - lower
    below = np.maximum(lower - y_true, 0.0)
    above = np.maximum(y_true - upper, 0.0)
    inside = (lower <= y_true) & (y_true <= upper)
    # NaN anywhere in a point leaves its coverage undefined, as in the other two scores.
    coverage = np.where(np.isnan(y_true + width), np.nan, inside)
    winkler = width + (2.0 / alpha) * (below + above)
    return np.array([coverage.sum(), width.sum(), winkler.sum()])


def _interval_means(totals, points):
    coverage, width, winkler = (_ratio(total, points) for total in totals)
    return {"coverage": coverage, "width": width, "winkler": winkler}


def interval_scores(y_true, lower, upper, level):
    """Coverage, mean width and mean Winkler score of the intervals `[lower, upper]`.

    Args:
        y_true, lower, upper: `[N, H]` arrays of the same shape.
        level: the nominal level in percent, in (0, 100): alpha = 1 - level / 100 weighs the
            misses in the Winkler score.

    Returns:
        `{"coverage", "width", "winkler"}`: the fraction of points with lower <= y <= upper, the
        mean of upper - lower, the mean of width + (2 / alpha) * the distance to the interval
        of each point outside it. None where undefined (no point, nan).
    """
    y_true = _matrix("y_true", y_true)
    lower = _matrix("lower", lower)
    upper = _matrix("upper", upper)
    if not (lower.shape == upper.shape == y_true.shape):
        raise NHITSInputError(
            f"lower and upper must have the shape of y_true {y_true.shape}; received lower "
            f"{lower.shape} and upper {upper.shape}"
        )
    return _interval_means(_interval_sums(y_true, lower, upper, level), y_true.size)


def _index_of(taus, q, level, quantiles):
    for i, tau in enumerate(taus):
        if abs(tau - q) < TOLERANCE:
            return i
    raise NHITSInputError(
        f"level {level_text(level)} needs the quantiles {level_bounds(level)}, which the "
        f"quantiles {list(quantiles)} do not hold; use a level from {interval_levels(quantiles)} "
        "or add its bounds to the quantiles"
    )


def score_sums(y_true, q_pred, quantiles, levels=None):
    """The sums every score of `probabilistic_metrics` is a mean of, as a dict of float64
    arrays: the sums of two batches of windows add key by key (`add_sums`), and
    `metrics_from_sums` turns the total into the scores, so a split too large to hold at once
    is scored batch by batch with the numbers of one pass over it (to float64 rounding).

    Args: as `probabilistic_metrics`.
    """
    y_true, q_pred, taus = _quantile_inputs(y_true, q_pred, quantiles)
    levels = interval_levels(quantiles) if levels is None else tuple(levels)
    sums = _quantile_sums(y_true, q_pred, taus)
    for level in levels:
        low, high = level_bounds(level)
        lower = q_pred[..., _index_of(taus, low, level, quantiles)]
        upper = q_pred[..., _index_of(taus, high, level, quantiles)]
        sums[f"interval {level_text(level)}"] = _interval_sums(y_true, lower, upper, level)
    return sums


def add_sums(total, sums):
    """`total + sums` key by key (`total` None is nothing yet), for `score_sums`."""
    if total is None:
        return dict(sums)
    return {key: total[key] + value for key, value in sums.items()}


def metrics_from_sums(sums, quantiles):
    """The `probabilistic_metrics` dict of the (added) `score_sums` of `quantiles`."""
    taus = np.asarray(quantiles, dtype=np.float64)
    intervals = {
        key.removeprefix("interval "): _interval_means(totals, sums["points"])
        for key, totals in sums.items()
        if key.startswith("interval ")
    }
    return {
        "pinball": _pinball_means(sums, taus),
        "scaled_crps": _crps_of(sums, taus),
        "intervals": intervals,
    }


def probabilistic_metrics(y_true, q_pred, quantiles, levels=None):
    """Every probabilistic score at once, as a JSON-ready dict.

    Args:
        y_true: the actual values, `[N, H]`, raw units.
        q_pred: the forecast quantiles, `[N, H, Q]`, last axis in the order of `quantiles`.
        quantiles: the sorted quantile levels, each in (0, 1).
        levels: the interval levels (percent) to score; default `interval_levels(quantiles)`.
            Each level's two bounds (`level_bounds`) must be among the quantiles.

    Returns:
        `{"pinball": {"0.1": ..., ...}, "scaled_crps": ..., "intervals": {"80": {"coverage",
        "width", "winkler"}, ...}}`, floats or None.
    """
    return metrics_from_sums(score_sums(y_true, q_pred, quantiles, levels), quantiles)


# === Interval baseline ===


def error_quantiles(errors, quantiles):
    """`[H, Q]`: per horizon step, the empirical quantiles of `errors` (`np.quantile`, linear).

    Args:
        errors: `[N, H]` errors y - ŷ of a point forecast on the validation windows (N >= 1).
        quantiles: the quantile levels, sorted, each in (0, 1).

    Sorted levels give each row in ascending order, so bands built on them do not cross.
    """
    errors = _matrix("errors", errors)
    if errors.shape[0] == 0:
        raise NHITSInputError(
            "errors holds no window; the error quantiles need at least one validation window"
        )
    taus = np.asarray(quantiles, dtype=np.float64)
    if taus.ndim != 1 or np.any((taus <= 0) | (taus >= 1)):
        raise NHITSInputError(
            f"quantiles must be a sequence of levels in (0, 1); received {quantiles!r}"
        )
    return np.quantile(errors, taus, axis=0).T  # [Q, H] -> [H, Q]


def baseline_quantiles(point, offsets):
    """`[N, H, Q]` quantile forecasts: the point forecast `[N, H]` plus `offsets` `[H, Q]`."""
    point = _matrix("point", point)
    offsets = np.asarray(offsets, dtype=np.float64)
    if offsets.ndim != 2 or offsets.shape[0] != point.shape[1]:
        raise NHITSInputError(
            f"offsets must have shape [horizon, quantiles] with horizon {point.shape[1]} (that "
            f"of point {point.shape}); received shape {offsets.shape}"
        )
    return point[:, :, None] + offsets[None]  # [N, H, 1] + [1, H, Q]

"""Split-conformal prediction intervals per horizon step, calibrated on validation windows only.

A point (or median) forecast `ŷ` becomes an interval at level `l` % by split conformal
prediction (Vovk, Gammerman & Shafer, "Algorithmic Learning in a Random World", 2005; Lei,
G'Sell, Rinaldo, Tibshirani & Wasserman, "Distribution-free predictive inference for
regression", JASA 2018):

1. on N calibration windows the model never trained on (the validation split; never the test
   split, whose coverage it then would not promise but fit), the nonconformity score of each
   window and horizon step is `|y - ŷ| / s`, with `s` the window's scale (`window_scale`);
2. per horizon step, the offset is the k-th smallest of those N scores, k = ceil((N + 1) * l /
   100): the finite-sample correction that makes the coverage at least `l` % for a new window
   exchangeable with the calibration ones (and at most `l` % + 1 / (N + 1) without ties);
3. the interval of a new window is `ŷ -/+ s * offset`.

Each horizon step is calibrated on its own because errors grow with the lead time. Dividing by
the window's scale makes one set of offsets fit series of different magnitudes, and the interval
of a quiet window narrower than that of a volatile one.

When k > N (N below `l / (100 - l)` windows: fewer than 9 for 90 %, 19 for 95 %) no calibration
score is large enough to promise the level, and the offset is +inf: an unbounded interval is the
honest answer, and the caller can report it (it scores as None) instead of an under-covering one.
"""

import math

import numpy as np

from keras_nhits.errors import NHITSInputError, check_number


def _level(level):
    return check_number("level", level, 0.0, 100.0, low_inclusive=False, high_inclusive=False)


def _scores(scores):
    """`scores` as a float64 `[N, H]` array with N >= 1 and no NaN (negative scores are those
    of windows inside a quantile interval: `interval_conformal_scores`)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise NHITSInputError(
            f"scores must have shape [windows, horizon]; received shape {scores.shape}"
        )
    if scores.shape[0] == 0:
        raise NHITSInputError(
            "no calibration window: conformal intervals need at least one validation window "
            "(use a longer series or a larger validation split)"
        )
    if np.isnan(scores).any():
        raise NHITSInputError(
            f"scores hold {int(np.isnan(scores).sum())} NaN value(s); a calibration window's "
            "actual values and forecast must be finite"
        )
    return scores


def _rank(n, level):
    """k = ceil((N + 1) * level / 100), 1-based."""
    # (N + 1) * level is exact for whole levels; the 1e-9 keeps 10 * 90 / 100 = 9, not 10,
    # where a float level makes it 9.000000000000002.
    return math.ceil((n + 1) * level / 100.0 - 1e-9)


def _order_statistics(sorted_scores, levels):
    """`[H, len(levels)]` from scores sorted along windows."""
    n = sorted_scores.shape[0]
    columns = []
    for level in levels:
        k = _rank(n, _level(level))
        row = sorted_scores[k - 1] if k <= n else np.full(sorted_scores.shape[1], np.inf)
        columns.append(row)
    return np.stack(columns, axis=-1) if columns else np.zeros((sorted_scores.shape[1], 0))


def min_calibration_windows(level):
    """The fewest calibration windows for which the `level` % offset is finite (k <= N):
    4 for 80 %, 9 for 90 %, 19 for 95 %."""
    n = 1
    while _rank(n, _level(level)) > n:
        n += 1
    return n


def conformal_quantile(scores, level):
    """`[H]`: per horizon step, the k-th smallest score, k = ceil((N + 1) * level / 100).

    Args:
        scores: `[N, H]` nonnegative nonconformity scores of the N calibration windows
            (`conformal_scores`).
        level: the interval level in percent, in (0, 100).

    Returns +inf at every step when k > N (too few windows for that level; see the module
    docstring). Raises `NHITSInputError` for no window (N == 0) or a NaN score.
    """
    scores = _scores(scores)
    k = _rank(scores.shape[0], _level(level))
    if k > scores.shape[0]:
        return np.full(scores.shape[1], np.inf)
    return np.partition(scores, k - 1, axis=0)[k - 1]


def conformal_offsets(scores, levels):
    """`[H, len(levels)]`: `conformal_quantile` of each level, one column per level."""
    return _order_statistics(np.sort(_scores(scores), axis=0), tuple(levels))


def window_scale(inputs):
    """`[N]`: each input window's scale, its standard deviation floored at 1e-6 * (1 + mean |x|).

    Args:
        inputs: `[N, L]` input windows, raw units.

    The floor keeps a constant window (std 0) from dividing by zero, relative to the window's
    magnitude so that it stays negligible for any units; the 1 + keeps it positive for a window
    of zeros.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 2 or inputs.shape[1] < 1:
        raise NHITSInputError(
            "inputs must have shape [windows, input_size] with input_size >= 1; "
            f"received shape {inputs.shape}"
        )
    floor = 1e-6 * (1.0 + np.mean(np.abs(inputs), axis=1))
    return np.maximum(np.std(inputs, axis=1), floor)


def _scale(scale, n):
    scale = np.asarray(scale, dtype=np.float64)
    if scale.shape != (n,):
        raise NHITSInputError(
            f"scale must have shape [windows] = ({n},), one per window; received shape "
            f"{scale.shape}"
        )
    bad = ~(np.isfinite(scale) & (scale > 0))
    if bad.any():
        raise NHITSInputError(
            "scale must be finite and positive for every window (see window_scale); received "
            f"{scale[bad][0]} for window {int(np.flatnonzero(bad)[0])}"
        )
    return scale


def conformal_scores(y_true, y_point, scale):
    """`[N, H]` nonconformity scores `|y_true - y_point| / scale[:, None]`.

    Args:
        y_true, y_point: `[N, H]` actual values and point (or median) forecasts, raw units.
        scale: `[N]` each window's positive scale (`window_scale` of its input window).
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_point = np.asarray(y_point, dtype=np.float64)
    if y_true.ndim != 2 or y_true.shape != y_point.shape:
        raise NHITSInputError(
            "y_true and y_point must have the same shape [windows, horizon]; received y_true "
            f"{y_true.shape} and y_point {y_point.shape}"
        )
    scale = _scale(scale, y_true.shape[0])
    return np.abs(y_true - y_point) / scale[:, None]  # [N, H] / [N, 1]


def interval_conformal_scores(y_true, lower, upper, scale):
    """`[N, H]` scores of conformalized quantile regression: `max(lower - y, y - upper) / s`.

    Romano, Patterson & Candès, "Conformalized Quantile Regression", NeurIPS 2019: the distance
    by which `y` falls outside a quantile model's interval, negative inside it. Their k-th
    smallest (`conformal_offsets`) widens the interval where it under-covers on the calibration
    windows and narrows it where it over-covers, with the same finite-sample guarantee as for a
    point forecast.

    Args:
        y_true, lower, upper: `[N, H]` actual values and the interval's bounds, raw units.
        scale: `[N]` each window's positive scale (`window_scale`).
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in (y_true, lower, upper)]
    if arrays[0].ndim != 2 or any(a.shape != arrays[0].shape for a in arrays):
        raise NHITSInputError(
            "y_true, lower and upper must have the same shape [windows, horizon]; received "
            f"{', '.join(str(a.shape) for a in arrays)}"
        )
    y_true, lower, upper = arrays
    scale = _scale(scale, y_true.shape[0])
    return np.maximum(lower - y_true, y_true - upper) / scale[:, None]


def conformal_bounds(y_point, scale, offsets):
    """`(lower, upper)`, each `[N, H, K]`: `y_point -/+ scale * offsets`, one slice per level.

    Args:
        y_point: `[N, H]` point forecasts of the windows to bound, raw units.
        scale: `[N]` their scales (`window_scale`).
        offsets: `[H, K]` from `conformal_offsets` (K levels); an inf offset gives an unbounded
            interval.
    """
    y_point = np.asarray(y_point, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64)
    if y_point.ndim != 2:
        raise NHITSInputError(
            f"y_point must have shape [windows, horizon]; received shape {y_point.shape}"
        )
    if offsets.ndim != 2 or offsets.shape[0] != y_point.shape[1]:
        raise NHITSInputError(
            f"offsets must have shape [horizon, levels] with horizon {y_point.shape[1]} (that of "
            f"y_point {y_point.shape}); received shape {offsets.shape}"
        )
    scale = _scale(scale, y_point.shape[0])
    half = scale[:, None, None] * offsets[None]  # [N, 1, 1] * [1, H, K]
    center = y_point[..., None]  # [N, H, 1]
    return center - half, center + half

"""Chronological train/val/test splits of every series and their window index arrays.

Each series is split on its own: the first `n_train` steps train, the next `n_val` validate,
the last `n_test` test. A window is `input_size` inputs followed by `horizon` targets and is
stored as one integer: its start in the flat `SeriesSet.values` (one gather cuts it).

* train windows lie wholly inside the training part (starts every `stride` steps);
* val windows have every target inside the validation part; their inputs may reach back into
  training;
* test windows have every target inside the test part; inputs may reach back.

So no validation or test target is ever a training target. Val and test use every start
(stride 1): a part of `m` steps gives `m - horizon + 1` windows when the input fits.

Sizes (the long-horizon benchmark convention, e.g. Autoformer/N-HiTS): a split value >= 1 is a
count of steps, below 1 a fraction of the series' length `n`. `n_test = floor(test * n)`; with
both fractions `n_train = floor((1 - val - test) * n)` and `n_val = n - n_train - n_test` (so
7,588 rows give 5,311/760/1,517 and 966 give 676/97/193 with val 0.1, test 0.2); otherwise
`n_val = floor(val * n)` (or the count; 0 when val is 0) and training takes the rest.
Products are rounded to 9 decimals before the floor, so 0.7 * 70 is 49, not 48.999... The ETTh
protocol (8,640/2,880/2,880 of the first 14,400 rows) is `prepare_splits(series.head(14400),
val_split=2880, test_split=2880, ...)`.
"""

from dataclasses import dataclass

import numpy as np

from keras_nhits.data.aligned import aligned_empty
from keras_nhits.data.checks import check_splits
from keras_nhits.data.report import Report, name_examples
from keras_nhits.data.scaling import SeriesScaler
from keras_nhits.data.series_set import SeriesSet
from keras_nhits.data.timeindex import time_label
from keras_nhits.errors import NHITSInputError, check_choice, check_int
from keras_nhits.options import MAX_WINDOW, SERIES_SCALERS

# The largest |value| that reaches the model. Training squares values (the per-window standard
# scaler, the mse loss) and sums the squares over a window or a batch in float32, whose largest
# number is 3.4e38: with |x| <= 1e15, (2|x|)^2 summed over a million terms stays below 1e37.
MAX_MODEL_VALUE = 1e15


@dataclass
class Splits:
    """The windows of each split, as start indices into `series.values`.

    Attributes:
        series: the `SeriesSet` the windows index (scaled when a series scaler was fitted).
        train, val, test: int arrays of window starts (int32 below 2**31 values, else int64).
        sizes: int64 `[n_series, 3]`, n_train / n_val / n_test of each series.
        input_size, horizon: the window shape.
        scaler: the fitted `SeriesScaler` (method "none" when not scaling).
        skipped: ids of the series too short to train on (no windows in any split).
        report: the notices (skipped series, empty splits, scaling, counts) as one-line
            strings, like `SeriesSet.report` (see `data.report`).
    """

    series: SeriesSet
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    sizes: np.ndarray
    input_size: int
    horizon: int
    scaler: SeriesScaler
    skipped: list
    report: list


def _part(value, n):
    return int(value) if value >= 1 else int(np.floor(round(value * n, 9)))


def split_sizes(n, val_split, test_split):
    """(n_train, n_val, n_test) of a series of `n` steps (see the module docstring)."""
    n_test = _part(test_split, n)
    if 0 < val_split < 1 and test_split < 1:
        n_train = int(np.floor(round(round(1.0 - val_split - test_split, 12) * n, 9)))
        n_val = n - n_train - n_test
    else:
        n_val = _part(val_split, n)
        n_train = n - n_val - n_test
    return n_train, n_val, n_test


def min_length(input_size, horizon, val_split, test_split):
    """The shortest series whose training part holds one window (input_size + horizon)."""
    need = input_size + horizon
    high = need
    while split_sizes(high, val_split, test_split)[0] < need:
        high *= 2
    low = need
    while low < high:
        mid = (low + high) // 2
        if split_sizes(mid, val_split, test_split)[0] >= need:
            high = mid
        else:
            low = mid + 1
    return low


def prepare_splits(
    series_set,
    *,
    input_size,
    horizon,
    val_split=0.1,
    test_split=0.2,
    stride=1,
    series_scaler="none",
    keep_scaler=None,
):
    """Splits every series, indexes the windows of each split and fits the series scaler.

    Args:
        series_set: a `SeriesSet` from `load_series`.
        input_size: input steps of a window.
        horizon: target steps of a window.
        val_split: validation part, fraction < 1 or count of steps (default 0.1).
        test_split: test part, fraction < 1 or count of steps (default 0.2).
        stride: step between training window starts (default 1); val/test use 1.
        series_scaler: none | standard | robust | minmax, fitted on each training part.
        keep_scaler: a fitted `SeriesScaler` of the same method whose statistics are kept for
            the series it knows (a run continued with `init_from` scales them as its parent
            did); the other series are fitted on their training part.

    Returns:
        `Splits`. Series whose training part is shorter than `input_size + horizon` are
        skipped and reported; if none is left, `NHITSInputError` names the length needed.

    Example:
        >>> import numpy as np
        >>> from keras_nhits.data import load_series
        >>> splits = prepare_splits(load_series(np.arange(100.0)), input_size=10, horizon=5)
        >>> len(splits.train), len(splits.val), len(splits.test)
        (56, 6, 16)
    """
    input_size, horizon, stride, val_split, test_split = _check_arguments(
        input_size, horizon, stride, val_split, test_split, series_scaler
    )
    # Computed once per distinct length: panels of 100,000 series have a few thousand.
    lengths, which = np.unique(series_set.lengths, return_inverse=True)
    per_length = [split_sizes(int(n), val_split, test_split) for n in lengths]
    sizes = np.array(per_length, np.int64).reshape(-1, 3)[which.reshape(-1)]
    report = Report()
    keep = _long_enough(series_set, sizes, input_size, horizon, val_split, test_split, report)
    scaler = SeriesScaler.fit(series_set, sizes[:, 0], series_scaler, report=report)
    if keep_scaler is not None:
        scaler = scaler.keeping(keep_scaler, report=report)
    scaled = scaler.apply(series_set)
    _check_magnitude(series_set, scaled, keep, series_scaler)
    starts = _window_starts(series_set, sizes, keep, input_size, horizon, stride)
    _report_windows(report, series_set, sizes, keep, starts, horizon, (val_split, test_split))
    return Splits(
        series=scaled,
        train=starts[0],
        val=starts[1],
        test=starts[2],
        sizes=sizes,
        input_size=input_size,
        horizon=horizon,
        scaler=scaler,
        skipped=[series_set.ids[i] for i in np.flatnonzero(~keep)],
        report=report.lines,
    )


def _check_arguments(input_size, horizon, stride, val_split, test_split, series_scaler):
    """The arguments as Python numbers, each refused by name as `NHITSTrainingConfig` would."""
    input_size = check_int("input_size", input_size, 1, MAX_WINDOW)
    horizon = check_int("horizon", horizon, 1, MAX_WINDOW)
    stride = check_int("stride", stride, 1)
    val_split, test_split = check_splits(val_split, test_split)
    check_choice("series_scaler", series_scaler, SERIES_SCALERS)
    return input_size, horizon, stride, val_split, test_split


def _long_enough(series_set, sizes, input_size, horizon, val_split, test_split, report):
    """Which series have a training part of `input_size + horizon` steps; reports the others
    and raises, naming the length needed, when none has."""
    lengths = series_set.lengths
    need = input_size + horizon
    keep = sizes[:, 0] >= need
    splits_text = f"val_split={val_split}, test_split={test_split}"
    if not keep.any():
        raise NHITSInputError(
            f"no series is long enough to train on: input_size + horizon = {need} training "
            f"steps need series of at least "
            f"{min_length(input_size, horizon, val_split, test_split)} steps with {splits_text}; "
            f"the longest has {int(lengths.max(initial=0))}; lower input_size or horizon or the "
            "val/test splits"
        )
    short = {series_set.ids[i]: int(lengths[i]) for i in np.flatnonzero(~keep)}
    if short:
        report.add(
            f"skipped {len(short)} series too short to train on (a series needs at least "
            f"{min_length(input_size, horizon, val_split, test_split)} steps for input_size + "
            f"horizon = {need} training steps with {splits_text}); their lengths: "
            f"{name_examples(short)}"
        )
    return keep


def _report_windows(report, series_set, sizes, keep, starts, horizon, parts):
    """One line per empty val/test split that was asked for, then the window counts."""
    for name, index, part in zip(("val", "test"), starts[1:], parts):
        if part and index.size == 0:
            report.add(
                f"the {name} split has no windows: its parts are shorter than horizon={horizon} "
                f"steps; raise {name}_split or lower horizon"
            )
    first = int(np.argmax(keep))
    report.add(
        f"windows: {starts[0].size} train / {starts[1].size} val / {starts[2].size} test over "
        f"{int(keep.sum())} series (series {series_set.ids[first]!r}: "
        f"{'/'.join(str(int(s)) for s in sizes[first])} train/val/test steps)"
    )


def _check_magnitude(raw, scaled, keep, series_scaler):
    """Refuses values whose squares would overflow float32 in training (see MAX_MODEL_VALUE)."""
    bad = np.zeros(len(keep), bool)
    if keep.size:
        # Each series' largest |value| in two passes without a temporary copy of the values.
        firsts = scaled.offsets[:-1]
        highs = np.maximum.reduceat(scaled.values, firsts)
        lows = np.minimum.reduceat(scaled.values, firsts)
        bad = keep & ~(np.maximum(highs, -lows) <= MAX_MODEL_VALUE)  # NaN included
    for i in np.flatnonzero(bad)[:1]:
        values = scaled.series_values(i)
        k = int(np.argmax(np.abs(values)))
        if abs(float(values[k])) <= MAX_MODEL_VALUE:
            continue
        when = time_label(raw.time_at(i, [k]).astype(np.int64)[0], raw.unit)
        value = float(raw.series_values(i)[k])
        if series_scaler == "none":
            where = f"series {raw.ids[i]!r} reaches {value:.3g} at {when}"
            fix = "pass series_scaler=standard (fitted in float64) or rescale the target column"
        else:
            where = (
                f"series {raw.ids[i]!r} reaches {value:.3g} at {when}, still "
                f"{float(values[k]):.3g} after series_scaler={series_scaler} (fitted on its "
                "training part)"
            )
            fix = "check that value or rescale the target column"
        raise NHITSInputError(
            f"{where}: float32 training squares the values (window scaling, mse loss) and "
            f"overflows beyond |x| = {MAX_MODEL_VALUE:.0e}; {fix}"
        )


def _window_starts(series_set, sizes, keep, input_size, horizon, stride):
    """(train, val, test) window starts; each split filled series by series, no temporaries
    the size of all windows beyond the output itself."""
    dtype = np.int32 if len(series_set.values) < np.iinfo(np.int32).max else np.int64
    offsets = series_set.offsets[:-1]
    n_train, n_val, n_test = sizes[:, 0], sizes[:, 1], sizes[:, 2]
    span = input_size + horizon
    train_count = np.where(keep, (n_train - span) // stride + 1, 0)
    plans = [(offsets, train_count, stride)]
    for begin, length in ((n_train, n_val), (n_train + n_val, n_test)):
        # Targets start at positions p in [max(begin, input_size), begin + length - horizon].
        first_target = np.maximum(begin, input_size)
        count = np.where(keep, np.maximum(begin + length - horizon - first_target + 1, 0), 0)
        plans.append((offsets + first_target - input_size, count, 1))
    result = []
    for firsts, counts, step in plans:
        out = aligned_empty(int(counts.sum()), dtype)  # served in place (aligned.py)
        ends = np.cumsum(counts)
        # Blocks of about 260,000 windows: one NumPy pass each, temporaries of one block (6 MB).
        at = 0
        while at < len(counts):
            upto = max(int(np.searchsorted(ends, ends[at] - counts[at] + 2**18)), at + 1)
            block = slice(at, upto)
            begin, end = int(ends[at] - counts[at]), int(ends[upto - 1])
            # Window j of series i starts at firsts[i] + (j - its first position) * step.
            shift = np.repeat(firsts[block] - (ends[block] - counts[block]) * step, counts[block])
            out[begin:end] = shift + np.arange(begin, end, dtype=np.int64) * step
            at = upto
        result.append(out)
    return result

"""Windows as NumPy arrays: evaluation batches, their series and times, the last input windows.

Training never materialises windows (see `pipeline`); evaluation and prediction may, since a
val/test split or the last window of each series is small. `iter_windows` yields them in
batches for sets too large to hold at once.
"""

from dataclasses import dataclass

import numpy as np

from keras_nhits.data.series_set import SeriesSet
from keras_nhits.data.timeindex import future_times
from keras_nhits.errors import NHITSInputError


def _values(series):
    return series.values if isinstance(series, SeriesSet) else np.asarray(series, np.float32)


def window_arrays(series, starts, input_size, horizon):
    """All windows at `starts` as `(x [N, input_size], y [N, horizon])` float32 arrays."""
    values = _values(series)
    starts = np.asarray(starts, dtype=np.int64)
    windows = values[starts[:, None] + np.arange(input_size + horizon)]
    return windows[:, :input_size], windows[:, input_size:]


def iter_windows(series, starts, input_size, horizon, batch_size=1024):
    """Yields `(x, y)` NumPy batches of the windows at `starts`, in order."""
    for begin in range(0, len(starts), batch_size):
        yield window_arrays(series, starts[begin : begin + batch_size], input_size, horizon)


def window_series(series_set, starts):
    """int64 `[N]`: the series index of each window start."""
    return np.searchsorted(series_set.offsets, np.asarray(starts), side="right") - 1


def window_target_times(series_set, starts, input_size):
    """The timestamp of each window's first target (for per-series, per-time metrics)."""
    starts = np.asarray(starts, dtype=np.int64)
    which = window_series(series_set, starts)
    positions = starts + input_size - series_set.offsets[which]
    # Group the windows by series once (a stable sort), then compute each series' times.
    order = np.argsort(which, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(which[order])) + 1)
    times = None
    for group in groups:
        if group.size == 0:
            continue
        chunk = series_set.time_at(int(which[group[0]]), positions[group])
        if times is None:
            times = np.empty(len(starts), dtype=chunk.dtype)
        times[group] = chunk
    return times if times is not None else np.empty(0, dtype=np.int64)


@dataclass
class LastWindows:
    """The last input window of every series, for forecasting what comes after the data.

    Attributes:
        x: float32 `[n_series, input_size]`.
        ids: the series names.
        last_time: each series' last timestamp (datetime64 or int64 array).
        freq: each series' step (see `SeriesSet.freqs`).
    """

    x: np.ndarray
    ids: list
    last_time: np.ndarray
    freq: list

    def future_times(self, i, horizon):
        """The `horizon` timestamps after series `i` (where its forecast belongs)."""
        return future_times(self.last_time[i], self.freq[i], horizon)


def last_windows(series_set, input_size):
    """The last `input_size` values of every series, with its last timestamp and step.

    Raises NHITSInputError naming the series shorter than `input_size`.
    """
    lengths = series_set.lengths
    short = np.flatnonzero(lengths < input_size)
    if short.size:
        names = ", ".join(f"{series_set.ids[i]} ({lengths[i]})" for i in short[:5])
        raise NHITSInputError(
            f"{short.size} series are shorter than input_size={input_size} and cannot be "
            f"forecast: {names}; lower input_size"
        )
    x = window_arrays(series_set, series_set.offsets[1:] - input_size, input_size, 0)[0]
    last = [series_set.last_time(i) for i in range(series_set.n_series)]
    return LastWindows(
        x=x, ids=list(series_set.ids), last_time=np.asarray(last), freq=list(series_set.freqs)
    )

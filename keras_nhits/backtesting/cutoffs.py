"""Rolling-origin cutoffs: where each backtest forecast starts, as indices into one array.

A cutoff is the last observed step of a forecast: the model reads the `input_size` values up to
and including it and forecasts the `horizon` steps after it. Every series gets `n_windows`
cutoffs `step_size` steps apart, counted back from its end, so the latest forecast ends on the
series' last value (neuralforecast's `cross_validation` convention): for a series of `n` steps
the cutoffs are the positions `n - horizon - 1 - k * step_size`, k = n_windows - 1, ..., 0.

As everywhere in the data layer, a window is its start index into `SeriesSet.values`; nothing is
copied here.
"""

from dataclasses import dataclass

import numpy as np

from keras_nhits.errors import NHITSInputError, check_int


@dataclass
class CutoffWindows:
    """The backtest windows of a series set, series by series, cutoffs in time order.

    Attributes:
        starts: int64 `[N]`, each window's start index into `SeriesSet.values`.
        series: int64 `[N]`, each window's series index.
        cutoffs: int64 `[N]`, each window's cutoff as a position within its series.
        rank: int64 `[N]`, each window's cutoff number, 0 for a series' earliest cutoff.
    """

    starts: np.ndarray
    series: np.ndarray
    cutoffs: np.ndarray
    rank: np.ndarray

    def __len__(self):
        return len(self.starts)


def windows_that_fit(length, input_size, horizon, step_size):
    """How many cutoffs `step_size` apart a series of `length` steps holds (0 when shorter than
    `input_size + horizon`)."""
    room = int(length) - input_size - horizon
    return 0 if room < 0 else room // step_size + 1


def cutoff_windows(series_set, input_size, horizon, n_windows, step_size=1):
    """The `CutoffWindows` of `n_windows` cutoffs per series, `step_size` steps apart.

    Raises `NHITSInputError` for a count or step below 1, and naming the series (the first
    three, and how many) that cannot hold `n_windows` windows of `input_size + horizon` steps.

    Example:
        >>> import numpy as np
        >>> from keras_nhits.data import load_series
        >>> w = cutoff_windows(load_series(np.arange(20.0)), 5, 3, n_windows=3, step_size=2)
        >>> w.cutoffs.tolist()  # the last forecast covers steps 17, 18, 19
        [12, 14, 16]
    """
    n_windows = check_int("n_windows", n_windows, 1)
    step_size = check_int("step_size", step_size, 1)
    lengths = series_set.lengths
    fits = np.array([windows_that_fit(n, input_size, horizon, step_size) for n in lengths])
    short = np.flatnonzero(fits < n_windows)
    if short.size:
        names = ", ".join(
            f"{series_set.ids[i]} ({int(lengths[i])} steps: {int(fits[i])} windows)"
            for i in short[:3]
        )
        more = f" and {short.size - 3} more" if short.size > 3 else ""
        raise NHITSInputError(
            f"{short.size} series cannot hold n_windows={n_windows} windows of input_size + "
            f"horizon = {input_size + horizon} steps at step_size={step_size}: {names}{more}; "
            "lower n_windows or step_size"
        )
    rank = np.arange(n_windows, dtype=np.int64)
    # Positions of the cutoffs, earliest first: [n_series, n_windows].
    last = lengths.astype(np.int64)[:, None] - horizon - 1
    cutoffs = last - (n_windows - 1 - rank)[None, :] * step_size
    starts = series_set.offsets[:-1, None] + cutoffs - input_size + 1
    n = series_set.n_series
    return CutoffWindows(
        starts=starts.reshape(-1),
        series=np.repeat(np.arange(n, dtype=np.int64), n_windows),
        cutoffs=cutoffs.reshape(-1),
        rank=np.tile(rank, n),
    )

"""Which series forecast.png draws, and the test window of each that it shows.

`plotted_series` is checked before training (a `--plot-series` id that does not exist, or has no
test window, is an input error, not a missing panel after a long run); `panel_arguments` then
picks the last test window of each drawn series (`last_window_of`: the trainer keeps only those
while it scores the test split) and gives `plot_forecasts` what it takes.
"""

import numpy as np

from keras_nhits.errors import NHITSInputError, name_list
from keras_nhits.training.metrics import naive_forecast
from keras_nhits.training.plotting import check_bands


def plotted_series(raw, splits, plot_series):
    """The series drawn in forecast.png (indices into `raw.ids`): those `plot_series` names
    (comma-separated ids, checked) or, when it names none, every series with a test window."""
    from keras_nhits.data import window_series

    tested = [int(i) for i in np.unique(window_series(raw, splits.test))]
    wanted = [s.strip() for s in plot_series.split(",") if s.strip()]
    if not wanted:
        return tested
    unknown = [s for s in wanted if s not in raw.ids]
    if unknown:
        raise NHITSInputError(
            f"--plot-series: no series {name_list(unknown)} in the data; its series are "
            f"{name_list(raw.ids)}"
        )
    picks = list(dict.fromkeys(raw.ids.index(s) for s in wanted))
    untested = [raw.ids[i] for i in picks if i not in tested]
    if untested:
        raise NHITSInputError(
            f"--plot-series: series {name_list(untested)} has no test window (too short "
            "for input_size + horizon in its test part); choose other series"
        )
    return picks


def panel_arguments(raw, splits, shown, starts, inputs, actual, forecasts, bands=None):
    """The arguments of `plot_forecasts` (after its path) that draw the last window of each of
    `shown` among the test windows at `starts` (all of them, or only those drawn: the trainer
    keeps no other): its history, actual future and forecast, with the window's times and the
    naive forecast to compare against.

    `inputs`, `actual` and `forecasts` are those of the windows at `starts`. `bands` is None
    (the default) or a probabilistic model's prediction intervals, a list of `(label, lower,
    upper)` of the same windows like `forecasts` (widest first); the drawn windows are picked
    from each and passed on as `options["bands"]`, which is absent without them, so the options
    are what they were for a point forecast.

    Returns `(inputs, actual, forecast)` of those windows and the keyword options.
    """
    picks = last_window_of(raw, starts, shown)
    times = [_window_times(raw, splits, starts[p]) for p in picks]
    targets = raw.columns.get("targets") or []
    options = {
        "titles": [raw.ids[i] for i in shown],
        "max_panels": len(shown),
        "times": np.stack(times) if times else None,
        "baseline": naive_forecast(inputs[picks], splits.horizon),
        # Long format: one target column for every series; wide: each series is a column.
        "ylabel": targets[0] if len(targets) == 1 else [raw.ids[i] for i in shown],
    }
    if bands is not None:
        bands = check_bands(np.shape(forecasts), bands)
        options["bands"] = [(label, lower[picks], upper[picks]) for label, lower, upper in bands]
    return (inputs[picks], actual[picks], forecasts[picks]), options


def last_window_of(raw, starts, series):
    """Index (into `starts`) of the last window of each of `series` (indices into raw.ids)."""
    from keras_nhits.data import window_series

    which = window_series(raw, starts)
    return np.array([int(np.flatnonzero(which == i)[-1]) for i in series], dtype=np.int64)


def _window_times(raw, splits, start):
    """The times of one window's input and horizon steps (datetime64, or int steps)."""
    from keras_nhits.data import window_series

    i = int(window_series(raw, [start])[0])
    first = int(start - raw.offsets[i])
    return raw.time_at(i, np.arange(first, first + splits.input_size + splits.horizon))

"""Windows as NumPy arrays: evaluation batches, their series and times, the last input windows.

Training never materialises windows (see `pipeline`); evaluation and prediction may, since a
val/test split or the last window of each series is small. `iter_windows` yields them in
batches for sets too large to hold at once.

With covariates (a `SeriesSet` whose `has_covariates`) a window's input is the dict `NHITS` takes:
`{"history": [N, L], "hist_exog": [N, L, Ch], "futr_exog": [N, L + H, Cf], "stat_exog": [N, S]}`,
each covariate key present when the series set has that kind; without, the plain `[N, L]` array.
"""

from dataclasses import dataclass, field

import numpy as np

from keras_nhits.data.calendar import calendar_features
from keras_nhits.data.series_set import SeriesSet
from keras_nhits.data.timeindex import future_time_rows, future_times
from keras_nhits.errors import NHITSInputError


def _values(series):
    return series.values if isinstance(series, SeriesSet) else np.asarray(series, np.float32)


def window_arrays(series, starts, input_size, horizon):
    """All windows at `starts` as `(x [N, input_size], y [N, horizon])` float32 arrays; with
    covariates `x` is the model's input dict (see the module docstring)."""
    values = _values(series)
    starts = np.asarray(starts, dtype=np.int64)
    windows = values[starts[:, None] + np.arange(input_size + horizon)]
    x, y = windows[:, :input_size], windows[:, input_size:]
    if isinstance(series, SeriesSet) and series.has_covariates:
        x = {"history": x, **window_covariates(series, starts, input_size, horizon)}
    return x, y


def window_covariates(series_set, starts, input_size, horizon):
    """The covariates of the windows at `starts`: `{"hist_exog": [N, L, Ch], "futr_exog":
    [N, L + H, Cf], "stat_exog": [N, S]}`, the kinds the series set has."""
    starts = np.asarray(starts, dtype=np.int64)
    out = {}
    if series_set.hist_exog is not None:
        out["hist_exog"] = series_set.hist_exog[starts[:, None] + np.arange(input_size)]
    if series_set.futr_exog is not None:
        span = np.arange(input_size + horizon)
        out["futr_exog"] = series_set.futr_exog[starts[:, None] + span]
    if series_set.stat_exog is not None:
        out["stat_exog"] = series_set.stat_exog[window_series(series_set, starts)]
    return out


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
        covariates: with covariates, the input window's part of each kind (`"hist_exog"`
            `[n_series, L, Ch]`, `"futr_exog"` `[n_series, L, Cf]`, `"stat_exog"` `[n_series,
            S]`); `{}` without.
        futr_names, calendar: the future-known columns and the calendar features among them.
    """

    x: np.ndarray
    ids: list
    last_time: np.ndarray
    freq: list
    covariates: dict = field(default_factory=dict)
    futr_names: tuple = ()
    calendar: tuple = ()

    def future_times(self, i, horizon):
        """The `horizon` timestamps after series `i` (where its forecast belongs)."""
        return future_times(self.last_time[i], self.freq[i], horizon)

    def future_time_rows(self, horizon):
        """`[n_series, horizon]`: the `horizon` timestamps after every series, at once."""
        return future_time_rows(self.last_time, self.freq, horizon)

    def model_inputs(self, horizon, future=None):
        """The model's input for forecasting the `horizon` steps after every series: `x`
        without covariates, else the dict with the future-known covariates continued over the
        horizon, the calendar features computed from the future times.

        Args:
            horizon: the model's horizon.
            future: float32 `[n_series, horizon, F]`, the future values of the F future-known
                columns that are not calendar features (in `futr_names` order); needed when
                there are such columns.
        """
        if not self.covariates:
            return self.x
        inputs = {"history": self.x, **self.covariates}
        if "futr_exog" in inputs:
            ahead = self._futr_ahead(horizon, future)
            inputs["futr_exog"] = np.concatenate([inputs["futr_exog"], ahead], axis=1)
        return inputs

    def _futr_ahead(self, horizon, future):
        n_user = len(self.futr_names) - len(self.calendar)
        n = len(self.ids)
        if n_user and future is None:
            raise NHITSInputError(
                f"forecasting needs the future values of futr_exog "
                f"{', '.join(self.futr_names[:n_user])} over the horizon; pass future="
                f"[{n}, {horizon}, {n_user}]"
            )
        user = np.zeros((n, horizon, 0), np.float32)
        if n_user:
            user = np.asarray(future, np.float32)
            if user.shape != (n, horizon, n_user):
                raise NHITSInputError(
                    f"future must be [n_series={n}, horizon={horizon}, {n_user}] (the futr_exog "
                    f"columns {', '.join(self.futr_names[:n_user])}); received {user.shape}"
                )
        if not self.calendar:
            return user
        times = self.future_time_rows(horizon).reshape(-1)
        calendar = calendar_features(times, self.calendar).reshape(n, horizon, -1)
        return np.concatenate([user, calendar], axis=2)


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
    starts = series_set.offsets[1:] - input_size
    x = window_arrays(series_set.values, starts, input_size, 0)[0]
    covariates = {}
    if series_set.has_covariates:
        covariates = window_covariates(series_set, starts, input_size, 0)
    return LastWindows(
        x=x,
        ids=list(series_set.ids),
        last_time=series_set.last_times(),
        freq=list(series_set.freqs),
        covariates=covariates,
        futr_names=tuple(series_set.covariate_names["futr_exog"]),
        calendar=tuple(series_set.calendar),
    )

"""`SeriesSet`: every series of a dataset, stored once in one contiguous float32 array."""

import numpy as np

from keras_nhits.data.aligned import aligned
from keras_nhits.data.timeindex import as_time, fixed_step_groups, regular_times, times_at
from keras_nhits.errors import NHITSInputError


class SeriesSet:
    """All series of a dataset in one flat float32 array, with their ids, times and steps.

    Series `i` is `values[offsets[i]:offsets[i + 1]]`. A training window is then just an index
    into `values` (see `splits`), so memory grows with the data, never with the number of
    windows times their length.

    Times are kept compactly: a regular series (every step present) stores only its first tick
    and step; only series with gaps kept as a sequence (`gaps="warn"`) store every tick. For
    10 M hourly rows this saves 80 MB of timestamps, twice the size of the values themselves.
    `times(i)` rebuilds the full array of one series on demand.

    Args:
        values: float32 `[total_steps]`, the series one after the other.
        offsets: int64 `[n_series + 1]`, start of each series in `values` (last = total).
        ids: series names (str), one per series.
        starts: int64 `[n_series]`, first tick of each series (see `unit`).
        freqs: per series, its step: `np.timedelta64` (`"M"` = calendar months),
            `BusinessDay()`, an int for integer steps, or None for a single observation (see
            `keras_nhits.data.frequency`).
        unit: NumPy datetime unit of the ticks (`"us"`, `"ns"`, `"D"` ...), or None when times
            are integer steps (an integer time column, or the row order).
        explicit_ticks: `{series index: int64 ticks}` for the series that are not regular.
        report: the repairs and notices of the load as one-line strings (`Report.lines`).
        columns: `{"time": ..., "id": ..., "targets": [...]}`, the source columns.
        hist_exog: float32 `[total_steps, Ch]`, historical covariates row by row with `values`
            (the same offsets), or None.
        futr_exog: float32 `[total_steps, Cf]`, future-known covariates (the calendar features
            last), or None.
        stat_exog: float32 `[n_series, S]`, static covariates (text already one-hot), or None.
        covariate_names: `{"hist_exog": [...], "futr_exog": [...], "stat_exog": [...]}`, the
            column of each channel (`"sector=tech"` for a one-hot column).
        calendar: the calendar features among the futr_exog names (the last ones), which
            `keras_nhits.data.calendar` computes for any time, the horizon's included.
    """

    def __init__(
        self,
        values,
        offsets,
        ids,
        starts,
        freqs,
        unit=None,
        explicit_ticks=None,
        report=(),
        columns=None,
        hist_exog=None,
        futr_exog=None,
        stat_exog=None,
        covariate_names=None,
        calendar=(),
    ):
        # Aligned, so the training pipeline serves from this array without a copy (aligned.py).
        self.values = aligned(values, np.float32)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.ids = [str(i) for i in ids]
        self.starts = np.asarray(starts, dtype=np.int64)
        self.freqs = list(freqs)
        self.unit = unit
        self.explicit_ticks = dict(explicit_ticks or {})
        self.report = list(report)
        self.columns = dict(columns or {})
        n = len(self.ids)
        if len(self.offsets) != n + 1 or len(self.starts) != n or len(self.freqs) != n:
            raise ValueError(
                f"SeriesSet needs n_series + 1 offsets and n_series starts/freqs for {n} ids; "
                f"received {len(self.offsets)}, {len(self.starts)}, {len(self.freqs)}"
            )
        if self.offsets[0] != 0 or self.offsets[-1] != len(self.values):
            raise ValueError("SeriesSet offsets must run from 0 to len(values)")
        self.hist_exog = _rows(hist_exog, len(self.values), "hist_exog", "total_steps")
        self.futr_exog = _rows(futr_exog, len(self.values), "futr_exog", "total_steps")
        self.stat_exog = _rows(stat_exog, n, "stat_exog", "n_series")
        names = dict(covariate_names or {})
        self.covariate_names = {k: list(names.get(k, ())) for k in _KINDS}
        self.calendar = tuple(calendar)
        for kind in _KINDS:
            array = getattr(self, kind)
            width = 0 if array is None else array.shape[1]
            if len(self.covariate_names[kind]) != width:
                raise ValueError(
                    f"SeriesSet {kind} has {width} columns but covariate_names names "
                    f"{len(self.covariate_names[kind])}"
                )

    @property
    def has_covariates(self):
        """Whether any covariate kind is present (windows are then dicts, see `pipeline`)."""
        return any(getattr(self, kind) is not None for kind in _KINDS)

    def covariate_counts(self):
        """`{"hist_exog": Ch, "futr_exog": Cf, "stat_exog": S}`: the counts `NHITS` takes."""
        return {kind: len(self.covariate_names[kind]) for kind in _KINDS}

    @property
    def n_series(self):
        return len(self.ids)

    @property
    def lengths(self):
        """int64 `[n_series]`: the number of steps of each series."""
        return np.diff(self.offsets)

    def index(self, series_id):
        """The position of the series named `series_id`."""
        try:
            return self.ids.index(str(series_id))
        except ValueError:
            shown = ", ".join(self.ids[:5]) + (" ..." if self.n_series > 5 else "")
            raise NHITSInputError(f"no series {series_id!r}; series are: {shown}") from None

    def series_values(self, i):
        """The float32 values of series `i` (a view, not a copy)."""
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def times(self, i):
        """The timestamps of series `i`: datetime64 in `unit`, or int64 steps."""
        ticks = self.explicit_ticks.get(i)
        if ticks is not None:
            return ticks.astype(f"datetime64[{self.unit}]") if self.unit else ticks.copy()
        n = int(self.offsets[i + 1] - self.offsets[i])
        return regular_times(as_time(self.starts[i], self.unit), self.freqs[i], n)

    def time_at(self, i, positions):
        """The timestamps of series `i` at step `positions` (an int array), without building
        the whole time array of a regular series."""
        positions = np.asarray(positions, dtype=np.int64)
        if i in self.explicit_ticks or self.freqs[i] is None:
            return self.times(i)[positions]
        return times_at(as_time(self.starts[i], self.unit), self.freqs[i], positions)

    def last_time(self, i):
        """The last timestamp of series `i`."""
        n = int(self.offsets[i + 1] - self.offsets[i])
        return self.time_at(i, [n - 1])[0]

    def last_times(self):
        """The last timestamp of every series: datetime64 in `unit`, or int64 steps.

        Regular series with a fixed step (not calendar months or business days) are computed
        at once from their first tick and length; the others one at a time (`last_time`).
        """
        groups, others = fixed_step_groups(self.freqs)
        ticks = np.empty(self.n_series, np.int64)
        gappy = np.zeros(self.n_series, bool)
        gappy[list(self.explicit_ticks)] = True  # observations kept as they came
        rest = [*others, *np.flatnonzero(gappy).tolist()]
        for step, which in groups:
            which = which[~gappy[which]]
            if self.unit:
                step = step.astype(f"timedelta64[{self.unit}]").astype(np.int64)
            ticks[which] = self.starts[which] + (self.lengths[which] - 1) * int(step)
        times = ticks.astype(f"datetime64[{self.unit}]") if self.unit else ticks
        for i in rest:
            times[i] = self.last_time(i)
        return times

    def head(self, n):
        """A new SeriesSet with the first `n` steps of each series (e.g. the ETTh protocol's
        first 14,400 rows); series shorter than `n` are kept whole."""
        lengths = np.minimum(self.lengths, int(n))
        pieces = [self.values[o : o + k] for o, k in zip(self.offsets[:-1], lengths)]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        explicit = {i: t[: lengths[i]] for i, t in self.explicit_ticks.items()}
        report = self.report + [f"kept the first {int(n)} steps of each series"]
        rows = {}
        for kind in ("hist_exog", "futr_exog"):
            array = getattr(self, kind)
            if array is not None:
                parts = [array[o : o + k] for o, k in zip(self.offsets[:-1], lengths)]
                rows[kind] = np.concatenate(parts) if parts else array[:0]
        return SeriesSet(
            np.concatenate(pieces) if pieces else self.values[:0],
            offsets,
            self.ids,
            self.starts,
            self.freqs,
            self.unit,
            explicit,
            report,
            self.columns,
            stat_exog=self.stat_exog,
            covariate_names=self.covariate_names,
            calendar=self.calendar,
            **rows,
        )

    def replace(self, **changes):
        """A SeriesSet sharing everything but the `changes` (keyword arguments of `SeriesSet`),
        e.g. `replace(hist_exog=other)`; the arrays not changed are shared, not copied."""
        fields = dict(
            values=self.values,
            offsets=self.offsets,
            ids=self.ids,
            starts=self.starts,
            freqs=self.freqs,
            unit=self.unit,
            explicit_ticks=self.explicit_ticks,
            report=self.report,
            columns=self.columns,
            hist_exog=self.hist_exog,
            futr_exog=self.futr_exog,
            stat_exog=self.stat_exog,
            covariate_names=self.covariate_names,
            calendar=self.calendar,
        )
        fields.update(changes)
        return SeriesSet(**fields)

    def with_values(self, values, note=None):
        """A SeriesSet sharing everything but `values` (same layout), e.g. scaled values; the
        covariates are shared as they are (the model scales them itself)."""
        return self.replace(values=values, report=self.report + ([note] if note else []))

    def with_static(self, stat_exog, names):
        """A SeriesSet sharing everything but its static covariates: `stat_exog` `[n_series, S]`
        named `names` (e.g. the values a trained run recorded, see `covariate_record`)."""
        covariate_names = {**self.covariate_names, "stat_exog": list(names)}
        return self.replace(stat_exog=stat_exog, covariate_names=covariate_names)

    def __repr__(self):
        return (
            f"SeriesSet(n_series={self.n_series}, total_steps={len(self.values)}, "
            f"unit={self.unit!r}{self._covariates_repr()})"
        )

    def _covariates_repr(self):
        counts = {k: v for k, v in self.covariate_counts().items() if v}
        return "".join(f", {k}={v}" for k, v in counts.items())


_KINDS = ("hist_exog", "futr_exog", "stat_exog")


def _rows(array, n, kind, what):
    """`array` as contiguous float32 `[n, C]`, or None."""
    if array is None:
        return None
    array = np.ascontiguousarray(array, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] != n:
        raise ValueError(f"SeriesSet {kind} must be [{what}={n}, C]; received {array.shape}")
    return array

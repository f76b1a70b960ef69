"""The reader behind `load_series`: series after series into one preallocated float32 array.

`SeriesReader` takes the rows of one series at a time (a wide column, or a long-format id's
rows), has `clean_series` check and repair them, writes the values, their covariate rows and
their ticks straight into arrays sized from the source (grown by a quarter when a
repair inserts steps), and tallies each repair so the report
says it once per kind (`SUMMARIES`). `finish` trims the arrays into a `SeriesSet`.
"""

import numpy as np
import polars as pl

from keras_nhits.data import covariates as cov
from keras_nhits.data.aligned import aligned, aligned_empty
from keras_nhits.data.calendar import calendar_features
from keras_nhits.data.cleaning import clean_series
from keras_nhits.data.report import Report
from keras_nhits.data.series_set import SeriesSet
from keras_nhits.data.timeindex import as_time, check_parsed, regular_times
from keras_nhits.errors import NHITSInputError

SUMMARIES = (
    (
        "sorted",
        "sorted {n_series} series by time (rows were out of order; out-of-order steps: {examples})",
    ),
    (
        "filled",
        "fill={fill}: filled {total} missing or non-finite target values in {n_series} "
        "series: {examples}",
    ),
    ("inf", "{total} of the filled values were inf or -inf: {examples}"),
    (
        "leading",
        "{total} leading missing values had no earlier value and took the next valid "
        "one (backfill): {examples}",
    ),
    (
        "gaps",
        "gaps=warn: {total} gaps in the time index of {n_series} series, kept as a "
        "sequence of observations (right for trading-day data; gaps=fill inserts the missing "
        "steps): {examples}",
    ),
    (
        "irregular",
        "gaps=warn: {total} timestamps off the most common step in {n_series} "
        "series, kept as a sequence of observations: {examples}",
    ),
    (
        "gap_steps",
        "gaps=fill: inserted {total} missing time steps in {n_series} series, "
        "filled by {gap_fill}: {examples}",
    ),
    (
        "cov_filled",
        "fill={fill}: filled {total} missing, non-finite or inserted covariate values in "
        "{n_series} series (inserted steps by {gap_fill}): {examples}",
    ),
)


class Interleaved(Exception):
    """Raised internally when an id's rows are not contiguous."""


class SeriesReader:
    """Reads series from slices of a frame, cleans them and packs them into one array."""

    def __init__(self, cols, time_expr, unit, schema, fill, gaps, name, spec=None, covs=None):
        self.cols, self.unit, self.fill, self.gaps, self.name = cols, unit, fill, gaps, name
        self.spec = spec
        self.covs = covs or cov.CovariateColumns()
        self.report = Report()
        self.exprs = [
            pl.col(t).cast(pl.Float64).alias(f"__y{j}") for j, t in enumerate(cols.targets)
        ]
        self.exprs += [
            pl.col(c).cast(pl.Float64).alias(f"__c{k}") for k, c in enumerate(self.covs.dynamic)
        ]
        self.static_in_file = self.covs.stat if self.covs.static is None else ()
        self.exprs += [pl.col(c).alias(f"__s{k}") for k, c in enumerate(self.static_in_file)]
        self.raw_time = None
        if time_expr is not None:
            self.exprs.append(time_expr.alias("__t"))
            if schema[cols.time] == pl.String:
                self.raw_time = "__raw"
                self.exprs.append(pl.col(cols.time).alias("__raw"))
            dtype = schema[cols.time]
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
                self.report.add(
                    f"time column {cols.time!r}: converted from {dtype.time_zone} to UTC"
                )
        self.values = np.empty(0, np.float32)
        self.size = 0
        self.offsets, self.ids, self.starts, self.freqs, self.explicit = [0], [], [], [], {}
        # Per kind, float32 [capacity, C] rows aligned with `values` (None: no such column).
        n_hist, n_futr = len(self.covs.hist), len(self.covs.futr) + len(self.covs.calendar)
        self.rows = {"hist": np.empty((0, n_hist), np.float32) if n_hist else None}
        self.rows["futr"] = np.empty((0, n_futr), np.float32) if n_futr else None
        # The id each series was read under (its static row), and the data file's static values.
        self.raw_ids, self.static_values = [], {c: [] for c in self.static_in_file}

    # === Reading ===

    def read_wide(self, frame, n_rows):
        self._reserve(n_rows * len(self.cols.targets))
        table = frame.select(self.exprs).collect()
        ticks = self._ticks(table, series=None)
        covariates = self._covariates(table)
        for j, column in enumerate(self.cols.targets):
            self._add(column, ticks, table[f"__y{j}"].to_numpy(), covariates, column)

    def read_long(self, frame, n_rows, chunk_rows):
        self._reserve(n_rows * len(self.cols.targets))
        if self.raw_time is not None:
            # Polars infers a date format per query: parse string times in one piece so that a
            # second format anywhere in the column is caught.
            chunk_rows = n_rows
        exprs = [pl.col(self.cols.id).alias("__id"), *self.exprs]
        done, pending_id, pending = set(), None, []
        for begin in range(0, n_rows, chunk_rows):
            chunk = frame.slice(begin, chunk_rows).select(exprs).collect()
            ids = chunk["__id"]
            # Ids are text: an empty or blank one names no series (a Parquet file keeps "").
            blank = ids.is_null() | (ids.cast(pl.String).str.strip_chars() == "")
            if blank.any():
                row = begin + int(blank.arg_max())
                raise NHITSInputError(
                    f"id column {self.cols.id!r} is empty at row {row}; every row needs a series id"
                )
            run_starts = np.flatnonzero((ids != ids.shift(1)).fill_null(True).to_numpy())
            bounds = [*run_starts.tolist(), chunk.height]
            for a, b in zip(bounds[:-1], bounds[1:]):
                run_id = ids[a]
                if pending and run_id == pending_id:
                    pending.append(chunk.slice(a, b - a))
                    continue
                if pending:
                    self._add_long(pending_id, pending)
                    done.add(pending_id)
                if run_id in done:
                    raise Interleaved()
                pending_id, pending = run_id, [chunk.slice(a, b - a)]
        self._add_long(pending_id, pending)

    def _add_long(self, series_id, pieces):
        table = pieces[0] if len(pieces) == 1 else pl.concat(pieces)
        ticks = self._ticks(table, series=series_id)
        covariates = self._covariates(table)
        static = [
            cov.static_value(c, table[f"__s{k}"], series_id)
            for k, c in enumerate(self.static_in_file)
        ]
        for j, column in enumerate(self.cols.targets):
            name = str(series_id) if len(self.cols.targets) == 1 else f"{series_id}/{column}"
            self._add(name, ticks, table[f"__y{j}"].to_numpy(), covariates, series_id)
            for c, value in zip(self.static_in_file, static):
                self.static_values[c].append(value)

    def _covariates(self, table):
        """float64 `[rows, C]` of the historical and future-known columns, or None."""
        if not self.covs.dynamic:
            return None
        names = [f"__c{k}" for k in range(len(self.covs.dynamic))]
        return table.select(names).to_numpy().astype(np.float64, copy=False)

    def _ticks(self, table, series):
        if "__t" not in table.columns:
            return None
        if self.raw_time is not None:
            check_parsed(self.cols.time, table[self.raw_time], table["__t"])
        ticks = table["__t"]
        if ticks.null_count():
            where = f" in series {series!r}" if series is not None else ""
            raise NHITSInputError(
                f"time column {self.cols.time!r} has {ticks.null_count()} empty values{where} "
                f"(first at row {int(ticks.is_null().arg_max())} of it); drop or fill those rows"
            )
        return ticks.to_numpy()

    # === Packing ===

    def _reserve(self, capacity):
        self.values = aligned_empty(capacity, np.float32)
        for kind, rows in self.rows.items():
            if rows is not None:
                self.rows[kind] = np.empty((capacity, rows.shape[1]), np.float32)

    def _grow(self, capacity):
        arrays = {"values": self.values, **self.rows}
        for kind, array in arrays.items():
            if array is None:
                continue
            grown = (
                aligned_empty(capacity, np.float32)
                if kind == "values"
                else np.empty((capacity, *array.shape[1:]), np.float32)
            )
            grown[: self.size] = array[: self.size]
            if kind == "values":
                self.values = grown
            else:
                self.rows[kind] = grown

    def _add_covariates(self, clean, n):
        """Writes the series' covariate rows and calendar features after the values so far."""
        at = slice(self.size, self.size + n)
        n_hist = len(self.covs.hist)
        if self.rows["hist"] is not None:
            self.rows["hist"][at] = clean.covariates[:, :n_hist]
        if self.rows["futr"] is None:
            return
        n_futr = len(self.covs.futr)
        if n_futr:
            self.rows["futr"][at, :n_futr] = clean.covariates[:, n_hist:]
        if self.covs.calendar:
            if clean.ticks is not None:
                times = clean.ticks.astype(f"datetime64[{self.unit}]")
            else:
                times = regular_times(as_time(clean.start, self.unit), clean.freq, n)
            self.rows["futr"][at, n_futr:] = calendar_features(times, self.covs.calendar)

    def _add(self, series_id, ticks, y, covariates=None, raw_id=None):
        clean = clean_series(
            series_id,
            ticks,
            y,
            unit=self.unit if ticks is not None else None,
            fill=self.fill,
            gaps=self.gaps,
            report=self.report,
            freq=self.spec,
            covariates=covariates,
            names=self.covs.dynamic,
        )
        n = len(clean.values)
        if self.size + n > len(self.values):
            # Only gaps=fill makes series longer than their rows; grow geometrically.
            self._grow(max(self.size + n, len(self.values) * 5 // 4))
        self.values[self.size : self.size + n] = clean.values
        self._add_covariates(clean, n)
        self.raw_ids.append(series_id if raw_id is None else raw_id)
        self.size += n
        if clean.ticks is not None:
            self.explicit[len(self.ids)] = clean.ticks
        self.offsets.append(self.size)
        self.ids.append(str(series_id))
        self.starts.append(clean.start)
        self.freqs.append(clean.freq)

    def finish(self):
        values = self._trimmed(self.values)
        hist, futr = (self._trimmed(self.rows[k]) for k in ("hist", "futr"))
        stat, stat_names = self._static()
        gap_fill = "interpolation" if self.fill == "error" else self.fill
        for kind, template in SUMMARIES:
            self.report.summarise(
                kind, template.replace("{fill}", self.fill).replace("{gap_fill}", gap_fill)
            )
        cols = self.cols
        layout = f"long format by {cols.id!r}" if cols.long else "wide format"
        time = f"time column {cols.time!r}" if cols.time else "no time column (row order)"
        self.report.lines.insert(
            0,
            f"loaded {len(self.ids)} series ({self.size} steps) from {self.name}: {layout}, "
            f"{time}, target {', '.join(cols.targets)}",
        )
        if hist is not None or futr is not None or stat is not None:
            self.report.lines.insert(1, _covariate_line(self.covs, stat_names))
        return SeriesSet(
            values,
            self.offsets,
            self.ids,
            self.starts,
            self.freqs,
            unit=self.unit,
            explicit_ticks=self.explicit,
            report=self.report.lines,
            columns={"time": cols.time, "id": cols.id, "targets": list(cols.targets)},
            hist_exog=hist,
            futr_exog=futr,
            stat_exog=stat,
            covariate_names={
                "hist_exog": list(self.covs.hist),
                "futr_exog": [*self.covs.futr, *self.covs.calendar],
                "stat_exog": stat_names,
            },
            calendar=self.covs.calendar,
        )

    def _trimmed(self, array):
        if array is None:
            return None
        rows = array[: self.size]
        return aligned(rows, np.float32) if len(array) > self.size * 1.1 else rows

    def _static(self):
        """(float32 `[n_series, S]`, names) of the static covariates, or (None, [])."""
        if self.covs.static is not None:
            values = cov.static_from_table(self.covs.static, self.raw_ids)
        elif self.static_values:
            values = self.static_values
        else:
            return None, []
        return cov.encode_static(values)


def _covariate_line(covs, stat_names):
    """The report's line naming the covariates of each kind."""
    parts = []
    if covs.hist:
        parts.append(f"hist_exog {', '.join(covs.hist)}")
    if covs.futr or covs.calendar:
        calendar = [f"calendar {', '.join(covs.calendar)}"] if covs.calendar else []
        parts.append(f"futr_exog {', '.join([*covs.futr, *calendar])}")
    if stat_names:
        source = "the static table" if covs.static is not None else "the data"
        parts.append(f"stat_exog {', '.join(stat_names)} (from {source})")
    return "covariates: " + "; ".join(parts)

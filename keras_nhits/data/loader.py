"""`load_series`: any supported source -> checked, repaired `SeriesSet`.

Long format is read in slices of rows (`chunk_rows`), a series at a time: each slice holds only
the id, time and target columns (the targets cast to float64 for the checks), each finished
series is checked by `clean_series` and written straight into one preallocated float32 array.
Memory therefore stays near the size of the float32 values however long the file is (the
`benchmarks/data_pipeline.py` figures). Rows of one id must be contiguous for that; when they
are interleaved (say, sorted by time first) the rows are regrouped in memory and it is reported.

Covariates (see `covariates`) are read in the same slices: historical and future-known columns
as float64 next to the target, cleaned with it (one sort, one set of inserted steps, one fill
mode) and packed into float32 `[total_steps, C]` arrays aligned with the values; calendar
features are computed from each cleaned series' times; static values are taken once per series.
"""

import polars as pl

from keras_nhits.data import covariates as cov
from keras_nhits.data.columns import ID_NAME, resolve_columns
from keras_nhits.data.frequency import parse_spec
from keras_nhits.data.series_reader import Interleaved, SeriesReader
from keras_nhits.data.sources import open_source, polars_errors
from keras_nhits.data.timeindex import time_expression
from keras_nhits.errors import NHITSInputError, check_choice, check_int
from keras_nhits.options import FILL_MODES, GAP_MODES

# Rows per slice of a long-format source: small enough to keep the slice's float64 and int64
# copies far below the float32 values, large enough that Polars' per-query cost is negligible.
CHUNK_ROWS = 50_000


def load_series(
    source,
    *,
    target="",
    time_col="",
    id_col="",
    fill="error",
    gaps="warn",
    freq="",
    chunk_rows=CHUNK_ROWS,
    hist_exog=(),
    futr_exog=(),
    stat_exog=(),
    calendar=(),
    static=None,
):
    """Reads, checks and repairs every series of `source` into a `SeriesSet`.

    Args:
        source: a CSV (also `.csv.gz`) or Parquet path, a folder or glob of such files, a Polars
            DataFrame/LazyFrame, a pandas DataFrame or a NumPy array (1-D: one series; 2-D:
            `[time, series]`).
        target: target column(s), comma-separated (`"close"` or `"a,b,c"`). Default `""`:
            `y` if present, else every numeric column that is neither time nor id.
        time_col: time column; default `""`: the first of ds, date, time, timestamp, datetime
            present (any case), else none and the rows are taken in order.
        id_col: series id column (long format); default `""`: `unique_id` if present, else the
            table is wide and each target column is one series.
        fill: missing, NaN or inf target values: `"error"` (default) raises naming the series
            and the first bad time; `"ffill"`, `"interpolate"` or `"zero"` repair and report.
        gaps: missing time steps: `"warn"` (default) reports them and keeps the observations as
            a sequence; `"error"` raises at the first gap; `"fill"` inserts the missing steps
            and fills them by `fill` (interpolation when `fill="error"`).
        freq: the step of every series (`--freq`): `"h"`, `"30min"`, `"D"`, `"B"` (business
            days), `"W"`, `"MS"`, `"ME"`, `"QS"`, `"YS"`, a Polars duration (`"15m"`, `"1mo"`)
            ...; see `keras_nhits.data.frequency`. Default `""`: inferred per series. A series
            whose own step disagrees with it is refused, naming both.
        chunk_rows: rows read per slice of a long-format source.
        hist_exog: historical covariate columns (observed up to the forecast origin), numeric.
            Wide format: shared by every series (and never detected as targets); long format:
            per row, per id. Checked and repaired like the target (`fill`, `gaps`).
        futr_exog: future-known covariate columns (known over the window and the horizon).
        stat_exog: static covariate columns, one value per series: from the data (long format;
            constant per id) or, with `static`, from that table (default: all its columns).
            Text columns become one-hot columns `"column=category"`.
        calendar: calendar features made from the time column as future-known covariates, any
            of `options.CALENDAR_FEATURES` (hour, dayofweek, ... business_day).
        static: a path or Polars DataFrame of the id column (`id_col`, `unique_id` in wide
            format, where it holds the target column names) and static columns.

    Returns:
        A `SeriesSet`; its `report` lists every repair and notice, one line each; its
        `hist_exog`, `futr_exog`, `stat_exog` and `covariate_names` hold the covariates.

    Example:
        >>> import numpy as np
        >>> series = load_series(np.arange(10.0))
        >>> series.ids, series.lengths.tolist()
        (['y'], [10])
    """
    check_choice("fill", fill, FILL_MODES)
    check_choice("gaps", gaps, GAP_MODES)
    chunk_rows = check_int("chunk_rows", chunk_rows, 1)
    spec = parse_spec(freq) if str(freq).strip() else None
    src = open_source(source, id_col=id_col)
    covariates = dict(
        hist_exog=hist_exog, futr_exog=futr_exog, stat_exog=stat_exog, calendar=calendar
    )
    schema, n_rows, cols, covs = _inspect(
        src,
        target=target,
        time_col=time_col,
        id_col=id_col,
        covariates=covariates,
        static=static,
        chunk_rows=chunk_rows,
    )
    time_expr, unit = (None, None)
    if cols.time is not None:
        time_expr, unit = time_expression(cols.time, schema[cols.time])
    if covs.calendar and unit is None:
        where = f"time column {cols.time!r} holds integer steps" if cols.time else "no time column"
        raise NHITSInputError(
            f"calendar features need dates or datetimes, but {src.name} has {where}; pass a "
            "time column of dates or datetimes, or drop calendar"
        )
    options = (cols, time_expr, unit, schema, fill, gaps, src.name, spec, covs)
    with polars_errors(src.name):
        reader = _read(src.frame, n_rows, options, chunk_rows)
    return reader.finish()


def _inspect(src, *, target, time_col, id_col, covariates, static, chunk_rows):
    """(schema, row count, resolved `Columns`, `CovariateColumns`) of a source, refusing one with
    no rows or an empty target, time or id column, and covariates that do not fit."""
    with polars_errors(src.name):
        schema = src.frame.collect_schema()
        n_rows = src.frame.select(pl.len()).collect().item()
    if n_rows == 0:
        raise NHITSInputError(f"{src.name} has no rows")
    covs = cov.covariate_columns(schema, **covariates, static=static, name=src.name)
    with polars_errors(src.name):
        cols = resolve_columns(
            schema,
            target=target,
            time_col=time_col,
            id_col=id_col,
            name=src.name,
            first_text=lambda column: _first_text(src.frame, column),
            exclude=covs.dynamic + covs.stat,
        )
        _check_not_empty(src.frame, cols, n_rows, src.name, chunk_rows)
    cov.check_roles(covs, cols, schema)
    if covs.static is not None:
        covs = cov.read_static_table(covs.static, covs, cols.id or ID_NAME)
    elif covs.stat and not cols.long:
        raise NHITSInputError(
            f"stat_exog needs one value per series, but {src.name} is in wide format (no id "
            f"column); pass static=TABLE with a {ID_NAME!r} column of the target column names"
        )
    return schema, n_rows, cols, covs


def _read(frame, n_rows, options, chunk_rows):
    """A `SeriesReader` that has read every series of `frame`; interleaved long rows are regrouped
    (and reported) and read again."""
    reader = SeriesReader(*options)
    cols = reader.cols
    if not cols.long:
        reader.read_wide(frame, n_rows)
        return reader
    try:
        reader.read_long(frame, n_rows, chunk_rows)
    except Interleaved:
        reader = SeriesReader(*options)
        reader.report.add(
            f"rows of different series were interleaved; regrouped them by {cols.id!r} "
            "(series keep the order of their first row)"
        )
        reader.read_long(_regrouped(frame, cols.id), n_rows, n_rows)
    return reader


def _first_text(frame, column):
    """`"'abc' at row 61"`: the first value of a text column that is not a number, or None."""
    row = "__nhits_row"
    value = pl.col(column)
    found = (
        frame.select(value)
        .with_row_index(row)
        .filter(value.is_not_null() & value.cast(pl.Float64, strict=False).is_null())
        .head(1)
        .collect()
    )
    if found.height == 0:
        return None
    return f"{found[column][0]!r} at row {found[row][0]}"


def _check_not_empty(frame, cols, n_rows, name, chunk_rows=CHUNK_ROWS):
    """Raises if the target, time or id column has no value in any row.

    A column almost always has a value in its first rows, so only a column that does not is
    counted over every row, in slices: one count over whole columns would decode every column
    of the file at once (about 6x the float32 values on a Parquet file of 10 M rows).
    """
    roles = {t: "target" for t in cols.targets}
    roles.update({c: role for c, role in ((cols.time, "time"), (cols.id, "id")) if c})
    seen = frame.head(chunk_rows).select(pl.col(c).is_not_null().any() for c in roles)
    for (column, role), found in zip(roles.items(), seen.collect().row(0)):
        if found or _has_value(frame, column, n_rows, chunk_rows):
            continue
        what = "valid target value" if role == "target" else "value"
        raise NHITSInputError(
            f"{role} column {column!r} of {name} has no {what}: all {n_rows} rows are empty"
        )


def _has_value(frame, column, n_rows, chunk_rows):
    """Whether `column` holds a value in any row, read a slice at a time."""
    value = pl.col(column).is_not_null().any()
    for begin in range(chunk_rows, n_rows, chunk_rows):
        if frame.slice(begin, chunk_rows).select(value).collect().item():
            return True
    return False


def _regrouped(frame, id_col):
    row = "__nhits_row"
    first_row = pl.col(row).min().over(id_col)
    return frame.with_row_index(row).sort([first_row, row]).drop(row).collect().lazy()

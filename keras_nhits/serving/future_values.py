"""The future-known covariates over the horizon, read from a user's file and checked up front.

A model trained with `--futr-exog temperature,holiday` needs those columns over the `horizon`
steps it forecasts. `predict --future FILE` (or `forecast_frame(..., future=...)`) gives them as
a table of the time column, the id column when the data is long (wide data shares its
covariates between series, so the file has none), and the columns. Every row the forecast needs
is looked up by (id, time) before the model runs, so a missing row is reported by name and
count, not as a shape error deep in the model; rows it does not need are ignored.
"""

import numpy as np
import polars as pl

from keras_nhits.data.sources import open_source, polars_errors
from keras_nhits.data.timeindex import check_parsed, time_expression, time_label
from keras_nhits.errors import NHITSInputError

# Rows shown by name when some are missing (the count says how many more).
SHOWN_ROWS = 3


def future_values(source, windows, horizon, names, *, id_col, time_col):
    """float32 `[n_series, horizon, len(names)]`: the `names` columns of `source` at each
    series' next `horizon` timestamps (`windows.future_times`).

    Args:
        source: a path (CSV, `.csv.gz`, Parquet) or a Polars/pandas DataFrame.
        windows: the `LastWindows` being forecast (ids, last times, steps).
        horizon: the model's horizon.
        names: the future-known columns the model takes (calendar features excluded).
        id_col: the data's id column, or None for wide data (one table for every series).
        time_col: the data's time column (None: the data had none, and nothing can be matched).

    Raises `NHITSInputError` naming the file and what is wrong: a missing column, text in a
    column, a time that does not parse, a row given twice, missing rows (the first few and the
    count), a value that is missing, NaN or infinite.
    """
    if not time_col:
        raise NHITSInputError(
            "future values are matched to the forecast by time, but the data has no time "
            "column; give the data a time column"
        )
    src = open_source(source, id_col=id_col or "")
    with polars_errors(src.name):
        table = src.frame.collect()
    keys = [id_col, time_col] if id_col else [time_col]
    _check_columns(table, src.name, keys, names)
    ticks, unit = _ticks(table, time_col, src.name)
    frame = pl.DataFrame({"_tick": ticks, "_present": True}).with_columns(
        table.select([pl.col(n).cast(pl.Float64) for n in names])
    )
    if id_col:
        frame = frame.with_columns(table[id_col].cast(pl.String).alias("_id"))
    _check_unique(frame, src.name, bool(id_col), unit)
    wanted = _wanted(windows, horizon, unit, bool(id_col))
    on = ["_id", "_tick"] if id_col else ["_tick"]
    found = wanted.join(frame, on=on, how="left", maintain_order="left")
    _check_found(found, src.name, names, horizon, unit)
    values = found.select(names).to_numpy().astype(np.float64)
    _check_finite(values, found, src.name, names, unit)
    return values.reshape(len(windows.ids), horizon, len(names)).astype(np.float32)


def _check_columns(table, name, keys, names):
    for column in [*keys, *names]:
        if column not in table.columns:
            role = "future-known column" if column in names else "column"
            raise NHITSInputError(
                f"future file {name} has no {role} {column!r}; it needs "
                f"{', '.join(repr(c) for c in [*keys, *names])}"
            )
    for column in names:
        dtype = table.schema[column]
        if not (dtype.is_numeric() or dtype == pl.Boolean):
            example = table[column].drop_nulls().head(1).to_list()
            shown = f", e.g. {str(example[0])[:40]!r}" if example else ""
            raise NHITSInputError(
                f"future file {name}: column {column!r} is not numeric (it holds "
                f"{dtype}{shown}); write its values as numbers"
            )


def _ticks(table, time_col, name):
    """The time column as int64 ticks in microseconds (dates and datetimes) or integer steps."""
    expression, unit = time_expression(time_col, table.schema[time_col])
    ticks = table.select(expression.alias("t"))["t"]
    check_parsed(time_col, table[time_col], ticks)
    if ticks.null_count():
        raise NHITSInputError(f"future file {name}: the time column {time_col!r} has empty rows")
    values = ticks.to_numpy().astype(np.int64)
    if unit is not None:
        values = np.asarray(values, f"datetime64[{unit}]").astype("datetime64[us]").astype(np.int64)
    return values, ("us" if unit is not None else None)


def _check_unique(frame, name, has_id, unit):
    keys = ["_id", "_tick"] if has_id else ["_tick"]
    twice = frame.group_by(keys).len().filter(pl.col("len") > 1)
    if twice.height:
        row = twice.row(0, named=True)
        where = f"series {row['_id']!r} at " if has_id else ""
        raise NHITSInputError(
            f"future file {name} has {row['len']} rows for {where}"
            f"{time_label(row['_tick'], unit)}; give each (id, time) one row"
        )


def _wanted(windows, horizon, unit, has_id):
    """The (id, tick) of every value the forecast needs, series by series, step by step."""
    times = windows.future_time_rows(horizon).reshape(-1)
    if unit is None:
        if np.issubdtype(times.dtype, np.datetime64):
            raise NHITSInputError(
                "the future file's time column holds integer steps but the data holds "
                "dates; write its times as the data does"
            )
        ticks = times.astype(np.int64)
    elif not np.issubdtype(times.dtype, np.datetime64):
        raise NHITSInputError(
            "the future file's time column holds dates but the data's times are integer "
            "steps; write its times as the data does"
        )
    else:
        ticks = times.astype("datetime64[us]").astype(np.int64)
    columns = {"_tick": ticks}
    if has_id:
        columns = {"_id": np.repeat(np.asarray(windows.ids, dtype=object), horizon), **columns}
    return pl.DataFrame(columns, schema_overrides={"_id": pl.String} if has_id else None)


def _check_found(found, name, names, horizon, unit):
    """Refuses a forecast whose needed rows are not all in the file, naming the first ones."""
    absent = found.filter(pl.col("_present").is_null())
    if not absent.height:
        return
    has_id = "_id" in absent.columns
    shown = [
        (f"{row['_id']} " if has_id else "") + time_label(row["_tick"], unit)
        for row in absent.head(SHOWN_ROWS).iter_rows(named=True)
    ]
    more = absent.height - len(shown)
    raise NHITSInputError(
        f"future file {name} lacks {absent.height} of the {found.height} rows the forecast "
        f"needs ({', '.join(names)} over each series' next {horizon} steps): "
        f"{', '.join(shown)}{f' and {more} more' if more else ''}"
    )


def _check_finite(values, found, name, names, unit):
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    row, column = np.argwhere(bad)[0]
    record = found.row(int(row), named=True)
    where = f"series {record['_id']!r} at " if "_id" in record else ""
    raise NHITSInputError(
        f"future file {name}: {names[column]!r} is missing, NaN or infinite at {where}"
        f"{time_label(record['_tick'], unit)} ({int(bad.any(axis=1).sum())} rows in all); "
        "give every future value"
    )

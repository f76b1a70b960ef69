"""Covariate columns: naming and checking them, encoding static values, training statistics.

Three kinds, as `NHITS(hist_exog=, futr_exog=, stat_exog=)` takes them:

* historical (`hist_exog`): observed up to the forecast origin; a window carries its input part.
* future-known (`futr_exog`, plus the `calendar` features made from the time column): known over
  the input window and the horizon; a window carries both parts.
* static (`stat_exog`): one value per series, from the data file (long format: constant within
  each id, else refused naming the id) or from a separate table of the id column and the static
  columns (`static=`).

Historical and future-known columns must be numeric (a Boolean is 0/1); they are checked and
repaired with the target (see `cleaning`). A static text column becomes one 0/1 column per
category (`"sector=tech"`), its categories sorted: the model takes static covariates as float
columns scaled by training statistics, so a one-hot needs no change to the model or to its saved
formats, and the names record the vocabulary; static categories (a sector, a region) are few,
so the width stays small. An embedding would need integer inputs, a vocabulary saved with the
model and a new layer. Beyond `MAX_STATIC_CATEGORIES` categories the column is refused.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from keras_nhits.data.calendar import check_calendar
from keras_nhits.data.columns import existing_column
from keras_nhits.data.sources import open_source, polars_errors
from keras_nhits.errors import NHITSInputError, name_list
from keras_nhits.options import MAX_STATIC_CATEGORIES

KINDS = ("hist_exog", "futr_exog", "stat_exog")


@dataclass(frozen=True)
class CovariateColumns:
    """The covariate columns of a load: `hist`, `futr` and `stat` column names, the `calendar`
    features, and `static`: the static table (a path or Polars DataFrame as given, then, after
    `read_static_table`, a DataFrame of `__id` and the static columns), or None when the static
    values come from the data file."""

    hist: tuple = ()
    futr: tuple = ()
    stat: tuple = ()
    calendar: tuple = ()
    static: object = None

    @property
    def dynamic(self):
        """The per-row columns read from the data file: historical, then future-known."""
        return self.hist + self.futr


def _names(value, kind):
    """A tuple of column names from a tuple/list or a comma-separated string, duplicates
    dropped."""
    if isinstance(value, str):
        value = value.split(",")
    try:
        names = [str(v).strip() for v in value]
    except TypeError:
        raise NHITSInputError(
            f"{kind} must be a tuple of column names; received {type(value).__name__}"
        ) from None
    return tuple(dict.fromkeys(n for n in names if n))


def covariate_columns(schema, *, hist_exog, futr_exog, stat_exog, calendar, static, name):
    """The `CovariateColumns` asked for, each name checked: every column exists in the data
    (static columns in the static table when there is one) and none is named as two kinds.
    Roles (target, time, id) and types are checked by `check_roles` once the roles are known."""
    given = {
        "hist_exog": _names(hist_exog, "hist_exog"),
        "futr_exog": _names(futr_exog, "futr_exog"),
        "stat_exog": _names(stat_exog, "stat_exog"),
    }
    calendar = check_calendar(_names(calendar, "calendar"))
    seen = {}
    for kind, names in given.items():
        for column in names:
            if column in seen:
                raise NHITSInputError(
                    f"column {column!r} is named as both {seen[column]} and {kind}; give each "
                    "covariate one kind"
                )
            seen[column] = kind
    for column in given["futr_exog"]:
        if column in calendar:
            raise NHITSInputError(
                f"futr_exog column {column!r} has the name of calendar feature {column!r}; "
                "rename the column or drop the feature from calendar"
            )
    names = list(schema.names())
    in_file = ("hist_exog", "futr_exog") if static is not None else KINDS
    for kind in in_file:
        for column in given[kind]:
            existing_column(column, kind, names, name)
    # A static table is read by `read_static_table` once the id column is known.
    return CovariateColumns(
        hist=given["hist_exog"],
        futr=given["futr_exog"],
        stat=given["stat_exog"],
        calendar=calendar,
        static=static,
    )


def _check_numeric(dtype, column, kind):
    if not (dtype.is_numeric() or dtype == pl.Boolean):
        holds = "text" if dtype in (pl.String, pl.Categorical) else f"type {dtype}"
        raise NHITSInputError(
            f"{kind} column {column!r} is not numeric (it holds {holds}); only static "
            "covariates (stat_exog) may be text: encode it as numbers or make it static"
        )


def check_roles(covs, cols, schema):
    """Refuses a covariate that is also the target, time or id column, and a historical or
    future-known column that is not numeric."""
    roles = {t: "target" for t in cols.targets}
    roles.update({c: role for c, role in ((cols.time, "time"), (cols.id, "id")) if c})
    for kind, names in (("hist_exog", covs.hist), ("futr_exog", covs.futr)):
        for column in names:
            if column in roles:
                raise NHITSInputError(
                    f"{kind} column {column!r} is also the {roles[column]} column; a covariate "
                    "must be another column"
                )
    if covs.static is None:
        for column in covs.stat:
            if column in roles:
                raise NHITSInputError(
                    f"stat_exog column {column!r} is also the {roles[column]} column; a "
                    "covariate must be another column"
                )
    for kind, names in (("hist_exog", covs.hist), ("futr_exog", covs.futr)):
        for column in names:
            _check_numeric(schema[column], column, kind)


def read_static_table(static, covs, id_name):
    """`covs` with its static table read and checked: the `id_name` column present and unique,
    the static columns (every other column when `stat_exog` names none) present."""
    with polars_errors(str(static) if not isinstance(static, pl.DataFrame) else "static"):
        src = open_source(static, id_col=id_name)
        table = src.frame.collect()
    where = f"the static table {src.name}"
    existing_column(id_name, "id_col", table.columns, where)
    stat = covs.stat or tuple(c for c in table.columns if c != id_name)
    if not stat:
        raise NHITSInputError(f"{where} has no static column besides {id_name!r}; add one")
    for column in stat:
        if column == id_name:
            raise NHITSInputError(
                f"stat_exog column {column!r} is the id column of {where}; name another column"
            )
        existing_column(column, "stat_exog", table.columns, where)
    ids = table[id_name].cast(pl.String)
    repeated = ids.filter(ids.is_duplicated())
    if repeated.len():
        raise NHITSInputError(
            f"{where} has several rows for id {repeated[0]!r}; keep one row per series"
        )
    table = table.select(ids.alias("__id"), *stat)
    return CovariateColumns(covs.hist, covs.futr, stat, covs.calendar, table)


def static_value(column, values, series_id):
    """The one value of static `column` in the rows of one series; raises naming the id when it
    varies or is empty."""
    distinct = values.unique(maintain_order=True)
    if distinct.len() > 1:
        shown = name_list([repr(v) for v in distinct.to_list()], limit=3)
        raise NHITSInputError(
            f"static column {column!r} varies within series {series_id!r} ({shown}); a static "
            "covariate needs one value per series: use hist_exog or futr_exog for it"
        )
    return _present(column, distinct[0], series_id)


def _present(column, value, series_id):
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        raise NHITSInputError(
            f"static column {column!r} is missing (null, NaN or inf) for series {series_id!r}; "
            "give every series a value"
        )
    return value


def static_from_table(table, raw_ids):
    """`{column: [value per series]}` from the static table, for the series' ids `raw_ids`."""
    index = {key: k for k, key in enumerate(table["__id"].to_list())}
    rows = []
    for series_id in raw_ids:
        k = index.get(str(series_id))
        if k is None:
            raise NHITSInputError(
                f"the static table has no row for series {series_id!r}; add one (its id column "
                "must hold every series id)"
            )
        rows.append(k)
    picked = table[rows]
    columns = [c for c in table.columns if c != "__id"]
    return {c: [_present(c, v, s) for v, s in zip(picked[c].to_list(), raw_ids)] for c in columns}


def encode_static(values):
    """(float32 `[n_series, S]`, the S column names) from `{column: [value per series]}`:
    numbers as they are, text one-hot (`"column=category"`, categories sorted)."""
    blocks, names = [], []
    for column, column_values in values.items():
        if all(isinstance(v, (int, float, bool, np.number)) for v in column_values):
            blocks.append(np.asarray(column_values, np.float64)[:, None])
            names.append(column)
            continue
        text = [str(v) for v in column_values]
        categories = sorted(set(text))
        if len(categories) > MAX_STATIC_CATEGORIES:
            raise NHITSInputError(
                f"static column {column!r} has {len(categories)} categories, more than the "
                f"{MAX_STATIC_CATEGORIES} one-hot columns allowed; group its rare values or "
                "encode it as a number"
            )
        codes = np.searchsorted(categories, text)
        blocks.append(np.eye(len(categories))[codes])
        names.extend(f"{column}={c}" for c in categories)
    return np.concatenate(blocks, axis=1).astype(np.float32), names


def covariate_statistics(splits):
    """`{"hist": (mean, std), "futr": ..., "stat": ...}` per channel (float64) over the rows the
    training windows see, each row once: `[start, start + input_size)` for historical,
    `[start, start + input_size + horizon)` for future-known covariates, and the rows of the
    series with training windows for static ones. Only the kinds present are returned, so
    `model.set_covariate_statistics(**covariate_statistics(splits))` sets them all."""
    series, starts = splits.series, np.asarray(splits.train, np.int64)
    out = {}
    spans = (("hist", series.hist_exog, splits.input_size),)
    spans += (("futr", series.futr_exog, splits.input_size + splits.horizon),)
    for kind, array, span in spans:
        if array is not None:
            rows = _covered(len(series.values), starts, span)
            out[kind] = _moments(array[rows])
    if series.stat_exog is not None:
        which = np.unique(np.searchsorted(series.offsets, starts, side="right") - 1)
        out["stat"] = _moments(series.stat_exog[which])
    return out


def _covered(n, starts, span):
    """bool `[n]`: the rows inside at least one window `[start, start + span)`."""
    edges = np.zeros(n + 1, np.int64)
    np.add.at(edges, starts, 1)
    np.add.at(edges, starts + span, -1)
    return np.cumsum(edges[:-1]) > 0


def _moments(rows):
    rows = rows.astype(np.float64)
    return rows.mean(axis=0), rows.std(axis=0)

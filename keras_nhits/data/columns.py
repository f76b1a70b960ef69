"""Choosing the time, id and target columns of a table, from flags or by convention.

Wide format: a time column and one or several target columns, each target column one series.
Long format: an id column, a time column and the target(s), one series per id (per target).
Names left empty are detected: the time column is the first of ds/date/time/timestamp/datetime
present (any case), else there is none and rows are taken in order; the id column is `unique_id`
if present, else the table is wide; the target is `y` if present, else every numeric column that
is neither time nor id (nor a column without a name, such as the index pandas writes).
Messages name at most `SHOWN_COLUMNS` columns ("a, b, c and 99997 more").
"""

import difflib
from dataclasses import dataclass

import polars as pl

from keras_nhits.errors import NHITSInputError, name_list

TIME_NAMES = ("ds", "date", "time", "timestamp", "datetime")
ID_NAME = "unique_id"
TARGET_NAME = "y"
# How many column names a message lists before "and N more".
SHOWN_COLUMNS = 10


@dataclass(frozen=True)
class Columns:
    """The resolved columns: `time` and `id` may be None (row order; wide format)."""

    time: str | None
    id: str | None
    targets: tuple

    @property
    def long(self):
        return self.id is not None


def resolve_columns(
    schema,
    *,
    target="",
    time_col="",
    id_col="",
    name="the data",
    first_text=None,
    exclude=(),
):
    """Returns the `Columns` of a table with `schema`, checking that each exists and fits.

    `first_text(column)`, when given, describes the first value of a text column that is not a
    number (`"'abc' at row 61"`), for the message that refuses a non-numeric target. Columns in
    `exclude` (the covariates) are not taken among "every numeric column"; a `y` column is still
    the target (and then refused as a covariate by the loader).
    """
    names = list(schema.names())
    time = _existing(time_col, "time_col", names, name) if time_col else _detect_time(names)
    ident = _existing(id_col, "id_col", names, name) if id_col else _detect_id(names)
    if time is not None and time == ident:
        raise NHITSInputError(f"time_col and id_col are both {time!r}; they must differ")

    others = [n for n in names if n not in (time, ident)]
    if target:
        targets = [t.strip() for t in target.split(",") if t.strip()]
        if not targets:
            raise NHITSInputError(
                f"target {target!r} names no column; columns are: {_listed(names)}"
            )
        targets = [_existing(t, "target", names, name) for t in dict.fromkeys(targets)]
        for t in targets:
            if t in (time, ident):
                role = "time" if t == time else "id"
                raise NHITSInputError(
                    f"target column {t!r} is also the {role} column; choose another target"
                )
    elif TARGET_NAME in others:
        targets = [TARGET_NAME]
    else:
        # A column without a name is an index written along (pandas' to_csv), not a series.
        targets = [n for n in others if n.strip() and _numeric(schema[n]) and n not in exclude]
        if not targets:
            raise NHITSInputError(
                f"{name} has no numeric target column; columns are: {_listed(names)}; "
                "pass target=NAME"
            )
    for t in targets:
        if not _numeric(schema[t]):
            example = first_text(t) if first_text and schema[t] == pl.String else None
            holds = f"it holds text, e.g. {example}" if example else f"its type is {schema[t]}"
            raise NHITSInputError(
                f"target column {t!r} is not numeric: {holds}; choose a numeric column or clean "
                "its values"
            )
    return Columns(time=time, id=ident, targets=tuple(targets))


def _numeric(dtype):
    return dtype.is_numeric() and dtype != pl.Boolean


def existing_column(column, flag, names, name):
    """`column` if it is among `names`, else raises naming `flag` and the closest column."""
    return _existing(column, flag, names, name)


def _existing(column, flag, names, name):
    if column in names:
        return column
    hint = ""
    by_case = [n for n in names if n.lower() == column.lower()]
    close = by_case or difflib.get_close_matches(column, names, n=1)
    if close:
        hint = f" (did you mean {close[0]!r}?)"
    raise NHITSInputError(
        f"{flag} column {column!r} not found in {name}{hint}; columns are: {_listed(names)}"
    )


def _listed(names):
    return name_list(names, limit=SHOWN_COLUMNS)


def id_column(names, id_col=""):
    """The id column among `names` as `resolve_columns` will choose it, or None.

    For readers that must know it before the types are inferred (a CSV's ids are read as text).
    """
    if id_col:
        return id_col if id_col in names else None
    return _detect_id(names)


def _detect_time(names):
    lower = {n.lower(): n for n in reversed(names)}
    for candidate in TIME_NAMES:
        if candidate in lower:
            return lower[candidate]
    return None


def _detect_id(names):
    lower = {n.lower(): n for n in reversed(names)}
    return lower.get(ID_NAME)

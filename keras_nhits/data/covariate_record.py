"""What a trained model needs to know about its covariates to forecast again.

Training writes `covariate_record(series)` into the run record (`config.json`, section
`data.covariates`; export copies it into the SavedModel's `keras_nhits.json`). Predict reads it
back with `read_covariate_record`: the historical and future-known columns to read from the
data, the calendar features to compute, and the static covariates of every series as the model
saw them. Static values travel as numbers, already encoded (a text column's one-hot columns),
because a new file's categories could encode differently and silently change what the model
sees.
"""

import numpy as np

from keras_nhits.data.calendar import check_calendar
from keras_nhits.errors import NHITSInputError, name_list

# The keys of the record and the load_series keyword each one becomes.
_READ_KEYS = ("hist_exog", "futr_exog", "calendar")


def covariate_record(series_set):
    """The record of `series_set`'s covariates (a JSON-ready dict; `{}` without any).

    `futr_exog` lists the columns read from the data (the calendar features, computed from the
    time column, are listed under `calendar`); `stat_exog` the model's static columns and
    `static_values` each series' row of them.
    """
    if not series_set.has_covariates:
        return {}
    names = series_set.covariate_names
    calendar = list(series_set.calendar)
    futr = list(names["futr_exog"])
    record = {
        "hist_exog": list(names["hist_exog"]),
        "futr_exog": futr[: len(futr) - len(calendar)],
        "calendar": calendar,
        "stat_exog": list(names["stat_exog"]),
    }
    if series_set.stat_exog is not None:
        rows = series_set.stat_exog.astype(np.float64).tolist()
        record["static_values"] = dict(zip(series_set.ids, rows))
    return record


def read_covariate_record(record, source):
    """The covariate record in `record` (a run's `data.covariates`), checked; `{}` for none.

    Raises `NHITSInputError` naming `source` when a field has the wrong JSON type.
    """
    if record in (None, {}):
        return {}
    if not isinstance(record, dict):
        raise NHITSInputError(f"{source}: data.covariates must be a JSON object")
    out = {}
    for key in (*_READ_KEYS, "stat_exog"):
        names = record.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise NHITSInputError(f"{source}: data.covariates.{key} must be a list of names")
        out[key] = names
    out["calendar"] = list(check_calendar(out["calendar"]))
    values = record.get("static_values", {})
    width = len(out["stat_exog"])
    if not isinstance(values, dict) or (width and not values):
        raise NHITSInputError(f"{source}: data.covariates.static_values must map ids to rows")
    for series_id, row in values.items():
        if not _numbers(row, width):
            raise NHITSInputError(
                f"{source}: data.covariates.static_values[{series_id!r}] must be {width} numbers"
            )
    out["static_values"] = values
    return out


def _numbers(row, width):
    return (
        isinstance(row, list)
        and len(row) == width
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row)
        and bool(np.isfinite(np.asarray(row, np.float64)).all())
    )


def reader_covariates(record):
    """The `load_series` keywords that read the record's covariates from a data file (the
    static ones come from the record itself: see `with_recorded_static`)."""
    return {key: tuple(record.get(key, ())) for key in _READ_KEYS}


def with_recorded_static(series_set, record):
    """`series_set` with the static covariates the run recorded for each of its series.

    Raises `NHITSInputError` naming the series the run has no static values for.
    """
    names = record.get("stat_exog", [])
    if not names:
        return series_set
    values = record["static_values"]
    unknown = [i for i in series_set.ids if i not in values]
    if unknown:
        raise NHITSInputError(
            f"series {name_list(unknown)} not seen in training: the model's static covariates "
            f"({', '.join(names)}) are known for the run's series only"
        )
    rows = np.asarray([values[i] for i in series_set.ids], np.float32)
    return series_set.with_static(rows, names)

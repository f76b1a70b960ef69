"""Calendar features from timestamps: future-known covariates the data itself determines.

`calendar_features(times, names)` turns datetimes into float32 columns, one per feature, in the
order named. They are plain integers as floats (hour 0-23, dayofweek 0 = Monday ... 6,
dayofmonth 1-31, month 1-12, dayofyear 1-366, weekofyear the ISO week 1-53, business_day 1 on
Monday to Friday, else 0): the model scales every covariate channel by its training statistics,
so no fixed scaling is applied here. Being functions of the time alone, they are known over the
horizon too: `calendar_features(future_times(...), names)` gives the forecast's own values.
"""

import numpy as np

from keras_nhits.errors import NHITSInputError
from keras_nhits.options import CALENDAR_FEATURES


def check_calendar(names):
    """`names` (a tuple of feature names) checked against `CALENDAR_FEATURES`, duplicates
    dropped; raises naming the first unknown one."""
    names = tuple(dict.fromkeys(str(n).strip() for n in names))
    for name in names:
        if name not in CALENDAR_FEATURES:
            raise NHITSInputError(
                f"calendar feature {name!r} is unknown; choose from {', '.join(CALENDAR_FEATURES)}"
            )
    return names


def calendar_features(times, names):
    """float32 `[len(times), len(names)]`: the calendar features `names` of `times`.

    Args:
        times: a `datetime64` array (any unit).
        names: feature names from `CALENDAR_FEATURES`.

    Example:
        >>> calendar_features(np.array(["2024-01-01T13:00"], "datetime64[m]"), ("hour", "month"))
        array([[13.,  1.]], dtype=float32)
    """
    names = check_calendar(names)
    times = np.asarray(times)
    if not np.issubdtype(times.dtype, np.datetime64):
        raise NHITSInputError(
            f"calendar features need datetimes; received {times.dtype} (integer steps or the "
            "row order have no calendar): pass a time column of dates or datetimes"
        )
    out = np.empty((len(times), len(names)), np.float32)
    days = times.astype("datetime64[D]")
    for k, name in enumerate(names):
        out[:, k] = _FEATURES[name](times, days)
    return out


def _weekday(days):
    # 1970-01-01 was a Thursday: Monday = 0.
    return (days.astype(np.int64) + 3) % 7


def _day_of_year(days):
    return (days - days.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) + 1


def _iso_week(days):
    # The ISO week of a day is the week of its week's Thursday, counted in that Thursday's year.
    thursday = days - _weekday(days) + 3
    first = thursday.astype("datetime64[Y]").astype("datetime64[D]")
    return (thursday - first).astype(np.int64) // 7 + 1


_FEATURES = {
    "hour": lambda t, d: (t - d).astype("timedelta64[h]").astype(np.int64),
    "dayofweek": lambda t, d: _weekday(d),
    "dayofmonth": lambda t, d: (
        (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    ),
    "month": lambda t, d: d.astype("datetime64[M]").astype(np.int64) % 12 + 1,
    "dayofyear": lambda t, d: _day_of_year(d),
    "weekofyear": lambda t, d: _iso_week(d),
    "business_day": lambda t, d: np.is_busday(d).astype(np.int64),
}

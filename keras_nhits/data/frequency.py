"""Steps of a time index as the user writes them (`--freq`), and back to text.

A step (a series' frequency) is one of:

- `np.timedelta64` in a fixed unit (`"h"`, `"m"`, `"D"` ...): hourly, 15 minutes, daily, weekly;
- `np.timedelta64(k, "M")`: k calendar months (monthly, quarterly = 3, yearly = 12);
- `BusinessDay()`: one business day (Monday to Friday; Friday + 1 is Monday);
- an int: integer steps (an integer time column, or the row order);
- None: unknown (a series with a single timestamp).

`parse_freq` reads the spellings below; `freq_name` writes a step back in them, and `str()` of
each step (NumPy's `"1 hours"`, `"B"`, `"3"`) is also read back, so the steps a run records in
its config.json can be restored.

Accepted spellings (an optional whole multiple in front: `2h`, `30min`, `3MS`; not for `B`):

- pandas aliases: `ns`, `us`, `ms`, `s`, `min`, `h` (or `H`), `D`, `B` (business days), `W`
  (weekly, any weekday), `W-MON` ... `W-SUN` (weekly on that weekday), `MS` / `ME` (month
  starts / ends), `QS` / `QE` (every 3 months on the 1st / the last day of a month), `YS` / `YE`
  (every 12 months, likewise);
- Polars durations: `ns`, `us`, `ms`, `s`, `m`, `h`, `d`, `w`, `mo`, `q`, `y`, combinations of
  fixed units (`1h30m`), and `i` for integer steps (`1i`).

Month-based steps follow the anchor of the data (the 1st, the last day, or the same day each
month); `MS`/`QS`/`YS` and `ME`/`QE`/`YE` also require it (the quarter's or year's first month is
the data's, as are `W`'s weekday and the time of day). `M` and `T` are refused as ambiguous.
"""

import re
from dataclasses import dataclass

import numpy as np

from keras_nhits.errors import NHITSInputError


@dataclass(frozen=True)
class BusinessDay:
    """The step of one business day (Monday to Friday; Friday + 1 is Monday), e.g. trading days.

    Example:
        >>> str(BusinessDay())
        'B'
    """

    def __str__(self):
        return "B"


@dataclass(frozen=True)
class FreqSpec:
    """A parsed `--freq`: its step, the anchor it requires, and the text it came from.

    `anchor` is None, `"start"` (1st of the month), `"end"` (last day of the month) or a weekday
    (0 = Monday ... 6 = Sunday).
    """

    step: object
    anchor: object
    text: str


# === Parsing ===

_FIXED = {
    "ns": "ns",
    "us": "us",
    "ms": "ms",
    "s": "s",
    "min": "m",
    "m": "m",
    "h": "h",
    "H": "h",
    "d": "D",
    "D": "D",
    "w": "W",
    "W": "W",
}
_MONTHS = {"mo": (1, None), "q": (3, None), "y": (12, None)}
_MONTHS.update({"MS": (1, "start"), "ME": (1, "end"), "QS": (3, "start"), "QE": (3, "end")})
_MONTHS.update({"YS": (12, "start"), "YE": (12, "end")})
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# NumPy's str() of a timedelta64, e.g. "1 hours", "30 minutes", "3 months".
_NUMPY_UNITS = {
    "nanoseconds": "ns",
    "microseconds": "us",
    "milliseconds": "ms",
    "seconds": "s",
    "minutes": "m",
    "hours": "h",
    "days": "D",
    "weeks": "W",
    "months": "M",
}
_PART = re.compile(r"(\d*)([A-Za-z]+)")
_NUMPY = re.compile(r"(\d+) ([a-z]+)")

SPELLINGS = (
    "a pandas alias (h, 30min, D, B, W, W-MON, MS, ME, QS, QE, YS, YE) or a Polars duration "
    "(30s, 15m, 1h, 2d, 1w, 1mo, 1q, 1y, 1i); '' infers it per series"
)


def parse_freq(text):
    """The step written as `text` (see the module docstring), e.g. `"1h"` -> `timedelta64(1,'h')`.

    Raises NHITSInputError naming `--freq` and the accepted spellings for anything else.

    Example:
        >>> parse_freq("MS"), parse_freq("B"), parse_freq("90min")
        (np.timedelta64(1,'M'), BusinessDay(), np.timedelta64(90,'m'))
    """
    return parse_spec(text).step


def parse_spec(text):
    """`parse_freq` with the anchor the spelling requires: a `FreqSpec`."""
    raw = str(text).strip()
    spec = _parse(raw)
    if spec is None and raw in ("M", "T"):
        raise NHITSInputError(
            f"--freq {raw!r} is ambiguous; write MS or ME (month starts/ends), 1mo (months) or "
            "min (minutes)"
        )
    if spec is None:
        raise NHITSInputError(f"--freq {raw!r} is not a step; write {SPELLINGS}")
    return FreqSpec(*spec, raw)


def _parse(text):
    """(step, anchor) for `text`, or None when it is not a spelling of a step."""
    if re.search(r"(?<!\d)0+(?!\d)", text):
        return None  # a zero step ("0h", "0 hours")
    if re.fullmatch(r"\d+", text):
        return int(text), None
    numpy_form = _NUMPY.fullmatch(text)
    if numpy_form and numpy_form[2] in _NUMPY_UNITS:
        return np.timedelta64(int(numpy_form[1]), _NUMPY_UNITS[numpy_form[2]]), None
    weekly = re.fullmatch(r"(\d*)W-([A-Z]{3})", text)
    if weekly and weekly[2] in _WEEKDAYS:
        return np.timedelta64(7 * int(weekly[1] or 1), "D"), _WEEKDAYS.index(weekly[2])
    parts = _PART.findall(text)
    if not parts or "".join(a + b for a, b in parts) != text:
        return None
    if len(parts) == 1:
        k, unit = int(parts[0][0] or 1), parts[0][1]
        if unit == "B":
            return (BusinessDay(), None) if parts[0][0] in ("", "1") else None
        if unit == "i":
            return k, None
        if unit in _MONTHS:
            months, anchor = _MONTHS[unit]
            return np.timedelta64(k * months, "M"), anchor
    total = np.timedelta64(0, "ns")
    for count, unit in parts:
        if unit not in _FIXED or (len(parts) > 1 and not count):
            return None
        total = total + np.timedelta64(int(count or 1), _FIXED[unit])
    return coarsest(total), None


def coarsest(step):
    """A fixed timedelta64 in the coarsest unit that holds it exactly (1 h, not 3.6e12 ns)."""
    for unit in ("D", "h", "m", "s", "ms", "us", "ns"):
        candidate = step.astype(f"timedelta64[{unit}]")
        if candidate == step:
            return candidate
    return step


# === Comparing and writing ===


def step_kind(freq):
    """`"business"`, `"calendar"` (months), `"fixed"` (a timedelta), `"int"` or None."""
    if freq is None:
        return None
    if isinstance(freq, BusinessDay):
        return "business"
    if isinstance(freq, np.timedelta64):
        return "calendar" if np.datetime_data(freq.dtype)[0] in ("M", "Y") else "fixed"
    return "int"


def same_step(a, b):
    """True when `a` and `b` are the same step (1 h == 60 min; a month is never 30 days)."""
    kind = step_kind(a)
    if kind != step_kind(b):
        return False
    return kind in (None, "business") or bool(a == b)


_NAMES = (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def freq_name(freq):
    """A step as short text that `parse_freq` reads back: `"1h"`, `"15m"`, `"1mo"`, `"B"` ..."""
    if freq is None:
        return "unknown"
    kind = step_kind(freq)
    if kind == "business":
        return str(freq)
    if kind == "int":
        return f"{int(freq)}i"
    if kind == "calendar":
        months = int(freq.astype("timedelta64[M]").astype(np.int64))
        for name, size in (("y", 12), ("q", 3), ("mo", 1)):
            if months % size == 0:
                return f"{months // size}{name}"
    ns = int(freq.astype("timedelta64[ns]").astype(np.int64))
    for name, seconds in _NAMES:
        if ns % (seconds * 10**9) == 0:
            return f"{ns // (seconds * 10**9)}{name}"
    for name, size in (("ms", 10**6), ("us", 10**3), ("ns", 1)):
        if ns % size == 0:
            return f"{ns // size}{name}"
    return str(freq)

"""The quantiles a probabilistic model emits, from `--quantiles` or `--level`, and their names.

Two conventions, as users know them from neuralforecast: `--quantiles 0.1,0.9` names quantile
levels in (0, 1); `--level 80,90` names central intervals in percent, each two quantiles
(`lo-80` = 0.1, `hi-80` = 0.9). Either way the median (0.5) is added: it is the point forecast
of a probabilistic model, the `forecast` column. No import beyond `errors`, so a config checks
these before Keras loads.
"""

import math

from keras_nhits.errors import NHITSInputError, check_number, short_repr

MEDIAN = 0.5
MAX_QUANTILES = 99
# Two quantiles closer than this are the same one (0.1 and 0.1000000001 from float arithmetic).
TOLERANCE = 1e-9


def parse_numbers(value, name):
    """`"0.1,0.9"` (the CLI form) or a sequence of numbers as a tuple of floats, unsorted."""
    if isinstance(value, str):
        parts = [p for p in value.replace(" ", "").split(",") if p]
        try:
            return tuple(float(p) for p in parts)
        except ValueError:
            raise NHITSInputError(
                f"{name} must be comma-separated numbers such as '0.1,0.5,0.9'; received {value!r}"
            ) from None
    if not isinstance(value, (tuple, list)):
        raise NHITSInputError(
            f"{name} must be a list of numbers such as [0.1, 0.9] or a text such as '0.1,0.9'; "
            f"received {short_repr(value)}"
        )
    return tuple(float(check_number(name, v, -math.inf)) for v in value)


def parse_quantiles(value, name="quantiles"):
    """The quantile levels of `value`, each in (0, 1), none twice, sorted, the median added.

    Returns `()` for an empty value (a point model).
    """
    numbers = parse_numbers(value, name)
    if not numbers:
        return ()
    for q in numbers:
        check_number(name, q, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    _refuse_duplicates(name, numbers)
    if len(numbers) > MAX_QUANTILES:
        raise NHITSInputError(
            f"{name} holds at most {MAX_QUANTILES} values; received {len(numbers)}"
        )
    if not any(abs(q - MEDIAN) < TOLERANCE for q in numbers):
        numbers = (*numbers, MEDIAN)
    return tuple(sorted(round(q, 10) for q in numbers))


def parse_levels(value, name="level"):
    """The interval levels of `value` in percent, each in (0, 100), none twice, sorted."""
    numbers = parse_numbers(value, name)
    for level in numbers:
        check_number(name, level, 0.0, 100.0, low_inclusive=False, high_inclusive=False)
    _refuse_duplicates(name, numbers)
    return tuple(sorted(_whole(level) for level in numbers))


def level_bounds(level):
    """The quantile levels of the central interval at `level` %: 80 -> (0.1, 0.9), both
    rounded to 10 decimals as `parse_quantiles` rounds the model's."""
    level = check_number("level", level, 0.0, 100.0, low_inclusive=False, high_inclusive=False)
    low = round((1.0 - level / 100.0) / 2.0, 10)
    return low, round(1.0 - low, 10)


def level_quantiles(levels):
    """The quantiles of central intervals at `levels` (percent), with the median: 80 -> 0.1,
    0.5, 0.9."""
    bounds = [q for level in levels for q in level_bounds(level)]
    return parse_quantiles(bounds) if bounds else ()


def quantile_text(q):
    """The shortest text of a quantile level, its name in columns and JSON keys: 0.1 -> `0.1`,
    0.025 -> `0.025`; rounded to 10 decimals, so 0.1 + 1e-12 from float arithmetic is `0.1`."""
    return repr(round(float(q), 10))


def level_text(level):
    """80 -> `80`, 97.5 -> `97.5`."""
    return str(_whole(level))


def quantile_columns(quantiles, levels=()):
    """`{column: quantile}` of the forecast columns besides `forecast` (the median).

    With `levels` (the run was trained with `--level`) the columns are `forecast-lo-80`,
    `forecast-hi-80`, ...; otherwise `forecast-q0.1`, ... for each quantile but the median.
    Ordered as the quantiles.
    """
    if levels:
        names = {}
        for level in levels:
            low, high = level_bounds(level)
            names[low] = f"forecast-lo-{level_text(level)}"
            names[high] = f"forecast-hi-{level_text(level)}"
        return {names[q]: q for q in sorted(names)}
    return {f"forecast-q{quantile_text(q)}": q for q in quantiles if abs(q - MEDIAN) >= TOLERANCE}


def median_index(quantiles):
    """The position of 0.5 in `quantiles` (which always hold it)."""
    for i, q in enumerate(quantiles):
        if abs(q - MEDIAN) < TOLERANCE:
            return i
    raise NHITSInputError(f"quantiles {list(quantiles)} lack the median 0.5")


def _refuse_duplicates(name, numbers):
    ordered = sorted(numbers)
    for a, b in zip(ordered, ordered[1:]):
        if b - a < TOLERANCE:
            raise NHITSInputError(f"{name} lists {a:g} twice; give each value once")


def _whole(number):
    return int(number) if float(number).is_integer() else float(number)

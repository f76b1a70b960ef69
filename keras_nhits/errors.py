"""The package's error types (bad user input, a failed run) and the argument checks that raise them.

Every problem a user can fix (a missing column, a NaN in the target, a flag value out of range, an
unreadable or tampered file) is raised as `NHITSInputError` with a one-line message that names the
column, series, file or flag and, where there is one, the fix. It subclasses `ValueError`, so code
that already catches `ValueError` keeps working, and the CLI turns it into one line on stderr and
exit code 2.

`check_int`, `check_number` and `check_choice` are the one copy of the argument checks: the config
dataclasses, the layers and the data functions (`load_series`, `prepare_splits`, `make_dataset`)
call them, so a bad value reads the same wherever it is caught. They take NumPy scalars as well
as Python numbers, return the value as a Python one, and import nothing heavy (`numbers` knows
NumPy's types without NumPy being imported here).
"""

import difflib
import math
import numbers

from keras_nhits.options import MAX_COUNT

# The longest message an error keeps: lists of columns or ids are summarised where they are
# written, and this cap is the safety net for anything else taken from a user's file (a column
# name of a megabyte, a 100,000-column header) so that the one line stays readable.
MAX_MESSAGE = 500


class NHITSInputError(ValueError):
    """Bad user input, described in one line (column, series, row, file or flag named)."""

    def __init__(self, message):
        # One line, always: the CLI prints `str(error)` as is.
        line = " ".join(str(message).split())
        if len(line) > MAX_MESSAGE:
            line = line[: MAX_MESSAGE - 1].rstrip() + "…"
        super().__init__(line)


class NHITSTrainingError(RuntimeError):
    """Training could not finish (the loss became NaN); the last good checkpoint is kept. The
    CLI prints it as `error: ...` with exit code 1: the input was valid, the run failed."""


def short_repr(value):
    """`repr(value)` cut to 60 characters; a huge int is shown by its magnitude (a float
    overflows and `str` refuses 4,300 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        digits = int(abs(value).bit_length() * math.log10(2))
        return f"about {'-' if value < 0 else ''}1e{digits}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_choice(name, value, choices):
    """Refuses a `value` that is not one of `choices`, listing them; returns it."""
    if not isinstance(value, str) or value not in choices:
        raise NHITSInputError(
            f"{name} must be one of {', '.join(choices)}; received {short_repr(value)}"
        )
    return value


def check_int(name, value, low, high=MAX_COUNT):
    """Refuses anything but a whole number in `[low, high]`; returns it as a Python int.

    A NumPy integer is one (`numbers.Integral` holds NumPy's integer types, and the data API is
    called with them); a bool, NumPy's included, is not. The Python int returned keeps NumPy's
    fixed-width arithmetic, which wraps silently, out of what the caller computes with it.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise NHITSInputError(f"{name} must be an integer; received {short_repr(value)}")
    value = int(value)
    if value < low or value > high:
        raise NHITSInputError(
            f"{name} must be between {low} and {high}; received {short_repr(value)}"
        )
    return value


def check_number(name, value, low, high=None, low_inclusive=True, high_inclusive=True):
    """Refuses anything but a finite real number (a bool is not one) within the bounds; returns
    it as a Python int or float.

    NumPy's integers and floats are numbers (`numbers.Real`). A whole number beyond `MAX_COUNT`
    and inf are refused here, by name, before a caller's `int(value)` raises `OverflowError`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NHITSInputError(f"{name} must be a number; received {short_repr(value)}")
    value = int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(value, int) and abs(value) > MAX_COUNT:
        raise NHITSInputError(f"{name} must be at most {MAX_COUNT}; received {short_repr(value)}")
    if not math.isfinite(value):
        raise NHITSInputError(f"{name} must be a finite number; received {value}")
    too_low = value < low if low_inclusive else value <= low
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        bound = f"{'>=' if low_inclusive else '>'} {low}"
        if high is not None:
            bound += f" and {'at most' if high_inclusive else 'below'} {high}"
        raise NHITSInputError(f"{name} must be {bound}; received {value}")
    return value


def unknown_names(what, names, known):
    """The message for unknown names (fields, keys), with the closest known one as a hint."""
    names = sorted(str(n) for n in names)
    hint = difflib.get_close_matches(names[0], known, n=1)
    hint = f"; did you mean {hint[0]}?" if hint else ""
    return (
        f"unknown {what} {', '.join(short_repr(n) for n in names)}{hint} (the names are the CLI "
        "flag names with underscores, e.g. input_size)"
    )


def first_line(error):
    """The first non-empty line of an exception's message, else its type name: how a library's
    multi-line error (TensorFlow, Keras, safetensors) is quoted inside our one-line message."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()
    return type(error).__name__


def name_list(names, limit=3, width=80):
    """`["a", "b", "c", "d"]` -> `"a, b, c and 1 more"`: the first `limit` names (each cut to
    `width` characters, since names come from users' files), then a count of the rest."""
    names = [str(name) for name in names]
    shown = ", ".join(n if len(n) <= width else n[: width - 1] + "…" for n in names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"

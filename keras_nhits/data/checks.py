"""The rules of the data settings that `DataConfig` and the data functions both check.

`DataConfig` (the CLI's flags, a config file) and `prepare_splits` / `make_dataset` (called
directly from Python) refuse the same bad values with the same words, so each rule is written
once, here. It imports no Polars, NumPy or backend (the `keras_nhits.data` package loads its
modules only when one of its names is used), so the configs import it at no cost.
"""

from keras_nhits.errors import NHITSInputError, check_number
from keras_nhits.options import MAX_COUNT


def check_split(name, value):
    """The rule of one split value (`val_split`, `test_split`): a fraction in [0, 1) or a
    whole count of steps up to `MAX_COUNT`. Returns it as a Python int or float."""
    value = check_number(name, value, 0.0, MAX_COUNT)
    if value >= 1 and value != int(value):
        raise NHITSInputError(
            f"{name} must be a fraction below 1 or a whole count of steps; received {value}"
        )
    return value


def check_splits(val_split, test_split):
    """Both split values, and that two fractions leave a training part; returns them."""
    val_split = check_split("val_split", val_split)
    test_split = check_split("test_split", test_split)
    if val_split < 1 and test_split < 1 and val_split + test_split >= 1:
        raise NHITSInputError(
            f"val_split + test_split must leave data for training; received {val_split} + "
            f"{test_split}"
        )
    return val_split, test_split

"""Config values read from text: a JSON or TOML config file, and the CLI's integer lists.

A config file is read and each value checked against its field's type here, before the CLI's
flags are merged in and the dataclasses of `keras_nhits.config` relate fields to each other.
Nothing here imports `keras_nhits.config`, which uses it.
"""

import argparse
import dataclasses
import json
import math
import os
import stat
import tomllib

from keras_nhits.errors import NHITSInputError, short_repr, unknown_names
from keras_nhits.options import MAX_CONFIG_BYTES


def parse_int_tuple(text, name="value"):
    """Parses `"2,2,1"` (the CLI form) or a sequence of integers into a tuple of ints.

    Whole floats (`2.0`) are taken as integers; any other value is refused, never truncated.
    """
    if isinstance(text, str):
        parts = [p for p in text.replace(" ", "").split(",") if p]
        try:
            return tuple(int(p) for p in parts)
        except ValueError:
            raise NHITSInputError(
                f"{name} must be comma-separated integers such as '2,2,1'; received {text!r}"
            ) from None
    if not isinstance(text, (tuple, list)):
        raise NHITSInputError(
            f"{name} must be a list of integers such as [2, 2, 1] or a text such as '2,2,1'; "
            f"received {short_repr(text)}"
        )
    return tuple(_whole(name, v) for v in text)


def _int_tuple_flag(text):
    # argparse shows an ArgumentTypeError's text as is (other errors as "invalid <type> value").
    try:
        return parse_int_tuple(text, "the value")
    except NHITSInputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def int_tuple_field(default, help_text):
    """A dataclass field of an int tuple whose CLI flag takes `2,2,1`."""
    return dataclasses.field(
        default=default,
        metadata={"type": _int_tuple_flag, "help": help_text, "parse": parse_int_tuple},
    )


def number_tuple_field(default, help_text, parse):
    """A dataclass field of a tuple of numbers whose CLI flag takes `0.1,0.9`, read by
    `parse(value, name)` (which raises `NHITSInputError`) from a flag and a config file."""

    def flag(text):
        try:
            return parse(text, "the value")
        except NHITSInputError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return dataclasses.field(
        default=default, metadata={"type": flag, "help": help_text, "parse": parse}
    )


def _whole(name, value):
    """`value` as an int: an int, or a float with no fractional part; refused otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NHITSInputError(f"{name} must hold integers; received {short_repr(value)}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise NHITSInputError(f"{name} must hold whole numbers; received {value}")
        return int(value)
    return value


def check_flags(config, cls):
    """Every on/off field of `cls` holds a bool (`"no"` or 0 would silently mean something)."""
    for spec in dataclasses.fields(cls):
        value = getattr(config, spec.name)
        if isinstance(spec.default, bool) and not isinstance(value, bool):
            raise NHITSInputError(
                f"{spec.name} must be true or false; received {short_repr(value)}"
            )


def check_texts(config, cls):
    """Every text field of `cls` holds a str (a path object is taken as its text)."""
    for spec in dataclasses.fields(cls):
        if not isinstance(spec.default, str):
            continue
        value = getattr(config, spec.name)
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
            setattr(config, spec.name, value)
        if not isinstance(value, str):
            raise NHITSInputError(f"{spec.name} must be a text; received {short_repr(value)}")
        if "\0" in value:
            raise NHITSInputError(f"{spec.name} must not contain a NUL character")


class StrictFields:
    """Makes an unknown keyword argument an `NHITSInputError` naming it (a dataclass' own
    `__init__` raises a bare `TypeError`)."""

    def __new__(cls, *args, **kwargs):
        known = [spec.name for spec in dataclasses.fields(cls)]
        unknown = [name for name in kwargs if name not in known]
        if unknown:
            raise NHITSInputError(unknown_names(f"{cls.__name__} field(s)", unknown, known))
        if len(args) > len(known):
            raise NHITSInputError(f"{cls.__name__} takes at most {len(known)} fields")
        return super().__new__(cls)


def read_file(path):
    """The fields in a JSON (`.json`) or TOML (`.toml`) file, as a dict (types unchecked)."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path or "\0" in path:
        raise NHITSInputError(f"a config file must be a path; received {short_repr(path)}")
    text = _read_text(path)
    kind = "TOML" if path.endswith(".toml") else "JSON"
    try:
        values = tomllib.loads(text) if kind == "TOML" else json.loads(text)
    except RecursionError:
        raise NHITSInputError(f"config file {path} nests too deeply to be a config") from None
    except ValueError as error:  # json.JSONDecodeError and tomllib.TOMLDecodeError
        raise NHITSInputError(f"config file {path} is not valid {kind}: {error}") from None
    if not isinstance(values, dict):
        raise NHITSInputError(f"config file {path} must hold a table/object of fields")
    return values


def _read_text(path):
    """The UTF-8 text of a regular file of at most `MAX_CONFIG_BYTES`."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise NHITSInputError(f"config file {path} does not exist") from None
    except OSError as error:
        raise NHITSInputError(f"config file {path} cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise NHITSInputError(
            f"config file {path} is a folder; give the .json or .toml file itself"
        )
    if not stat.S_ISREG(info.st_mode):
        raise NHITSInputError(f"config file {path} is not a regular file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise NHITSInputError(
            f"config file {path} is {info.st_size} bytes; a config file is at most "
            f"{MAX_CONFIG_BYTES} (is it the right file?)"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise NHITSInputError(f"config file {path} cannot be read: {error.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise NHITSInputError(f"config file {path} is over {MAX_CONFIG_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NHITSInputError(
            f"config file {path} is not UTF-8 text (a binary file?); write it as JSON or TOML"
        ) from None


def check_values(cls, values):
    """`values` with each key a field of the dataclass `cls` and each value of its field's type
    (whole floats made ints, lists tuples)."""
    if not isinstance(values, dict):
        raise NHITSInputError(
            f"a config must be a table/object of fields; received {type(values).__name__}"
        )
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [name for name in values if name not in known]
    if unknown:
        raise NHITSInputError(unknown_names("config key(s)", unknown, list(known)))
    return {name: _coerce(name, known[name], value) for name, value in values.items()}


_EXPECTED = {bool: "true or false", float: "a number", int: "an integer", str: "a text"}


def _coerce(name, spec, value):
    """A value read from a config file, checked against the type of the field's default (a
    tuple field by the parser in its metadata).

    A whole float is taken for an integer field (`2.0`); any other float is refused, never
    truncated.
    """
    if value is None:
        raise NHITSInputError(
            f"config key {name} is null; give a value or leave the key out for the default"
        )
    default = spec.default
    if isinstance(default, tuple):
        return spec.metadata.get("parse", parse_int_tuple)(value, f"config key {name}")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if number:
            try:
                return float(value)
            except OverflowError:
                raise NHITSInputError(
                    f"config key {name} is too large; received {short_repr(value)}"
                ) from None
    elif isinstance(default, int):
        if isinstance(value, float) and not value.is_integer():
            raise NHITSInputError(f"config key {name} must be a whole number; received {value}")
        if number:
            return int(value)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    raise NHITSInputError(
        f"config key {name} must be {_EXPECTED[type(default)]}; received {short_repr(value)}"
    )

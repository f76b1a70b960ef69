"""The one way this package reads a JSON file: bounded in size, an object or an input error.

Every JSON file read here (a run's config and metrics, a checkpoint's state, a folder's marker,
an export record, Keras' own `keras.json`) may be damaged, cut short, replaced by something else
of the same name or written by a stranger. `read_json` refuses all of that the same way, as one
`NHITSInputError` line that names the file, what is wrong and the fix the caller gives, before a
file far larger than any we write is read into memory. Writing is `atomic.write_json_atomic`.
"""

import json
import os

from keras_nhits.errors import NHITSInputError, first_line

# The largest JSON file this package reads by default: a run's metrics for 100,000 series stay
# well below it; anything bigger is not a file we wrote.
MAX_JSON_BYTES = 1 << 26


def read_json(path, fix, max_bytes=MAX_JSON_BYTES):
    """The JSON object in the file at `path`.

    Args:
        path: the file to read.
        fix: what the user should do when it cannot be used, ending the message
            (`"re-export the model"`).
        max_bytes: a bigger file is refused unread.

    Raises:
        NHITSInputError: the file is missing, unreadable, too big, not UTF-8 JSON, nested beyond
            Python's recursion limit, or holds something other than an object.
    """
    try:
        size = os.path.getsize(path)
        if size <= max_bytes:
            with open(path, encoding="utf-8") as handle:
                value = json.load(handle)
    except OSError as error:
        raise NHITSInputError(f"{path} cannot be read ({error.strerror or error}); {fix}") from None
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise NHITSInputError(f"{path} is damaged: not JSON ({first_line(error)}); {fix}") from None
    if size > max_bytes:
        raise NHITSInputError(
            f"{path} is too large for a keras_nhits file ({size} bytes, at most {max_bytes}); {fix}"
        )
    if not isinstance(value, dict):
        raise NHITSInputError(f"{path} is damaged: not a JSON object; {fix}")
    return value


def read_json_or_none(path, max_bytes=MAX_JSON_BYTES):
    """The JSON object at `path`, or None when there is none to use (missing, damaged, too big):
    for files whose absence is an answer (a folder's marker, Keras' settings)."""
    try:
        return read_json(path, "", max_bytes)
    except NHITSInputError:
        return None

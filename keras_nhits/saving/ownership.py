"""What this project wrote, so that a command replaces only that and never a file of the user's.

Every folder a command creates (a run folder, its checkpoints, a SavedModel from export, a
search's folder from tune) holds a small marker file, `.keras_nhits`, a JSON object naming what
kind of folder it is. A command may write into, replace or clean a folder only when it is new,
empty, or carries the marker of the kind the command writes; anything else is refused before a
byte is written, whatever flag (`--overwrite` included) was given. Inside a marked folder only
the names this project writes are ever replaced or removed: a user's notes kept there survive an
`--overwrite`.

The input a command reads is never an output: `refuse_overlap` compares real paths, so a
symbolic link or `./` spelling does not hide that `--output` is the data file.

Run folders written before markers existed are recognised by their `config.json`
(`"format": "keras_nhits"`), and their checkpoint folders by holding nothing but the names a run
writes there (`state.json`, `run_config.json`, `*.weights.h5`), so they stay replaceable with
`--overwrite`. A run's `.lock` (run_lock.py) and the atomic writers' temporaries alone do not
make a folder anyone's: a run killed before its marker was in place leaves just those.
"""

import os
import re

from keras_nhits.errors import NHITSInputError, name_list
from keras_nhits.saving.json_file import read_json_or_none

MARKER_FILE = ".keras_nhits"
KINDS = ("run", "checkpoints", "saved_model", "tune")
# A marker is a few dozen bytes; a bigger file of that name is not one of ours.
MAX_MARKER_BYTES = 4096
LOCK_FILE = ".lock"
# What a run writes in its checkpoint folder (callbacks.py, training.py): the only names
# `--overwrite` removes there, besides the atomic writers' temporaries.
CHECKPOINT_FILES = re.compile(
    r"^(state\.json|run_config\.json|best\.weights\.h5|epoch_\d+\.weights\.h5)$"
)


def write_marker(folder, kind):
    """Marks `folder` (which must exist) as a `kind` folder written by keras_nhits."""
    from keras_nhits import __version__
    from keras_nhits.saving.atomic import write_json_atomic

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; received {kind!r}")
    path = os.path.join(folder, MARKER_FILE)
    if marker_kind(folder) != kind:
        write_json_atomic(path, {"written_by": "keras_nhits", "kind": kind, "version": __version__})


def marker_kind(folder):
    """The kind named by `folder`'s marker (or a pre-marker run folder's config), else None."""
    path = os.path.join(folder, MARKER_FILE)
    record = read_json_or_none(path, MAX_MARKER_BYTES)
    if isinstance(record, dict) and record.get("written_by") == "keras_nhits":
        kind = record.get("kind")
        return kind if kind in KINDS else None
    legacy = read_json_or_none(os.path.join(folder, "config.json"))
    if isinstance(legacy, dict) and legacy.get("format") == "keras_nhits":
        return "run"
    if _legacy_checkpoints(folder):
        return "checkpoints"
    return None


def _legacy_checkpoints(folder):
    """A pre-marker checkpoint folder: a run's records and weight files, nothing else."""
    from keras_nhits.saving.atomic import is_temporary

    try:
        names = [n for n in os.listdir(folder) if n != LOCK_FILE]
    except OSError:
        return False
    if not {"state.json", "run_config.json"} & set(names):
        return False
    return all(
        (CHECKPOINT_FILES.match(n) and os.path.isfile(os.path.join(folder, n))) or is_temporary(n)
        for n in names
    )


def check_output_folder(path, kind, flag):
    """Refuses `path` as the folder a command writes unless it is new, empty or ours.

    Args:
        path: the folder the command will create or write into.
        kind: the marker kind the command writes there (`run`, `checkpoints`, `saved_model`).
        flag: the flag that named it, for the message (`--output`).

    Raises `NHITSInputError` when `path` is a file, or a folder holding anything without the
    `kind` marker (a folder of the user's, another kind of our folders, the current folder).
    """
    if os.path.lexists(path) and not os.path.isdir(path):
        raise NHITSInputError(
            f"{flag} {path} cannot be used: it is a file, not a folder; choose a new folder "
            f"name for {flag}"
        )
    if not os.path.isdir(path):
        return
    from keras_nhits.saving.atomic import is_temporary

    try:
        # A run killed before its marker was in place leaves only these.
        names = sorted(n for n in os.listdir(path) if n != LOCK_FILE and not is_temporary(n))
    except OSError as error:
        raise NHITSInputError(f"{flag} {path} cannot be read ({error.strerror})") from None
    if not names:
        return
    found = marker_kind(path)
    if found == kind:
        return
    what = (
        f"a keras_nhits {found.replace('_', ' ')} folder"
        if found
        else f"files keras_nhits did not write ({name_list(names)})"
    )
    raise NHITSInputError(
        f"{flag} {path} holds {what}; nothing was changed: choose a new or empty folder for {flag}"
    )


def refuse_overlap(output, inputs, flag, what="the data it reads"):
    """Refuses an `output` path that is one of `inputs` or holds one of them (a folder).

    `inputs` are paths the command reads; real paths are compared, so links and relative
    spellings are seen through.
    """
    for source in inputs:
        if is_within(source, output):
            raise NHITSInputError(
                f"{flag} {output} would replace {what} ({source}); nothing was changed: "
                f"choose another {flag}"
            )


def is_within(path, folder):
    """Whether `path` is `folder` or lies below it, comparing real paths (a symbolic link or a
    `./` spelling does not hide it)."""
    real, parent = os.path.realpath(path), os.path.realpath(folder)
    return real == parent or real.startswith(parent.rstrip(os.sep) + os.sep)

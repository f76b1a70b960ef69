"""Nothing half-written: every output file appears whole or not at all.

A run can be killed at any moment (Ctrl-C, out of memory, a pre-empted cloud machine). If it was
writing `config.json` or `model.keras` in place, the next run or the user finds a truncated file
that fails to load, or loads wrong. So every writer here writes to a temporary name in the same
folder, flushes and fsyncs it, then renames it onto the target with `os.replace`, which is atomic on
POSIX and Windows when both names are on the same file system (hence the same folder). The folder is
fsynced too, so the rename itself survives a power cut. On an exception the temporary file is
removed and an existing target is left exactly as it was.

Temporary names start with `.` (hidden from `ls`); `<hex>` is 8 random hex digits:
`.NAME.tmp-<hex>.tmp` for `atomic_write`, `.NAME.tmp-<hex>.SUFFIX` for `atomic_output` (whose
callers need the real suffix), `.NAME.tmp-<hex>` for `atomic_directory`, which also parks the
folder it replaces as `.NAME.old-<hex>`; the best-weights checkpoint (callbacks.py) writes the
fixed `.best.tmp.weights.h5`. Leftovers from a killed process can be deleted safely
(`remove_leftovers`).

The parent folder must exist; nothing here creates it.
"""

import contextlib
import json
import math
import os
import re
import secrets
import shutil
from pathlib import Path

import numpy as np

# Matches every temporary name the module docstring lists.
_LEFTOVER = re.compile(r"^\..+\.(tmp-[0-9a-f]{8}|old-[0-9a-f]{8}|tmp\.)")

# === Helpers ===


def _fsync_directory(folder):
    """Persist a rename in `folder`; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        # Some file systems (and Windows) refuse fsync on a directory; the rename still happened.
        pass
    finally:
        os.close(fd)


def _temp_name(target, suffix):
    """A fresh hidden name next to `target`: `.NAME.tmp-XXXXXXXX` + `suffix`."""
    return target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}{suffix}")


def _real_suffix(target):
    """All of the name's suffixes (`.weights.h5`, `.keras`, `.png`), which libraries check."""
    stem_and_suffixes = target.name.lstrip(".")
    return "".join(Path(stem_and_suffixes).suffixes)


def _remove(path):
    """Delete a file or directory tree if it exists, ignoring errors (cleanup after a failure)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        # Already gone, or not ours to delete: the original exception matters more.
        pass


def _fsync_file(path):
    """Flush a finished file's data to disk before it is renamed into place."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


# === Files ===


@contextlib.contextmanager
def atomic_write(path, mode="w", encoding="utf-8"):
    """Open a file for writing that appears at `path` only once the `with` block succeeds.

    Args:
        path: the target file (str or path-like). Its folder must exist.
        mode: `"w"` (text, the default) or `"wb"` (bytes).
        encoding: the text encoding, `"utf-8"` by default; ignored for `"wb"`.

    Yields:
        The open file object, writing to `.NAME.tmp-XXXXXXXX.tmp` in the same folder. When the
        block ends it is flushed, fsynced and renamed onto `path` (replacing any existing file).
        If the block raises, the temporary file is deleted, `path` is untouched and the exception
        propagates.

    Example:
        >>> with atomic_write("metrics.csv") as handle:  # doctest: +SKIP
        ...     handle.write("mae,rmse\\n")
    """
    if mode not in ("w", "wb"):
        raise ValueError(f'mode must be "w" or "wb"; received {mode!r}')
    target = Path(path)
    while True:
        temp = _temp_name(target, ".tmp")
        try:
            # 0o666 then the umask, as for a plain open(): the file gets the usual permissions,
            # unlike tempfile.mkstemp's 0o600.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        if mode == "wb":
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding=encoding, newline="")
    except BaseException:
        os.close(fd)
        _remove(temp)
        raise
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise
    _fsync_directory(target.parent)


def write_bytes_atomic(path, data):
    """Write `data` (bytes) to `path` atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def _json_ready(obj):
    """`obj` with nan/inf floats turned into None and NumPy scalars/arrays into Python values."""
    if isinstance(obj, np.ndarray):
        return _json_ready(obj.tolist())
    if isinstance(obj, np.generic):
        return _json_ready(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: _json_ready(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(value) for value in obj]
    return obj


def write_json_atomic(path, obj):
    """Write `obj` as JSON to `path` atomically: indent 2, keys in their given order, newline-ended.

    NaN and infinite floats become `null` (Python's default would write `NaN`, which is not JSON
    and which other languages' parsers reject); NumPy scalars and arrays become plain numbers and
    lists. Anything else `json` cannot encode raises `TypeError` before the target is touched.
    """
    text = json.dumps(_json_ready(obj), indent=2, allow_nan=False, sort_keys=False)
    with atomic_write(path, "w") as handle:
        handle.write(text + "\n")


def commit_file(temp, path):
    """Moves a finished file written elsewhere in the same folder onto `path`, durably.

    For a file a library wrote under a temporary name of its own choosing: it is fsynced, renamed
    onto `path` with `os.replace` and the folder is fsynced, as `atomic_write` does.
    """
    _fsync_file(temp)
    os.replace(temp, path)
    _fsync_directory(Path(path).parent)


def is_temporary(name):
    """Whether a file name is one of the temporary names these writers make."""
    return bool(_LEFTOVER.match(name))


def remove_leftovers(folder):
    """Deletes the temporary files and folders a killed writer left in `folder`.

    Only names these writers make (hidden, with `.tmp` or `.old-` in them, see the module
    docstring) are touched. Call it only while no other process writes into `folder` (hold its
    `RunLock`). Returns the names removed, sorted.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in sorted(names):
        if is_temporary(name):
            _remove(Path(folder) / name)
            removed.append(name)
    return removed


# === Paths for libraries that write themselves ===


@contextlib.contextmanager
def atomic_output(path):
    """A temporary path for a library that insists on writing a file itself, renamed at the end.

    For `model.save`, `model.save_weights`, `safetensors.numpy.save_file`, `Figure.savefig` and the
    like. The temporary name keeps the target's suffixes last, because such libraries check them
    (Keras requires `.keras` / `.weights.h5`, matplotlib picks the format from the extension):
    `model.keras` is written as `.model.keras.tmp-XXXXXXXX.keras`.

    Yields:
        A `pathlib.Path` that does not exist yet. When the block ends the file written there is
        fsynced and renamed onto `path`; if the block wrote nothing, `FileNotFoundError` is
        raised and `path` is untouched. If the block raises, whatever was written is deleted and
        `path` is untouched.

    Example:
        >>> with atomic_output("run/model.keras") as temp_path:  # doctest: +SKIP
        ...     model.save(temp_path)
    """
    target = Path(path)
    suffix = _real_suffix(target)
    temp = _temp_name(target, suffix)
    while temp.exists():
        temp = _temp_name(target, suffix)
    try:
        yield temp
        if not temp.is_file():
            raise FileNotFoundError(
                f"nothing was written to the temporary path {temp} for {target}; "
                "write the output to the path the context manager yields"
            )
        _fsync_file(temp)
        os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise
    _fsync_directory(target.parent)


@contextlib.contextmanager
def atomic_directory(path):
    """Build a directory under a temporary name next to `path`, then move it into place whole.

    For outputs that are a folder, such as a TensorFlow SavedModel export. A directory cannot be
    replaced by one atomic rename, so an existing `path` is first renamed aside
    (`.NAME.old-XXXXXXXX`), the new one is renamed into place, and only then the old one is
    deleted: at every moment `path` is either the complete old directory, the complete new one,
    or (between the two renames) absent, never a mix. If the second rename fails, the old one is
    put back.

    Yields:
        A `pathlib.Path` to a new, empty directory (`.NAME.tmp-XXXXXXXX` in the same folder).
        Every file in it is fsynced before the rename. If the block raises, the temporary
        directory is deleted and `path` is untouched.
    """
    target = Path(path)
    while True:
        temp = _temp_name(target, "")
        try:
            temp.mkdir()
            break
        except FileExistsError:
            continue
    try:
        yield temp
        for folder, _, files in os.walk(temp):
            for name in files:
                _fsync_file(os.path.join(folder, name))
        old = None
        if target.exists() or target.is_symlink():
            old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
            os.replace(target, old)
        try:
            os.replace(temp, target)
        except BaseException:
            if old is not None:
                os.replace(old, target)
            raise
    except BaseException:
        _remove(temp)
        raise
    _fsync_directory(target.parent)
    if old is not None:
        _remove(old)

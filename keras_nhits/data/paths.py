"""Which files a data path names: a file, a folder of files, or a glob, each file checked.

A path that exists is that file or folder, even when its name holds `*?[`; only a path that does
not exist is expanded as a glob. Only regular files are taken (a FIFO or `/dev/zero` would block
or never end), and symbolic links to folders are not followed, so a link loop in a data folder
cannot make the search endless. Every file found has a known format, one for the whole dataset.
Reading the files is `sources`' job.
"""

import fnmatch
import glob
import os
import stat

from keras_nhits.errors import NHITSInputError

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt")


def find_files(path):
    """The files `path` names and their one format: `(files, "parquet" | "csv")`.

    Raises `NHITSInputError` naming the path when it names no file, a file that is not regular
    or of unknown format, or files of both formats.
    """
    if os.path.isdir(path):
        files = _files_in(path, PARQUET_SUFFIXES) or _files_in(path, CSV_SUFFIXES)
        if not files:
            raise NHITSInputError(
                f"folder {path} contains no .parquet or .csv files; point data at a file, a "
                "folder of such files or a glob"
            )
    elif os.path.lexists(path):
        files = [path]
    elif any(ch in path for ch in "*?["):
        files = _glob(path)
        if not files:
            raise NHITSInputError(f"no files match the pattern {path}")
    else:
        raise NHITSInputError(f"data path {path} does not exist")
    return files, _one_format(files, path)


def _one_format(files, name):
    for f in files:
        _check_regular(f)
    formats = {_format_of(f) for f in files}
    if len(formats) > 1:
        raise NHITSInputError(f"{name} mixes CSV and Parquet files; keep one format per dataset")
    for f in files:
        if os.path.getsize(f) == 0:
            raise NHITSInputError(f"file {f} is empty")
    return formats.pop()


def _files_in(folder, suffixes):
    found = []
    for root, _, names in os.walk(folder):
        found += [os.path.join(root, n) for n in names if n.lower().endswith(suffixes)]
    return sorted(found)


def _glob(pattern):
    """The files matching `pattern`, once each; `**` does not follow links to folders.

    Python's `glob` follows them, so two links back up a tree make `**` endless.
    """
    if "**" not in pattern:
        found = [f for f in glob.glob(pattern) if not os.path.isdir(f)]
    else:
        parts = pattern.split(os.sep)
        fixed = next(i for i, part in enumerate(parts) if glob.has_magic(part))
        base = os.sep.join(parts[:fixed]) or (os.sep if pattern.startswith(os.sep) else os.curdir)
        wanted = parts[fixed:]
        found = []
        for root, _, names in os.walk(base):
            for name in names:
                path = os.path.join(root, name)
                if _matches(wanted, os.path.relpath(path, base).split(os.sep)):
                    found.append(path if parts[:fixed] else os.path.relpath(path))
    unique = {}
    for f in sorted(found):
        unique.setdefault(os.path.realpath(f), f)
    return sorted(unique.values())


def _matches(patterns, names):
    """Glob matching of path components, `**` standing for any number of folders."""
    if not patterns:
        return not names
    if patterns[0] == "**":
        return any(_matches(patterns[1:], names[i:]) for i in range(len(names) + 1))
    return (
        bool(names)
        and fnmatch.fnmatchcase(names[0], patterns[0])
        and _matches(patterns[1:], names[1:])
    )


def _check_regular(path):
    """Raises unless `path` is a regular file (after links): no FIFO, device, socket or loop."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if not os.path.exists(path) and os.path.lexists(path):
            raise NHITSInputError(
                f"data path {path} is a broken symbolic link or a loop of links ({error.strerror})"
            ) from None
        raise NHITSInputError(f"cannot read {path}: {error.strerror}") from None
    if not stat.S_ISREG(mode):
        raise NHITSInputError(
            f"data path {path} is not a regular file (a pipe, device or socket); point data at a "
            "CSV or Parquet file"
        )


def _format_of(path):
    lower = path.lower()
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    suffix = os.path.splitext(lower)[1] or "(none)"
    raise NHITSInputError(
        f"unknown format {suffix} of {path}; use .csv, .csv.gz, .tsv or .parquet files"
    )

"""Turning a data source (path, folder, glob, DataFrame or array) into a Polars LazyFrame.

Parquet is scanned lazily (`pl.scan_parquet`), so later steps read only the columns and rows they
need; CSV (also `.csv.gz`) is read into memory once, since Polars cannot scan compressed text.
Every problem with the source (a missing path, an empty, binary, truncated or corrupt file, an
unknown format) and every Polars exception is raised as `NHITSInputError` naming the file.
"""

import codecs
import contextlib
import glob
import gzip
import os
from dataclasses import dataclass

import numpy as np
import polars as pl

from keras_nhits.errors import NHITSInputError

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt")
# Common spellings of a missing value in CSV files; without them a numeric column holding "NA"
# would be read as text and refused as non-numeric.
CSV_NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]
# Enough rows to see a column change from integers to decimals without reading a file twice.
CSV_SCHEMA_ROWS = 10_000
# What an empty `data` (the DataConfig default) reads: hourly ETTh1, 7 columns, wide format.
SAMPLE_DATA = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), "sample_data", "ETTh1.csv.gz"
)


@dataclass
class Source:
    """A source opened as a LazyFrame, with the name used in error messages."""

    frame: pl.LazyFrame
    name: str


@contextlib.contextmanager
def polars_errors(name):
    """Re-raises any Polars or OS error met while reading `name` as a one-line NHITSInputError."""
    try:
        yield
    except NHITSInputError:
        raise
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise NHITSInputError(f"cannot read {name}: {first_line}") from None


def open_source(source):
    """Opens `source` and returns a `Source` (LazyFrame + name for messages).

    Args:
        source: a path (CSV, `.csv.gz`, Parquet), a folder of Parquet or CSV files, a glob such
            as `"data/*.parquet"`, a Polars DataFrame or LazyFrame, a pandas DataFrame, or a
            NumPy array (1-D: one series `y`; 2-D `[time, series]`: columns `y_0`, `y_1`, ...).
            `""` or None reads the bundled ETTh1 sample (`SAMPLE_DATA`).
    """
    if source is None or (isinstance(source, str) and not source):
        return _open_path(SAMPLE_DATA)
    if isinstance(source, pl.LazyFrame):
        return Source(source, "the LazyFrame")
    if isinstance(source, pl.DataFrame):
        return Source(source.lazy(), "the DataFrame")
    if type(source).__module__.split(".")[0] == "pandas" and hasattr(source, "columns"):
        return Source(_from_pandas(source).lazy(), "the pandas DataFrame")
    if isinstance(source, np.ndarray):
        return Source(_from_numpy(source).lazy(), "the NumPy array")
    if isinstance(source, (str, os.PathLike)):
        return _open_path(os.fspath(source))
    raise NHITSInputError(
        f"data must be a path, a Polars or pandas DataFrame or a NumPy array; "
        f"received {type(source).__name__}"
    )


def _from_pandas(frame):
    # A meaningful index (a DatetimeIndex, a named index) is data: keep it as a column, named
    # ds when unnamed so that it is found as the time column.
    index = frame.index
    if index.name is None and "datetime" in str(index.dtype) and "ds" not in frame.columns:
        frame = frame.rename_axis("ds")
    if frame.index.name is not None or "datetime" in str(index.dtype):
        frame = frame.reset_index()
    frame = frame.rename(columns=str)
    try:
        return pl.from_pandas(frame)
    except (pl.exceptions.PolarsError, TypeError, ValueError, ImportError) as error:
        raise NHITSInputError(f"cannot convert the pandas DataFrame to Polars: {error}") from None


def _from_numpy(array):
    if array.ndim == 1:
        columns = {"y": array}
    elif array.ndim == 2:
        columns = {f"y_{j}": array[:, j] for j in range(array.shape[1])}
    else:
        raise NHITSInputError(
            f"a NumPy array must be 1-D (one series) or 2-D [time, series]; received shape "
            f"{array.shape}"
        )
    if array.size == 0:
        raise NHITSInputError(f"the NumPy array is empty (shape {array.shape})")
    if not (
        np.issubdtype(array.dtype, np.number) and not np.issubdtype(array.dtype, np.complexfloating)
    ):
        raise NHITSInputError(f"the NumPy array must be numeric; received dtype {array.dtype}")
    return pl.DataFrame(columns)


# === Paths ===


def _open_path(path):
    if any(ch in path for ch in "*?["):
        files = sorted(f for f in glob.glob(path, recursive=True) if os.path.isfile(f))
        if not files:
            raise NHITSInputError(f"no files match the pattern {path}")
        return _open_files(files, path)
    if os.path.isdir(path):
        files = _files_in(path, PARQUET_SUFFIXES) or _files_in(path, CSV_SUFFIXES)
        if not files:
            raise NHITSInputError(
                f"folder {path} contains no .parquet or .csv files; point data at a file, a "
                "folder of such files or a glob"
            )
        return _open_files(files, path)
    if not os.path.exists(path):
        raise NHITSInputError(f"data path {path} does not exist")
    return _open_files([path], path)


def _files_in(folder, suffixes):
    found = []
    for root, _, names in os.walk(folder):
        found += [os.path.join(root, n) for n in names if n.lower().endswith(suffixes)]
    return sorted(found)


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


def _open_files(files, name):
    formats = {_format_of(f) for f in files}
    if len(formats) > 1:
        raise NHITSInputError(f"{name} mixes CSV and Parquet files; keep one format per dataset")
    for f in files:
        if os.path.getsize(f) == 0:
            raise NHITSInputError(f"file {f} is empty")
    if formats == {"parquet"}:
        return Source(_scan_parquet(files, name), name)
    frames = [_read_csv(f) for f in files]
    with polars_errors(name):
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")
    return Source(frame.lazy(), name)


def _scan_parquet(files, name):
    for f in files:
        # A Parquet file starts and ends with the magic bytes PAR1; checking them turns a
        # truncated copy into a clear message instead of an error deep inside the reader.
        with open(f, "rb") as handle:
            head = handle.read(4)
            handle.seek(max(os.path.getsize(f) - 4, 0))
            tail = handle.read(4)
        if head != b"PAR1" or tail != b"PAR1":
            raise NHITSInputError(
                f"file {f} is not a valid Parquet file (truncated or corrupt: missing PAR1 "
                "magic bytes); re-export it"
            )
    with polars_errors(name):
        frame = pl.scan_parquet(files if len(files) > 1 else files[0])
        frame.collect_schema()
        n_rows = frame.select(pl.len()).collect().item()
    if n_rows == 0:
        raise NHITSInputError(f"{name} has no rows")
    return frame


def _read_csv(path):
    opener = gzip.open if path.lower().endswith(".gz") else open
    with polars_errors(path), opener(path, "rb") as handle:
        head = handle.read(8192)
    if not head.strip():
        raise NHITSInputError(f"file {path} is empty")
    if b"\x00" in head:
        raise NHITSInputError(f"file {path} is binary, not a CSV text file")
    try:
        # final=False: the 8 KiB cut may fall inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as error:
        raise NHITSInputError(
            f"file {path} is not UTF-8 text (byte {error.start} is not UTF-8: binary, or another "
            "encoding such as Latin-1); save it as UTF-8 CSV"
        ) from None
    separator = "\t" if ".tsv" in path.lower() else ","
    with polars_errors(path):
        try:
            frame = pl.read_csv(
                path,
                separator=separator,
                null_values=CSV_NULLS,
                infer_schema_length=CSV_SCHEMA_ROWS,
            )
        except pl.exceptions.ComputeError:
            # A column whose type changes after the rows used for inference (integers, then a
            # decimal at row 20,000): read once more, inferring the types from every row.
            frame = pl.read_csv(
                path, separator=separator, null_values=CSV_NULLS, infer_schema_length=None
            )
    if frame.width == 1:
        _check_delimiter(path, frame.columns[0], separator)
    if frame.height == 0:
        raise NHITSInputError(f"file {path} has a header but no data rows")
    # A column with no value at all is read as text; it carries no type, so make it numeric and
    # let the checks report it as empty rather than as "not numeric".
    empty = [c for c in frame.columns if frame[c].null_count() == frame.height]
    return frame.with_columns(pl.col(empty).cast(pl.Float64)) if empty else frame


def _check_delimiter(path, header, separator):
    """Raises if a one-column header holds another delimiter (a `;`-separated file, say)."""
    names = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}
    for other, name in names.items():
        if other != separator and other in header:
            fix = {"\t": "name it .tsv", ",": "name it .csv"}.get(
                other, f"write it with {names[separator]}"
            )
            raise NHITSInputError(
                f"file {path} has a single column {header!r}: its fields seem to be separated "
                f"by {name}, not {names[separator]}; {fix}"
            )

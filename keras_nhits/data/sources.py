"""Turning a data source (path, folder, glob, DataFrame or array) into a Polars LazyFrame.

Parquet is scanned lazily (`pl.scan_parquet`), so later steps read only the columns and rows they
need; CSV (also `.csv.gz`) is read into memory once, since Polars cannot scan compressed text
(a `.gz` may inflate to half of the machine's memory at most: a gzip bomb is refused).
Every problem with the source (a missing path, an empty, binary, truncated or corrupt file, an
unknown format) and every Polars exception is raised as `NHITSInputError` naming the file.

Which files a path, folder or glob names is `paths`' job. A CSV's id column is read as text: ids
`007` and `7` are two series, and `00501` stays `00501`.
"""

import codecs
import contextlib
import gzip
import os
import re
import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from keras_nhits.data.columns import id_column
from keras_nhits.data.paths import find_files
from keras_nhits.errors import NHITSInputError, first_line
from keras_nhits.sample_data import SAMPLE_PATH

# Common spellings of a missing value in CSV files; without them a numeric column holding "NA"
# would be read as text and refused as non-numeric.
CSV_NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]
# The first bytes of a CSV, checked before it is parsed (empty, binary, not UTF-8, delimiter).
HEAD_BYTES = 8192
# Enough rows to see a column change from integers to decimals without reading a file twice.
CSV_SCHEMA_ROWS = 10_000


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
        if isinstance(error, OSError) and error.strerror:
            reason = error.strerror  # the path is in the message already
        else:
            reason = first_line(error)
        if _truncated_gzip(name, reason):
            raise _truncated(name) from None
        if "is not properly escaped" in str(error):
            raise NHITSInputError(
                f'cannot read {name}: a quote (") opens a field that is never closed; close or '
                "remove it"
            ) from None
        raise NHITSInputError(f"cannot read {name}: {reason}") from None
    except (EOFError, zlib.error):
        # Python's gzip reader ends a cut stream with EOFError, a damaged one with zlib.error.
        raise _truncated(name) from None


def _truncated_gzip(name, message):
    return str(name).lower().endswith(".gz") and "end of file" in message.lower()


def _truncated(name):
    return NHITSInputError(
        f"file {name} is a truncated or damaged gzip file (its compressed stream ends early); "
        "copy or compress it again"
    )


def open_source(source, id_col=""):
    """Opens `source` and returns a `Source` (LazyFrame + name for messages).

    Args:
        source: a path (CSV, `.csv.gz`, Parquet), a folder of Parquet or CSV files, a glob such
            as `"data/*.parquet"`, a Polars DataFrame or LazyFrame, a pandas DataFrame, or a
            NumPy array (1-D: one series `y`; 2-D `[time, series]`: columns `y_0`, `y_1`, ...).
            `""` or None reads the bundled ETTh1 sample (`sample_data.SAMPLE_PATH`).
        id_col: the id column `load_series` was given, so that a CSV reads it as text.
    """
    if source is None or (isinstance(source, str) and not source):
        return _open_path(str(SAMPLE_PATH), id_col)
    if isinstance(source, pl.LazyFrame):
        return Source(source, "the LazyFrame")
    if isinstance(source, pl.DataFrame):
        return Source(source.lazy(), "the DataFrame")
    if type(source).__module__.split(".")[0] == "pandas" and hasattr(source, "columns"):
        return Source(_from_pandas(source).lazy(), "the pandas DataFrame")
    if isinstance(source, np.ndarray):
        return Source(_from_numpy(source).lazy(), "the NumPy array")
    if isinstance(source, (str, os.PathLike)):
        return _open_path(os.fspath(source), id_col)
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


# === Files ===


def _open_path(path, id_col=""):
    files, kind = find_files(path)
    if kind == "parquet":
        return Source(_scan_parquet(files, path), path)
    frames = [_read_csv(f, id_col) for f in files]
    with polars_errors(path):
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")
    return Source(frame.lazy(), path)


def _scan_parquet(files, name):
    for f in files:
        # A Parquet file starts and ends with the magic bytes PAR1; checking them turns a
        # truncated copy into a clear message instead of an error deep inside the reader.
        with polars_errors(f), open(f, "rb") as handle:
            head = handle.read(4)
            handle.seek(max(os.path.getsize(f) - 4, 0))
            tail = handle.read(4)
        if head != b"PAR1" and _looks_like_text(f):
            raise NHITSInputError(
                f"file {f} is not a Parquet file: it holds text (a CSV?); name it .csv"
            )
        if head != b"PAR1" or tail != b"PAR1":
            raise NHITSInputError(
                f"file {f} is not a valid Parquet file (truncated or corrupt: missing PAR1 "
                "magic bytes); re-export it"
            )
    with polars_errors(name):
        # glob=False: the names are files already found; `data[1].parquet` is one file.
        frame = pl.scan_parquet(files if len(files) > 1 else files[0], glob=False)
        frame.collect_schema()
        n_rows = frame.select(pl.len()).collect().item()
    if n_rows == 0:
        raise NHITSInputError(f"{name} has no rows")
    return frame


# What a file named .csv often is instead, recognised by its first bytes.
_BINARY_KINDS = {
    b"PAR1": ("a Parquet file", "name it .parquet"),
    b"\x1f\x8b": ("gzip-compressed", "name it .csv.gz"),
    b"PK\x03\x04": ("a ZIP archive (an Excel .xlsx workbook?)", "save it as CSV (UTF-8)"),
}


def _looks_like_text(path):
    with open(path, "rb") as handle:
        head = handle.read(4096)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head and b"\n" in head


def _read_csv(path, id_col=""):
    if path.lower().endswith(".gz"):
        # Polars would inflate the whole file in memory, however large; inflating it here bounds
        # that (a gzip bomb) and Polars parses the text once.
        data = _gunzip(path)
        head = data[:HEAD_BYTES]
    else:
        with polars_errors(path), open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
        _check_head(path, head)
        data = path
    separator = "\t" if ".tsv" in path.lower() else ","
    lines = head.decode("utf-8", errors="ignore").lstrip("\ufeff").splitlines()
    if len(lines) > 1 and separator not in lines[0]:
        _check_delimiter(path, lines[0], separator, lines[1:])
    frame = _parse_csv(data, path, separator)
    if frame.width == 1:
        _check_delimiter(path, frame.columns[0], separator)
    _check_names(path, frame.columns)
    ident = id_column(frame.columns, id_col)
    if ident is not None and frame.schema[ident] != pl.String:
        # Ids are names: read as numbers, `007` and `7` would become one series.
        frame = _parse_csv(data, path, separator, {ident: pl.String})
    if frame.height == 0:
        raise NHITSInputError(f"file {path} has a header but no data rows")
    # A column with no value at all is read as text; it carries no type, so make it numeric and
    # let the checks report it as empty rather than as "not numeric".
    empty = [c for c in frame.columns if frame[c].null_count() == frame.height]
    return frame.with_columns(pl.col(empty).cast(pl.Float64)) if empty else frame


def _gunzip(path):
    """The inflated bytes of a `.gz` file, checked as a CSV head first; at most `gzip_limit()`."""
    limit = gzip_limit()
    with polars_errors(path), gzip.open(path, "rb") as handle:
        chunks = [handle.read(HEAD_BYTES)]
        _check_head(path, chunks[0])
        total = len(chunks[0])
        while chunk := handle.read(1 << 24):
            total += len(chunk)
            if total > limit:
                raise NHITSInputError(
                    f"file {path} inflates to more than {limit / 2**30:.3g} GiB, half of this "
                    "machine's memory; convert it to Parquet, which is read in slices"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def gzip_limit():
    """The most bytes a `.gz` CSV may inflate to: half of the machine's memory."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def _check_head(path, head):
    """Raises unless the first bytes of a CSV look like UTF-8 text."""
    if not head.strip():
        raise NHITSInputError(f"file {path} is empty")
    for magic, (what, fix) in _BINARY_KINDS.items():
        if head.startswith(magic):
            raise NHITSInputError(f"file {path} is {what}, not CSV text; {fix}")
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


def _parse_csv(data, path, separator, overrides=None):
    """`pl.read_csv` of `data` (the path, or the inflated bytes of a `.gz`)."""
    with polars_errors(path):
        try:
            return pl.read_csv(
                data,
                separator=separator,
                null_values=CSV_NULLS,
                infer_schema_length=CSV_SCHEMA_ROWS,
                schema_overrides=overrides,
                glob=False,
            )
        except pl.exceptions.ComputeError as error:
            if "is not properly escaped" in str(error):
                raise
            # A column whose type changes after the rows used for inference (integers, then a
            # decimal at row 20,000): read once more, inferring the types from every row.
            return pl.read_csv(
                data,
                separator=separator,
                null_values=CSV_NULLS,
                infer_schema_length=None,
                schema_overrides=overrides,
                glob=False,
            )


def _check_names(path, names):
    """Raises if two columns share a name (Polars renames the second `y_duplicated_0`)."""
    present = set(names)
    for n in names:
        found = re.fullmatch(r"(.*)_duplicated_\d+", n)
        if found and found.group(1) in present:
            raise NHITSInputError(
                f"file {path} has two columns named {found.group(1)[:80]!r}; rename one of them"
            )


# A decimal comma between digits, as in `1,5`, and no other comma in the field.
_DECIMAL_COMMA = re.compile(r"(?:^|;)\s*-?\d+,\d+\s*(?:;|$)")


def _check_delimiter(path, header, separator, rows=()):
    """Raises if a one-column header holds another delimiter (a `;`-separated file, say).

    `rows`, the first lines after the header, tell a European Excel export (semicolons between
    fields, decimal commas: `2024-01-01;1,5`) from a file that only uses semicolons.
    """
    names = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}
    if separator == "," and ";" in header and any(_DECIMAL_COMMA.search(r) for r in rows[:20]):
        example = next(m.group(0) for r in rows[:20] if (m := _DECIMAL_COMMA.search(r)))
        raise NHITSInputError(
            f"file {path} looks like a European Excel export (';' between fields, decimal "
            f"commas: {example.strip(' ;')!r}); re-save it with ',' and '.', e.g. "
            "polars.read_csv(path, separator=';', decimal_comma=True).write_csv(new)"
        )
    for other, name in names.items():
        if other != separator and other in header:
            fix = {"\t": "name it .tsv", ",": "name it .csv"}.get(
                other, f"write it with {names[separator]}"
            )
            raise NHITSInputError(
                f"file {path} has a single column {header[:80]!r}: its fields seem to be separated "
                f"by {name}, not {names[separator]}; {fix}"
            )

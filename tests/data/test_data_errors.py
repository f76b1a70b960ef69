"""Every bad input raises NHITSInputError naming the column, series, file or flag."""

import gzip
import os

import numpy as np
import polars as pl
import pytest
from data_helpers import long_frame, wide_frame

from keras_nhits import NHITSInputError
from keras_nhits.data import load_series, prepare_splits


def _with_value(step, value, series="s1"):
    frame = long_frame()
    hit = (pl.col("unique_id") == series) & (
        pl.col("ds") == pl.col("ds").min() + pl.duration(hours=step)
    )
    return frame.with_columns(y=pl.when(hit).then(value).otherwise(pl.col("y")))


def _write(path, data, mode="w"):
    with open(path, mode) as handle:
        handle.write(data)
    return str(path)


def _parquet(tmp_path):
    path = tmp_path / "data.parquet"
    long_frame().write_parquet(path)
    return path


def _truncated_parquet(tmp_path):
    path = _parquet(tmp_path)
    data = path.read_bytes()
    return _write(tmp_path / "cut.parquet", data[: len(data) // 2], "wb")


def _corrupt_parquet(tmp_path):
    # Valid magic bytes, garbage in between: the reader itself must fail, and be translated.
    return _write(tmp_path / "bad.parquet", b"PAR1" + os.urandom(4096) + b"PAR1", "wb")


def _binary_csv(tmp_path):
    return _write(tmp_path / "data.csv", b"\x00\x01\x02binary\xff" * 50, "wb")


def _folder_without_data(tmp_path):
    (tmp_path / "notes.txt.bak").write_text("nothing")
    return str(tmp_path)


def _mixed_dates(tmp_path):
    text = "date,y\n2021-01-01,1\n2021-01-02,2\n03/01/2021,3\n2021-01-04,4\n"
    return _write(tmp_path / "mixed.csv", text)


def _gz_header_only(tmp_path):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("ds,y\n")
    return str(path)


# (case id, source maker (tmp_path -> source), load kwargs, words the message must contain)
CASES = [
    ("missing-target", lambda p: wide_frame(), {"target": "s9"}, ["'s9'", "columns are", "ds, s0"]),
    ("misspelt-target", lambda p: wide_frame(), {"target": "S0"}, ["did you mean 's0'"]),
    ("missing-time", lambda p: long_frame(), {"time_col": "when"}, ["time_col", "'when'", "ds"]),
    ("missing-id", lambda p: long_frame(), {"id_col": "series"}, ["id_col", "'series'"]),
    (
        "non-numeric-target",
        lambda p: long_frame().with_columns(name=pl.lit("x")),
        {"target": "name"},
        ["'name'", "not numeric"],
    ),
    ("null-target", lambda p: _with_value(5, None), {}, ["'s1'", "missing", "2021-01-01T05:00"]),
    ("nan-target", lambda p: _with_value(7, float("nan")), {}, ["'s1'", "2021-01-01T07:00"]),
    ("inf-target", lambda p: _with_value(9, float("inf")), {}, ["'s1'", "inf", "T09:00"]),
    ("too-big", lambda p: _with_value(3, 1e39), {}, ["'s1'", "float32 range", "T03:00"]),
    (
        "duplicate-time",
        lambda p: pl.concat([long_frame(), long_frame().slice(250, 1)]),
        {},
        ["'s1'", "duplicate timestamp", "2021-01-03T02:00"],
    ),
    (
        "gap-error",
        lambda p: long_frame(gap_steps=(10, 11)),
        {"gaps": "error"},
        ["'s0'", "gap after 2021-01-01T09:00", "gaps=fill"],
    ),
    (
        "off-grid-fill",
        lambda p: long_frame().with_columns(
            ds=pl.when(pl.col("y") == 5)
            .then(pl.col("ds") + pl.duration(minutes=30))
            .otherwise("ds")
        ),
        {"gaps": "fill"},
        ["'s0'", "off the grid", "T05:30"],
    ),
    (
        "all-missing",
        lambda p: pl.DataFrame({"y": [None, None, 1.0]}).with_columns(y=pl.lit(None, pl.Float64)),
        {"fill": "ffill"},
        ["'y'", "no valid target value"],
    ),
    (
        "null-id",
        lambda p: long_frame().with_columns(
            unique_id=pl.when(pl.col("y") == 1003).then(None).otherwise("unique_id")
        ),
        {},
        ["id column 'unique_id'", "row 203"],
    ),
    (
        "null-time",
        lambda p: long_frame().with_columns(
            ds=pl.when(pl.col("y") == 2004).then(None).otherwise("ds")
        ),
        {},
        ["time column 'ds'", "empty", "'s2'"],
    ),
    (
        "float-time",
        lambda p: long_frame().with_columns(ds=pl.col("y") * 0.5),
        {},
        ["time column 'ds'", "datetimes"],
    ),
    ("mixed-date-formats", _mixed_dates, {}, ["time column 'date'", "'03/01/2021'"]),
    ("bad-fill-flag", lambda p: long_frame(), {"fill": "mean"}, ["fill must be one of", "'mean'"]),
    ("bad-gaps-flag", lambda p: long_frame(), {"gaps": "drop"}, ["gaps must be one of"]),
    ("missing-path", lambda p: str(p / "nope.csv"), {}, ["does not exist", "nope.csv"]),
    ("empty-file", lambda p: _write(p / "empty.csv", ""), {}, ["empty.csv", "is empty"]),
    ("header-only", lambda p: _write(p / "h.csv", "ds,y\n"), {}, ["h.csv", "header but no data"]),
    ("gz-header-only", _gz_header_only, {}, ["data.csv.gz", "header but no data"]),
    ("binary-file", _binary_csv, {}, ["data.csv", "binary"]),
    ("folder-without-data", _folder_without_data, {}, ["contains no .parquet or .csv"]),
    ("unknown-format", lambda p: _write(p / "data.xlsx", "x"), {}, ["unknown format .xlsx"]),
    ("no-glob-match", lambda p: str(p / "*.parquet"), {}, ["no files match"]),
    ("truncated-parquet", _truncated_parquet, {}, ["cut.parquet", "not a valid Parquet"]),
    ("corrupt-parquet", _corrupt_parquet, {}, ["cannot read", "bad.parquet"]),
    (
        "ragged-csv",
        lambda p: _write(p / "rag.csv", "ds,y\n2021-01-01,1\n2021-01-02,2,3\n"),
        {},
        ["cannot read", "rag.csv"],
    ),
    (
        "no-numeric-column",
        lambda p: pl.DataFrame({"ds": [1, 2], "name": ["a", "b"]}),
        {},
        ["no numeric target column", "ds, name"],
    ),
    ("numpy-3d", lambda p: np.zeros((2, 2, 2)), {}, ["1-D", "(2, 2, 2)"]),
    ("unsupported-source", lambda p: [1.0, 2.0], {}, ["data must be a path", "list"]),
]


@pytest.mark.parametrize(
    "make_source, kwargs, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_raises_a_clear_error(tmp_path, make_source, kwargs, words):
    with pytest.raises(NHITSInputError) as caught:
        load_series(make_source(tmp_path), **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_no_series_long_enough_names_the_length_needed():
    series = load_series(long_frame(n_steps=100))
    with pytest.raises(NHITSInputError, match="at least 172 steps.*longest has 100"):
        prepare_splits(series, input_size=96, horizon=24, val_split=0.1, test_split=0.2)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"input_size": 0}, "input_size must be an integer >= 1"),
        ({"stride": 0}, "stride must be an integer >= 1"),
        ({"val_split": 1.5}, "val_split must be a fraction"),
        ({"val_split": 0.5, "test_split": 0.5}, "must leave data for training"),
        ({"series_scaler": "log"}, "series_scaler must be one of"),
    ],
)
def test_bad_split_arguments(kwargs, words):
    series = load_series(long_frame())
    arguments = {"input_size": 8, "horizon": 4, **kwargs}
    with pytest.raises(NHITSInputError, match=words):
        prepare_splits(series, **arguments)


def test_an_error_message_is_capped_and_a_short_one_kept_as_written():
    # The safety net behind the summarised lists: a message built from a hostile file (a
    # megabyte-long column name) stays one readable line.
    from keras_nhits.errors import MAX_MESSAGE

    long = NHITSInputError("column " + "x" * 10_000 + " is bad")
    assert len(str(long)) == MAX_MESSAGE and str(long).endswith("…")
    short = "target column 'y' is not numeric;\n choose another"
    assert str(NHITSInputError(short)) == "target column 'y' is not numeric; choose another"


def test_a_list_of_1000_columns_is_summarised_in_the_message():
    frame = pl.DataFrame({f"c{i}": [1.0] for i in range(1_000)})
    with pytest.raises(NHITSInputError) as caught:
        load_series(frame, target="nope")
    assert str(caught.value).endswith(
        "columns are: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 990 more"
    )

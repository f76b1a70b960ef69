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


# (case, prepare_splits keywords, the words of the NHITSInputError): the helpers' wording, the
# same as NHITSTrainingConfig's for the same field.
SPLIT_CASES = [
    ("zero-input", {"input_size": 0}, "input_size must be between 1 and 1000000; received 0"),
    ("zero-stride", {"stride": 0}, "stride must be between 1 and 9007199254740992; received 0"),
    ("huge-input", {"input_size": 10**30}, "input_size must be between 1 and 1000000; received "),
    ("bool-input", {"input_size": True}, "input_size must be an integer; received True"),
    ("numpy-bool-horizon", {"horizon": np.bool_(True)}, "horizon must be an integer"),
    ("float-stride", {"stride": 2.0}, "stride must be an integer; received 2.0"),
    ("part-count", {"val_split": 1.5}, "val_split must be a fraction below 1 or a whole count"),
    ("negative-split", {"test_split": -0.1}, "test_split must be >= 0.0"),
    ("inf-split", {"val_split": float("inf")}, "val_split must be a finite number; received inf"),
    ("nan-split", {"test_split": float("nan")}, "test_split must be a finite number"),
    ("numpy-inf-split", {"val_split": np.float64("inf")}, "val_split must be a finite number"),
    ("huge-float-split", {"val_split": 1e30}, "val_split must be >= 0.0 and at most"),
    ("huge-int-split", {"test_split": 10**30}, "test_split must be at most 9007199254740992"),
    ("bool-split", {"val_split": True}, "val_split must be a number; received True"),
    ("text-split", {"val_split": "0.1"}, "val_split must be a number; received '0.1'"),
    ("no-train-part", {"val_split": 0.5, "test_split": 0.5}, "must leave data for training"),
    ("unknown-scaler", {"series_scaler": "log"}, "series_scaler must be one of none, standard"),
]


@pytest.mark.parametrize(
    "kwargs, words", [c[1:] for c in SPLIT_CASES], ids=[c[0] for c in SPLIT_CASES]
)
def test_bad_split_arguments_are_refused_by_name(kwargs, words):
    # Never an OverflowError or TypeError from deep in NumPy: inf and 10**30 are refused by name.
    series = load_series(long_frame())
    arguments = {"input_size": 8, "horizon": 4, **kwargs}
    with pytest.raises(NHITSInputError) as caught:
        prepare_splits(series, **arguments)
    assert words in str(caught.value)


def test_numpy_scalars_are_taken_as_the_numbers_they_hold():
    series = load_series(long_frame())
    python = prepare_splits(series, input_size=8, horizon=4, stride=2, val_split=0.1, test_split=20)
    numpy = prepare_splits(
        series,
        input_size=np.int64(8),
        horizon=np.int32(4),
        stride=np.uint8(2),
        val_split=np.float64(0.1),
        test_split=np.int64(20),
    )
    for name in ("train", "val", "test", "sizes"):
        np.testing.assert_array_equal(getattr(numpy, name), getattr(python, name))
    # Kept as Python ints: NumPy's fixed-width arithmetic would wrap silently downstream.
    assert type(numpy.input_size) is int and type(numpy.horizon) is int


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"fill": 3}, "fill must be one of error, ffill, interpolate, zero; received 3"),
        ({"gaps": None}, "gaps must be one of warn, error, fill; received None"),
        ({"chunk_rows": 0}, "chunk_rows must be between 1 and"),
        ({"chunk_rows": "many"}, "chunk_rows must be an integer; received 'many'"),
    ],
)
def test_bad_reader_keywords_are_refused_by_name(kwargs, words):
    with pytest.raises(NHITSInputError) as caught:
        load_series(long_frame(), **kwargs)
    assert words in str(caught.value)


def test_a_numpy_chunk_size_reads_the_same_series():
    whole = load_series(long_frame())
    chunked = load_series(long_frame(), chunk_rows=np.int64(7))
    np.testing.assert_array_equal(chunked.values, whole.values)


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

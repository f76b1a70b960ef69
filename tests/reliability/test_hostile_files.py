"""Data files nobody here wrote, through `python -m keras_nhits.train` and `load_series`.

Each hostile file either ends the run with exit 2 and one short line (under 300 characters,
naming the problem) before anything is trained or written, with the data folder left as it was,
or, where reading it is the right answer, is read correctly. The error cases run in-process with a
fresh `--output` that must not be created.
"""

import gzip
import json
import os
import zipfile

import numpy as np
import polars as pl
import pytest

from keras_nhits.data import load_series
from tests.reliability.helpers import (
    ONE_BACKEND,
    TINY,
    Case,
    assert_one_error_line,
    hourly_frame,
    run_in_process,
    snapshot,
    write_bytes,
    write_text,
)
from tests.synthetic import HOUR, START

SHORT_LINE = 300


def _text(name, text):
    return lambda tmp: ["--data", write_text(tmp / name, text)]


def _csv_text(**kwargs):
    return hourly_frame(**kwargs).write_csv()


def _cut_gzip(steps):
    def make(tmp):
        data = gzip.compress(_csv_text(steps=steps).encode())
        return ["--data", write_bytes(tmp / "cut.csv.gz", data[: len(data) // 2])]

    return make


def _european(tmp):
    rows = "".join(f"2024-01-{1 + i // 24:02d} {i % 24:02d}:00;{i},5\n" for i in range(200))
    return ["--data", write_text(tmp / "export.csv", "date;price\n" + rows)]


def _wide_header(tmp):
    # 100,000 columns: the message naming the columns was 789 KB.
    header = ",".join(f"c{i}" for i in range(100_000))
    path = write_text(tmp / "wide.csv", header + "\n" + ",".join(["1"] * 100_000) + "\n")
    return ["--data", path, "--target", "nope"]


def _renamed(kind):
    """A file of another kind named data.csv (an Excel workbook is a ZIP archive)."""

    def make(tmp):
        path = tmp / "data.csv"
        if kind == "parquet":
            hourly_frame().write_parquet(path)
        elif kind == "gzip":
            write_bytes(path, gzip.compress(_csv_text().encode()))
        else:
            with zipfile.ZipFile(path, "w") as book:
                book.writestr("xl/workbook.xml", "<workbook/>")
        return ["--data", path]

    return make


def _folder(*files):
    def make(tmp):
        folder = tmp / "parts"
        folder.mkdir()
        for name, data in files:
            if data is None:
                os.symlink(folder / name, folder / name)  # a link to itself: a loop
            elif isinstance(data, bytes):
                write_bytes(folder / name, data)
            else:
                write_text(folder / name, data)
        return ["--data", folder]

    return make


def _fifo(tmp):
    os.mkfifo(tmp / "pipe.csv")
    return ["--data", tmp / "pipe.csv"]


def _unreadable(tmp):
    path = write_text(tmp / "locked.csv", _csv_text())
    os.chmod(path, 0)
    return ["--data", path]


def _long_line(tmp):
    return ["--data", write_text(tmp / "line.csv", "a" * 50_000_000)]


def _many_short_series(tmp):
    n = 10_000
    frame = pl.DataFrame(
        {
            "unique_id": np.repeat([f"x{i}" for i in range(n)], 3),
            "ds": np.tile(START + np.arange(3) * HOUR, n),
            "y": np.ones(3 * n),
        }
    )
    frame.write_csv(tmp / "short.csv")
    return ["--data", tmp / "short.csv"]


def _with_value(value):
    frame = hourly_frame()
    y = frame["y"].to_numpy().copy()
    y[30] = value
    return frame.with_columns(y=y).write_csv()


def _quoted_empty_ids():
    lines = _csv_text().splitlines()
    lines[3] = '""' + lines[3][lines[3].index(",") :]
    return "\n".join(lines) + "\n"


def _blank_id_parquet(tmp):
    frame = hourly_frame().with_columns(pl.col("unique_id").replace({"s1": ""}))
    frame.write_parquet(tmp / "ids.parquet")
    return ["--data", tmp / "ids.parquet"]


CASES = [
    Case("truncated-gzip", _cut_gzip(200), ["cut.csv.gz", "truncated"]),
    Case("truncated-small-gzip", _cut_gzip(20), ["cut.csv.gz", "truncated"]),
    Case("european-excel-export", _european, ["European Excel", "decimal_comma=True"]),
    Case("100000-columns", _wide_header, ["'nope'", "c9 and 99990 more"]),
    Case("bom-and-header-only", _text("bom.csv", "\ufeffunique_id,ds,y\r\n"), ["no data rows"]),
    Case("duplicate-column-names", _text("dup.csv", "ds,y,y\n2024-01-01,1,2\n"), ["two columns"]),
    Case(
        "quote-never-closed",
        _text("q.csv", 'ds,y\n"2024-01-01,1\n2024-01-02,2\n'),
        ["q.csv", "never closed"],
    ),
    Case(
        "csv-named-parquet",
        lambda tmp: ["--data", write_text(tmp / "data.parquet", _csv_text())],
        ["data.parquet", "holds text"],
    ),
    Case(
        "parquet-named-csv", _renamed("parquet"), ["data.csv", "a Parquet file", "name it .parquet"]
    ),
    Case("gzip-named-csv", _renamed("gzip"), ["data.csv", "gzip-compressed", "name it .csv.gz"]),
    Case("xlsx-named-csv", _renamed("zip"), ["data.csv", "ZIP archive", "save it as CSV"]),
    Case(
        "folder-with-one-broken-file",
        _folder(("a.csv", _csv_text()), ("b.csv", bytes(range(256)) * 4)),
        ["b.csv", "binary"],
    ),
    Case(
        "link-loop-in-folder",
        _folder(("a.csv", _csv_text()), ("loop.csv", None)),
        ["loop.csv", "loop of links"],
    ),
    Case("fifo", _fifo, ["pipe.csv", "not a regular file"]),
    Case("dev-zero", lambda tmp: ["--data", "/dev/zero"], ["/dev/zero", "not a regular file"]),
    Case(
        "no-read-permission",
        _unreadable,
        ["locked.csv", "Permission denied"],
        [pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission")],
    ),
    Case("50-MB-single-line", _long_line, ["line.csv", "no data rows"]),
    Case(
        "10000-series-of-3-rows",
        _many_short_series,
        ["no series is long enough", "the longest has 3"],
    ),
    Case("value-1e308", _text("big.csv", _with_value(1e308)), ["'s0'", "float32 range"]),
    Case("value-minus-1e308", _text("neg.csv", _with_value(-1e308)), ["'s0'", "float32 range"]),
    Case(
        "quoted-empty-id",
        _text("ids.csv", _quoted_empty_ids()),
        ["id column 'unique_id'", "empty at row 2"],
    ),
    Case(
        "empty-text-id-in-parquet",
        _blank_id_parquet,
        ["id column 'unique_id'", "empty at row 200"],
    ),
    Case(
        "duplicate-times-in-mixed-zones",
        _text("tz.csv", "ds,y\n2024-01-01T01:00:00+01:00,1\n2024-01-01T00:00:00Z,2\n"),
        ["duplicate timestamp"],
    ),
]


@ONE_BACKEND
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_hostile_file_exits_2_with_one_short_line_and_writes_nothing(case, tmp_path, capfd):
    data = tmp_path / "data"
    data.mkdir()
    flags = case.make(data)
    before = snapshot(data)
    fresh = tmp_path / "fresh_run"
    result = run_in_process([*TINY, *flags, "--output", fresh], capfd)
    line = assert_one_error_line(result, case.words)
    assert len(line) < SHORT_LINE, f"{len(line)} characters: {line}"
    assert not fresh.exists()
    assert snapshot(data) == before


def test_every_hostile_case_is_distinct():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@ONE_BACKEND
def test_a_gzip_bomb_is_refused_before_it_fills_memory(tmp_path, capfd, monkeypatch):
    # 8 MB of CSV text in a 10 kB file; the limit (half the machine's memory) lowered to 1 MB.
    from keras_nhits.data import sources

    monkeypatch.setattr(sources, "gzip_limit", lambda: 2**20)
    path = write_bytes(tmp_path / "bomb.csv.gz", gzip.compress(b"ds,y\n" + b"1,2\n" * 2_000_000))
    fresh = tmp_path / "fresh_run"
    result = run_in_process([*TINY, "--data", path, "--output", fresh], capfd)
    assert_one_error_line(result, ["bomb.csv.gz", "inflates to more than 0.000977 GiB"])
    assert not fresh.exists()


# === Files that are read correctly ===


@ONE_BACKEND
def test_ids_are_text_and_a_name_with_glob_characters_is_that_file(tmp_path, capfd):
    # `00501` stays `00501`, and `007` and `7` are two series (they were merged as the int 7);
    # a file named `ids[1].csv` was read as a glob matching nothing.
    from keras_nhits.cli import predict

    names = {"s0": "00501", "s1": "007", "s2": "7"}
    frame = hourly_frame(n_series=3).with_columns(pl.col("unique_id").replace(names))
    path = tmp_path / "ids[1].csv"
    frame.write_csv(path)
    run = tmp_path / "run"
    result = run_in_process([*TINY, "--data", path, "--output", run], capfd)
    assert result.code == 0, result.stderr
    config = json.loads((run / "config.json").read_text())
    assert config["data"]["series"] == ["00501", "007", "7"]

    out = tmp_path / "forecasts.csv"
    flags = ["--model", run, "--data", path, "--output", out]
    result = run_in_process(flags, capfd, main=predict.main)
    assert result.code == 0, result.stderr
    forecasts = pl.read_csv(out, schema_overrides={"unique_id": pl.String})
    assert forecasts["unique_id"].unique(maintain_order=True).to_list() == ["00501", "007", "7"]


@pytest.mark.parametrize("name", ["a*b.csv", "what?.csv", "data[1].parquet"])
def test_an_existing_file_is_read_even_with_glob_characters_in_its_name(name, tmp_path):
    path = tmp_path / name
    if name.endswith(".parquet"):
        hourly_frame().write_parquet(path)
    else:
        hourly_frame().write_csv(path)
    (tmp_path / "a_other_b.csv").write_text("not,this\n1,2\n")  # a*b.csv would match it too
    assert load_series(str(path)).ids == ["s0", "s1"]


def test_integer_ids_in_parquet_become_their_text(tmp_path):
    frame = hourly_frame().with_columns(unique_id=pl.col("unique_id").replace({"s0": 501, "s1": 7}))
    frame.cast({"unique_id": pl.Int64}).write_parquet(tmp_path / "ids.parquet")
    assert load_series(tmp_path / "ids.parquet").ids == ["501", "7"]


def test_bom_and_crlf_read_like_a_plain_file(tmp_path):
    text = _csv_text()
    plain = load_series(write_text(tmp_path / "plain.csv", text))
    hostile = load_series(
        write_bytes(tmp_path / "w.csv", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    )
    assert hostile.ids == plain.ids
    np.testing.assert_array_equal(hostile.values, plain.values)
    np.testing.assert_array_equal(hostile.times(1), plain.times(1))


def test_mixed_time_zones_are_read_as_one_utc_clock(tmp_path):
    # Every other row written with +01:00: the same hourly clock once converted.
    times = [
        f"2024-01-01T{h:02d}:00:00Z" if h % 2 == 0 else f"2024-01-01T{h + 1:02d}:00:00+01:00"
        for h in range(22)
    ]
    path = tmp_path / "tz.csv"
    pl.DataFrame({"ds": times, "y": np.arange(22.0)}).write_csv(path)
    series = load_series(path)
    assert series.freqs == [np.timedelta64(1, "h")]
    np.testing.assert_array_equal(series.times(0), START + np.arange(22) * HOUR)


def test_a_column_without_a_name_is_not_a_series(tmp_path):
    # pandas' `to_csv` writes its index as a first column named "".
    frame = hourly_frame(n_series=1).drop("unique_id").rename({"y": "price"})
    path = tmp_path / "pandas.csv"
    frame.with_row_index("").write_csv(path)
    series = load_series(path)
    assert series.ids == ["price"]
    np.testing.assert_allclose(series.values, frame["price"].to_numpy(), rtol=1e-6)


def test_a_double_link_loop_under_a_recursive_glob_ends(tmp_path):
    # Python's glob follows links to folders: two links back to the top made `**` endless.
    sub = tmp_path / "data" / "sub"
    sub.mkdir(parents=True)
    hourly_frame().write_csv(sub / "a.csv")
    os.symlink(tmp_path / "data", sub / "up1")
    os.symlink(tmp_path / "data", sub / "up2")
    assert load_series(str(tmp_path / "data" / "**" / "*.csv")).ids == ["s0", "s1"]


# === Overflow when the time index is continued or differenced ===


def test_integer_times_near_int64_max_are_not_continued_by_wrapping():
    # predict wrote these as the forecast times: -9223372036854775808, ... (wrapped).
    from keras_nhits.data.timeindex import future_times
    from keras_nhits.errors import NHITSInputError

    with pytest.raises(NHITSInputError):
        future_times(np.int64(2**63 - 1), 1, 3)
    from keras_nhits.data.timeindex import future_time_rows

    with pytest.raises(NHITSInputError, match="largest integer"):
        future_time_rows(np.array([0, 2**63 - 3], np.int64), [1, 1], 3)


def test_integer_times_spanning_int64_are_refused_or_read_in_order():
    # The step from -2**63+1 to 2**63-1 overflows int64: the series was reported as
    # "sorted ... (rows were out of order)" and its step as -2.
    from keras_nhits.errors import NHITSInputError

    frame = pl.DataFrame({"ds": [-(2**63) + 1, 2**63 - 1], "y": [1.0, 2.0]})
    try:
        series = load_series(frame)
    except NHITSInputError:
        return
    assert not any("sorted" in line for line in series.report), series.report
    assert series.values.tolist() == [1.0, 2.0]


def test_forecast_times_past_the_year_9999_are_refused():
    # predict wrote +10000-01-01 03:00:00, which most tools cannot read.
    from keras_nhits.data.timeindex import future_times
    from keras_nhits.errors import NHITSInputError

    with pytest.raises(NHITSInputError, match="year 10000"):
        future_times(np.datetime64("9999-12-31T22:00", "us"), np.timedelta64(1, "h"), 6)
    assert future_times(np.datetime64("9999-12-31T22:00", "us"), np.timedelta64(1, "h"), 1)
    from keras_nhits.data.timeindex import future_time_rows

    last = np.array(["2024-01-01T00:00", "9999-12-31T22:00"], "datetime64[us]")
    with pytest.raises(NHITSInputError, match="year 10000"):
        future_time_rows(last, [np.timedelta64(1, "h")] * 2, 6)
    # datetime64[ns] ends in 2262: continuing past it would wrap around.
    with pytest.raises(NHITSInputError, match="year 10000"):
        future_time_rows(
            np.array(["2262-04-11T00:00"], "datetime64[ns]"), [np.timedelta64(1, "D")], 2
        )


def test_a_series_id_of_100000_characters_is_shortened_in_the_report():
    from keras_nhits.data import prepare_splits

    long_id = "x" * 100_000
    short = hourly_frame(n_series=1, steps=3).with_columns(unique_id=pl.lit(long_id))
    splits = prepare_splits(
        load_series(pl.concat([hourly_frame(), short])), input_size=24, horizon=6
    )
    assert splits.skipped == [long_id]
    skipped = next(line for line in splits.report if "skipped 1 series" in line)
    assert "x" * 79 + "… (3)" in skipped and len(skipped) < 300


@pytest.mark.parametrize("bad", [2e15, -2e15, np.nan, np.inf, -np.inf])
def test_forecast_windows_beyond_the_float32_range_are_refused_naming_the_series(bad):
    from keras_nhits.errors import NHITSInputError
    from keras_nhits.serving.window_forecasts import check_range

    x = np.zeros((3, 4), np.float32)
    x[1, 2] = -1e15  # at the limit: served
    check_range(x, ["a", "b", "c"])
    x[2, 1] = bad
    with pytest.raises(NHITSInputError, match="series 'c'"):
        check_range(x, ["a", "b", "c"])

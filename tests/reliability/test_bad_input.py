"""Malformed inputs through `python -m keras_nhits.train`: exit 2, one line, output untouched.

Every case runs in-process twice (`cli.run(train.main, argv)` is what the module's `__main__`
runs; stdout and stderr are captured at the file-descriptor level, so C-level writes count):
once with a fresh `--output`, which must not be created, and once with `--output` holding a
previous run and `--overwrite`, which must be left byte for byte as it was. A handful run again
as real subprocesses, the proof that no traceback reaches the terminal. The cases that must
train (unsorted rows, a constant series, 1e30 values with a series scaler) are at the end.
"""

import gzip
import json
import os

import numpy as np
import polars as pl
import pytest

from tests.reliability.helpers import (
    TINY,
    Case,
    assert_one_error_line,
    hourly_frame,
    previous_run,
    run_in_process,
    run_subprocess,
    snapshot,
    write_bytes,
    write_text,
)


def _csv(frame, name="data.csv", **kwargs):
    def make(tmp):
        path = tmp / name
        frame().write_csv(path, **kwargs)
        return ["--data", path]

    return make


def _raw(name, data):
    def make(tmp):
        writer = write_bytes if isinstance(data, bytes) else write_text
        return ["--data", writer(tmp / name, data)]

    return make


def _with_y(row, value):
    """The hourly frame with row `row` of `y` replaced by the text `value` (CSV cell)."""
    return lambda: hourly_frame().with_columns(
        y=pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(value))
        .otherwise(pl.col("y").cast(pl.String))
    )


def _parquet_bytes(tmp):
    path = tmp / "whole.parquet"
    hourly_frame().write_parquet(path)
    return path.read_bytes()


def _truncated_parquet(tmp):
    data = _parquet_bytes(tmp)
    return ["--data", write_bytes(tmp / "cut.parquet", data[: len(data) // 2])]


def _corrupt_parquet(tmp):
    # Both magic numbers intact, the footer that describes the columns overwritten.
    data = bytearray(_parquet_bytes(tmp))
    footer = int.from_bytes(data[-8:-4], "little")
    data[-8 - footer : -8] = np.random.default_rng(0).bytes(footer)
    return ["--data", write_bytes(tmp / "bad.parquet", bytes(data))]


def _folder(tmp):
    (tmp / "empty_folder").mkdir()
    return ["--data", tmp / "empty_folder"]


def _folder_with_header_only(tmp):
    (tmp / "parts").mkdir()
    write_text(tmp / "parts" / "a.csv", "unique_id,ds,y\n")
    return ["--data", tmp / "parts"]


def _long_with_late_text(tmp):
    # Text at row 11,000: after the 10,000 rows the CSV reader infers the column types from.
    frame = hourly_frame(steps=6_000).with_columns(pl.col("y").cast(pl.String))
    frame = frame.with_columns(
        y=pl.when(pl.int_range(pl.len()) == 11_000).then(pl.lit("n/a!")).otherwise("y")
    )
    frame.write_csv(tmp / "late.csv")
    return ["--data", tmp / "late.csv"]


def _two_date_formats():
    frame = hourly_frame()
    text = frame["ds"].dt.strftime("%Y-%m-%d %H:%M:%S")
    other = frame["ds"].dt.strftime("%d/%m/%Y %H:%M")
    return frame.with_columns(ds=pl.Series(np.where(np.arange(len(frame)) == 70, other, text)))


def _with_config(text, suffix=".json"):
    def make(tmp):
        return ["--data", _good(tmp), "--config", write_text(tmp / f"run{suffix}", text)]

    return make


def _good(tmp):
    path = tmp / "good.csv"
    if not path.exists():
        hourly_frame().write_csv(path)
    return path


def _flags(*flags):
    return lambda tmp: ["--data", _good(tmp), *flags]


def _not_gzip(tmp):
    return ["--data", write_bytes(tmp / "data.csv.gz", b"unique_id,ds,y\ns0,2024-01-01,1\n")]


def _gzip_header_only(tmp):
    with gzip.open(tmp / "data.csv.gz", "wt") as handle:
        handle.write("unique_id,ds,y\n")
    return ["--data", tmp / "data.csv.gz"]


def _known_bug(reason):
    return [pytest.mark.xfail(strict=True, reason=reason)]


CASES = [
    # --- the file itself
    Case("empty-file", _raw("empty.csv", ""), ["empty.csv", "is empty"]),
    Case("header-only", _raw("h.csv", "unique_id,ds,y\n"), ["h.csv", "header but no data"]),
    Case("gzip-header-only", _gzip_header_only, ["data.csv.gz", "header but no data"]),
    Case("semicolons", _csv(hourly_frame, separator=";"), ["single column", "semicolons"]),
    Case("tabs-in-csv", _csv(hourly_frame, separator="\t"), ["single column", "tabs"]),
    Case("binary-csv", _raw("data.csv", bytes(range(256)) * 20), ["data.csv", "binary"]),
    Case(
        "latin-1-csv",
        _raw("data.csv", "unique_id,ds,y\ncaf\xe9,2024-01-01,1\n".encode("latin-1")),
        ["data.csv", "not UTF-8"],
    ),
    Case("not-gzip", _not_gzip, ["data.csv.gz", "Not a gzipped file"]),
    Case("truncated-parquet", _truncated_parquet, ["cut.parquet", "not a valid Parquet"]),
    Case("corrupt-parquet", _corrupt_parquet, ["bad.parquet", "cannot read"]),
    Case("directory-without-data", _folder, ["empty_folder", "contains no .parquet or .csv"]),
    Case("directory-of-header-only", _folder_with_header_only, ["a.csv", "header but no data"]),
    Case("missing-path", lambda t: ["--data", t / "nope.csv"], ["nope.csv", "does not exist"]),
    Case("unknown-format", _raw("data.xlsx", "x"), ["unknown format .xlsx"]),
    # --- columns
    Case("missing-target", _flags("--target", "price"), ["'price'", "columns are"]),
    Case("missing-time-column", _flags("--time-col", "when"), ["time_col", "'when'"]),
    Case("missing-id-column", _flags("--id-col", "series"), ["id_col", "'series'"]),
    Case(
        "no-target-column",
        _csv(lambda: hourly_frame().drop("y")),
        ["no numeric target column", "unique_id, ds"],
    ),
    Case("target-names-nothing", _flags("--target", ","), ["target ','", "names no column"]),
    Case("target-is-time", _flags("--target", "ds"), ["'ds'", "also the time column"]),
    # --- values
    Case(
        "target-all-null",
        _csv(lambda: hourly_frame().with_columns(y=pl.lit(None, pl.Float64))),
        ["target column 'y'", "no valid target value", "400 rows"],
    ),
    Case(
        "target-partly-null",
        _csv(_with_y(50, "")),
        ["series 's0'", "missing", "2024-01-03T02:00"],
    ),
    Case("target-nan", _csv(_with_y(260, "NaN")), ["series 's1'", "missing", "2024-01-03T12:00"]),
    Case("target-inf", _csv(_with_y(61, "inf")), ["series 's0'", "an inf", "2024-01-03T13:00"]),
    Case("target-text", _csv(_with_y(60, "abc")), ["'y'", "not numeric", "'abc' at row 60"]),
    Case("target-text-after-row-10000", _long_with_late_text, ["'n/a!' at row 11000"]),
    Case("float32-overflow", _csv(lambda: hourly_frame(scale=1e39)), ["'s0'", "float32 range"]),
    Case(
        "values-1e30",
        _csv(lambda: hourly_frame(scale=1e30)),
        ["series 's0'", "float32", "series_scaler=standard"],
    ),
    # --- time
    Case(
        "two-date-formats",
        _csv(_two_date_formats),
        ["time column 'ds'", "format of its first value", "'03/01/2024 22:00'"],
    ),
    Case(
        "duplicate-timestamps",
        _csv(lambda: pl.concat([hourly_frame(), hourly_frame().slice(10, 1)])),
        ["series 's0'", "duplicate timestamp 2024-01-01T10:00"],
    ),
    Case(
        "empty-time-cell",
        _csv(
            lambda: hourly_frame().with_columns(
                ds=pl.when(pl.int_range(pl.len()) == 5).then(None).otherwise("ds")
            )
        ),
        ["time column 'ds'", "empty"],
    ),
    Case(
        "empty-id-cell",
        _csv(
            lambda: hourly_frame().with_columns(
                unique_id=pl.when(pl.int_range(pl.len()) == 7).then(None).otherwise("unique_id")
            )
        ),
        ["id column 'unique_id'", "row 7"],
    ),
    # --- lengths
    Case(
        "one-series-of-length-1",
        _csv(lambda: hourly_frame(n_series=1, steps=1)),
        ["no series is long enough", "the longest has 1"],
    ),
    Case(
        "every-series-too-short",
        _csv(lambda: hourly_frame(n_series=3, steps=20)),
        ["no series is long enough", "at least 43 steps", "the longest has 20"],
    ),
    Case(
        "horizon-longer-than-data",
        _flags("--horizon", "500"),
        ["no series is long enough", "input_size + horizon = 524"],
    ),
    Case("no-test-window", _flags("--test-split", "0"), ["no test window", "--test-split"]),
    # --- flags
    Case("negative-input-size", _flags("--input-size", "-5"), ["input_size", "received -5"]),
    Case("zero-horizon", _flags("--horizon", "0"), ["horizon", "received 0"]),
    Case("zero-batch-size", _flags("--batch-size", "0"), ["batch_size", "received 0"]),
    Case("zero-hidden-size", _flags("--hidden-size", "0"), ["hidden_size", "received 0"]),
    Case("negative-epochs", _flags("--epochs", "-1"), ["epochs", "received -1"]),
    Case("zero-stride", _flags("--stride", "0"), ["stride", "received 0"]),
    Case("pool-larger-than-window", _flags("--pool-sizes", "50,2,1"), ["pool_sizes", "24"]),
    Case("pool-size-zero", _flags("--pool-sizes", "0,2,1"), ["pool_sizes", "received 0"]),
    Case("pool-sizes-text", _flags("--pool-sizes", "a,b"), ["--pool-sizes", "'a,b'"]),
    Case("stacks-vs-pool-sizes", _flags("--n-stacks", "2"), ["pool_sizes", "n_stacks=2"]),
    Case("unknown-pooling", _flags("--pooling", "median"), ["pooling", "'median'"]),
    Case("unknown-interpolation", _flags("--interpolation", "spline"), ["interpolation"]),
    Case("unknown-scaler", _flags("--scaler", "log"), ["scaler", "'log'"]),
    Case("unknown-series-scaler", _flags("--series-scaler", "log"), ["series_scaler"]),
    Case("unknown-loss", _flags("--loss", "quantile"), ["loss", "'quantile'"]),
    Case("unknown-optimizer", _flags("--optimizer", "adamax"), ["optimizer", "'adamax'"]),
    Case("unknown-fill", _flags("--fill", "mean"), ["fill", "'mean'"]),
    Case("unknown-gaps", _flags("--gaps", "drop"), ["gaps", "'drop'"]),
    Case("dropout-one", _flags("--dropout", "1"), ["dropout", "received 1.0"]),
    Case("nan-learning-rate", _flags("--lr", "nan"), ["lr", "nan"]),
    Case("text-for-a-number", _flags("--horizon", "abc"), ["--horizon", "'abc'"]),
    Case("unknown-flag", _flags("--no-such-flag"), ["unrecognized", "--no-such-flag"]),
    Case("gpu-below-minus-one", _flags("--gpu", "-2"), ["gpu", "received -2"]),
    Case(
        "unknown-activation",
        _flags("--activation", "sinus"),
        ["activation", "'sinus'"],
    ),
    Case(
        "infinite-learning-rate",
        _flags("--lr", "inf"),
        ["lr", "inf"],
        [pytest.mark.slow],
    ),
    Case(
        "infinite-val-split",
        _flags("--val-split", "inf"),
        ["val_split", "inf"],
    ),
    Case("huge-test-split", _flags("--test-split", "1e30"), ["test_split", "at most"]),
    Case(
        "splits-leave-no-training",
        _flags("--val-split", "0.5", "--test-split", "0.5"),
        ["val_split + test_split must leave data for training"],
    ),
    Case(
        "seed-beyond-32-bits",
        _flags("--seed", str(2**40)),
        ["seed", str(2**40)],
    ),
    # --- config files
    Case(
        "config-unknown-key",
        _with_config(json.dumps({"horizon": 6, "bogus": 1})),
        ["unknown config key(s)", "bogus"],
    ),
    Case(
        "config-wrong-type",
        _with_config(json.dumps({"horizon": "six"})),
        ["config key horizon", "int", "'six'"],
    ),
    Case("config-toml-wrong-type", _with_config("epochs = 1.5\n", ".toml"), ["epochs", "1.5"]),
    Case("config-not-json", _with_config('{"horizon": '), ["run.json", "not valid JSON"]),
    Case("config-not-an-object", _with_config("[1, 2]"), ["run.json", "object"]),
    Case(
        "config-missing",
        lambda t: ["--data", _good(t), "--config", t / "nope.toml"],
        ["nope.toml", "does not exist"],
    ),
]


def _param(case):
    return pytest.param(case, id=case.id, marks=case.marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_exits_2_with_one_line_and_leaves_output_alone(case, tmp_path, capfd):
    flags = case.make(tmp_path)
    fresh = tmp_path / "fresh_run"
    result = run_in_process([*TINY, *flags, "--output", fresh], capfd)
    line = assert_one_error_line(result, case.words)
    assert not fresh.exists(), f"--output was created: {sorted(os.listdir(fresh))}"

    kept = previous_run(tmp_path / "previous_run")
    before = snapshot(kept)
    again = run_in_process([*TINY, *flags, "--output", kept, "--overwrite"], capfd)
    assert_one_error_line(again, case.words)
    assert snapshot(kept) == before, f"the previous run was changed by: {line}"


def test_every_listed_case_is_distinct_and_there_are_at_least_30():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 30


def test_output_that_is_a_file_is_refused_and_kept(tmp_path, capfd):
    target = write_text(tmp_path / "results.txt", "not a folder")
    result = run_in_process([*TINY, *_flags()(tmp_path), "--output", target], capfd)
    assert_one_error_line(result, ["results.txt", "cannot be used"])
    assert snapshot(target) == {"": b"not a folder"}


def test_checkpoint_dir_that_is_a_file_is_refused_before_anything_is_written(tmp_path, capfd):
    target = write_text(tmp_path / "ckpt", "not a folder")
    out = tmp_path / "run"
    flags = [*TINY, *_flags()(tmp_path), "--output", out, "--checkpoint-dir", target]
    assert_one_error_line(run_in_process(flags, capfd), ["ckpt"])
    assert not out.exists()


# === The real command line ===

SUBPROCESS_CASES = [
    "binary-csv",
    "truncated-parquet",
    "missing-target",
    "two-date-formats",
    "values-1e30",
    "config-unknown-key",
]


@pytest.mark.slow
@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_bad_input_through_a_real_subprocess(case_id, tmp_path):
    case = next(c for c in CASES if c.id == case_id)
    kept = previous_run(tmp_path / "previous_run")
    before = snapshot(kept)
    flags = [*TINY, *case.make(tmp_path), "--output", kept, "--overwrite"]
    assert_one_error_line(run_subprocess(flags), case.words)
    assert snapshot(kept) == before


# === Inputs that are repaired or legal: they train ===


def _metrics(folder):
    return json.loads((folder / "metrics.json").read_text())


def _all_finite(metrics):
    history = metrics["history"]
    values = [*metrics["test"].values(), *(r[k] for r in history for k in ("loss", "val_loss"))]
    return all(v is not None and np.isfinite(v) for v in values)


@pytest.mark.slow
def test_unsorted_rows_are_sorted_reported_and_train(tmp_path, capfd):
    path = tmp_path / "shuffled.csv"
    hourly_frame().sample(fraction=1.0, shuffle=True, seed=1).write_csv(path)
    out = tmp_path / "run"
    result = run_in_process([*TINY, "--data", path, "--output", out], capfd)
    assert result.code == 0, result.stderr
    assert "sorted 2 series by time (rows were out of order" in result.stdout
    assert "rows of different series were interleaved; regrouped them" in result.stdout
    assert _all_finite(_metrics(out))


@pytest.mark.slow
def test_a_constant_series_trains_without_dividing_by_zero(tmp_path, capfd):
    path = tmp_path / "constant.csv"
    frame = hourly_frame(n_series=3)
    frame.with_columns(y=pl.when(pl.col("unique_id") == "s1").then(5.0).otherwise("y")).write_csv(
        path
    )
    out = tmp_path / "run"
    flags = [*TINY, "--data", path, "--series-scaler", "standard", "--output", out]
    result = run_in_process(flags, capfd)
    assert result.code == 0, result.stderr
    assert "1 series have constant training values and keep scale 1: s1" in result.stdout
    assert _all_finite(_metrics(out)), _metrics(out)


@pytest.mark.slow
def test_values_of_1e30_train_with_a_series_scaler(tmp_path, capfd):
    # float32 holds 1e30 but not its square: without a scaler the run is refused (values-1e30
    # above); the series scaler is fitted in float64 and brings the values to unit scale.
    path = tmp_path / "huge.csv"
    hourly_frame(scale=1e30).write_csv(path)
    out = tmp_path / "run"
    flags = [*TINY, "--data", path, "--series-scaler", "standard", "--output", out]
    result = run_in_process(flags, capfd)
    assert result.code == 0, result.stderr
    metrics = _metrics(out)
    assert _all_finite(metrics)
    assert 1e28 < metrics["test"]["mae"] < 1e32  # in raw units

"""What `python -m keras_nhits.predict --output FILE` writes, and what it never replaces.

One tiny hourly run for the module (columns `unique_id, ds, y`). The forecasts keep the input's
time format, ids and float32 precision; the data read, a folder, a file predict did not write and
a place that cannot be written are refused with one line, nothing written or changed.
"""

import json
import os
import re
import shutil

import numpy as np
import polars as pl
import pytest

from tests.reliability.helpers import (
    ONE_BACKEND,
    assert_one_error_line,
    hourly_frame,
    run_in_process,
    snapshot,
    train_tiny_run,
)

pytestmark = [pytest.mark.slow, ONE_BACKEND]  # one training for the module

predict = pytest.importorskip("keras_nhits.cli.predict")

HORIZON = 6


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("predict_outputs")
    hourly_frame().write_csv(folder / "series.csv")
    return train_tiny_run(folder / "series.csv", folder / "run", horizon=HORIZON)


def _predict(run_dir, data, *flags, capfd):
    return run_in_process(["--model", run_dir, "--data", data, *flags], capfd, main=predict.main)


def _data_file(tmp_path):
    path = tmp_path / "data" / "series.csv"
    path.parent.mkdir()
    hourly_frame().write_csv(path)
    return path


# === Never replaced ===


@pytest.mark.parametrize(
    "data, output, words",
    [
        ("{file}", "{file}", ["would replace the data it reads"]),
        ("{folder}/*.csv", "{file}", ["would replace the data it reads"]),
        ("{folder}", "{file}", ["would replace the data it reads"]),
        ("{folder}", "{folder}/new.csv", ["inside the data folder"]),
    ],
    ids=["file", "glob", "folder", "new-file-in-the-data-folder"],
)
def test_predict_never_writes_over_the_data_it_reads(run_dir, tmp_path, capfd, data, output, words):
    path = _data_file(tmp_path)
    os.symlink(path, tmp_path / "link.csv")
    names = {"file": path, "folder": path.parent}
    before = snapshot(tmp_path)
    result = _predict(
        run_dir, data.format(**names), "--output", output.format(**names), capfd=capfd
    )
    assert_one_error_line(result, ["--output", *words])
    assert snapshot(tmp_path) == before
    through_link = _predict(run_dir, path, "--output", tmp_path / "link.csv", capfd=capfd)
    assert_one_error_line(through_link, ["would replace the data it reads"])
    assert snapshot(tmp_path) == before


def _parquet_of_the_user(path):
    pl.DataFrame({"ds": [1, 2], "forecast": [1.0, 2.0]}).write_parquet(path)


@pytest.mark.parametrize(
    "name, make",
    [
        ("notes.csv", lambda p: p.write_text("my,own,table\n1,2,3\n")),
        ("empty.csv", lambda p: p.write_text("")),
        ("theirs.parquet", _parquet_of_the_user),
        ("data.csv", lambda p: hourly_frame(steps=30).write_csv(p)),
    ],
    ids=["csv-of-the-user", "empty-file", "parquet-without-our-metadata", "a-data-file"],
)
def test_an_existing_file_predict_did_not_write_is_kept(run_dir, tmp_path, capfd, name, make):
    output = tmp_path / name
    make(output)
    before = output.read_bytes()
    result = _predict(run_dir, _data_file(tmp_path), "--output", output, capfd=capfd)
    assert_one_error_line(result, [name, "not a forecast file predict wrote"])
    assert output.read_bytes() == before


@pytest.mark.parametrize("name", ["forecast.csv", "forecast.parquet"])
def test_a_forecast_file_predict_wrote_is_replaced(run_dir, tmp_path, capfd, name):
    data = _data_file(tmp_path)
    output = tmp_path / name
    first = _predict(run_dir, data, "--output", output, capfd=capfd)
    assert first.code == 0, first.stderr
    assert _predict(run_dir, data, "--output", output, capfd=capfd).code == 0
    frame = pl.read_parquet(output) if name.endswith(".parquet") else pl.read_csv(output)
    assert frame.columns == ["unique_id", "ds", "forecast"] and frame.height == 2 * HORIZON
    if name.endswith(".parquet"):
        assert pl.read_parquet_metadata(output)["kind"] == "forecast"


def test_an_output_in_a_missing_folder_or_onto_a_folder_is_one_line(run_dir, tmp_path, capfd):
    data = _data_file(tmp_path)
    (tmp_path / "out.csv").mkdir()
    missing = _predict(run_dir, data, "--output", tmp_path / "nope" / "f.csv", capfd=capfd)
    assert_one_error_line(missing, ["nope", "does not exist"])
    onto_folder = _predict(run_dir, data, "--output", tmp_path / "out.csv", capfd=capfd)
    assert_one_error_line(onto_folder, ["out.csv", "is a folder"])
    assert not (tmp_path / "nope").exists() and os.listdir(tmp_path / "out.csv") == []


def test_an_output_in_a_read_only_folder_is_one_line(run_dir, tmp_path, capfd):
    data = _data_file(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user writes through permissions (root)")
        result = _predict(run_dir, data, "--output", locked / "f.csv", capfd=capfd)
        assert_one_error_line(result, ["locked", "read-only"])
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o700)


# === What the forecasts look like ===


def _long_csv(path, ids, times):
    rows = ["unique_id,ds,y"]
    for k, series_id in enumerate(ids):
        rows += [f"{series_id},{t},{10 + k + np.sin(i / 3):.3f}" for i, t in enumerate(times)]
    path.write_text("\n".join(rows) + "\n")
    return path


DAYS = [str(np.datetime64("2024-01-01") + i) for i in range(30)]
HOURS = [f"2024-01-{1 + i // 24:02d} {i % 24:02d}:00:00" for i in range(30)]


@pytest.mark.parametrize(
    "times, pattern, first",
    [
        (DAYS, r"\d{4}-\d\d-\d\d", "2024-01-31"),
        (HOURS, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "2024-01-02 06:00:00"),
        ([str(100 + i) for i in range(30)], r"13\d", "130"),
    ],
    ids=["dates", "datetimes", "integer-steps"],
)
def test_forecasts_keep_the_time_format_and_float32_digits(
    run_dir, tmp_path, capfd, times, pattern, first
):
    data = _long_csv(tmp_path / "in.csv", ["a", "b"], times)
    result = _predict(run_dir, data, "--output", tmp_path / "out.csv", capfd=capfd)
    assert result.code == 0, result.stderr
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0] == "unique_id,ds,forecast" and len(lines) == 1 + 2 * HORIZON
    for line in lines[1:]:
        _, time, value = line.split(",")
        assert re.fullmatch(pattern, time), line
        assert str(np.float32(value)) == value, line  # the shortest float32 spelling
    assert lines[1].split(",")[1] == first


def test_series_ids_stay_text_as_read(run_dir, tmp_path, capfd):
    data = _long_csv(tmp_path / "in.csv", ["007", "7", "00501"], HOURS)
    result = _predict(run_dir, data, "--output", tmp_path / "out.csv", capfd=capfd)
    assert result.code == 0, result.stderr
    ids = [line.split(",")[0] for line in (tmp_path / "out.csv").read_text().splitlines()[1:]]
    assert sorted(set(ids)) == ["00501", "007", "7"] and len(ids) == 3 * HORIZON


# Mon 1 Jan 2024 to Fri 9 Feb 2024, weekdays only: six weeks of business days.
BUSINESS_DAYS = [
    str(day)
    for day in np.arange("2024-01-01", "2024-02-10", dtype="datetime64[D]")
    if np.is_busday(day)
]


def test_business_days_continue_on_business_days(run_dir, tmp_path, capfd):
    data = _long_csv(tmp_path / "in.csv", ["a"], BUSINESS_DAYS)
    result = _predict(run_dir, data, "--freq", "B", "--output", tmp_path / "f.csv", capfd=capfd)
    assert result.code == 0, result.stderr
    days = pl.read_csv(tmp_path / "f.csv")["ds"].to_list()
    assert days == [
        "2024-02-12",
        "2024-02-13",
        "2024-02-14",
        "2024-02-15",
        "2024-02-16",
        "2024-02-19",
    ]
    # Without the flag, the run's own --freq (here edited into a copy of its config.json).
    run = shutil.copytree(run_dir, tmp_path / "run")
    record = json.loads((run / "config.json").read_text())
    record["training"]["freq"] = "B"
    (run / "config.json").write_text(json.dumps(record))
    again = _predict(run, data, "--output", tmp_path / "g.csv", capfd=capfd)
    assert again.code == 0, again.stderr
    assert pl.read_csv(tmp_path / "g.csv")["ds"].to_list() == days


def test_help_names_every_default_it_shows(capfd):
    result = run_in_process(["--help"], capfd, main=predict.main)
    assert result.code == 0
    help_text = " ".join(result.stdout.split())
    assert "(default: )" not in help_text and "(default: None)" not in help_text
    assert "(default: CSV on stdout)" in help_text

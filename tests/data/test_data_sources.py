"""Every source format gives the same series, and the same batches."""

import numpy as np
import polars as pl
import pytest
from data_helpers import long_frame, wide_frame

from keras_nhits.data import load_series, make_dataset, prepare_splits
from keras_nhits.errors import NHITSInputError


def _sources(tmp_path):
    frame = long_frame()
    frame.write_csv(tmp_path / "data.csv")
    frame.write_parquet(tmp_path / "data.parquet")
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, part in enumerate(frame.partition_by("unique_id", maintain_order=True)):
        part.write_parquet(parts / f"part{i}.parquet")
    return {
        "csv": str(tmp_path / "data.csv"),
        "parquet": tmp_path / "data.parquet",
        "parquet-folder": str(parts),
        "parquet-glob": str(parts / "*.parquet"),
        "polars": frame,
        "lazy": frame.lazy(),
        "pandas": frame.to_pandas(),
    }


def _batches(series):
    splits = prepare_splits(series, input_size=12, horizon=4, val_split=0.1, test_split=0.2)
    dataset = make_dataset(
        splits.series, splits.train, input_size=12, horizon=4, batch_size=32, shuffle=True, seed=3
    )
    return [(x.numpy(), y.numpy()) for x, y in dataset]


def test_all_sources_give_identical_series_and_batches(tmp_path):
    sources = _sources(tmp_path)
    reference = load_series(sources.pop("polars"))
    expected = _batches(reference)
    for name, source in sources.items():
        series = load_series(source)
        assert series.ids == reference.ids, name
        np.testing.assert_array_equal(series.values, reference.values, err_msg=name)
        np.testing.assert_array_equal(series.offsets, reference.offsets, err_msg=name)
        np.testing.assert_array_equal(series.times(2), reference.times(2), err_msg=name)
        for (x, y), (x0, y0) in zip(_batches(series), expected):
            np.testing.assert_array_equal(x, x0, err_msg=name)
            np.testing.assert_array_equal(y, y0, err_msg=name)


def test_csv_gz_reads_like_csv(tmp_path):
    import gzip

    text = wide_frame().write_csv()
    with gzip.open(tmp_path / "data.csv.gz", "wt") as handle:
        handle.write(text)
    (tmp_path / "data.csv").write_text(text)
    a = load_series(str(tmp_path / "data.csv.gz"))
    b = load_series(str(tmp_path / "data.csv"))
    np.testing.assert_array_equal(a.values, b.values)


def test_long_and_wide_formats_agree():
    long = load_series(long_frame())
    wide = load_series(wide_frame())
    assert long.ids == wide.ids == ["s0", "s1", "s2"]
    np.testing.assert_array_equal(long.values, wide.values)
    np.testing.assert_array_equal(long.times(1), wide.times(1))
    assert long.freqs == wide.freqs == [np.timedelta64(1, "h")] * 3


def test_wide_multiple_targets_and_default_targets():
    frame = wide_frame().with_columns(label=pl.lit("x"))
    assert load_series(frame).ids == ["s0", "s1", "s2"]
    assert load_series(frame, target="s2, s0").ids == ["s2", "s0"]
    with_y = frame.with_columns(y=pl.col("s1") * 2)
    assert load_series(with_y).ids == ["y"]


def test_long_format_with_several_targets_names_series_by_id_and_column():
    frame = long_frame().with_columns(z=-pl.col("y"))
    series = load_series(frame, target="y,z")
    assert series.ids == ["s0/y", "s0/z", "s1/y", "s1/z", "s2/y", "s2/z"]
    np.testing.assert_array_equal(series.series_values(3), -series.series_values(2))


def test_custom_column_names_and_case_insensitive_time_detection():
    frame = long_frame().rename({"unique_id": "ticker", "ds": "Date", "y": "close"})
    series = load_series(frame, id_col="ticker", target="close")
    assert series.ids == ["s0", "s1", "s2"]
    assert series.columns == {"time": "Date", "id": "ticker", "targets": ["close"]}


def test_numpy_arrays_and_row_order():
    one = load_series(np.arange(50.0))
    assert one.ids == ["y"] and one.unit is None and one.freqs == [1]
    np.testing.assert_array_equal(one.times(0), np.arange(50))
    two = load_series(np.stack([np.arange(50.0), -np.arange(50.0)], axis=1))
    assert two.ids == ["y_0", "y_1"]
    np.testing.assert_array_equal(two.series_values(1), -np.arange(50.0))


@pytest.mark.parametrize(
    "time_values, unit, freq",
    [
        (["2021-01-01", "2021-01-02", "2021-01-03"], "us", np.timedelta64(1, "D")),
        ([10, 20, 30], None, 10),
    ],
)
def test_time_column_kinds(time_values, unit, freq):
    frame = pl.DataFrame({"time": time_values, "y": [1.0, 2.0, 3.0]})
    series = load_series(frame)
    assert series.unit == unit and series.freqs == [freq]


def test_date_and_timezone_columns():
    dates = pl.date_range(pl.date(2021, 1, 1), pl.date(2021, 1, 5), eager=True)
    series = load_series(pl.DataFrame({"ds": dates, "y": np.arange(5.0)}))
    assert series.unit == "D" and series.times(0)[-1] == np.datetime64("2021-01-05")
    local = dates.cast(pl.Datetime("us")).dt.replace_time_zone("Europe/Paris")
    aware = pl.DataFrame({"ds": local, "y": np.arange(5.0)})
    series = load_series(aware)
    assert series.times(0)[0] == np.datetime64("2020-12-31T23:00")
    assert any("converted from Europe/Paris to UTC" in line for line in series.report)


def test_chunked_long_reading_matches_one_piece(tmp_path):
    frame = long_frame(n_series=4, n_steps=97)
    frame.write_parquet(tmp_path / "data.parquet")
    whole = load_series(tmp_path / "data.parquet", chunk_rows=10**9)
    for chunk_rows in (1, 7, 96, 97, 98):
        chunked = load_series(tmp_path / "data.parquet", chunk_rows=chunk_rows)
        assert chunked.ids == whole.ids
        np.testing.assert_array_equal(chunked.values, whole.values)


def test_a_column_empty_only_in_its_first_rows_is_read_and_an_empty_one_refused(tmp_path):
    # The empty-column check reads the first chunk, then slices: a target whose first value
    # comes after several chunks is data, and a column empty in every slice is refused.
    y = [None] * 25 + [float(i) for i in range(75)]
    pl.DataFrame({"y": y}).write_parquet(tmp_path / "late.parquet")
    series = load_series(tmp_path / "late.parquet", fill="ffill", chunk_rows=10)
    assert series.values[:26].tolist() == [0.0] * 26  # the leading gap backfilled
    assert series.values[-1] == 74.0
    pl.DataFrame({"y": [None] * 100}, schema={"y": pl.Float64}).write_parquet(
        tmp_path / "empty.parquet"
    )
    with pytest.raises(NHITSInputError, match="no valid target value: all 100 rows"):
        load_series(tmp_path / "empty.parquet", fill="ffill", chunk_rows=10)


def test_interleaved_rows_are_regrouped_and_reported():
    frame = long_frame()
    shuffled = frame.sort("ds", "unique_id")
    series = load_series(shuffled, chunk_rows=50)
    reference = load_series(frame)
    assert series.ids == reference.ids
    np.testing.assert_array_equal(series.values, reference.values)
    assert any("interleaved" in line for line in series.report)


def test_empty_data_reads_the_bundled_sample():
    series = load_series("")
    assert series.ids == ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
    assert series.freqs[0] == np.timedelta64(1, "h") and "ETTh1.csv.gz" in series.report[0]


def test_pandas_datetime_index_becomes_the_time_column():
    frame = wide_frame().to_pandas().set_index("ds")
    frame.index.name = None
    series = load_series(frame)
    np.testing.assert_array_equal(series.times(0), load_series(wide_frame()).times(0))

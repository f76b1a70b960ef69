"""Covariates at load time: long and wide formats, calendar features, every refusal, and the
covariate rows following each row operation of the target (sort, regrouping, gaps, fills)."""

import numpy as np
import polars as pl
import pytest
from data_helpers import HOUR, START, long_frame, wide_frame

from keras_nhits import NHITSInputError
from keras_nhits.data import calendar_features, load_series, prepare_splits


def _frame(n_series=3, n_steps=200, gap_steps=()):
    """`long_frame` with a historical column `h = 2y`, a future-known `f = -y`, a numeric static
    `size = i` and a text static `sector` (a, b, a ...), so every value tells its row."""
    frame = long_frame(n_series, n_steps, gap_steps)
    index = pl.col("unique_id").str.slice(1).cast(pl.Int64)
    return frame.with_columns(
        h=pl.col("y") * 2,
        f=-pl.col("y"),
        size=index.cast(pl.Float64),
        sector=pl.when(index % 2 == 0).then(pl.lit("a")).otherwise(pl.lit("b")),
    )


def _load(frame=None, **kwargs):
    arguments = {"hist_exog": ("h",), "futr_exog": ("f",), "stat_exog": ("size", "sector")}
    return load_series(_frame() if frame is None else frame, **{**arguments, **kwargs})


def test_long_format_carries_each_kind_row_by_row():
    series = _load()
    assert series.covariate_names == {
        "hist_exog": ["h"],
        "futr_exog": ["f"],
        "stat_exog": ["size", "sector=a", "sector=b"],
    }
    assert series.hist_exog.shape == (600, 1) and series.hist_exog.dtype == np.float32
    np.testing.assert_array_equal(series.hist_exog[:, 0], 2 * series.values)
    np.testing.assert_array_equal(series.futr_exog[:, 0], -series.values)
    np.testing.assert_array_equal(series.stat_exog, [[0, 1, 0], [1, 0, 1], [2, 1, 0]])
    assert series.covariate_counts() == {"hist_exog": 1, "futr_exog": 1, "stat_exog": 3}
    assert any(line.startswith("covariates: hist_exog h") for line in series.report)


def test_without_covariates_nothing_changes():
    series = load_series(long_frame())
    assert not series.has_covariates
    assert series.hist_exog is None and series.futr_exog is None and series.stat_exog is None


def test_wide_format_covariates_are_shared_and_never_detected_as_targets():
    frame = wide_frame().with_columns(temp=pl.col("s0") * 0.5, promo=pl.col("s1") % 2)
    series = load_series(frame, hist_exog=("temp",), futr_exog=("promo",))
    assert series.ids == ["s0", "s1", "s2"]  # temp and promo are numeric but not series
    temp = frame["temp"].to_numpy()
    promo = frame["promo"].to_numpy()
    for i in range(3):
        rows = slice(series.offsets[i], series.offsets[i + 1])
        np.testing.assert_array_equal(series.hist_exog[rows, 0], temp)
        np.testing.assert_array_equal(series.futr_exog[rows, 0], promo)


def test_wide_format_takes_static_values_from_a_table_of_the_target_columns():
    static = pl.DataFrame({"unique_id": ["s2", "s0", "s1"], "cap": [3.0, 1.0, 2.0]})
    series = load_series(wide_frame(), static=static)
    assert series.covariate_names["stat_exog"] == ["cap"]
    np.testing.assert_array_equal(series.stat_exog[:, 0], [1.0, 2.0, 3.0])


def test_long_format_takes_static_values_from_a_parquet_table(tmp_path):
    path = tmp_path / "static.parquet"
    pl.DataFrame({"unique_id": ["s0", "s1", "s2"], "region": ["n", "s", "n"]}).write_parquet(path)
    series = load_series(long_frame(), static=str(path), stat_exog=("region",))
    assert series.covariate_names["stat_exog"] == ["region=n", "region=s"]
    np.testing.assert_array_equal(series.stat_exog, [[1, 0], [0, 1], [1, 0]])


def test_several_targets_of_one_id_share_its_static_row():
    frame = _frame().with_columns(z=pl.col("y") + 1)
    series = load_series(frame, target="y,z", stat_exog=("size",))
    assert series.ids[:2] == ["s0/y", "s0/z"]
    np.testing.assert_array_equal(series.stat_exog[:, 0], [0, 0, 1, 1, 2, 2])


def test_calendar_features_on_known_dates():
    times = np.array(
        [
            "2024-02-29T17:00",  # a leap day, Thursday
            "2021-01-03T00:00",  # Sunday, ISO week 53 of 2020
            "2024-12-30T05:00",  # Monday, ISO week 1 of 2025
            "2023-06-17T23:00",  # Saturday
        ],
        "datetime64[m]",
    )
    names = ("hour", "dayofweek", "dayofmonth", "month", "dayofyear", "weekofyear", "business_day")
    expected = [
        [17, 3, 29, 2, 60, 9, 1],
        [0, 6, 3, 1, 3, 53, 0],
        [5, 0, 30, 12, 365, 1, 1],
        [23, 5, 17, 6, 168, 24, 0],
    ]
    out = calendar_features(times, names)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_calendar_features_are_future_known_columns_of_each_series_times():
    series = _load(calendar=("hour", "dayofweek"))
    assert series.covariate_names["futr_exog"] == ["f", "hour", "dayofweek"]
    assert series.calendar == ("hour", "dayofweek")
    for i in range(series.n_series):
        rows = series.futr_exog[series.offsets[i] : series.offsets[i + 1]]
        np.testing.assert_array_equal(
            rows[:, 1:], calendar_features(series.times(i), ("hour", "dayofweek"))
        )
    assert series.futr_exog[25, 1] == 1.0  # step 25 of s0: 2021-01-02T01:00


def _refusal_cases():
    frame = _frame()
    varying = frame.with_columns(
        size=pl.when((pl.col("unique_id") == "s1") & (pl.col("y") > 1100))
        .then(9.0)
        .otherwise(pl.col("size"))
    )
    nan_h = frame.with_columns(
        h=pl.when((pl.col("unique_id") == "s2") & (pl.col("y") == 2007)).then(None).otherwise("h")
    )
    inf_f = frame.with_columns(
        f=pl.when(pl.col("y") == 5).then(float("inf")).otherwise(pl.col("f"))
    )
    many = long_frame(65, 3).with_columns(sector=pl.col("unique_id"))
    table = pl.DataFrame({"unique_id": ["s0", "s1"], "cap": [1.0, 2.0]})
    ints = frame.with_columns(ds=pl.col("y").cast(pl.Int64))
    return [
        ({"hist_exog": ("H",)}, frame, "hist_exog column 'H' not found", "did you mean 'h'"),
        ({"hist_exog": ("h",), "futr_exog": ("h",)}, frame, "'h' is named as both", "one kind"),
        ({"hist_exog": ("y",)}, frame, "hist_exog column 'y' is also the target", ""),
        ({"futr_exog": ("ds",)}, frame, "futr_exog column 'ds' is also the time", ""),
        ({"stat_exog": ("unique_id",)}, frame, "'unique_id' is also the id", ""),
        ({"hist_exog": ("sector",)}, frame, "hist_exog column 'sector' is not numeric", "static"),
        ({"hist_exog": ("h",)}, nan_h, "column 'h' has a missing", "series 's2' at 2021-01-01T07"),
        ({"futr_exog": ("f",)}, inf_f, "column 'f' has an inf value in series 's0'", "fill="),
        ({"stat_exog": ("size",)}, varying, "'size' varies within series 's1'", "futr_exog"),
        ({"static": table}, frame, "no row for series 's2'", "add one"),
        ({"calendar": ("hour",)}, ints, "calendar features need dates", "integer steps"),
        ({"calendar": ("minute",)}, frame, "calendar feature 'minute' is unknown", "hour"),
        ({"stat_exog": ("sector",)}, many, "'sector' has 65 categories", "encode it"),
        ({"futr_exog": ("hour",), "calendar": ("hour",)}, frame, "name of calendar", "rename"),
    ]


@pytest.mark.parametrize("kwargs, frame, needle, fix", _refusal_cases())
def test_bad_covariates_are_refused_in_one_line_naming_them(kwargs, frame, needle, fix):
    with pytest.raises(NHITSInputError) as error:
        load_series(frame, **kwargs)
    message = str(error.value)
    assert "\n" not in message
    assert needle in message and fix in message


def test_static_columns_in_wide_format_without_a_table_are_refused():
    frame = wide_frame().with_columns(cap=pl.lit(1.0))
    with pytest.raises(NHITSInputError, match="wide format .* static=TABLE"):
        load_series(frame, target="s0,s1", stat_exog=("cap",))


def test_a_static_table_with_a_repeated_id_or_no_id_column_is_refused():
    repeated = pl.DataFrame({"unique_id": ["s0", "s0"], "cap": [1.0, 2.0]})
    with pytest.raises(NHITSInputError, match="several rows for id 's0'"):
        load_series(long_frame(), static=repeated)
    no_id = pl.DataFrame({"name": ["s0"], "cap": [1.0]})
    with pytest.raises(NHITSInputError, match="id_col column 'unique_id' not found"):
        load_series(long_frame(), static=no_id)


def test_covariates_follow_the_sort_of_the_target():
    frame = _frame().reverse()  # each series newest first; ids in reverse order too
    series = _load(frame)
    assert any(line.startswith("sorted 3 series") for line in series.report)
    np.testing.assert_array_equal(series.hist_exog[:, 0], 2 * series.values)
    np.testing.assert_array_equal(series.futr_exog[:, 0], -series.values)
    np.testing.assert_array_equal(series.stat_exog[:, 0], [2, 1, 0])  # s2 was read first


def test_covariates_follow_the_regrouping_of_interleaved_rows():
    series = _load(_frame().sort("ds", "unique_id"), chunk_rows=7)
    assert any("interleaved" in line for line in series.report)
    np.testing.assert_array_equal(series.hist_exog[:, 0], 2 * series.values)
    np.testing.assert_array_equal(series.stat_exog[:, 0], [0, 1, 2])


def test_covariates_follow_the_steps_gaps_fill_inserts():
    series = _load(_frame(gap_steps=(5, 6, 7)), gaps="fill")
    assert series.lengths.tolist() == [200, 200, 200]
    # The target is interpolated over the inserted steps, and so are the covariates (2y, -y).
    np.testing.assert_allclose(series.values[:10], np.arange(10.0))
    np.testing.assert_allclose(series.hist_exog[:10, 0], 2 * np.arange(10.0))
    np.testing.assert_allclose(series.futr_exog[:10, 0], -np.arange(10.0))
    assert any("inserted covariate values" in line for line in series.report)


def test_missing_covariate_values_are_repaired_by_the_fill_mode():
    frame = _frame().with_columns(
        h=pl.when(pl.col("y").is_in([3.0, 4.0])).then(None).otherwise(pl.col("h"))
    )
    series = _load(frame, fill="ffill")
    np.testing.assert_array_equal(series.hist_exog[:6, 0], [0, 2, 4, 4, 4, 10])
    line = next(line for line in series.report if "covariate values" in line)
    assert "filled 2 missing" in line and "s0 (2)" in line


def test_head_with_values_and_splits_keep_the_covariates():
    series = _load(calendar=("hour",))
    short = series.head(50)
    np.testing.assert_array_equal(short.hist_exog[:, 0], 2 * short.values)
    assert short.futr_exog.shape == (150, 2) and short.calendar == ("hour",)
    splits = prepare_splits(series, input_size=8, horizon=4, series_scaler="standard")
    scaled = splits.series
    assert not np.allclose(scaled.values, series.values)  # the target is scaled ...
    assert scaled.hist_exog is series.hist_exog  # ... the covariates are left to the model
    assert scaled.stat_exog is series.stat_exog
    assert scaled.covariate_names == series.covariate_names


def test_a_covariate_with_no_value_in_a_series_is_refused_even_with_a_fill_mode():
    frame = _frame().with_columns(
        h=pl.when(pl.col("unique_id") == "s1").then(None).otherwise(pl.col("h"))
    )
    with pytest.raises(NHITSInputError, match="column 'h' has no valid value in series 's1'"):
        _load(frame, fill="zero")


def test_boolean_covariates_are_zero_one_columns():
    frame = _frame().with_columns(flag=pl.col("y") % 2 == 0)
    series = load_series(frame, futr_exog=("flag",))
    np.testing.assert_array_equal(series.futr_exog[:4, 0], [1, 0, 1, 0])


def test_string_times_feed_the_calendar():
    frame = long_frame(1, 30).with_columns(ds=pl.col("ds").dt.strftime("%Y-%m-%d %H:%M"))
    series = load_series(frame, calendar=("hour",))
    np.testing.assert_array_equal(series.futr_exog[:, 0], np.arange(30) % 24)
    assert series.time_at(0, [29])[0] == START + 29 * HOUR


def test_a_csv_file_loads_the_same_covariates_as_the_frame(tmp_path):
    path = tmp_path / "panel.csv"
    _frame().write_csv(path)
    from_file, from_frame = _load(str(path)), _load()
    for kind in ("hist_exog", "futr_exog", "stat_exog"):
        np.testing.assert_array_equal(getattr(from_file, kind), getattr(from_frame, kind))
    assert from_file.covariate_names == from_frame.covariate_names

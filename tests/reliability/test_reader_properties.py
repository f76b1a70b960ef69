"""The reader on random small frames: valid windows or `NHITSInputError`, never anything else.

`load_series` + `prepare_splits` get random frames (random lengths and ids, NaN, inf, nulls,
huge values, duplicated and shuffled times, text in the target, time as text or integers), read
from memory or from a CSV file, with random fill, gap and scaling settings. Whatever comes back
must be windows that stay inside one series and one split and hold only finite values the model
can square in float32; whatever is refused must be refused as `NHITSInputError`.
"""

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_nhits.data import load_series, prepare_splits
from keras_nhits.data.splits import MAX_MODEL_VALUE
from keras_nhits.errors import NHITSInputError
from tests.reliability.helpers import hourly_frame
from tests.synthetic import HOUR, START

# Values a real file gets wrong: missing, not finite, beyond float32, too large to square.
BAD_VALUES = st.one_of(
    st.sampled_from([np.nan, np.inf, -np.inf, None, 1e30, -1e39]),
    st.floats(-1e3, 1e3, allow_nan=False),
)


@st.composite
def frames(draw):
    n_series = draw(st.integers(1, 3))
    rows = []
    for i in range(n_series):
        n = draw(st.integers(0, 60))
        values = [10.0 + np.sin(k / 3) for k in range(n)]
        if draw(st.booleans()):
            values = [draw(st.floats(-5, 5))] * n  # constant
        for _ in range(draw(st.integers(0, 2)) if n else 0):
            values[draw(st.integers(0, n - 1))] = draw(BAD_VALUES)
        rows += [(f"id{i}", k, v) for k, v in enumerate(values)]
    if rows and draw(st.booleans()):
        rows += draw(st.lists(st.sampled_from(rows), max_size=3))  # duplicated rows
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))  # shuffled times
    ids, ticks, values = (list(c) for c in zip(*rows)) if rows else ([], [], [])
    time_kind = draw(st.sampled_from(["datetime", "text", "int", "none"]))
    columns = {"unique_id": pl.Series(ids, dtype=pl.String)}
    if time_kind == "datetime":
        columns["ds"] = pl.Series(START + np.array(ticks, np.int64) * HOUR)
    elif time_kind == "text":
        times = START + np.array(ticks, np.int64) * HOUR
        columns["ds"] = pl.Series([str(t) for t in times], dtype=pl.String)
    elif time_kind == "int":
        columns["ds"] = pl.Series(ticks, dtype=pl.Int64)
    if values and draw(st.integers(0, 4)) == 4:
        # Text mixed into the target: the column becomes text, as a CSV reader would see it.
        at = draw(st.integers(0, len(values) - 1))
        text = [None if v is None else repr(float(v)) for v in values]
        text[at] = draw(st.sampled_from(["abc", "1,5", "", "--"]))
        columns["y"] = pl.Series(text, dtype=pl.String)
    else:
        columns["y"] = pl.Series(
            [None if v is None else float(v) for v in values], dtype=pl.Float64
        )
    return pl.DataFrame(columns)


SETTINGS = st.fixed_dictionaries(
    {
        "fill": st.sampled_from(["error", "ffill", "interpolate", "zero"]),
        "gaps": st.sampled_from(["warn", "error", "fill"]),
        "series_scaler": st.sampled_from(["none", "standard", "robust", "minmax"]),
        "input_size": st.integers(1, 8),
        "horizon": st.integers(1, 4),
        "via_csv": st.booleans(),
    }
)


def check_windows(splits):
    """Every window lies inside one series and its split, and holds finite, squarable values."""
    series = splits.series
    span = splits.input_size + splits.horizon
    offsets = series.offsets
    for part, starts in enumerate((splits.train, splits.val, splits.test)):
        for start in starts.tolist():
            i = int(np.searchsorted(offsets, start, side="right") - 1)
            position = start - offsets[i]
            assert position >= 0 and start + span <= offsets[i + 1], "a window crosses series"
            bounds = np.concatenate([[0], np.cumsum(splits.sizes[i])])
            # Train windows lie wholly in train; val/test windows have their targets in the part.
            first = position if part == 0 else position + splits.input_size
            assert bounds[part] <= first and position + span <= bounds[part + 1], (part, start)
    for starts in (splits.train, splits.val, splits.test):
        if len(starts):
            windows = series.values[np.asarray(starts)[:, None] + np.arange(span)]
            assert np.isfinite(windows).all()
            assert np.abs(windows).max() <= MAX_MODEL_VALUE
    assert len(splits.train) > 0


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(frame=frames(), options=SETTINGS)
def test_reader_returns_valid_windows_or_a_clear_error(frame, options, tmp_path):
    options = dict(options)
    source = frame
    if options.pop("via_csv"):
        source = tmp_path / "data.csv"
        frame.write_csv(source)
    split_options = {k: options.pop(k) for k in ("series_scaler", "input_size", "horizon")}
    try:
        series = load_series(source, **options)
        splits = prepare_splits(series, val_split=0.2, test_split=0.2, **split_options)
    except NHITSInputError as error:
        assert "\n" not in str(error) and str(error)
        return
    check_windows(splits)


def test_int_then_decimal_after_the_inferred_rows_is_read(tmp_path):
    # Integers for the first 10,000 rows, then a decimal: read, not refused.
    frame = hourly_frame(steps=6_000).with_columns(y=(pl.col("y") * 10).round(0))
    text = frame["y"].cast(pl.Int64).cast(pl.String).to_list()
    text[11_000] = "1.5"
    frame.with_columns(y=pl.Series(text)).write_csv(tmp_path / "data.csv")
    series = load_series(tmp_path / "data.csv")
    assert series.lengths.tolist() == [6_000, 6_000]
    assert series.values[11_000] == pytest.approx(1.5)


def test_a_length_1_series_next_to_longer_ones_is_skipped_and_reported():
    frame = pl.concat(
        [hourly_frame(), hourly_frame(n_series=1, steps=1).with_columns(unique_id=pl.lit("tiny"))]
    )
    splits = prepare_splits(load_series(frame), input_size=24, horizon=6)
    assert splits.skipped == ["tiny"]
    assert any(
        "skipped 1 series too short" in line and "tiny (1)" in line for line in splits.report
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(
        st.text(alphabet="0123456789-.eE+ ", min_size=1, max_size=6).filter(
            lambda s: s.strip() and s.strip() not in ("NA", "NaN", "nan")
        ),
        min_size=1,
        max_size=4,
        unique=True,
    )
)
def test_series_ids_in_a_csv_come_back_as_the_text_written(ids, tmp_path):
    # Ids that look like numbers (`007`, `7`, `1e3`, `-0`) are names: none is merged, none
    # loses a character.
    frame = pl.concat(
        [hourly_frame(n_series=1, steps=4).with_columns(unique_id=pl.lit(i)) for i in ids]
    )
    frame.write_csv(tmp_path / "ids.csv")
    assert load_series(tmp_path / "ids.csv").ids == ids

"""Where the backtest's cutoffs fall: counted back from each series' end, as window indices."""

import numpy as np
import polars as pl
import pytest

from keras_nhits.backtesting.cutoffs import cutoff_windows, windows_that_fit
from keras_nhits.data import load_series
from keras_nhits.errors import NHITSInputError


def _two_series(lengths):
    frames = [
        pl.DataFrame({"id": [f"s{i}"] * n, "t": np.arange(n), "y": np.arange(n, dtype=float)})
        for i, n in enumerate(lengths)
    ]
    return load_series(pl.concat(frames), id_col="id", time_col="t")


def test_the_latest_forecast_ends_on_each_series_last_value():
    series = _two_series([30, 25])
    w = cutoff_windows(series, input_size=5, horizon=4, n_windows=3, step_size=2)
    assert w.cutoffs.tolist() == [21, 23, 25, 16, 18, 20]
    assert w.series.tolist() == [0, 0, 0, 1, 1, 1] and w.rank.tolist() == [0, 1, 2] * 2
    # Each window's input ends at its cutoff: the start is the cutoff - input_size + 1 in the
    # flat array, so the values read are exactly the series' own up to the cutoff.
    for start, s, cut in zip(w.starts, w.series, w.cutoffs):
        x = series.values[start : start + 5]
        np.testing.assert_array_equal(x, series.series_values(s)[cut - 4 : cut + 1])
        target = series.series_values(s)[cut + 1 : cut + 5]
        assert len(target) == 4  # the horizon fits inside the series
    assert w.cutoffs[2] + 4 == 29 and w.cutoffs[5] + 4 == 24


def test_the_earliest_cutoff_may_use_the_first_value_but_no_earlier():
    assert windows_that_fit(20, 5, 3, 1) == 13
    series = _two_series([20])
    w = cutoff_windows(series, 5, 3, n_windows=13)
    assert w.starts.min() == 0
    with pytest.raises(NHITSInputError, match=r"s0 \(20 steps: 13 windows\); lower n_windows"):
        cutoff_windows(series, 5, 3, n_windows=14)


def test_a_series_too_short_is_named_with_how_many_windows_it_holds():
    series = _two_series([40, 11, 10, 9, 8, 7])
    with pytest.raises(NHITSInputError) as error:
        cutoff_windows(series, 6, 3, n_windows=2, step_size=2)
    message = str(error.value)
    assert "4 series cannot hold n_windows=2" in message
    assert "s1 " not in message  # 11 steps hold 2 cutoffs 2 apart
    assert (
        "s2 (10 steps: 1 windows), s3 (9 steps: 1 windows), s4 (8 steps: 0 windows) and 1 more"
        in message
    )


@pytest.mark.parametrize("name,value", [("n_windows", 0), ("step_size", 0), ("n_windows", 1.5)])
def test_counts_below_one_are_refused(name, value):
    series = _two_series([30])
    arguments = {"n_windows": 1, "step_size": 1, name: value}
    with pytest.raises(NHITSInputError, match=name):
        cutoff_windows(series, 5, 3, **arguments)

"""Metrics and baselines against values worked out by hand in the comments (not by the formulas)."""

import datetime
import json
import math

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.training.metrics import (
    forecast_metrics,
    mae,
    mape,
    mase,
    mase_scale,
    mse,
    naive_forecast,
    r2,
    rmse,
    season_length_for,
    seasonal_naive_forecast,
    smape,
)

# Two windows, horizon 2; one target is exactly 0 (for MAPE's mask).
Y_TRUE = np.array([[1.0, 2.0], [4.0, 0.0]])
Y_PRED = np.array([[2.0, 2.0], [1.0, 1.0]])
# |errors| = 1, 0, 3, 1


# === Metrics ===


def test_mae():
    # (1 + 0 + 3 + 1) / 4
    assert mae(Y_TRUE, Y_PRED) == pytest.approx(1.25)


def test_mse_and_rmse():
    # (1 + 0 + 9 + 1) / 4 = 2.75; sqrt(2.75) = 1.658312...
    assert mse(Y_TRUE, Y_PRED) == pytest.approx(2.75)
    assert rmse(Y_TRUE, Y_PRED) == pytest.approx(1.6583123951777)


def test_mape_masks_zero_targets():
    # The 0 target is left out: (1/1 + 0/2 + 3/4) / 3 = 0.583333 -> 58.3333 %
    assert mape(Y_TRUE, Y_PRED) == pytest.approx(58.333333333)


def test_mape_all_zero_targets_is_nan():
    assert math.isnan(mape([[0.0, 0.0]], [[1.0, 2.0]]))


def test_smape():
    # 2·1/(1+2) = 0.666667, 0, 2·3/(4+1) = 1.2, 2·1/(0+1) = 2 -> mean 0.966667 -> 96.6667 %
    assert smape(Y_TRUE, Y_PRED) == pytest.approx(96.666666667)


def test_smape_counts_zero_over_zero_as_zero():
    # Terms 0 (0/0) and 2·1/(2+1) = 0.666667 -> mean 0.333333 -> 33.3333 %
    assert smape([[0.0, 2.0]], [[0.0, 1.0]]) == pytest.approx(33.333333333)


def test_r2():
    # mean 1.75; SST = 0.5625 + 0.0625 + 5.0625 + 3.0625 = 8.75; SSE = 11 -> 1 - 11/8.75
    assert r2(Y_TRUE, Y_PRED) == pytest.approx(-0.257142857)


def test_r2_constant_target_is_nan():
    assert math.isnan(r2([[3.0, 3.0], [3.0, 3.0]], [[3.0, 2.0], [1.0, 3.0]]))


def test_mase():
    # MAE 1.25 / scale 0.5
    assert mase(Y_TRUE, Y_PRED, 0.5) == pytest.approx(2.5)


@pytest.mark.parametrize("scale", [0.0, math.nan, math.inf, -1.0])
def test_mase_without_a_usable_scale_is_nan(scale):
    assert math.isnan(mase(Y_TRUE, Y_PRED, scale))


def test_perfect_forecast():
    y = np.array([[1.0, -2.0, 0.0], [4.0, 5.0, 0.0]])
    assert mae(y, y) == 0.0
    assert mse(y, y) == 0.0
    assert rmse(y, y) == 0.0
    assert mape(y, y) == 0.0
    assert smape(y, y) == 0.0
    assert mase(y, y, 2.0) == 0.0
    assert r2(y, y) == 1.0


def test_shape_mismatch_is_an_input_error():
    with pytest.raises(NHITSInputError, match=r"same shape.*\(2, 2\).*\(2, 3\)"):
        mae(np.zeros((2, 2)), np.zeros((2, 3)))


def test_metrics_compute_in_float64():
    # In float32, 1e8 + 1 rounds to 1e8 and the error vanishes.
    y_true = np.array([[1e8 + 1]], dtype=np.float64)
    y_pred = np.array([[1e8]], dtype=np.float32)
    assert mae(y_true, y_pred) == 1.0


# === MASE scale ===


def test_mase_scale_pools_differences_over_series():
    series = [np.array([1.0, 3.0, 2.0]), np.array([5.0, 5.0, 5.0, 8.0]), np.array([7.0])]
    # m=1: |2|, |1| and 0, 0, |3| -> 6 / 5 (the one-point series is skipped)
    assert mase_scale(series) == pytest.approx(1.2)
    # m=2: |2-1| and |5-5|, |8-5| -> 4 / 3
    assert mase_scale(series, season_length=2) == pytest.approx(4 / 3)
    # m=3: only the 4-point series is long enough: |8-5| -> 3
    assert mase_scale(series, season_length=3) == pytest.approx(3.0)


def test_mase_scale_degenerate_cases_are_nan():
    assert math.isnan(mase_scale([np.array([2.0, 2.0, 2.0])]))  # constant: scale 0
    assert math.isnan(mase_scale([np.array([1.0, 2.0])], season_length=2))  # too short
    assert math.isnan(mase_scale([]))


def test_mase_scale_rejects_bad_season_length():
    with pytest.raises(NHITSInputError, match="season_length"):
        mase_scale([np.arange(5.0)], season_length=0)


# === forecast_metrics ===


def test_forecast_metrics_keys_types_and_nulls():
    result = forecast_metrics([[0.0, 0.0]], [[1.0, 1.0]])
    assert list(result) == ["mae", "mse", "rmse", "mape", "smape", "mase", "r2"]
    assert result["mae"] == 1.0 and type(result["mae"]) is float
    # Every target 0 (MAPE), no scale given (MASE), constant target (R²): undefined -> None.
    assert result["mape"] is None
    assert result["mase"] is None
    assert result["r2"] is None
    assert result["smape"] == pytest.approx(200.0)
    assert json.loads(json.dumps(result, allow_nan=False))["r2"] is None


def test_forecast_metrics_values():
    result = forecast_metrics(Y_TRUE, Y_PRED, mase_scale=0.5)
    assert result["mae"] == pytest.approx(1.25)
    assert result["mase"] == pytest.approx(2.5)
    assert result["r2"] == pytest.approx(-0.257142857)


# === Baselines ===

X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 20.0, 30.0, 40.0, 50.0]])


def test_naive_forecast():
    np.testing.assert_array_equal(naive_forecast(X, 3), [[5, 5, 5], [50, 50, 50]])


def test_seasonal_naive_forecast_repeats_the_last_season():
    np.testing.assert_array_equal(
        seasonal_naive_forecast(X, 5, season_length=2),
        [[4, 5, 4, 5, 4], [40, 50, 40, 50, 40]],
    )
    np.testing.assert_array_equal(
        seasonal_naive_forecast(X, 2, season_length=5), [[1, 2], [10, 20]]
    )
    np.testing.assert_array_equal(
        seasonal_naive_forecast(X, 3, season_length=1), naive_forecast(X, 3)
    )


def test_seasonal_naive_season_longer_than_input_is_an_input_error():
    with pytest.raises(NHITSInputError, match=r"season_length \(6\).*input_size 5"):
        seasonal_naive_forecast(X, 2, season_length=6)


def test_baselines_reject_bad_shapes():
    with pytest.raises(NHITSInputError, match="input_size"):
        naive_forecast(np.arange(5.0), 2)
    with pytest.raises(NHITSInputError, match="horizon"):
        naive_forecast(X, 0)


# === Season length ===


@pytest.mark.parametrize(
    "freq, expected",
    [
        (np.timedelta64(1, "h"), 24),
        (np.timedelta64(60, "m"), 24),
        (np.timedelta64(15, "m"), 96),
        (np.timedelta64(30, "m"), 48),
        (np.timedelta64(1, "m"), 1440),
        (np.timedelta64(6, "h"), 4),
        (np.timedelta64(7, "m"), 0),  # does not divide a day
        (np.timedelta64(30, "s"), 0),
        (np.timedelta64(1, "D"), 7),
        (np.timedelta64(7, "D"), 52),
        (np.timedelta64(1, "W"), 52),
        (np.timedelta64(28, "D"), 12),
        (np.timedelta64(31, "D"), 12),
        (np.timedelta64(1, "M"), 12),
        (np.timedelta64(91, "D"), 4),
        (np.timedelta64(3, "M"), 4),
        (np.timedelta64(365, "D"), 0),
        (np.timedelta64(1, "Y"), 0),
        (np.timedelta64("NaT"), 0),
        (None, 0),
        (1, 0),
    ],
)
def test_season_length_for(freq, expected):
    assert season_length_for(freq) == expected


def test_season_length_for_datetime_timedelta():
    assert season_length_for(datetime.timedelta(hours=1)) == 24


def test_season_length_for_rejects_other_types():
    with pytest.raises(NHITSInputError, match="freq"):
        season_length_for("hourly")


def test_per_series_sums_match_a_reference_per_series():
    import types

    from keras_nhits.data.series_set import SeriesSet
    from keras_nhits.training.error_sums import ErrorSums
    from keras_nhits.training.evaluation import training_scale

    values = np.concatenate([np.arange(20.0), 2.0 * np.arange(40.0)])  # steps 1 and 2
    raw = SeriesSet(values, [0, 20, 60], ["a", "b"], [0, 0], [1, 1])
    splits = types.SimpleNamespace(sizes=np.array([[10, 0, 10], [30, 0, 10]]))
    starts = np.array([45, 5, 50, 8])  # b, a, b, a: interleaved on purpose
    which = np.array([1, 0, 1, 0])
    inputs = np.stack([values[s : s + 4] for s in starts])
    actual = np.stack([values[s + 4 : s + 6] for s in starts])
    forecast = actual + np.array([[1.0], [2.0], [3.0], [4.0]])
    scales = [training_scale(raw, splits, 0, series=[i]) for i in (0, 1)]
    sums, naive = ErrorSums(2), ErrorSums(2)
    for rows in ([0, 1], [2, 3]):  # two batches, each with both series
        sums.add(actual[rows], forecast[rows], which[rows])
        naive.add(actual[rows], naive_forecast(inputs[rows], 2), which[rows])
    a, b = sums.per_series(scales)
    assert a["mae"] == pytest.approx(3.0)  # windows 5 and 8: errors 2, 4
    assert b["mae"] == pytest.approx(2.0)  # windows 45 and 50: errors 1, 3
    # MASE scales by the series' own in-sample naive error: 1 for a, 2 for b.
    assert a["mase"] == pytest.approx(3.0)
    assert b["mase"] == pytest.approx(1.0)
    # The naive forecast misses by one and two steps of the series.
    assert naive.per_series(scales)[0]["mae"] == pytest.approx(1.5)
    assert naive.per_series(scales)[1]["mae"] == pytest.approx(3.0)
    assert sums.pooled(math.nan)["mae"] == pytest.approx(2.5)


def test_error_sums_in_batches_equal_forecast_metrics_of_everything_at_once():
    from keras_nhits.training.error_sums import ErrorSums

    rng = np.random.default_rng(7)
    # Three series of different levels, windows in a shuffled order, some targets exactly 0.
    which = rng.permutation(np.repeat([0, 1, 2], [30, 50, 20]))
    y_true = rng.normal(1.0, 2.0, (100, 6)) + 1e4 * which[:, None]
    y_true[which == 0] = np.where(rng.random((30, 6)) < 0.2, 0.0, y_true[which == 0])
    y_pred = y_true + rng.normal(0.5, 1.0, y_true.shape)
    scales = np.array([0.7, 1.3, np.nan])
    sums = ErrorSums(4)  # a fourth series without any window
    for begin in range(0, 100, 17):
        sums.add(y_true[begin : begin + 17], y_pred[begin : begin + 17], which[begin : begin + 17])
    pooled = sums.pooled(0.9)
    expected = forecast_metrics(y_true, y_pred, 0.9)
    assert pooled.keys() == expected.keys()
    for name, value in expected.items():
        assert pooled[name] == pytest.approx(value, rel=1e-9), name
    per_series = sums.per_series(np.append(scales, 1.0))
    for i in range(3):
        expected = forecast_metrics(y_true[which == i], y_pred[which == i], scales[i])
        for name, value in expected.items():
            if value is None:
                assert per_series[i][name] is None, (i, name)
            else:
                assert per_series[i][name] == pytest.approx(value, rel=1e-9), (i, name)
    assert set(per_series[3].values()) == {None}


def test_grouped_metrics_equal_forecast_metrics_row_by_row():
    from keras_nhits.training.metrics import forecast_metrics, grouped_forecast_metrics

    rng = np.random.default_rng(4)
    y_true = rng.normal(10, 3, (6, 40))
    y_pred = y_true + rng.normal(0, 1, (6, 40))
    y_true[1, :5] = 0.0  # MAPE leaves these out
    y_true[2] = 0.0  # MAPE undefined
    y_pred[2, :3] = 0.0  # sMAPE's 0/0 points
    y_true[3] = 7.0  # R² undefined
    scales = np.array([1.5, 2.0, np.nan, 0.0, 3.0, 1.0])
    grouped = grouped_forecast_metrics(y_true, y_pred, scales)
    for row, scores in enumerate(grouped):
        expected = forecast_metrics(y_true[row], y_pred[row], scales[row])
        assert scores.keys() == expected.keys()
        for name, value in expected.items():
            if value is None:
                assert scores[name] is None, (row, name)
            else:
                assert scores[name] == pytest.approx(value, rel=1e-12), (row, name)

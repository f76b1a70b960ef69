"""Split-conformal offsets: the finite-sample rank, coverage on synthetic Gaussian noise, and the
refused inputs."""

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.probabilistic.conformal import (
    conformal_bounds,
    conformal_offsets,
    conformal_quantile,
    conformal_scores,
    window_scale,
)
from keras_nhits.probabilistic.scores import interval_scores


def _windows(rng, n, horizon=3, input_size=24):
    """Windows of different magnitudes whose errors grow with the horizon step, scaled by the
    window's own spread: inputs, point forecasts and actual values."""
    spread = rng.uniform(0.5, 5.0, size=(n, 1))
    level = rng.normal(0.0, 20.0, size=(n, 1))
    inputs = level + spread * rng.normal(size=(n, input_size))
    point = level + np.zeros((n, horizon))
    noise = spread * np.arange(1, horizon + 1) * rng.normal(size=(n, horizon))
    return inputs, point, point + noise


def test_conformal_quantile_is_the_kth_smallest_with_k_ceil_n_plus_1_times_level():
    scores = np.arange(9, 0, -1, dtype=float)[:, None] * [1.0, 10.0]  # 9 windows, H=2
    np.testing.assert_array_equal(conformal_quantile(scores, 80), [8.0, 80.0])  # k = 8
    np.testing.assert_array_equal(conformal_quantile(scores, 90), [9.0, 90.0])  # k = 9
    np.testing.assert_array_equal(conformal_quantile(scores, 50), [5.0, 50.0])  # k = 5
    # The + 1 matters: ceil(10 * 0.85) = 9 where ceil(9 * 0.85) would be 8.
    np.testing.assert_array_equal(conformal_quantile(scores, 85), [9.0, 90.0])


def test_conformal_quantile_is_inf_when_too_few_windows_for_the_level():
    scores = np.arange(1, 10, dtype=float)[:, None]  # N = 9: k = ceil(9.5) = 10 > 9 at 95 %
    assert conformal_quantile(scores, 95).tolist() == [np.inf]
    assert conformal_quantile(scores[:8], 90).tolist() == [np.inf]


def test_conformal_offsets_have_one_column_per_level():
    rng = np.random.default_rng(3)
    scores = rng.exponential(size=(30, 4))
    offsets = conformal_offsets(scores, (80, 90, 99))
    assert offsets.shape == (4, 3)
    for column, level in enumerate((80, 90, 99)):
        np.testing.assert_array_equal(offsets[:, column], conformal_quantile(scores, level))
    assert np.isinf(offsets[:, 2]).all()  # 31 * 0.99 rounds up to 31 > 30


def test_conformal_intervals_reach_their_nominal_coverage_on_gaussian_noise():
    rng = np.random.default_rng(7)
    levels = (80, 90)
    cal_inputs, cal_point, cal_y = _windows(rng, 2000)
    cal_scale = window_scale(cal_inputs)
    offsets = conformal_offsets(conformal_scores(cal_y, cal_point, cal_scale), levels)

    test_inputs, test_point, test_y = _windows(rng, 4000)
    lower, upper = conformal_bounds(test_point, window_scale(test_inputs), offsets)
    assert lower.shape == upper.shape == (4000, 3, 2)
    for k, level in enumerate(levels):
        # Pooled over the 3 steps the coverage's standard deviation is about 0.6 pp.
        pooled = interval_scores(test_y, lower[..., k], upper[..., k], level)["coverage"]
        assert abs(100 * pooled - level) <= 2.0
        for h in range(3):
            steps = slice(h, h + 1)
            bounds = lower[:, steps, k], upper[:, steps, k]
            step = interval_scores(test_y[:, steps], *bounds, level)["coverage"]
            assert abs(100 * step - level) <= 3.0
    # Calibrated per step: the width grows with the horizon as the noise does.
    assert np.all(np.diff(offsets[:, 0]) > 0)


def test_window_scale_is_the_std_floored_so_a_constant_window_is_positive():
    inputs = np.array([[1.0, 3.0, 1.0, 3.0], [5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 0.0]])
    scale = window_scale(inputs)
    np.testing.assert_allclose(scale, [1.0, 1e-6 * 6.0, 1e-6])
    scores = conformal_scores(
        np.array([[7.0], [5.0], [1.0]]), np.array([[5.0], [5.0], [0.0]]), scale
    )
    np.testing.assert_allclose(scores[:, 0], [2.0, 0.0, 1e6])


def test_conformal_bounds_are_point_minus_and_plus_scale_times_offset():
    point = np.array([[1.0, 2.0]])
    lower, upper = conformal_bounds(point, np.array([2.0]), np.array([[0.5, 1.0], [1.0, np.inf]]))
    np.testing.assert_array_equal(lower[0], [[0.0, -1.0], [0.0, -np.inf]])
    np.testing.assert_array_equal(upper[0], [[2.0, 3.0], [4.0, np.inf]])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: conformal_quantile(np.zeros((0, 3)), 90), "no calibration window"),
        (lambda: conformal_offsets(np.zeros((0, 3)), (80,)), "no calibration window"),
        (lambda: conformal_quantile(np.array([[1.0], [np.nan]]), 90), "NaN"),
        (lambda: conformal_offsets(np.array([[np.nan]]), (80,)), "NaN"),
        (lambda: conformal_quantile(np.zeros(3), 90), "scores must have shape"),
        (lambda: conformal_quantile(np.zeros((3, 1)), 100), "level"),
        (lambda: conformal_offsets(np.zeros((3, 1)), (80, 0)), "level"),
        (lambda: conformal_scores(np.zeros((2, 3)), np.zeros((2, 2)), np.ones(2)), "y_point"),
        (lambda: conformal_scores(np.zeros((2, 3)), np.zeros((2, 3)), np.ones(3)), "scale"),
        (lambda: conformal_scores(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros(2)), "positive"),
        (lambda: window_scale(np.zeros(4)), "input_size"),
        (lambda: conformal_bounds(np.zeros((2, 3)), np.ones(2), np.zeros((2, 1))), "offsets"),
        (lambda: conformal_bounds(np.zeros((2, 3)), np.ones(1), np.zeros((3, 1))), "scale"),
    ],
)
def test_bad_inputs_are_refused_naming_what_was_expected(call, message):
    with pytest.raises(NHITSInputError, match=message):
        call()

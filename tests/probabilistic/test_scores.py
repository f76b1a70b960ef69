"""Probabilistic scores against references written here: loops over points, the closed-form CRPS
of a normal forecast, and a hand-computed interval example."""

import json
import math
from statistics import NormalDist

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.probabilistic.levels import level_bounds, quantile_text
from keras_nhits.probabilistic.scores import (
    baseline_quantiles,
    error_quantiles,
    interval_levels,
    interval_scores,
    pinball_losses,
    probabilistic_metrics,
    scaled_crps,
)

QUANTILES = (0.1, 0.5, 0.9)
Z = np.zeros((2, 2))


def _random_forecast(rng, n=7, h=4, quantiles=QUANTILES):
    y = rng.normal(5.0, 2.0, size=(n, h))
    q = np.sort(rng.normal(5.0, 2.0, size=(n, h, len(quantiles))), axis=-1)
    return y, q


def _loop_pinball(y, q, quantiles):
    """Mean pinball loss per quantile, one point at a time."""
    out = []
    for k, tau in enumerate(quantiles):
        total = 0.0
        for i in range(y.shape[0]):
            for j in range(y.shape[1]):
                e = y[i, j] - q[i, j, k]
                total += tau * e if e >= 0 else (tau - 1) * e
        out.append(total / y.size)
    return out


def _normal_crps(y, mu, sigma):
    """Closed-form CRPS of N(mu, sigma²) at y (Gneiting & Raftery 2007)."""
    z = (y - mu) / sigma
    cdf = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return sigma * (z * (2 * cdf - 1) + 2 * pdf - 1 / math.sqrt(math.pi))


def test_pinball_losses_match_a_loop_over_points(rng):
    y, q = _random_forecast(rng)
    losses = pinball_losses(y, q, QUANTILES)
    assert list(losses) == ["0.1", "0.5", "0.9"]
    np.testing.assert_allclose(list(losses.values()), _loop_pinball(y, q, QUANTILES), rtol=1e-12)


def test_scaled_crps_is_twice_the_mean_pinball_over_mean_abs_y(rng):
    y, q = _random_forecast(rng)
    reference = 2 * np.mean(_loop_pinball(y, q, QUANTILES)) / np.mean(np.abs(y))
    assert scaled_crps(y, q, QUANTILES) == pytest.approx(reference, rel=1e-12)


def test_scaled_crps_of_99_normal_quantiles_approaches_the_closed_form_normal_crps(rng):
    quantiles = tuple(round(k / 100, 2) for k in range(1, 100))
    mu, sigma = 10.0, 2.0
    y = rng.normal(mu + 0.5, 1.5 * sigma, size=(400, 3))
    levels = [NormalDist(mu, sigma).inv_cdf(tau) for tau in quantiles]
    q = np.broadcast_to(np.array(levels), (*y.shape, len(quantiles)))
    approximation = scaled_crps(y, q, quantiles) * np.mean(np.abs(y))
    exact = np.mean([_normal_crps(v, mu, sigma) for v in y.ravel()])
    assert approximation == pytest.approx(exact, rel=0.02)


def test_scaled_crps_is_none_when_every_target_is_zero():
    y = np.zeros((2, 3))
    q = np.ones((2, 3, 3))
    assert scaled_crps(y, q, QUANTILES) is None


def test_interval_scores_of_a_hand_computed_2x2_example():
    # Points: inside, on the lower bound, 1 below, 2 above; level 80 -> 2 / alpha = 10.
    y = np.array([[1.0, 0.0], [-1.0, 5.0]])
    lower = np.array([[0.0, 0.0], [0.0, 1.0]])
    upper = np.array([[2.0, 1.0], [1.0, 3.0]])
    scores = interval_scores(y, lower, upper, 80)
    assert scores["coverage"] == pytest.approx(0.5)
    assert scores["width"] == pytest.approx((2 + 1 + 1 + 2) / 4)
    assert scores["winkler"] == pytest.approx((2 + 1 + (1 + 10 * 1) + (2 + 10 * 2)) / 4)


@pytest.mark.parametrize(
    "q, key", [(0.1, "0.1"), (0.05, "0.05"), (0.975, "0.975"), (0.5, "0.5"), (0.1 + 1e-12, "0.1")]
)
def test_quantile_text_is_the_shortest_text_that_round_trips(q, key):
    assert quantile_text(q) == key


@pytest.mark.parametrize(
    "level, bounds",
    [(80, (0.1, 0.9)), (90, (0.05, 0.95)), (95, (0.025, 0.975)), (50, (0.25, 0.75)),
     (99.5, (0.0025, 0.9975))],
)  # fmt: skip
def test_level_bounds_are_the_central_interval_quantiles(level, bounds):
    assert level_bounds(level) == bounds


@pytest.mark.parametrize(
    "quantiles, levels",
    [
        ((0.1, 0.5, 0.9), (80,)),
        ((0.05, 0.1, 0.5, 0.9, 0.95), (80, 90)),
        ((0.025, 0.5, 0.975), (95,)),
        ((0.1, 0.5), ()),
        ((0.5,), ()),
        ((0.0025, 0.5, 0.9975), (99.5,)),
        ((0.1, 0.5, 0.9000000001), (80,)),
    ],
)
def test_interval_levels_are_those_whose_two_bounds_are_quantiles(quantiles, levels):
    found = interval_levels(quantiles)
    assert found == levels
    assert all(type(a) is type(b) for a, b in zip(found, levels))


def test_probabilistic_metrics_is_json_ready_and_matches_its_parts(rng):
    quantiles = (0.05, 0.1, 0.5, 0.9, 0.95)
    y, q = _random_forecast(rng, quantiles=quantiles)
    metrics = probabilistic_metrics(y, q, quantiles)
    assert list(metrics["intervals"]) == ["80", "90"]
    assert metrics["intervals"]["90"] == interval_scores(y, q[..., 0], q[..., 4], 90)
    assert metrics["pinball"] == pinball_losses(y, q, quantiles)
    assert metrics["scaled_crps"] == scaled_crps(y, q, quantiles)
    json.dumps(metrics, allow_nan=False)


def test_probabilistic_metrics_writes_null_for_undefined_scores():
    metrics = probabilistic_metrics(np.zeros((0, 2)), np.zeros((0, 2, 3)), QUANTILES)
    text = json.dumps(metrics, allow_nan=False)
    assert metrics["scaled_crps"] is None
    assert metrics["intervals"]["80"] == {"coverage": None, "width": None, "winkler": None}
    assert "null" in text


def test_error_quantiles_are_np_quantile_per_horizon_step_and_baseline_adds_them(rng):
    errors = rng.normal(size=(50, 3))
    offsets = error_quantiles(errors, QUANTILES)
    assert offsets.shape == (3, 3)
    for h in range(3):
        for k, tau in enumerate(QUANTILES):
            assert offsets[h, k] == pytest.approx(np.quantile(errors[:, h], tau))
    assert np.all(np.diff(offsets, axis=1) >= 0)
    point = rng.normal(size=(4, 3))
    bands = baseline_quantiles(point, offsets)
    assert bands.shape == (4, 3, 3)
    np.testing.assert_allclose(bands[2, 1], point[2, 1] + offsets[1])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: pinball_losses(np.zeros(3), np.zeros((3, 1, 3)), QUANTILES), "y_true"),
        (lambda: pinball_losses(np.zeros((2, 3)), np.zeros((2, 3)), QUANTILES), "q_pred"),
        (lambda: pinball_losses(np.zeros((2, 3)), np.zeros((2, 3, 2)), QUANTILES), "q_pred"),
        (lambda: pinball_losses(np.zeros((2, 3)), np.zeros((2, 4, 3)), QUANTILES), "q_pred"),
        (lambda: pinball_losses(np.zeros((2, 3)), np.zeros((2, 3, 2)), (0.9, 0.1)), "sorted"),
        (lambda: pinball_losses(np.zeros((2, 3)), np.zeros((2, 3, 2)), (0.0, 0.5)), "(0, 1)"),
        (lambda: scaled_crps(np.zeros((2, 3)), np.zeros((3, 3, 3)), QUANTILES), "q_pred"),
        (lambda: interval_scores(Z, Z, np.zeros((2, 3)), 80), "upper"),
        (lambda: interval_scores(Z, Z, Z, 100), "level"),
        (lambda: interval_scores(Z, Z, Z, 0), "level"),
        (lambda: level_bounds(-5), "level"),
        (lambda: probabilistic_metrics(np.zeros((2, 3)), np.zeros((2, 3, 3)), QUANTILES, (90,)),
         "level 90"),
        (lambda: error_quantiles(np.zeros((0, 3)), QUANTILES), "no window"),
        (lambda: error_quantiles(np.zeros(3), QUANTILES), "errors"),
        (lambda: baseline_quantiles(np.zeros((2, 3)), np.zeros((4, 3))), "offsets"),
    ],
)  # fmt: skip
def test_bad_inputs_are_refused_naming_what_was_expected(call, message):
    with pytest.raises(NHITSInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()

import keras
import numpy as np
import pytest

from keras_nhits.probabilistic.losses import PinballLoss


def test_pinball_loss_matches_a_numpy_reference(rng):
    quantiles = (0.1, 0.5, 0.9)
    y = rng.normal(size=(8, 5)).astype("float32")
    q = rng.normal(size=(8, 5, 3)).astype("float32")
    expected = np.mean(
        [
            max(tau * (y[i, h] - q[i, h, k]), (tau - 1) * (y[i, h] - q[i, h, k]))
            for i in range(8)
            for h in range(5)
            for k, tau in enumerate(quantiles)
        ]
    )
    got = float(keras.ops.convert_to_numpy(PinballLoss(quantiles)(y, q)))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_at_the_median_it_is_half_the_absolute_error(rng):
    y = rng.normal(size=(4, 6)).astype("float32")
    q = rng.normal(size=(4, 6, 1)).astype("float32")
    got = float(keras.ops.convert_to_numpy(PinballLoss((0.5,))(y, q)))
    np.testing.assert_allclose(got, 0.5 * np.mean(np.abs(y - q[..., 0])), rtol=1e-5)


def test_round_trips_through_keras_serialization():
    loss = PinballLoss((0.1, 0.9))
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(again, PinballLoss) and again.quantiles == (0.1, 0.5, 0.9)


@pytest.mark.parametrize("distribution", ["normal", "studentt"])
def test_distribution_loss_is_the_negative_log_likelihood(distribution, rng):
    import math

    from keras_nhits.layers.distribution_head import DistributionQuantiles
    from keras_nhits.probabilistic.distributions import STUDENTT_DF
    from keras_nhits.probabilistic.losses import DistributionLoss

    quantiles = (0.1, 0.9)
    head = DistributionQuantiles(distribution, quantiles)
    params = rng.normal(size=(6, 4, 2)).astype("float32")
    y = rng.normal(size=(6, 4)).astype("float32")
    q = head(params)
    got = float(keras.ops.convert_to_numpy(DistributionLoss(distribution, quantiles)(y, q)))
    loc = params[..., 0].astype(np.float64)
    scale = np.log1p(np.exp(params[..., 1].astype(np.float64))) + 1e-3
    e = (y - loc) / scale
    if distribution == "normal":
        log_pdf = -0.5 * math.log(2 * math.pi) - 0.5 * e**2 - np.log(scale)
    else:
        df = STUDENTT_DF
        log_pdf = (
            math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
            - (df + 1) / 2 * np.log1p(e**2 / df) - np.log(scale)
        )  # fmt: skip
    np.testing.assert_allclose(got, -log_pdf.mean(), rtol=1e-4)

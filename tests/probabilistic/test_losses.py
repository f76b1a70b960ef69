import keras
import numpy as np

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

import keras
import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import MonotoneQuantiles
from tests.conftest import to_numpy


@pytest.mark.parametrize("median_index,channels", [(0, 1), (0, 3), (2, 3), (2, 5), (4, 9)])
def test_quantiles_never_cross_for_any_input(median_index, channels, rng):
    head = MonotoneQuantiles(median_index)
    # Wide, extreme and tied inputs: softplus saturates, underflows, and sees equal channels.
    z = rng.normal(scale=30.0, size=(64, 7, channels)).astype("float32")
    z[:8] = 0.0
    z[8:16] = -80.0
    q = to_numpy(head(z))
    assert q.shape == z.shape
    assert np.all(np.diff(q, axis=-1) >= 0)
    # The median channel passes through: the point forecast is the blocks' plain sum.
    np.testing.assert_allclose(q[..., median_index], z[..., median_index], rtol=1e-6)


def test_quantiles_match_a_numpy_reference(rng):
    z = rng.normal(size=(5, 4, 5)).astype("float32")
    q = to_numpy(MonotoneQuantiles(2)(z))
    softplus = np.log1p(np.exp(z.astype(np.float64)))
    expected = np.empty_like(softplus)
    expected[..., 2] = z[..., 2]
    for j in (3, 4):
        expected[..., j] = expected[..., j - 1] + softplus[..., j]
    for j in (1, 0):
        expected[..., j] = expected[..., j + 1] - softplus[..., j]
    np.testing.assert_allclose(q, expected, rtol=1e-5, atol=1e-5)


def test_every_channel_gets_a_gradient(rng):
    head = MonotoneQuantiles(1)
    z = keras.Variable(rng.normal(size=(2, 3, 3)).astype("float32"))
    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradient check written with tf.GradientTape (the head is backend-neutral)")
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = keras.ops.sum(head(z) * np.array([1.0, 2.0, 3.0], "float32"))
    grad = to_numpy(tape.gradient(loss, z.value))
    assert np.all(np.abs(grad) > 0)


def test_round_trips_through_its_config():
    head = MonotoneQuantiles(3, name="q")
    again = MonotoneQuantiles.from_config(head.get_config())
    assert again.median_index == 3 and again.name == "q"


def test_refuses_a_median_index_beyond_the_channels():
    with pytest.raises(NHITSInputError, match="median_index=3"):
        MonotoneQuantiles(3)(np.zeros((1, 2, 3), "float32"))


def _gradient(function, z):
    """d sum(function(z)) / dz on the active backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.Variable(z)
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(function(x))
        return tape.gradient(total, x).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(lambda x: function(x).sum())(z))
    import torch

    x = torch.tensor(z, requires_grad=True)
    function(x).sum().backward()
    return x.grad.numpy()


def test_the_tails_losses_never_move_the_median_channel(rng):
    head = MonotoneQuantiles(2)
    z = rng.normal(size=(3, 4, 5)).astype("float32")
    weights = np.array([1.0, 2.0, 0.0, 3.0, 4.0], "float32")  # every quantile but the median
    grad = _gradient(lambda x: keras.ops.multiply(head(x), keras.ops.convert_to_tensor(weights)), z)
    np.testing.assert_array_equal(grad[..., 2], 0.0)
    assert np.all(np.abs(grad[..., [0, 1, 3, 4]]) > 0)  # each tail trains its own gaps
    median_only = _gradient(lambda x: head(x)[..., 2], z)
    np.testing.assert_array_equal(median_only[..., 2], 1.0)
    np.testing.assert_array_equal(median_only[..., [0, 1, 3, 4]], 0.0)

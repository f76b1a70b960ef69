import keras
import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import ConformalIntervals
from keras_nhits.probabilistic.conformal import conformal_bounds, window_scale
from tests.conftest import to_numpy


def _layer(levels, horizon, quantiles=(), offsets=None):
    layer = ConformalIntervals(levels, horizon, quantiles)
    layer.build((None, 8))
    if offsets is not None:
        layer.set_offsets(offsets)
    return layer


def test_point_intervals_are_the_numpy_conformal_bounds(rng):
    history = (rng.normal(size=(5, 8)) * 3 + 50).astype("float32")
    point = (rng.normal(size=(5, 4)) + 50).astype("float32")
    offsets = np.array([[0.5, 1.0], [0.6, 1.2], [0.7, 1.3], [0.8, 1.5]])
    out = to_numpy(_layer((80, 90), 4, offsets=offsets)(history, point))
    assert out.shape == (5, 4, 5)  # lo-90, lo-80, point, hi-80, hi-90
    lower, upper = conformal_bounds(point, window_scale(history), offsets)
    np.testing.assert_allclose(out[..., 2], point, rtol=1e-6)
    np.testing.assert_allclose(out[..., [1, 0]], lower, rtol=1e-5)
    np.testing.assert_allclose(out[..., [3, 4]], upper, rtol=1e-5)


def test_quantile_bounds_move_by_their_offsets_and_the_rest_pass(rng):
    history = (rng.normal(size=(3, 8)) + 10).astype("float32")
    head = np.sort(rng.normal(size=(3, 2, 5)), axis=-1).astype("float32") + 10
    quantiles = (0.1, 0.25, 0.5, 0.75, 0.9)
    offsets = np.array([[0.2], [-0.1]])  # widen step 0, narrow step 1 (an over-covering head)
    out = to_numpy(_layer((80,), 2, quantiles, offsets)(history, head))
    scale = window_scale(history)[:, None]
    np.testing.assert_allclose(out[..., [1, 2, 3]], head[..., [1, 2, 3]], rtol=1e-6)
    expected_low = np.minimum(head[..., 0] - scale * offsets[:, 0], head[..., 1])
    expected_high = np.maximum(head[..., 4] + scale * offsets[:, 0], head[..., 3])
    np.testing.assert_allclose(out[..., 0], expected_low, rtol=1e-5)
    np.testing.assert_allclose(out[..., 4], expected_high, rtol=1e-5)


def test_intervals_nest_and_never_cross_for_any_offsets(rng):
    history = (rng.normal(size=(16, 8)) * 5).astype("float32")
    point = rng.normal(size=(16, 3)).astype("float32")
    offsets = rng.normal(scale=3.0, size=(3, 3))  # negative, and the 95 % below the 80 %
    out = to_numpy(_layer((50, 80, 95), 3, offsets=offsets)(history, point))
    assert np.all(np.diff(out, axis=-1) >= 0)


def test_uncalibrated_intervals_have_width_zero_and_offsets_round_trip(rng, tmp_path):
    history = rng.normal(size=(2, 8)).astype("float32")
    point = rng.normal(size=(2, 3)).astype("float32")
    layer = _layer((90,), 3)
    out = to_numpy(layer(history, point))
    np.testing.assert_allclose(out, np.repeat(point[..., None], 3, axis=-1), rtol=1e-6)
    again = ConformalIntervals.from_config(layer.get_config())
    assert again.levels == (90,) and again.output_quantiles == (0.05, 0.5, 0.95)


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: ConformalIntervals((), 3), "at least one level"),
        (lambda: ConformalIntervals((80,), 3, (0.25, 0.5, 0.75)), "need the quantiles"),
        (lambda: _layer((80,), 3, offsets=np.zeros((2, 1))), "shape"),
        (lambda: _layer((80,), 3, offsets=np.full((3, 1), np.inf)), "finite"),
        (lambda: ConformalIntervals((100,), 3), "below 100"),
    ],
)
def test_bad_levels_and_offsets_are_refused(make, message):
    with pytest.raises(NHITSInputError, match=message):
        make()


def test_a_calibrated_model_keeps_its_offsets_in_a_keras_file(rng, tmp_path):
    from keras_nhits.models import NHITS

    model = NHITS(16, 3, hidden_size=8, conformal=(80,))
    model.set_conformal_offsets(np.array([[0.5], [1.0], [1.5]]))
    x = (rng.normal(size=(2, 16)) + 5).astype("float32")
    path = str(tmp_path / "c.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(to_numpy(loaded(x)), to_numpy(model(x)), rtol=1e-5, atol=1e-5)
    assert loaded.quantiles == (0.1, 0.5, 0.9) and loaded.model_config.quantiles == ()

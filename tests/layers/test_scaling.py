import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import WindowScaler
from tests.conftest import to_numpy


def reference_stats(x, method):
    if method == "identity":
        return np.zeros((len(x), 1)), np.ones((len(x), 1))
    if method == "standard":
        loc, scale = x.mean(1, keepdims=True), x.std(1, keepdims=True)
    elif method == "robust":
        q25, q50, q75 = np.percentile(x, [25, 50, 75], axis=1)
        loc, scale = q50[:, None], (q75 - q25)[:, None]
    else:
        loc, scale = x.min(1, keepdims=True), np.ptp(x, axis=1, keepdims=True)
    return loc, scale


@pytest.mark.parametrize("method", ["identity", "standard", "robust", "minmax"])
def test_statistics_and_inverse(method, rng):
    x = (rng.normal(size=(5, 31)) * 40 + 1000).astype("float32")
    layer = WindowScaler(method)
    scaled, loc, scale = to_numpy(layer(x))
    ref_loc, ref_scale = reference_stats(x.astype("float64"), method)
    np.testing.assert_allclose(loc, ref_loc, rtol=1e-5)
    np.testing.assert_allclose(scale, ref_scale, rtol=1e-4)
    np.testing.assert_allclose(scaled, (x - ref_loc) / ref_scale, atol=1e-3)
    back = to_numpy(layer.inverse(scaled, loc, scale))
    np.testing.assert_allclose(back, x, rtol=1e-5)


@pytest.mark.parametrize("method", ["standard", "robust", "minmax"])
def test_constant_window_does_not_divide_by_zero(method):
    x = np.full((2, 16), 7.5, dtype="float32")
    scaled, loc, scale = to_numpy(WindowScaler(method)(x))
    assert np.all(np.isfinite(scaled))
    np.testing.assert_allclose(scale, 1.0)
    np.testing.assert_allclose(loc + scaled * scale, x)


def test_bad_method_is_named():
    with pytest.raises(NHITSInputError, match="method"):
        WindowScaler("zscore")

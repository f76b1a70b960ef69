import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers import CovariateScaler
from tests.conftest import to_numpy


def test_default_is_the_identity(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = CovariateScaler(3)
    np.testing.assert_array_equal(to_numpy(layer(x)), x)
    mean, std = layer.statistics()
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_array_equal(std, 1.0)


def test_scales_each_channel_by_its_statistics(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32") * 7 + 100
    layer = CovariateScaler(3)
    mean, std = np.array([100.0, 50.0, -3.0]), np.array([7.0, 2.0, 0.5])
    layer.set_statistics(mean, std)
    np.testing.assert_allclose(to_numpy(layer(x)), (x - mean) / std, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(layer(x[:, 0])), (x[:, 0] - mean) / std, rtol=1e-5)


def test_a_zero_nan_or_negligible_std_becomes_one():
    layer = CovariateScaler(4)
    layer.set_statistics([1.0, 2.0, 1000.0, 0.0], [0.0, np.nan, 1e-7, np.inf])
    mean, std = layer.statistics()
    np.testing.assert_array_equal(std, [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(mean, [1.0, 2.0, 1000.0, 0.0])


@pytest.mark.parametrize(
    "mean,std,word",
    [
        ([0.0, 0.0, 0.0], [1.0, 1.0], r"std must have shape \(3,\)"),
        ([[0.0, 0.0, 0.0]], [1.0, 1.0, 1.0], r"mean must have shape \(3,\)"),
        ([0.0, np.nan, 0.0], [1.0, 1.0, 1.0], "mean must be finite"),
        ([0.0, 0.0, 0.0], [1.0, -1.0, 1.0], "std must not be negative"),
        (["a", 0.0, 0.0], [1.0, 1.0, 1.0], "mean must be 3 numbers"),
    ],
)
def test_bad_statistics_are_refused_by_name(mean, std, word):
    layer = CovariateScaler(3, name="futr_exog_scaler")
    with pytest.raises(NHITSInputError, match=f"futr_exog_scaler.*{word}"):
        layer.set_statistics(mean, std)


def test_statistics_are_non_trainable_weights():
    layer = CovariateScaler(2)
    layer.build()
    assert not layer.trainable_weights
    assert sorted(w.name for w in layer.non_trainable_weights) == ["mean", "std"]


def test_config_round_trip():
    layer = CovariateScaler(5, name="hist_exog_scaler")
    assert CovariateScaler.from_config(layer.get_config()).get_config() == layer.get_config()

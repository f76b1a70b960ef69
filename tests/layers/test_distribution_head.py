import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.layers.distribution_head import MIN_SCALE, DistributionQuantiles
from keras_nhits.probabilistic.distributions import standard_quantiles
from tests.conftest import to_numpy


@pytest.mark.parametrize("distribution", ["normal", "studentt"])
def test_quantiles_are_loc_plus_scale_times_the_standard_quantiles(distribution, rng):
    head = DistributionQuantiles(distribution, (0.05, 0.1, 0.9, 0.95))
    params = rng.normal(scale=5.0, size=(4, 3, 2)).astype("float32")
    q = to_numpy(head(params))
    z = np.array(standard_quantiles(distribution, head.quantiles))
    scale = np.log1p(np.exp(params[..., 1:2].astype(np.float64))) + MIN_SCALE
    np.testing.assert_allclose(q, params[..., :1] + scale * z, rtol=1e-5, atol=1e-5)
    assert np.all(np.diff(q, axis=-1) > 0)  # never crossing: a positive scale, sorted z
    np.testing.assert_allclose(q[..., 2], params[..., 0], rtol=1e-6)  # the median is loc


def test_round_trips_and_refuses_an_unknown_distribution():
    head = DistributionQuantiles("studentt", (0.1, 0.9))
    again = DistributionQuantiles.from_config(head.get_config())
    assert again.distribution == "studentt" and again.quantiles == (0.1, 0.5, 0.9)
    with pytest.raises(NHITSInputError, match="distribution"):
        DistributionQuantiles("gamma", (0.1,))

"""NHITS with a quantile head: shapes, non-crossing outputs, the median's decomposition, files."""

import keras
import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.models import NHITS
from keras_nhits.probabilistic.losses import PinballLoss
from tests.conftest import to_numpy

TINY = {"hidden_size": 16}


def _windows(rng, n=6, size=48):
    return (rng.normal(size=(n, size)) * 25.0 + 300.0).astype("float32")


@pytest.mark.parametrize("naive_level", [True, False])
@pytest.mark.parametrize("scaler", ["standard", "robust", "minmax", "identity"])
def test_quantiles_never_cross_and_the_median_is_the_decomposed_forecast(rng, scaler, naive_level):
    model = NHITS(48, 12, quantiles=(0.05, 0.1, 0.9, 0.95), scaler=scaler,
                  naive_level=naive_level, **TINY)  # fmt: skip
    x = _windows(rng)
    y = to_numpy(model(x))
    assert model.quantiles == (0.05, 0.1, 0.5, 0.9, 0.95)
    assert y.shape == (6, 12, 5) == model.compute_output_shape((6, 48))
    assert np.all(np.diff(y, axis=-1) >= 0)
    parts = to_numpy(model.decompose(x))
    assert parts.shape == (6, 4, 12)
    np.testing.assert_allclose(parts.sum(axis=1), y[..., model.median_index], rtol=1e-4, atol=1e-2)


def test_a_point_model_keeps_its_weights_and_output():
    point = NHITS(48, 12, **TINY)
    point.build((None, 48))
    quantile = NHITS(48, 12, quantiles=(0.1, 0.9), **TINY)
    quantile.build((None, 48))
    assert point.quantile_head is None and point.median_index is None
    shapes = [tuple(w.shape) for w in point.weights]
    # theta gets 3 knot sets per block; every other weight keeps its shape.
    changed = [(a, tuple(b.shape)) for a, b in zip(shapes, quantile.weights) if a != tuple(b.shape)]
    assert len(changed) == 2 * len(point.blocks)  # theta's kernel and bias of each block


def test_quantile_model_trains_with_the_pinball_loss(rng):
    model = NHITS(24, 4, quantiles=(0.1, 0.9), **TINY)
    model.compile(optimizer="adam", loss=PinballLoss(model.quantiles))
    x = _windows(rng, 64, 24)
    y = x[:, -4:] + rng.normal(size=(64, 4)).astype("float32")
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_quantile_model_round_trips_through_a_keras_file(rng, tmp_path):
    model = NHITS(24, 4, quantiles=(0.2, 0.8), **TINY)
    model.compile(optimizer="adam", loss=PinballLoss(model.quantiles))
    x = _windows(rng, 4, 24)
    model.fit(x, x[:, -4:], epochs=1, verbose=0)  # a compiled, trained model: the loss saved too
    expected = to_numpy(model(x))
    path = str(tmp_path / "q.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert loaded.quantiles == (0.2, 0.5, 0.8)
    np.testing.assert_allclose(to_numpy(loaded(x)), expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("quantiles", [(1.2,), (0.1, 0.1), (0.0,), ("x",)])
def test_bad_quantiles_are_refused(quantiles):
    with pytest.raises(NHITSInputError, match="quantiles"):
        NHITS(24, 4, quantiles=quantiles, **TINY)


@pytest.mark.parametrize("distribution", ["normal", "studentt"])
def test_a_distribution_head_gives_sorted_quantiles_around_its_location(rng, distribution):
    from keras_nhits.probabilistic.losses import DistributionLoss

    model = NHITS(24, 4, quantiles=(0.1, 0.9), distribution=distribution, **TINY)
    assert [b.n_outputs for b in model.blocks] == [2, 2, 2]  # location and scale
    model.compile(optimizer="adam", loss=DistributionLoss(distribution, model.quantiles))
    x = _windows(rng, 64, 24)
    model.fit(x, x[:, -4:] + rng.normal(size=(64, 4)).astype("float32"), epochs=1, verbose=0)
    y = to_numpy(model(x))
    assert y.shape == (64, 4, 3) and np.all(np.diff(y, axis=-1) > 0)
    parts = to_numpy(model.decompose(x))
    np.testing.assert_allclose(parts.sum(axis=1), y[..., 1], rtol=1e-4, atol=1e-2)
    again = NHITS.from_config(model.get_config())
    assert again.model_config.distribution == distribution


def test_a_distribution_head_needs_quantiles_to_report():
    with pytest.raises(NHITSInputError, match="normal head reports quantiles"):
        NHITS(24, 4, distribution="normal", **TINY)

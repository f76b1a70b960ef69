"""The serving-kernel benchmark multiplies what the model multiplies for one forecast."""

import keras
import numpy as np
import pytest

from tests.benchmarks.scripts import load_benchmark

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="the script measures TensorFlow kernels"
)


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("serving_kernels")


def test_model_kernels_are_the_default_models_products(bench):
    kernels = bench.model_kernels()
    # 3 blocks x (2 hidden layers + theta); the last theta keeps only its 96 forecast columns.
    assert [k.shape for k in kernels] == [
        (240, 512), (512, 512), (512, 480 + 24),
        (240, 512), (512, 512), (512, 480 + 48),
        (480, 512), (512, 512), (512, 96),
    ]  # fmt: skip
    assert all(k.dtype == np.float32 for k in kernels)
    assert sum(k.nbytes for k in kernels) == pytest.approx(7.42e6, rel=1e-3)


def test_precision_candidates_compute_the_same_products(bench):
    rng = np.random.default_rng(1)
    kernels = [rng.normal(size=(8, 6)).astype("float32"), rng.normal(size=(6, 4)).astype("float32")]
    candidates = bench.precision_candidates(kernels, jit=False)
    reference = [np.asarray(p) for p in candidates["float32"]()]
    for name, fn in candidates.items():
        for product, expected in zip(fn(), reference):
            # Reduced precision: within a few percent of the float32 product's scale.
            np.testing.assert_allclose(
                np.asarray(product, dtype="float32"),
                expected,
                atol=0.05 * np.abs(expected).max(),
                err_msg=name,
            )

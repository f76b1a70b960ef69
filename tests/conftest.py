"""Shared fixtures: the backend under test and seeded randomness.

The suite runs once per backend (`KERAS_BACKEND=tensorflow|jax|torch`); each test uses whatever
backend the process was started with.
"""

import keras
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seeded_and_float32():
    keras.utils.set_random_seed(1234)
    previous = keras.config.dtype_policy()
    yield
    keras.config.set_dtype_policy(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def to_numpy(x):
    """A backend tensor (or a tuple of them) as float64 NumPy arrays."""
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(v) for v in x)
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)

"""The tf.data pipeline: gathered batches, seeded shuffling, sampling, and model.fit."""

import keras
import numpy as np
import pytest
from data_helpers import long_frame

from keras_nhits import NHITSInputError
from keras_nhits.data import load_series, make_dataset, prepare_splits, window_arrays

INPUT, HORIZON = 16, 4


@pytest.fixture(scope="module")
def splits():
    return prepare_splits(load_series(long_frame()), input_size=INPUT, horizon=HORIZON)


def _epoch(dataset):
    return [(x.numpy(), y.numpy()) for x, y in dataset]


def _dataset(splits, **kwargs):
    arguments = {"input_size": INPUT, "horizon": HORIZON, "batch_size": 64, **kwargs}
    return make_dataset(splits.series, splits.train, **arguments)


def test_batches_are_the_windows_in_order(splits):
    batches = _epoch(_dataset(splits))
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    expected_x, expected_y = window_arrays(splits.series, splits.train, INPUT, HORIZON)
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)
    assert x.dtype == np.float32 and batches[0][0].shape == (64, INPUT)
    assert len(batches) == int(np.ceil(splits.train.size / 64))


def test_seeded_shuffle_is_reproducible_and_reshuffles_each_epoch(splits):
    a = _dataset(splits, shuffle=True, seed=7)
    b = _dataset(splits, shuffle=True, seed=7)
    c = _dataset(splits, shuffle=True, seed=8)
    a1, a2 = _epoch(a), _epoch(a)
    b1, b2 = _epoch(b), _epoch(b)
    for (xa, ya), (xb, yb) in zip(a1 + a2, b1 + b2):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a1[0][0], a2[0][0])  # a new order each epoch
    assert not np.array_equal(a1[0][0], _epoch(c)[0][0])
    # A shuffled epoch still visits every window exactly once.
    firsts = np.sort(np.concatenate([x[:, 0] for x, _ in a1]))
    expected = np.sort(window_arrays(splits.series, splits.train, INPUT, HORIZON)[0][:, 0])
    np.testing.assert_array_equal(firsts, expected)


@pytest.mark.parametrize("windows_per_epoch", [100, 5000])
def test_windows_per_epoch_samples_a_fresh_subset(splits, windows_per_epoch):
    dataset = _dataset(splits, shuffle=True, windows_per_epoch=windows_per_epoch)
    first, second = _epoch(dataset), _epoch(dataset)
    assert sum(len(x) for x, _ in first) == windows_per_epoch
    assert dataset.cardinality().numpy() == int(np.ceil(windows_per_epoch / 64))
    assert not np.array_equal(first[0][0], second[0][0])


def test_bad_arguments_are_named(splits):
    with pytest.raises(NHITSInputError, match="no windows"):
        make_dataset(splits.series, splits.train[:0], input_size=INPUT, horizon=HORIZON)
    with pytest.raises(NHITSInputError, match="batch_size"):
        _dataset(splits, batch_size=0)
    with pytest.raises(NHITSInputError, match="run past the data"):
        make_dataset(splits.series, splits.train, input_size=INPUT + 500, horizon=HORIZON)


def test_dataset_feeds_model_fit(splits):
    # Runs on whichever KERAS_BACKEND the suite runs with (tensorflow, jax or torch).
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((INPUT,)), keras.layers.Dense(HORIZON)])
    model.compile(optimizer="adam", loss="mae")
    train = _dataset(splits, shuffle=True)
    val = make_dataset(splits.series, splits.val, input_size=INPUT, horizon=HORIZON)
    history = model.fit(train, validation_data=val, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["val_loss"]).all()


def test_the_datasets_of_one_series_set_share_one_values_tensor():
    from keras_nhits.data import pipeline

    splits = prepare_splits(load_series(np.arange(300.0)), input_size=8, horizon=4)
    first = pipeline._values_tensor(splits.series, splits.series.values)
    assert pipeline._values_tensor(splits.series, splits.series.values) is first
    val = make_dataset(splits.series, splits.val, input_size=8, horizon=4)
    assert pipeline._VALUE_TENSORS[splits.series][1] is first
    x, _ = next(iter(val))
    np.testing.assert_array_equal(x.numpy()[0], splits.series.values[splits.val[0] :][:8])
    # New values (a rescaled copy) get a new tensor, never the stale one.
    splits.series.values = splits.series.values * 2
    assert pipeline._values_tensor(splits.series, splits.series.values) is not first

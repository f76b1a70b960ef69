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


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"batch_size": 10**30}, "batch_size must be between 1 and 1048576; received about 1e30"),
        ({"windows_per_epoch": 10**30}, "windows_per_epoch must be between 0 and"),
        ({"seed": 2**32}, "seed must be between 0 and 4294967295; received 4294967296"),
        ({"seed": -1}, "seed must be between 0 and 4294967295; received -1"),
        ({"horizon": np.bool_(True)}, "horizon must be an integer; received np.True_"),
        ({"batch_size": 64.0}, "batch_size must be an integer; received 64.0"),
    ],
)
def test_out_of_range_arguments_are_refused_before_tensorflow_sees_them(splits, kwargs, words):
    # 10**30 reached TensorFlow before and came back as a ValueError or an OverflowError.
    with pytest.raises(NHITSInputError) as caught:
        _dataset(splits, **kwargs)
    assert words in str(caught.value)


def test_numpy_integer_arguments_make_the_same_batches(splits):
    python = _epoch(_dataset(splits, shuffle=True, seed=3, windows_per_epoch=100))
    numpy = _epoch(
        make_dataset(
            splits.series,
            splits.train,
            input_size=np.int64(INPUT),
            horizon=np.int32(HORIZON),
            batch_size=np.int64(64),
            shuffle=True,
            seed=np.uint32(3),
            windows_per_epoch=np.int64(100),
        )
    )
    for (xa, ya), (xb, yb) in zip(python, numpy, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


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


@pytest.mark.parametrize("shuffle", [True, False])
def test_a_small_sample_of_many_windows_is_drawn_without_replacement(shuffle):
    # windows_per_epoch <= 1/16 of the windows is sampled without a permutation of the index
    # (pipeline._sample_without_replacement): still distinct windows, seeded, new each epoch.
    splits = prepare_splits(load_series(np.arange(20_000.0)), input_size=INPUT, horizon=HORIZON)
    assert 500 * 16 <= splits.train.size
    a = _dataset(splits, shuffle=shuffle, seed=5, windows_per_epoch=500)
    b = _dataset(splits, shuffle=shuffle, seed=5, windows_per_epoch=500)
    epochs = [np.concatenate([x[:, 0] for x, _ in _epoch(a)]) for _ in range(3)]
    for firsts in epochs:
        assert len(firsts) == 500 and len(np.unique(firsts)) == 500
        assert set(firsts.astype(int)) <= set(splits.series.values[splits.train].astype(int))
        assert (np.all(np.diff(firsts) > 0)) is not shuffle  # data order unless shuffled
    assert not np.array_equal(epochs[0], epochs[1])
    np.testing.assert_array_equal(np.concatenate([x[:, 0] for x, _ in _epoch(b)]), epochs[0])


def test_the_training_pipeline_serves_the_values_and_starts_in_place():
    # No TensorFlow copy of the two largest arrays (aligned.py): a change to the array shows
    # in the tensor (`Tensor.numpy()` would copy, so the test writes instead).
    from keras_nhits.data import pipeline
    from keras_nhits.data.aligned import is_aligned, shared_tensor

    splits = prepare_splits(load_series(np.arange(3000.0)), input_size=8, horizon=4)
    assert is_aligned(splits.series.values) and is_aligned(splits.train)
    values = pipeline._values_tensor(splits.series, splits.series.values)
    starts = shared_tensor(splits.train, np.int32)
    splits.series.values[0], splits.train[0] = -5.0, 7
    assert float(values[0]) == -5.0 and int(starts[0]) == 7
    unaligned = np.arange(17, dtype=np.float32)[1:]
    copied = shared_tensor(unaligned, np.float32)
    unaligned[0] = -1.0
    assert float(copied[0]) == 1.0


def test_the_sample_is_exact_even_when_the_first_draws_repeat():
    # Drawing all 100 of 100 positions needs many rounds of draws: the loop keeps drawing
    # until every position is found once, in a seeded order.
    import tensorflow as tf

    from keras_nhits.data.pipeline import _sample_without_replacement

    key = tf.constant([3, 4], tf.int64)
    first = _sample_without_replacement(key, 100, 100, tf.int32).numpy()
    assert sorted(first.tolist()) == list(range(100))
    again = _sample_without_replacement(key, 100, 100, tf.int32).numpy()
    np.testing.assert_array_equal(first, again)

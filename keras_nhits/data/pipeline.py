"""`make_dataset`: window starts -> a `tf.data.Dataset` of `(x, y)` batches for `model.fit`.

The flat values live in the pipeline as one tensor, shared by every dataset made from the same
`SeriesSet`. Each epoch shuffles (or samples) the index array of window starts, batches it, and
cuts every batch with one vectorised `tf.gather` of `start[:, None] + range(input_size +
horizon)`, so no window exists before its batch is made.
Keras 3 takes a `tf.data.Dataset` on the TensorFlow, JAX and PyTorch backends alike.

With covariates (`SeriesSet.has_covariates`) each element is `({"history": [B, L], "hist_exog":
[B, L, Ch], "futr_exog": [B, L + H, Cf], "stat_exog": [B, S]}, y)`, only the kinds present: the
covariate arrays live in the pipeline as tensors too, cut by the same gather of index ranges
(`[start, start + L)` for historical, `[start, start + L + H)` for future-known), and a window's
static row is picked by its series index, computed once for all the starts (`window_series`) and
carried with them.

Shuffling is seeded and reshuffles on every pass over the dataset (every epoch), reproducibly:
each pass draws its permutation key from `tf.data.Dataset.random(seed)` with
`rerandomize_each_iteration=True`, so two pipelines built with the same seed yield the same
batches epoch after epoch, and different seeds different ones.
"""

import math
import weakref

import numpy as np
import tensorflow as tf

from keras_nhits.data.aligned import aligned, shared_tensor
from keras_nhits.data.series_set import SeriesSet
from keras_nhits.data.windows import window_series
from keras_nhits.errors import NHITSInputError, check_int
from keras_nhits.options import MAX_BATCH, MAX_SEED, MAX_WINDOW

# One values tensor per SeriesSet, shared by its train, validation and test datasets (each
# `tf.constant` is a copy of the whole array); dropped with the SeriesSet.
_VALUE_TENSORS = weakref.WeakKeyDictionary()
# The same for each covariate array: `(arrays, tensors)` dicts by kind. A scaled SeriesSet shares
# its covariate arrays with the raw one but is another key, so it makes its own tensors once.
_COVARIATE_TENSORS = weakref.WeakKeyDictionary()
# Sampled epochs of at most 1/SPARSE_SAMPLE of the windows are drawn without a permutation.
SPARSE_SAMPLE = 16


def make_dataset(
    series,
    starts,
    *,
    input_size,
    horizon,
    batch_size=256,
    shuffle=False,
    seed=42,
    windows_per_epoch=0,
):
    """A dataset of `(x [B, input_size], y [B, horizon])` float32 batches (with covariates `x`
    is a dict, see the module docstring).

    Args:
        series: a `SeriesSet` (or its flat float32 `values`); use `Splits.series`, which is
            scaled when a series scaler was fitted.
        starts: window starts into the flat values (`Splits.train`, `.val`, `.test`).
        input_size, horizon: the window shape the starts were computed for.
        batch_size: windows per batch (the last batch may be smaller).
        shuffle: shuffle the windows, with a new order every epoch (seeded).
        seed: seed of the shuffling and sampling.
        windows_per_epoch: 0 = every window once per epoch; otherwise that many windows per
            epoch, a fresh random subset each epoch (drawn with replacement when it exceeds the
            number of windows).

    Returns:
        A `tf.data.Dataset` of known cardinality `ceil(windows / batch_size)`, prefetched.

    Example:
        >>> import numpy as np
        >>> from keras_nhits.data import load_series, prepare_splits
        >>> splits = prepare_splits(load_series(np.arange(100.0)), input_size=8, horizon=4)
        >>> x, y = next(iter(make_dataset(splits.series, splits.train, input_size=8, horizon=4)))
        >>> x.shape, y.shape
        (TensorShape([56, 8]), TensorShape([56, 4]))
    """
    values = series.values if isinstance(series, SeriesSet) else np.asarray(series, np.float32)
    starts = np.asarray(starts)
    input_size, horizon, batch_size, windows_per_epoch, seed = _check_arguments(
        input_size, horizon, batch_size, windows_per_epoch, seed
    )
    _check_starts(starts, len(values), input_size, horizon)
    n = starts.size
    per_epoch = windows_per_epoch or n
    n_batches = math.ceil(per_epoch / batch_size)
    index_dtype = tf.int32 if starts.dtype == np.int32 else tf.int64
    tensors = _tensors(series, values)
    # The index serves in place (aligned.py): no second copy of the largest array but the values.
    columns = (shared_tensor(starts, index_dtype.as_numpy_dtype),)
    if "stat_exog" in tensors:
        which = aligned(window_series(series, starts), index_dtype.as_numpy_dtype)
        columns += (shared_tensor(which, index_dtype.as_numpy_dtype),)
    cut = _cutter(tensors, input_size, horizon, index_dtype)
    if not shuffle and not windows_per_epoch:
        batches = tf.data.Dataset.from_tensor_slices(columns).batch(batch_size)
    else:
        batches = _random_batches(columns, n, per_epoch, n_batches, batch_size, seed, shuffle)
    batches = batches.map(cut, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    batches = batches.apply(tf.data.experimental.assert_cardinality(n_batches))
    return batches.prefetch(tf.data.AUTOTUNE)


def _check_arguments(input_size, horizon, batch_size, windows_per_epoch, seed):
    """The arguments as Python ints, each refused by name as `NHITSTrainingConfig` would."""
    return (
        check_int("input_size", input_size, 1, MAX_WINDOW),
        check_int("horizon", horizon, 1, MAX_WINDOW),
        check_int("batch_size", batch_size, 1, MAX_BATCH),
        check_int("windows_per_epoch", windows_per_epoch, 0),
        check_int("seed", seed, 0, MAX_SEED),
    )


def _check_starts(starts, n_values, input_size, horizon):
    """Refuses starts that are no 1-D integer array of windows inside the `n_values` values."""
    if starts.ndim != 1 or starts.size == 0:
        raise NHITSInputError(
            "there are no windows to make a dataset from; check the split report (series too "
            "short for input_size + horizon?)"
        )
    if not np.issubdtype(starts.dtype, np.integer):
        raise NHITSInputError(f"window starts must be integers; received {starts.dtype}")
    if starts.min() < 0 or starts.max() + input_size + horizon > n_values:
        raise NHITSInputError(
            f"window starts run past the data for input_size={input_size}, horizon={horizon}; "
            "were they computed for another window shape?"
        )


def _cutter(tensors, input_size, horizon, index_dtype):
    """The function that turns a batch of `(starts[, series])` into the batch of windows."""
    window = tf.range(input_size + horizon, dtype=index_dtype)
    values_t = tensors["values"]

    def cut(batch_starts, batch_series=None):
        # [B] -> [B, input_size + horizon] in one gather, then split into inputs and targets.
        rows = batch_starts[:, None] + window
        windows = tf.gather(values_t, rows)
        x, y = windows[:, :input_size], windows[:, input_size:]
        if len(tensors) == 1:
            return x, y
        x = {"history": x}
        if "hist_exog" in tensors:
            x["hist_exog"] = tf.gather(tensors["hist_exog"], rows[:, :input_size])  # [B, L, Ch]
        if "futr_exog" in tensors:
            x["futr_exog"] = tf.gather(tensors["futr_exog"], rows)  # [B, L + H, Cf]
        if "stat_exog" in tensors:
            x["stat_exog"] = tf.gather(tensors["stat_exog"], batch_series)  # [B, S]
        return x, y

    return cut


def _tensors(series, values):
    """`{"values": ..., "hist_exog": ..., ...}`: the float32 tensors of the flat values and of
    each covariate kind present, each made once per `SeriesSet`."""
    tensors = {"values": _values_tensor(series, values)}
    if not isinstance(series, SeriesSet) or not series.has_covariates:
        return tensors
    arrays = {k: getattr(series, k) for k in ("hist_exog", "futr_exog", "stat_exog")}
    arrays = {k: a for k, a in arrays.items() if a is not None}
    cached = _COVARIATE_TENSORS.get(series)
    if cached is None or any(cached[0].get(k) is not a for k, a in arrays.items()):
        cached = (arrays, {k: tf.constant(a, dtype=tf.float32) for k, a in arrays.items()})
        _COVARIATE_TENSORS[series] = cached
    return {**tensors, **cached[1]}


def _values_tensor(series, values):
    """The float32 tensor of `values`, made once per `SeriesSet`."""
    if not isinstance(series, SeriesSet):
        return tf.constant(values, dtype=tf.float32)  # a copy: the caller may change `values`
    cached = _VALUE_TENSORS.get(series)
    if cached is None or cached[0] is not series.values:
        cached = (series.values, shared_tensor(values, np.float32))
        _VALUE_TENSORS[series] = cached
    return cached[1]


def _random_batches(columns, n, per_epoch, n_batches, batch_size, seed, shuffle):
    """Batches of starts (and, when `columns` has two, of the windows' series) in a fresh seeded
    order (or sample) on every pass over the dataset.

    What an epoch costs beyond its batches: with every window once per epoch, one shuffle of
    the index (a permuted copy of the starts themselves when there is one column, else of
    their positions); with `windows_per_epoch` at most a sixteenth of the windows, a sample
    without replacement drawn in time and memory of the sample, not of the index (100,000
    series hold some 70 M windows: a permutation of them takes seconds every epoch).
    """
    seed_t = tf.constant(seed, tf.int64)

    def take(picked):
        return tuple(tf.gather(column, picked) for column in columns)

    # Positions in the index array; int32 halves the epoch's permutation when it fits.
    dtype = tf.int32 if n < 2**31 - 1 else tf.int64

    def batch_of(picked):
        return tf.data.Dataset.range(n_batches).map(
            lambda b: take(picked[b * batch_size : (b + 1) * batch_size])
        )

    def epoch(draw):
        key = tf.stack([draw, seed_t])
        if per_epoch > n:
            # With replacement, drawn batch by batch: memory stays at one batch however large
            # windows_per_epoch is (one array of them all would take 4 TB for 1e12).
            def sample(b):
                size = tf.minimum(tf.constant(batch_size, tf.int64), per_epoch - b * batch_size)
                picked = tf.random.stateless_uniform(
                    tf.reshape(size, [1]),
                    seed=tf.random.experimental.stateless_fold_in(key, b),
                    minval=0,
                    maxval=n,
                    dtype=dtype,
                )
                return take(picked)

            return tf.data.Dataset.range(n_batches).map(sample)
        if per_epoch * SPARSE_SAMPLE <= n:
            picked = _sample_without_replacement(key, n, per_epoch, dtype)
            return batch_of(picked if shuffle else tf.sort(picked))
        if shuffle and per_epoch == n and len(columns) == 1:
            # Every window once: the starts themselves, permuted (no positions array).
            permuted = tf.random.experimental.stateless_shuffle(columns[0], key)
            return tf.data.Dataset.range(n_batches).map(
                lambda b: (permuted[b * batch_size : (b + 1) * batch_size],)
            )
        picked = tf.random.experimental.stateless_shuffle(tf.range(n, dtype=dtype), key)
        picked = picked[:per_epoch]
        if not shuffle:
            # A random subset, visited in data order.
            picked = tf.sort(picked)
        return batch_of(picked)

    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1)
    return draws.flat_map(epoch)


def _sample_without_replacement(key, n, size, dtype):
    """`size` distinct positions below `n`, in random order, seeded by `key`.

    Uniform draws with the repeats dropped, first occurrences kept: the same law as drawing
    without replacement. A few more draws than `size` leave enough distinct ones all but
    always (for size <= n / 16 the expected repeats are under 4 % of the draws, the margin
    12 %); when they do not, the loop draws again until they do, so the result is exact. (A
    `tf.cond` falling back to a permutation would compute it every epoch: tf.data evaluates
    both branches.)
    """
    extra = 2 * math.ceil(size * size / n) + 64

    def more(i, found):
        seed = tf.random.experimental.stateless_fold_in(key, i)
        draws = tf.random.stateless_uniform(
            [size + extra], seed=seed, minval=0, maxval=n, dtype=dtype
        )
        return i + 1, tf.unique(tf.concat([found, draws], 0))[0]

    first = more(tf.constant(0, tf.int64), tf.zeros([0], dtype))
    _, found = tf.while_loop(
        lambda i, found: tf.size(found) < size,
        more,
        first,
        shape_invariants=(first[0].shape, tf.TensorShape([None])),
    )
    return found[:size]

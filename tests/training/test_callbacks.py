"""The resume state of the tracked callbacks: public attributes only, and old state files."""

import math

import keras
import numpy as np
import pytest

from keras_nhits.training.callbacks import (
    TRACKED_STATE,
    AtomicModelCheckpoint,
    callback_state,
    restore_callback_state,
)


def fresh(key, folder):
    """A tracked callback of kind `key` as a run makes it, reset as `model.fit` resets it."""
    callback = {
        "early_stopping": lambda: keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=3, restore_best_weights=True
        ),
        "reduce_lr": lambda: keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=2),
        "best": lambda: AtomicModelCheckpoint(str(folder), "val_loss"),
    }[key]()
    callback.on_train_begin()
    return callback


@pytest.mark.parametrize("key", sorted(TRACKED_STATE))
def test_the_tracked_state_is_public_attributes_that_keras_resets(key, tmp_path):
    callback = fresh(key, tmp_path)
    for name in TRACKED_STATE[key]:
        assert not name.startswith("_")
        assert hasattr(callback, name), f"{type(callback).__name__} has no {name}"


@pytest.mark.parametrize("key", sorted(TRACKED_STATE))
def test_a_saved_state_restores_every_tracked_attribute(key, tmp_path):
    before = fresh(key, tmp_path)
    values = {"wait": 2, "best": 0.25, "best_epoch": 4, "stopped_epoch": 0, "cooldown_counter": 1}
    for name in TRACKED_STATE[key]:
        setattr(before, name, np.float32(values[name]) if name == "best" else values[name])
    saved = callback_state(before, TRACKED_STATE[key])
    assert saved == {name: values[name] for name in TRACKED_STATE[key]}

    after = fresh(key, tmp_path)
    restore_callback_state(after, TRACKED_STATE[key], saved)
    assert callback_state(after, TRACKED_STATE[key]) == saved


def test_an_old_state_file_restores_and_sets_nothing_else(tmp_path):
    # As state.json holds it for EarlyStopping, with a best that was not finite, and a key no
    # current run writes.
    saved = {"wait": 1, "best": None, "best_epoch": 0, "stopped_epoch": 0, "_private": 5}
    callback = fresh("early_stopping", tmp_path)
    restore_callback_state(callback, TRACKED_STATE["early_stopping"], saved)
    assert (callback.wait, callback.best_epoch, callback.stopped_epoch) == (1, 0, 0)
    assert callback.best == math.inf  # the next finite loss is an improvement
    assert not hasattr(callback, "_private")


def test_a_value_that_is_not_finite_is_saved_as_null(tmp_path):
    callback = fresh("reduce_lr", tmp_path)
    callback.best = float("nan")
    assert callback_state(callback, TRACKED_STATE["reduce_lr"])["best"] is None

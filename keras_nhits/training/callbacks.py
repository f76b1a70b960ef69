"""Training callbacks: per-epoch records, one-line progress, and crash-safe checkpoints.

Keras' `BackupAndRestore` and `ModelCheckpoint` write their files in place, so a run killed while
writing leaves a truncated file, and a resumed run forgets the state of EarlyStopping and
ReduceLROnPlateau. The subclasses here write every file atomically (temporary file, then rename)
and keep that state, so `--resume` continues exactly where the last completed epoch ended.
"""

import math
import os
import re
import time

import keras
import numpy as np

from keras_nhits.errors import NHITSInputError, NHITSTrainingError, first_line
from keras_nhits.saving.atomic import (
    atomic_output,
    commit_file,
    remove_leftovers,
    write_json_atomic,
)
from keras_nhits.saving.json_file import read_json

STATE_FILE = "state.json"
BEST_WEIGHTS = "best.weights.h5"
EPOCH_WEIGHTS = re.compile(r"^epoch_\d+\.weights\.h5$")

# The public attributes that carry each tracked callback's state from one epoch to the next
# (Keras resets them in `on_train_begin`), under the key `state.json` stores it by. Keras'
# EarlyStopping also holds `best_weights`, which is not stored: the trainer loads the best
# checkpoint's weights after training, so a resumed run ends on the same best weights.
TRACKED_STATE = {
    "early_stopping": ("wait", "best", "best_epoch", "stopped_epoch"),  # EarlyStopping
    "reduce_lr": ("wait", "best", "cooldown_counter"),  # ReduceLROnPlateau
    "best": ("best",),  # AtomicModelCheckpoint
}


def current_learning_rate(model):
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _finite(value):
    return value is not None and math.isfinite(value)


def weights_finite(model):
    """Whether every weight of `model` is finite (an update can blow them up while the loss
    reported for the epoch, computed before that update, is still finite)."""
    return all(np.isfinite(keras.ops.convert_to_numpy(w)).all() for w in model.weights)


class EpochRecorder(keras.callbacks.Callback):
    """Keeps one record per epoch: loss, val_loss, the learning rate used, seconds.

    `records` starts with the records of the epochs a resumed run already completed.
    """

    def __init__(self, records=()):
        super().__init__()
        self.records = list(records)
        self._start = None
        self._lr = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._lr = current_learning_rate(self.model)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        record = {"epoch": epoch + 1}
        for key, value in logs.items():
            if key != "learning_rate":
                record[key] = float(value)
        record["learning_rate"] = self._lr
        record["seconds"] = round(time.perf_counter() - self._start, 3)
        self.records = [r for r in self.records if r["epoch"] < epoch + 1] + [record]

    @property
    def diverged(self):
        return any(not _finite(r.get("loss")) for r in self.records)


class EpochLine(keras.callbacks.Callback):
    """One line per epoch (the `--quiet` progress): epoch, losses, learning rate, seconds."""

    def __init__(self, recorder, epochs, write=print):
        super().__init__()
        self.recorder = recorder
        self.epochs = epochs
        self.write = write

    def on_epoch_end(self, epoch, logs=None):
        r = self.recorder.records[-1]
        parts = [f"epoch {r['epoch']}/{self.epochs}", f"loss {r.get('loss', float('nan')):.5g}"]
        if "val_loss" in r:
            parts.append(f"val_loss {r['val_loss']:.5g}")
        parts += [f"lr {r['learning_rate']:.3g}", f"{r['seconds']:.1f}s"]
        self.write(" - ".join(parts))


class AtomicModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`ModelCheckpoint` of the best weights, written to a temporary file and renamed.

    An epoch whose monitored value or weights are NaN or inf is never saved as the best.
    """

    def __init__(self, folder, monitor):
        self.final_path = os.path.join(folder, BEST_WEIGHTS)
        temp = os.path.join(folder, ".best.tmp.weights.h5")
        super().__init__(
            temp, monitor=monitor, save_best_only=True, save_weights_only=True, verbose=0
        )

    def on_epoch_end(self, epoch, logs=None):
        # Keras saves the first epoch whatever its value, and nothing after a NaN "best" beats
        # it: a NaN or inf epoch is never the best one (ResumableBackup then stops the run).
        if not _finite((logs or {}).get(self.monitor)) or not weights_finite(self.model):
            return
        super().on_epoch_end(epoch, logs)
        if os.path.exists(self.filepath):
            commit_file(self.filepath, self.final_path)


class ResumableBackup(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` that writes atomically and also restores the callbacks' state.

    After every completed epoch it writes the model and optimizer weights to
    `epoch_N.weights.h5` (atomically), then `state.json` naming that file, the epoch, the epoch
    records and the state of EarlyStopping, ReduceLROnPlateau and the best-model checkpoint;
    older weight files are deleted only after the new state is in place, so a kill at any
    moment leaves a consistent pair. An epoch whose loss is NaN is not saved (`TerminateOnNaN`
    stops the run); one whose val_loss or weights are NaN or inf is not saved either, and the run
    stops with `NHITSTrainingError`. When training begins, whatever a killed run left half-written
    in the folder (temporary files, weights no state names) is deleted.

    Put it last in the callback list: its `on_train_begin` must run after the other callbacks
    reset their own state.
    """

    def __init__(self, folder, recorder, early_stopping=None, reduce_lr=None, best=None):
        super().__init__(backup_dir=folder, save_freq="epoch", delete_checkpoint=False)
        self.folder = folder
        self.recorder = recorder
        self.tracked = {"early_stopping": early_stopping, "reduce_lr": reduce_lr, "best": best}
        self.restored_epoch = 0

    @staticmethod
    def read_state(folder):
        """The saved state of `folder`, or None when it holds no completed epoch."""
        path = os.path.join(folder, STATE_FILE)
        if not os.path.exists(path):
            return None
        fix = "delete the checkpoint folder to start over"
        state = read_json(path, fix)
        problem = _state_problem(state)
        if problem:
            raise NHITSInputError(f"{path} is damaged: {problem}; {fix}")
        return state

    def on_train_begin(self, logs=None):
        state = self.read_state(self.folder)
        self._remove_leftovers(state)
        if state is None:
            return
        weights = os.path.join(self.folder, state["weights"])
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        try:
            self.model.load_weights(weights)
        except (OSError, ValueError) as error:
            raise NHITSInputError(
                f"checkpoint {weights} cannot be read ({first_line(error)})"
            ) from None
        self.model.optimizer.learning_rate = state["learning_rate"]
        for key, callback in self.tracked.items():
            if callback is not None and key in state:
                restore_callback_state(callback, TRACKED_STATE[key], state[key])
        self.recorder.records = state["records"]
        self.restored_epoch = state["epoch"]
        # The hook Keras' fit reads right after on_train_begin to start at the next epoch: the
        # one keras.callbacks.BackupAndRestore (our base class) sets itself.
        self.model._initial_epoch = state["epoch"]

    def on_train_batch_end(self, batch, logs=None):
        pass  # backups happen at epoch ends only

    def _remove_leftovers(self, state):
        # Under the run's lock nothing else writes here: a temporary file is a killed write.
        remove_leftovers(self.folder)
        kept = state["weights"] if state else None
        for name in os.listdir(self.folder):
            if EPOCH_WEIGHTS.match(name) and name != kept:
                os.remove(os.path.join(self.folder, name))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if not _finite(logs.get("loss")):
            return  # TerminateOnNaN has stopped the run; the trainer reports it
        previous = self.read_state(self.folder)
        bad_val = "val_loss" in logs and not _finite(logs["val_loss"])
        if bad_val or not weights_finite(self.model):
            what = "val_loss" if bad_val else "the weights"
            kept = (
                f"the last good checkpoint (epoch {previous['epoch']}) is kept in {self.folder}"
                if previous
                else "no epoch finished with finite weights, so there is no checkpoint"
            )
            raise NHITSTrainingError(
                f"training diverged: {what} became NaN or inf in epoch {epoch + 1}; {kept}; "
                "lower --lr or set --clipnorm"
            )
        name = f"epoch_{epoch + 1}.weights.h5"
        with atomic_output(os.path.join(self.folder, name)) as temp:
            self.model.save_weights(str(temp))
        state = {
            "epoch": epoch + 1,
            "weights": name,
            "learning_rate": current_learning_rate(self.model),
            "records": self.recorder.records,
        }
        for key, callback in self.tracked.items():
            if callback is not None:
                state[key] = callback_state(callback, TRACKED_STATE[key])
        write_json_atomic(os.path.join(self.folder, STATE_FILE), state)
        if previous and previous["weights"] != name:
            old = os.path.join(self.folder, previous["weights"])
            if os.path.exists(old):
                os.remove(old)

    def on_train_end(self, logs=None):
        pass  # keep the backup: the run folder records how training ended


def _state_problem(state):
    """What is wrong with a parsed `state.json`, or None."""
    expected = {"epoch": int, "weights": str, "learning_rate": (int, float), "records": list}
    for key, kind in expected.items():
        if not isinstance(state.get(key), kind) or isinstance(state.get(key), bool):
            return f"{key!r} is missing or not a {getattr(kind, '__name__', 'number')}"
    if not all(isinstance(r, dict) and isinstance(r.get("epoch"), int) for r in state["records"]):
        return "'records' must be objects with an 'epoch'"
    if state["epoch"] < 1 or not EPOCH_WEIGHTS.match(state["weights"]):
        return f"epoch {state['epoch']} / weights {state['weights']!r} are not a checkpoint"
    return None


def callback_state(callback, names):
    """The public attributes `names` of `callback` as JSON values: ints, finite floats, and
    None for a value that is None, NaN or infinite (JSON has no infinity)."""
    state = {}
    for name in names:
        value = getattr(callback, name, None)
        if value is not None:
            value = float(value) if isinstance(value, (float, np.floating)) else int(value)
            if isinstance(value, float) and not math.isfinite(value):
                value = None
        state[name] = value
    return state


def restore_callback_state(callback, names, saved):
    """Sets each of the public attributes `names` that `saved` (from `callback_state`) holds.

    A None is restored as infinity: a `best` of infinity makes the next finite value of the
    (minimised) loss an improvement, as Keras' own initial None does. Keys other than `names` are
    ignored, so a state file never sets anything else on the callback.
    """
    for name in names:
        if name in saved:
            value = saved[name]
            setattr(callback, name, np.inf if value is None else value)


def run_callbacks(cfg, monitor, checkpoints, log=print):
    """The callbacks of a training run of config `cfg`, watching `monitor`.

    Returns `(callbacks, recorder, backup)`: the list `model.fit` takes, its `EpochRecorder`
    and its `ResumableBackup` (which knows the epoch a resumed run continued from).
    """
    from keras_nhits.training.optimization import step_decay

    recorder = EpochRecorder()
    callbacks = [recorder, keras.callbacks.TerminateOnNaN()]
    early_stopping = reduce_lr = None
    if cfg.patience:
        early_stopping = keras.callbacks.EarlyStopping(
            monitor=monitor, patience=cfg.patience, restore_best_weights=True
        )
        callbacks.append(early_stopping)
    if cfg.lr_decays:
        # First, so that the recorder's epoch-begin rate is the scheduled one.
        callbacks.insert(0, keras.callbacks.LearningRateScheduler(step_decay(cfg)))
    elif cfg.lr_patience:
        reduce_lr = keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, factor=cfg.lr_factor, patience=cfg.lr_patience, min_lr=1e-7
        )
        callbacks.append(reduce_lr)
    best = AtomicModelCheckpoint(checkpoints, monitor)
    callbacks.append(best)
    if cfg.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=cfg.tensorboard))
    if cfg.quiet:
        callbacks.append(EpochLine(recorder, cfg.epochs, write=log))
    backup = ResumableBackup(checkpoints, recorder, early_stopping, reduce_lr, best)
    callbacks.append(backup)  # last: restores the others' state after they reset it
    return callbacks, recorder, backup

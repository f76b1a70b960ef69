"""The library's training entry point: config -> data -> model and callbacks -> fit -> run folder.

`NHITSTrainer(config).fit(data)` is what `python -m keras_nhits.train` runs. Every check of the
config and the data happens before anything is written, so a bad input leaves `--output` as it
was. The run folder then receives, each file written atomically:

    model.keras          the trained model (Keras format, loads with safe_mode=True)
    model.safetensors    its weights, and
    config.json          the model arguments, the resolved run config, data facts, scaler stats
    metrics.json         test metrics, baselines, per-epoch history, timings
    forecast.png         forecast against actual on the last test windows (needs matplotlib)
    checkpoints/         per-epoch backups and the best weights (what --resume reads)
"""

import contextlib
import dataclasses
import math
import os
import shutil
import time

import keras
import numpy as np

from keras_nhits.atomic_io import atomic_output, remove_leftovers, write_json_atomic
from keras_nhits.callbacks import (
    BEST_WEIGHTS,
    AtomicModelCheckpoint,
    EpochLine,
    EpochRecorder,
    ResumableBackup,
)
from keras_nhits.config import NHITSTrainingConfig
from keras_nhits.data import load_series, make_dataset, prepare_splits
from keras_nhits.devices import configure_devices
from keras_nhits.errors import NHITSInputError
from keras_nhits.evaluation import evaluate_split
from keras_nhits.metrics import season_length_for
from keras_nhits.models.nhits import NHITS
from keras_nhits.plotting import plot_forecasts
from keras_nhits.run_lock import RunLock, refuse_if_in_use
from keras_nhits.safetensors_io import load_model as load_safetensors_model
from keras_nhits.safetensors_io import read_config, save_model
from keras_nhits.sample_data import SAMPLE_PATH

METRICS_FILE = "metrics.json"
RUN_CONFIG_FILE = "run_config.json"


class NHITSTrainingError(RuntimeError):
    """Training could not finish (the loss became NaN); the last good checkpoint is kept."""


@dataclasses.dataclass
class TrainingResult:
    """What `NHITSTrainer.fit` returns: the model, the metrics record and the run folder."""

    model: NHITS
    metrics: dict
    output: str

    def __iter__(self):  # `model, metrics = trainer.fit(data)`
        return iter((self.model, self.metrics))


class NHITSTrainer:
    """Trains N-HiTS from a config: reading, validation, splits, fit with callbacks, evaluation.

    Args:
        config: an `NHITSTrainingConfig` (default: all defaults).
        log: callable taking one line of text, for notices and `--quiet` progress. Default
            `print`.
        **overrides: config fields to replace, e.g. `NHITSTrainer(epochs=5, horizon=12)`.

    Example:
        >>> trainer = NHITSTrainer(horizon=24, input_size=120, epochs=3, output="runs/demo")
        >>> model, metrics = trainer.fit("prices.csv")  # doctest: +SKIP
        >>> metrics["test"]["mae"], metrics["baselines"]["naive"]["mae"]  # doctest: +SKIP
    """

    def __init__(self, config=None, log=print, **overrides):
        config = config or NHITSTrainingConfig()
        if overrides:
            config = dataclasses.replace(config, **overrides)
        self.config = config
        self.log = log
        self.model = None
        self.metrics = None

    # === Training ===

    def fit(self, data=None):
        """Trains on `data` (a path, DataFrame or array; default `config.data` or the sample).

        Returns a `TrainingResult` (unpacks as `model, metrics`). Raises `NHITSInputError` for
        bad input before writing anything, `NHITSTrainingError` when the loss becomes NaN.
        """
        cfg = self.config
        source = data if data is not None else (cfg.data or str(SAMPLE_PATH))
        raw, splits = self._load(source)
        output = os.path.abspath(cfg.output)
        checkpoints = os.path.abspath(cfg.checkpoint_dir or os.path.join(output, "checkpoints"))
        self._check_folders(output, checkpoints)
        device, notes = configure_devices(cfg.gpu, cfg.mixed_precision)
        for line in raw.report + splits.report + notes:
            self.log(line)
        policy = keras.config.dtype_policy()
        try:
            scope = keras.device(device) if device else contextlib.nullcontext()
            with RunLock(output), scope:
                # Checked again under the lock: another run may have written in the meantime.
                self._check_folders(output, checkpoints, locked=True)
                remove_leftovers(output)
                return self._train(source, raw, splits, output, checkpoints)
        finally:
            keras.config.set_dtype_policy(policy)

    def _load(self, source):
        cfg = self.config
        raw = load_series(
            source,
            target=cfg.target,
            time_col=cfg.time_col,
            id_col=cfg.id_col,
            fill=cfg.fill,
            gaps=cfg.gaps,
        )
        splits = prepare_splits(
            raw,
            input_size=cfg.input_size,
            horizon=cfg.horizon,
            val_split=cfg.val_split,
            test_split=cfg.test_split,
            stride=cfg.stride,
            series_scaler=cfg.series_scaler,
        )
        if len(splits.test) == 0:
            raise NHITSInputError(
                f"no test window: every series needs a test part of at least horizon="
                f"{cfg.horizon} steps; raise --test-split"
            )
        return raw, splits

    def _check_folders(self, output, checkpoints, locked=False):
        """Refuses to overwrite a finished or unfinished run unless told to, and a folder another
        run holds (`locked`: this process holds the lock already)."""
        cfg = self.config
        for path, flag in ((output, "--output"), (checkpoints, "--checkpoint-dir")):
            if os.path.exists(path) and not os.path.isdir(path):
                raise NHITSInputError(
                    f"{flag} {path} cannot be used: it is a file, not a folder; "
                    f"choose another {flag}"
                )
        if not locked:
            refuse_if_in_use(output)  # before saying what the other run's files look like
        if cfg.overwrite and not cfg.resume:
            return  # everything there is replaced; a damaged state.json need not be read
        state = ResumableBackup.read_state(checkpoints)
        finished = os.path.exists(os.path.join(output, METRICS_FILE))
        if cfg.resume:
            if state is not None:
                saved = _read_json(os.path.join(checkpoints, RUN_CONFIG_FILE))
                _check_same_model(saved, cfg, checkpoints)
            return
        if finished and not cfg.overwrite:
            raise NHITSInputError(
                f"{output} already holds a finished run; choose another --output or pass "
                "--overwrite"
            )
        if state is not None and not cfg.overwrite:
            raise NHITSInputError(
                f"{checkpoints} holds a run stopped after epoch {state['epoch']}; pass --resume "
                "to continue it or --overwrite to start over"
            )

    def _train(self, source, raw, splits, output, checkpoints):
        cfg = self.config
        if cfg.overwrite and not cfg.resume and os.path.isdir(checkpoints):
            shutil.rmtree(checkpoints)
        os.makedirs(checkpoints, exist_ok=True)
        write_json_atomic(os.path.join(checkpoints, RUN_CONFIG_FILE), cfg.to_dict())

        keras.utils.set_random_seed(cfg.seed)
        model = NHITS(**cfg.model.model_kwargs())
        model.build((None, cfg.input_size))
        model.compile(
            optimizer=make_optimizer(cfg),
            loss=make_loss(cfg.loss),
            jit_compile=jit_compile_setting(cfg.jit_compile),
        )

        has_val = len(splits.val) > 0
        monitor = "val_loss" if has_val else "loss"
        train_data = make_dataset(
            splits.series,
            splits.train,
            input_size=cfg.input_size,
            horizon=cfg.horizon,
            batch_size=cfg.batch_size,
            shuffle=True,
            seed=cfg.seed,
            windows_per_epoch=cfg.windows_per_epoch,
        )
        val_data = None
        if has_val:
            val_data = make_dataset(
                splits.series,
                splits.val,
                input_size=cfg.input_size,
                horizon=cfg.horizon,
                batch_size=max(cfg.batch_size, 1024),
            )
        callbacks, recorder, backup = self._callbacks(monitor, checkpoints)
        started = time.perf_counter()
        model.fit(
            train_data,
            validation_data=val_data,
            epochs=cfg.epochs,
            callbacks=callbacks,
            verbose=0 if cfg.quiet else "auto",
            shuffle=False,  # the pipeline shuffles its window index itself
        )
        train_seconds = time.perf_counter() - started
        if recorder.diverged:
            bad = next(r["epoch"] for r in recorder.records if not _finite(r.get("loss")))
            raise NHITSTrainingError(
                f"training diverged: the loss became NaN in epoch {bad}; the last good "
                f"checkpoint is kept in {checkpoints}; lower --lr or set --clipnorm"
            )
        best_path = os.path.join(checkpoints, BEST_WEIGHTS)
        if os.path.exists(best_path):
            model.load_weights(best_path)

        season = cfg.season_length or season_length_for(raw.freqs[0] if raw.freqs else None)
        test, baselines, (inputs, actual, forecasts) = evaluate_split(
            model, splits, raw, splits.test, season
        )
        metrics = {
            "test": test,
            "baselines": baselines,
            "history": recorder.records,
            "epochs_completed": recorder.records[-1]["epoch"] if recorder.records else 0,
            "best_epoch": _best_epoch(recorder.records, monitor),
            "train_seconds": round(train_seconds, 3),
            "resumed_from_epoch": backup.restored_epoch,
            "windows": {
                "train": len(splits.train),
                "val": len(splits.val),
                "test": len(splits.test),
            },
            "n_series": raw.n_series,
            "season_length": season,
            "backend": keras.backend.backend(),
            "dtype_policy": keras.config.dtype_policy().name,
        }
        self.model, self.metrics = model, metrics
        self._write_outputs(output, source, raw, splits, inputs, actual, forecasts)
        self.log(_summary(metrics))
        return TrainingResult(model, metrics, output)

    def _callbacks(self, monitor, checkpoints):
        cfg = self.config
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
            callbacks.append(EpochLine(recorder, cfg.epochs, write=self.log))
        backup = ResumableBackup(checkpoints, recorder, early_stopping, reduce_lr, best)
        callbacks.append(backup)  # last: restores the others' state after they reset it
        return callbacks, recorder, backup

    def _write_outputs(self, output, source, raw, splits, inputs, actual, forecasts):
        cfg = self.config
        with atomic_output(os.path.join(output, "model.keras")) as temp:
            self.model.save(str(temp))
        save_model(self.model, output, extra=self._record(source, raw, splits))
        write_json_atomic(os.path.join(output, METRICS_FILE), self.metrics)
        last = _last_window_per_series(raw, splits.test)
        titles = [raw.ids[i] for i in last[1]]
        drawn = plot_forecasts(
            os.path.join(output, "forecast.png"),
            inputs[last[0]],
            actual[last[0]],
            forecasts[last[0]],
            titles=titles,
        )
        if not drawn:
            self.log("forecast.png skipped: install matplotlib (pip install keras-nhits[plot])")
        if cfg.export:
            from keras_nhits.saved_model import export_saved_model

            export_saved_model(self.model, os.path.join(output, "saved_model"))

    def _record(self, source, raw, splits):
        return {
            "training": self.config.to_dict(),
            "data": {
                "source": source if isinstance(source, str) else type(source).__name__,
                "series": raw.ids,
                "columns": raw.columns,
                "lengths": raw.lengths.tolist(),
                "freqs": [None if f is None else str(f) for f in raw.freqs],
                "series_scaler": splits.scaler.to_dict(),
                "skipped": list(splits.skipped),
            },
            "backend": keras.backend.backend(),
        }

    # === Saving ===

    def save(self, folder):
        """Writes the trained model (`model.keras`, safetensors + config.json) to `folder`."""
        if self.model is None:
            raise NHITSInputError("nothing to save: call fit() or load() first")
        os.makedirs(folder, exist_ok=True)
        with atomic_output(os.path.join(folder, "model.keras")) as temp:
            self.model.save(str(temp))
        save_model(self.model, folder, extra={"training": self.config.to_dict()})

    @classmethod
    def load(cls, folder, log=print):
        """A trainer holding the model and config of a run folder (safetensors, no pickle)."""
        record = read_config(folder)
        config = NHITSTrainingConfig.from_dict(record.get("training", {}))
        trainer = cls(config, log=log)
        trainer.model = load_safetensors_model(folder)
        metrics_path = os.path.join(folder, METRICS_FILE)
        trainer.metrics = _read_json(metrics_path) if os.path.exists(metrics_path) else None
        return trainer


# === Config ===


def jit_compile_setting(mode):
    """`model.compile(jit_compile=...)` for the `jit_compile` option `auto`, `on` or `off`.

    `auto` compiles with XLA on TensorFlow, also on a CPU, where Keras' own "auto" leaves it
    off: XLA trains the default model 15-25 % faster there (docs/model.md). JAX always compiles;
    PyTorch stays eager (`torch.compile` took 65 s for 3 % more).
    """
    if mode == "on":
        return True
    if mode == "off":
        return False
    return True if keras.backend.backend() == "tensorflow" else "auto"


def make_optimizer(cfg):
    """The optimizer named by `cfg.optimizer`, with its learning rate, decay and clipping."""
    kwargs = {"learning_rate": cfg.lr}
    if cfg.clipnorm:
        kwargs["clipnorm"] = cfg.clipnorm
    if cfg.weight_decay:
        kwargs["weight_decay"] = cfg.weight_decay
    if cfg.optimizer == "adam":
        return keras.optimizers.Adam(**kwargs)
    if cfg.optimizer == "adamw":
        kwargs.setdefault("weight_decay", 0.004)  # Keras' default; AdamW without decay is Adam
        return keras.optimizers.AdamW(**kwargs)
    if cfg.optimizer == "sgd":
        return keras.optimizers.SGD(momentum=0.9, **kwargs)
    return keras.optimizers.RMSprop(**kwargs)


def step_decay(cfg):
    """The epoch -> rate schedule of `lr_decays`: `lr * lr_factor ** (epoch // every)`.

    `every = epochs // lr_decays` (at least 1), as neuralforecast's `num_lr_decays` spaces its
    cuts over `max_steps`; a function of the epoch alone, so a resumed run gets the same rate.
    """
    every = max(1, cfg.epochs // cfg.lr_decays)

    def schedule(epoch, lr=None):
        return float(cfg.lr * cfg.lr_factor ** (epoch // every))

    return schedule


def make_loss(name):
    """The Keras loss for `mae`, `mse` or `huber`."""
    return {
        "mae": keras.losses.MeanAbsoluteError(),
        "mse": keras.losses.MeanSquaredError(),
        "huber": keras.losses.Huber(),
    }[name]


def _check_same_model(saved, cfg, checkpoints):
    current = cfg.to_dict()
    fields = [f.name for f in dataclasses.fields(type(cfg.model))] + [
        "target",
        "val_split",
        "test_split",
        "series_scaler",
        "loss",
        "optimizer",
    ]
    for name in fields:
        if name in saved and saved[name] != current[name]:
            raise NHITSInputError(
                f"--resume: the checkpoint in {checkpoints} was made with {name}="
                f"{saved[name]!r}, this command has {current[name]!r}; use the same settings"
            )


def _read_json(path):
    import json

    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        raise NHITSInputError(f"{path} cannot be read ({error})") from None


def _finite(value):
    return value is not None and math.isfinite(value)


def _best_epoch(records, monitor):
    scored = [(r[monitor], r["epoch"]) for r in records if _finite(r.get(monitor))]
    return min(scored)[1] if scored else None


def _last_window_per_series(raw, starts):
    """Index (into `starts`) of each series' last test window, for the plot; up to 4 series."""
    from keras_nhits.data import window_series

    which = window_series(raw, starts)
    picks, series = [], []
    for i in np.unique(which)[:4]:
        picks.append(int(np.flatnonzero(which == i)[-1]))
        series.append(int(i))
    return np.array(picks, dtype=np.int64), series


def _summary(metrics):
    test, naive = metrics["test"], metrics["baselines"]["naive"]
    line = (
        f"test MAE {test['mae']:.5g} (naive {naive['mae']:.5g}), RMSE {test['rmse']:.5g} "
        f"(naive {naive['rmse']:.5g}), MASE {_fmt(test['mase'])}; "
        f"{metrics['epochs_completed']} epochs, best {metrics['best_epoch']}, "
        f"{metrics['train_seconds']:.1f}s"
    )
    return line


def _fmt(value):
    return "n/a" if value is None else f"{value:.4g}"

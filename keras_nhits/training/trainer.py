"""The library's training entry point: config -> data -> model and callbacks -> fit -> run folder.

`NHITSTrainer(config).fit(data)` is what `python -m keras_nhits.train` runs. Every check of the
config and the data happens before anything is written, so a bad input leaves `--output` as it
was. The run folder then receives, each file written atomically:

    model.keras          the trained model (Keras format, loads with safe_mode=True)
    model.safetensors    its weights, and
    config.json          the model arguments, the resolved run config, data facts, scaler stats
    metrics.json         test metrics (pooled and per series), baselines, history, timings
    forecast.png         the last test window of each series (or of `plot_series`): history,
                         actual, forecast and the naive forecast (needs matplotlib)
    checkpoints/         per-epoch backups and the best weights (what --resume reads)
    .keras_nhits         the marker that makes the folder this project's (ownership.py)

Nothing of the user's is deleted or replaced: `--output` and the checkpoint folder must be new,
empty or marked as ours (kinds `run` and `checkpoints`), may not hold the data or config file
being read, and `--overwrite` removes only the names a run writes. Every such check, and every
check that what will be replaced can be (a folder where a file goes, a read-only folder), runs
before the first byte is written.
"""

import contextlib
import dataclasses
import math
import os
import time

import keras
import numpy as np

from keras_nhits.config import NHITSTrainingConfig
from keras_nhits.data import load_series, make_dataset, prepare_splits
from keras_nhits.errors import NHITSInputError
from keras_nhits.models.nhits import NHITS
from keras_nhits.sample_data import SAMPLE_PATH
from keras_nhits.saving.atomic import atomic_output, remove_leftovers, write_json_atomic
from keras_nhits.saving.ownership import (
    CHECKPOINT_FILES,
    check_output_folder,
    refuse_overlap,
    summarise,
    write_marker,
)
from keras_nhits.saving.run_lock import RunLock, refuse_if_in_use
from keras_nhits.saving.safetensors import load_model as load_safetensors_model
from keras_nhits.saving.safetensors import read_config, save_model
from keras_nhits.training.callbacks import (
    BEST_WEIGHTS,
    AtomicModelCheckpoint,
    EpochLine,
    EpochRecorder,
    ResumableBackup,
)
from keras_nhits.training.devices import configure_devices
from keras_nhits.training.evaluation import evaluate_per_series, evaluate_split
from keras_nhits.training.metrics import naive_forecast, season_length_for
from keras_nhits.training.plotting import MAX_PANELS, plot_forecasts

METRICS_FILE = "metrics.json"
SAVED_MODEL_DIR = "saved_model"  # OUTPUT/saved_model, written by --export
RUN_CONFIG_FILE = "run_config.json"
PLOT_FILE = "forecast.png"
# What a run writes in --output (checkpoints/ and saved_model/ aside): replaced in place.
RUN_FILES = ("model.keras", "model.safetensors", "config.json", METRICS_FILE, PLOT_FILE)


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
        config: an `NHITSTrainingConfig` or a dict of its fields (default: all defaults); a
            file is read with `NHITSTrainingConfig.from_file(path)`.
        log: callable taking one line of text, for notices and `--quiet` progress. Default
            `print`.
        **overrides: config fields to replace, e.g. `NHITSTrainer(epochs=5, horizon=12)`.

    Raises `NHITSInputError` for anything else as `config` and for an unknown override.

    Example:
        >>> trainer = NHITSTrainer(horizon=24, input_size=120, epochs=3, output="runs/demo")
        >>> model, metrics = trainer.fit("prices.csv")  # doctest: +SKIP
        >>> metrics["test"]["mae"], metrics["baselines"]["naive"]["mae"]  # doctest: +SKIP
    """

    def __init__(self, config=None, log=print, **overrides):
        config = NHITSTrainingConfig.coerce(config, **overrides)
        self.config = config
        self.log = log
        self.model = None
        self.metrics = None
        self._plotted = []  # the series forecast.png draws, checked by fit() before training

    # === Training ===

    def fit(self, data=None):
        """Trains on `data` (a path, DataFrame or array; default `config.data` or the sample).

        Returns a `TrainingResult` (unpacks as `model, metrics`). Raises `NHITSInputError` for
        bad input before writing anything, `NHITSTrainingError` when the loss becomes NaN.
        """
        cfg = self.config
        source = data if data is not None else (cfg.data or str(SAMPLE_PATH))
        self._check_tensorboard()
        _check_export_backend(cfg.export)
        raw, splits = self._load(source)
        self._plotted = self._plotted_series(raw, splits)
        output = os.path.abspath(cfg.output)
        checkpoints = os.path.abspath(cfg.checkpoint_dir or os.path.join(output, "checkpoints"))
        reads = _paths_read(source, cfg.config)
        self._check_folders(output, checkpoints, reads)
        device, notes = configure_devices(cfg.gpu, cfg.mixed_precision)
        for line in raw.report + splits.report + notes:
            self.log(line)
        policy = keras.config.dtype_policy()
        try:
            scope = keras.device(device) if device else contextlib.nullcontext()
            with RunLock(output), scope:
                # Checked again under each lock: another run may have written in the meantime.
                self._check_folders(output, checkpoints, reads, locked=True)
                write_marker(output, "run")
                with RunLock(checkpoints, "--checkpoint-dir"):
                    self._check_folders(output, checkpoints, reads, locked=True)
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
            freq=cfg.freq,
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

    def _check_tensorboard(self):
        """`--tensorboard`: a folder (new or not) and the `tensorboard` package, both up front:
        Keras' callback fails only once training has begun, leaving a partial events file."""
        path = self.config.tensorboard
        if not path:
            return
        if os.path.lexists(path) and not os.path.isdir(path):
            raise NHITSInputError(
                f"--tensorboard {path} cannot be used: it is a file, not a folder; choose a "
                "folder for the TensorBoard logs"
            )
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            raise NHITSInputError(
                "--tensorboard needs the tensorboard package, which is not installed: "
                "pip install 'keras-nhits[tensorboard]'"
            ) from None

    def _plotted_series(self, raw, splits):
        """The series drawn in forecast.png: `plot_series` (ids, checked) or every series with
        a test window, at most `MAX_PANELS`."""
        from keras_nhits.data import window_series

        tested = [int(i) for i in np.unique(window_series(raw, splits.test))]
        wanted = [s.strip() for s in self.config.plot_series.split(",") if s.strip()]
        if not wanted:
            return tested
        unknown = [s for s in wanted if s not in raw.ids]
        if unknown:
            raise NHITSInputError(
                f"--plot-series: no series {summarise(unknown)} in the data; its series are "
                f"{summarise(raw.ids)}"
            )
        picks = list(dict.fromkeys(raw.ids.index(s) for s in wanted))
        untested = [raw.ids[i] for i in picks if i not in tested]
        if untested:
            raise NHITSInputError(
                f"--plot-series: series {summarise(untested)} has no test window (too short "
                "for input_size + horizon in its test part); choose other series"
            )
        return picks

    def _check_folders(self, output, checkpoints, reads, locked=False):
        """Refuses a folder that is not ours to write, one that holds what the run reads, a
        finished or unfinished run unless told to, and a folder another run holds (`locked`:
        this process holds the locks already)."""
        cfg = self.config
        real_out, real_ckpt = os.path.realpath(output), os.path.realpath(checkpoints)
        if real_out == real_ckpt:
            raise NHITSInputError(
                f"--checkpoint-dir {checkpoints} is the --output folder itself; nothing was "
                "changed: give the checkpoints a folder of their own (default OUTPUT/checkpoints)"
            )
        if real_out.startswith(real_ckpt.rstrip(os.sep) + os.sep):
            raise NHITSInputError(
                f"--output {output} is inside --checkpoint-dir {checkpoints}; nothing was "
                "changed: choose a --checkpoint-dir that does not hold --output (default "
                "OUTPUT/checkpoints)"
            )
        for path, flag, kind in (
            (output, "--output", "run"),
            (checkpoints, "--checkpoint-dir", "checkpoints"),
        ):
            refuse_overlap(path, reads, flag)
            check_output_folder(path, kind, flag)
        if cfg.export:
            # Checked now, not after training: export replaces only a SavedModel it wrote.
            check_output_folder(os.path.join(output, SAVED_MODEL_DIR), "saved_model", "--export")
        if not locked:
            # Before saying what the other run's files look like.
            refuse_if_in_use(output)
            refuse_if_in_use(checkpoints, "--checkpoint-dir")
        _check_replaceable(output, RUN_FILES, "--output")
        clearing = cfg.overwrite and not cfg.resume
        ours = _checkpoint_files(checkpoints)
        _check_replaceable(checkpoints, ours if clearing else (), "--checkpoint-dir")
        if clearing:
            return  # our files there are removed; a damaged state.json need not be read
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
        if cfg.overwrite and not cfg.resume:
            _clear_checkpoints(checkpoints)
        os.makedirs(checkpoints, exist_ok=True)
        write_marker(checkpoints, "checkpoints")
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
        per_series, baselines_per_series = evaluate_per_series(
            splits, raw, splits.test, (inputs, actual, forecasts), season
        )
        metrics = {
            "test": test,
            "baselines": baselines,
            "test_per_series": per_series,
            "baselines_per_series": baselines_per_series,
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
        self._plot(output, raw, splits, inputs, actual, forecasts)
        if cfg.export:
            from keras_nhits.saving.saved_model import export_saved_model

            export_saved_model(
                self.model,
                os.path.join(output, SAVED_MODEL_DIR),
                record=self._record(source, raw, splits),
            )

    def _plot(self, output, raw, splits, inputs, actual, forecasts):
        """forecast.png: the last test window of each plotted series, with dates when the data
        has times, and the naive forecast to compare against."""
        path = os.path.join(output, PLOT_FILE)
        chosen = self._plotted
        shown = chosen[:MAX_PANELS]
        picks = _last_window_of(raw, splits.test, shown)
        times = [_window_times(raw, splits, splits.test[p]) for p in picks]
        targets = raw.columns.get("targets") or []
        drawn = plot_forecasts(
            path,
            inputs[picks],
            actual[picks],
            forecasts[picks],
            titles=[raw.ids[i] for i in shown],
            max_panels=len(shown),
            times=np.stack(times) if times else None,
            baseline=naive_forecast(inputs[picks], splits.horizon),
            # Long format: one target column for every series; wide: each series is a column.
            ylabel=targets[0] if len(targets) == 1 else [raw.ids[i] for i in shown],
        )
        if not drawn:
            if os.path.isfile(path):
                os.remove(path)  # a previous run's picture (the folder is ours)
            self.log(f"{PLOT_FILE} skipped: install matplotlib (pip install keras-nhits[plot])")
        elif len(chosen) > len(shown):
            self.log(
                f"{PLOT_FILE}: the first {len(shown)} of {len(chosen)} series (choose others "
                "with --plot-series)"
            )

    def _record(self, source, raw, splits):
        return {
            "training": self.config.to_dict(),
            "data": {
                "source": source if isinstance(source, str) else type(source).__name__,
                "series": raw.ids,
                "columns": raw.columns,
                "lengths": raw.lengths.tolist(),
                "freq": self.config.freq,
                "freqs": [None if f is None else str(f) for f in raw.freqs],
                "series_scaler": splits.scaler.to_dict(),
                "skipped": list(splits.skipped),
            },
            "backend": keras.backend.backend(),
        }

    # === Saving ===

    def save(self, folder):
        """Writes the trained model (`model.keras`, safetensors + config.json) to `folder`,
        which must be new, empty or a run folder of ours (the user's files are never replaced).
        """
        if self.model is None:
            raise NHITSInputError("nothing to save: call fit() or load() first")
        check_output_folder(folder, "run", "save()")
        os.makedirs(folder, exist_ok=True)
        write_marker(folder, "run")
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


def _check_export_backend(export):
    """`--export` on a backend that cannot write a SavedModel fails before training, not after."""
    from keras_nhits.saving.saved_model import EXPORT_BACKENDS

    backend = keras.backend.backend()
    if export and backend not in EXPORT_BACKENDS:
        raise NHITSInputError(
            f"--export needs the TensorFlow or JAX backend, not {backend}; train without "
            "--export, then run KERAS_BACKEND=tensorflow python -m keras_nhits.export --model "
            "OUTPUT --output OUTPUT/saved_model (run folders load on every backend)"
        )


def _paths_read(source, config_file):
    """The files a run reads (the data, a glob's matches, the config file), for overlap checks."""
    import glob

    paths = []
    if isinstance(source, (str, os.PathLike)):
        source = os.fspath(source)
        paths += glob.glob(source) if any(c in source for c in "*?[") else [source]
    if config_file:
        paths.append(config_file)
    return paths


def _checkpoint_files(folder):
    """The names a run writes that are in `folder` now (what --overwrite removes)."""
    try:
        return sorted(n for n in os.listdir(folder) if CHECKPOINT_FILES.match(n))
    except OSError:
        return []


def _check_replaceable(folder, names, flag):
    """Refuses, before anything is written, a folder the run could not write or clean: a
    read-only one (or read-only parent of a new one), or one of `names` that is a folder."""
    existing = folder
    while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "it is" if existing == folder else f"{existing} is"
        raise NHITSInputError(
            f"{flag} {folder} cannot be written: {where} read-only; nothing was changed: "
            f"choose another {flag}"
        )
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            raise NHITSInputError(
                f"{flag} {folder} holds a folder named {name} where a run writes a file; "
                f"nothing was changed: move it away or choose another {flag}"
            )


def _clear_checkpoints(folder):
    """--overwrite: removes the files a run wrote in `folder` and nothing else of it."""
    remove_leftovers(folder)
    for name in _checkpoint_files(folder):
        try:
            os.remove(os.path.join(folder, name))
        except FileNotFoundError:
            continue  # gone already: nothing to remove
        except OSError as error:
            raise NHITSInputError(
                f"--checkpoint-dir {folder}: {name} cannot be removed ({error.strerror}); "
                "remove it yourself or choose another --checkpoint-dir"
            ) from None


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


def _last_window_of(raw, starts, series):
    """Index (into `starts`) of the last window of each of `series` (indices into raw.ids)."""
    from keras_nhits.data import window_series

    which = window_series(raw, starts)
    return np.array([int(np.flatnonzero(which == i)[-1]) for i in series], dtype=np.int64)


def _window_times(raw, splits, start):
    """The times of one window's input and horizon steps (datetime64, or int steps)."""
    from keras_nhits.data import window_series

    i = int(window_series(raw, [start])[0])
    first = int(start - raw.offsets[i])
    return raw.time_at(i, np.arange(first, first + splits.input_size + splits.horizon))


def _summary(metrics):
    """The line a run ends with: the test errors beside each baseline's, and which it loses to."""
    test, baselines = metrics["test"], metrics["baselines"]
    named = [("naive", baselines["naive"])]
    if "seasonal_naive" in baselines:
        named.append(
            (f"seasonal naive (season {metrics['season_length']})", baselines["seasonal_naive"])
        )

    def beside(key):
        return ", ".join(f"{name} {_fmt(b[key], '.5g')}" for name, b in named)

    lost = [name for name, b in named if _worse(test["mae"], b["mae"])]
    if lost:
        verdict = f"worse than {' and '.join(lost)} on the test split"
    else:
        verdict = f"beats {' and '.join(n for n, _ in named)} on the test split"
    return (
        f"test MAE {_fmt(test['mae'], '.5g')} ({beside('mae')}), RMSE "
        f"{_fmt(test['rmse'], '.5g')} ({beside('rmse')}), MASE {_fmt(test['mase'])}; "
        f"{verdict}; {metrics['epochs_completed']} epochs, best {metrics['best_epoch']}, "
        f"{metrics['train_seconds']:.1f}s"
    )


def _worse(model_mae, baseline_mae):
    # A model MAE that is None (NaN or inf) loses to any finite baseline.
    if baseline_mae is None:
        return False
    return model_mae is None or model_mae > baseline_mae


def _fmt(value, spec=".4g"):
    return "n/a" if value is None else f"{value:{spec}}"

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
before the first byte is written (`run_folder.py`).
"""

import contextlib
import dataclasses
import os
import time

import keras

from keras_nhits.backtesting.refit import DEFAULT_REFIT_STEPS
from keras_nhits.config import NHITSTrainingConfig
from keras_nhits.data import covariate_statistics, load_series, make_dataset, prepare_splits
from keras_nhits.data.covariate_record import covariate_record
from keras_nhits.errors import NHITSInputError, NHITSTrainingError
from keras_nhits.models.nhits import NHITS
from keras_nhits.sample_data import SAMPLE_PATH
from keras_nhits.saving.atomic import atomic_output, remove_leftovers, write_json_atomic
from keras_nhits.saving.json_file import read_json
from keras_nhits.saving.ownership import check_output_folder, refuse_overlap, write_marker
from keras_nhits.saving.run_lock import RunLock
from keras_nhits.saving.safetensors import load_model as load_safetensors_model
from keras_nhits.saving.safetensors import read_config, save_model
from keras_nhits.training.callbacks import BEST_WEIGHTS, run_callbacks
from keras_nhits.training.devices import configure_devices
from keras_nhits.training.distribution import (
    check_distribute,
    device_scope,
    even_batch_size,
    mirrored_strategy,
    replicas,
)
from keras_nhits.training.evaluation import evaluate_test
from keras_nhits.training.forecast_panels import (
    last_window_of,
    panel_arguments,
    plotted_series,
)
from keras_nhits.training.init_from import (
    ParentRun,
    check_architecture,
    check_model,
    inherit_run_settings,
)
from keras_nhits.training.metrics import season_length_for
from keras_nhits.training.optimization import (
    compiled_copy,
    jit_compile_setting,
    make_loss,
    make_optimizer,
)
from keras_nhits.training.plotting import MAX_PANELS, plot_forecasts
from keras_nhits.training.run_folder import (
    METRICS_FILE,
    PLOT_FILE,
    RUN_CONFIG_FILE,
    SAVED_MODEL_DIR,
    check_export_backend,
    check_folders,
    check_tensorboard,
    clear_checkpoints,
    paths_read,
)
from keras_nhits.training.summary import best_epoch, finite, summary_line

__all__ = ["NHITSTrainer", "NHITSTrainingError", "TrainingResult"]


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
        values = (
            {**(config or {}), **overrides} if config is None or isinstance(config, dict) else {}
        )
        if values.get("init_from"):
            # `init_from=RUN`: the settings not given are RUN's (init_from.py).
            values = {
                k: os.fspath(v) if isinstance(v, os.PathLike) else v for k, v in values.items()
            }
            config = NHITSTrainingConfig.coerce(inherit_run_settings(values))
        else:
            config = NHITSTrainingConfig.coerce(config, **overrides)
        self.config = config
        self.log = log
        self.model = None
        self.metrics = None
        self.record = None  # the run record (config.json's training and data sections)
        self._plotted = []  # the series forecast.png draws, checked by fit() before training
        self._parent = None  # the ParentRun of init_from, read by fit()
        self._strategy = None  # --distribute mirrored's strategy over several devices

    # === Training ===

    def fit(self, data=None):
        """Trains on `data` (a path, DataFrame or array; default `config.data` or the sample).

        Returns a `TrainingResult` (unpacks as `model, metrics`). Raises `NHITSInputError` for
        bad input before writing anything, `NHITSTrainingError` when the loss becomes NaN.
        """
        cfg = self.config
        source = data if data is not None else (cfg.data or str(SAMPLE_PATH))
        check_tensorboard(cfg.tensorboard)
        check_export_backend(cfg.export)
        check_distribute(cfg.distribute, cfg.jit_compile)
        self._parent = None
        if cfg.init_from:
            self._parent = ParentRun.load(cfg.init_from)
            check_architecture(cfg, self._parent)
        raw, splits = self._load(source)
        self._plotted = plotted_series(raw, splits, cfg.plot_series)
        output = os.path.abspath(cfg.output)
        checkpoints = os.path.abspath(cfg.checkpoint_dir or os.path.join(output, "checkpoints"))
        if cfg.init_from:
            refuse_overlap(output, [cfg.init_from], "--output", "the run --init-from continues")
        reads = paths_read(source, cfg.config, cfg.static, cfg.init_from)
        check_folders(cfg, output, checkpoints, reads)
        policy = keras.config.dtype_policy()
        try:
            scope, self._strategy, notes = self._devices(splits)
            for line in raw.report + splits.report + notes:
                self.log(line)
            with RunLock(output), scope:
                # Checked again under each lock: another run may have written in the meantime.
                check_folders(cfg, output, checkpoints, reads, locked=True)
                write_marker(output, "run")
                with RunLock(checkpoints, "--checkpoint-dir"):
                    check_folders(cfg, output, checkpoints, reads, locked=True)
                    remove_leftovers(output)
                    return self._train(source, raw, splits, output, checkpoints)
        finally:
            keras.config.set_dtype_policy(policy)

    def _load(self, source):
        """The series of `source` read with the run's settings, and their splits, checked."""
        raw = self.read(source)
        return raw, self._split(raw)

    def read(self, source):
        """The series of `source` (a path, DataFrame or array) read with the config's reader
        settings: a `SeriesSet`. What `fit` reads, and what a search reads once for all its
        trials (`keras_nhits.tuning`)."""
        cfg = self.config
        return load_series(
            source,
            target=cfg.target,
            time_col=cfg.time_col,
            id_col=cfg.id_col,
            fill=cfg.fill,
            gaps=cfg.gaps,
            freq=cfg.freq,
            static=cfg.static or None,
            calendar=cfg.calendar,
            **cfg.covariate_columns(),
        )

    def _split(self, raw):
        """The windows of `raw` split by the config, each split checked for what fit needs."""
        cfg = self.config
        splits = prepare_splits(
            raw,
            input_size=cfg.input_size,
            horizon=cfg.horizon,
            val_split=cfg.val_split,
            test_split=cfg.test_split,
            stride=cfg.stride,
            series_scaler=cfg.series_scaler,
            keep_scaler=self._parent.scaler if self._parent else None,
        )
        if self._parent:
            check_model(cfg.model_for(splits.series), self._parent)
        if len(splits.test) == 0:
            raise NHITSInputError(
                f"no test window: every series needs a test part of at least horizon="
                f"{cfg.horizon} steps; raise --test-split"
            )
        if cfg.conformal:
            from keras_nhits.training.conformal_calibration import check_calibration_windows

            check_calibration_windows(cfg.level, len(splits.val))
        return splits

    def _train(self, source, raw, splits, output, checkpoints):
        """Builds the model (restored from `checkpoints` with --resume, by `ResumableBackup`),
        fits it, evaluates it on the test windows and writes the run folder."""
        self._prepare_checkpoints(checkpoints)
        monitor = "val_loss" if len(splits.val) > 0 else "loss"
        with self._strategy.scope() if self._strategy else contextlib.nullcontext():
            model = self._compiled_model(splits)
            recorder, backup, train_seconds = self._fit(model, splits, monitor, checkpoints)
        if self._strategy:
            # A model built under a strategy predicts every batch on every replica: the run
            # evaluates, saves and exports a one-device copy of it.
            model = compiled_copy(model, self.config)
        calibration = None
        if self.config.conformal:
            from keras_nhits.training.conformal_calibration import calibrate

            calibration = calibrate(model, splits, raw, self.config.conformal)
        scores, season, evaluation = self._evaluate(model, raw, splits)
        if calibration is not None:
            scores["probabilistic"]["conformal"] = calibration
        metrics = {
            **scores,
            "history": recorder.records,
            "epochs_completed": recorder.records[-1]["epoch"] if recorder.records else 0,
            "best_epoch": best_epoch(recorder.records, monitor),
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
            "init_from": self._parent.folder if self._parent else None,
        }
        self.model, self.metrics = model, metrics
        self.record = self._record(source, raw, splits)
        self._write_outputs(output, raw, splits, evaluation)
        self.log(summary_line(metrics))
        return TrainingResult(model, metrics, output)

    def search_splits(self, raw):
        """The splits of `raw` for a search: `fit`'s, refused when they leave no validation
        window (a search scores its trials on the validation split)."""
        splits = self._split(raw)
        if len(splits.val) == 0:
            raise NHITSInputError(
                "no validation window: a search scores its trials on the validation split; "
                f"every series needs a validation part of at least horizon={self.config.horizon} "
                "steps: raise --val-split"
            )
        return splits

    def fit_trial(self, raw, scratch, callbacks=()):
        """Trains on series already read (`read`) and scores the validation windows only: one
        trial of a hyperparameter search (`keras_nhits.tuning`).

        The splits, the seeded model, the pipelines and the run's callbacks (then `callbacks`)
        are `fit`'s, so `fit` of the same config reaches the same validation losses. Nothing
        is written but the best weights in `scratch` (a folder of the caller's), and the test
        windows are never forecast. Sets `self.model`; returns the per-epoch records (loss,
        val_loss, learning rate, seconds). Raises `NHITSInputError` when the config leaves no
        validation window, `NHITSTrainingError` when the loss became NaN.
        """
        splits = self.search_splits(raw)
        policy = keras.config.dtype_policy()
        try:
            scope, strategy, _ = self._devices(splits)
            with scope, strategy.scope() if strategy else contextlib.nullcontext():
                model = self._compiled_model(splits)
                recorder, _, _ = self._fit(model, splits, "val_loss", scratch, callbacks)
        finally:
            keras.config.set_dtype_policy(policy)
        self.model = model
        return recorder.records

    def _devices(self, splits):
        """`(scope, strategy, notes)`: the device scope of the run (`--gpu`'s device), the
        `tf.distribute` strategy the model is built and trained under (`--distribute
        mirrored` over several devices; else None) and what the log says about them. Sets the
        dtype policy of `--mixed-precision`, which the caller restores."""
        cfg = self.config
        device, notes = configure_devices(cfg.gpu, cfg.mixed_precision)
        strategy, more = mirrored_strategy(cfg.distribute, cfg.batch_size, cfg.gpu, len(splits.val))
        return device_scope(None if strategy else device), strategy, notes + more

    def _prepare_checkpoints(self, checkpoints):
        """The checkpoint folder, cleared with --overwrite, marked as ours and holding the
        resolved config that --resume compares against."""
        cfg = self.config
        if cfg.overwrite and not cfg.resume:
            clear_checkpoints(checkpoints)
        os.makedirs(checkpoints, exist_ok=True)
        write_marker(checkpoints, "checkpoints")
        write_json_atomic(os.path.join(checkpoints, RUN_CONFIG_FILE), cfg.to_dict())

    def _compiled_model(self, splits):
        """A new, seeded N-HiTS of the config's arguments and the data's covariates, built,
        holding the covariates' training statistics, and compiled."""
        cfg = self.config
        keras.utils.set_random_seed(cfg.seed)
        model = NHITS(**cfg.model_for(splits.series).model_kwargs())
        model.build(model.input_shapes())
        if model.has_covariates:
            model.set_covariate_statistics(**covariate_statistics(splits))
        if self._parent:
            # RUN's weights, its covariate statistics among them (non-trainable weights).
            model.set_weights(self._parent.model.get_weights())
            self.log(
                f"init from {self._parent.folder}: its weights, architecture and series "
                f"scaling; a fresh {cfg.optimizer} optimizer"
            )
        model.compile(
            optimizer=make_optimizer(cfg),
            loss=make_loss(cfg.loss, model),
            # Keras cannot compile a mirrored step with XLA (check_distribute refuses "on").
            jit_compile=jit_compile_setting(cfg.jit_compile) if replicas() == 1 else False,
        )
        return model

    def _datasets(self, splits):
        """The shuffled training pipeline and the validation one (None without val windows)."""
        cfg = self.config
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
        if len(splits.val) == 0:
            return train_data, None
        val_data = make_dataset(
            splits.series,
            splits.val,
            input_size=cfg.input_size,
            horizon=cfg.horizon,
            batch_size=even_batch_size(max(cfg.batch_size, 1024), len(splits.val)),
        )
        return train_data, val_data

    def _fit(self, model, splits, monitor, checkpoints, extra_callbacks=()):
        """Runs `model.fit` with the run's callbacks (then `extra_callbacks`) and leaves the
        model at its best weights.

        Returns the epoch recorder, the backup callback and the seconds training took; raises
        `NHITSTrainingError` when the loss became NaN.
        """
        cfg = self.config
        train_data, val_data = self._datasets(splits)
        callbacks, recorder, backup = run_callbacks(cfg, monitor, checkpoints, self.log)
        callbacks += list(extra_callbacks)
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
            bad = next(r["epoch"] for r in recorder.records if not finite(r.get("loss")))
            raise NHITSTrainingError(
                f"training diverged: the loss became NaN in epoch {bad}; the last good "
                f"checkpoint is kept in {checkpoints}; lower --lr or set --clipnorm"
            )
        best_path = os.path.join(checkpoints, BEST_WEIGHTS)
        if os.path.exists(best_path):
            model.load_weights(best_path)
        return recorder, backup, train_seconds

    def _evaluate(self, model, raw, splits):
        """The test metrics, pooled and per series, beside the baselines'.

        Returns those scores (with a quantile model's `probabilistic` section), the season
        length used and the `TestScores` they came from (with the windows forecast.png draws).
        """
        cfg = self.config
        season = cfg.season_length or season_length_for(raw.freqs[0] if raw.freqs else None)
        intervals = None
        if model.quantiles:
            from keras_nhits.training.interval_evaluation import IntervalScores

            intervals = IntervalScores(model, splits, raw, season, levels=cfg.level)
        drawn = last_window_of(raw, splits.test, self._plotted[:MAX_PANELS])
        evaluation = evaluate_test(
            model, splits, raw, splits.test, season, keep=drawn, intervals=intervals
        )
        scores = {
            "test": evaluation.test,
            "baselines": evaluation.baselines,
            "test_per_series": evaluation.test_per_series,
            "baselines_per_series": evaluation.baselines_per_series,
        }
        if evaluation.probabilistic is not None:
            scores["probabilistic"] = evaluation.probabilistic
        return scores, season, evaluation

    def _write_outputs(self, output, raw, splits, evaluation):
        cfg = self.config
        with atomic_output(os.path.join(output, "model.keras")) as temp:
            self.model.save(str(temp))
        save_model(self.model, output, extra=self.record)
        write_json_atomic(os.path.join(output, METRICS_FILE), self.metrics)
        self._plot(output, raw, splits, evaluation)
        if cfg.export:
            from keras_nhits.saving.saved_model import export_saved_model

            export_saved_model(
                self.model,
                os.path.join(output, SAVED_MODEL_DIR),
                record=self.record,
            )

    def _plot(self, output, raw, splits, evaluation):
        """forecast.png: the last test window of each plotted series, with dates when the data
        has times, the naive forecast to compare against and a quantile model's intervals."""
        path = os.path.join(output, PLOT_FILE)
        chosen = self._plotted
        shown = chosen[:MAX_PANELS]
        windows = evaluation.kept
        bands = None
        if windows.quantiles is not None:
            from keras_nhits.training.interval_bands import interval_bands

            bands = interval_bands(windows.quantiles, self.model.quantiles, self.config.level)
        panels, options = panel_arguments(
            raw, splits, shown, evaluation.kept_starts, *windows, bands=bands
        )
        if not plot_forecasts(path, *panels, **options):
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
                "covariates": covariate_record(raw),
                "skipped": list(splits.skipped),
            },
            "backend": keras.backend.backend(),
            "init_from": self._parent.summary() if self._parent else None,
        }

    # === Forecasting ===

    def forecaster(self):
        """The trained model as a `Forecaster` (`keras_nhits.serving.forecaster`): the run's
        reader settings, series scaler, covariates and levels, the path predict serves by."""
        from keras_nhits.serving.forecaster import forecaster_from_record

        if self.model is None:
            raise NHITSInputError("nothing to forecast with: call fit() or load() first")
        record = self.record or {"training": self.config.to_dict()}
        return forecaster_from_record(self.model, record, self.config.output or "the model")

    def predict(self, data, future=None):
        """The `horizon` steps after the end of every series of `data`, in long format.

        Args:
            data: a path, Polars or pandas DataFrame or array, read with the run's settings
                (target, time and id columns, fill, gaps, freq, covariates).
            future: for a model trained with future-known covariates, their values over the
                horizon: a path or DataFrame with the time column, the id column for long
                data and the columns (as `predict --future`).

        Returns the frame `python -m keras_nhits.predict` writes: the id column when there are
        several series, the time column continued at each series' step, `forecast` and a
        quantile model's interval columns (`forecast-lo-80`, ...). A Polars DataFrame, or
        pandas when `data` is pandas. Raises `NHITSInputError` for data the run cannot read.

        Example:
            >>> trainer = NHITSTrainer.load("runs/demo")  # doctest: +SKIP
            >>> trainer.predict("prices.csv").head()  # doctest: +SKIP
        """
        from keras_nhits.backtesting.frames import user_frame
        from keras_nhits.serving.forecast_data import load_forecast_data
        from keras_nhits.serving.forecaster import forecast_frame

        forecaster = self.forecaster()
        series = load_forecast_data(forecaster, data)
        frame = forecast_frame(
            forecaster,
            series,
            id_col=series.columns.get("id") or "unique_id",
            time_col=series.columns.get("time") or "ds",
            future=future,
        )
        return user_frame(frame, data)

    def cross_validation(
        self,
        data,
        n_windows=1,
        step_size=1,
        refit=False,
        train_length=None,
        refit_steps=DEFAULT_REFIT_STEPS,
    ):
        """Rolling-origin forecasts: `n_windows` cutoffs per series, `step_size` steps apart,
        the latest forecast ending on each series' last value.

        Args:
            data: a path, Polars or pandas DataFrame or array, read with the run's settings.
            n_windows, step_size: the cutoffs.
            refit: False (the default) forecasts every cutoff with the trained model, in
                batched passes through the serving path (the run's scaler, raw units back).
                `K` retrains a copy of the model before every K-th cutoff on the data up to
                that cutoff, warm-started from the previous weights (`True` is 1); the trained
                model itself is left as it is.
            train_length: with `refit`, the steps up to each cutoff a refit trains on (a
                rolling window); None (the default) trains on everything up to it.
            refit_steps: optimizer steps per refit, of the run's batch size (default 100).

        A forecast reads the target only up to its cutoff and future-known covariates over
        its horizon; a refit trains on no value after its cutoff. Returns a long frame, one
        row per series, cutoff and horizon step: (the id column,) the time column, `cutoff`,
        the actual `y` and the forecast columns of `predict`. A Polars DataFrame, or pandas
        when `data` is pandas. The scores behind `python -m keras_nhits.backtest` come from
        `keras_nhits.backtesting.backtest.run_backtest`.

        Example:
            >>> cv = trainer.cross_validation("prices.csv", n_windows=30)  # doctest: +SKIP
            >>> (cv["y"] - cv["forecast"]).abs().mean()  # doctest: +SKIP
            >>> weekly = trainer.cross_validation("prices.csv", 30, refit=5)  # doctest: +SKIP
        """
        from keras_nhits.backtesting.frames import user_frame

        backtest = self._backtest(
            data, n_windows, step_size, refit, train_length, refit_steps, scores=False
        )
        return user_frame(backtest.frame, data)

    def backtest(
        self,
        data,
        n_windows=1,
        step_size=1,
        refit=False,
        train_length=None,
        refit_steps=DEFAULT_REFIT_STEPS,
    ):
        """`cross_validation` with its scores: a `keras_nhits.backtesting.backtest.Backtest`
        (`.frame` the long Polars frame, `.record` what `backtest.json` holds)."""
        return self._backtest(data, n_windows, step_size, refit, train_length, refit_steps)

    def _backtest(self, data, n_windows, step_size, refit, train_length, refit_steps, scores=True):
        from keras_nhits.backtesting.backtest import run_backtest
        from keras_nhits.backtesting.refit import refit_plan, walk_forward

        forecaster = self.forecaster()
        cfg = self.config
        plan = refit_plan(refit, train_length, refit_steps, cfg.input_size + cfg.horizon)
        record = self.record or {"training": cfg.to_dict()}
        source = cfg.output or "the model"
        walker = walk_forward(self.model, cfg, record, source, plan, self.log)
        return run_backtest(
            forecaster,
            data,
            n_windows,
            step_size,
            cfg.season_length,
            walk_forward=walker,
            scores=scores,
        )

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
        # The run record keeps the data section (columns, series scaler, covariates) that
        # predict and the backtest need; a trainer without one records its config.
        save_model(self.model, folder, extra=self.record or {"training": self.config.to_dict()})

    @classmethod
    def load(cls, folder, log=print):
        """A trainer holding the model and config of a run folder (safetensors, no pickle)."""
        record = read_config(folder)
        config = NHITSTrainingConfig.from_dict(record.get("training", {}))
        trainer = cls(config, log=log)
        trainer.model = load_safetensors_model(folder)
        trainer.record = record
        metrics_path = os.path.join(folder, METRICS_FILE)
        trainer.metrics = (
            read_json(metrics_path, "train the run again") if os.path.exists(metrics_path) else None
        )
        return trainer

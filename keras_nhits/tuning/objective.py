"""One trial of a search: draw its settings, train them as `train` would, score validation.

A trial is `NHITSTrainer.fit_trial`: the same seeded model, pipelines and callbacks as a training
run of the trial's config, so `python -m keras_nhits.train --config best.toml` reaches the best
trial's validation loss again. Its score is the lowest validation loss of any epoch (the loss
early stopping watches, whose weights a run keeps), reported to Optuna after every epoch so
that the pruner can stop it. The test split is never forecast.

A trial whose drawn settings cannot train together (a pool wider than the drawn input window,
series too short for it) is skipped with the reason recorded; one whose loss became NaN counts
as pruned (a rate too high is a result the sampler should learn from).
"""

import math
import os
import socket
import tempfile
import time

import keras

from keras_nhits.errors import NHITSInputError, NHITSTrainingError
from keras_nhits.tuning.space import settings

__all__ = ["SkippedTrial", "TrialReporter", "make_objective"]


class SkippedTrial(Exception):
    """A trial whose drawn settings cannot train (recorded as failed, with the reason)."""


class TrialReporter(keras.callbacks.Callback):
    """Reports each epoch's validation loss to an Optuna trial; stops training when the pruner
    says the trial is behind (`pruned_at` is then that epoch)."""

    def __init__(self, trial, prune=True):
        super().__init__()
        self.trial = trial
        self.prune = prune
        self.pruned_at = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get("val_loss")
        if value is None or not math.isfinite(value):
            return
        self.trial.report(float(value), epoch + 1)
        if self.prune and self.trial.should_prune():
            self.pruned_at = epoch + 1
            self.model.stop_training = True


def make_objective(config, space, raw, log):
    """The function Optuna calls per trial: `objective(trial) -> best validation loss`.

    `config` is the search's `TuneConfig`, `space` its `SearchSpace`, `raw` the series read
    once for every trial; `log` takes the lines of a trial's epochs (unless `--quiet`).
    """
    import optuna

    worker = f"{socket.gethostname()}:{os.getpid()}"

    def objective(trial):
        trial.set_user_attr("worker", worker)
        drawn = space.suggest(trial)
        try:
            trial_config = config.training(**settings(config, drawn), quiet=True)
        except NHITSInputError as error:
            _skip(trial, error)
        prefix = f"trial {trial.number}: "

        def epoch_line(line):
            if not config.quiet:
                log(prefix + line)

        from keras_nhits.training.trainer import NHITSTrainer

        keras.backend.clear_session()  # each trial starts from the state a fresh process has
        trainer = NHITSTrainer(trial_config, log=epoch_line)
        reporter = TrialReporter(trial, prune=config.prune)
        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="keras_nhits_trial_") as scratch:
                records = trainer.fit_trial(raw, scratch, [reporter])
        except NHITSInputError as error:
            _skip(trial, error)
        except NHITSTrainingError as error:
            trial.set_user_attr("diverged", str(error))
            raise optuna.TrialPruned() from None
        finally:
            trial.set_user_attr("seconds", round(time.perf_counter() - started, 3))
        losses = [(r["val_loss"], r["epoch"]) for r in records if _finite(r.get("val_loss"))]
        trial.set_user_attr("epochs", records[-1]["epoch"] if records else 0)
        if not losses:
            trial.set_user_attr("diverged", "no finite validation loss")
            raise optuna.TrialPruned()
        best, epoch = min(losses)
        trial.set_user_attr("best_val_loss", best)
        trial.set_user_attr("best_epoch", epoch)
        if reporter.pruned_at is not None:
            trial.set_user_attr("pruned_at", reporter.pruned_at)
            raise optuna.TrialPruned()
        return best

    return objective


def _skip(trial, error):
    trial.set_user_attr("error", str(error))
    raise SkippedTrial(str(error)) from None


def _finite(value):
    return value is not None and math.isfinite(value)

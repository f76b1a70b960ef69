"""`run_search`: a hyperparameter search of N-HiTS on Optuna, resumable and shared by processes.

What `python -m keras_nhits.tune` runs. In order, so that bad input writes nothing:

1. the search space (`--space FILE` or the built-in one) is read and every value checked;
2. the storage URL, the output folder (new, empty or a search folder of ours) and the data
   (read once for every trial, and split for the smallest drawn input window) are checked;
3. the output folder is marked as ours, the storage opened (a server reached, once) and the
   study created or continued: a study started with other settings or another space is refused;
4. trials run until the study holds `--trials` finished ones (this process's and every other's)
   or `--timeout` passes; after each, the folder's files are rewritten (`outputs.py`).

Optuna is the engine (its samplers, pruners and relational storage); the trials are
`NHITSTrainer.fit_trial` runs, so every Keras backend works.
"""

import dataclasses
import logging
import os

from keras_nhits.config_file import read_file
from keras_nhits.errors import NHITSInputError
from keras_nhits.sample_data import SAMPLE_PATH
from keras_nhits.saving.ownership import check_output_folder, refuse_overlap, write_marker
from keras_nhits.training.run_folder import paths_read
from keras_nhits.tuning import outputs
from keras_nhits.tuning.config import TuneConfig, require_optuna
from keras_nhits.tuning.objective import SkippedTrial, make_objective
from keras_nhits.tuning.space import INPUT_MULTIPLE, default_space, read_space
from keras_nhits.tuning.storage import check_storage, default_url, open_storage, shown_url
from keras_nhits.tuning.study import finished_count, open_study

__all__ = ["SearchResult", "run_search"]


@dataclasses.dataclass
class SearchResult:
    """What `run_search` returns: the Optuna study, the best trial's training config (None
    before a trial completed) and the search's folder."""

    study: object
    best_config: object
    output: str


def run_search(config=None, data=None, log=print, **overrides):
    """Searches the settings of `config`'s space; returns a `SearchResult`.

    Args:
        config: a `TuneConfig` or a dict of its fields (the training settings of every trial,
            and trials, timeout, storage, study, space, prune, output).
        data: a path, Polars or pandas DataFrame or array (default `config.data`, else the
            bundled sample), read once for all trials.
        log: takes each line of progress (a line per trial; per epoch unless `quiet`).
        **overrides: fields to replace, e.g. `run_search(trials=10, horizon=24)`.

    Raises `NHITSInputError` for bad input, before anything is written.

    Example:
        >>> settings = {"horizon": 24, "trials": 20, "output": "tune/close"}
        >>> result = run_search(settings, "prices.csv")  # doctest: +SKIP
        >>> result.best_config.lr  # doctest: +SKIP
    """
    require_optuna()
    config = _coerce(config, overrides)
    source = data if data is not None else (config.data or str(SAMPLE_PATH))
    space_source = config.space or "the built-in space"
    tables = read_file(config.space) if config.space else default_space(config)
    space = read_space(tables, config, space_source)
    output = os.path.abspath(config.output)
    url = config.storage or default_url(output)
    check_storage(url, folder_made=output)
    check_output_folder(output, "tune", "--output")
    refuse_overlap(output, paths_read(source, config.config, config.static), "--output")
    raw = _read_checked(config, space, source)

    if _is_within_folder(url, output):  # the default: the study's file in the folder
        _make_folder(output)
    # Anything else is reached, and the study checked, before the folder is made.
    study = open_study(open_storage(url), config, space)
    _make_folder(output)
    shown = shown_url(url)
    if not _is_file(config.space, os.path.join(output, outputs.SPACE_FILE)):
        outputs.write_space(output, space, space_source)
    done = finished_count(study)
    log(
        f"study {config.study!r} in {shown}: {done} of {config.trials} trials finished; "
        f"searching {', '.join(space.names)} on the validation split ({raw.n_series} series)"
    )
    remaining = config.trials - done
    if remaining > 0:
        _optimize(study, config, space, raw, output, shown, remaining, log)
    drawn = outputs.write_outputs(output, config, study, shown)
    best = outputs.best_trial(study)
    if best is None:
        log(f"no trial completed yet; {outputs.TRIALS_FILE} lists the trials")
    else:
        params = ", ".join(f"{k}={v}" for k, v in best.params.items())
        log(
            f"best trial {best.number}: val_loss {best.value:.6g} at epoch "
            f"{best.user_attrs.get('best_epoch')} ({params}); wrote {output}/{outputs.BEST_FILE}"
        )
    if not drawn:
        log(f"{outputs.PLOT_FILE} skipped: install matplotlib (pip install keras-nhits[plot])")
    return SearchResult(study, outputs.best_config(config, study), output)


def _coerce(config, overrides):
    if config is None or isinstance(config, dict):
        return TuneConfig.from_dict({**(config or {}), **overrides})
    if not isinstance(config, TuneConfig):
        raise NHITSInputError(
            f"config must be a TuneConfig or a dict of its fields; received {type(config).__name__}"
        )
    return dataclasses.replace(config, **overrides) if overrides else config


def _read_checked(config, space, source):
    """The series, read once; split with the smallest input window the space draws, so that a
    space whose every window is too long for the data is refused now, not trial by trial."""
    from keras_nhits.training.trainer import NHITSTrainer

    changes = {}
    for parameter in space.parameters:
        if parameter.name in (INPUT_MULTIPLE, "input_size"):
            smallest = min(parameter.values())
            size = smallest * config.horizon if parameter.name == INPUT_MULTIPLE else smallest
            changes.update(input_size=size, pool_sizes=(1,) * config.n_stacks)
    trainer = NHITSTrainer(config.training(quiet=True, **changes), log=lambda line: None)
    raw = trainer.read(source)
    trainer.search_splits(raw)
    return raw


def _optimize(study, config, space, raw, output, shown, remaining, log):
    """Runs trials until the study holds `config.trials` finished ones or time runs out."""

    def after_trial(study, trial):
        outputs.write_outputs(output, config, study, shown, plot=False)
        log(_trial_line(trial))
        if finished_count(study) >= config.trials:
            study.stop()

    # Each trial's new model makes TensorFlow trace a new step function, which its logger
    # reports as "retracing" after a few trials: expected here, so quiet while trials run.
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(max(level, logging.ERROR))
    try:
        study.optimize(
            make_objective(config, space, raw, log),
            n_trials=remaining,
            timeout=config.timeout or None,
            catch=(SkippedTrial,),
            callbacks=[after_trial],
        )
    finally:
        tf_logger.setLevel(level)


def _trial_line(trial):
    """`trial 3: complete, val_loss 0.41 at epoch 7 of 9, 12.3 s (lr=0.001, ...)`."""
    attrs = trial.user_attrs
    state = trial.state.name.lower()
    if state == "fail" and "error" in attrs:
        return f"trial {trial.number}: skipped: {attrs['error']}"
    parts = [state]
    value = trial.value if trial.value is not None else attrs.get("best_val_loss")
    if value is not None:
        parts.append(
            f"val_loss {value:.6g} at epoch {attrs.get('best_epoch')} of {attrs.get('epochs')}"
        )
    if "diverged" in attrs:
        parts.append("diverged")
    if "seconds" in attrs:
        parts.append(f"{attrs['seconds']:.1f} s")
    params = ", ".join(f"{k}={v}" for k, v in trial.params.items())
    return f"trial {trial.number}: {', '.join(parts)} ({params})"


def _make_folder(output):
    os.makedirs(output, exist_ok=True)
    write_marker(output, "tune")


def _is_within_folder(url, folder):
    from keras_nhits.tuning.storage import sqlite_path

    path = sqlite_path(url)
    return path is not None and os.path.dirname(os.path.abspath(path)) == folder


def _is_file(path, other):
    return bool(path) and os.path.exists(other) and os.path.samefile(path, other)

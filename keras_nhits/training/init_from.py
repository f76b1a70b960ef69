"""`--init-from RUN`: continue a trained run on new data, in a new run folder.

A trader retrains as new days arrive without starting from random weights. The new run takes from
RUN what makes its weights mean something: the architecture (every model setting but dropout),
the covariate columns, the series scaling (the per-series statistics RUN fitted, for the series
RUN knew) and the weights themselves; the optimizer starts fresh. Every other training setting
(rate, batch size, splits, reader settings ...) is RUN's unless given again; the per-invocation
ones (data, output, checkpoints, resume, overwrite, export ...) are never taken over.

Two steps, so that both the CLI and Python can leave the settings out:

* `inherit_run_settings(values)`, on the fields given (flags, a config file, keyword
  arguments): fills in RUN's for those not given. Run before the config is built.
* `ParentRun.load(folder)` and `check_architecture(config, parent)` in `NHITSTrainer.fit`,
  before anything is written: a setting that contradicts RUN's architecture is refused, named
  as its flag (a full config built by hand is checked the same way).
"""

import dataclasses
import os

from keras_nhits.errors import NHITSInputError

# Settings of a call, not of a model: never taken from RUN.
PER_INVOCATION = (
    "data",
    "output",
    "checkpoint_dir",
    "resume",
    "overwrite",
    "export",
    "tensorboard",
    "plot_series",
    "config",
    "init_from",
    "gpu",
    "mixed_precision",
    "jit_compile",
    "quiet",
)
# Settings that fix the shape or the meaning of the weights: RUN's, and refused when changed.
ARCHITECTURE = (
    "input_size",
    "horizon",
    "n_stacks",
    "n_blocks",
    "hidden_size",
    "n_layers",
    "pool_sizes",
    "freq_downsample",
    "pooling",
    "interpolation",
    "activation",
    "scaler",
    "naive_level",
    "quantiles",
    "level",
    "distribution",
    "conformal",
    "hist_exog",
    "futr_exog",
    "stat_exog",
    "calendar",
    "series_scaler",
)
RUN_FILES = ("config.json", "model.safetensors")


def inherit_run_settings(values):
    """`values` (the fields given) completed with RUN's training settings for every field
    not given, except the per-invocation ones; `values` without `init_from` is returned as is.

    Raises `NHITSInputError` when `init_from` is not a run folder.
    """
    folder = values.get("init_from")
    if not folder:
        return values
    training = _read_training(os.fspath(folder))
    inherited = {
        name: value
        for name, value in training.items()
        if name not in PER_INVOCATION and name not in values
    }
    # --loss normal|studentt sets the head; a point run's loss is a free choice.
    if "loss" in values and "distribution" in inherited and values["loss"] != training["loss"]:
        inherited.pop("distribution")
    return {**inherited, **values}


@dataclasses.dataclass
class ParentRun:
    """The run a new run continues: its folder, run record, training config, model and
    series scaler."""

    folder: str
    record: dict
    config: object
    model: object
    scaler: object

    @classmethod
    def load(cls, folder):
        """Reads the run folder `folder` (config.json and model.safetensors, no pickle)."""
        from keras_nhits.config import NHITSTrainingConfig
        from keras_nhits.data.scaling import SeriesScaler
        from keras_nhits.saving.safetensors import load_model, read_config

        folder = os.path.abspath(os.fspath(folder))
        _check_run_folder(folder)
        record = read_config(folder)
        config = NHITSTrainingConfig.from_dict(_read_training(folder, record))
        scaler_record = (record.get("data") or {}).get("series_scaler")
        scaler = SeriesScaler.from_dict(scaler_record) if scaler_record else None
        return cls(folder, record, config, load_model(folder), scaler)

    def summary(self):
        """What the new run's record says about where it came from."""
        data = self.record.get("data") or {}
        return {
            "run": self.folder,
            "data": data.get("source"),
            "lengths": data.get("lengths"),
        }


def check_architecture(config, parent):
    """Refuses a setting of `config` that differs from `parent`'s architecture, naming its
    flag (the first such setting)."""
    for name in ARCHITECTURE:
        new, old = getattr(config, name), getattr(parent.config, name)
        if new != old:
            flag = "--" + name.replace("_", "-")
            if name == "distribution":
                flag, new, old = "--loss", config.loss, parent.config.loss
            raise NHITSInputError(
                f"{flag} {_shown(new)} contradicts --init-from {parent.folder}, trained with "
                f"{_shown(old)}: its weights need that setting; leave {flag} out or train a new run"
            )


def check_model(model_config, parent):
    """Refuses data whose model would not take `parent`'s weights: its covariate columns
    count differently (a new one-hot category of a static column, say)."""
    old = parent.model.model_config
    for name in ("hist_exog", "futr_exog", "stat_exog"):
        if getattr(model_config, name) != getattr(old, name):
            raise NHITSInputError(
                f"the data gives {getattr(model_config, name)} {name} columns and --init-from "
                f"{parent.folder} was trained with {getattr(old, name)} (a static column's "
                "categories each count once): its weights do not fit; train a new run"
            )


def _check_run_folder(folder):
    missing = [name for name in RUN_FILES if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise NHITSInputError(
            f"--init-from {folder} is not a run folder (no {' or '.join(missing)}): pass the "
            "folder python -m keras_nhits.train wrote"
        )


def _read_training(folder, record=None):
    from keras_nhits.saving.safetensors import read_config

    if record is None:
        _check_run_folder(folder)
        record = read_config(folder)
    training = record.get("training")
    if not isinstance(training, dict):
        raise NHITSInputError(
            f"--init-from {folder}: its config.json has no training settings (a model saved "
            "without its run); pass a run folder python -m keras_nhits.train wrote"
        )
    return training


def _shown(value):
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value) or "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    return repr(value) if value == "" else str(value)

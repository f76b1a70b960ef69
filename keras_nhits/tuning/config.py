"""`TuneConfig`: every training setting of `train` plus the search's own (trials, storage, study).

A search is many training runs that differ only in the settings its space draws, so its config
is `NHITSTrainingConfig` with a few fields added: the flags of `python -m keras_nhits.tune` are
train's flags (each applies to every trial) and these. Train's per-run options that make no
sense for a search (`--resume`: a search always continues its study; `--export`, ...) are hidden
from its help and refused by name.
"""

import argparse
import dataclasses
from dataclasses import dataclass, field

from keras_nhits.config import NHITSTrainingConfig
from keras_nhits.errors import NHITSInputError, check_int, check_number

__all__ = ["PER_RUN", "TuneConfig", "require_optuna"]

INSTALL_HINT = "pip install 'keras-nhits[tune]'"

# Train's options of one run, refused in a search, with what to do instead.
PER_RUN = {
    "resume": "a search always continues its study: run the same command again",
    "overwrite": "choose a new --study (or --output) to start another search",
    "init_from": "a search trains every trial from scratch",
    "export": "export the best trial's run: train --config OUTPUT/best.toml --export",
    "tensorboard": "trials are recorded in OUTPUT/trials.csv",
    "checkpoint_dir": "trials keep their scratch weights in a temporary folder",
    "plot_series": "train --config OUTPUT/best.toml draws the best trial's forecasts",
}
# Settings of one invocation, not of the search: a study continued with other values of these
# is the same search.
PER_INVOCATION = ("data", "output", "config", "quiet", "gpu", "trials", "timeout", "storage")
MAX_STUDY_NAME = 128


def require_optuna():
    """Raises `NHITSInputError` with the install command when Optuna is missing."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise NHITSInputError(f"tune needs Optuna, an optional extra: {INSTALL_HINT}") from None


def _hidden(default):
    return field(default=default, metadata={"help": argparse.SUPPRESS})


@dataclass
class TuneConfig(NHITSTrainingConfig):
    """The settings of a hyperparameter search: `NHITSTrainingConfig`'s (the base of every
    trial) and the search's own fields below."""

    output: str = field(
        default="nhits_tune",
        metadata={
            "help": "folder of the search's files: best.toml, trials.csv, search.png, "
            "tune.json, space.toml and, without --storage, study.db"
        },
    )
    resume: bool = _hidden(False)
    overwrite: bool = _hidden(False)
    init_from: str = _hidden("")
    export: bool = _hidden(False)
    tensorboard: str = _hidden("")
    checkpoint_dir: str = _hidden("")
    plot_series: str = _hidden("")
    trials: int = field(
        default=20,
        metadata={
            "help": "finished trials (completed or pruned) the study should hold: a rerun of "
            "the same command continues up to this many"
        },
    )
    timeout: float = field(
        default=0.0,
        metadata={"help": "start no trial after this many seconds of this process (0: no limit)"},
    )
    storage: str = field(
        default="",
        metadata={
            "help": "where the study lives: sqlite:///FILE.db (one machine), "
            "postgresql://USER:PASSWORD@HOST/DB or mysql+pymysql://... (several hosts) "
            "(default: sqlite:///OUTPUT/study.db)"
        },
    )
    study: str = field(
        default="nhits",
        metadata={
            "help": "the study's name in the storage: processes given the same --storage and "
            "--study share one search"
        },
    )
    space: str = field(
        default="",
        metadata={
            "help": "TOML or JSON file of the search space (default: the built-in space, "
            "written to OUTPUT/space.toml)"
        },
    )
    prune: bool = field(
        default=True,
        metadata={"help": "stop trials whose validation loss is clearly behind, epoch by epoch"},
    )

    def __post_init__(self):
        super().__post_init__()
        for name, instead in PER_RUN.items():
            if getattr(self, name) != _FIELDS[name].default:
                flag = "--" + name.replace("_", "-")
                raise NHITSInputError(f"{flag} does not apply to a search: {instead}")
        self.trials = check_int("trials", self.trials, 1)
        self.timeout = float(check_number("timeout", self.timeout, 0.0))
        name = self.study
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_STUDY_NAME:
            raise NHITSInputError(
                f"study must be a name of 1 to {MAX_STUDY_NAME} characters; received {name!r}"
            )
        if not name.isprintable():
            raise NHITSInputError("study must be printable text (no control characters)")

    def training(self, **changes):
        """The `NHITSTrainingConfig` of a trial: these training settings with `changes`."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(NHITSTrainingConfig)}
        return NHITSTrainingConfig(**{**values, **changes})

    def search_settings(self):
        """The settings that make a study the search it is (every training setting but the
        per-invocation ones): a study continued with other values is refused."""
        return {
            k: v
            for k, v in self.training().to_dict().items()
            if k not in PER_INVOCATION and k not in PER_RUN
        }


_FIELDS = {f.name: f for f in dataclasses.fields(TuneConfig)}

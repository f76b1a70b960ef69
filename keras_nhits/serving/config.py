"""The settings of `predict` and `export`: one dataclass each, from which their CLIs are generated.

As with `NHITSTrainingConfig` and `train`, the flags are the fields (`time_col` -> `--time-col`,
generated with argparse-dataclass), and the same objects drive the library from Python. A field
without a default is a required flag. Both are frozen: a config is built once, checked in
`__post_init__` (an `NHITSInputError` naming the field), and then only read.
"""

import os
from dataclasses import dataclass, field

from keras_nhits.errors import NHITSInputError, check_choice
from keras_nhits.options import FILL_MODES, GAP_MODES

# The reader settings predict takes from the run when a flag leaves them unset (None), and what
# each is when the run recorded none either: the keywords of `keras_nhits.data.load_series`.
READER_DEFAULTS = {
    "target": "",
    "time_col": "",
    "id_col": "",
    "fill": "error",
    "gaps": "warn",
    "freq": "",
}


def run_setting(help_text, choices=None):
    """A reader setting of predict: None (the default) takes the run's."""
    # argparse-dataclass calls a field's annotation to convert its flag, and `str | None` is not
    # callable: the flag's type is given explicitly.
    metadata = {"type": str, "help": help_text}
    if choices is not None:
        metadata["choices"] = choices
    return field(default=None, metadata=metadata)


@dataclass(frozen=True)
class PredictConfig:
    """What `python -m keras_nhits.predict` forecasts from, reads and writes.

    Args:
        model: run folder, SavedModel folder or `.keras` file (required).
        data: CSV/Parquet file, folder or glob (required).
        output: forecast file (`.csv` or `.parquet`); empty (the default) writes CSV on stdout.
        future: CSV/Parquet file of the future-known covariates over the horizon, for a model
            trained with `--futr-exog` (the time column, the id column for long data, the
            columns); empty (the default) for a model without.
        target, time_col, id_col, fill, gaps, freq: the reader settings; None (the default)
            takes the run's (see `reader_options`).

    Example:
        >>> config = PredictConfig(model="runs/close", data="prices.csv", fill="ffill")
        >>> config.reader_options({"target": "close"})["fill"]
        'ffill'
    """

    model: str = field(metadata={"help": "run folder, SavedModel folder or .keras"})
    data: str = field(metadata={"help": "CSV/Parquet file, folder or glob"})
    output: str = field(
        default="", metadata={"help": "forecast file (.csv or .parquet) (default: CSV on stdout)"}
    )
    future: str = field(
        default="",
        metadata={
            "help": "CSV/Parquet file of the future-known covariates over the horizon (the time "
            "column, the id column for long data, the run's --futr-exog columns)"
        },
    )
    target: str | None = run_setting("target column(s) (default: the run's)")
    time_col: str | None = run_setting("time column (default: the run's)")
    id_col: str | None = run_setting("id column (default: the run's)")
    fill: str | None = run_setting(
        "missing target values (default: the run's, else error)", FILL_MODES
    )
    gaps: str | None = run_setting(
        "gaps in the time index (default: the run's, else warn)", GAP_MODES
    )
    freq: str | None = run_setting(
        "step of the time index, as train --freq: h, 30min, D, B (business days), W, MS, ME, QS, "
        "YS or a Polars duration (default: the run's, else inferred per series)"
    )

    def __post_init__(self):
        check_paths(self, ("model", "data", "output", "future"))
        check_reader_settings(self)

    def reader_options(self, run_options):
        """The `load_series` keywords: each setting given here, else the run's, else the default.

        `run_options` is what the model came with (`Forecaster.data_options`).
        """
        options = dict(READER_DEFAULTS)
        options.update(run_options)
        for name in READER_DEFAULTS:
            if getattr(self, name) is not None:
                options[name] = getattr(self, name)
        return options


@dataclass(frozen=True)
class ExportConfig:
    """What `python -m keras_nhits.export` reads and writes.

    Args:
        model: run folder (`config.json` + safetensors) (required).
        output: SavedModel folder to write (required): new, empty, or one export wrote.
    """

    model: str = field(metadata={"help": "run folder (config.json + safetensors)"})
    output: str = field(metadata={"help": "SavedModel folder to write"})

    def __post_init__(self):
        check_paths(self, ("model", "output"))


def check_reader_settings(config):
    """Refuses a reader setting of `config` (`READER_DEFAULTS`' fields) that is neither None
    nor a valid text: fill and gaps among their modes, freq a step `parse_freq` reads."""
    for name in READER_DEFAULTS:
        value = getattr(config, name)
        if value is not None and not isinstance(value, str):
            raise NHITSInputError(f"{name} must be a text or None; received {value!r}")
    for name, modes in (("fill", FILL_MODES), ("gaps", GAP_MODES)):
        if getattr(config, name) is not None:
            check_choice(name, getattr(config, name), modes)
    if config.freq is not None and config.freq.strip():
        # Imported here: it loads NumPy (no backend), which a config otherwise does not.
        from keras_nhits.data.frequency import parse_freq

        parse_freq(config.freq)


def check_paths(config, names):
    """Each field in `names` holds a text (a path object is taken as its text)."""
    for name in names:
        value = getattr(config, name)
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
            object.__setattr__(config, name, value)  # frozen: the one place a field is set
        if not isinstance(value, str):
            raise NHITSInputError(f"{name} must be a path; received {value!r}")
        if "\0" in value:
            raise NHITSInputError(f"{name} must not contain a NUL character")

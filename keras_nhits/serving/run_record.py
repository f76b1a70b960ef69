"""What a trained run recorded about its data, as predict and export read it back.

A run folder's `config.json` (sections `training` and `data`) and a SavedModel's
`keras_nhits.json` carry the reader settings the model was trained with (`DATA_OPTIONS`), the
dataset-level scaler's statistics and the covariates (`keras_nhits.data.covariate_record`).
Each reader here checks the JSON types of what it takes, so a damaged or foreign record is one
line naming the file and field, never a KeyError deep in a forecast.
"""

import os

from keras_nhits.data.covariate_record import read_covariate_record
from keras_nhits.errors import NHITSInputError
from keras_nhits.options import FILL_MODES, GAP_MODES
from keras_nhits.probabilistic.levels import parse_levels, parse_quantiles
from keras_nhits.saving.json_file import read_json
from keras_nhits.saving.safetensors import CONFIG_FILE, read_config

# The reader settings a run records and predict reads data with (the keywords of `load_series`).
DATA_OPTIONS = ("target", "time_col", "id_col", "fill", "gaps", "freq")
# Written by export inside the SavedModel folder (TensorFlow ignores it): the run's data options.
EXPORT_RECORD = "keras_nhits.json"
# A record of a few settings is well under a kilobyte (a run with many series' static values
# more); a bigger file is not ours.
MAX_RECORD_BYTES = 1 << 24


def run_settings(record, source):
    """The data options and the series-scaler record (or None) of a run's `config.json`.

    The options are the run's reader flags, with the columns it resolved filling the ones left
    to detection, so that predict reads the columns the model was trained on. Raises
    `NHITSInputError` naming `source` and the field when a section has the wrong JSON type.
    """
    training = _section(record, "training", source)
    data = _section(record, "data", source)
    options = _checked_options(
        {k: training[k] for k in DATA_OPTIONS if k in training}, f"{source}: training"
    )
    columns = data.get("columns") or {}
    if not isinstance(columns, dict):
        raise NHITSInputError(
            f"{source}: data.columns must be a JSON object; received {_json_type(columns)}"
        )
    targets = columns.get("targets") or []
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise NHITSInputError(f"{source}: data.columns.targets must be a list of column names")
    resolved = {"target": ",".join(targets)}
    for name, key in (("time_col", "time"), ("id_col", "id")):
        value = columns.get(key) or ""
        if not isinstance(value, str):
            raise NHITSInputError(
                f"{source}: data.columns.{key} must be a column name; received {_json_type(value)}"
            )
        resolved[name] = value
    for name, value in resolved.items():
        if not options.get(name) and value:
            options[name] = value
    scaler = data.get("series_scaler")
    if scaler is not None and not isinstance(scaler, dict):
        raise NHITSInputError(
            f"{source}: data.series_scaler must be a JSON object; received {_json_type(scaler)}"
        )
    return options, scaler


def _section(record, name, source):
    value = record.get(name, {})
    if not isinstance(value, dict):
        raise NHITSInputError(
            f"{source}: {name!r} must be a JSON object; received {_json_type(value)}"
        )
    return value


def _checked_options(options, where):
    """`options` when every value is text and fill/gaps are known modes, else one clear line."""
    for name, value in options.items():
        if not isinstance(value, str):
            raise NHITSInputError(f"{where}.{name} must be text; received {_json_type(value)}")
    for name, modes in (("fill", FILL_MODES), ("gaps", GAP_MODES)):
        if name in options and options[name] not in modes:
            raise NHITSInputError(
                f"{where}.{name} must be one of {', '.join(modes)}; received {options[name]!r}"
            )
    return dict(options)


def _json_type(value):
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    names = {dict: "an object", list: "a list", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def run_covariates(record, source):
    """The covariate record of a run's `config.json` (`{}` for a run without covariates)."""
    return read_covariate_record(_section(record, "data", source).get("covariates"), source)


def run_levels(record, source):
    """The interval levels a run was trained with (`--level`; `()` without)."""
    value = _section(record, "training", source).get("level", [])
    return parse_levels(value, f"{source}: training.level")


def export_record(record, source, quantiles=()):
    """What export writes as `keras_nhits.json` in a SavedModel folder: the run record's data
    options, covariates and levels (none without a record) and the model's `quantiles`, the
    levels of the signature's `quantiles` output."""
    from keras_nhits import __version__

    options, covariates, levels = {}, {}, ()
    if record is not None:
        options, _ = run_settings(record, source)
        covariates, levels = run_covariates(record, source), run_levels(record, source)
    return {
        "written_by": "keras_nhits",
        "version": __version__,
        "data_options": options,
        "covariates": covariates,
        "quantiles": list(quantiles),
        "level": list(levels),
    }


def saved_model_record(folder):
    """`(options, covariates, quantiles, levels)` of the `keras_nhits.json` in a SavedModel
    folder, read once: the data options, the covariate record, the quantiles of the
    signature's `quantiles` output and the interval levels (`({}, {}, (), ())` when there is
    no such file)."""
    path = os.path.join(folder, EXPORT_RECORD)
    if not os.path.isfile(path):
        return {}, {}, (), ()
    record = read_json(path, "re-export the model", MAX_RECORD_BYTES)
    options = record.get("data_options")
    if not isinstance(options, dict):
        raise NHITSInputError(f"{path} has no 'data_options' object; re-export the model")
    options = _checked_options(
        {k: v for k, v in options.items() if k in DATA_OPTIONS}, f"{path}: data_options"
    )
    covariates = read_covariate_record(record.get("covariates"), path)
    quantiles = parse_quantiles(record.get("quantiles", []), f"{path}: quantiles")
    return options, covariates, quantiles, parse_levels(record.get("level", []), f"{path}: level")


def sibling_run_record(path):
    """`(options, covariates, levels)` of the run folder a `.keras` file sits in, its
    `config.json` read once (`({}, {}, ())` outside a run folder)."""
    folder = os.path.dirname(os.path.abspath(path))
    config = os.path.join(folder, CONFIG_FILE)
    try:
        record = read_config(folder)
    except NHITSInputError:  # no config.json, or one that is not ours: nothing to reuse
        return {}, {}, ()
    if record.get("format") != "keras_nhits":
        return {}, {}, ()
    options = run_settings(record, config)[0]
    return options, run_covariates(record, config), run_levels(record, config)

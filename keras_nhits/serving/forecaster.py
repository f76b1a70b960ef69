"""Forecasts after the end of every series: load a model, read data, continue the time index.

`load_forecaster(path)` accepts the three things a user may hold:
- a run folder (`config.json` + `model.safetensors`, read without pickle), which also carries the
  training's column settings and the dataset-level scaler statistics, if one was fitted;
- a TensorFlow SavedModel folder (as written by `python -m keras_nhits.export`), checked for
  operations our export never writes, then called through its raw-units `serving_default`
  signature; the run's column settings travel in its `keras_nhits.json`;
- a `.keras` file, loaded with `safe_mode=True` (a file carrying code is refused); inside a run
  folder, the run's column settings come from the `config.json` next to it.

Whatever was loaded, `Forecaster.data_options` holds the reader settings the model was trained
with (`DATA_OPTIONS`), so predict reads the columns the model knows, not every numeric one.

`forecast_frame(forecaster, series_set)` then forecasts the `horizon` steps after the last value
of every series, with timestamps continued at the series' own step.
"""

import dataclasses
import os

import numpy as np
import polars as pl

from keras_nhits.data import SeriesScaler, last_windows
from keras_nhits.data.splits import MAX_MODEL_VALUE
from keras_nhits.errors import NHITSInputError, first_line
from keras_nhits.options import FILL_MODES, GAP_MODES
from keras_nhits.saving.json_file import read_json
from keras_nhits.saving.safetensors import CONFIG_FILE, WEIGHTS_FILE, read_config

# The reader settings a run records and predict reads data with (the keywords of `load_series`).
DATA_OPTIONS = ("target", "time_col", "id_col", "fill", "gaps", "freq")
# Written by export inside the SavedModel folder (TensorFlow ignores it): the run's data options.
EXPORT_RECORD = "keras_nhits.json"
# A record of a few settings is well under a kilobyte; a bigger file is not ours.
MAX_RECORD_BYTES = 1 << 20


@dataclasses.dataclass
class Forecaster:
    """A loaded model as a function of raw windows, plus what the run knew about its data.

    Attributes:
        predict: callable, float32 `[n, input_size]` raw values -> `[n, horizon]` raw forecasts.
        input_size, horizon: the window shape.
        data_options: the training run's reader settings (`DATA_OPTIONS`), empty when the
            model came without a run record.
        scaler: the run's dataset-level `SeriesScaler`, or None.
        source: what was loaded, for messages.
    """

    predict: object
    input_size: int
    horizon: int
    data_options: dict
    scaler: SeriesScaler | None
    source: str


def load_forecaster(path):
    """Loads a run folder, a SavedModel folder or a `.keras` file (see the module docstring)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise NHITSInputError(f"model path {path} does not exist")
    if os.path.isdir(path) and os.path.exists(os.path.join(path, CONFIG_FILE)):
        return _from_run_folder(path)
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "saved_model.pb")):
        return _from_saved_model(path)
    if os.path.isfile(path) and path.endswith(".keras"):
        return _from_keras_file(path)
    raise NHITSInputError(
        f"{path} is not a model: expected a run folder (config.json + {WEIGHTS_FILE}), a "
        "SavedModel folder (saved_model.pb) or a .keras file"
    )


def forecast_frame(forecaster, series_set, id_col="unique_id", time_col="ds"):
    """Long-format forecasts after the end of every series: (`id_col`,) `time_col`, `forecast`.

    The id column is there when there are several series. Raises `NHITSInputError` for a
    series shorter than the model's input window or, with a dataset-level scaler, a series the
    run never saw.
    """
    windows = last_windows(series_set, forecaster.input_size)
    x = windows.x.astype(np.float32)
    which = None
    if forecaster.scaler is not None and forecaster.scaler.method != "none":
        which = _scaler_rows(forecaster.scaler, windows.ids)
        x = forecaster.scaler.transform(x.astype(np.float64), which).astype(np.float32)
    _check_range(x, windows.ids)
    y = np.asarray(forecaster.predict(x), dtype=np.float64)
    bad = ~np.isfinite(y).all(axis=1)
    if bad.any():
        raise NHITSInputError(
            f"series {windows.ids[int(np.argmax(bad))]!r}: the model's forecast is not finite; "
            "check that series' last values and the model's weights"
        )
    if which is not None:
        y = forecaster.scaler.inverse_transform(y, which)
    columns = {}
    if len(windows.ids) > 1:
        columns[id_col] = np.repeat(np.asarray(windows.ids, dtype=object), forecaster.horizon)
    times = [windows.future_times(i, forecaster.horizon) for i in range(len(windows.ids))]
    columns[time_col] = np.concatenate(times)
    # float32 is the model's precision: float64 digits beyond it would be noise.
    columns["forecast"] = pl.Series(y.reshape(-1), dtype=pl.Float32)
    return pl.DataFrame(columns)


def csv_time_format(frame, time_col):
    """The `strftime` format that writes `frame`'s time column as the data wrote its times.

    Times all at midnight are dates (`2024-01-01`), others whole seconds (`2024-01-01 13:00:00`)
    unless some carry a fraction; None for integer steps and `pl.Date` columns, which Polars
    writes as they are.
    """
    times = frame[time_col]
    if not isinstance(times.dtype, pl.Datetime):
        return None
    ticks = times.dt.epoch("us")
    if ((ticks % 86_400_000_000) == 0).all():
        return "%Y-%m-%d"
    if ((ticks % 1_000_000) == 0).all():
        return "%Y-%m-%d %H:%M:%S"
    return "%Y-%m-%d %H:%M:%S%.f"


def _check_range(x, ids):
    """Refuses last windows the float32 model cannot take (the limit training applies)."""
    peaks = np.max(np.abs(x), axis=1) if x.size else np.zeros(0)
    bad = ~(peaks <= MAX_MODEL_VALUE)  # NaN and inf included
    if bad.any():
        i = int(np.argmax(bad))
        raise NHITSInputError(
            f"series {ids[i]!r} reaches {float(peaks[i]):.3g} in its last window: beyond the "
            f"float32 model's range |x| <= {MAX_MODEL_VALUE:.0e}; rescale the target column"
        )


def _scaler_rows(scaler, ids):
    index = {name: i for i, name in enumerate(scaler.ids)}
    unknown = [name for name in ids if name not in index]
    if unknown:
        raise NHITSInputError(
            f"series {', '.join(unknown[:3])} not seen in training: the run was trained with "
            f"--series-scaler {scaler.method}, whose statistics are per series"
        )
    return np.array([index[name] for name in ids])


def _keras_forecaster(model, options, scaler, source):
    """A Forecaster calling a loaded Keras NHITS in batches."""
    return Forecaster(
        _batched(lambda x: model.predict_on_batch(x)),
        model.input_size,
        model.horizon,
        options,
        scaler,
        source,
    )


def _from_run_folder(folder):
    from keras_nhits.saving.safetensors import load_model

    options, scaler_record = run_settings(read_config(folder), os.path.join(folder, CONFIG_FILE))
    model = load_model(folder)
    scaler = SeriesScaler.from_dict(scaler_record) if scaler_record else None
    return _keras_forecaster(model, options, scaler, folder)


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


def export_record(record, source):
    """What export writes as `keras_nhits.json` in a SavedModel folder, from a run record."""
    from keras_nhits import __version__

    options, _ = run_settings(record, source)
    return {"written_by": "keras_nhits", "version": __version__, "data_options": options}


def _saved_model_options(folder):
    """The data options of `keras_nhits.json` in a SavedModel folder ({} when there is none)."""
    path = os.path.join(folder, EXPORT_RECORD)
    if not os.path.isfile(path):
        return {}
    record = read_json(path, "re-export the model", MAX_RECORD_BYTES)
    options = record.get("data_options")
    if not isinstance(options, dict):
        raise NHITSInputError(f"{path} has no 'data_options' object; re-export the model")
    return _checked_options(
        {k: v for k, v in options.items() if k in DATA_OPTIONS}, f"{path}: data_options"
    )


def _sibling_run_options(path):
    """The data options of the run folder a `.keras` file sits in ({} outside a run folder)."""
    folder = os.path.dirname(os.path.abspath(path))
    config = os.path.join(folder, CONFIG_FILE)
    try:
        record = read_config(folder)
    except NHITSInputError:  # no config.json, or one that is not ours: nothing to reuse
        return {}
    if record.get("format") != "keras_nhits":
        return {}
    return run_settings(record, config)[0]


def _from_keras_file(path):
    import keras

    import keras_nhits.models  # noqa: F401  (registers NHITS, which the file names)

    options = _sibling_run_options(path)
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises several types for damaged or unsafe files
        raise NHITSInputError(f"{path} cannot be loaded safely ({first_line(error)})") from None
    if not hasattr(model, "input_size") or not hasattr(model, "horizon"):
        raise NHITSInputError(f"{path} holds a {type(model).__name__}, not a keras_nhits model")
    return _keras_forecaster(model, options, None, path)


def _from_saved_model(folder):
    import tensorflow as tf

    from keras_nhits.config import COVARIATE_KINDS
    from keras_nhits.saving.saved_model_safety import check_saved_model

    options = _saved_model_options(folder)
    check_saved_model(folder)
    try:
        loaded = tf.saved_model.load(folder)
        serve = loaded.signatures["serving_default"]
    except Exception as error:  # TensorFlow raises many types (IndexError for cut variables)
        raise NHITSInputError(
            f"SavedModel {folder} cannot be loaded ({first_line(error)})"
        ) from None
    inputs = serve.structured_input_signature[1]
    covariates = sorted(set(inputs) & set(COVARIATE_KINDS))
    if covariates:
        # Forecasting it needs the covariates over the horizon, which predict cannot read yet.
        raise NHITSInputError(
            f"SavedModel {folder} takes covariates ({', '.join(covariates)}); predict needs "
            "--future for a model with covariates, which is not there yet: call its "
            "serving_default signature with them (see docs/serving.md)"
        )
    spec = inputs.get("history")
    if spec is None or spec.shape.rank != 2 or spec.shape[1] is None:
        raise NHITSInputError(
            f"SavedModel {folder} has no 'history' [batch, steps] input in its serving_default "
            "signature; export it with python -m keras_nhits.export"
        )
    outputs = serve.structured_outputs
    output = outputs.get("forecast") if isinstance(outputs, dict) else None
    if output is None or output.shape.rank != 2 or output.shape[1] is None:
        raise NHITSInputError(
            f"SavedModel {folder} has no 'forecast' [batch, horizon] output in its "
            "serving_default signature; export it with python -m keras_nhits.export"
        )

    def predict(x):
        return serve(history=tf.constant(x))["forecast"].numpy()

    return Forecaster(
        _batched(predict), int(spec.shape[1]), int(output.shape[1]), options, None, folder
    )


def _batched(call, batch_size=4096):
    def predict(x):
        import keras

        parts = [
            keras.ops.convert_to_numpy(call(x[i : i + batch_size]))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)

    return predict

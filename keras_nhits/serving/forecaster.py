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
with (`DATA_OPTIONS`), so predict reads the columns the model knows, not every numeric one, and
`Forecaster.covariates` the covariates it takes (`keras_nhits.data.covariate_record`). The run
records are read in `run_record.py`.

`forecast_frame(forecaster, series_set)` then forecasts the `horizon` steps after the last value
of every series, with timestamps continued at the series' own step.
"""

import dataclasses
import os

import numpy as np
import polars as pl

from keras_nhits.data import SeriesScaler, last_windows
from keras_nhits.errors import NHITSInputError, first_line
from keras_nhits.probabilistic.levels import quantile_columns
from keras_nhits.saving.safetensors import CONFIG_FILE, WEIGHTS_FILE, read_config
from keras_nhits.serving.future_values import future_values
from keras_nhits.serving.run_record import (
    DATA_OPTIONS,
    run_covariates,
    run_levels,
    run_settings,
    saved_model_record,
    sibling_run_record,
)
from keras_nhits.serving.window_forecasts import forecast_columns, window_forecasts

__all__ = [
    "DATA_OPTIONS",
    "Forecaster",
    "csv_time_format",
    "forecast_frame",
    "forecaster_from_record",
    "load_forecaster",
]


@dataclasses.dataclass
class Forecaster:
    """A loaded model as a function of raw windows, plus what the run knew about its data.

    Attributes:
        predict: callable, float32 `[n, input_size]` raw values -> `[n, horizon]` raw forecasts
            (with covariates: the model's input dict of raw values, see `NHITS`); a quantile
            model's `[n, horizon, len(quantiles)]`.
        input_size, horizon: the window shape.
        data_options: the training run's reader settings (`DATA_OPTIONS`), empty when the
            model came without a run record.
        scaler: the run's dataset-level `SeriesScaler`, or None.
        source: what was loaded, for messages.
        covariates: the run's covariate record (`keras_nhits.data.covariate_record`): the
            columns to read, the calendar features, each series' static values; `{}` for a
            model without covariates.
        quantiles: a quantile model's quantile levels (the last axis of `predict`'s output),
            `()` for a point model.
        levels: the interval levels the run was trained with (`--level`), which name the
            columns `forecast-lo-80` ...; `()` names them `forecast-q0.1` ...
    """

    predict: object
    input_size: int
    horizon: int
    data_options: dict
    scaler: SeriesScaler | None
    source: str
    covariates: dict = dataclasses.field(default_factory=dict)
    quantiles: tuple = ()
    levels: tuple = ()

    @property
    def future_columns(self):
        """The future-known columns whose horizon values a forecast needs (not the calendar)."""
        return tuple(self.covariates.get("futr_exog", ()))


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


def forecast_frame(forecaster, series_set, id_col="unique_id", time_col="ds", future=None):
    """Long-format forecasts after the end of every series: (`id_col`,) `time_col`, `forecast`,
    and for a quantile model its quantiles (`quantile_columns`: `forecast-lo-80`,
    `forecast-hi-80`, ... or `forecast-q0.1`, ...), `forecast` being the median.

    Args:
        forecaster: a loaded `Forecaster`.
        series_set: the data (`load_series`, with the covariate columns the model takes).
        id_col, time_col: the names of the output's id and time columns.
        future: for a model with future-known columns (`forecaster.future_columns`), a path or
            DataFrame of their values over the horizon: the time column, the id column when
            the data is long, the columns (see `future_values`).

    The id column is there when there are several series. Raises `NHITSInputError` for a
    series shorter than the model's input window, with a dataset-level scaler a series the
    run never saw, and for future values that are missing, extra (for a model without future
    columns) or not finite.
    """
    windows = last_windows(series_set, forecaster.input_size)
    inputs = _model_inputs(forecaster, series_set, windows, future)
    y = window_forecasts(forecaster, inputs, windows.ids)
    columns = {}
    if len(windows.ids) > 1:
        columns[id_col] = np.repeat(np.asarray(windows.ids, dtype=object), forecaster.horizon)
    columns[time_col] = windows.future_time_rows(forecaster.horizon).reshape(-1)
    columns.update(forecast_columns(forecaster, y))
    return pl.DataFrame(columns)


def check_future(forecaster, future):
    """Refuses future values for a model without future-known columns, and their absence for
    one with them, naming the columns."""
    names = forecaster.future_columns
    given = not (future is None or (isinstance(future, str) and not future))
    if given and not names:
        raise NHITSInputError(
            f"{forecaster.source} takes no future-known columns, so it reads no future file; "
            "leave out future (--future)"
        )
    if names and not given:
        raise NHITSInputError(
            f"{forecaster.source} takes the future-known columns {', '.join(names)}: pass "
            f"their values over the next {forecaster.horizon} steps with --future FILE"
        )


def _model_inputs(forecaster, series_set, windows, future):
    """The model's covariate inputs for the last windows (the plain windows without any)."""
    check_future(forecaster, future)
    if not forecaster.covariates:
        return windows.x
    ahead = None
    if forecaster.future_columns:
        ahead = future_values(
            future,
            windows,
            forecaster.horizon,
            forecaster.future_columns,
            id_col=series_set.columns.get("id"),
            time_col=series_set.columns.get("time"),
        )
    return windows.model_inputs(forecaster.horizon, ahead)


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


def _keras_forecaster(model, options, scaler, source, covariates, levels=()):
    """A Forecaster calling a loaded Keras NHITS in batches."""
    _check_counts(model.hist_exog, model.futr_exog, model.stat_exog, covariates, source)
    quantiles = tuple(getattr(model, "quantiles", ()))
    return Forecaster(
        _batched(lambda x: model.predict_on_batch(x)),
        model.input_size,
        model.horizon,
        options,
        scaler,
        source,
        covariates,
        quantiles,
        _checked_levels(levels, quantiles, source),
    )


def _checked_levels(levels, quantiles, source):
    """The run's `--level` when the model has the quantiles of those intervals, else refused
    (a record that does not belong to the model)."""
    needed = set(quantile_columns(quantiles, levels).values()) if levels else set()
    if not needed <= set(quantiles):
        raise NHITSInputError(
            f"{source}: the run record's level {list(levels)} needs quantiles the model does "
            f"not forecast ({list(quantiles)}); the record does not belong to this model"
        )
    return tuple(levels)


def _check_counts(hist, futr, stat, covariates, source):
    """The model takes the covariates its run recorded: else one line saying what is missing."""
    recorded = (
        len(covariates.get("hist_exog", ())),
        len(covariates.get("futr_exog", ())) + len(covariates.get("calendar", ())),
        len(covariates.get("stat_exog", ())),
    )
    if (hist, futr, stat) == recorded:
        return
    if not covariates:
        raise NHITSInputError(
            f"{source} takes covariates (hist_exog={hist}, futr_exog={futr}, stat_exog={stat}) "
            "but came without the run record that names their columns (config.json, or "
            "keras_nhits.json in a SavedModel); predict from the run folder, or export it with "
            "python -m keras_nhits.export --model RUN_DIR"
        )
    raise NHITSInputError(
        f"{source}: the model takes hist_exog={hist}, futr_exog={futr}, stat_exog={stat} "
        f"covariate columns but its run record names {recorded[0]}, {recorded[1]}, "
        f"{recorded[2]}; the record does not belong to this model"
    )


def _from_run_folder(folder):
    from keras_nhits.saving.safetensors import load_model

    record = read_config(folder)
    return forecaster_from_record(load_model(folder), record, folder)


def forecaster_from_record(model, record, source):
    """A `Forecaster` of a Keras NHITS and its run record (what `config.json` holds: the
    `training` and `data` sections), as a trainer holds them after fit or load.

    Raises `NHITSInputError` naming `source` for a record that is damaged or does not belong
    to the model (other covariates, levels the model has no quantiles for).
    """
    where = os.path.join(source, CONFIG_FILE) if os.path.isdir(source) else source
    options, scaler_record = run_settings(record, where)
    covariates = run_covariates(record, where)
    levels = run_levels(record, where)
    scaler = SeriesScaler.from_dict(scaler_record) if scaler_record else None
    return _keras_forecaster(model, options, scaler, source, covariates, levels)


def _from_keras_file(path):
    import keras

    import keras_nhits.models  # noqa: F401  (registers NHITS, which the file names)

    options, covariates, levels = sibling_run_record(path)
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises several types for damaged or unsafe files
        raise NHITSInputError(f"{path} cannot be loaded safely ({first_line(error)})") from None
    if not hasattr(model, "input_size") or not hasattr(model, "horizon"):
        raise NHITSInputError(f"{path} holds a {type(model).__name__}, not a keras_nhits model")
    return _keras_forecaster(model, options, None, path, covariates, levels)


def _from_saved_model(folder):
    import tensorflow as tf

    from keras_nhits.config import COVARIATE_KINDS
    from keras_nhits.saving.saved_model_safety import check_saved_model

    options, covariates, quantiles, levels = saved_model_record(folder)
    check_saved_model(folder)
    try:
        loaded = tf.saved_model.load(folder)
        serve = loaded.signatures["serving_default"]
    except Exception as error:  # TensorFlow raises many types (IndexError for cut variables)
        raise NHITSInputError(
            f"SavedModel {folder} cannot be loaded ({first_line(error)})"
        ) from None
    inputs = serve.structured_input_signature[1]
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
    counts = [_channels(inputs.get(kind)) for kind in COVARIATE_KINDS]
    _check_counts(*counts, covariates, f"SavedModel {folder}")
    _check_quantiles_output(folder, outputs, quantiles)
    key = "quantiles" if quantiles else "forecast"

    def predict(x):
        given = x if isinstance(x, dict) else {"history": x}
        return serve(**{k: tf.constant(v) for k, v in given.items()})[key].numpy()

    size, horizon = int(spec.shape[1]), int(output.shape[1])
    levels = _checked_levels(levels, quantiles, f"SavedModel {folder}")
    return Forecaster(
        _batched(predict), size, horizon, options, None, folder, covariates, quantiles, levels
    )


def _check_quantiles_output(folder, outputs, quantiles):
    """Refuses a SavedModel whose signature's `quantiles` output does not have the channels
    of the `quantiles` its `keras_nhits.json` names (both absent for a point model)."""
    output = outputs.get("quantiles")
    channels = None if output is None or output.shape.rank != 3 else output.shape[-1]
    if output is None and not quantiles:
        return
    if channels is None or channels != len(quantiles):
        raise NHITSInputError(
            f"SavedModel {folder}: its quantiles output ({channels} channels) does not match "
            f"the {len(quantiles)} quantiles of its keras_nhits.json; re-export the model "
            "with python -m keras_nhits.export"
        )


def _channels(spec):
    """The channel count of a covariate input of the signature (0 when there is none)."""
    return 0 if spec is None or spec.shape[-1] is None else int(spec.shape[-1])


def _batched(call, batch_size=4096):
    """`call` over slices of at most `batch_size` windows (of each key of a dict input)."""

    def predict(x):
        import keras

        n = len(x["history"]) if isinstance(x, dict) else len(x)
        parts = []
        for i in range(0, n, batch_size):
            part = (
                {k: v[i : i + batch_size] for k, v in x.items()}
                if isinstance(x, dict)
                else x[i : i + batch_size]
            )
            parts.append(keras.ops.convert_to_numpy(call(part)))
        return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)

    return predict

"""Forecasts after the end of every series: load a model, read data, continue the time index.

`load_forecaster(path)` accepts the three things a user may hold:
- a run folder (`config.json` + `model.safetensors`, read without pickle), which also carries the
  training's column settings and the dataset-level scaler statistics, if one was fitted;
- a TensorFlow SavedModel folder (as written by `python -m keras_nhits.export`), called through its
  raw-units `serving_default` signature;
- a `.keras` file, loaded with `safe_mode=True` (a file carrying code is refused).

`forecast_frame(forecaster, series_set)` then forecasts the `horizon` steps after the last value
of every series, with timestamps continued at the series' own step.
"""

import dataclasses
import os

import numpy as np
import polars as pl

from keras_nhits.data import SeriesScaler, last_windows
from keras_nhits.data.splits import MAX_MODEL_VALUE
from keras_nhits.errors import NHITSInputError
from keras_nhits.safetensors_io import CONFIG_FILE, WEIGHTS_FILE, read_config


@dataclasses.dataclass
class Forecaster:
    """A loaded model as a function of raw windows, plus what the run knew about its data.

    Attributes:
        predict: callable, float32 `[n, input_size]` raw values -> `[n, horizon]` raw forecasts.
        input_size, horizon: the window shape.
        data_options: the training run's reader settings (`target`, `time_col`, `id_col`,
            `fill`, `gaps`), empty when the model came without a run record.
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
    columns["forecast"] = y.reshape(-1)
    return pl.DataFrame(columns)


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


def _from_run_folder(folder):
    from keras_nhits.safetensors_io import load_model

    record = read_config(folder)
    model = load_model(folder)
    options = _run_data_options(record)
    scaler_record = record.get("data", {}).get("series_scaler")
    scaler = SeriesScaler.from_dict(scaler_record) if scaler_record else None
    return Forecaster(
        _batched(lambda x: model.predict_on_batch(x)),
        model.input_size,
        model.horizon,
        options,
        scaler,
        folder,
    )


def _run_data_options(record):
    """The reader settings of a run: its flags, with the columns it resolved filling the ones
    left to detection, so that predict reads the columns the model was trained on."""
    training = record.get("training", {})
    options = {
        k: training[k] for k in ("target", "time_col", "id_col", "fill", "gaps") if k in training
    }
    columns = record.get("data", {}).get("columns") or {}
    resolved = {
        "target": ",".join(columns.get("targets") or ()),
        "time_col": columns.get("time") or "",
        "id_col": columns.get("id") or "",
    }
    for name, value in resolved.items():
        if not options.get(name) and value:
            options[name] = value
    return options


def _from_keras_file(path):
    import keras

    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises several types for damaged or unsafe files
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NHITSInputError(f"{path} cannot be loaded safely ({reason})") from None
    if not hasattr(model, "input_size") or not hasattr(model, "horizon"):
        raise NHITSInputError(f"{path} holds a {type(model).__name__}, not a keras_nhits model")
    return Forecaster(
        _batched(lambda x: model.predict_on_batch(x)),
        model.input_size,
        model.horizon,
        {},
        None,
        path,
    )


def _from_saved_model(folder):
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(folder)
        serve = loaded.signatures["serving_default"]
    except (OSError, ValueError, KeyError, tf.errors.OpError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NHITSInputError(f"SavedModel {folder} cannot be loaded ({reason})") from None
    spec = serve.structured_input_signature[1].get("history")
    if spec is None or spec.shape.rank != 2:
        raise NHITSInputError(f"SavedModel {folder} has no 'history' [batch, steps] input")
    output = serve.structured_outputs["forecast"]

    def predict(x):
        return serve(history=tf.constant(x))["forecast"].numpy()

    return Forecaster(_batched(predict), int(spec.shape[1]), int(output.shape[1]), {}, None, folder)


def _batched(call, batch_size=4096):
    def predict(x):
        import keras

        parts = [
            keras.ops.convert_to_numpy(call(x[i : i + batch_size]))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)

    return predict

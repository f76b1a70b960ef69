"""Raw-units forecasts of given input windows through a loaded `Forecaster`, and their columns.

One path for every forecast the product serves: predict's (the last window of every series)
and the backtest's (a window at every cutoff) both come here, so both scale, check and map back
exactly the same way. The model sees each window scaled by the run's dataset-level scaler (when
the run fitted one, `--series-scaler`), its forecast is mapped back with the statistics of the
window's series, and a window beyond the float32 model's range or a forecast that is not finite
is refused naming the series, never written.
"""

import numpy as np
import polars as pl

from keras_nhits.data.splits import MAX_MODEL_VALUE
from keras_nhits.errors import NHITSInputError
from keras_nhits.probabilistic.levels import median_index, quantile_columns


def window_forecasts(forecaster, inputs, ids):
    """float64 `[n, horizon]` raw forecasts (a quantile model's `[n, horizon, Q]`).

    Args:
        forecaster: a loaded `Forecaster`.
        inputs: the raw input windows, float32 `[n, input_size]`, or with covariates the model's
            dict whose `"history"` is that array (covariates are scaled inside the model).
        ids: the series id of each window (`[n]`), which picks its scaler statistics and names
            it in errors.
    """
    is_dict = isinstance(inputs, dict)
    x = np.asarray(inputs["history"] if is_dict else inputs, dtype=np.float32)
    which = None
    scaler = forecaster.scaler
    if scaler is not None and scaler.method != "none":
        which = scaler_rows(scaler, ids)
        x = scaler.transform(x.astype(np.float64), which).astype(np.float32)
    check_range(x, ids)
    model_inputs = {**inputs, "history": x} if is_dict else x
    y = np.asarray(forecaster.predict(model_inputs), dtype=np.float64)
    bad = ~np.isfinite(y.reshape(len(y), -1)).all(axis=1)
    if bad.any():
        raise NHITSInputError(
            f"series {ids[int(np.argmax(bad))]!r}: the model's forecast is not finite; "
            "check that series' values and the model's weights"
        )
    if which is not None:
        y = scaler.inverse_transform(y, which)
    return y


def forecast_columns(forecaster, y):
    """`{name: pl.Series}` of the forecasts `y` (`window_forecasts`), flattened window-major:
    `forecast` (the point forecast, a quantile model's median) and a quantile model's
    `forecast-lo-80`, `forecast-hi-80`, ... (run trained with `--level`) or `forecast-q0.1` ...

    Float32: the model's precision (float64 digits beyond it would be noise).
    """
    if not forecaster.quantiles:
        return {"forecast": pl.Series(y.reshape(-1), dtype=pl.Float32)}
    position = {q: i for i, q in enumerate(forecaster.quantiles)}
    median = y[..., median_index(forecaster.quantiles)]
    columns = {"forecast": pl.Series(median.reshape(-1), dtype=pl.Float32)}
    for name, q in quantile_columns(forecaster.quantiles, forecaster.levels).items():
        columns[name] = pl.Series(y[..., position[q]].reshape(-1), dtype=pl.Float32)
    return columns


def median_forecasts(forecaster, y):
    """`[n, horizon]`: the point forecast of `y` (a quantile model's median)."""
    return y[..., median_index(forecaster.quantiles)] if forecaster.quantiles else y


def check_range(x, ids):
    """Refuses input windows the float32 model cannot take (the limit training applies)."""
    # max and min, not abs: no temporary copy of every window (48 MB for 100,000 series).
    peaks = np.maximum(x.max(axis=1), -x.min(axis=1)) if x.size else np.zeros(0)
    bad = ~(peaks <= MAX_MODEL_VALUE)  # NaN and inf included
    if bad.any():
        i = int(np.argmax(bad))
        raise NHITSInputError(
            f"series {ids[i]!r} reaches {float(peaks[i]):.3g} in an input window: beyond the "
            f"float32 model's range |x| <= {MAX_MODEL_VALUE:.0e}; rescale the target column"
        )


def scaler_rows(scaler, ids):
    """The row of each id in a dataset-level scaler's statistics, or one line naming the
    series the run never saw."""
    index = {name: i for i, name in enumerate(scaler.ids)}
    unknown = list(dict.fromkeys(name for name in ids if name not in index))
    if unknown:
        raise NHITSInputError(
            f"series {', '.join(map(str, unknown[:3]))} not seen in training: the run was "
            f"trained with --series-scaler {scaler.method}, whose statistics are per series"
        )
    return np.array([index[name] for name in ids], dtype=np.int64)

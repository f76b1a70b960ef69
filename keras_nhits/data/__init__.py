"""The data layer: read, check and repair series, split them, index windows, feed Keras.

    series = load_series("prices.parquet", target="close", fill="ffill")
    splits = prepare_splits(series, input_size=120, horizon=24, val_split=0.1, test_split=0.2)
    train = make_dataset(splits.series, splits.train, input_size=120, horizon=24, shuffle=True)
    print("\\n".join(series.report + splits.report))

Keyword names and meanings follow `keras_nhits.config.DataConfig`.
"""

import importlib

# Each public name and the module it lives in. The package imports them only when one is used
# (PEP 562), so `keras_nhits.data.checks` or `keras_nhits.data.frequency` load without Polars
# or TensorFlow, which the readers and the tf.data pipeline need.
_HOMES = {
    "load_series": "loader",
    "make_dataset": "pipeline",
    "SeriesScaler": "scaling",
    "SeriesSet": "series_set",
    "Splits": "splits",
    "min_length": "splits",
    "prepare_splits": "splits",
    "split_sizes": "splits",
    "future_times": "timeindex",
    "LastWindows": "windows",
    "iter_windows": "windows",
    "last_windows": "windows",
    "window_arrays": "windows",
    "window_series": "windows",
    "window_target_times": "windows",
    "window_covariates": "windows",
    "calendar_features": "calendar",
    "covariate_statistics": "covariates",
    "BusinessDay": "frequency",
    "freq_name": "frequency",
    "parse_freq": "frequency",
}


def __getattr__(name):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_HOMES])


__all__ = [
    "BusinessDay",
    "LastWindows",
    "SeriesScaler",
    "SeriesSet",
    "Splits",
    "calendar_features",
    "covariate_statistics",
    "freq_name",
    "future_times",
    "iter_windows",
    "last_windows",
    "load_series",
    "make_dataset",
    "min_length",
    "parse_freq",
    "prepare_splits",
    "split_sizes",
    "window_arrays",
    "window_covariates",
    "window_series",
    "window_target_times",
]

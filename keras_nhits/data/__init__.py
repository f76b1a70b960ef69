"""The data layer: read, check and repair series, split them, index windows, feed Keras.

    series = load_series("prices.parquet", target="close", fill="ffill")
    splits = prepare_splits(series, input_size=120, horizon=24, val_split=0.1, test_split=0.2)
    train = make_dataset(splits.series, splits.train, input_size=120, horizon=24, shuffle=True)
    print("\\n".join(series.report + splits.report))

Keyword names and meanings follow `keras_nhits.config.DataConfig`.
"""

from keras_nhits.data.loader import load_series
from keras_nhits.data.pipeline import make_dataset
from keras_nhits.data.scaling import SeriesScaler
from keras_nhits.data.series_set import SeriesSet
from keras_nhits.data.splits import Splits, min_length, prepare_splits, split_sizes
from keras_nhits.data.timeindex import future_times
from keras_nhits.data.windows import (
    LastWindows,
    iter_windows,
    last_windows,
    window_arrays,
    window_series,
    window_target_times,
)
from keras_nhits.frequency import BusinessDay, freq_name, parse_freq

__all__ = [
    "BusinessDay",
    "LastWindows",
    "SeriesScaler",
    "SeriesSet",
    "Splits",
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
    "window_series",
    "window_target_times",
]

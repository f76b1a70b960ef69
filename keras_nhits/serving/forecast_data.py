"""Reading data for a loaded model: the columns and reader settings its run was trained with.

Predict, `NHITSTrainer.predict` and the backtest all read a user's data this way, so a model
sees the target, covariate and static columns it knows (not every numeric column of the file),
with the run's fill, gap and frequency settings unless the caller overrides them.
"""

from keras_nhits.data import load_series
from keras_nhits.data.covariate_record import reader_covariates, with_recorded_static
from keras_nhits.serving.config import READER_DEFAULTS


def forecast_reader_options(forecaster, **overrides):
    """The `load_series` keywords for `forecaster`'s data: each override that is not None,
    else the run's setting, else the reader's default."""
    options = {**READER_DEFAULTS, **forecaster.data_options}
    options.update({k: v for k, v in overrides.items() if v is not None})
    return options


def load_forecast_data(forecaster, data, options=None):
    """The `SeriesSet` of `data` (a path, Polars/pandas DataFrame or array) as `forecaster`
    reads it: `options` (default `forecast_reader_options(forecaster)`), the run's covariate
    columns, and the static values the run recorded for each series.

    Raises `NHITSInputError` for data the reader refuses, and for a series the run has no
    static values for.
    """
    if options is None:
        options = forecast_reader_options(forecaster)
    series = load_series(data, **options, **reader_covariates(forecaster.covariates))
    return with_recorded_static(series, forecaster.covariates)

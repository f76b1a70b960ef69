"""Evaluation windows with covariates: the forecast at an origin reads the historical covariates
up to the origin only and the future-known ones over the horizon (no leakage, and the future is
really used), through the same `predict_windows` the trainer's test metrics come from."""

import dataclasses

import numpy as np
import pytest

from keras_nhits import NHITS
from keras_nhits.data import covariate_statistics, load_series, prepare_splits
from keras_nhits.training.evaluation import predict_windows
from tests.cli.test_covariate_runs import covariate_frame

L, H = 24, 6


@pytest.fixture(scope="module")
def setup():
    series = load_series(covariate_frame(), hist_exog="load", futr_exog="temp", calendar="hour")
    splits = prepare_splits(series, input_size=L, horizon=H, val_split=0.1, test_split=0.2)
    model = NHITS(input_size=L, horizon=H, hidden_size=16, **series.covariate_counts())
    model.set_covariate_statistics(**covariate_statistics(splits))
    return series, splits, model


def _forecast(model, splits, series, start):
    """The raw forecast of the window at `start`, the model seeing `series` (no series scaler:
    the scaled and raw series are the same)."""
    splits = dataclasses.replace(splits, series=series)
    return predict_windows(model, splits, series, np.array([start])).forecasts[0]


def _changed(series, kind, rows, delta):
    """`series` with `delta` added to its `kind` covariates at `rows`."""
    array = getattr(series, kind).copy()
    array[rows] += delta
    return series.replace(**{kind: array})


def test_historical_covariates_after_the_origin_do_not_change_the_forecast(setup):
    series, splits, model = setup
    start = int(splits.test[0])
    base = _forecast(model, splits, series, start)
    after = np.arange(start + L, len(series.values))  # from the first forecast step on
    changed = _changed(series, "hist_exog", after, 100.0)
    np.testing.assert_array_equal(_forecast(model, splits, changed, start), base)
    before = np.arange(start, start + L)  # the input window: the model does read it
    moved = _changed(series, "hist_exog", before, 5.0)
    assert np.abs(_forecast(model, splits, moved, start) - base).max() > 1e-4


def test_future_covariates_over_the_horizon_change_the_forecast(setup):
    series, splits, model = setup
    start = int(splits.test[0])
    base = _forecast(model, splits, series, start)
    horizon = np.arange(start + L, start + L + H)
    moved = _changed(series, "futr_exog", horizon, 5.0)
    assert np.abs(_forecast(model, splits, moved, start) - base).max() > 1e-4
    beyond = np.arange(start + L + H, len(series.values))  # after the horizon: unread
    later = _changed(series, "futr_exog", beyond, 100.0)
    np.testing.assert_array_equal(_forecast(model, splits, later, start), base)

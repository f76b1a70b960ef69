"""The test split scored batch by batch (`evaluate_test`) gives the numbers of every window held
at once (`predict_windows`, then `forecast_metrics` and `probabilistic_metrics`), keeps only the
windows asked for, and holds no window beyond its batch: checked on every backend with a small
untrained model (the numbers need not be good, only the same)."""

import dataclasses

import numpy as np
import pytest

from keras_nhits import NHITS
from keras_nhits.data import load_series, prepare_splits, window_series
from keras_nhits.probabilistic.scores import probabilistic_metrics
from keras_nhits.training import evaluation
from keras_nhits.training.evaluation import evaluate_test, predict_windows, training_scale
from keras_nhits.training.interval_evaluation import IntervalScores
from keras_nhits.training.metrics import forecast_metrics, naive_forecast
from tests.synthetic import seasonal_frame

L, H = 24, 6


def _close(actual, expected):
    """Two JSON-ready metric dicts are equal to float64 rounding (None where undefined)."""
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, dict):
            _close(actual[key], value)
        elif value is None:
            assert actual[key] is None, key
        else:
            assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.fixture(scope="module")
def panel():
    # Three series of different lengths and levels: their test windows span batch boundaries.
    frame = seasonal_frame(n_series=3, steps=900, scale=20.0)
    raw = load_series(
        frame.filter(~((frame["unique_id"] == "s1") & (frame["ds"] < frame["ds"][300])))
    )
    splits = prepare_splits(raw, input_size=L, horizon=H, val_split=0.2, test_split=0.5)
    assert len(splits.test) > 1024  # more than one batch
    return raw, splits


def test_the_streamed_scores_equal_those_of_every_window_at_once(panel):
    raw, splits = panel
    model = NHITS(input_size=L, horizon=H, hidden_size=16)
    season = 24
    drawn = [5, len(splits.test) - 1, 1030]
    result = evaluate_test(model, splits, raw, splits.test, season, keep=drawn)
    everything = predict_windows(model, splits, raw, splits.test)
    scale = training_scale(raw, splits, season)
    _close(result.test, forecast_metrics(everything.actual, everything.forecasts, scale))
    naive = naive_forecast(everything.inputs, H)
    _close(result.baselines["naive"], forecast_metrics(everything.actual, naive, scale))
    assert set(result.baselines) == {"naive", "seasonal_naive"}
    which = window_series(raw, splits.test)
    assert list(result.test_per_series) == raw.ids
    for i, name in enumerate(raw.ids):
        rows = which == i
        own = training_scale(raw, splits, season, series=[i])
        expected = forecast_metrics(everything.actual[rows], everything.forecasts[rows], own)
        _close(result.test_per_series[name], expected)
        expected = forecast_metrics(everything.actual[rows], naive[rows], own)
        _close(result.baselines_per_series[name]["naive"], expected)
    # The kept windows are exactly the ones asked for, in the order of the split.
    np.testing.assert_array_equal(result.kept_starts, splits.test[sorted(drawn)])
    np.testing.assert_array_equal(result.kept.forecasts, everything.forecasts[sorted(drawn)])
    np.testing.assert_array_equal(result.kept.inputs, everything.inputs[sorted(drawn)])
    assert result.probabilistic is None and result.kept.quantiles is None


def test_a_quantile_model_streams_its_probabilistic_scores(panel):
    raw, splits = panel
    quantiles = (0.1, 0.5, 0.9)
    model = NHITS(input_size=L, horizon=H, hidden_size=16, quantiles=quantiles)
    intervals = IntervalScores(model, splits, raw, 24)
    result = evaluate_test(model, splits, raw, splits.test, 24, keep=[3], intervals=intervals)
    everything = predict_windows(model, splits, raw, splits.test)
    record = result.probabilistic
    assert record["quantiles"] == list(quantiles) and record["levels"] == [80]
    _close(
        record["test"], probabilistic_metrics(everything.actual, everything.quantiles, quantiles)
    )
    # The baseline: seasonal naive plus the validation errors' quantiles, on every test window.
    offsets = intervals._offsets
    point = everything.inputs[:, L - 24 + np.arange(H) % 24]
    bands = point[:, :, None] + offsets[None]
    expected = probabilistic_metrics(everything.actual, bands, quantiles)
    _close(record["baselines"]["seasonal_naive"], expected)
    np.testing.assert_array_equal(result.kept.quantiles, everything.quantiles[[3]])


def test_no_window_outlives_its_batch(panel, monkeypatch):
    """Every array the scoring sees is one batch: the split is never concatenated."""
    raw, splits = panel
    model = NHITS(input_size=L, horizon=H, hidden_size=16)
    seen = []
    original = evaluation.forecast_batches

    def spy(*args, **kwargs):
        for begin, which, batch in original(*args, **kwargs):
            seen.append(len(batch.actual))
            yield begin, which, batch

    monkeypatch.setattr(evaluation, "forecast_batches", spy)
    monkeypatch.setattr(evaluation, "_concatenate", _refuse_all_windows(len(splits.test)))
    result = evaluate_test(model, splits, raw, splits.test, 24, keep=[0])
    assert sum(seen) == len(splits.test) and max(seen) <= 1024 and len(seen) > 1
    assert result.test["mae"] is not None


def _refuse_all_windows(n_windows):
    original = evaluation._concatenate

    def concatenate(parts, *args):
        assert sum(len(p.actual) for p in parts) < n_windows, "the whole split was held"
        return original(parts, *args)

    return concatenate


@pytest.mark.parametrize("mode", ["point", "quantiles"])
def test_conformal_calibration_from_streamed_scores_equals_the_whole_split(panel, mode):
    from keras_nhits.probabilistic.conformal import (
        conformal_offsets,
        conformal_scores,
        interval_conformal_scores,
        window_scale,
    )
    from keras_nhits.training.conformal_calibration import calibrate

    raw, splits = panel
    quantiles = (0.05, 0.1, 0.5, 0.9, 0.95) if mode == "quantiles" else ()
    model = NHITS(input_size=L, horizon=H, hidden_size=16, quantiles=quantiles, conformal=(80, 90))
    # The test windows stand in for the validation ones: more than one batch of them.
    splits = dataclasses.replace(splits, val=splits.test)
    assert len(splits.val) > 1024
    record = calibrate(model, splits, raw, mode)
    model.set_conformal_offsets(np.zeros((H, 2)))
    everything = predict_windows(model, splits, raw, splits.val)
    scale = window_scale(everything.inputs)
    if mode == "point":
        expected = conformal_offsets(
            conformal_scores(everything.actual, everything.forecasts, scale), (80, 90)
        )
    else:
        bands = {80: (1, 3), 90: (0, 4)}
        expected = np.stack(
            [
                conformal_offsets(
                    interval_conformal_scores(
                        everything.actual,
                        everything.quantiles[..., bands[level][0]],
                        everything.quantiles[..., bands[level][1]],
                        scale,
                    ),
                    (level,),
                )[:, 0]
                for level in (80, 90)
            ],
            axis=-1,
        )
    assert record["windows"] == len(splits.val)
    np.testing.assert_allclose(record["offsets"]["80"], expected[:, 0], rtol=1e-12)
    np.testing.assert_allclose(record["offsets"]["90"], expected[:, 1], rtol=1e-12)

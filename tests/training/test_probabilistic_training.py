"""Probabilistic runs through `NHITSTrainer` (what `train` runs), on every backend: conformal
intervals reach their nominal coverage on a series with known noise, the quantile head trains
and is scored, and calibration uses the validation windows only."""

import numpy as np
import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.training.trainer import NHITSTrainer
from tests.synthetic import seasonal_frame

SMALL = {"input_size": 24, "horizon": 6, "hidden_size": 16, "quiet": True}


def _fit(tmp_path, frame, **settings):
    data = tmp_path / "series.csv"
    frame.write_csv(data)
    config = {**SMALL, "output": str(tmp_path / "run"), **settings}
    return NHITSTrainer(log=lambda line: None, **config).fit(str(data))


@pytest.mark.parametrize("mode", ["point", "quantiles"])
def test_conformal_intervals_reach_their_nominal_coverage_on_known_noise(tmp_path, mode):
    # A daily cycle plus Gaussian noise of std 1: whatever the model learns, the calibrated
    # intervals must cover about 80 % and 90 % of test points it never saw.
    frame = seasonal_frame(1, 3000, noise=1.0)
    result = _fit(
        tmp_path, frame, level=(80, 90), conformal=mode, epochs=3, windows_per_epoch=1024,
        val_split=0.2, test_split=0.2,
    )  # fmt: skip
    record = result.metrics["probabilistic"]
    assert record["conformal"]["mode"] == mode
    assert record["conformal"]["windows"] == result.metrics["windows"]["val"]
    for level in (80, 90):
        coverage = record["test"]["intervals"][str(level)]["coverage"]
        # ~600 test windows x 6 steps, correlated along the series: a few points of sampling
        # error; an uncalibrated interval (width 0) would cover 0 %.
        assert abs(coverage - level / 100) < 0.06, (level, coverage)
    offsets = np.array(record["conformal"]["offsets"]["90"])
    assert offsets.shape == (6,) and np.all(np.isfinite(offsets))


def test_a_quantile_head_trains_and_its_median_is_the_point_forecast(tmp_path):
    result = _fit(tmp_path, seasonal_frame(2, 400), quantiles=(0.1, 0.9), epochs=2)
    model, metrics = result
    assert model.quantiles == (0.1, 0.5, 0.9) and model.quantile_head is not None
    record = metrics["probabilistic"]
    assert record["levels"] == [80]
    assert set(record["baselines"]) == {"seasonal_naive"}
    np.testing.assert_allclose(record["test"]["pinball"]["0.5"], metrics["test"]["mae"] / 2)
    assert np.isfinite(metrics["history"][-1]["loss"])


def test_a_validation_split_too_small_to_calibrate_is_refused_before_training(tmp_path):
    frame = seasonal_frame(1, 200)
    with pytest.raises(NHITSInputError, match="at least 9 validation windows for the 90 %"):
        _fit(tmp_path, frame, level=(90,), conformal="point", val_split=10)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("loss", ["normal", "studentt"])
def test_a_parametric_head_trains_by_likelihood_and_is_scored(tmp_path, loss):
    result = _fit(tmp_path, seasonal_frame(2, 400, noise=0.5), level=(80,), loss=loss, epochs=2)
    model, metrics = result
    assert model.model_config.distribution == loss and model.quantiles == (0.1, 0.5, 0.9)
    assert np.isfinite(metrics["history"][-1]["loss"])
    intervals = metrics["probabilistic"]["test"]["intervals"]["80"]
    assert 0 < intervals["coverage"] <= 1 and intervals["width"] > 0

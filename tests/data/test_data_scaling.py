"""Series scaling: statistics from the training part only, invertible, serialisable."""

import json

import numpy as np
import pytest

from keras_nhits import NHITSInputError
from keras_nhits.data import SeriesScaler, load_series, prepare_splits


def _two_series():
    # Series 0: 0..99; series 1: constant training part, then a jump in val/test.
    return load_series(np.stack([np.arange(100.0), np.r_[np.full(70, 5.0), np.arange(30.0)]], 1))


@pytest.mark.parametrize(
    "method, shift, scale",
    [
        ("standard", lambda t: t.mean(), lambda t: t.std()),
        ("robust", np.median, lambda t: np.percentile(t, 75) - np.percentile(t, 25)),
        ("minmax", lambda t: t.min(), lambda t: t.max() - t.min()),
    ],
)
def test_statistics_come_from_the_training_part_only(method, shift, scale):
    series = _two_series()
    splits = prepare_splits(series, input_size=8, horizon=4, series_scaler=method)
    train = np.arange(70.0)  # n_train = 70 of 100 steps
    assert splits.scaler.shift[0] == pytest.approx(shift(train))
    assert splits.scaler.scale[0] == pytest.approx(scale(train))
    expected = (np.arange(100.0) - shift(train)) / scale(train)
    np.testing.assert_allclose(splits.series.series_values(0), expected, rtol=1e-6)
    # The loaded values are not modified; the splits hold a scaled copy.
    np.testing.assert_array_equal(series.series_values(0), np.arange(100.0))


def test_constant_training_part_keeps_scale_one():
    splits = prepare_splits(_two_series(), input_size=8, horizon=4, series_scaler="standard")
    assert splits.scaler.scale[1] == 1.0 and splits.scaler.shift[1] == 5.0
    assert np.all(np.isfinite(splits.series.values))
    assert any("constant training values" in line for line in splits.report)


def test_inverse_transform_and_round_trip_through_json():
    splits = prepare_splits(_two_series(), input_size=8, horizon=4, series_scaler="robust")
    scaler = SeriesScaler.from_dict(json.loads(json.dumps(splits.scaler.to_dict())))
    forecasts = splits.series.values[None, :4].repeat(2, axis=0)  # [2, 4]
    raw = scaler.inverse_transform(forecasts, [0, 0])
    np.testing.assert_allclose(raw, np.arange(4.0)[None].repeat(2, axis=0), atol=1e-5)
    np.testing.assert_allclose(scaler.transform(raw, 0), forecasts, atol=1e-6)
    assert scaler.ids == ["y_0", "y_1"] and scaler.method == "robust"


def test_no_scaling_shares_the_values():
    series = _two_series()
    splits = prepare_splits(series, input_size=8, horizon=4)
    assert splits.series is series and splits.scaler.method == "none"


def test_an_unknown_method_is_refused_with_the_config_wording():
    with pytest.raises(NHITSInputError) as caught:
        SeriesScaler("log", shift=[0.0], scale=[1.0])
    assert str(caught.value) == (
        "series_scaler must be one of none, standard, robust, minmax; received 'log'"
    )
    with pytest.raises(NHITSInputError, match="series_scaler must be one of"):
        SeriesScaler.from_dict({"method": None, "shift": [0.0], "scale": [1.0]})

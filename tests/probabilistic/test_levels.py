import pytest

from keras_nhits.errors import NHITSInputError
from keras_nhits.probabilistic.levels import (
    level_quantiles,
    median_index,
    parse_levels,
    parse_quantiles,
    quantile_columns,
)


@pytest.mark.parametrize(
    "given,expected",
    [
        ("0.1,0.9", (0.1, 0.5, 0.9)),  # the median is added
        ("0.9, 0.5 ,0.1", (0.1, 0.5, 0.9)),  # sorted
        ([0.25], (0.25, 0.5)),
        ((), ()),
        ("", ()),
    ],
)
def test_quantiles_are_sorted_with_the_median(given, expected):
    assert parse_quantiles(given) == expected


@pytest.mark.parametrize(
    "given,message",
    [
        ("1.2", "quantiles must be > 0.0 and below 1.0; received 1.2"),
        ("0", "quantiles must be > 0.0"),
        ("0.1,0.1", "lists 0.1 twice"),
        ("a,b", "comma-separated numbers"),
        ([0.1, "x"], "must be a number"),
        (0.5, "must be a list of numbers"),
        ("nan", "finite"),
    ],
)
def test_bad_quantiles_are_refused_by_name(given, message):
    with pytest.raises(NHITSInputError, match=message):
        parse_quantiles(given)


@pytest.mark.parametrize(
    "given,message",
    [("0", "level must be > 0.0"), ("100", "below 100"), ("80,80", "twice"), ("-5", "> 0.0")],
)
def test_bad_levels_are_refused_by_name(given, message):
    with pytest.raises(NHITSInputError, match=message):
        parse_levels(given)


def test_levels_become_the_quantiles_of_central_intervals():
    assert level_quantiles(parse_levels("90,80")) == (0.05, 0.1, 0.5, 0.9, 0.95)
    assert level_quantiles((95,)) == (0.025, 0.5, 0.975)
    assert level_quantiles(()) == ()


def test_columns_follow_the_convention_the_run_was_trained_with():
    quantiles = level_quantiles((80, 90))
    assert quantile_columns(quantiles, (80, 90)) == {
        "forecast-lo-90": 0.05,
        "forecast-lo-80": 0.1,
        "forecast-hi-80": 0.9,
        "forecast-hi-90": 0.95,
    }
    assert quantile_columns((0.1, 0.5, 0.9)) == {"forecast-q0.1": 0.1, "forecast-q0.9": 0.9}
    assert quantile_columns((0.025, 0.5)) == {"forecast-q0.025": 0.025}
    assert median_index((0.1, 0.5, 0.9)) == 1

import math
from statistics import NormalDist

import pytest

from keras_nhits.probabilistic.distributions import (
    incomplete_beta,
    log_density_constant,
    standard_quantiles,
    studentt_cdf,
    studentt_quantile,
)


@pytest.mark.parametrize(
    "q,df,expected",
    [
        (0.9, 4.0, 1.5332062741),  # printed t tables
        (0.95, 4.0, 2.1318467863),
        (0.975, 4.0, 2.7764451052),
        (0.975, 30.0, 2.0422724563),
        (0.9, 1.0, math.tan(0.4 * math.pi)),  # Cauchy: closed form
        (0.75, 2.0, 0.5 / math.sqrt(2 * 0.75 * 0.25)),  # df 2: (2q - 1) / sqrt(2q(1 - q))
    ],
)
def test_studentt_quantiles_match_known_values(q, df, expected):
    assert studentt_quantile(q, df) == pytest.approx(expected, rel=1e-9)
    assert studentt_quantile(1 - q, df) == pytest.approx(-expected, rel=1e-9)


def test_the_cdf_inverts_the_quantile_and_approaches_the_normal():
    for q in (0.01, 0.1, 0.3, 0.5, 0.8, 0.99):
        assert studentt_cdf(studentt_quantile(q, 4.0), 4.0) == pytest.approx(q, abs=1e-12)
    assert studentt_quantile(0.9, 1e6) == pytest.approx(NormalDist().inv_cdf(0.9), rel=1e-5)


def test_incomplete_beta_against_closed_forms():
    for x in (0.0, 0.2, 0.5, 0.9, 1.0):
        assert incomplete_beta(1.0, 1.0, x) == pytest.approx(x)  # uniform
        assert incomplete_beta(2.0, 1.0, x) == pytest.approx(x * x)
        assert incomplete_beta(1.0, 3.0, x) == pytest.approx(1 - (1 - x) ** 3)


def test_standard_quantiles_and_density_constants():
    assert standard_quantiles("normal", (0.5,)) == (0.0,)
    z = standard_quantiles("studentt", (0.05, 0.5, 0.95))
    assert z[0] == -z[2] and z[2] > NormalDist().inv_cdf(0.95)  # heavier tails
    assert log_density_constant("normal") == pytest.approx(-0.5 * math.log(2 * math.pi))
    # Student's t with df 1 is the Cauchy: density 1 / pi at 0.
    assert log_density_constant("studentt", 1.0) == pytest.approx(-math.log(math.pi))

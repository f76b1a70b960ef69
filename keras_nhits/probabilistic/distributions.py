"""The quantile functions of the parametric heads, in plain Python: normal and Student's t.

A parametric model (`--loss normal|studentt`) forecasts a location `mu` and a scale `sigma`
per horizon step; its quantile at level `tau` is `mu + sigma * z(tau)`, with `z` the standard
distribution's quantile. `z` depends on nothing the model learns, so it is computed once here,
when the model is built, and the graph multiplies by constants: closed form, no sampling.

Student's t keeps its degrees of freedom fixed (`STUDENTT_DF`, heavier tails than the normal):
with a learned `df` the quantile function would have to be computed in the graph, where it has
no closed form. Its CDF comes from the regularized incomplete beta function (a continued
fraction, Lentz's method as in Press et al., "Numerical Recipes", 3rd ed., section 6.4), and
the quantile by bisection on it.
"""

import functools
import math
from statistics import NormalDist

DISTRIBUTIONS = ("normal", "studentt")
STUDENTT_DF = 4.0


def standard_quantiles(distribution, quantiles, df=STUDENTT_DF):
    """`z(tau)` of the standard `distribution` for each quantile level, as a tuple of floats."""
    if distribution == "normal":
        return tuple(NormalDist().inv_cdf(q) for q in quantiles)
    return tuple(studentt_quantile(q, df) for q in quantiles)


def log_density_constant(distribution, df=STUDENTT_DF):
    """The log-density's constant: `-log sqrt(2 pi)` (normal); `lgamma((df + 1) / 2) -
    lgamma(df / 2) - log sqrt(df pi)` (Student's t)."""
    if distribution == "normal":
        return -0.5 * math.log(2.0 * math.pi)
    return math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)


@functools.lru_cache(maxsize=256)
def studentt_quantile(q, df):
    """The `q` quantile of Student's t with `df` degrees of freedom (to about 1e-12)."""
    if q == 0.5:
        return 0.0
    if q < 0.5:
        return -studentt_quantile(1.0 - q, df)
    low, high = 0.0, 1.0
    while studentt_cdf(high, df) < q:
        high *= 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if studentt_cdf(middle, df) < q:
            low = middle
        else:
            high = middle
        if high - low < 1e-13 * max(1.0, high):
            break
    return 0.5 * (low + high)


def studentt_cdf(t, df):
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def incomplete_beta(a, b, x):
    """The regularized incomplete beta function I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a, b, x, tiny=1e-300):
    """The continued fraction of I_x(a, b), evaluated by the modified Lentz method."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return result

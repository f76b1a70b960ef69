"""The prediction intervals forecast.png shades, from a quantile model's test forecasts."""

from keras_nhits.probabilistic.levels import level_bounds
from keras_nhits.probabilistic.scores import interval_levels


def interval_bands(quantiles, model_quantiles, levels=()):
    """`[(label, lower, upper), ...]`, widest interval first, for `plot_forecasts(bands=...)`.

    Args:
        quantiles: `[n, H, Q]` forecasts of the model's quantiles, in raw units.
        model_quantiles: the model's quantile levels (the last axis).
        levels: the run's `--level`; default the central intervals the quantiles make.
    """
    index = {round(q, 10): i for i, q in enumerate(model_quantiles)}
    bands = []
    for level in sorted(tuple(levels) or interval_levels(model_quantiles), reverse=True):
        low, high = (index[q] for q in level_bounds(level))
        bands.append((f"{level:g} %", quantiles[..., low], quantiles[..., high]))
    return bands

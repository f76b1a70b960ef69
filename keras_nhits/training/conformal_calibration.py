"""Calibrates a trained model's conformal intervals on the validation windows, never the test.

After training (the best weights restored), the model forecasts every validation window with
its offsets at 0; the scores of those windows (`keras_nhits.probabilistic.conformal`) give
one offset per horizon step and level, which are stored in the model's `ConformalIntervals`
weights: predict, the `.keras` file, the safetensors and the SavedModel all apply them.

- `--conformal point`: scores `|y - ŷ| / s` of the point forecast (split conformal);
- `--conformal quantiles`: scores `max(lo - y, y - hi) / s` of the head's interval of each
  level (conformalized quantile regression).

Early stopping chose the epoch on the same windows, so the coverage guarantee is that of
windows exchangeable with validation ones up to that one choice; the test split, which
neither saw, is where `metrics.json` reports the coverage reached.
"""

import numpy as np

from keras_nhits.errors import NHITSInputError
from keras_nhits.probabilistic.conformal import (
    conformal_offsets,
    conformal_scores,
    interval_conformal_scores,
    min_calibration_windows,
    window_scale,
)
from keras_nhits.probabilistic.levels import level_bounds, level_text
from keras_nhits.training.evaluation import forecast_batches


def check_calibration_windows(levels, n_windows):
    """Refuses, before training, a validation split too small to calibrate every level."""
    for level in levels:
        needed = min_calibration_windows(level)
        if n_windows < needed:
            raise NHITSInputError(
                f"--conformal needs at least {needed} validation windows for the "
                f"{level_text(level)} % interval; the validation split has {n_windows}: "
                "raise --val-split"
            )


def calibrate(model, splits, raw_series, mode):
    """Sets `model`'s conformal offsets from the validation windows; returns the record
    `metrics.json` keeps (`mode`, `levels`, `windows`, the offsets per level).

    The windows are forecast batch by batch and only their scores are kept (`[N, H]` a level,
    or one array for `point`): the offsets are order statistics of every score, but a window's
    input and forecasts are not needed once it is scored.
    """
    levels = model.conformal
    model.set_conformal_offsets(np.zeros((model.horizon, len(levels))))
    position = {q: i for i, q in enumerate(model.quantiles)}
    parts = []
    for _, _, batch in forecast_batches(model, splits, raw_series, splits.val):
        scale = window_scale(batch.inputs)
        if mode == "point":
            parts.append([conformal_scores(batch.actual, batch.forecasts, scale)])
            continue
        bounds = [[position[q] for q in level_bounds(level)] for level in levels]
        parts.append(
            [
                interval_conformal_scores(
                    batch.actual, batch.quantiles[..., low], batch.quantiles[..., high], scale
                )
                for low, high in bounds
            ]
        )
    scores = [np.concatenate(column) for column in zip(*parts)]
    if mode == "point":
        offsets = conformal_offsets(scores[0], levels)
    else:
        columns = [conformal_offsets(s, (level,))[:, 0] for s, level in zip(scores, levels)]
        offsets = np.stack(columns, axis=-1)
    model.set_conformal_offsets(offsets)
    return {
        "mode": mode,
        "levels": list(levels),
        "windows": len(scores[0]),
        "offsets": {level_text(lv): offsets[:, k].tolist() for k, lv in enumerate(levels)},
    }

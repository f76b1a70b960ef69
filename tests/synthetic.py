"""The one builder of synthetic seasonal series for the tests (nothing is downloaded).

Hourly long-format frames `unique_id, ds, y`: series i is a level of `10 * (i + 1)` with a daily
cycle of amplitude 3 (shifted by `phase * i` hours) and Gaussian noise, times `scale`. Small
enough to train a tiny model in seconds, regular enough that it beats the naive baselines.
"""

import numpy as np
import polars as pl

START = np.datetime64("2024-01-01T00:00", "us")
HOUR = np.timedelta64(1, "h")


def seasonal_frame(n_series=2, steps=600, noise=0.1, seed=0, scale=1.0, prefix="s", phase=5):
    """`n_series` hourly series of `steps` rows each, ids `f"{prefix}{i}"`, from `START`."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    frames = []
    for i in range(n_series):
        cycle = 3 * np.sin(2 * np.pi * (t + phase * i) / 24)
        y = (10 * (i + 1) + cycle + rng.normal(0, noise, steps)) * scale
        frames.append(
            pl.DataFrame({"unique_id": [f"{prefix}{i}"] * steps, "ds": START + t * HOUR, "y": y})
        )
    return pl.concat(frames)

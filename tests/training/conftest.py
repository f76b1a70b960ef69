import numpy as np
import polars as pl
import pytest

from keras_nhits import NHITSTrainingConfig

TINY_RUN = {
    "input_size": 48,
    "horizon": 12,
    "hidden_size": 16,
    "batch_size": 64,
    "windows_per_epoch": 512,
    "quiet": True,
}


def seasonal_frame(n_series=2, steps=600, noise=0.1, seed=0):
    """Long-format hourly series: a daily cycle on a level, plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    frames = []
    for i in range(n_series):
        y = 10 * (i + 1) + 3 * np.sin(2 * np.pi * (t + 5 * i) / 24) + rng.normal(0, noise, steps)
        frames.append(
            pl.DataFrame(
                {
                    "unique_id": [f"s{i}"] * steps,
                    "ds": pl.datetime_range(
                        pl.datetime(2024, 1, 1),
                        pl.datetime(2024, 1, 1) + pl.duration(hours=steps - 1),
                        "1h",
                        eager=True,
                    ),
                    "y": y,
                }
            )
        )
    return pl.concat(frames)


@pytest.fixture
def sample_csv(tmp_path):
    path = tmp_path / "series.csv"
    seasonal_frame().write_csv(path)
    return path


@pytest.fixture
def tiny_config(tmp_path):
    def make(**overrides):
        values = {**TINY_RUN, "output": str(tmp_path / "run"), **overrides}
        return NHITSTrainingConfig(**values)

    return make

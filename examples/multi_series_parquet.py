"""Many series in one long-format Parquet file (unique_id, ds, y), one global model.

python examples/multi_series_parquet.py [WORKDIR]
"""

import pathlib
import sys
import tempfile

import numpy as np
import polars as pl

from keras_nhits import NHITSTrainer, NHITSTrainingConfig


def write_panel(path, n_series=20, steps=800, seed=2):
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    frames = []
    for i in range(n_series):
        level, amplitude, phase = rng.uniform(10, 1000), rng.uniform(1, 20), rng.uniform(0, 24)
        y = level + amplitude * np.sin(2 * np.pi * (t + phase) / 24) + rng.normal(0, 1, steps)
        frames.append(pl.DataFrame({"unique_id": f"meter_{i:02d}", "ds": t, "y": y}))
    pl.concat(frames).write_parquet(path)


def main():
    workdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    workdir.mkdir(parents=True, exist_ok=True)
    write_panel(workdir / "meters.parquet")
    config = NHITSTrainingConfig(
        data=str(workdir / "meters.parquet"),
        input_size=72,
        horizon=24,
        hidden_size=64,
        epochs=4,
        windows_per_epoch=4096,
        season_length=24,
        quiet=True,
        overwrite=True,
        output=str(workdir / "run"),
    )
    _, metrics = NHITSTrainer(config).fit()
    print(
        f"{metrics['n_series']} series; test MAE {metrics['test']['mae']:.3f}, "
        f"seasonal naive {metrics['baselines']['seasonal_naive']['mae']:.3f}"
    )


if __name__ == "__main__":
    main()

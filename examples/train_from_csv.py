"""Train from a CSV file with the command-line tool, then read the run's metrics.

Writes a small hourly CSV (a daily cycle on a drifting level), trains on it with
`python -m keras_nhits.train`, and prints the test error next to the naive forecast.

    python examples/train_from_csv.py [WORKDIR]
"""

import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import polars as pl


def write_csv(path, steps=3000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    load = 100 + np.cumsum(rng.normal(0, 0.2, steps)) + 10 * np.sin(2 * np.pi * t / 24)
    times = pl.datetime_range(
        pl.datetime(2025, 1, 1),
        pl.datetime(2025, 1, 1) + pl.duration(hours=steps - 1),
        "1h",
        eager=True,
    )
    pl.DataFrame({"timestamp": times, "load": load + rng.normal(0, 1, steps)}).write_csv(path)


def main():
    workdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    workdir.mkdir(parents=True, exist_ok=True)
    csv = workdir / "load.csv"
    write_csv(csv)
    command = [
        sys.executable,
        "-m",
        "keras_nhits.train",
        "--data",
        str(csv),
        "--time-col",
        "timestamp",
        "--target",
        "load",
        "--input-size",
        "96",
        "--horizon",
        "24",
        "--hidden-size",
        "128",
        "--epochs",
        "5",
        "--windows-per-epoch",
        "4096",
        "--quiet",
        "--overwrite",
        "--output",
        str(workdir / "run"),
    ]
    subprocess.run(command, check=True)
    metrics = json.loads((workdir / "run" / "metrics.json").read_text())
    print(
        f"test MAE {metrics['test']['mae']:.3f} vs naive {metrics['baselines']['naive']['mae']:.3f}"
    )


if __name__ == "__main__":
    main()

"""Tiny synthetic series shared by the data-layer tests (nothing is downloaded)."""

import numpy as np
import polars as pl

START = np.datetime64("2021-01-01T00:00", "us")
HOUR = np.timedelta64(1, "h")


def long_frame(n_series=3, n_steps=200, gap_steps=()):
    """Long format: series `s{i}` with hourly `ds` and `y = 1000 * i + step`, so a value tells
    its series and position (leakage checks compare values with indices)."""
    rows = []
    for i in range(n_series):
        steps = np.array([k for k in range(n_steps) if k not in gap_steps])
        rows.append(
            pl.DataFrame(
                {
                    "unique_id": [f"s{i}"] * len(steps),
                    "ds": START + steps * HOUR,
                    "y": 1000.0 * i + steps,
                }
            )
        )
    return pl.concat(rows)


def wide_frame(n_series=3, n_steps=200):
    """The same series as `long_frame`, one column each."""
    steps = np.arange(n_steps)
    columns = {"ds": START + steps * HOUR}
    columns.update({f"s{i}": 1000.0 * i + steps for i in range(n_series)})
    return pl.DataFrame(columns)

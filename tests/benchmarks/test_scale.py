"""benchmarks/scale.py writes the panel it describes and prints the table from the library's own
path (TensorFlow only: the script's figures, not the backends, are what is checked)."""

import subprocess
import sys

import keras
import numpy as np
import polars as pl
import pytest

from tests.benchmarks.scripts import FOLDER, load_benchmark

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="one backend suffices for the script"
)


def test_the_generated_panel_has_the_stated_lengths_and_grid(tmp_path):
    bench = load_benchmark("scale")
    path = tmp_path / "panel.parquet"
    rows = bench.generate(str(path), 30, 250, 2500)
    frame = pl.read_parquet(path)
    lengths = bench.series_lengths(30, 250, 2500)
    assert rows == frame.height == lengths.sum()
    assert 250 <= lengths.min() and lengths.max() < 2500
    counts = frame.group_by("unique_id", maintain_order=True).len()["len"].to_numpy()
    np.testing.assert_array_equal(counts, lengths)
    steps = frame.filter(pl.col("unique_id") == "s000007")["ds"].diff().drop_nulls().unique()
    assert steps.to_list() == [np.timedelta64(1, "h")]


def test_a_tiny_run_prints_the_table(tmp_path):
    done = subprocess.run(
        [sys.executable, str(FOLDER / "scale.py"), "--sizes", "20,40", "--train-steps", "2"]
        + ["--min-steps", "250", "--max-steps", "300"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout.split("train w/s")[1].split("growth per tenfold step")[0]
    rows = [line.split() for line in table.splitlines()[1:] if line.strip()]
    assert [r[0] for r in rows] == ["20", "40"]
    # Every series forecast: the predicted windows/s column is positive, as is training's.
    assert all(float(r[7].replace(",", "")) > 0 and float(r[9].replace(",", "")) > 0 for r in rows)

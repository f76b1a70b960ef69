"""The long-horizon benchmark's protocol code: splits, normalisation, window counts, floor.

A synthetic CSV stands in for the public files; the formulas checked are those of the data
README (`n_train = int(0.7 n)`, `n_test = int(0.2 n)`, `n_test - H + 1` test windows).
"""

import gzip

import numpy as np
import pytest

from tests.benchmarks.scripts import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("long_horizon")


def write_csv(path, rows, channels=3, seed=0):
    """A gzip CSV like the public ones: a date column, then random-walk channels."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, channels)).cumsum(axis=0) * np.arange(1, channels + 1) + 50
    lines = ["date," + ",".join(f"c{i}" for i in range(channels))]
    for t, row in enumerate(values):
        lines.append(f"2002-01-{1 + t % 28:02d}," + ",".join(f"{v:.6f}" for v in row))
    with gzip.open(path, "wt") as f:
        f.write("\n".join(lines) + "\n")
    return values


def test_fraction_splits_and_training_statistics(bench, tmp_path):
    path = tmp_path / "national_illness.csv.gz"
    raw = write_csv(path, rows=301)
    frame, counts = bench.read_protocol_frame(str(path), "ili")
    n_train, n_val, n_test = counts
    assert counts == (int(0.7 * 301), 301 - int(0.7 * 301) - int(0.2 * 301), int(0.2 * 301))
    assert counts == (210, 31, 60)
    values = frame.to_numpy()
    assert values.shape == (301, 3)
    np.testing.assert_allclose(values[:n_train].mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(values[:n_train].std(axis=0), 1.0, rtol=1e-9)
    # Statistics of the training rows only: the later rows are mapped with them, not refitted.
    mean, std = raw[:n_train].mean(axis=0), raw[:n_train].std(axis=0)
    np.testing.assert_allclose(values, (raw - mean) / std, rtol=1e-5, atol=1e-5)


def test_etth_counts_use_the_first_14400_rows(bench, tmp_path):
    path = tmp_path / "ETTh1.csv.gz"
    write_csv(path, rows=14_500, channels=2)
    frame, counts = bench.read_protocol_frame(str(path), "etth1")
    assert frame.height == 14_400
    assert counts == (8_640, 2_880, 2_880)
    origins = bench.test_origins(counts, 480, 96)
    assert len(origins) == 2_880 - 96 + 1
    assert origins[0] == 8_640 + 2_880 and origins[-1] + 96 == 14_400


def test_last_value_floor_against_a_loop(bench, tmp_path):
    path = tmp_path / "national_illness.csv.gz"
    write_csv(path, rows=301)
    frame, counts = bench.read_protocol_frame(str(path), "ili")
    values, horizon = frame.to_numpy(), 24
    sq, ab = [], []
    for t in range(counts[0] + counts[1], 301 - horizon + 1):
        for c in range(values.shape[1]):
            error = values[t : t + horizon, c] - values[t - 1, c]
            sq.append(np.mean(error**2))
            ab.append(np.mean(np.abs(error)))
    assert len(sq) == (counts[2] - horizon + 1) * 3
    mse, mae = bench.last_value_floor(frame, counts, 5 * horizon, horizon)
    assert mse == pytest.approx(np.mean(sq)) and mae == pytest.approx(np.mean(ab))


def test_tiny_run_through_the_trainer_has_the_protocol_windows(bench, tmp_path):
    write_csv(tmp_path / "national_illness.csv.gz", rows=301)
    argv = ["--data-dir", str(tmp_path), "--dataset", "ili", "--horizon", "24"]
    argv += ["--hidden-size", "8", "--batch-size", "32", "--max-steps", "4"]
    argv += ["--steps-per-epoch", "2"]
    args = bench.parse_args(argv)
    frame, counts = bench.read_protocol_frame(str(tmp_path / "national_illness.csv.gz"), "ili")
    result = bench.run_ours(args, frame, counts, seed=1)
    horizon, input_size = 24, 120
    assert result["windows"] == {
        "train": (counts[0] - input_size - horizon + 1) * 3,
        "val": (counts[1] - horizon + 1) * 3,
        "test": (counts[2] - horizon + 1) * 3,
    }
    assert result["steps"] == 4
    assert all(np.isfinite(v) for v in result["val"] + result["test"])

    line = bench.row("keras_nhits", "ili", 24, [result], "test")
    assert line.startswith("| keras_nhits | ili | 24 |")
    assert "1.862 / 0.869" in line  # the published figures are printed beside ours


def test_per_dataset_choices_are_defaults_that_flags_override(bench, tmp_path):
    base = ["--data-dir", str(tmp_path), "--horizon", "96", "--dataset"]
    exchange = bench.parse_args([*base, "exchange"])
    assert (exchange.hidden_size, exchange.dropout, exchange.lr) == (32, 0.3, 1e-4)
    assert (exchange.max_steps, exchange.patience, exchange.loss) == (1000, 8, "mae")
    etth2 = bench.parse_args([*base, "etth2"])
    assert (etth2.hidden_size, etth2.dropout, etth2.max_steps) == (512, 0.0, 500)
    assert etth2.pool_sizes == (16, 8, 1) and etth2.freq_downsample == (24, 12, 1)
    flags = ["--hidden-size", "8", "--dropout", "0", "--loss", "huber", "--patience", "2"]
    chosen = bench.parse_args([*base, "exchange", *flags])
    assert (chosen.hidden_size, chosen.dropout, chosen.loss, chosen.patience) == (
        8,
        0.0,
        "huber",
        2,
    )

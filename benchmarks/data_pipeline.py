"""Data-layer benchmark: load time, peak memory and windows per second on a large long table.

Generates (in a temporary folder, removed afterwards) a long-format Parquet file of 1,000 series
x 10,000 hourly steps (10 M rows: unique_id, ds, y), then prints:

* the load time of `load_series` + `prepare_splits`;
* peak RSS (`resource.getrusage().ru_maxrss`). RSS includes the Python, NumPy, Polars and
  TensorFlow imports (several hundred MB), so the baseline is the peak after those imports and
  one TensorFlow op, and the figure that matters is the peak *above* that baseline, compared
  with the raw float32 size of the target column (40 MB): the ratio must stay under 3x;
* windows per second delivered by the tf.data pipeline (input 480, horizon 96, batch 256);
* windows per second of training steps of `keras_nhits.NHITS(input_size=480, horizon=96)`
  (measured with `train_on_batch` when the model is importable, else `--train-windows-per-sec`)
  and the ratio pipeline / training (target >= 10x: the pipeline must never be the bottleneck).

The file is generated in a child process so that building it does not count in this process's
peak RSS. Run: `python benchmarks/data_pipeline.py` (about a minute on 2 CPUs).
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def peak_rss_mb():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path, n_series, n_steps):
    """Writes the long-format Parquet file (run in a child process)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(0)
    start = np.datetime64("2020-01-01T00:00", "us")
    times = start + np.arange(n_steps) * np.timedelta64(1, "h")
    ids = pl.Series("unique_id", [f"series_{i:05d}" for i in range(n_series)])
    frame = pl.DataFrame(
        {
            "unique_id": ids.gather(np.repeat(np.arange(n_series), n_steps)),
            "ds": np.tile(times, n_series),
            "y": rng.standard_normal(n_series * n_steps).cumsum(),
        }
    )
    frame.write_parquet(path)


def measure_training(batch, input_size, horizon, steps):
    """Windows per second of NHITS train_on_batch, or None when NHITS is not importable."""
    try:
        from keras_nhits import NHITS
    except ImportError:
        return None
    model = NHITS(input_size=input_size, horizon=horizon)
    model.compile("adam", "mae")
    x, y = (t.numpy() for t in batch)
    for _ in range(3):  # build, compile and warm up
        model.train_on_batch(x, y)
    began = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return steps * len(x) / (time.perf_counter() - began)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--input-size", type=int, default=480)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--batches", type=int, default=400, help="batches timed after warm-up")
    parser.add_argument("--train-steps", type=int, default=10, help="training steps timed")
    parser.add_argument(
        "--train-windows-per-sec",
        type=float,
        default=0.0,
        help="training throughput to compare with (0: measure it with keras_nhits.NHITS)",
    )
    parser.add_argument("--generate", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.series, args.steps)
        return

    import tensorflow as tf

    from keras_nhits.data import load_series, make_dataset, prepare_splits

    tf.constant(1.0) + 1.0  # start TensorFlow's runtime so it counts in the baseline
    baseline = peak_rss_mb()
    folder = tempfile.mkdtemp(prefix="nhits_bench_")
    try:
        path = os.path.join(folder, "long.parquet")
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--generate", path]
            + ["--series", str(args.series), "--steps", str(args.steps)],
            check=True,
        )
        rows = args.series * args.steps
        print(
            f"generated {rows:,} rows ({args.series} series x {args.steps} steps) in "
            f"{time.perf_counter() - began:.1f} s: {os.path.getsize(path) / 1e6:.0f} MB Parquet"
        )

        began = time.perf_counter()
        series = load_series(path)
        loaded = time.perf_counter() - began
        splits = prepare_splits(
            series,
            input_size=args.input_size,
            horizon=args.horizon,
            val_split=0.1,
            test_split=0.2,
        )
        total = time.perf_counter() - began
        peak_load = peak_rss_mb()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    raw = series.values.nbytes / 1e6
    above = peak_load - baseline
    index_mb = sum(a.nbytes for a in (splits.train, splits.val, splits.test)) / 1e6
    print(f"load_series: {loaded:.2f} s; + prepare_splits: {total:.2f} s")
    print(
        f"windows: {splits.train.size:,} train / {splits.val.size:,} val / "
        f"{splits.test.size:,} test ({index_mb:.0f} MB of int32 starts)"
    )
    print(
        f"peak RSS: {peak_load:.0f} MB (baseline after importing tensorflow, polars, numpy: "
        f"{baseline:.0f} MB)"
    )
    print(
        f"peak RSS above baseline: {above:.0f} MB; raw float32 target column: {raw:.0f} MB; "
        f"ratio {above / raw:.2f}x (must stay under 3x)"
    )

    dataset = make_dataset(
        splits.series,
        splits.train,
        input_size=args.input_size,
        horizon=args.horizon,
        batch_size=args.batch_size,
        shuffle=True,
        seed=0,
    )
    batches = iter(dataset)
    for _ in range(20):
        first = next(batches)
    began = time.perf_counter()
    for _ in range(args.batches):
        next(batches)
    pipeline = args.batches * args.batch_size / (time.perf_counter() - began)
    print(
        f"pipeline: {pipeline:,.0f} windows/s ({args.batches} batches of {args.batch_size}, "
        f"input {args.input_size}, horizon {args.horizon}, shuffled)"
    )
    print(
        f"peak RSS with the pipeline running: {peak_rss_mb():.0f} MB "
        f"({peak_rss_mb() - baseline:.0f} MB above baseline; includes the epoch's shuffled "
        "index; the values and the starts are served in place, not copied)"
    )

    training = args.train_windows_per_sec or measure_training(
        first, args.input_size, args.horizon, args.train_steps
    )
    source = "--train-windows-per-sec" if args.train_windows_per_sec else "NHITS train_on_batch"
    if training:
        print(
            f"training: {training:,.0f} windows/s ({source}); pipeline / training = "
            f"{pipeline / training:.1f}x (target >= 10x)"
        )
    else:
        print(
            "training: keras_nhits.NHITS is not importable yet; pass "
            "--train-windows-per-sec to compare"
        )


if __name__ == "__main__":
    main()

"""Cost against size on one machine: 100 to 100,000 series, from the Parquet file to forecasts.

For each size (`--sizes`, default 100, 1,000, 10,000 and 100,000 series) a long-format Parquet
file (unique_id, ds, y; hourly; a random walk per series) is generated in a temporary folder,
removed afterwards. Series lengths are drawn log-uniformly between `--min-steps` and
`--max-steps` (default 250 to 2,500 steps, about 977 on average, so the rows grow tenfold with
the series: about 98 M rows at 100,000 series). Each size is measured in a fresh process (the
file is written by another one, so that making it does not count), through the library's own
path (`NHITSTrainer`, default model with `--input-size` 120 and `--horizon` 24):

* load: `NHITSTrainer.read` (`load_series`: read, check and repair every series), seconds;
* split: `prepare_splits` with the trainer's settings (validation 0.1, test 0.2), seconds;
* peak RSS after load and split, above the process's RSS after its imports and one small
  model's fit and predict on one batch (the baseline: the framework's own memory), against
  the raw float32 target data (4 bytes a row); goal: at most 3x that plus the model;
* train: windows/s of `model.fit` on the trainer's shuffled pipeline, two epochs of
  `--windows-per-epoch` = `--train-steps` x batch windows sampled from all the training
  windows (after a warm-up epoch), so each epoch pays its own draw, as a user with many
  series trains (an epoch of every window of 100,000 series would take hours);
* predict: seconds (best of 3) to forecast the `horizon` steps after every series through the path
  `python -m keras_nhits.predict` serves by (`forecast_frame` of the trainer's `Forecaster`:
  last windows, scaling checks, model, future timestamps, the output frame), against the
  model's own batch predict throughput on an array of the same number of windows (goal: at
  least 80 %);
* peak RSS at the end (after training and forecasting).

Then a table with the growth factor of every figure per tenfold step in rows: 10x means
linear. Run: `python benchmarks/scale.py` (the 100,000-series size takes several minutes and
about 3 GB of disk); `--sizes 100,1000,10000` for a quicker look. The figures depend on the
backend (`KERAS_BACKEND`) for training and forecasting only.
"""

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_tools import cpu_model  # noqa: E402


def peak_rss_mb():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_time(call, repeats=3):
    """The fastest of `repeats` calls of `call`, in seconds."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return min(times)


def series_lengths(n_series, min_steps, max_steps):
    """Log-uniform lengths, the same for every run of a size (seeded)."""
    import numpy as np

    rng = np.random.default_rng(n_series)
    logs = rng.uniform(math.log(min_steps), math.log(max_steps), n_series)
    return np.exp(logs).astype(np.int64)


def generate(path, n_series, min_steps, max_steps):
    """Writes the long-format Parquet file in pieces of about 2 M rows (run in a child)."""
    import numpy as np
    import polars as pl
    import pyarrow.parquet as pq

    lengths = series_lengths(n_series, min_steps, max_steps)
    rng = np.random.default_rng(0)
    start = np.datetime64("2020-01-01T00:00", "us")
    writer = None
    first = 0
    while first < n_series:
        last = first
        rows = 0
        while last < n_series and rows < 2_000_000:
            rows += int(lengths[last])
            last += 1
        piece = lengths[first:last]
        # Each series begins at its own hour: ends differ, as they do in real panels.
        offsets = np.concatenate([[0], np.cumsum(piece)])
        step = np.arange(offsets[-1]) - np.repeat(offsets[:-1], piece)
        begin = np.repeat(np.arange(first, last) % 500, piece)
        walk = rng.standard_normal(offsets[-1]).cumsum()
        walk -= np.repeat(walk[offsets[:-1]], piece)  # every series starts near 0
        frame = pl.DataFrame(
            {
                "unique_id": pl.Series(
                    np.repeat([f"s{i:06d}" for i in range(first, last)], piece), dtype=pl.String
                ),
                "ds": start + (begin + step) * np.timedelta64(1, "h"),
                "y": 100.0 + walk,
            }
        ).to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(path, frame.schema)
        writer.write_table(frame)
        first = last
    writer.close()
    return int(lengths.sum())


def measure(args):
    """Measures one size in this process; prints one JSON line."""
    import keras
    import numpy as np

    from keras_nhits import NHITS, NHITSTrainer
    from keras_nhits.serving.forecaster import forecast_frame

    trainer = NHITSTrainer(
        horizon=args.horizon,
        input_size=args.input_size,
        batch_size=args.batch_size,
        windows_per_epoch=args.train_steps * args.batch_size,
        seed=0,
        quiet=True,
        log=lambda line: None,
    )
    # The baseline: imports done and one small model built and run.

    probe = NHITS(input_size=args.input_size, horizon=args.horizon)
    probe.compile("adam", "mae")
    x = np.zeros((args.batch_size, args.input_size), np.float32)
    probe.fit(x, x[:, : args.horizon], epochs=1, verbose=0)
    probe.predict(x, verbose=0)
    del probe
    baseline = peak_rss_mb()

    folder = tempfile.mkdtemp(prefix="nhits_scale_")
    try:
        path = os.path.join(folder, "long.parquet")
        made = subprocess.run(
            [sys.executable, __file__, "--generate", path, "--sizes", str(args.measure)]
            + ["--min-steps", str(args.min_steps), "--max-steps", str(args.max_steps)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows = int(made.stdout.strip())
        parquet_mb = os.path.getsize(path) / 1e6
        began = time.perf_counter()
        raw = trainer.read(path)
        load_s = time.perf_counter() - began
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    began = time.perf_counter()
    splits = trainer._split(raw)
    split_s = time.perf_counter() - began
    after_load = peak_rss_mb()

    model = trainer._compiled_model(splits)
    model_mb = sum(np.prod(w.shape) * 4 for w in model.weights) / 1e6
    train_data, _ = trainer._datasets(splits)
    model.fit(train_data, epochs=1, verbose=0)  # warm-up: tracing, the first epoch's draw
    began = time.perf_counter()
    model.fit(train_data, epochs=2, verbose=0)
    train_wps = 2 * trainer.config.windows_per_epoch / (time.perf_counter() - began)

    trainer.model = model
    forecaster = trainer.forecaster()
    x = np.asarray(raw.values[: raw.n_series * args.input_size]).reshape(-1, args.input_size)
    frame = forecast_frame(forecaster, raw)  # warm-up: the predict function is traced once
    assert frame.height == raw.n_series * args.horizon
    predict_s = best_time(lambda: forecast_frame(forecaster, raw))
    # The model alone, with the forecaster's batching, on as many windows: best of 3 too.
    batch_wps = len(x) / best_time(lambda: forecaster.predict(x))

    result = {
        "series": raw.n_series,
        "rows": rows,
        "steps_loaded": int(raw.offsets[-1]),
        "parquet_mb": parquet_mb,
        "raw_mb": raw.values.nbytes / 1e6,
        "model_mb": float(model_mb),
        "load_s": load_s,
        "split_s": split_s,
        "rss_load_mb": after_load - baseline,
        "train_windows": int(len(splits.train)),
        "train_wps": train_wps,
        "predict_s": predict_s,
        "predict_wps": raw.n_series / predict_s,
        "batch_wps": batch_wps,
        "rss_peak_mb": peak_rss_mb() - baseline,
        "baseline_mb": baseline,
        "backend": keras.backend.backend(),
    }
    print(json.dumps(result))


def table(results, args):
    """Prints the figures and the growth factor per tenfold step in rows."""
    print(
        f"\nCPU: {cpu_model() or 'unknown'}, {os.cpu_count()} cores; backend "
        f"{results[0]['backend']}; series of {args.min_steps}-{args.max_steps} steps "
        f"(log-uniform), input {args.input_size}, horizon {args.horizon}, batch "
        f"{args.batch_size}; RSS above a baseline of {results[0]['baseline_mb']:.0f} MB"
    )
    head = (
        f"{'series':>8} {'rows':>11} {'raw MB':>7} {'load s':>7} {'split s':>7} "
        f"{'RSS MB':>7} {'xraw':>5} {'train w/s':>9} {'pred s':>7} {'pred w/s':>9} "
        f"{'batch w/s':>9} {'pred/batch':>10} {'peak MB':>8} {'xraw':>5}"
    )
    print(head)
    for r in results:
        budget = r["raw_mb"] + r["model_mb"]
        print(
            f"{r['series']:>8,} {r['rows']:>11,} {r['raw_mb']:>7.0f} {r['load_s']:>7.2f} "
            f"{r['split_s']:>7.2f} {r['rss_load_mb']:>7.0f} {r['rss_load_mb'] / budget:>5.2f} "
            f"{r['train_wps']:>9,.0f} {r['predict_s']:>7.2f} {r['predict_wps']:>9,.0f} "
            f"{r['batch_wps']:>9,.0f} {r['predict_wps'] / r['batch_wps']:>10.0%} "
            f"{r['rss_peak_mb']:>8.0f} {r['rss_peak_mb'] / budget:>5.2f}"
        )
    print("\ngrowth per tenfold step (rows x, then each figure x; 10x = linear):")
    print(f"{'step':>16} {'rows':>6} {'load':>6} {'split':>6} {'RSS':>6} {'predict':>8}")
    for a, b in zip(results, results[1:]):
        print(
            f"{a['series']:>7,}->{b['series']:<8,} {b['rows'] / a['rows']:>6.1f} "
            f"{b['load_s'] / a['load_s']:>6.1f} {b['split_s'] / a['split_s']:>6.1f} "
            f"{_ratio(b['rss_load_mb'], a['rss_load_mb']):>6} "
            f"{b['predict_s'] / a['predict_s']:>8.1f}"
        )
    print(
        "\ngoals: time and memory grow at most linearly with the rows; RSS at most 3x the raw "
        "float32 target plus the model; forecasting every series at >= 80 % of batch predict."
    )


def _ratio(b, a):
    return f"{b / a:.1f}" if a > 1 else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000", help="series counts")
    parser.add_argument("--min-steps", type=int, default=250)
    parser.add_argument("--max-steps", type=int, default=2500)
    parser.add_argument("--input-size", type=int, default=120)
    parser.add_argument("--horizon", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--train-steps", type=int, default=100, help="steps per timed epoch")
    parser.add_argument("--generate", default="", help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.generate:
        print(generate(args.generate, sizes[0], args.min_steps, args.max_steps))
        return
    if args.measure:
        measure(args)
        return
    results = []
    for n in sizes:
        command = [sys.executable, __file__, "--measure", str(n)]
        for name in ("min_steps", "max_steps", "input_size", "horizon", "batch_size"):
            command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
        command += ["--train-steps", str(args.train_steps)]
        began = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{n:,} series measured in {time.perf_counter() - began:.0f} s: "
            + ", ".join(f"{k} {v:.4g}" for k, v in result.items() if isinstance(v, float)),
            flush=True,
        )
    table(results, args)


if __name__ == "__main__":
    main()

"""neuralforecast's NHITS with and without covariates: the peer figures for `covariates.py`.

Runs under an interpreter with `neuralforecast` and `polars` installed (not keras_nhits'
venv; it imports nothing of keras_nhits). Data, split and settings are those of
`benchmarks/covariates.py`, written out here again so each script stands alone:

* NOx (`nox_emissions.csv.gz`): target `LNOx`, future-known `LNOxEm`, `sqrtWS`. The 503 missing
  hours are inserted on an hourly grid and every column is interpolated linearly, as the
  trainer's `gaps="fill", fill="interpolate"`. 8,591 hours split 6,013 / 860 / 1,718 (val 0.1,
  test 0.2 as `keras_nhits.data.splits.split_sizes`: `n_train = floor(0.7 n)`,
  `n_test = floor(0.2 n)`, validation the rest).
* ETTh1 (`ETTh1.csv.gz`, the first 14,400 rows): target `OT`, historical the six load columns,
  future-known `hour` and `dayofweek` built as keras_nhits' calendar features (plain integers
  as floats: hour 0-23, Monday = 0 ... Sunday = 6). Split 8,640 / 2,880 / 2,880 (12/4/4 months).

Test MAE in raw units over every test origin (`cross_validation(val_size=n_val,
test_size=n_test, n_windows=None, step_size=1, refit=False)`: `n_test - H + 1` windows, inputs
reaching back into validation; the count is checked). The naive MAE (last input value repeated)
is computed here from the same rows, a check that both scripts see the same data and split.

Usage (mean of seeds 1..N):
    /work/nf-venv/bin/python benchmarks/covariates_peer.py --data-dir /work/shared/data --seeds 3
A script that prints figures, never a unit test.
"""

import argparse
import dataclasses
import os
import statistics
import sys
import time

import numpy as np
import polars as pl

# The datasets, window sizes and budget are those of covariates.py, which imports only Polars at
# the top (keras_nhits is imported inside its functions), so this script reads them from there.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from covariates import (  # noqa: E402
    BATCH,
    DATASETS,
    HORIZON,
    INPUT,
    LR,
    PATIENCE,
    STEPS_PER_CHECK,
)
from report_tools import quiet_logs  # noqa: E402


def split_sizes(n, val_split, test_split):
    """(n_train, n_val, n_test) as keras_nhits.data.splits.split_sizes computes them."""

    def part(value):
        return int(value) if value >= 1 else int(np.floor(round(value * n, 9)))

    n_test = part(test_split)
    if 0 < val_split < 1 and test_split < 1:
        n_train = int(np.floor(round(round(1.0 - val_split - test_split, 12) * n, 9)))
        return n_train, n - n_train - n_test, n_test
    n_val = part(val_split)
    return n - n_val - n_test, n_val, n_test


def calendar_columns(times, names):
    """keras_nhits' calendar features of a Polars datetime column, as float expressions."""
    exprs = {
        "hour": times.dt.hour(),
        "dayofweek": times.dt.weekday() - 1,  # Polars: Monday = 1; keras_nhits: Monday = 0
    }
    return [exprs[name].cast(pl.Float64).alias(name) for name in names]


def read_frame(data_dir, spec):
    """The series as neuralforecast's long frame (unique_id, ds, y, covariates), in pandas."""
    frame = pl.read_csv(os.path.join(data_dir, spec.file), try_parse_dates=True)
    time_col = frame.columns[0]
    frame = frame.rename({time_col: "ds"}).sort("ds")
    if spec.rows:
        frame = frame.head(spec.rows)
    grid = frame.upsample(time_column="ds", every="1h")  # missing hours become null rows
    inserted = grid.height - frame.height
    if inserted:
        values = [c for c in grid.columns if c != "ds"]
        grid = grid.with_columns(pl.col(values).cast(pl.Float64).interpolate())
    frame = grid.with_columns(calendar_columns(pl.col("ds"), spec.calendar))
    frame = frame.select(
        pl.lit("series").alias("unique_id"),
        "ds",
        pl.col(spec.target).cast(pl.Float64).alias("y"),
        *[pl.col(c).cast(pl.Float64) for c in spec.hist + spec.futr + spec.calendar],
    )
    return frame.to_pandas(), inserted


def naive_mae(y, counts):
    """MAE of repeating the last input value over each test window, in plain NumPy."""
    n_train, n_val, n_test = counts
    origins = np.arange(n_train + n_val, n_train + n_val + n_test - HORIZON + 1)
    targets = y[origins[:, None] + np.arange(HORIZON)]
    return float(np.mean(np.abs(targets - y[origins - 1][:, None])))


def run(spec, frame, counts, covariates, seed):
    """One fit and rolling test forecast; returns (test MAE, training seconds, best val loss)."""
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MAE
    from neuralforecast.models import NHITS
    from pytorch_lightning.callbacks import Timer

    timer = Timer()
    futr = list(spec.futr + spec.calendar) if covariates else None
    hist = list(spec.hist) if covariates and spec.hist else None
    model = NHITS(
        h=HORIZON,
        input_size=INPUT,
        futr_exog_list=futr,
        hist_exog_list=hist,
        stack_types=["identity"] * 3,
        n_blocks=[1, 1, 1],
        mlp_units=[[512, 512]] * 3,
        n_pool_kernel_size=list(spec.pool_sizes),
        n_freq_downsample=list(spec.freq_downsample),
        pooling_mode="MaxPool1d",
        interpolation_mode="linear",
        loss=MAE(),
        learning_rate=LR,
        num_lr_decays=3,
        max_steps=spec.max_steps,
        val_check_steps=STEPS_PER_CHECK,
        early_stop_patience_steps=PATIENCE,
        batch_size=1,  # the one series in every batch ...
        windows_batch_size=BATCH,  # ... and BATCH windows of it per step, as keras_nhits
        valid_batch_size=1,
        inference_windows_batch_size=2048,
        scaler_type="standard",
        random_seed=seed,
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        accelerator="cpu",
        callbacks=[timer],
    )
    nf = NeuralForecast(models=[model], freq="1h")
    drop = [
        c for c in frame.columns if c not in ("unique_id", "ds", "y", *(futr or ()), *(hist or ()))
    ]
    predictions = nf.cross_validation(
        df=frame.drop(columns=drop),
        val_size=counts[1],
        test_size=counts[2],
        n_windows=None,
        step_size=1,
        refit=False,
    )
    error = predictions["NHITS"].to_numpy() - predictions["y"].to_numpy()
    expected = (counts[2] - HORIZON + 1) * HORIZON
    if error.size != expected:
        raise RuntimeError(f"neuralforecast gave {error.size} forecasts, expected {expected}")
    fitted = nf.models[0]
    timers = [c for c in fitted.trainer_kwargs.get("callbacks", []) if isinstance(c, Timer)]
    seconds = (timers[0] if timers else timer).time_elapsed("train")
    val = [v for v in getattr(fitted, "valid_trajectories", []) or []]
    best_val = min((float(v[1]) for v in val), default=float("nan"))
    return float(np.mean(np.abs(error))), seconds, best_val


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/work/shared/data", help="folder of the .csv.gz")
    parser.add_argument("--datasets", default="nox,etth1", help="comma-separated: nox, etth1")
    parser.add_argument("--seeds", type=int, default=3, help="runs with seeds 1..N (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 seed, 50 steps: a smoke run")
    args = parser.parse_args(argv)
    args.datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = sorted(set(args.datasets) - set(DATASETS))
    if unknown:
        parser.error(f"--datasets: unknown {', '.join(unknown)}; choose from nox, etth1")
    if args.quick:
        args.seeds = 1
    return args


def main(argv=None):
    args = parse_args(argv)
    quiet_logs()
    import neuralforecast
    import torch

    rows = []
    for name in args.datasets:
        spec = DATASETS[name]
        if args.quick:
            spec = dataclasses.replace(spec, max_steps=50)
        frame, inserted = read_frame(args.data_dir, spec)
        counts = split_sizes(len(frame), spec.val_split, spec.test_split)
        naive = naive_mae(frame["y"].to_numpy(), counts)
        print(
            f"{name}: {len(frame)} steps ({inserted} inserted and interpolated), train/val/test "
            f"{counts[0]}/{counts[1]}/{counts[2]}, {counts[2] - HORIZON + 1} test windows; "
            f"naive test MAE {naive:.4f}",
            flush=True,
        )
        for covariates in (False, True):
            runs = []
            for seed in range(1, args.seeds + 1):
                runs.append(run(spec, frame, counts, covariates, seed))
                mae, seconds, best_val = runs[-1]
                print(
                    f"  {'covariates' if covariates else 'univariate'} seed {seed}: test MAE "
                    f"{mae:.4f}, best val loss {best_val:.4f}, {seconds:.1f}s",
                    flush=True,
                )
            rows.append((name, covariates, runs, naive))
    print(
        f"\nneuralforecast {neuralforecast.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; input {INPUT}, horizon {HORIZON}, batch {BATCH}, lr {LR:g}\n"
    )
    print("| dataset | variant | neuralforecast test MAE | seeds | train s | naive MAE |")
    print("|---|---|---|---|---|---|")
    for name, covariates, runs, naive in rows:
        maes = [r[0] for r in runs]
        spread = statistics.stdev(maes) if len(maes) > 1 else 0.0
        print(
            f"| {name} | {'covariates' if covariates else 'univariate'} | "
            f"{statistics.fmean(maes):.4f} ± {spread:.4f} | {len(runs)} | "
            f"{statistics.fmean(r[1] for r in runs):.0f} | {naive:.4f} |"
        )
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    sys.exit(status)

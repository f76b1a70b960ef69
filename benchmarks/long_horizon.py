"""Long-horizon accuracy of N-HiTS on the public benchmark CSVs, against the paper and the floor.

Follows the standard protocol of `data/README.md` (Autoformer / N-HiTS line of papers):

* chronological splits: ETTh1/ETTh2 8,640 / 2,880 / 2,880 rows of the first 14,400; Exchange and
  ILI 70 / 10 / 20 % with `n_train = int(0.7 n)`, `n_test = int(0.2 n)`, validation the rest;
* every channel standardised with the mean and standard deviation (ddof 0, as scikit-learn's
  `StandardScaler`) of its own training split; each channel is one series of one global model;
* input window 5 x horizon (ILI too: 120 steps for horizon 24, which the 676 training weeks
  allow); a test forecast at every origin of the test split, `n_test - H + 1` windows per
  channel, inputs reaching back into validation;
* MSE and MAE on the standardised scale, averaged over windows, horizon steps and channels.

Training goes through the library's public entry point, `NHITSTrainer`, on the standardised
DataFrame with the split counts (`val_split=n_val`, `test_split=n_test`): the code users run.
The last-value floor (the last input value repeated) is computed here in plain NumPy from the
protocol's own indices, independently of the library's window index, as a check of both.

Usage:
    python benchmarks/long_horizon.py --data-dir /work/shared/data --dataset exchange \\
        --horizon 96 --seeds 3
    python benchmarks/long_horizon.py ... --split val        # hyperparameter choice: val only
    python benchmarks/long_horizon.py ... --compare-neuralforecast   # needs neuralforecast

`--split val` trains the same way but reports the validation MSE / MAE only (the test windows
are never printed), which is how the per-dataset choices in `docs/benchmarks.md` were made.
A script that prints figures, never a unit test.
"""

import argparse
import dataclasses
import math
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import polars as pl

# === Protocol ===

HORIZONS = {
    "etth1": (96, 192, 336, 720),
    "etth2": (96, 192, 336, 720),
    "exchange": (96, 192, 336, 720),
    "ili": (24, 36, 48, 60),
}

# (MSE, MAE) on the standardised scale.
PUBLISHED = {
    ("exchange", 96): (0.092, 0.211),
    ("ili", 24): (1.862, 0.869),
    ("etth1", 96): (0.378, 0.393),
    ("etth2", 96): (0.274, 0.345),
}
FLOOR = {
    ("exchange", 96): (0.081, 0.196),
    ("etth1", 96): (1.294, 0.713),
    ("etth2", 96): (0.432, 0.422),
    ("ili", 24): (6.213, 1.622),
}


@dataclasses.dataclass(frozen=True)
class Dataset:
    file: str
    rows: int = 0  # rows used from the top of the file (0: all)
    counts: tuple = ()  # (n_train, n_val, n_test) as counts; () means 70/10/20 %


DATASETS = {
    "etth1": Dataset("ETTh1.csv.gz", rows=14_400, counts=(8_640, 2_880, 2_880)),
    "etth2": Dataset("ETTh2.csv.gz", rows=14_400, counts=(8_640, 2_880, 2_880)),
    "exchange": Dataset("exchange_rate.csv.gz"),
    "ili": Dataset("national_illness.csv.gz"),
}


def split_counts(dataset, n):
    """(n_train, n_val, n_test) of the protocol for `n` rows."""
    spec = DATASETS[dataset]
    if spec.counts:
        return spec.counts
    n_train, n_test = int(0.7 * n), int(0.2 * n)
    return n_train, n - n_train - n_test, n_test


def read_protocol_frame(path, dataset):
    """The standardised channels (a Polars DataFrame, rows in file order) and the split counts.

    The time column is dropped: the rows are already in order and without gaps, and Exchange's
    `1990/1/1 0:00` stamps need no parsing for a sequence model.
    """
    frame = pl.read_csv(path)
    frame = frame.drop(frame.columns[0]).cast(pl.Float64)
    rows = DATASETS[dataset].rows
    if rows:
        frame = frame.head(rows)
    counts = split_counts(dataset, frame.height)
    if sum(counts) != frame.height:
        raise ValueError(f"{dataset}: splits {counts} do not add up to {frame.height} rows")
    train = frame.head(counts[0])
    frame = frame.select(
        (pl.col(c) - train[c].mean()) / train[c].std(ddof=0) for c in frame.columns
    )
    return frame, counts


def test_origins(counts, input_size, horizon, split="test"):
    """Row index of the first target of every window of `split` (test: `n_test - H + 1`)."""
    n_train, n_val, n_test = counts
    first, length = (n_train + n_val, n_test) if split == "test" else (n_train, n_val)
    if first < input_size:
        raise ValueError(f"input_size {input_size} reaches before the first row")
    return np.arange(first, first + length - horizon + 1)


def last_value_floor(frame, counts, input_size, horizon, split="test"):
    """(MSE, MAE) of repeating each window's last input value, in plain NumPy."""
    values = frame.to_numpy()  # [time, channels]
    origins = test_origins(counts, input_size, horizon, split)
    targets = values[origins[:, None] + np.arange(horizon)]  # [windows, horizon, channels]
    errors = targets - values[origins - 1][:, None, :]
    return float(np.mean(errors**2)), float(np.mean(np.abs(errors)))


# === Training ===


def training_config(args, counts, seed, output):
    from keras_nhits import NHITSTrainingConfig

    input_size = args.input_multiple * args.horizon
    return NHITSTrainingConfig(
        input_size=input_size,
        horizon=args.horizon,
        hidden_size=args.hidden_size,
        dropout=args.dropout,
        pool_sizes=args.pool_sizes,
        freq_downsample=args.freq_downsample,
        pooling="max",
        interpolation="linear",
        scaler=args.scaler,
        naive_level=not args.no_naive_level,
        val_split=counts[1],
        test_split=counts[2],
        batch_size=args.batch_size,
        windows_per_epoch=args.steps_per_epoch * args.batch_size,
        epochs=args.max_steps // args.steps_per_epoch,
        lr=args.lr,
        lr_decays=3,
        lr_factor=0.5,
        loss=args.loss,
        patience=args.patience,
        seed=seed,
        output=output,
        overwrite=True,
        quiet=True,
    )


def split_errors(model, splits, starts):
    """(MSE, MAE) of the model's forecasts of the windows at `starts` (standardised scale)."""
    from keras_nhits.data import iter_windows

    sq = ab = count = 0.0
    for x, y in iter_windows(splits.series, starts, splits.input_size, splits.horizon, 2048):
        e = np.asarray(model.predict_on_batch(x), np.float64) - y
        sq += float(np.sum(e**2))
        ab += float(np.sum(np.abs(e)))
        count += e.size
    return sq / count, ab / count


def run_ours(args, frame, counts, seed):
    """One training run through `NHITSTrainer`; returns a dict of figures."""
    from keras_nhits import NHITSTrainer, load_series, prepare_splits

    with tempfile.TemporaryDirectory(prefix="nhits_bench_") as folder:
        config = training_config(args, counts, seed, os.path.join(folder, "run"))
        trainer = NHITSTrainer(config, log=lambda line: None)
        model, metrics = trainer.fit(frame)
    splits = prepare_splits(
        load_series(frame),
        input_size=config.input_size,
        horizon=config.horizon,
        val_split=config.val_split,
        test_split=config.test_split,
    )
    out = {
        "seconds": metrics["train_seconds"],
        "epochs": metrics["epochs_completed"],
        "best_epoch": metrics["best_epoch"],
        "steps": metrics["epochs_completed"] * args.steps_per_epoch,
        "val": split_errors(model, splits, splits.val),
        "windows": {k: len(getattr(splits, k)) for k in ("train", "val", "test")},
    }
    if args.split == "test":
        out["test"] = (metrics["test"]["mse"], metrics["test"]["mae"])
    return out


def run_neuralforecast(args, frame, counts, seed):
    """neuralforecast's NHITS with the same architecture, input, steps, batch and data."""
    import logging

    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MAE, MSE, HuberLoss
    from neuralforecast.models import NHITS as NFNHITS
    from pytorch_lightning.callbacks import Timer

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    long = (
        frame.with_row_index("ds")
        .unpivot(index="ds", variable_name="unique_id", value_name="y")
        .select("unique_id", pl.col("ds").cast(pl.Int64), "y")
        .to_pandas()
    )
    timer = Timer()
    model = NFNHITS(
        h=args.horizon,
        input_size=args.input_multiple * args.horizon,
        n_pool_kernel_size=list(args.pool_sizes),
        n_freq_downsample=list(args.freq_downsample),
        pooling_mode="MaxPool1d",
        interpolation_mode="linear",
        mlp_units=[[args.hidden_size, args.hidden_size]] * 3,
        stack_types=["identity"] * 3,
        n_blocks=[1, 1, 1],
        dropout_prob_theta=args.dropout,
        loss={"mae": MAE, "mse": MSE, "huber": HuberLoss}[args.loss](),
        learning_rate=args.lr,
        num_lr_decays=3,
        max_steps=args.max_steps,
        val_check_steps=args.steps_per_epoch,
        early_stop_patience_steps=args.patience,
        batch_size=frame.width,  # every channel in each batch ...
        windows_batch_size=args.batch_size,  # ... and batch_size windows per step, as ours
        valid_batch_size=frame.width,
        inference_windows_batch_size=2048,
        scaler_type=args.scaler if args.scaler != "identity" else "identity",
        random_seed=seed,
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        callbacks=[timer],
    )
    nf = NeuralForecast(models=[model], freq=1)
    predictions = nf.cross_validation(
        df=long, val_size=counts[1], test_size=counts[2], n_windows=None, step_size=1
    )
    fitted = nf.models[0]
    timers = [c for c in fitted.trainer_kwargs.get("callbacks", []) if isinstance(c, Timer)]
    seconds = (timers[0] if timers else timer).time_elapsed("train")
    error = predictions["NHITS"].to_numpy() - predictions["y"].to_numpy()
    n_expected = (counts[2] - args.horizon + 1) * args.horizon * frame.width
    if error.size != n_expected:
        raise RuntimeError(f"neuralforecast gave {error.size} forecasts, expected {n_expected}")
    return {
        "seconds": seconds,
        "test": (float(np.mean(error**2)), float(np.mean(np.abs(error)))),
    }


# === Report ===


def _mean(values):
    return statistics.fmean(values) if values else math.nan


def _spread(values):
    return statistics.stdev(values) if len(values) > 1 else 0.0


def row(name, dataset, horizon, runs, key):
    mse = [r[key][0] for r in runs]
    mae = [r[key][1] for r in runs]
    secs = [r["seconds"] for r in runs]
    pub = PUBLISHED.get((dataset, horizon), (math.nan, math.nan))
    floor = FLOOR.get((dataset, horizon), (math.nan, math.nan))
    return (
        f"| {name} | {dataset} | {horizon} | {_mean(mse):.3f} ± {_spread(mse):.3f} | "
        f"{_mean(mae):.3f} ± {_spread(mae):.3f} | {len(runs)} | {_mean(secs):.0f} | "
        f"{pub[0]:.3f} / {pub[1]:.3f} | {floor[0]:.3f} / {floor[1]:.3f} |"
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="folder of the benchmark .csv.gz files")
    parser.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    parser.add_argument("--horizon", type=int, required=True)
    parser.add_argument("--seeds", type=int, default=1, help="runs with seeds 1..N (default 1)")
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument("--input-multiple", type=int, default=5, help="input = this x horizon")
    parser.add_argument("--pool-sizes", default="", help="per stack, e.g. 2,2,1 (default: chosen)")
    parser.add_argument("--freq-downsample", default="", help="per stack (default: chosen)")
    parser.add_argument("--scaler", default="", help="per-window scaler (default: chosen)")
    parser.add_argument(
        "--no-naive-level", action="store_true", default=None, help="(default: chosen)"
    )
    parser.add_argument(
        "--hidden-size", type=int, default=0, help="units of each MLP layer (default: chosen)"
    )
    parser.add_argument(
        "--dropout", type=float, default=None, help="MLP dropout rate (default: chosen)"
    )
    parser.add_argument("--lr", type=float, default=0.0, help="initial rate (default: chosen)")
    parser.add_argument("--loss", default="", help="mae, mse or huber (default: chosen)")
    parser.add_argument("--batch-size", type=int, default=256, help="windows per step")
    parser.add_argument("--max-steps", type=int, default=0, help="(default: chosen)")
    parser.add_argument("--steps-per-epoch", type=int, default=25, help="steps between val checks")
    parser.add_argument(
        "--patience", type=int, default=0, help="early stopping, in val checks (default: chosen)"
    )
    parser.add_argument("--compare-neuralforecast", action="store_true")
    args = parser.parse_args(argv)
    if args.horizon not in HORIZONS[args.dataset]:
        parser.error(f"--horizon for {args.dataset} must be one of {HORIZONS[args.dataset]}")
    chosen = CHOSEN[args.dataset]
    args.pool_sizes = _ints(args.pool_sizes) or chosen["pool_sizes"]
    args.freq_downsample = _ints(args.freq_downsample) or chosen["freq_downsample"]
    args.scaler = args.scaler or chosen["scaler"]
    args.lr = args.lr or chosen["lr"]
    args.loss = args.loss or chosen["loss"]
    args.max_steps = args.max_steps or chosen["max_steps"]
    args.hidden_size = args.hidden_size or chosen["hidden_size"]
    if args.dropout is None:
        args.dropout = chosen["dropout"]
    args.patience = args.patience or chosen["patience"]
    if args.no_naive_level is None:
        args.no_naive_level = not chosen["naive_level"]
    return args


def _ints(text):
    return tuple(int(v) for v in text.split(",")) if text else ()


# The per-dataset choices, made on the validation split (docs/benchmarks.md has the evidence).
CHOSEN = {
    "etth1": {
        "pool_sizes": (16, 8, 1),
        "freq_downsample": (24, 12, 1),
        "lr": 1e-4,
        "max_steps": 1000,
        "patience": 8,
    },
    "etth2": {"pool_sizes": (16, 8, 1), "freq_downsample": (24, 12, 1)},
    "exchange": {
        "pool_sizes": (2, 2, 1),
        "freq_downsample": (4, 2, 1),
        "lr": 1e-4,
        "hidden_size": 32,
        "dropout": 0.3,
        "max_steps": 1000,
        "patience": 8,
    },
    "ili": {"pool_sizes": (2, 2, 1), "freq_downsample": (4, 2, 1)},
}
for _choice in CHOSEN.values():
    _choice.setdefault("scaler", "standard")
    _choice.setdefault("naive_level", True)
    _choice.setdefault("lr", 1e-3)
    _choice.setdefault("loss", "mae")
    _choice.setdefault("max_steps", 500)
    _choice.setdefault("patience", 4)
    _choice.setdefault("hidden_size", 512)
    _choice.setdefault("dropout", 0.0)


def main(argv=None):
    args = parse_args(argv)
    path = os.path.join(args.data_dir, DATASETS[args.dataset].file)
    frame, counts = read_protocol_frame(path, args.dataset)
    input_size = args.input_multiple * args.horizon
    n_windows = len(test_origins(counts, input_size, args.horizon))
    print(
        f"{args.dataset}: {frame.height} rows x {frame.width} channels, train/val/test "
        f"{counts[0]}/{counts[1]}/{counts[2]}, input {input_size}, horizon {args.horizon}, "
        f"{n_windows} test windows per channel; pools {args.pool_sizes}, downsampling "
        f"{args.freq_downsample}, scaler {args.scaler}, naive level {not args.no_naive_level}, "
        f"MLP {args.hidden_size} units, dropout {args.dropout:g}, loss {args.loss}, "
        f"lr {args.lr:g}, patience {args.patience}, "
        f"batch {args.batch_size}, at most {args.max_steps} steps",
        flush=True,
    )
    floor = last_value_floor(frame, counts, input_size, args.horizon)
    val_floor = last_value_floor(frame, counts, input_size, args.horizon, "val")
    ours, theirs = [], []
    for seed in range(1, args.seeds + 1):
        result = run_ours(args, frame, counts, seed)
        expected = n_windows * frame.width
        if args.split == "test" and result["windows"]["test"] != expected:
            raise RuntimeError(f"{result['windows']['test']} test windows, expected {expected}")
        ours.append(result)
        shown = result[args.split]
        print(
            f"  seed {seed}: {args.split} MSE {shown[0]:.4f} MAE {shown[1]:.4f}; val MSE "
            f"{result['val'][0]:.4f}; {result['steps']} steps (best epoch "
            f"{result['best_epoch']}), {result['seconds']:.1f}s",
            flush=True,
        )
        if args.compare_neuralforecast and args.split == "test":
            other = run_neuralforecast(args, frame, counts, seed)
            theirs.append(other)
            print(
                f"  seed {seed}: neuralforecast test MSE {other['test'][0]:.4f} MAE "
                f"{other['test'][1]:.4f}, {other['seconds']:.1f}s",
                flush=True,
            )
    import keras

    shown_floor = floor if args.split == "test" else val_floor
    print(
        f"\nlast value repeated (computed here), {args.split}: MSE {shown_floor[0]:.3f} MAE "
        f"{shown_floor[1]:.3f}; "
        f"backend {keras.backend.backend()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}\n"
    )
    print(
        f"| model | dataset | horizon | {args.split} MSE | {args.split} MAE | seeds | train s | "
        "published MSE / MAE | floor MSE / MAE |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(row("keras_nhits", args.dataset, args.horizon, ours, args.split))
    if theirs:
        print(row("neuralforecast", args.dataset, args.horizon, theirs, "test"))
        ratio_mse = _mean([r["test"][0] for r in ours]) / _mean([r["test"][0] for r in theirs])
        ratio_s = _mean([r["seconds"] for r in ours]) / _mean([r["seconds"] for r in theirs])
        print(f"\nours / neuralforecast: MSE {ratio_mse:.2f}, training time {ratio_s:.2f}")
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    sys.exit(status)

"""neuralforecast's multi-quantile NHITS on the long-horizon datasets: probabilistic.py's peer.

Runs under an interpreter with `neuralforecast`, `torch` and `polars` installed (not
keras_nhits' venv; it imports nothing of keras_nhits or TensorFlow). NHITS with
`loss=MQLoss(level=[80, 90])` (quantiles 0.05, 0.1, 0.5, 0.9, 0.95; early stopping on the same
loss over the validation split), with the architecture, input, horizon and budget of the
long-horizon protocol's neuralforecast run (`long_horizon.run_neuralforecast`): 3 identity
stacks of 1 block, the chosen pools, downsampling, MLP size and rate, max pooling, linear
interpolation, per-window standard scaling, at most `max_steps` steps validated every 25,
early stopping after `patience` validations, 3 rate decays, every channel in each batch and
256 windows per step.

Data, splits and settings are imported from `benchmarks/long_horizon.py`, which imports only
NumPy and Polars at the top (keras_nhits inside its functions), so nothing is copied: the
standardised channels (`read_protocol_frame`), the split counts, the chosen settings
(`parse_args`, `CHOSEN`). The test forecasts are neuralforecast's `cross_validation(val_size=
n_val, test_size=n_test, n_windows=None, step_size=1, refit=False)`: every test origin,
`n_test - H + 1` windows per channel, inputs reaching back into validation; the count is checked.

Figures, computed here in NumPy over every test point, as keras_nhits' `metrics.json` computes
them (`keras_nhits.probabilistic.scores`), so the two tables compare:

* cov80, cov90: the fraction of points with lo <= y <= hi (bounds included);
* scaled CRPS: 2 x the mean pinball loss over the five quantiles, divided by the mean |y|;
* median MAE: the MAE of the median output (neuralforecast's `NHITS-median`).

Everything is on the standardised scale, as in the protocol: the mean |y| that scales the CRPS
is that of the standardised test targets. neuralforecast has no point-model column here, so
"MAE vs point model" is left empty; `long_horizon.py --compare-neuralforecast` has its point MAE.

Usage (mean of seeds 1..N):
    /work/nf-venv/bin/python benchmarks/probabilistic_peer.py --data-dir /work/shared/data \\
        --seeds 3
    /work/nf-venv/bin/python benchmarks/probabilistic_peer.py --quick   # 1 seed, 50 steps,
                                                                        # ETTh1 and ILI
A script that prints figures, never a unit test.
"""

import argparse
import os
import sys
import time

import numpy as np
import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import long_horizon  # noqa: E402
from report_tools import cell, cpu_model, mean_of, quiet_logs  # noqa: E402

LEVELS = (80, 90)
QUANTILES = (0.05, 0.1, 0.5, 0.9, 0.95)  # MQLoss(level=[80, 90]), sorted
DATASETS = tuple(long_horizon.DATASETS)
QUICK_STEPS, QUICK_DATASETS = 50, ("etth1", "ili")


# === Scores ===


def quantile_columns(predictions):
    """`[points, 5]` forecast quantiles in the order of QUANTILES, from neuralforecast's names."""
    names = ["NHITS-lo-90", "NHITS-lo-80", "NHITS-median", "NHITS-hi-80", "NHITS-hi-90"]
    missing = [n for n in names if n not in predictions.columns]
    if missing:
        raise RuntimeError(f"neuralforecast gave no {missing}; columns {list(predictions)}")
    return predictions[names].to_numpy(np.float64)


def scores(y, q):
    """cov80, cov90, scaled CRPS and the median's MAE of quantiles `q` `[P, 5]` for `y` `[P]`."""
    taus = np.asarray(QUANTILES)
    errors = y[:, None] - q  # [P, 1] - [P, Q]
    pinball = np.maximum(taus * errors, (taus - 1.0) * errors)
    out = {"crps": float(2.0 * pinball.mean() / np.abs(y).mean())}
    for level in LEVELS:
        lo = q[:, QUANTILES.index(round(0.5 - level / 200, 2))]
        hi = q[:, QUANTILES.index(round(0.5 + level / 200, 2))]
        out[f"cov{level}"] = float(np.mean((lo <= y) & (y <= hi)))
    out["mae"] = float(np.mean(np.abs(y - q[:, QUANTILES.index(0.5)])))
    return out


# === Runs ===


def protocol_args(data_dir, dataset, max_steps):
    """The long-horizon protocol's settings for `dataset` at its shortest horizon."""
    argv = ["--data-dir", data_dir, "--dataset", dataset]
    argv += ["--horizon", str(long_horizon.HORIZONS[dataset][0])]
    if max_steps:
        argv += ["--max-steps", str(max_steps)]
    return long_horizon.parse_args(argv)


def long_frame(frame):
    """neuralforecast's long frame (unique_id, ds, y) of the standardised channels, in pandas."""
    return (
        frame.with_row_index("ds")
        .unpivot(index="ds", variable_name="unique_id", value_name="y")
        .select("unique_id", pl.col("ds").cast(pl.Int64), "y")
        .to_pandas()
    )


def run(args, frame, counts, seed):
    """One fit and rolling test forecast; returns the scores, seconds and steps."""
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MQLoss
    from neuralforecast.models import NHITS
    from pytorch_lightning.callbacks import Timer

    timer = Timer()
    model = NHITS(
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
        loss=MQLoss(level=list(LEVELS)),
        learning_rate=args.lr,
        num_lr_decays=3,
        max_steps=args.max_steps,
        val_check_steps=args.steps_per_epoch,
        early_stop_patience_steps=args.patience,
        batch_size=frame.width,  # every channel in each batch ...
        windows_batch_size=args.batch_size,  # ... and batch_size windows per step, as ours
        valid_batch_size=frame.width,
        inference_windows_batch_size=2048,
        scaler_type=args.scaler,
        random_seed=seed,
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        accelerator="cpu",
        callbacks=[timer],
    )
    nf = NeuralForecast(models=[model], freq=1)
    predictions = nf.cross_validation(
        df=long_frame(frame),
        val_size=counts[1],
        test_size=counts[2],
        n_windows=None,
        step_size=1,
        refit=False,
    )
    expected = (counts[2] - args.horizon + 1) * args.horizon * frame.width
    if len(predictions) != expected:
        raise RuntimeError(f"neuralforecast gave {len(predictions)} forecasts, expected {expected}")
    out = scores(predictions["y"].to_numpy(np.float64), quantile_columns(predictions))
    fitted = nf.models[0]
    timers = [c for c in fitted.trainer_kwargs.get("callbacks", []) if isinstance(c, Timer)]
    out["seconds"] = (timers[0] if timers else timer).time_elapsed("train")
    trained = getattr(fitted, "train_trajectories", None) or []  # (global step, loss) per step
    out["steps"] = int(trained[-1][0]) + 1 if trained else None
    return out


# === Report ===


def print_table(rows):
    """rows: (dataset, runs), runs the scores of each seed."""
    print(
        "| dataset | method | cov80 | cov90 | scaled CRPS | median MAE | "
        "MAE vs point model (%) | seeds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for dataset, runs in rows:
        print(
            f"| {dataset} | neuralforecast MQLoss | {cell(mean_of(runs, 'cov80'))} | "
            f"{cell(mean_of(runs, 'cov90'))} | {cell(mean_of(runs, 'crps'), 4)} | "
            f"{cell(mean_of(runs, 'mae'), 4)} | - | {len(runs)} |"
        )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/work/shared/data", help="folder of the .csv.gz")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated")
    parser.add_argument("--seeds", type=int, default=1, help="runs with seeds 1..N (default 1)")
    parser.add_argument(
        "--max-steps", type=int, default=0, help="(default: the protocol's chosen, per dataset)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 seed, 50 steps, etth1 and ili: a smoke run"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.max_steps, args.datasets = 1, QUICK_STEPS, ",".join(QUICK_DATASETS)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(DATASETS))
    if unknown or not names:
        parser.error(f"--datasets: unknown {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    args.datasets = names
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1; received {args.seeds}")
    return args


def main(argv=None):
    args = parse_args(argv)
    quiet_logs()
    import neuralforecast
    import torch

    rows = []
    for dataset in args.datasets:
        protocol = protocol_args(args.data_dir, dataset, args.max_steps)
        path = os.path.join(args.data_dir, long_horizon.DATASETS[dataset].file)
        frame, counts = long_horizon.read_protocol_frame(path, dataset)
        input_size = protocol.input_multiple * protocol.horizon
        print(
            f"{dataset}: {frame.height} rows x {frame.width} channels, train/val/test "
            f"{counts[0]}/{counts[1]}/{counts[2]}, input {input_size}, horizon "
            f"{protocol.horizon}, at most {protocol.max_steps} steps, patience "
            f"{protocol.patience}, lr {protocol.lr:g}, MLP {protocol.hidden_size}",
            flush=True,
        )
        runs = []
        for seed in range(1, args.seeds + 1):
            r = run(protocol, frame, counts, seed)
            runs.append(r)
            print(
                f"  seed {seed}: cov80 {r['cov80']:.4f}, cov90 {r['cov90']:.4f}, crps "
                f"{r['crps']:.4f}, median MAE {r['mae']:.4f}; {r['steps'] or '?'} steps, "
                f"{r['seconds']:.1f}s",
                flush=True,
            )
        rows.append((dataset, runs))
    print(
        f"\nneuralforecast {neuralforecast.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), CPU {cpu_model() or '?'}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; levels {', '.join(map(str, LEVELS))}; "
        "standardised scale (scaled CRPS divides by the mean |y| of the standardised test "
        "targets)\n"
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    sys.exit(status)

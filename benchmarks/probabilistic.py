"""Probabilistic N-HiTS on the long-horizon datasets: coverage, scaled CRPS and median MAE.

The ways `docs/probabilistic.md` offers to get intervals, each trained through the
library's public entry point `NHITSTrainer` (the code users run), beside the point model:

* `head`: `level=(80, 90)`, the quantile head trained with the multi-quantile pinball loss;
* `conformal-point`: `level=(80, 90), conformal="point"`, a point model with split-conformal
  offsets per horizon step calibrated on the validation split;
* `conformal-quantiles`: `level=(80, 90), conformal="quantiles"`, the quantile head's bounds
  moved by offsets calibrated on validation (conformalized quantile regression);
* `normal`, `studentt`: `level=(80, 90), loss=...`, the parametric heads trained by negative
  log-likelihood, their quantiles in closed form;
* `point`: no level, the point model, whose test MAE the medians above are compared with.

Data, splits and settings are the long-horizon protocol's, imported from
`benchmarks/long_horizon.py` (read there, not copied): ETTh1, ETTh2, Exchange, ILI, every
channel standardised with its training split's statistics, `val_split` / `test_split` as the
protocol's counts, horizon 96 (ILI 24), input 5 x horizon, the per-dataset chosen settings
(`long_horizon.CHOSEN`: pools, rate, MLP size, at most `max_steps` steps validated every 25,
early stopping patience) and a forecast at every test origin.

Figures, from `metrics.json` of each run (`result.metrics`), over every test window:

* cov80, cov90: the fraction of test points inside the 80 % / 90 % intervals;
* scaled CRPS: 2 x the mean pinball loss over the quantiles 0.05, 0.1, 0.5, 0.9, 0.95, divided
  by the mean |y| of the test targets (`probabilistic.test.scaled_crps`);
* median MAE: the MAE of the median, which is the point forecast (`test.mae`), and its change
  against the point model of the same seed.

Everything is on the standardised scale, as the protocol's MSE / MAE are: the trainer is given
the standardised channels, so its "raw units" are those, and the mean |y| that scales the CRPS
is that of standardised data (near 0.8 for a normal channel, not the series' own magnitude).
`benchmarks/probabilistic_peer.py` computes the same figures the same way for neuralforecast's
NHITS with `MQLoss(level=[80, 90])` on the same split, so the two tables compare.
The last row per dataset is the trainer's own interval baseline (the naive forecast plus the
quantiles of its validation errors per horizon step; these frames have no calendar, so the
season is 0 and "seasonal naive" is naive), read from the head's run.

Usage (mean of seeds 1..N):
    python benchmarks/probabilistic.py --data-dir /work/shared/data --seeds 3
    python benchmarks/probabilistic.py --datasets ili --methods head,point --max-steps 200
    python benchmarks/probabilistic.py --quick   # 1 seed, 50 steps, ETTh1 and ILI: a smoke run
A script that prints figures, never a unit test.
"""

import argparse
import math
import os
import sys
import tempfile
import time

# The protocol (datasets, splits, standardisation, chosen settings, the trainer's config) is
# long_horizon.py's; it imports NumPy and Polars at the top and keras only inside functions.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import long_horizon  # noqa: E402
from report_tools import cell, cpu_model, mean_of  # noqa: E402

LEVELS = (80, 90)
METHODS = {  # name: (label, NHITSTrainer overrides)
    "head": ("quantile head", {"level": LEVELS}),
    "conformal-point": ("conformal point", {"level": LEVELS, "conformal": "point"}),
    "conformal-quantiles": ("conformal quantiles", {"level": LEVELS, "conformal": "quantiles"}),
    "normal": ("normal head", {"level": LEVELS, "loss": "normal"}),
    "studentt": ("Student's t head", {"level": LEVELS, "loss": "studentt"}),
    "point": ("point model", {}),
}
DATASETS = tuple(long_horizon.DATASETS)
QUICK_STEPS, QUICK_DATASETS = 50, ("etth1", "ili")


# === Runs ===


def protocol_args(data_dir, dataset, max_steps):
    """The long-horizon protocol's settings for `dataset` at its shortest horizon."""
    argv = ["--data-dir", data_dir, "--dataset", dataset]
    argv += ["--horizon", str(long_horizon.HORIZONS[dataset][0])]
    if max_steps:
        argv += ["--max-steps", str(max_steps)]
    return long_horizon.parse_args(argv)


def run_method(args, frame, counts, seed, overrides):
    """One training run through `NHITSTrainer`; returns the figures of its `metrics.json`."""
    from keras_nhits import NHITSTrainer

    with tempfile.TemporaryDirectory(prefix="nhits_prob_") as folder:
        config = long_horizon.training_config(args, counts, seed, os.path.join(folder, "run"))
        metrics = NHITSTrainer(config, log=lambda line: None, **overrides).fit(frame).metrics
    expected = (counts[2] - args.horizon + 1) * frame.width
    if metrics["windows"]["test"] != expected:
        raise RuntimeError(f"{metrics['windows']['test']} test windows, expected {expected}")
    out = {
        "mae": metrics["test"]["mae"],
        "seconds": metrics["train_seconds"],
        "steps": metrics["epochs_completed"] * args.steps_per_epoch,
    }
    record = metrics.get("probabilistic")
    if record:
        out.update(_interval_figures(record["test"]))
        baseline = record["baselines"].get("seasonal_naive")
        if baseline:
            out["baseline"] = {
                **_interval_figures(baseline),
                "mae": metrics["baselines"]["naive"]["mae"],
            }
    return out


def _interval_figures(scores):
    """cov80, cov90 and scaled CRPS of one `probabilistic_metrics` dict."""
    out = {f"cov{lv}": scores["intervals"][str(lv)]["coverage"] for lv in LEVELS}
    out["crps"] = scores["scaled_crps"]
    return out


# === Report ===


def print_table(rows):
    """rows: (dataset, label, runs, point runs or None), runs the figures of each seed."""
    print(
        "| dataset | method | cov80 | cov90 | scaled CRPS | median MAE | "
        "MAE vs point model (%) | seeds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for dataset, label, runs, point in rows:
        mae = mean_of(runs, "mae")
        change = 100.0 * (mae / mean_of(point, "mae") - 1.0) if point else math.nan
        print(
            f"| {dataset} | {label} | {cell(mean_of(runs, 'cov80'))} | "
            f"{cell(mean_of(runs, 'cov90'))} | {cell(mean_of(runs, 'crps'), 4)} | "
            f"{cell(mae, 4)} | {cell(change, 1)} | {len(runs)} |"
        )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/work/shared/data", help="folder of the .csv.gz")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated")
    parser.add_argument("--seeds", type=int, default=1, help="runs with seeds 1..N (default 1)")
    parser.add_argument(
        "--max-steps", type=int, default=0, help="(default: the protocol's chosen, per dataset)"
    )
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated")
    parser.add_argument(
        "--quick", action="store_true", help="1 seed, 50 steps, etth1 and ili: a smoke run"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.max_steps, args.datasets = 1, QUICK_STEPS, ",".join(QUICK_DATASETS)
    for flag, known in (("datasets", DATASETS), ("methods", tuple(METHODS))):
        names = [n.strip() for n in getattr(args, flag).split(",") if n.strip()]
        unknown = sorted(set(names) - set(known))
        if unknown or not names:
            parser.error(f"--{flag}: unknown {', '.join(unknown)}; choose from {', '.join(known)}")
        setattr(args, flag, names)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1; received {args.seeds}")
    return args


def main(argv=None):
    args = parse_args(argv)
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
        results = {}
        for method in args.methods:
            label, overrides = METHODS[method]
            results[method] = []
            for seed in range(1, args.seeds + 1):
                r = run_method(protocol, frame, counts, seed, overrides)
                results[method].append(r)
                shown = ", ".join(
                    f"{k} {r[k]:.4f}" for k in ("cov80", "cov90", "crps") if r.get(k) is not None
                )
                print(
                    f"  {method} seed {seed}: {shown + ', ' if shown else ''}median MAE "
                    f"{r['mae']:.4f}; {r['steps']} steps, {r['seconds']:.1f}s",
                    flush=True,
                )
        point = results.get("point")
        for method, runs in results.items():
            rows.append((dataset, METHODS[method][0], runs, point))
        baselines = [r["baseline"] for r in results.get("head", []) if "baseline" in r]
        if baselines:
            rows.append((dataset, "naive + validation error quantiles", baselines, point))
    import keras

    print(
        f"\nkeras_nhits on {keras.backend.backend()}, CPU {cpu_model() or '?'}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; levels "
        f"{', '.join(map(str, LEVELS))}; standardised scale (scaled CRPS divides by the mean "
        "|y| of the standardised test targets)\n"
    )
    print_table(rows)
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    sys.exit(status)

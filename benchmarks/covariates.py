"""What covariates buy N-HiTS, and what they cost: test MAE with and without, and windows/s.

Accuracy, through the library's public entry point `NHITSTrainer` (the code users run), with
and without covariates, seeds 1..N, test MAE in raw units over every test origin beside the
naive baseline (last value repeated) the trainer reports:

* NOx (`nox_emissions.csv.gz`): target `LNOx`, future-known `LNOxEm`, `sqrtWS` (emissions and
  wind, what traffic and weather forecasts give ahead). The 503 missing hours are inserted and
  interpolated (`gaps="fill", fill="interpolate"`); 8,591 hours split 6,013 / 860 / 1,718
  (`val_split=0.1, test_split=0.2`).
* ETTh1 (`ETTh1.csv.gz`, the first 14,400 rows): target `OT`, historical the six load columns,
  calendar `hour,dayofweek` (future-known); split 8,640 / 2,880 / 2,880 (12/4/4 months).

Input 168 hours, horizon 24; 3 stacks x 1 block, MLP 2 x 512, max pooling, linear
interpolation, per-window standard scaling and the naive level (the library defaults), MAE
loss, Adam at 1e-3 with three step decays, batch 256, at most 300 steps validated every 25
(`windows_per_epoch=6400`), early stopping after 4 validations and the best weights restored.
`benchmarks/covariates_peer.py` runs neuralforecast's NHITS on the same data and split.

Speed: training windows/s of one NHITS with NOx's two future covariates against the univariate
NHITS, same data, same `make_dataset` pipeline (the dict input with covariates), same compile
as the trainer; one warm-up epoch, then epochs alternated between the two models (so load
from other processes falls on both), best and median epoch reported.

Usage:
    python benchmarks/covariates.py --data-dir /work/shared/data --seeds 3
    python benchmarks/covariates.py --quick                 # 1 seed, 50 steps: a smoke run
    python benchmarks/covariates.py --split val ...         # report validation MAE instead
A script that prints figures, never a unit test.
"""

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time

import polars as pl

INPUT, HORIZON = 168, 24
LOAD_COLUMNS = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL")


@dataclasses.dataclass(frozen=True)
class Dataset:
    """One benchmark series: its file, columns, split and model settings (the library defaults:
    nothing was tuned, on validation or otherwise)."""

    file: str
    target: str
    hist: tuple = ()
    futr: tuple = ()
    calendar: tuple = ()
    rows: int = 0  # rows used from the top of the file (0: all)
    val_split: float = 0.1
    test_split: float = 0.2
    pool_sizes: tuple = (2, 2, 1)
    freq_downsample: tuple = (4, 2, 1)
    max_steps: int = 300


# covariates_peer.py reads these (and the budget below): one table for both libraries.
DATASETS = {
    "nox": Dataset("nox_emissions.csv.gz", "LNOx", futr=("LNOxEm", "sqrtWS")),
    "etth1": Dataset(
        "ETTh1.csv.gz",
        "OT",
        hist=LOAD_COLUMNS,
        calendar=("hour", "dayofweek"),
        rows=14_400,
        val_split=2_880,
        test_split=2_880,
    ),
}
BATCH, STEPS_PER_CHECK, PATIENCE, LR = 256, 25, 4, 1e-3


# === Accuracy ===


def source(data_dir, spec):
    """What the trainer reads: the file's path, or its first `rows` rows as a DataFrame."""
    path = os.path.join(data_dir, spec.file)
    if not spec.rows:
        return path
    return pl.read_csv(path, try_parse_dates=True).head(spec.rows)


def training_config(spec, covariates, seed, output, pools=None):
    """The trainer's settings for one run (`pools`: (pool_sizes, freq_downsample) to try)."""
    pool_sizes, freq_downsample = pools or (spec.pool_sizes, spec.freq_downsample)
    return {
        "target": spec.target,
        "hist_exog": ",".join(spec.hist) if covariates else "",
        "futr_exog": ",".join(spec.futr) if covariates else "",
        "calendar": ",".join(spec.calendar) if covariates else "",
        "gaps": "fill",
        "fill": "interpolate",
        "val_split": spec.val_split,
        "test_split": spec.test_split,
        "input_size": INPUT,
        "horizon": HORIZON,
        "pool_sizes": pool_sizes,
        "freq_downsample": freq_downsample,
        "batch_size": BATCH,
        "windows_per_epoch": STEPS_PER_CHECK * BATCH,
        "epochs": max(spec.max_steps // STEPS_PER_CHECK, 1),
        "lr": LR,
        "lr_decays": 3,
        "loss": "mae",
        "patience": PATIENCE,
        "seed": seed,
        "output": output,
        "overwrite": True,
        "quiet": True,
    }


def run_ours(data, spec, covariates, seed, pools=None):
    """One training run through `NHITSTrainer`: test and naive MAE, best val MAE, seconds."""
    from keras_nhits import NHITSTrainer

    with tempfile.TemporaryDirectory(prefix="nhits_cov_") as folder:
        config = training_config(spec, covariates, seed, os.path.join(folder, "run"), pools)
        metrics = NHITSTrainer(log=lambda line: None, **config).fit(data).metrics
    # With series_scaler none the model's output is in raw units, so val_loss is the raw MAE.
    best_val = min(r["val_loss"] for r in metrics["history"])
    return {
        "test": metrics["test"]["mae"],
        "naive": metrics["baselines"]["naive"]["mae"],
        "val": best_val,
        "seconds": metrics["train_seconds"],
        "steps": metrics["epochs_completed"] * STEPS_PER_CHECK,
        "windows": metrics["windows"],
    }


# === Speed ===


def speed_inputs(data_dir, spec, covariates):
    """The NOx training split and a compiled, seeded NHITS for it, as the trainer builds them."""
    import keras

    from keras_nhits import NHITS, NHITSTrainingConfig
    from keras_nhits.data import covariate_statistics, load_series, prepare_splits

    config = NHITSTrainingConfig(**training_config(spec, covariates, 1, "unused"))
    series = load_series(
        os.path.join(data_dir, spec.file),
        target=config.target,
        gaps="fill",
        fill="interpolate",
        calendar=config.calendar,
        **config.covariate_columns(),
    )
    splits = prepare_splits(
        series,
        input_size=INPUT,
        horizon=HORIZON,
        val_split=spec.val_split,
        test_split=spec.test_split,
    )
    keras.utils.set_random_seed(1)
    model = NHITS(**config.model_for(splits.series).model_kwargs())
    model.build(model.input_shapes())
    if model.has_covariates:
        model.set_covariate_statistics(**covariate_statistics(splits))
    model.compile(optimizer=keras.optimizers.Adam(LR), loss="mae", jit_compile="auto")
    return model, splits


def windows_per_second(data_dir, spec, steps, repeats):
    """{variant: (best, median)} training windows/s, univariate and with covariates."""
    import keras

    from keras_nhits.data import make_dataset

    class EpochTimes(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    setups = {}
    for name, covariates in (("univariate", False), ("covariates", True)):
        model, splits = speed_inputs(data_dir, spec, covariates)
        data = make_dataset(
            splits.series,
            splits.train,
            input_size=INPUT,
            horizon=HORIZON,
            batch_size=BATCH,
            shuffle=True,
            windows_per_epoch=steps * BATCH,
        )
        model.fit(data, epochs=1, verbose=0, shuffle=False)  # warm-up: tracing, compiling
        setups[name] = (model, data, EpochTimes())
    for _ in range(repeats):  # alternated, so outside load falls on both
        for model, data, times in setups.values():
            model.fit(data, epochs=1, verbose=0, shuffle=False, callbacks=[times])
    return {
        name: (steps * BATCH / min(t.seconds), steps * BATCH / statistics.median(t.seconds))
        for name, (_, _, t) in setups.items()
    }


# === Report ===


def cpu_model():
    """The CPU's model name from `lscpu` (empty when lscpu is missing)."""
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""
    for line in text.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return ""


def _summary(values):
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.4f} ± {spread:.4f}"


def accuracy(args):
    """Trains every dataset and variant for each seed; returns the table rows."""
    rows = []
    for name in args.datasets:
        spec = DATASETS[name]
        if args.quick:
            spec = dataclasses.replace(spec, max_steps=50)
        data = source(args.data_dir, spec)
        for covariates in (False, True):
            variant = "covariates" if covariates else "univariate"
            runs = []
            for seed in range(1, args.seeds + 1):
                runs.append(run_ours(data, spec, covariates, seed, args.pools))
                r = runs[-1]
                shown = f"test MAE {r['test']:.4f}, " if args.split == "test" else ""
                print(
                    f"  {name} {variant} seed {seed}: {shown}best val MAE {r['val']:.4f}; "
                    f"{r['steps']} steps, {r['seconds']:.1f}s; windows {r['windows']}",
                    flush=True,
                )
            rows.append((name, variant, runs))
    return rows


def print_accuracy(rows, split):
    key = split if split == "test" else "val"
    print(f"\n| dataset | variant | ours {split} MAE | seeds | train s | naive test MAE |")
    print("|---|---|---|---|---|---|")
    for name, variant, runs in rows:
        naive = f"{runs[0]['naive']:.4f}" if split == "test" else "-"
        seconds = statistics.fmean(r["seconds"] for r in runs)
        print(
            f"| {name} | {variant} | {_summary([r[key] for r in runs])} | {len(runs)} | "
            f"{seconds:.0f} | {naive} |"
        )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/work/shared/data", help="folder of the .csv.gz")
    parser.add_argument("--datasets", default="nox,etth1", help="comma-separated: nox, etth1")
    parser.add_argument("--seeds", type=int, default=3, help="runs with seeds 1..N (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 seed, 50 steps: a smoke run")
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument(
        "--pools", default="", help="pool_sizes/freq_downsample to try, e.g. 16,8,1/24,12,1"
    )
    parser.add_argument("--speed-steps", type=int, default=40, help="batches per timed epoch")
    parser.add_argument("--speed-repeats", type=int, default=5, help="timed epochs per model")
    parser.add_argument("--no-speed", action="store_true", help="skip the windows/s figure")
    parser.add_argument("--no-accuracy", action="store_true", help="only the windows/s figure")
    args = parser.parse_args(argv)
    args.datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = sorted(set(args.datasets) - set(DATASETS))
    if unknown:
        parser.error(f"--datasets: unknown {', '.join(unknown)}; choose from nox, etth1")
    if args.pools:
        pools, _, down = args.pools.partition("/")
        args.pools = (tuple(map(int, pools.split(","))), tuple(map(int, down.split(","))))
    else:
        args.pools = None
    if args.quick:
        args.seeds, args.speed_steps, args.speed_repeats = 1, 10, 2
    return args


def main(argv=None):
    args = parse_args(argv)
    import keras

    rows = [] if args.no_accuracy else accuracy(args)
    speed = None
    if not args.no_speed:
        speed = windows_per_second(
            args.data_dir, DATASETS["nox"], args.speed_steps, args.speed_repeats
        )
    print(
        f"\nkeras_nhits on {keras.backend.backend()}, CPU {cpu_model() or '?'}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; input {INPUT}, "
        f"horizon {HORIZON}, batch {BATCH}, lr {LR:g}"
    )
    if rows:
        print_accuracy(rows, args.split)
    if speed:
        uni, cov = speed["univariate"], speed["covariates"]
        print(
            f"\ntraining windows/s on NOx ({args.speed_steps} batches of {BATCH} per epoch, best "
            f"/ median of {args.speed_repeats} epochs after a warm-up):\n"
            f"  univariate           {uni[0]:>9,.0f} {uni[1]:>9,.0f}\n"
            f"  2 future covariates  {cov[0]:>9,.0f} {cov[1]:>9,.0f}\n"
            f"  ratio                {cov[0] / uni[0]:>9.2f} {cov[1] / uni[1]:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    sys.exit(status)

"""A hyperparameter search on ETTh1 and ETTh2 (horizon 96), scored on validation only, and the
chosen config's test MSE (mean of 3 seeds) against the paper + 5 % and the hand-picked rows.

The protocol is `long_horizon.py`'s (docs/benchmarks.md): the standard chronological splits,
every channel standardised with its training split's statistics, input 5 x horizon (fixed by the
protocol, so not searched), MAE loss, Adam with 3 step decays, batches of 256 windows before the
search draws another, validation every 50 steps, early stopping after 4 validations without
improvement. The search is `keras_nhits.run_search` (what `python -m keras_nhits.tune` runs) on
the standardised frame: TPE over the space below, trials seeded 1, pruned on the per-epoch
validation loss. Only the validation split is scored while searching; then the best trial's
config is trained with seeds 1, 2 and 3 and its test MSE / MAE printed.

The study lives in `--work-dir` (SQLite): a run killed part-way continues where it stopped when
started again with the same flags.

Usage:
    python benchmarks/tune_long_horizon.py --data-dir /work/shared/data --dataset etth1 \\
        --trials 16 --work-dir /tmp/tune_bench

A script that prints figures, never a unit test.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from long_horizon import DATASETS, PUBLISHED, read_protocol_frame  # noqa: E402
from report_tools import cpu_model  # noqa: E402

HORIZON = 96
STEPS_PER_EPOCH = 50
# The hand-picked rows of docs/benchmarks.md (test MSE, mean of seeds 1-3), chosen on validation.
HAND_PICKED = {"etth1": 0.402, "etth2": 0.296}

SPACE = """
[pool_sizes]
choices = [[2, 2, 1], [4, 4, 4], [8, 4, 1], [16, 8, 1]]

[freq_downsample]
choices = [[4, 2, 1], [12, 4, 1], [24, 12, 1], [168, 24, 1]]

[lr]
low = 1e-4
high = 3e-3
log = true

[hidden_size]
choices = [128, 256, 512]

[dropout]
low = 0.0
high = 0.3
step = 0.1

[epochs]
choices = [10, 20]
"""


def base_settings(counts, args, output):
    """The search's fixed settings: the protocol's, as `long_horizon.training_config`."""
    return {
        "input_size": 5 * HORIZON,
        "horizon": HORIZON,
        "val_split": counts[1],
        "test_split": counts[2],
        "batch_size": 256,
        "windows_per_epoch": STEPS_PER_EPOCH * 256,
        "epochs": 20,
        "lr_decays": 3,
        "lr_factor": 0.5,
        "patience": 4,
        "loss": "mae",
        "seed": 1,
        "trials": args.trials,
        "study": f"{args.dataset}_h{HORIZON}",
        "quiet": True,
        "output": output,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--dataset", choices=sorted(HAND_PICKED), required=True)
    parser.add_argument("--trials", type=int, default=16, help="the search's budget of trials")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "tune_bench"))
    args = parser.parse_args(argv)

    import keras

    from keras_nhits import NHITSTrainer, run_search

    frame, counts = read_protocol_frame(
        os.path.join(args.data_dir, DATASETS[args.dataset].file), args.dataset
    )
    output = os.path.join(args.work_dir, args.dataset)
    os.makedirs(args.work_dir, exist_ok=True)
    space = os.path.join(args.work_dir, "space_long_horizon.toml")
    with open(space, "w") as handle:
        handle.write(SPACE)
    print(
        f"{args.dataset} horizon {HORIZON}: {args.trials} trials, CPU {cpu_model()} "
        f"({os.cpu_count()} cores), backend {keras.backend.backend()}",
        flush=True,
    )
    started = time.perf_counter()
    result = run_search(
        {**base_settings(counts, args, output), "space": space},
        frame,
        log=lambda line: print("  " + line, flush=True),
    )
    search_seconds = time.perf_counter() - started
    states = [t.state.name.lower() for t in result.study.trials]
    best = result.study.best_trial
    chosen = result.best_config
    runs = []
    for seed in range(1, args.seeds + 1):
        with tempfile.TemporaryDirectory(prefix="nhits_tune_bench_") as folder:
            trainer = NHITSTrainer(chosen, seed=seed, output=folder, log=lambda line: None)
            _, metrics = trainer.fit(frame)
        val = min(r["val_loss"] for r in metrics["history"])
        runs.append((metrics["test"]["mse"], metrics["test"]["mae"], val))
        print(
            f"  seed {seed}: test MSE {runs[-1][0]:.4f} MAE {runs[-1][1]:.4f}, val loss "
            f"{val:.5f} (search's trial: {best.value:.5f} with seed 1), "
            f"{metrics['train_seconds']:.0f}s",
            flush=True,
        )
    mse = [r[0] for r in runs]
    mean = statistics.fmean(mse)
    spread = statistics.stdev(mse) if len(mse) > 1 else 0.0
    target = PUBLISHED[(args.dataset, HORIZON)][0] * 1.05
    print(
        f"\n{args.dataset} {HORIZON}: {states.count('complete')} complete, "
        f"{states.count('pruned')} pruned, {states.count('fail')} skipped trials in "
        f"{search_seconds:.0f}s; best trial {best.number} val loss {best.value:.5f} "
        f"({', '.join(f'{k}={v}' for k, v in best.params.items())})"
    )
    print("| dataset | trials | test MSE (3 seeds) | paper + 5 % | hand-picked | vs target |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.dataset} | {len(states)} | {mean:.4f} ± {spread:.4f} | {target:.4f} | "
        f"{HAND_PICKED[args.dataset]:.3f} | {100 * (mean / target - 1):+.1f} % |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""neuralforecast's NHITS walk-forward cross-validation with refits: backtest.py --refit's peer.

Runs under an interpreter with `neuralforecast`, `torch` and `polars` installed (not
keras_nhits' venv; it imports nothing of keras_nhits or TensorFlow). The settings are
`backtest.REFIT`, imported from `benchmarks/backtest.py` (which imports only NumPy and Polars at
the top), so nothing is copied: the same ETTh1 channels as series (long unique_id/ds/y, hourly),
the same cutoffs (`n_windows` cutoffs `step_size` apart, the last forecast ending on the last
row: neuralforecast's convention, which keras_nhits follows), a refit before every
`refit_every`-th cutoff, `refit_steps` optimizer steps per refit (`max_steps`), `batch_size`
windows per step (`windows_batch_size`, with every series in each batch: `batch_size` =
the number of series), the same input size, horizon, MLP width and depth, stacks, blocks,
pools, downsampling, max pooling, linear interpolation, per-window standard scaling, MAE loss,
Adam at a constant rate (`num_lr_decays=-1`). Torch runs on 2 threads.

Timed: `NeuralForecast.cross_validation(df, n_windows=W, step_size=S, refit=K)`, the wall time
in total and per refit. Each refit is `NeuralForecast.fit` on every row up to its cutoff
(neuralforecast's `cross_validation` with `refit` an int K fits before windows 0, K, 2K, ...,
`True` before each), and per-refit times are the intervals between the ends of the fits
(a Lightning callback), as backtest.py takes them between its refits' log lines; the time
inside Lightning's `fit` is also shown apart.

Disabled, because they are not part of the work compared: validation (`val_size=0`,
`limit_val_batches=0`, `num_sanity_val_steps=0`, one check at the last step), early stopping,
learning-rate decay, the logger, checkpointing, the progress bar and the model summary.

Where the two are not the same work, stated here and in the output:

* the first fit: neuralforecast's first fit starts from random weights inside the timed call;
  keras_nhits' trained run (fitted for `refit_steps` steps on the rows up to the first cutoff)
  is outside its total, and its first refit continues it. Both then do the same number of
  fits of `refit_steps` steps each;
* warm start and optimizer: neuralforecast's `cross_validation` does not reset the model
  (`use_init_models=False`), so each fit continues the previous weights, as keras_nhits' refits
  do; but each fit makes a new Lightning Trainer and a new Adam (its moments reset), where
  keras_nhits keeps one compiled model copy and its Adam state across the refits;
* data: neuralforecast rebuilds its dataset from the frame before every fit and calls
  `predict` once per cutoff (W calls); keras_nhits reads the frame once and forecasts each
  group of cutoffs in one batched pass, and also scores them (the backtest record);
* a step: neuralforecast cuts every window of the batch's series (`unfold`, an availability
  mask summed per window) and then samples `windows_batch_size` of them, each step; keras_nhits
  gathers only the sampled windows. With every series in one batch a step is also one
  Lightning epoch, so each pays the epoch hooks and a new DataLoader iterator. keras_nhits
  compiles its training step with XLA in the first refit; neuralforecast runs eager PyTorch;
* neuralforecast's window pool also holds windows whose horizon runs past the cutoff (the
  series padded with `horizon` zeros, the missing targets masked out of the loss); keras_nhits
  draws only windows whose targets end at or before the cutoff.

The cross-validation MAE is printed beside the times as a check that both forecast the same
cutoffs sensibly, not as an accuracy comparison.

Usage:
    /work/nf-venv/bin/python benchmarks/backtest_peer.py
    /work/nf-venv/bin/python benchmarks/backtest_peer.py --quick   # backtest.REFIT_QUICK
A script that prints figures, never a unit test.
"""

import argparse
import os
import sys
import time

import numpy as np
import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import backtest  # noqa: E402
from report_tools import cpu_model, quiet_logs  # noqa: E402

THREADS = 2
POOLING = {"max": "MaxPool1d", "average": "AvgPool1d"}
# (start, end, global step) of each Lightning fit; module-level because NeuralForecast
# deep-copies its models, callbacks included.
FITS = []


def long_frame(frame, settings):
    """neuralforecast's long frame (unique_id, ds, y) of the channels, in pandas."""
    return (
        frame.unpivot(index=settings["time_col"], variable_name="unique_id", value_name="y")
        .select("unique_id", pl.col(settings["time_col"]).cast(pl.Datetime("ns")).alias("ds"), "y")
        .sort("unique_id", "ds")
        .to_pandas()
    )


def fit_timer():
    """A Lightning callback recording each fit's start, end and last global step in FITS."""
    from pytorch_lightning.callbacks import Callback

    class FitTimer(Callback):
        def on_fit_start(self, trainer, pl_module):
            FITS.append([time.perf_counter(), None, None])

        def on_fit_end(self, trainer, pl_module):
            FITS[-1][1:] = [time.perf_counter(), int(trainer.global_step)]

    return FitTimer()


def nhits_model(settings, n_series):
    from neuralforecast.models import NHITS

    n_stacks = settings["n_stacks"]
    return NHITS(
        h=settings["horizon"],
        input_size=settings["input_size"],
        stack_types=["identity"] * n_stacks,
        n_blocks=[settings["n_blocks"]] * n_stacks,
        mlp_units=[[settings["hidden_size"]] * settings["n_layers"]] * n_stacks,
        n_pool_kernel_size=list(settings["pool_sizes"]),
        n_freq_downsample=list(settings["freq_downsample"]),
        pooling_mode=POOLING[settings["pooling"]],
        interpolation_mode=settings["interpolation"],
        scaler_type=settings["scaler"],
        learning_rate=settings["lr"],
        num_lr_decays=-1,
        max_steps=settings["refit_steps"],
        val_check_steps=settings["refit_steps"],
        early_stop_patience_steps=-1,
        batch_size=n_series,  # every series in each batch ...
        windows_batch_size=settings["batch_size"],  # ... and batch_size windows per step
        random_seed=settings["seed"],
        accelerator="cpu",
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        logger=False,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        callbacks=[fit_timer()],
    )


def run(settings, frame):
    """The timed cross-validation on `frame` (the wide channels); its times, cutoffs and MAE."""
    from neuralforecast import NeuralForecast

    df = long_frame(frame, settings)
    n_series = len(settings["channels"])
    nf = NeuralForecast(models=[nhits_model(settings, n_series)], freq="h")
    FITS.clear()
    started = time.perf_counter()
    cv = nf.cross_validation(
        df=df,
        n_windows=settings["n_windows"],
        step_size=settings["step_size"],
        refit=settings["refit_every"],
    )
    total = time.perf_counter() - started
    n_refits = backtest.refit_count(settings)
    if len(FITS) != n_refits or any(end is None for _, end, _ in FITS):
        raise RuntimeError(f"{len(FITS)} fits recorded, expected {n_refits}")
    steps = [step for _, _, step in FITS]
    if any(step != settings["refit_steps"] for step in steps):
        raise RuntimeError(f"fits ran {steps} steps, expected {settings['refit_steps']} each")
    expected = settings["n_windows"] * settings["horizon"] * n_series
    cutoffs = np.sort(cv["cutoff"].unique())
    if len(cv) != expected or len(cutoffs) != settings["n_windows"]:
        raise RuntimeError(f"{len(cv)} rows and {len(cutoffs)} cutoffs; expected {expected} rows")
    return {
        "total": total,
        "per_refit": np.diff([started, *(end for _, end, _ in FITS)]),
        "inside_fit": sum(end - start for start, end, _ in FITS),
        "cutoffs": (cutoffs[0], cutoffs[-1]),
        "mae": float(np.mean(np.abs(cv["y"].to_numpy() - cv["NHITS"].to_numpy()))),
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="backtest.REFIT_QUICK: a smoke run of under 2 minutes"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import neuralforecast
    import torch

    quiet_logs()  # after the imports: importing Lightning sets its loggers to INFO
    torch.set_num_threads(THREADS)
    settings = backtest.refit_settings(args.quick)
    print(
        f"neuralforecast {neuralforecast.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), CPU {cpu_model() or '?'}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}{', quick' if args.quick else ''}\n",
        flush=True,
    )
    frame = backtest.read_refit_frame(settings)
    backtest.print_refit_settings(settings, frame, backtest.first_cutoff(settings, frame.height))
    r = run(settings, frame)
    first, last = (np.datetime_as_string(c, unit="s").replace("T", " ") for c in r["cutoffs"])
    print(
        f"\nneuralforecast: its first fit, from random weights, is in the total; cutoffs "
        f"{first} .. {last}; cross-validation MAE {r['mae']:.4f}; {r['inside_fit']:.1f}s of the "
        f"total inside Lightning's fit, {r['total'] - r['inside_fit']:.1f}s outside (datasets, "
        f"{settings['n_windows']} predict calls); a new Trainer and Adam each fit\n"
    )
    backtest.print_refit_table("neuralforecast", r["total"], r["per_refit"], len(r["per_refit"]))
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    sys.exit(status)

"""Backtest speed and memory: forecasts/s against model.predict, peak RSS, walk-forward refits.

Three parts, each chosen by its flag (none given: all three), every model trained and every
backtest run through the library's public entry point `NHITSTrainer` (the code users run):

* `--throughput`: a model trained for one short epoch on the bundled ETTh1 sample (the wide
  CSV, its 7 channels as 7 series), then `trainer.backtest(frame, n_windows=N, step_size=1)`
  (`cross_validation` plus its scores) timed against the bare Keras `trainer.model.predict`
  on exactly the same input windows. The backtest forecasts through the serving path: chunks
  of `CHUNK_WINDOWS` (4096) windows cut from the float32 `SeriesSet`, each passed to the
  `Forecaster`, whose `predict` is `model.predict_on_batch` on slices of 4096, raw units in
  and out (this run fits no series scaler, so the model's input is the raw values). The bare
  side is therefore `model.predict(x, batch_size=4096)` on `x`, the same windows built here
  with NumPy's `sliding_window_view` of each channel's float32 values, series by series,
  cutoffs in time order, as the backtest orders them; `x` is built before the clock starts,
  and its forecasts are checked to equal the backtest's `forecast` column. Forecasts/s is
  windows (one `horizon`-step forecast each) per second, best of `--repeats` after a warm-up
  call of each (the median is printed too: on a 2-core machine `model.predict`'s times fall
  into a fast and a slow mode); the goal is a whole backtest at >= 80 % of the bare
  `model.predict`. Also
  timed: `Forecaster.predict` on `x` (the serving path's model call alone), and the four
  stages of a backtest (`keras_nhits.backtesting`): reading the frame into a `SeriesSet`,
  the forecasts (cutting windows, range checks, the model, the naive baselines), the long
  output frame, and the scores (overall, per cutoff, per series), so a reader sees what
  dominates.
* `--memory`: a long synthetic series set (`MEMORY`: 20 series x 200,000 hourly steps, long
  format unique_id/ds/y, float64 y) written to a Parquet file in a temporary folder, a model
  trained briefly on a short synthetic set of the same columns, then in a child process (this
  interpreter running this file) `NHITSTrainer.load(run)` and `trainer.backtest(parquet,
  n_windows=...)`. The child reports its RSS after imports and the model load, after tracing
  the model's predict function and a warm-up backtest of two short series (fixed costs, the
  "warm RSS"), and its peak RSS during the backtest. The peak is the child's own VmHWM
  (/proc/self/status), reset to the warm RSS just before the backtest (`clear_refs`), not
  `getrusage(RUSAGE_SELF).ru_maxrss`: in a child that one starts at the parent's peak (the
  kernel carries it over the exec), which here, a parent that trained models, hides the
  child's; both are printed. The peak above the warm RSS is compared with what the backtest
  must hold: the data (its values as float64 and as float32, and the Parquet's frame in
  memory, Polars' `estimated_size()`), the model's parameter bytes and the output frame
  (`estimated_size()`); the goal is a peak within 3 x (frame + model + output).
* `--refit`: `trainer.cross_validation(frame, n_windows=W, step_size=S, refit=K,
  refit_steps=STEPS)` on the settings of `REFIT` (a few ETTh1 channels, a fixed architecture,
  batch size and budget), wall time in total and per refit. The model is first trained
  (untimed, shown apart) on the rows up to the first cutoff for `refit_steps` steps; each refit
  then continues the previous weights for `refit_steps` steps of `batch_size` windows drawn
  from every window up to its cutoff (`keras_nhits.backtesting.refit`). Per-refit times come
  from the walk forward's log line after each refit: each interval holds that refit and the
  forecasts of the previous group (a few windows); the first also holds reading the frame, the
  model copy and the compilation of its training step. `benchmarks/backtest_peer.py` runs
  neuralforecast's NHITS `cross_validation(refit=K)` on the same series, cutoffs and budget,
  importing `REFIT` from here (so this module imports only NumPy and Polars at the top,
  keras_nhits inside functions).

`--quick` shrinks every part (fewer windows and steps, a shorter series set): a smoke run in
under 2 minutes on 2 cores.

Usage:
    python benchmarks/backtest.py                      # all three parts
    python benchmarks/backtest.py --throughput --repeats 9 --n-windows 1000
    python benchmarks/backtest.py --memory --refit
    python benchmarks/backtest.py --quick
A script that prints figures, never a unit test.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_tools import cpu_model  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Throughput without refit: the model, its short training and the cutoffs.
THROUGHPUT = {
    "data": "keras_nhits/sample_data/ETTh1.csv.gz",  # relative to the repository root
    "time_col": "date",
    "input_size": 480,
    "horizon": 96,
    "hidden_size": 512,
    "windows_per_epoch": 1024,  # one epoch of 4 batches: the weights only need to be finite
    "n_windows": 2000,  # per series: 7 x 2000 = 14,000 forecasts
}
THROUGHPUT_QUICK = {"windows_per_epoch": 256, "n_windows": 300}

# Peak memory: the synthetic series set and the backtest on it.
MEMORY = {
    "n_series": 20,
    "length": 200_000,  # hourly steps per series
    "train_length": 2_000,  # steps per series of the short set the model is trained on
    "input_size": 168,
    "horizon": 24,
    "hidden_size": 512,
    "n_windows": 500,  # per series: 10,000 forecasts, 240,000 output rows
}
MEMORY_QUICK = {"n_series": 5, "length": 50_000, "n_windows": 100}

# Walk-forward refits, shared with benchmarks/backtest_peer.py (neuralforecast's side).
REFIT = {
    "data": "keras_nhits/sample_data/ETTh1.csv.gz",  # relative to the repository root
    "time_col": "date",
    "channels": ("HUFL", "MUFL", "OT"),  # one series each
    "input_size": 96,
    "horizon": 24,
    "n_windows": 48,  # cutoffs per series, the last forecast ending on the last row
    "step_size": 24,  # steps between cutoffs
    "refit_every": 6,  # a refit before every 6th cutoff: 8 refits
    "refit_steps": 100,  # optimizer steps per refit (neuralforecast's max_steps)
    "batch_size": 256,  # windows per step (neuralforecast's windows_batch_size)
    "hidden_size": 256,  # MLP width (neuralforecast's mlp_units = [[256, 256]] * 3)
    "n_layers": 2,  # MLP layers per block
    "n_stacks": 3,
    "n_blocks": 1,  # per stack
    "pool_sizes": (2, 2, 1),  # neuralforecast's n_pool_kernel_size
    "freq_downsample": (4, 2, 1),  # neuralforecast's n_freq_downsample
    "pooling": "max",  # MaxPool1d
    "interpolation": "linear",
    "scaler": "standard",  # per window (neuralforecast's scaler_type="standard")
    "lr": 1e-3,  # constant over the refits (neuralforecast: num_lr_decays=-1)
    "seed": 1,
}
REFIT_QUICK = {"n_windows": 8, "refit_every": 4, "refit_steps": 20}


def refit_settings(quick=False):
    """`REFIT`, with `REFIT_QUICK` applied for a smoke run."""
    return {**REFIT, **(REFIT_QUICK if quick else {})}


def read_refit_frame(settings):
    """The wide frame of `settings`: the time column and the channels, dates parsed."""
    path = os.path.join(REPO, settings["data"])
    return pl.read_csv(path, try_parse_dates=True).select(
        settings["time_col"], *settings["channels"]
    )


def first_cutoff(settings, length):
    """The row of the earliest cutoff of a series of `length` rows (the cutoffs module's rule)."""
    last = length - settings["horizon"] - 1
    return last - (settings["n_windows"] - 1) * settings["step_size"]


def refit_count(settings):
    return -(-settings["n_windows"] // settings["refit_every"])


# === Helpers ===


def timed(call, repeats):
    """`(seconds of each call, last result)` of `repeats` timed calls after one warm-up call."""
    result = call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times, result


def best_of(call, repeats):
    """`(best seconds, last result)` of `timed`."""
    times, result = timed(call, repeats)
    return min(times), result


def memory_status():
    """`{"rss": ..., "peak": ...}` in bytes: this process's resident memory now and its peak
    (VmRSS and VmHWM of /proc/self/status; zeros where there is none)."""
    out = {"rss": 0, "peak": 0}
    try:
        with open("/proc/self/status", encoding="ascii") as file:
            for line in file:
                key = {"VmRSS:": "rss", "VmHWM:": "peak"}.get(line.split(" ")[0].split("\t")[0])
                if key:
                    out[key] = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return out


def reset_peak():
    """Sets this process's VmHWM to its RSS now (Linux `clear_refs`); False where refused."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as file:
            file.write("5")
        return True
    except OSError:
        return False


def ru_maxrss():
    """`getrusage(RUSAGE_SELF).ru_maxrss` in bytes (KiB on Linux). In a child it starts at the
    parent's peak: the kernel carries it over the exec."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def megabytes(n):
    return f"{n / 2**20:.1f}"


def parameter_bytes(model):
    return int(sum(np.prod(w.shape) * np.dtype(w.dtype).itemsize for w in model.weights))


def quiet(line):
    """A trainer's log that drops every line."""


# === Throughput without refit ===


def train_throughput_model(settings, frame, folder):
    from keras_nhits import NHITSTrainer

    trainer = NHITSTrainer(
        log=quiet,
        time_col=settings["time_col"],
        input_size=settings["input_size"],
        horizon=settings["horizon"],
        hidden_size=settings["hidden_size"],
        epochs=1,
        windows_per_epoch=settings["windows_per_epoch"],
        quiet=True,
        output=os.path.join(folder, "run"),
    )
    trainer.fit(frame)
    return trainer


def same_windows(frame, columns, input_size, horizon, n_windows):
    """float32 `[len(columns) * n_windows, input_size]`: the input windows of the backtest's
    cutoffs (the last ending `horizon` steps before each series' end), series by series."""
    parts = []
    for name in columns:
        values = frame[name].cast(pl.Float32).to_numpy()
        windows = np.lib.stride_tricks.sliding_window_view(values, input_size)
        last = len(values) - horizon - input_size  # start of the latest cutoff's window
        parts.append(windows[last - n_windows + 1 : last + 1])
    return np.ascontiguousarray(np.concatenate(parts))


def run_throughput(args):
    from keras_nhits.backtesting.cross_validation import (
        CHUNK_WINDOWS,
        backtest_forecasts,
        cross_validation_frame,
    )
    from keras_nhits.backtesting.report import backtest_record
    from keras_nhits.serving.forecast_data import load_forecast_data
    from keras_nhits.training.metrics import season_length_for

    settings = {**THROUGHPUT, **(THROUGHPUT_QUICK if args.quick else {})}
    if args.n_windows:
        settings["n_windows"] = args.n_windows
    frame = pl.read_csv(os.path.join(REPO, settings["data"]), try_parse_dates=True)
    with tempfile.TemporaryDirectory(prefix="nhits_backtest_") as folder:
        trainer = train_throughput_model(settings, frame, folder)
    n = settings["n_windows"]
    columns = trainer.record["data"]["series"]  # the channels, in the order of the series
    x = same_windows(frame, columns, settings["input_size"], settings["horizon"], n)
    model, forecaster = trainer.model, trainer.forecaster()
    print(
        f"throughput: ETTh1 {frame.height} rows x {len(columns)} channels, input "
        f"{settings['input_size']}, horizon {settings['horizon']}, MLP "
        f"{settings['hidden_size']}, {model.count_params():,} parameters; {n} cutoffs per "
        f"series, step 1: {len(x):,} forecasts; batch {CHUNK_WINDOWS}; best of "
        f"{args.repeats} after a warm-up",
        flush=True,
    )
    repeats = args.repeats
    t_model, y = timed(lambda: model.predict(x, batch_size=CHUNK_WINDOWS, verbose=0), repeats)
    t_serving, _ = timed(lambda: forecaster.predict(x), repeats)
    t_backtest, backtest = timed(lambda: trainer.backtest(frame, n, 1), repeats)
    t_cv, _ = timed(lambda: trainer.cross_validation(frame, n, 1), repeats)
    gap = float(np.max(np.abs(y.reshape(-1) - backtest.frame["forecast"].to_numpy())))
    if len(backtest.frame) != y.size or gap > 1e-4 * max(1.0, float(np.abs(y).max())):
        raise RuntimeError(
            f"the windows differ: model.predict gave {y.size} values, the backtest "
            f"{len(backtest.frame)} rows, largest difference {gap:.3g}"
        )
    # The stages of trainer.backtest (keras_nhits.backtesting.backtest.run_backtest), each
    # timed alone on the output of the one before.
    t_read, series = best_of(lambda: load_forecast_data(forecaster, frame), repeats)
    season = trainer.config.season_length or season_length_for(series.freqs[0])
    t_forecasts, result = best_of(
        lambda: backtest_forecasts(forecaster, series, n, 1, season), repeats
    )
    t_frame, _ = best_of(lambda: cross_validation_frame(forecaster, series, result), repeats)
    t_scores, _ = best_of(lambda: backtest_record(forecaster, series, result, n, 1), repeats)

    rate = len(x) / min(t_model)
    print(f"\nforecasts identical to model.predict's (largest difference {gap:.2g})\n")
    print("| what | best (s) | median (s) | forecasts/s, best | vs model.predict (%) |")
    print("|---|---|---|---|---|")
    for label, times in (
        (f"model.predict(x, batch_size={CHUNK_WINDOWS}), the bare Keras model", t_model),
        ("Forecaster.predict(x): predict_on_batch per 4096, the serving path's call", t_serving),
        (f"trainer.backtest(frame, n_windows={n}, step_size=1), whole", t_backtest),
        (f"trainer.cross_validation(frame, n_windows={n}, step_size=1)", t_cv),
    ):
        best = min(times)
        print(
            f"| {label} | {best:.3f} | {statistics.median(times):.3f} | {len(x) / best:,.0f} | "
            f"{100.0 * (len(x) / best) / rate:.0f} |"
        )
    ratio = min(t_model) / min(t_backtest)
    verdict = "met" if ratio >= 0.8 else "NOT met"
    print(f"\nbacktest at {100 * ratio:.0f} % of model.predict (goal >= 80 %: {verdict})\n")
    stages = (
        ("read the frame into a SeriesSet (load_forecast_data)", t_read),
        ("forecasts: cut windows, range checks, model, naive baselines", t_forecasts),
        ("long output frame (cross_validation_frame)", t_frame),
        ("scores: overall, per cutoff, per series (backtest_record)", t_scores),
    )
    total = sum(s for _, s in stages)
    print("| backtest stage, timed alone | seconds | share of the stages (%) |")
    print("|---|---|---|")
    for label, seconds in stages:
        print(f"| {label} | {seconds:.3f} | {100 * seconds / total:.0f} |")
    print(f"| sum of the stages | {total:.3f} | 100 |")
    unscored = total - t_scores
    print(
        f"\nthe stages without the scores (cross_validation returns only the frame): "
        f"{unscored:.3f}s, {100 * min(t_model) / unscored:.0f} % of model.predict"
    )
    return {"ratio": ratio}


# === Peak memory ===


def synthetic_long_frame(n_series, length, seed=0):
    """unique_id / ds (hourly datetimes) / y (float64): a daily and a weekly season, a level
    per series and noise."""
    rng = np.random.default_rng(seed)
    steps = np.arange(length, dtype=np.float64)
    parts = []
    for i in range(n_series):
        y = (
            10.0 * (i + 1)
            + 3.0 * np.sin(2 * np.pi * steps / 24 + i)
            + 1.5 * np.sin(2 * np.pi * steps / 168)
            + rng.normal(0.0, 0.5, length)
        )
        parts.append(
            pl.DataFrame(
                {
                    "unique_id": np.full(length, f"series_{i:02d}"),
                    "ds": pl.datetime_range(
                        pl.datetime(2000, 1, 1),
                        pl.datetime(2000, 1, 1) + pl.duration(hours=length - 1),
                        "1h",
                        eager=True,
                    ),
                    "y": y,
                }
            )
        )
    return pl.concat(parts)


def train_memory_model(settings, folder):
    """A run trained briefly on a short set of the long frame's columns; its folder."""
    from keras_nhits import NHITSTrainer

    short = synthetic_long_frame(settings["n_series"], settings["train_length"], seed=1)
    output = os.path.join(folder, "run")
    NHITSTrainer(
        log=quiet,
        input_size=settings["input_size"],
        horizon=settings["horizon"],
        hidden_size=settings["hidden_size"],
        epochs=1,
        windows_per_epoch=512,
        quiet=True,
        output=output,
    ).fit(short)
    return output


def memory_child(parquet, run, n_windows):
    """Runs in the child: load the run, warm the model up, backtest the Parquet file; prints
    one JSON line of memory figures (bytes) and the output frame's size."""
    imported = memory_status()
    from keras_nhits import NHITSTrainer
    from keras_nhits.backtesting.cross_validation import CHUNK_WINDOWS

    trainer = NHITSTrainer.load(run, log=quiet)
    loaded = memory_status()
    model = trainer.model
    # Warm-up, fixed costs: the predict function traced for a full chunk and for any other
    # batch size (TensorFlow relaxes the batch dimension on the second shape), and each code
    # path of a backtest once, on a small frame of the same columns.
    for size in (CHUNK_WINDOWS, 100):
        model.predict_on_batch(np.zeros((size, model.input_size), np.float32))
    traced = memory_status()
    small = synthetic_long_frame(2, model.input_size + model.horizon + 20)
    trainer.backtest(small, n_windows=10)
    del small
    warm = memory_status()
    was_reset = reset_peak()
    started = time.perf_counter()
    backtest = trainer.backtest(parquet, n_windows=n_windows)
    seconds = time.perf_counter() - started
    out = {
        "imported": imported,
        "loaded": loaded,
        "traced": traced,
        "warm": warm,
        "reset": was_reset,
        "end": memory_status(),
        "ru_maxrss": ru_maxrss(),
        "seconds": seconds,
        "output_bytes": int(backtest.frame.estimated_size()),
        "output_rows": len(backtest.frame),
        "windows": int(backtest.record["windows"]),
        "model_bytes": parameter_bytes(model),
        "parameters": int(model.count_params()),
    }
    print(json.dumps(out))


def run_memory(args):
    settings = {**MEMORY, **(MEMORY_QUICK if args.quick else {})}
    with tempfile.TemporaryDirectory(prefix="nhits_backtest_memory_") as folder:
        run = train_memory_model(settings, folder)
        frame = synthetic_long_frame(settings["n_series"], settings["length"])
        parquet = os.path.join(folder, "long.parquet")
        frame.write_parquet(parquet)
        frame_bytes = frame.estimated_size()
        file_bytes = os.path.getsize(parquet)
        values = frame.height
        del frame
        command = [sys.executable, os.path.abspath(__file__), "--memory-child"]
        command.append(json.dumps([parquet, run, settings["n_windows"]]))
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the memory child failed:\n{done.stderr[-4000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"memory: {settings['n_series']} series x {settings['length']:,} hourly steps "
        f"({values:,} rows unique_id/ds/y, Parquet {megabytes(file_bytes)} MB on disk), input "
        f"{settings['input_size']}, horizon {settings['horizon']}, MLP "
        f"{settings['hidden_size']}, {child['parameters']:,} parameters; {settings['n_windows']} "
        f"cutoffs per series: {child['windows']:,} forecasts, {child['output_rows']:,} output "
        f"rows; the backtest took {child['seconds']:.1f}s in the child",
        flush=True,
    )
    base, end = child["warm"]["rss"], child["end"]
    delta = end["peak"] - base
    reference = frame_bytes + child["model_bytes"] + child["output_bytes"]
    since = "reset after the warm-up" if child["reset"] else "not reset: since the start"
    print("\n| child process | RSS (MB) | peak so far (MB) |")
    print("|---|---|---|")
    for label, key in (
        ("after Python, NumPy, Polars", "imported"),
        ("after importing keras_nhits and loading the model", "loaded"),
        ("after tracing the model's predict (batches of 4096 and 100)", "traced"),
        ("after a warm-up backtest of 2 short series (the warm RSS)", "warm"),
    ):
        print(f"| {label} | {megabytes(child[key]['rss'])} | {megabytes(child[key]['peak'])} |")
    print(
        f"| after the backtest, its result held | {megabytes(end['rss'])} | "
        f"{megabytes(end['peak'])} ({since}) |"
    )
    print(f"| **backtest peak above the warm RSS** | | **{megabytes(delta)}** |")
    print(
        f"\n(ru_maxrss at the end: {megabytes(child['ru_maxrss'])} MB, the highest of the child's "
        "own and its parent's peak, which the kernel carries over the exec; so the peak is read "
        "from the child's own VmHWM)"
    )
    print("\n| what the backtest holds | MB |")
    print("|---|---|")
    print(f"| values as float64 ({values:,} x 8 bytes) | {megabytes(values * 8)} |")
    print(f"| values as float32 (the SeriesSet) | {megabytes(values * 4)} |")
    print(f"| the Parquet's frame in memory (estimated_size) | {megabytes(frame_bytes)} |")
    print(f"| model parameters | {megabytes(child['model_bytes'])} |")
    print(f"| output frame (estimated_size) | {megabytes(child['output_bytes'])} |")
    print(f"| frame + model + output | {megabytes(reference)} |")
    ratio = delta / reference
    float64 = delta / (values * 8 + child["model_bytes"] + child["output_bytes"])
    verdict = "met" if ratio <= 3.0 else "NOT met"
    print(
        f"\nbacktest peak above the warm RSS = {ratio:.2f} x (frame + model + output), "
        f"{float64:.2f} x (float64 values + model + output); goal <= 3 x: {verdict}"
    )
    return {"ratio": ratio}


# === Walk-forward refits ===


def run_refit(args):
    from keras_nhits import NHITSTrainer

    settings = refit_settings(args.quick)
    frame = read_refit_frame(settings)
    first = first_cutoff(settings, frame.height)
    n_refits = refit_count(settings)
    print_refit_settings(settings, frame, first)
    model_fields = (
        "input_size",
        "horizon",
        "hidden_size",
        "n_layers",
        "n_stacks",
        "n_blocks",
        "pool_sizes",
        "freq_downsample",
        "pooling",
        "interpolation",
        "scaler",
        "batch_size",
        "lr",
        "seed",
    )
    with tempfile.TemporaryDirectory(prefix="nhits_backtest_refit_") as folder:
        trainer = NHITSTrainer(
            log=quiet,
            time_col=settings["time_col"],
            target=",".join(settings["channels"]),
            epochs=1,
            windows_per_epoch=settings["refit_steps"] * settings["batch_size"],
            quiet=True,
            output=os.path.join(folder, "run"),
            **{name: settings[name] for name in model_fields},
        )
        started = time.perf_counter()
        trainer.fit(frame.head(first + 1))
        initial = time.perf_counter() - started
        marks = []

        def log(line):
            if line.startswith("refit "):
                marks.append(time.perf_counter())

        trainer.log = log
        started = time.perf_counter()
        cv = trainer.cross_validation(
            frame,
            n_windows=settings["n_windows"],
            step_size=settings["step_size"],
            refit=settings["refit_every"],
            refit_steps=settings["refit_steps"],
        )
        total = time.perf_counter() - started
    if len(marks) != n_refits:
        raise RuntimeError(f"{len(marks)} refits logged, expected {n_refits}")
    per_refit = np.diff([started, *marks])
    cutoffs = cv["cutoff"].unique().sort()
    expected = settings["n_windows"] * settings["horizon"] * len(settings["channels"])
    if len(cv) != expected or len(cutoffs) != settings["n_windows"]:
        raise RuntimeError(f"{len(cv)} rows and {len(cutoffs)} cutoffs; expected {expected} rows")
    mae = float((cv["y"] - cv["forecast"]).abs().mean())
    import keras

    print(
        f"\nkeras_nhits on {keras.backend.backend()}: initial fit (not in the total) "
        f"{initial:.1f}s; cutoffs {cutoffs[0]} .. {cutoffs[-1]}; cross-validation MAE "
        f"{mae:.4f}\n"
    )
    print_refit_table("keras_nhits", total, per_refit, n_refits)
    return {"total": total}


def print_refit_settings(settings, frame, first):
    """The settings line both refit scripts print, so their tables are seen to match."""
    print(
        f"refit: ETTh1 channels {', '.join(settings['channels'])} ({frame.height} rows), input "
        f"{settings['input_size']}, horizon {settings['horizon']}, {settings['n_windows']} "
        f"cutoffs {settings['step_size']} steps apart from row {first}, a refit every "
        f"{settings['refit_every']} cutoffs ({refit_count(settings)} refits) of "
        f"{settings['refit_steps']} steps x {settings['batch_size']} windows, MLP "
        f"{settings['n_layers']} x {settings['hidden_size']}, {settings['n_stacks']} stacks x "
        f"{settings['n_blocks']} block, pools {settings['pool_sizes']}, downsampling "
        f"{settings['freq_downsample']}, {settings['scaler']} window scaling, lr "
        f"{settings['lr']:g}",
        flush=True,
    )


def print_refit_table(library, total, per_refit, n_refits):
    """One row of the refit table; `per_refit` the seconds of each refit, first included."""
    later = per_refit[1:] if len(per_refit) > 1 else per_refit
    print(
        "| library | total (s) | per refit, mean (s) | first refit (s) | later refits, median (s) |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| {library} | {total:.1f} | {total / n_refits:.2f} | {per_refit[0]:.2f} | "
        f"{statistics.median(later):.2f} |"
    )


# === Main ===


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--throughput", action="store_true", help="forecasts/s, no refit")
    parser.add_argument("--memory", action="store_true", help="peak RSS on a long series set")
    parser.add_argument("--refit", action="store_true", help="walk-forward refit wall time")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls (default 5)")
    parser.add_argument(
        "--n-windows", type=int, default=0, help="--throughput's cutoffs per series"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of under 2 minutes")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1; received {args.repeats}")
    if args.n_windows < 0:
        parser.error(f"--n-windows must be at least 1; received {args.n_windows}")
    if not (args.throughput or args.memory or args.refit):
        args.throughput = args.memory = args.refit = True
    if args.quick:
        args.repeats = min(args.repeats, 2)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.memory_child:
        memory_child(*json.loads(args.memory_child))
        return 0
    import keras

    print(
        f"keras_nhits backtest on {keras.backend.backend()}, CPU {cpu_model() or '?'}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        f"{', quick' if args.quick else ''}\n",
        flush=True,
    )
    for wanted, run in ((args.throughput, run_throughput), (args.memory, run_memory)):
        if wanted:
            run(args)
            print(flush=True)
    if args.refit:
        run_refit(args)
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    sys.exit(status)

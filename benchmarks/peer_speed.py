"""Training speed of keras_nhits beside Darts' `NHiTSModel`, on this machine, in one run.

ANCHORS-style comparison: the default architecture (3 stacks x 1 block, MLP 2 x 512, pools 2/2/1,
downsampling 4/2/1, input 480, horizon 96, no dropout), 256 windows per step, MAE loss, Adam,
trained on a random walk; training windows per second through each library's own `fit`.

- Darts: `NHiTSModel(...).fit(series)` with PyTorch Lightning, in a subprocess of
  `--peer-python` (an interpreter with `darts` and `torch==2.13.0` installed; Darts is not a
  dependency of keras_nhits). The series is long enough for `--steps` batches per epoch; each
  epoch is timed by a Lightning callback, the first (warm-up) left out, best and median of the
  rest reported. Darts' own window sampling is part of its step, as it is in real training.
- keras_nhits: `benchmarks/model_speed.py` on each backend given (default: jax and tensorflow
  with XLA), in a subprocess, its `train fit` line (best and median epoch of one `fit` call).

Both run one after the other on an otherwise idle machine; the script prints the CPU share
other processes took, as model_speed.py does. A script that prints figures, never a unit test.

    python benchmarks/peer_speed.py --peer-python /path/to/venv-with-darts/bin/python
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INPUT, HORIZON = 480, 96


def darts_speed(steps, repeats, batch, seed):
    """Training windows/s of Darts' NHiTSModel: (best, median) over timed epochs."""
    import numpy as np
    import pandas as pd
    import torch
    from darts import TimeSeries
    from darts.models import NHiTSModel
    from pytorch_lightning.callbacks import Callback

    class EpochTimes(Callback):
        def __init__(self):
            self.seconds = []

        def on_train_epoch_start(self, trainer, module):
            self._start = time.perf_counter()

        def on_train_epoch_end(self, trainer, module):
            self.seconds.append(time.perf_counter() - self._start)

    windows = steps * batch
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.standard_normal(windows + INPUT + HORIZON - 1)).astype(np.float32)
    series = TimeSeries.from_times_and_values(
        pd.RangeIndex(len(values)), values, fill_missing_dates=False
    )
    times = EpochTimes()
    model = NHiTSModel(
        input_chunk_length=INPUT,
        output_chunk_length=HORIZON,
        num_stacks=3,
        num_blocks=1,
        num_layers=2,
        layer_widths=512,
        pooling_kernel_sizes=((2,), (2,), (1,)),
        n_freq_downsample=((4,), (2,), (1,)),
        dropout=0.0,
        MaxPool1d=True,
        batch_size=batch,
        n_epochs=1 + repeats,
        loss_fn=torch.nn.L1Loss(),
        optimizer_kwargs={"lr": 1e-3},
        random_state=seed,
        save_checkpoints=False,
        pl_trainer_kwargs={
            "accelerator": "cpu",
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "logger": False,
            "enable_checkpointing": False,
            "callbacks": [times],
        },
    )
    model.fit(series, verbose=False)
    timed = times.seconds[1:]
    import darts

    return (
        windows / min(timed),
        windows / statistics.median(timed),
        f"darts {darts.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads",
    )


def ours(backend, jit, steps, repeats, batch):
    """(best, median, description) from model_speed.py's `train fit` line on `backend`."""
    command = [
        sys.executable,
        os.path.join(HERE, "model_speed.py"),
        "--steps",
        str(steps),
        "--repeats",
        str(repeats),
        "--batch-size",
        str(batch),
    ]
    if jit is not None:
        command.append("--jit" if jit else "--no-jit")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    match = re.search(r"^train fit\s+([\d,]+)\s+([\d,]+)", done.stdout, re.M)
    if done.returncode or not match:
        raise RuntimeError(f"model_speed.py on {backend} failed:\n{done.stdout}\n{done.stderr}")
    best, median = (float(v.replace(",", "")) for v in match.groups())
    others = re.search(r"other processes used ([\d.]+)", done.stdout)
    return best, median, f"other processes {others.group(1) if others else '?'} CPUs"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-python", default=sys.executable, help="interpreter with darts")
    parser.add_argument(
        "--backends",
        default="jax,tensorflow-xla",
        help="ours, comma-separated: jax, tensorflow, tensorflow-xla, torch",
    )
    parser.add_argument("--steps", type=int, default=50, help="batches per timed epoch")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only-darts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.only_darts:
        best, median, about = darts_speed(args.steps, args.repeats, args.batch_size, args.seed)
        print(f"DARTS {best:.1f} {median:.1f} {about}")
        return 0

    rows = []
    done = subprocess.run(
        [
            args.peer_python,
            os.path.abspath(__file__),
            "--only-darts",
            "--steps",
            str(args.steps),
            "--repeats",
            str(args.repeats),
            "--batch-size",
            str(args.batch_size),
            "--seed",
            str(args.seed),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"^DARTS ([\d.]+) ([\d.]+) (.*)$", done.stdout, re.M)
    if done.returncode or not match:
        print(f"Darts run failed (is darts installed for {args.peer_python}?):\n{done.stderr}")
        return 1
    rows.append(("Darts NHiTSModel", float(match[1]), float(match[2]), match[3]))
    for name in args.backends.split(","):
        backend, _, jit = name.partition("-")
        best, median, about = ours(
            backend, True if jit == "xla" else None, args.steps, args.repeats, args.batch_size
        )
        rows.append((f"keras_nhits, {name}", best, median, about))

    fastest_peer = rows[0][1]
    print(
        f"training windows/s: input {INPUT}, horizon {HORIZON}, batch {args.batch_size}, "
        f"{args.steps} steps per epoch, best and median of {args.repeats} epochs after a warm-up; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"{'implementation':<30}{'best':>9}{'median':>9}{'vs Darts':>10}  notes")
    for label, best, median, about in rows:
        print(f"{label:<30}{best:>9,.0f}{median:>9,.0f}{best / fastest_peer:>9.2f}x  {about}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Training and forecast speed of NHITS on the current Keras backend, against the matmul peak.

Prints, for one architecture (default: `NHITS(input_size=480, horizon=96)`, the default
3 stacks x 1 block, MLP 2 x 512, pools 2/2/1, downsampling 4/2/1) and one batch size:

- the machine's float32 matmul peak, measured in the same run (NumPy 2048 x 2048 in a
  subprocess, best of 10 before and after the model runs);
- FLOPs per window, counted from the layer sizes: forward FLOPs = 2 x multiply-adds of every
  Dense layer (pooled input -> hidden -> ... -> hidden -> backcast + knots) and of every
  knots -> horizon interpolation matrix; one training window ~ 3 x forward (forward, plus the
  backward pass's two matmuls per layer: gradients of the inputs and of the weights). "Nominal"
  counts every backcast; "executed" leaves out the last block's, which the model skips, and is
  what GFLOP/s and % of peak are computed from;
- training windows/s through `model.fit` (in-memory data; after a warm-up fit, one fit call of
  `--repeats` epochs of `--steps` steps, each epoch timed: best and median), through
  `train_on_batch`, and forecast windows/s through `model.predict` and a direct compiled call
  (best of `--repeats`); and the fraction of the matmul peak each reaches. Also the CPU time
  other processes took meanwhile: on a shared machine, figures taken while others ran are low.

Usage:
    KERAS_BACKEND=tensorflow python benchmarks/model_speed.py
    KERAS_BACKEND=jax python benchmarks/model_speed.py --steps 60
    KERAS_BACKEND=torch python benchmarks/model_speed.py --jit   # torch.compile

`--jit/--no-jit` sets `model.compile(jit_compile=...)`: XLA on TensorFlow, `jax.jit` on JAX,
`torch.compile` on PyTorch. Without either flag Keras picks ("auto": XLA off on a CPU-only
TensorFlow, jit on JAX, eager on PyTorch). A script that prints figures, never a unit test.
"""

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import keras
import numpy as np

import keras_nhits

# === FLOPs ===


def forward_multiply_adds(model):
    """Multiply-adds of one forward pass for one window, from the layer sizes.

    Returns `(nominal, executed)`: nominal counts every block's full backcast (the usual
    count, and ANCHORS.md's); executed leaves out the last block's backcast units, which the
    model skips because nothing uses them. The scaler, pooling, ReLU, residual subtractions and
    bias adds are O(L) each and left out (together well under 0.1 % of the count).
    """
    nominal = skipped = 0
    for block in model.blocks:
        width = math.ceil(block.input_size / block.pool_size)  # pooled input
        for _ in range(block.n_layers):
            nominal += width * block.hidden_size
            width = block.hidden_size
        nominal += width * (block.input_size + block.n_knots)  # backcast + forecast knots
        if block.n_knots != block.horizon:  # the identity is skipped
            nominal += block.n_knots * block.horizon
        skipped = width * block.input_size  # the last block's, at the end of the loop
    return nominal, nominal - skipped


# === Timers ===


def matmul_peak(n=2048, repeats=10):
    """Best float32 GFLOP/s of an `n x n` NumPy matmul (2 n^3 FLOPs), in a fresh process.

    A separate process, because NumPy's BLAS thread pool, once started, competes with the
    backend's own threads for the 2 cores and slows PyTorch training several-fold.
    """
    code = (
        "import time, numpy as np\n"
        f"n, repeats = {n}, {repeats}\n"
        "rng = np.random.default_rng(0)\n"
        "a = rng.standard_normal((n, n), dtype=np.float32)\n"
        "b = rng.standard_normal((n, n), dtype=np.float32)\n"
        "a @ b\n"
        "best = float('inf')\n"
        "for _ in range(repeats):\n"
        "    start = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - start)\n"
        "print(2 * n**3 / best / 1e9)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    return float(result.stdout.strip().splitlines()[-1])


class CpuMonitor:
    """CPU time other processes took while this one was timed (Linux `/proc/stat`), in cores.

    The machine may be shared: a figure taken while others ran is not the model's speed.
    """

    def __init__(self):
        self.other_seconds = 0.0
        self.wall_seconds = 0.0

    @staticmethod
    def _busy():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except OSError:
            return None
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def timed(self, fn):
        busy, own = self._busy(), time.process_time()
        start = time.perf_counter()
        fn()
        wall = time.perf_counter() - start
        if busy is not None:
            self.other_seconds += max(self._busy() - busy - (time.process_time() - own), 0.0)
            self.wall_seconds += wall
        return wall

    def other_cores(self):
        return self.other_seconds / self.wall_seconds if self.wall_seconds else float("nan")


MONITOR = CpuMonitor()


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch of a `fit` call."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def _timed(fn):
    return MONITOR.timed(fn)


def _best_and_median(fn, repeats):
    times = [_timed(fn) for _ in range(repeats)]
    return min(times), statistics.median(times)


def direct_forecast_fn(model, jit):
    """A forecast function compiled the way a serving user would, per backend."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(lambda x: model(x, training=False), jit_compile=bool(jit))
    if backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        step = jax.jit(lambda tv, ntv, x: model.stateless_call(tv, ntv, x, training=False)[0])
        return lambda x: step(trainable, non_trainable, x)
    import torch

    call = torch.compile(model) if jit else model

    def forecast(x):
        with torch.inference_mode():
            return call(x, training=False)

    return forecast


def _block(y):
    return keras.ops.convert_to_numpy(y)  # waits for asynchronous backends (JAX)


# === Main ===


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input-size", type=int, default=480)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--steps",
        type=int,
        default=50,
        help="steps per timed repeat (40 or more for stable figures)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats; best is reported")
    parser.add_argument(
        "--jit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="compile(jit_compile=...); default: Keras's 'auto'",
    )
    parser.add_argument(
        "--steps-per-execution", type=int, default=1, help="compile(steps_per_execution=...)"
    )
    parser.add_argument(
        "--data",
        choices=("auto", "numpy", "tfdata"),
        default="auto",
        help="what model.fit reads: NumPy arrays or a cached, repeated tf.data.Dataset "
        "(auto: tf.data on TensorFlow, as the trainer feeds it; NumPy elsewhere)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1 or args.batch_size < 1:
        parser.error("--steps, --repeats and --batch-size must be positive")
    if args.steps % args.steps_per_execution:
        parser.error("--steps must be a multiple of --steps-per-execution")

    backend = keras.backend.backend()
    data = args.data
    if data == "auto":
        data = "tfdata" if backend == "tensorflow" else "numpy"
    keras.utils.set_random_seed(args.seed)
    batch, steps = args.batch_size, args.steps

    peak_before = matmul_peak()

    model = keras_nhits.NHITS(input_size=args.input_size, horizon=args.horizon)
    jit = "auto" if args.jit is None else args.jit
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="mae",
        jit_compile=jit,
        steps_per_execution=args.steps_per_execution,
    )

    # Random walks: raw, unscaled values, as a user's windows are (the model scales each one).
    rng = np.random.default_rng(args.seed)
    n_windows = steps * batch
    walks = np.cumsum(
        rng.standard_normal((n_windows, args.input_size + args.horizon), dtype=np.float32), axis=1
    )
    x, y = walks[:, : args.input_size], walks[:, args.input_size :]
    model(x[:batch])  # build

    macs, executed_macs = forward_multiply_adds(model)
    forward_flops, train_flops = 2 * macs, 6 * macs  # training ~ 3 x forward
    executed_forward, executed_train = 2 * executed_macs, 6 * executed_macs

    # --- training through fit ---
    if data == "tfdata":
        import tensorflow as tf

        dataset = (
            tf.data.Dataset.from_tensor_slices((x, y))
            .batch(batch, drop_remainder=True)
            .cache()
            .repeat()
            .prefetch(tf.data.AUTOTUNE)
        )
        fit_kwargs = {"x": dataset, "steps_per_epoch": steps}
    else:
        fit_kwargs = {"x": x, "y": y, "batch_size": batch, "shuffle": False}
    fit_kwargs["verbose"] = 0
    # warm-up: tracing, compilation, optimizer slots
    warmup_seconds = _timed(lambda: model.fit(**fit_kwargs, epochs=1))
    # One fit call of `repeats` epochs, each epoch timed: what a long training run sees. (A fit
    # call's own setup and teardown, paid once per run, are in the whole-call figure.)
    epochs = EpochTimer()
    fit_call = _timed(lambda: model.fit(**fit_kwargs, epochs=args.repeats, callbacks=[epochs]))
    fit_best, fit_median = min(epochs.seconds), statistics.median(epochs.seconds)

    # --- training through train_on_batch ---
    xb, yb = x[:batch], y[:batch]
    for _ in range(3):
        model.train_on_batch(xb, yb)

    def train_loop():
        for i in range(steps):
            loss = model.train_on_batch(
                x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch]
            )
        float(loss)

    tob_best, _ = _best_and_median(train_loop, args.repeats)

    # --- forecasting ---
    xp = x[: steps * batch]
    model.predict(xp[:batch], batch_size=batch, verbose=0)
    pred_best, _ = _best_and_median(
        lambda: model.predict(xp, batch_size=batch, verbose=0), args.repeats
    )
    forecast = direct_forecast_fn(model, jit=args.jit)
    xbt = keras.ops.convert_to_tensor(xb)
    _block(forecast(xbt))
    _block(forecast(xbt))

    def direct_loop():
        for _ in range(steps):
            out = forecast(xbt)
        _block(out)

    direct_best, _ = _best_and_median(direct_loop, args.repeats)

    peak = max(peak_before, matmul_peak())

    # --- report ---
    threads = _threads(backend)
    print(
        f"backend {backend} ({_backend_version(backend)}), keras {keras.__version__}, "
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, {threads}"
    )
    print(
        f"model NHITS(input_size={args.input_size}, horizon={args.horizon}) defaults, "
        f"{model.count_params():,} parameters; batch {batch}, jit_compile={model.jit_compile}, "
        f"steps_per_execution={args.steps_per_execution}, fit data: {data}"
    )
    print(f"matmul peak (NumPy 2048^2 float32, best of 10, before and after): {peak:.1f} GFLOP/s")
    print(
        f"FLOPs per window (forward = 2 x multiply-adds, training = 3 x forward): nominal "
        f"{macs / 1e6:.3f} M MACs -> {forward_flops / 1e6:.2f} MFLOP forward, "
        f"{train_flops / 1e6:.2f} MFLOP training; executed (last backcast skipped) "
        f"{executed_macs / 1e6:.3f} M MACs -> {executed_train / 1e6:.2f} MFLOP training"
    )
    print(
        f"physical limit at this peak: {peak * 1e9 / train_flops:,.0f} training windows/s "
        f"(nominal), {peak * 1e9 / executed_train:,.0f} (executed); first fit epoch "
        f"(compilation + {steps} steps): {warmup_seconds:.1f} s"
    )
    rows = [
        ("train fit", steps * batch, fit_best, fit_median, executed_train),
        ("train train_on_batch", steps * batch, tob_best, None, executed_train),
        ("forecast predict", steps * batch, pred_best, None, executed_forward),
        ("forecast direct call", steps * batch, direct_best, None, executed_forward),
    ]
    print(f"{'path':<22}{'windows/s':>11}{'median':>9}{'ms/step':>9}{'GFLOP/s':>9}{'% peak':>8}")
    for name, windows, best, median, flops in rows:
        rate = windows / best
        median_text = "" if median is None else f"{windows / median:,.0f}"
        print(
            f"{name:<22}{rate:>11,.0f}{median_text:>9}{1e3 * best * batch / windows:>9.2f}"
            f"{rate * flops / 1e9:>9.1f}{100 * rate * flops / 1e9 / peak:>7.1f}%"
        )
    print(
        f"(best of {args.repeats} x {steps} steps of {batch} windows after a warm-up; "
        "fit: best and median epoch of one fit call of that many epochs; GFLOP/s from executed "
        "FLOPs)"
    )
    print(
        f"whole fit call ({args.repeats} epochs, with its setup and teardown): "
        f"{args.repeats * steps * batch / fit_call:,.0f} windows/s"
    )
    print(
        f"other processes used {MONITOR.other_cores():.2f} of {os.cpu_count()} CPUs on average "
        "during the timed runs"
    )


def _backend_version(backend):
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    if module is None:
        return "?"
    return f"{module} {__import__(module).__version__}"


def _threads(backend):
    if backend == "torch":
        import torch

        return f"torch threads {torch.get_num_threads()}"
    if backend == "tensorflow":
        import tensorflow as tf

        intra = tf.config.threading.get_intra_op_parallelism_threads() or "default"
        inter = tf.config.threading.get_inter_op_parallelism_threads() or "default"
        return f"tf intra/inter-op threads {intra}/{inter}"
    return f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}"


if __name__ == "__main__":
    main()

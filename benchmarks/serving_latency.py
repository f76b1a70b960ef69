"""Serving latency and throughput of the default N-HiTS, from Python and through the C API.

Prints p50/p99 latency of one forecast (batch 1) and forecasts per second at batch 256 for the
default architecture (input 480, horizon 96; `--hidden-size` for narrower MLPs) through
  (a) the exported TensorFlow SavedModel's `serving_default` signature, loaded in Python with
      `tf.saved_model.load` (TensorFlow and JAX only),
  (b) `model.predict`,
  (c) a direct `model(x)` call,
  (d) `model.predict_on_batch`, which runs Keras' compiled predict step on one batch without
      building a data iterator and a callback list each call (most of what `predict` costs), and
  (e) the same SavedModel through TensorFlow's C API, as TensorFlow Serving runs it, without
      Python in the loop (`savedmodel_latency.c`, compiled here when a C compiler is at hand),
on the backend chosen with KERAS_BACKEND. The live-trading target is p50 < 2 ms for batch 1
from the SavedModel on a 2-core CPU. Batch-1 calls are measured in 10 rounds; besides p50 and p99
over all calls, the lowest and highest p50 of a round show how much the machine drifted.
`serving_kernels.py` takes the SavedModel's time apart.

    KERAS_BACKEND=tensorflow python benchmarks/serving_latency.py [--calls 2000] [--hidden-size 512]
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import savedmodel_c_api  # noqa: E402

from keras_nhits import NHITS  # noqa: E402
from keras_nhits.saving.saved_model import EXPORT_BACKENDS, export_saved_model  # noqa: E402


def latencies(call, x, calls, warmup=50, rounds=10):
    """p50 and p99 over `calls` calls in ms, and the lowest and highest p50 of `rounds` rounds."""
    for _ in range(warmup):
        call(x)
    times = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        call(x)
        times[i] = time.perf_counter() - start
    round_p50 = [np.percentile(part, 50) * 1e3 for part in np.array_split(times, rounds)]
    return np.percentile(times, 50) * 1e3, np.percentile(times, 99) * 1e3, round_p50


def throughput(call, x, seconds=3.0):
    call(x)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call(x)
        n += len(x)
    return n / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input-size", type=int, default=480)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--hidden-size", type=int, default=512)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()

    model = NHITS(input_size=args.input_size, horizon=args.horizon, hidden_size=args.hidden_size)
    model.build((None, args.input_size))
    rng = np.random.default_rng(0)
    one = rng.normal(size=(1, args.input_size)).astype("float32") + 100
    batch = rng.normal(size=(256, args.input_size)).astype("float32") + 100
    paths = {}
    if keras.backend.backend() in EXPORT_BACKENDS:
        import tensorflow as tf

        folder = tempfile.mkdtemp()
        export_saved_model(model, os.path.join(folder, "saved"))
        serve = tf.saved_model.load(os.path.join(folder, "saved")).signatures["serving_default"]
        paths["SavedModel, Python"] = lambda x: serve(history=tf.constant(x))["forecast"].numpy()
    paths["model.predict"] = lambda x: model.predict(x, verbose=0, batch_size=len(x))
    paths["model(x)"] = lambda x: keras.ops.convert_to_numpy(model(x))
    paths["model.predict_on_batch"] = model.predict_on_batch

    print(
        f"backend {keras.backend.backend()}, input {args.input_size}, horizon {args.horizon}, "
        f"hidden {args.hidden_size}, {model.count_params():,} weights, {os.cpu_count()} CPUs"
    )
    print(
        f"{'path':<22} {'p50 ms (b=1)':>13} {'round p50s':>13} {'p99 ms (b=1)':>13} "
        f"{'forecasts/s (b=256)':>20}"
    )
    for name, call in paths.items():
        calls = args.calls if name != "model.predict" else max(args.calls // 10, 50)
        p50, p99, round_p50 = latencies(call, one, calls)
        spread = f"{min(round_p50):.2f}-{max(round_p50):.2f}"
        rate = throughput(call, batch)
        print(f"{name:<22} {p50:>13.3f} {spread:>13} {p99:>13.3f} {rate:>20,.0f}")
    if "SavedModel, Python" not in paths:
        print("(SavedModel export needs the TensorFlow or JAX backend)")
        return
    saved = os.path.join(folder, "saved")
    try:
        harness = savedmodel_c_api.build(folder)
    except savedmodel_c_api.HarnessUnavailable as error:
        print(f"(SavedModel through the C API skipped: {error})")
        return
    single = savedmodel_c_api.measure(harness, saved, args.input_size, 1, args.calls)
    batched = savedmodel_c_api.measure(
        harness, saved, args.input_size, 256, max(args.calls // 10, 50)
    )
    spread = f"{single['round_p50_low_ms']:.2f}-{single['round_p50_high_ms']:.2f}"
    print(
        f"{'SavedModel, C API':<22} {single['p50_ms']:>13.3f} {spread:>13} "
        f"{single['p99_ms']:>13.3f} {batched['forecasts_per_s']:>20,.0f}"
    )
    window = savedmodel_c_api.harness_window(1, args.input_size)
    expected = float(paths["SavedModel, Python"](window)[0, 0])
    if abs(single["first_value"] - expected) > 1e-4 * max(1.0, abs(expected)):
        raise SystemExit(
            f"the C API forecast {single['first_value']} differs from Python's {expected}"
        )


if __name__ == "__main__":
    main()

"""Where one batch-1 forecast's time goes in TensorFlow on this CPU, kernel by kernel.

`serving_latency.py` measures the whole SavedModel call; this script takes it apart, to show
which part of the p50 a change to our graph could move and which it cannot:

  1. the cost of calling any SavedModel signature from Python (one that returns `2 x`);
  2. the cost of a batch-1 matrix product per megabyte of weights, by working set (16 products
     cycling over 1 to 16 distinct 1 MB matrices), which shows how much of the weights stays
     in cache between products;
  3. the default model's own matrix products (its kernel shapes; the last block's forecast
     columns only, as the model computes them) in float32 and with reduced-precision weights:
     float16 and bfloat16 (cast to float32 or multiplied directly) and int8 with per-column
     scales, each with and without XLA, beside NumPy's float32 products;
  4. the exported default graph with 1-unit MLPs beside the default one: everything a call costs
     but the weights.

Measurements are interleaved (every candidate once per round) so that a drift of the machine
between rounds affects them all alike. TensorFlow backend only. XLA's CPU options are read from
`XLA_FLAGS`, so e.g. `XLA_FLAGS=--xla_cpu_use_xnnpack=true` measures XNNPACK's products.

    python benchmarks/serving_kernels.py [--rounds 8]
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_nhits import NHITS  # noqa: E402
from keras_nhits.saving.saved_model import export_saved_model  # noqa: E402


def interleaved_p50(candidates, rounds, calls=100, warmup=30):
    """p50 in ms of each zero-argument callable, over `rounds` interleaved rounds of `calls`."""
    for call in candidates.values():
        for _ in range(warmup):
            call()
    times = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, call in candidates.items():
            for _ in range(calls):
                start = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - start)
    return {name: float(np.percentile(t, 50)) * 1e3 for name, t in times.items()}


def trivial_signature():
    """A loaded SavedModel signature computing `2 x`: what any signature call costs from Python."""

    class Doubler(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 480], tf.float32, name="history")])
        def serve(self, history):
            return {"forecast": 2.0 * history}

    module = Doubler()
    folder = tempfile.mkdtemp()
    tf.saved_model.save(module, folder, signatures={"serving_default": module.serve})
    return tf.saved_model.load(folder).signatures["serving_default"]


def working_set_products(distinct, products=16):
    """`products` chained batch-1 products cycling over `distinct` 1 MB matrices."""
    rng = np.random.default_rng(distinct)
    weights = [tf.constant(rng.normal(size=(512, 512)).astype("float32")) for _ in range(distinct)]

    @tf.function
    def chain(x):
        for i in range(products):
            x = tf.matmul(x, weights[i % distinct]) * 0.01
        return x

    return chain


def model_kernels():
    """The float32 kernels the default model multiplies for one forecast, as NumPy arrays."""
    model = NHITS(input_size=480, horizon=96)
    model.build((None, 480))
    kernels = []
    for i, block in enumerate(model.blocks):
        kernels += [np.asarray(dense.kernel) for dense in block.hidden]
        theta = np.asarray(block.theta.kernel)
        kernels.append(theta[:, 480:] if i == len(model.blocks) - 1 else theta)
    return kernels


def precision_candidates(kernels, jit):
    """The model's products with float32, float16, bfloat16 and int8 weights, as tf.functions."""
    rng = np.random.default_rng(0)
    inputs = [tf.constant(rng.normal(size=(1, k.shape[0])).astype("float32")) for k in kernels]
    f32 = [tf.constant(k) for k in kernels]
    f16 = [tf.constant(k.astype("float16")) for k in kernels]
    bf16 = [tf.cast(w, tf.bfloat16) for w in f32]
    scales = [np.abs(k).max(axis=0) / 127.0 for k in kernels]
    int8 = [tf.constant(np.round(k / s).astype("int8")) for k, s in zip(kernels, scales)]
    scales = [tf.constant(s.astype("float32")) for s in scales]
    bodies = {
        "float32": lambda: [tf.matmul(x, w) for x, w in zip(inputs, f32)],
        "float16 weights, cast": lambda: [
            tf.matmul(x, tf.cast(w, tf.float32)) for x, w in zip(inputs, f16)
        ],
        "float16 product": lambda: [
            tf.matmul(tf.cast(x, tf.float16), w) for x, w in zip(inputs, f16)
        ],
        "bfloat16 product": lambda: [
            tf.matmul(tf.cast(x, tf.bfloat16), w) for x, w in zip(inputs, bf16)
        ],
        "int8 weights, cast": lambda: [
            tf.matmul(x, tf.cast(w, tf.float32)) * s for x, w, s in zip(inputs, int8, scales)
        ],
    }
    suffix = ", XLA" if jit else ""
    return {name + suffix: tf.function(body, jit_compile=jit) for name, body in bodies.items()}


def exported_signature(hidden_size):
    """The loaded `serving_default` signature of a default NHITS with `hidden_size` units."""
    folder = tempfile.mkdtemp()
    export_saved_model(NHITS(input_size=480, horizon=96, hidden_size=hidden_size), folder + "/m")
    return tf.saved_model.load(folder + "/m").signatures["serving_default"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()

    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs")
    try:  # private, but the only way to ask whether this wheel was built with oneDNN
        from tensorflow.python.util import _pywrap_util_port

        print(f"oneDNN (MKL) kernels in this TensorFlow build: {_pywrap_util_port.IsMklEnabled()}")
    except ImportError:
        pass

    signature = trivial_signature()
    x = tf.constant(np.ones((1, 480), "float32"))
    p50 = interleaved_p50({"call": lambda: signature(history=x)}, args.rounds)["call"]
    print(f"\n1. calling a SavedModel signature that returns 2 x, batch 1: p50 {p50:.3f} ms")

    print("\n2. batch-1 products, 16 per call, cycling over N distinct 1 MB float32 matrices")
    x = tf.constant(np.ones((1, 512), "float32"))
    chains = {n: working_set_products(n) for n in (1, 2, 4, 8, 16)}
    empty = tf.function(lambda x: x * 0.01)
    results = interleaved_p50(
        {"empty": lambda: empty(x), **{n: (lambda c=c: c(x)) for n, c in chains.items()}},
        args.rounds,
    )
    for n in chains:
        per_product = (results[n] - results["empty"]) / 16 * 1e3
        print(f"   N = {n:2d} (working set {n * 1.05:4.1f} MB): {per_product:5.0f} us per product")

    kernels = model_kernels()
    megabytes = sum(k.nbytes for k in kernels) / 1e6
    print(
        f"\n3. the default model's {len(kernels)} products, {megabytes:.1f} MB of float32 "
        "weights, batch 1 (p50 of all products in one call)"
    )
    candidates = {**precision_candidates(kernels, False), **precision_candidates(kernels, True)}
    vectors = [np.ones((1, k.shape[0]), "float32") for k in kernels]
    results = interleaved_p50(
        {
            "NumPy float32": lambda: [v @ k for v, k in zip(vectors, kernels)],
            **candidates,
        },
        args.rounds,
    )
    for name, ms in results.items():
        print(f"   {name:<30} {ms:6.3f} ms")

    print("\n4. the exported SavedModel, batch 1, by MLP width")
    history = tf.constant(np.random.default_rng(0).normal(size=(1, 480)).astype("float32") + 100)
    signatures = {
        "returns 2 x": signature,
        **{f"{h} units": exported_signature(h) for h in (1, 512)},
    }
    results = interleaved_p50(
        {name: (lambda s=s: s(history=history)) for name, s in signatures.items()}, args.rounds
    )
    for name, ms in results.items():
        print(f"   {name:<30} {ms:6.3f} ms")


if __name__ == "__main__":
    main()

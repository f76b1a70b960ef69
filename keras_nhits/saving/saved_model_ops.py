"""Prints the op types our exports use, to refresh the allowlists of `saved_model_safety`.

A developer tool, not part of serving: after a TensorFlow, Keras or model change, run it on each
export backend and paste the union into `COMPUTE_OPS`, `SAVE_OPS` and `RESTORE_OPS`:

    KERAS_BACKEND=tensorflow python -m keras_nhits.saving.saved_model_ops
    KERAS_BACKEND=jax python -m keras_nhits.saving.saved_model_ops

It exports one tiny model per option value that changes the graph (`export_grid`) into a
temporary folder and reads their graphs with `graph_op_types`, as the check does.
"""

import os
import sys

from keras_nhits.options import ACTIVATIONS, INTERPOLATION_MODES, POOLING_MODES, WINDOW_SCALERS
from keras_nhits.saving.saved_model_safety import graph_op_types

ROLES = ("compute", "save", "restore")


def export_grid():
    """One model per option value that changes the exported graph (options vary one at a time
    from the defaults of a tiny model: each option's ops are local to the layer it sets), and
    the covariate variants."""
    base = {"input_size": 24, "horizon": 6, "hidden_size": 8}
    variants = [{}]
    variants += [{"pooling": p} for p in POOLING_MODES]
    variants += [{"interpolation": i} for i in INTERPOLATION_MODES]
    variants += [{"scaler": s} for s in WINDOW_SCALERS]
    variants += [{"activation": a} for a in ACTIVATIONS]
    variants += [{"dropout": 0.3}, {"naive_level": False}, {"n_blocks": 2}, {"n_layers": 1}]
    variants += [{"horizon": 1, "freq_downsample": (8, 8, 1)}, {"pool_sizes": (1, 1, 1)}]
    variants += [{"mixed_float16": True}]
    # Covariates add their scalers, pooling and concatenation: each kind alone, then all three
    # with the options that change how they are pooled or computed.
    every_kind = {"hist_exog": 2, "futr_exog": 1, "stat_exog": 3}
    variants += [{kind: count} for kind, count in every_kind.items()]
    variants += [{**every_kind, **v} for v in ({"pooling": "average"}, {"pool_sizes": (1, 1, 1)})]
    variants += [{**every_kind, "mixed_float16": True}]
    # A quantile head: quantiles on both sides of the median, on one side only, with covariates
    # and in mixed precision.
    variants += [{"quantiles": q} for q in ((0.1, 0.9), (0.25,), (0.75,))]
    variants += [{"quantiles": (0.1, 0.9), **v} for v in (every_kind, {"mixed_float16": True})]
    # Conformal intervals around a point forecast and around the head's bounds.
    variants += [{"conformal": (80,)}, {"quantiles": (0.1, 0.9), "conformal": (80,)}]
    variants += [{"conformal": (80,), "mixed_float16": True}]
    variants += [{"quantiles": (0.1, 0.9), "distribution": d} for d in ("normal", "studentt")]
    return [{**base, **v} for v in variants]


def collect(folder):
    """Exports a model per `export_grid()` entry under `folder` on the current backend; returns
    `{role: sorted op types}` over all of them (save and restore without the compute ops)."""
    import keras

    from keras_nhits.models.nhits import NHITS
    from keras_nhits.saving.saved_model import export_saved_model

    found = {role: set() for role in ROLES}
    for i, options in enumerate(export_grid()):
        options = dict(options)
        policy = keras.config.dtype_policy()
        if options.pop("mixed_float16", False):
            keras.config.set_dtype_policy("mixed_float16")
        try:
            model = NHITS(**options)
            path = export_saved_model(model, os.path.join(folder, f"model_{i}"))
        finally:
            keras.config.set_dtype_policy(policy)
        for role in ROLES:
            found[role].update(graph_op_types(path, role))
    compute = found["compute"]
    return {
        "compute": sorted(compute),
        "save": sorted(found["save"] - compute),
        "restore": sorted(found["restore"] - compute),
    }


def main(argv):
    """`python -m keras_nhits.saving.saved_model_ops`: prints each role's op types as a tuple."""
    import argparse
    import tempfile

    from keras_nhits.cli.common import start_backend_quietly

    parser = argparse.ArgumentParser(
        prog="python -m keras_nhits.saving.saved_model_ops",
        description="Export our models on this backend and print the op types they use.",
    )

    def error(message):
        parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")

    parser.error = error
    parser.parse_args(argv)
    start_backend_quietly()
    with tempfile.TemporaryDirectory() as temp:
        for role, ops in collect(temp).items():
            print(f"{role}: {tuple(ops)!r}")
    return 0


if __name__ == "__main__":
    from keras_nhits.cli.common import run

    sys.exit(run(main))

"""Builds and runs `savedmodel_latency.c`: a SavedModel's latency through TensorFlow's C API.

A serving process (TensorFlow Serving, or a C, C++, Go or Java client) runs a SavedModel in a
session without Python, so Python's function-call machinery is not part of its latency. The
TensorFlow wheel ships the C API's headers and library; this module compiles the harness with
the system's C compiler and parses the line it prints.
"""

import os
import pathlib
import shutil
import subprocess
import tempfile

SOURCE = pathlib.Path(__file__).resolve().parent / "savedmodel_latency.c"


class HarnessUnavailable(RuntimeError):
    """The C harness cannot be built here (no C compiler, or no C API in the TensorFlow wheel)."""


def _last_line(stderr):
    """A failed command's last line of stderr: its own message, after any log lines."""
    return (stderr.strip().splitlines() or ["no message"])[-1]


def build(output_dir=None):
    """Compiles the harness against the installed TensorFlow; returns the executable's path."""
    import tensorflow as tf

    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        raise HarnessUnavailable("no C compiler (cc, gcc or clang) on PATH")
    tf_dir = pathlib.Path(tf.__file__).parent
    if not (tf_dir / "include" / "tensorflow" / "c" / "c_api.h").exists():
        raise HarnessUnavailable(f"no C API headers under {tf_dir / 'include'}")
    output_dir = pathlib.Path(output_dir or tempfile.mkdtemp())
    executable = output_dir / "savedmodel_latency"
    command = [
        compiler, "-O2", "-o", str(executable), str(SOURCE), f"-I{tf_dir / 'include'}",
        f"-L{tf_dir}", "-l:libtensorflow_cc.so.2", "-l:libtensorflow_framework.so.2",
        f"-Wl,-rpath,{tf_dir}",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise HarnessUnavailable(f"compiling {SOURCE.name} failed: {_last_line(done.stderr)}")
    try:  # a folder mounted noexec, or libraries the loader cannot find, fail here
        usage = subprocess.run([str(executable)], capture_output=True, text=True)
    except OSError as error:
        raise HarnessUnavailable(f"cannot run {executable}: {error.strerror}") from None
    if usage.returncode != 2:
        raise HarnessUnavailable(f"{executable.name} does not start: {_last_line(usage.stderr)}")
    return executable


def signature_tensors(folder, signature="serving_default"):
    """The graph tensor names of a SavedModel signature's single input and single output."""
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString((pathlib.Path(folder) / "saved_model.pb").read_bytes())
    definition = saved.meta_graphs[0].signature_def[signature]
    (tensor_in,) = [t.name for t in definition.inputs.values()]
    (tensor_out,) = [t.name for t in definition.outputs.values()]
    return tensor_in, tensor_out


def measure(executable, folder, input_size, batch, calls):
    """Runs the harness; returns its figures: `p50_ms`, `p99_ms`, `round_p50_low_ms`,
    `round_p50_high_ms`, `forecasts_per_s` and `first_value` (the first forecast's first step)."""
    tensor_in, tensor_out = signature_tensors(folder)
    arguments = [folder, tensor_in, tensor_out, input_size, batch, calls]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    command = [str(executable), *map(str, arguments)]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{executable.name} failed: {_last_line(done.stderr)}")
    fields = dict(field.split("=") for field in done.stdout.split())
    return {key: float(value) for key, value in fields.items() if key != "batch"}


def harness_window(batch, input_size):
    """The window the harness feeds (near 100, repeating every 13 values), for checking."""
    import numpy as np

    values = 100.0 + (np.arange(batch * input_size) % 13).astype("float32") * np.float32(0.1)
    return values.astype("float32").reshape(batch, input_size)

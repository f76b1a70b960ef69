"""`--distribute`: how many devices one training run spreads its batches over.

- `none` (the default): one device, the one `--gpu` picks.
- `mirrored`: every GPU of this host under TensorFlow, through `tf.distribute.MirroredStrategy`:
  the model's variables are mirrored on each device, each global batch of `--batch-size`
  windows is split over them and the gradients are summed across them, so a step is the step
  one device would take on the whole batch (to float32 rounding). On a machine with one device
  it says so and trains as usual. A process that has split its CPU into several logical devices
  (`tf.config.set_logical_device_configuration`) and has no GPU mirrors over those, which is how
  the tests check it on a CPU.

Data-parallel training across processes and hosts (`keras.distribution` on JAX) is not built
yet; see docs/scaling.md.
"""

import contextlib

import keras

from keras_nhits.errors import NHITSInputError


def check_distribute(distribute, jit_compile):
    """Refuses a `--distribute` mode the active backend cannot run, before anything is read."""
    backend = keras.backend.backend()
    if distribute == "mirrored" and backend != "tensorflow":
        raise NHITSInputError(
            f"--distribute mirrored runs on the TensorFlow backend, not {backend}; set "
            "KERAS_BACKEND=tensorflow"
        )
    if distribute == "mirrored" and jit_compile == "on":
        raise NHITSInputError(
            "--jit-compile on cannot be used with --distribute mirrored: XLA compiles the step "
            "of one device, and Keras compiles the step of every replica at once; use "
            "--jit-compile auto"
        )


def replicas():
    """How many devices the active `tf.distribute` strategy trains on (1 outside one)."""
    if keras.backend.backend() != "tensorflow":
        return 1
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


def mirrored_devices():
    """The devices `--distribute mirrored` spreads over: the logical GPUs, or without a GPU
    the logical CPUs when the process made more than one."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        return [d.name for d in gpus]
    cpus = tf.config.list_logical_devices("CPU")
    return [d.name for d in cpus] if len(cpus) > 1 else []


def mirrored_strategy(distribute, batch_size, gpu, val_windows):
    """`(strategy, notes)`: the `tf.distribute.MirroredStrategy` the model is built, compiled
    and trained under for `distribute`, or None for one device (the caller's `--gpu` device
    then), and the lines the run's log shows about it.

    Refuses a global batch that does not split evenly over the replicas, and fewer validation
    windows than replicas: Keras reduces the first batch of a distributed dataset to learn its
    shapes, which fails on unequal parts (`even_batch_size` takes care of the validation
    batches otherwise).
    """
    if distribute != "mirrored":
        return None, []
    import tensorflow as tf

    devices = mirrored_devices()
    if len(devices) < 2:
        found = f"one device ({devices[0]})" if devices else "one device"
        return None, [f"--distribute mirrored: this machine has {found}; training on it as usual"]
    if batch_size % len(devices):
        raise NHITSInputError(
            f"--batch-size {batch_size} does not split evenly over the {len(devices)} devices "
            f"of --distribute mirrored; use a multiple of {len(devices)}"
        )
    if 0 < val_windows < len(devices):
        raise NHITSInputError(
            f"--distribute mirrored over {len(devices)} devices needs at least {len(devices)} "
            f"validation windows, one a device; the split has {val_windows}: raise --val-split"
        )
    strategy = tf.distribute.MirroredStrategy(devices)
    notes = [
        f"--distribute mirrored: {len(devices)} replicas ({', '.join(devices)}); each global "
        f"batch of {batch_size} windows is split over them; XLA is off (Keras compiles one "
        "device's step with it)"
    ]
    if gpu not in (0, -1):
        notes.append(f"--gpu {gpu} is ignored with --distribute mirrored: every device is used")
    return strategy, notes


def even_batch_size(batch_size, n_windows):
    """`batch_size`, or less so that the first batch of `n_windows` splits evenly over the
    replicas of the active strategy (see `mirrored_strategy`); unchanged on one device."""
    n = replicas()
    first = min(batch_size, n_windows)
    if n == 1 or first % n == 0:
        return batch_size
    return max(first - first % n, n)


def device_scope(device):
    """`keras.device(device)`, or no scope for the backend's default device (None)."""
    return keras.device(device) if device else contextlib.nullcontext()

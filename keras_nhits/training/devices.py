"""Device choice (`--gpu N`) and mixed precision (`--mixed-precision`) for the active backend."""

import keras

from keras_nhits.errors import NHITSInputError


def list_gpus():
    """Names of the GPUs the active Keras backend can use (empty on a CPU-only machine)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return []


def configure_devices(gpu, mixed_precision):
    """Picks the device and dtype policy; returns `(device_name, notes)`.

    `device_name` is what `keras.device` takes (`"gpu:N"`), or None for the backend's default
    device: the CPU (a `keras.device("cpu:0")` scope cuts gradients on PyTorch). Without a GPU the
    run trains on the CPU and a note says so; `mixed_float16` is set only on a GPU, because
    on a CPU float16 matrix products are slower than float32, not faster, and a note says it
    was ignored. The caller restores the dtype policy when the run ends.
    """
    notes = []
    gpus = [] if gpu < 0 else list_gpus()
    if gpu >= 0 and not gpus:
        notes.append("no GPU found: training on the CPU")
    elif gpu >= len(gpus) > 0:
        raise NHITSInputError(
            f"--gpu {gpu} does not exist: this machine has {len(gpus)} GPU(s), "
            f"numbered 0 to {len(gpus) - 1}; use -1 for the CPU"
        )
    device = f"gpu:{gpu}" if gpus else None
    if mixed_precision and gpus:
        keras.config.set_dtype_policy("mixed_float16")
        notes.append(f"training on {gpus[gpu]} with mixed_float16 (loss scaling on)")
    elif mixed_precision:
        notes.append("--mixed-precision is ignored on the CPU: training in float32")
    elif gpus:
        notes.append(f"training on {gpus[gpu]} in float32")
    return device, notes

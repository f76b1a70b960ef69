"""Export to a TensorFlow SavedModel whose signatures take raw values and return raw forecasts.

The model scales every input window itself, so the exported graph needs nothing else: a serving
system sends the last `input_size` raw values of each series and receives `horizon` raw values.

Signatures:
    serving_default   history float32 [None, input_size]  ->  forecast float32 [None, horizon]
    decompose         history float32 [None, input_size]  ->  components float32
                                                              [None, n_stacks + 1, horizon]
                      (row 0 the level, row s + 1 stack s; the rows sum to the forecast)

Keras writes SavedModels from the TensorFlow and JAX backends (JAX through jax2tf). Run folders are
backend-independent (safetensors + JSON), so a model trained with PyTorch is exported by loading
its folder in a process running the TensorFlow backend; `export_saved_model` says so when called
on PyTorch.
"""

import os

import keras

from keras_nhits.atomic_io import atomic_directory
from keras_nhits.errors import NHITSInputError

EXPORT_BACKENDS = ("tensorflow", "jax")


def export_saved_model(model, path):
    """Writes `model` as a TensorFlow SavedModel at `path` (a folder), atomically.

    Raises `NHITSInputError` on the PyTorch backend, naming the command that exports instead.
    """
    backend = keras.backend.backend()
    if backend not in EXPORT_BACKENDS:
        raise NHITSInputError(
            f"SavedModel export needs the TensorFlow or JAX backend, not {backend}; run "
            "KERAS_BACKEND=tensorflow python -m keras_nhits.export --model RUN_DIR --output PATH "
            "(run folders load on every backend)"
        )
    from keras.export import ExportArchive

    if not model.built:
        model.build((None, model.input_size))

    spec = [keras.InputSpec(shape=(None, model.input_size), dtype="float32", name="history")]
    archive = ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serving_default",
        fn=lambda history: {"forecast": model(history, training=False)},
        input_signature=spec,
    )
    archive.add_endpoint(
        name="decompose",
        fn=lambda history: {"components": model.decompose(history)},
        input_signature=spec,
    )
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    with atomic_directory(path) as temp:
        archive.write_out(str(temp), verbose=False)
    return path
